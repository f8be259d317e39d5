/**
 * `npm run bench`: the SPEC §8 numbers in one bounded run (a few minutes, loopback only), written
 * to docs/BENCHMARKS.md (and the raw JSON to benchmarks/results/).
 *
 * Three processes, so that no two parties share an event loop: the fake origin
 * (servers/origin.ts), YORI (servers/gateway.ts, once as the bare data path and once as the
 * full `yori start` with addons, policies and audit), and this runner driving autocannon.
 * Every load test runs against the origin directly and through YORI in the same run; the
 * overhead is the difference. Latencies come from autocannon's per-response timings (float ms;
 * its own histogram rounds to whole ms, too coarse for a 1 ms budget).
 *
 * Knobs (env): FIXED_SECONDS (20), MAX_SECONDS (10), CONNECTIONS (50), STREAMS (200),
 * SSE_EVENTS (50), AUDIT_ROWS (1000000), SKIP_FULL=1 (bare data path only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import ts from 'typescript';
import { loadOrCreateCA } from '../lib/tls/ca.js';
import { LeafMinter } from '../lib/tls/leaf.js';
import { measureLeafMinting, type LeafMintResult } from './leaf-mint.js';
import { findNginx, startNginx } from './nginx.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const env = (k: string, d: number) => (process.env[k] ? Number(process.env[k]) : d);
const FIXED_SECONDS = env('FIXED_SECONDS', 20);
const MAX_SECONDS = env('MAX_SECONDS', 10);
const CONNECTIONS = env('CONNECTIONS', 50);
const STREAMS = env('STREAMS', 200);
const SSE_EVENTS = env('SSE_EVENTS', 50);
const AUDIT_ROWS = env('AUDIT_ROWS', 1_000_000);
const RATE = 50;
const HOST = 'api.openai.com';
const BODY = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Explain photosynthesis in three bullet points.' }] });

interface Target {
  name: string;
  port: number;
  ca: string;
}

interface Percentiles {
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

function percentiles(values: number[]): Percentiles {
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))] ?? NaN;
  return { mean: round(v.reduce((a, b) => a + b, 0) / v.length), p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)) };
}

// ── processes ──────────────────────────────────────────────────────────────────────────

const SERVERS = ['benchmarks/servers/origin.ts', 'benchmarks/servers/gateway.ts'];
const COMPILED = join(root, 'benchmarks/results/js');

/**
 * Compiles the two server processes (and the lib files they import) to plain JS, so that
 * their RSS and CPU are YORI's own and not tsx's loader thread's. Falls back to tsx when the
 * emit fails.
 */
function compileServers(): boolean {
  const program = ts.createProgram(SERVERS.map((s) => join(root, s)), {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    rootDir: root,
    outDir: COMPILED,
    skipLibCheck: true,
    types: ['node'],
  });
  if (program.emit().emitSkipped) return false;
  // Files the full app reads next to its modules (the dashboard's page and scripts).
  cpSync(join(root, 'lib/web/static'), join(COMPILED, 'lib/web/static'), { recursive: true });
  return true;
}

let compiled = false;

function startProcess(script: string, args: string[], ipc = false): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const entry = compiled ? [join(COMPILED, script.replace(/\.ts$/, '.js'))] : ['--import', join(root, 'benchmarks/register.mjs'), join(root, script)];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: root,
    stdio: ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => resolve({ child, info: JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface ProcStats {
  rss: number;
  cpuUserUs: number;
  cpuSystemUs: number;
}

function stats(child: ChildProcess): Promise<ProcStats> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as ProcStats));
    child.send('stats');
  });
}

// ── load ───────────────────────────────────────────────────────────────────────────────

interface LoadResult {
  requests: number;
  errors: number;
  non2xx: number;
  reqPerSec: number;
  latencyMs: Percentiles;
}

