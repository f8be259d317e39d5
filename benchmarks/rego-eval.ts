/**
 * Rego evaluation benchmark (SPEC §8: policy evaluation of the shipped policies, p95 ≤ 0.2 ms).
 * Compiles policies/*.rego (tests excluded) once, prepares the decision queries once, then
 * evaluates them against a realistic input with config data, `n` times after a warm-up.
 *
 * Run alone: `npx tsx benchmarks/rego-eval.ts` (env N overrides the iteration count).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { compileModules } from '../lib/policy/rego/index.js';
import { fromJSON } from '../lib/policy/rego/value.js';

export interface RegoEvalResult {
  n: number;
  /** Per query: mean / p95 / max in milliseconds. */
  queries: Record<string, { mean_ms: number; p95_ms: number; max_ms: number }>;
}

const round = (x: number) => Number(x.toFixed(4));

const INPUT = {
  time: { unix_ms: 1764100000000, iso: '2025-11-25T21:05:00+01:00', hour: 21, minute: 5, weekday: 'tuesday', tz: 'Europe/Berlin' },
  client: { ip: '192.168.1.23', mac: null, name: 'kids-ipad', person: 'alice' },
  request: {
    host: 'api.openai.com',
    provider: 'openai',
    kind: 'api',
    mode: 'intercept',
    method: 'POST',
    path: '/v1/chat/completions',
    model: 'gpt-4o',
    stream: true,
    prompt: 'help me with my homework, my email is kid@example.com',
    messages: 3,
    bytes: 812,
    body_truncated: false,
  },
  usage: { client: { requests_today: 41, requests_last_hour: 7, tokens_today: 18230 } },
  detections: { pii: [{ type: 'email', count: 1 }] },
};

const DATA = {
  yori: {
    config: {
      bedtime: { people: { alice: { school_nights: [{ start: '21:00', end: '07:00' }] } } },
      high_usage: { requests_per_hour: 5 },
    },
  },
};

export function measureRegoEval(n = 5000): RegoEvalResult {
  const dir = new URL('../policies/', import.meta.url);
  const mods = readdirSync(dir)
    .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
    .map((f) => ({ name: f, source: readFileSync(new URL(f, dir), 'utf8') }));
  const policy = compileModules(mods);
  const rules = ['bedtime', 'high_usage', 'home_default', 'privacy'].flatMap((p) => [`${p}.deny`, `${p}.warn`]);
  const queries: Record<string, string[]> = {
    'bedtime deny': ['x := data.yori.bedtime.deny'],
    'all deny+warn, one query': ['deny := {m | some m in data.yori[_].deny}; warn := {m | some m in data.yori[_].warn}'],
    'all deny+warn, a query per rule': rules.map((r) => `x := data.yori.${r}`),
  };
  const data = fromJSON(DATA);
  const out: RegoEvalResult = { n, queries: {} };
  for (const [name, texts] of Object.entries(queries)) {
    const qs = texts.map((text) => policy.prepare(text));
    const evalAll = (): void => {
      for (const q of qs) q.evalValues({ input: INPUT, data });
    };
    for (let i = 0; i < 500; i++) evalAll();
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const start = performance.now();
      evalAll();
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    out.queries[name] = {
      mean_ms: round(times.reduce((s, x) => s + x, 0) / n),
      p95_ms: round(times[Math.ceil(n * 0.95) - 1]!),
      max_ms: round(times[n - 1]!),
    };
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(measureRegoEval(Number(process.env.N ?? 5000)), null, 2));
}
