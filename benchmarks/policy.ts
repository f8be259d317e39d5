/**
 * Per-request policy overhead (SPEC §8: p95 ≤ 0.2 ms with the shipped templates): what the
 * request hook adds for policy on every intercepted request — PII scan of the prompt, the
 * input document, and `PolicySet.decide` over the four templates in policies/.
 *
 * Run alone: `npx tsx benchmarks/policy.ts` (env N overrides the iteration count).
 */
import { pathToFileURL } from 'node:url';
import type { Exchange } from '../lib/hooks.js';
import { createLogger } from '../lib/log.js';
import { exchangeInput } from '../lib/policy/input.js';
import { detectPii } from '../lib/policy/pii.js';
import { PolicySet } from '../lib/policy/policy-set.js';

export interface PolicyBenchResult {
  n: number;
  templates: string[];
  mean_ms: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
}

const round = (x: number) => Number(x.toFixed(4));

const PROMPT =
  'You are a helpful tutor.\nCan you explain how photosynthesis works? My teacher said to email her at teacher@school.example ' +
  'if I get stuck, and I need it for tomorrow. Please keep it simple and give me three bullet points.';

const EXCHANGE = {
  route: { host: 'api.openai.com', provider: 'openai', kind: 'api', mode: 'intercept' },
  method: 'POST',
  path: '/v1/chat/completions',
  requestBytes: 812,
  bodyTruncated: false,
  info: { model: 'gpt-4o', stream: true, messages: 3, prompt: PROMPT, attachments: 0 },
} as unknown as Exchange;

const CONFIG_DATA = {
  bedtime: { people: { alice: { school_nights: [{ start: '21:00', end: '07:00' }], weekends: [{ start: '22:30', end: '08:00' }] } } },
  high_usage: { requests_per_hour: 60 },
};

export async function measurePolicyOverhead(n = 20_000): Promise<PolicyBenchResult> {
  const set = new PolicySet({
    dir: new URL('../policies/', import.meta.url).pathname,
    mode: 'advisory',
    data: CONFIG_DATA,
    logger: createLogger('silent'),
  });
  const err = await set.load();
  if (err) throw new Error(err);
  const client = { ip: '192.168.1.23', mac: null, name: 'kids-ipad', person: 'alice' };
  const base = Date.UTC(2026, 10, 25, 15, 0);
  const once = (i: number) => {
    const now = base + (i % 600) * 60_000; // walk through the day: bedtime and not
    const usage = { requests_today: 40 + (i % 100), requests_last_hour: i % 80, tokens_today: 18_000 };
    const input = exchangeInput(EXCHANGE, client, usage, detectPii(PROMPT), now, 'Europe/Berlin');
    return set.decide(input);
  };
  for (let i = 0; i < 2_000; i++) once(i);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    once(i);
    times[i] = performance.now() - start;
  }
  times.sort();
  const pct = (p: number) => round(times[Math.min(n - 1, Math.ceil(n * p) - 1)]!);
  return {
    n,
    templates: set.status().packages,
    mean_ms: round(times.reduce((s, x) => s + x, 0) / n),
    p50_ms: pct(0.5),
    p95_ms: pct(0.95),
    p99_ms: pct(0.99),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(JSON.stringify(await measurePolicyOverhead(Number(process.env.N) || undefined), null, 2));
}