async function load(target: Target, opts: { seconds: number; connections: number; rate?: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  const options: autocannon.Options = {
    url: `https://127.0.0.1:${target.port}/v1/chat/completions`,
    method: 'POST',
    headers: { host: HOST, 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
    body: BODY,
    servername: HOST,
    tlsOptions: { ca: target.ca },
    connections: opts.connections,
    duration: opts.seconds,
    ...(opts.rate ? { overallRate: opts.rate } : {}),
  };
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status === 200) latencies.push(ms);
    });
  });
  return {
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    reqPerSec: round(r.requests.total / r.duration, 0),
    latencyMs: percentiles(latencies),
  };
}

/** Per-event delay (arrival minus the origin's send stamp, same monotonic clock), in ms. */
async function sseDelays(target: Target, streams: number, events: number): Promise<number[]> {
  const delays: number[] = [];
  for (let s = 0; s < streams; s++) {
    await new Promise<void>((resolve, reject) => {
      https.get({
        host: '127.0.0.1', port: target.port, path: `/sse?events=${events}&interval=10`, servername: HOST, ca: target.ca,
        headers: { host: HOST }, agent: false,
      }, (res) => {
        let tail = '';
        res.on('data', (d: Buffer) => {
          const now = process.hrtime.bigint();
          tail += d.toString();
          let i: number;
          while ((i = tail.indexOf('\n\n')) >= 0) {
            const m = /"t":(\d+)/.exec(tail.slice(0, i));
            if (m) delays.push(Number(now - BigInt(m[1]!)) / 1e6);
            tail = tail.slice(i + 2);
          }
        });
        res.on('end', () => resolve());
        res.on('error', reject);
      }).on('error', reject);
    });
  }
  return delays;
}

/** Opens `n` long-lived SSE streams through the target; resolves once all are flowing. */
async function holdStreams(target: Target, n: number): Promise<() => void> {
  const requests: ReturnType<typeof https.get>[] = [];
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port: target.port, path: '/hold', servername: HOST, ca: target.ca, headers: { host: HOST }, agent: false }, (res) => {
      res.once('data', () => resolve());
      res.on('error', () => {});
    });
    req.on('error', reject);
    requests.push(req);
  })));
  return () => requests.forEach((r) => r.destroy());
}

// ── one YORI mode ──────────────────────────────────────────────────────────────────────

interface ModeResult {
  fixed: LoadResult;
  max: LoadResult;
  cpuPerRequestUs: number;
  sseDelayMs: Percentiles;
  rssIdleMb: number;
  rssStreamsMb: number;
}

async function measureMode(mode: 'bare' | 'full', origin: Target, originCaFile: string, work: string, direct: { sse: number[] }): Promise<ModeResult> {
  const policyDir = join(root, 'policies');
  const { child, info } = await startProcess('benchmarks/servers/gateway.ts', [mode, String(origin.port), originCaFile, work, policyDir], true);
  try {
    const target: Target = { name: mode, port: info.port as number, ca: readFileSync(info.caFile as string, 'utf8') };
    // Idle: started, one exchange done (leaf minted, upstream pooled), nothing in flight.
    await load(target, { seconds: 1, connections: 1, rate: 1 });
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdle = (await stats(child)).rss;
    await load(target, { seconds: 2, connections: 10 }); // warm-up: JIT
    process.stdout.write(`  ${mode}: ${RATE} req/s for ${FIXED_SECONDS} s\n`);
    const fixed = await load(target, { seconds: FIXED_SECONDS, connections: 1, rate: RATE });
    process.stdout.write(`  ${mode}: max req/s, ${CONNECTIONS} connections, ${MAX_SECONDS} s\n`);
    const before = await stats(child);
    const max = await load(target, { seconds: MAX_SECONDS, connections: CONNECTIONS });
    const after = await stats(child);
    const cpuUs = after.cpuUserUs + after.cpuSystemUs - before.cpuUserUs - before.cpuSystemUs;
    process.stdout.write(`  ${mode}: SSE per-chunk delay, then ${STREAMS} open streams\n`);
    const sse = await sseDelays(target, 5, SSE_EVENTS);
    const release = await holdStreams(target, STREAMS);
    await new Promise((r) => setTimeout(r, 2000));
    const rssStreams = (await stats(child)).rss;
    release();
    const directSse = percentiles(direct.sse);
    const viaSse = percentiles(sse);
    return {
      fixed,
      max,
      cpuPerRequestUs: round(cpuUs / Math.max(1, max.requests), 1),
      sseDelayMs: {
        mean: round(viaSse.mean - directSse.mean),
        p50: round(viaSse.p50 - directSse.p50),
        p95: round(viaSse.p95 - directSse.p95),
        p99: round(viaSse.p99 - directSse.p99),
      },
      rssIdleMb: round(rssIdle / 2 ** 20, 1),
      rssStreamsMb: round(rssStreams / 2 ** 20, 1),
    };
  } finally {
    await stop(child);
  }
}

// ── report ─────────────────────────────────────────────────────────────────────────────

interface Report {
  date: string;
  machine: { cpu: string; cores: number; memoryGb: number; os: string; node: string; loadAvg: [start: number, end: number] };
  direct: { fixed: LoadResult; max: LoadResult; sseDelayMs: Percentiles };
  modes: Partial<Record<'bare' | 'full', ModeResult>>;
  nginx: { fixed: LoadResult; max: LoadResult; cpuPerRequestUs: number; rssMb: number } | null;
  leaf: LeafMintResult;
  policy: { p95_ms: number; p99_ms: number; mean_ms: number } | null;
  audit: Record<string, unknown> | null;
}

const verdict = (ok: boolean) => (ok ? 'meets' : '**misses**');

function markdown(r: Report): string {
  const modes = (['bare', 'full'] as const).filter((m) => r.modes[m]);
  const label = { bare: 'YORI data path', full: 'YORI full (`yori start`)' };
  const ng = r.nginx;
  const col = (f: (m: ModeResult) => string) => modes.map((m) => f(r.modes[m]!)).join(' | ');
  const nginxCol = (f: (n: NonNullable<Report['nginx']>) => string) => (ng ? f(ng) : 'not run');
  const head = `| what | direct | nginx (1 process) | ${modes.map((m) => label[m]).join(' | ')} |\n|---|---|---|${modes.map(() => '---|').join('')}`;
  const ms = (p: Percentiles) => `${p.p50} / ${p.p95} / ${p.p99}`;
  const added = (p: Percentiles, q: keyof Percentiles) => round(p[q] - r.direct.fixed.latencyMs[q]);
  const addedAll = (p: Percentiles) => `${added(p, 'p50')} / ${added(p, 'p95')} / ${added(p, 'p99')}`;
  const ratio = (reqPerSec: number) => `${reqPerSec} (${round(reqPerSec / r.direct.max.reqPerSec, 2)}× direct${ng ? `, ${round(reqPerSec / ng.max.reqPerSec, 2)}× nginx` : ''})`;
  const lines = [
    head,
    `| latency at ${RATE} req/s, p50 / p95 / p99 (ms) | ${ms(r.direct.fixed.latencyMs)} | ${nginxCol((n) => ms(n.fixed.latencyMs))} | ${col((m) => ms(m.fixed.latencyMs))} |`,
    `| added latency p50 / p95 / p99 (ms) | — | ${nginxCol((n) => addedAll(n.fixed.latencyMs))} | ${col((m) => addedAll(m.fixed.latencyMs))} |`,
    `| max req/s, ${CONNECTIONS} connections, keep-alive | ${r.direct.max.reqPerSec} | ${nginxCol((n) => String(n.max.reqPerSec))} | ${col((m) => ratio(m.max.reqPerSec))} |`,
    `| latency at max load, p50 / p99 (ms) | ${r.direct.max.latencyMs.p50} / ${r.direct.max.latencyMs.p99} | ${nginxCol((n) => `${n.max.latencyMs.p50} / ${n.max.latencyMs.p99}`)} | ${col((m) => `${m.max.latencyMs.p50} / ${m.max.latencyMs.p99}`)} |`,
    `| CPU per proxied request at max load (µs) | — | ${nginxCol((n) => String(n.cpuPerRequestUs))} | ${col((m) => String(m.cpuPerRequestUs))} |`,
    `| SSE: added delay per chunk, mean / p95 (ms) | (${r.direct.sseDelayMs.mean} / ${r.direct.sseDelayMs.p95} origin→client) | — | ${col((m) => `${m.sseDelayMs.mean} / ${m.sseDelayMs.p95}`)} |`,
    `| RSS idle: started, one exchange done (MB) | — | ${nginxCol((n) => `${n.rssMb} (after load)`)} | ${col((m) => String(m.rssIdleMb))} |`,
    `| RSS with ${STREAMS} open streams (MB) | — | — | ${col((m) => String(m.rssStreamsMb))} |`,
    `| errors / non-2xx (all load runs) | ${r.direct.fixed.errors + r.direct.max.errors} / ${r.direct.fixed.non2xx + r.direct.max.non2xx} | ${nginxCol((n) => `${n.fixed.errors + n.max.errors} / ${n.fixed.non2xx + n.max.non2xx}`)} | ${col((m) => `${m.fixed.errors + m.max.errors} / ${m.fixed.non2xx + m.max.non2xx}`)} |`,
  ];
  // Per-mode targets: the proxy itself (data path) and what `yori start` runs (full).
  const judged = (f: (m: ModeResult) => [string, boolean]) =>
    modes.map((m) => {
      const [value, ok] = f(r.modes[m]!);
      return `${value}: ${verdict(ok)}`;
    }).join(' | ');
  const spacer = modes.map(() => '').join(' | ');
  const targets = [
    `| SPEC §8 target | ${modes.map((m) => label[m]).join(' | ')} |`,
    `|---|${modes.map(() => '---|').join('')}`,
    `| added latency p95 at 50 req/s ≤ 1 ms | ${judged((m) => [`${added(m.fixed.latencyMs, 'p95')} ms`, added(m.fixed.latencyMs, 'p95') <= 1])} |`,
    `| added delay per SSE chunk ≤ 1 ms mean | ${judged((m) => [`${m.sseDelayMs.mean} ms`, m.sseDelayMs.mean <= 1])} |`,
    `| CPU per proxied request ≤ 200 µs | ${judged((m) => [`${m.cpuPerRequestUs} µs`, m.cpuPerRequestUs <= 200])} |`,
    ng
      ? `| max req/s ≥ 0.5× nginx (same run: ${ng.max.reqPerSec}) | ${judged((m) => [`${round(m.max.reqPerSec / ng.max.reqPerSec, 2)}×`, m.max.reqPerSec >= 0.5 * ng.max.reqPerSec])} |`
      : `| max req/s ≥ 0.5× nginx (same run) | ${modes.map(() => 'nginx not installed: not measured').join(' | ')} |`,
    `| RSS ≤ 80 MB idle | ${judged((m) => [`${m.rssIdleMb} MB`, m.rssIdleMb <= 80])} |`,
    `| RSS ≤ 150 MB at 200 concurrent streams | ${judged((m) => [`${m.rssStreamsMb} MB (${STREAMS} streams)`, m.rssStreamsMb <= 150 && STREAMS >= 200])} |`,
    `| leaf certificate for a new host ≤ 5 ms | mean ${r.leaf.mean_ms} ms, p95 ${r.leaf.p95_ms} ms; cached ${r.leaf.cached_us} µs: ${verdict(r.leaf.p95_ms <= 5)} | ${spacer}`.replace(/ \| $/, ' |'),
  ];
  const whole = (text: string) => `| ${text} |${modes.length > 1 ? ' ↑ |' : ''}`;
  if (r.policy) targets.push(whole(`policy evaluation p95 ≤ 0.2 ms | ${r.policy.p95_ms} ms (whole request hook): ${verdict(r.policy.p95_ms <= 0.2)}`));
  if (r.audit) {
    const num = (k: string) => (typeof r.audit![k] === 'number' ? (r.audit![k] as number) : NaN);
    const queryKeys = Object.keys(r.audit).filter((k) => k.endsWith('_ms') && !Number.isNaN(num(k)) && !/stall|retention/.test(k));
    const slowest = Math.max(...queryKeys.map(num));
    targets.push(whole(`audit writes ≥ 10,000 events/s | ${num('inserts_per_s')} events/s: ${verdict(num('inserts_per_s') >= 10_000)}`));
    targets.push(whole(`dashboard queries ≤ 100 ms at 1 M rows | slowest ${slowest} ms at ${num('rows')} rows: ${verdict(slowest <= 100 && num('rows') >= 1_000_000)}`));
  }
  return `# Benchmarks

Measured by \`npm run bench\` (benchmarks/run.ts) on ${r.date}. Re-run it to refresh this file.

Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB RAM, ${r.machine.os}, Node ${r.machine.node};
1-minute load average at the start and the end of the run: ${r.machine.loadAvg[0]} / ${r.machine.loadAvg[1]} (other work on
the machine inflates every column, the CPU-time figures most).

## Command

\`\`\`sh
npm run bench
# knobs: FIXED_SECONDS=${FIXED_SECONDS} MAX_SECONDS=${MAX_SECONDS} CONNECTIONS=${CONNECTIONS} STREAMS=${STREAMS} SSE_EVENTS=${SSE_EVENTS} AUDIT_ROWS=${AUDIT_ROWS} [SKIP_FULL=1]
\`\`\`

The fixed-rate runs use one keep-alive connection, so that requests arrive evenly spaced
(autocannon spreads a rate over its connections in bursts, and a burst of ten measures
queueing, not the proxy). Max-rate runs use ${CONNECTIONS} connections.

Setup: a fake HTTPS origin for api.openai.com (node:https, keep-alive, ~600-byte JSON
completion; SSE with monotonic-clock stamps), YORI, and the autocannon client each run in
their own process on loopback. "direct" is autocannon → origin; the YORI columns are
autocannon → YORI (transparent port, TLS with the YORI CA) → origin (verified TLS, pooled).
"data path" is \`startGateway\` with no addons; "full" is what \`yori start\` runs (provider
extraction, the shipped Rego policies, the SQLite audit writer, alerts). Requests are
\`POST /v1/chat/completions\` with a small JSON body, keep-alive on both sides.

## Data path

${lines.join('\n')}

## Against SPEC §8

${targets.join('\n')}

## Notes

- Added latency is the difference of the percentiles of two runs made one after the other on
  the same machine; on a busy machine it carries about ±0.2 ms of noise. Across three quiet
  runs on 2026-11-25 the full column's added p95 ranged 0.94–1.9 ms and its CPU per request
  209–260 µs; the data path's stayed within 0.42–0.79 ms and 84–121 µs.
- The SSE delay compares each event's arrival at the client with the origin's send stamp
  (both on the shared monotonic clock); the YORI figure is the difference to the direct run.
- nginx (when installed) runs as one process (\`master_process off\`, one worker: one event
  loop, like YORI) terminating TLS and proxying to the same origin over verified, kept-alive
  TLS (\`proxy_ssl_verify on\`, \`keepalive 64\`, no response buffering).
- CPU per request is YORI's process CPU time (user + system) during the max-load run divided
  by the requests completed; it includes both TLS legs.
- Where "full" spends what "data path" does not (a V8 CPU profile of \`yori start\` at max load
  on this machine, 2026-11-25): PII scan and Rego evaluation of the four shipped policies about
  15 % of its busy time (the load run trips high_usage on every request), the SQLite audit
  writer about 6 %, the response usage scanner 3–5 %, request extraction about 2 %, garbage
  collection about 4 %; TLS on both legs (\`writev\`, 35–40 %) is the data path's own. Figures
  from one run to the next on this VM move by ±20 %. In advisory mode, the default, the PII scan and the
  policies run after the response has been sent (lib/hooks.ts \`DeferredDecision\`), so they
  cost CPU but do not sit in front of the upstream; on two vCPUs shared by client, origin and
  YORI that CPU still shows in the full column's tail latency.
${r.audit ? `- Audit (benchmarks/audit.ts): ${Object.entries(r.audit).map(([k, v]) => `${k} ${typeof v === 'number' ? v : JSON.stringify(v)}`).join(', ')}.\n` : ''}`;
}

// ── main ───────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const loadAtStart = os.loadavg()[0]!;
  const work = mkdtempSync(join(os.tmpdir(), 'yori-bench-'));
  const children: ChildProcess[] = [];
  try {
    // The fake internet's CA and the origin's certificate, made for this run.
    const originCa = loadOrCreateCA(join(work, 'origin-ca'));
    const leaf = new LeafMinter(originCa).certificateFor(HOST);
    const certFile = join(work, 'origin.pem');
    const keyFile = join(work, 'origin-key.pem');
    const caFile = join(work, 'origin-ca.pem');
    writeFileSync(certFile, leaf.certPem);
    writeFileSync(keyFile, leaf.keyPem, { mode: 0o600 });
    writeFileSync(caFile, originCa.certPem);

    process.stdout.write('compiling the server processes\n');
    compiled = compileServers();
    const { child: originProc, info } = await startProcess('benchmarks/servers/origin.ts', [certFile, keyFile]);
    children.push(originProc);
    const origin: Target = { name: 'direct', port: info.port as number, ca: originCa.certPem };

    process.stdout.write('direct: warm-up, fixed rate, max rate, SSE\n');
    await load(origin, { seconds: 2, connections: 10 });
    const directFixed = await load(origin, { seconds: FIXED_SECONDS, connections: 1, rate: RATE });
    const directMax = await load(origin, { seconds: MAX_SECONDS, connections: CONNECTIONS });
    const directSse = await sseDelays(origin, 5, SSE_EVENTS);

    let nginx: Report['nginx'] = null;
    const nginxBinary = findNginx();
    if (nginxBinary) {
      process.stdout.write('nginx: warm-up, fixed rate, max rate\n');
      const proxy = await startNginx(nginxBinary, work, { originPort: origin.port, certFile, keyFile, caFile, host: HOST });
      try {
        const target: Target = { name: 'nginx', port: proxy.port, ca: originCa.certPem };
        await load(target, { seconds: 2, connections: 10 });
        const fixed = await load(target, { seconds: FIXED_SECONDS, connections: 1, rate: RATE });
        const cpuBefore = proxy.cpuUs();
        const max = await load(target, { seconds: MAX_SECONDS, connections: CONNECTIONS });
        const cpuPerRequestUs = round((proxy.cpuUs() - cpuBefore) / Math.max(1, max.requests), 1);
        nginx = { fixed, max, cpuPerRequestUs, rssMb: round(proxy.rssBytes() / 2 ** 20, 1) };
      } finally {
        await proxy.stop();
      }
    }

    const modes: Report['modes'] = {};
    for (const mode of process.env.SKIP_FULL ? (['bare'] as const) : (['bare', 'full'] as const)) {
      process.stdout.write(`YORI (${mode})\n`);
      modes[mode] = await measureMode(mode, origin, caFile, work, { sse: directSse });
    }

    process.stdout.write('leaf minting, policy hook, audit writer\n');
    const leafResult = await measureLeafMinting(200);
    const policy = await import('./policy.js').then((m) => m.measurePolicyOverhead(20_000)).catch(() => null);
    const audit = await import('./audit.js')
      .then((m) => m.benchAudit({ rows: AUDIT_ROWS }) as unknown as Promise<Record<string, unknown>>)
      .catch(() => null);

    const report: Report = {
      date: new Date().toISOString().slice(0, 10),
      machine: {
        cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
        cores: os.availableParallelism(),
        memoryGb: round(os.totalmem() / 2 ** 30, 0),
        os: `${os.type()} ${os.release()}`,
        node: process.versions.node,
        loadAvg: [round(loadAtStart, 1), round(os.loadavg()[0]!, 1)],
      },
      direct: { fixed: directFixed, max: directMax, sseDelayMs: percentiles(directSse) },
      modes,
      nginx,
      leaf: leafResult,
      policy: policy ? { mean_ms: policy.mean_ms, p95_ms: policy.p95_ms, p99_ms: policy.p99_ms } : null,
      audit,
    };
    mkdirSync(join(root, 'benchmarks/results'), { recursive: true });
    writeFileSync(join(root, 'benchmarks/results/latest.json'), JSON.stringify(report, null, 2) + '\n');
    const md = markdown(report);
    writeFileSync(join(root, 'docs/BENCHMARKS.md'), md);
    process.stdout.write('\n' + md);
  } finally {
    for (const c of children) await stop(c);
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
