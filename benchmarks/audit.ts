/**
 * Audit benchmark (SPEC §8: ≥ 10,000 events/s sustained; dashboard queries ≤ 100 ms at 1 M
 * rows). Measures, on a fresh DB in a temp folder:
 * - sustained inserts/s through AuditWriter (enqueue in bursts on the event loop, as the data
 *   path does) and the longest event-loop stall a flush caused;
 * - the dashboard/CLI queries at `rows` events spread over `days` days (default 1 M over the
 *   default 90-day retention): median of `repeat` warm runs each.
 *
 * Run alone: `npx tsx benchmarks/audit.ts` (env ROWS, DAYS, INSERTS override the sizes).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createLogger } from '../lib/log.js';
import type { AuditRow } from '../lib/audit/row.js';
import { AuditWriter } from '../lib/audit/writer.js';
import { auditDbPath, openAuditDb } from '../lib/audit/store.js';
import { eventsPage, exportEvents, statsSeries, statsSummary } from '../lib/audit/queries.js';
import { writeCsv } from '../lib/audit/export.js';
import { pruneBefore } from '../lib/audit/retention.js';
import { Writable } from 'node:stream';

export interface AuditBenchOptions {
  /** Rows in the DB for the query timings. */
  rows?: number;
  /** The rows' time span, ending now. */
  days?: number;
  /** Rows pushed through the writer for the insert rate. */
  inserts?: number;
  repeat?: number;
  tz?: string;
}

export interface AuditBenchResult {
  rows: number;
  days: number;
  inserts_per_s: number;
  /** Rows per second of CPU (row generation included): the rate on an idle core. */
  inserts_per_cpu_s: number;
  /** Longest single flush tick while inserting (the event-loop stall the writer causes). */
  max_flush_stall_ms: number;
  db_bytes: number;
  stats_ms: number;
  series_24h_ms: number;
  series_30d_ms: number;
  events_page_ms: number;
  events_page_next_ms: number;
  events_page_device_ms: number;
  events_page_device_name_ms: number;
  events_page_provider_ms: number;
  events_page_blocked_ms: number;
  events_page_person_ms: number;
  /** Unindexed filters that match nothing: the worst case, bounded by the scan budget per page. */
  events_page_model_none_ms: number;
  events_page_text_ms: number;
  events_page_text_24h_ms: number;
  export_csv_rows_per_s: number;
  /** One retention DELETE of `retention_batch_rows` rows (with its index and summary upkeep). */
  retention_batch_ms: number;
  retention_batch_rows: number;
  /** The queries' CPU time (median, ms): comparable across runs on a busy machine. */
  cpu_ms: Record<string, number>;
}

const PROVIDERS = [
  ['openai', 'api.openai.com', 'intercept', 'api', 'gpt-4o'],
  ['anthropic', 'api.anthropic.com', 'intercept', 'api', 'claude-sonnet-4'],
  ['google', 'generativelanguage.googleapis.com', 'intercept', 'api', 'gemini-2.5-flash'],
  ['openai', 'chatgpt.com', 'observe', 'app', null],
  ['anthropic', 'claude.ai', 'observe', 'app', null],
  ['google', 'gemini.google.com', 'observe', 'app', null],
  ['mistral', 'api.mistral.ai', 'intercept', 'api', 'mistral-large'],
] as const;
const WORDS = 'the homework essay about photosynthesis explain why history maths fractions poem story translate spanish code python error help write summary'.split(' ');

/** Deterministic pseudo-random numbers (mulberry32), so runs are comparable. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A household's traffic: 12 devices, a few providers, ~2 % alerts and ~1 % blocks. */
export function syntheticRow(rand: () => number, ts: number): AuditRow {
  const [provider, host, mode, kind, model] = PROVIDERS[Math.floor(rand() * PROVIDERS.length)]!;
  const device = Math.floor(rand() * 12);
  const r = rand();
  const action = r < 0.01 ? 'block' : r < 0.03 ? 'alert' : 'allow';
  const intercept = mode === 'intercept';
  const words = Array.from({ length: 6 + Math.floor(rand() * 20) }, () => WORDS[Math.floor(rand() * WORDS.length)]);
  return {
    id: null, ts, client_ip: `192.168.1.${20 + device}`, client_name: `device-${device}`, person: `person-${device % 4}`,
    mode, host, provider, method: intercept ? 'POST' : null, path: intercept ? '/v1/chat/completions' : null,
    model, stream: intercept && rand() < 0.6 ? 1 : 0, status: intercept ? 200 : null,
    request_bytes: Math.floor(rand() * 4000), response_bytes: Math.floor(rand() * 20000),
    prompt_tokens: intercept ? Math.floor(rand() * 2000) : null, completion_tokens: intercept ? Math.floor(rand() * 800) : null,
    duration_ms: Math.floor(rand() * 8000), ttfb_ms: intercept ? Math.floor(rand() * 900) : null,
    policy_action: action, policy_reasons: action === 'allow' ? '[]' : '["bedtime: device used after 21:00"]',
    prompt_preview: intercept ? words.join(' ') : null, client_mac: null, kind, messages: intercept ? 3 : null,
    attachments: intercept ? 0 : null, body_truncated: 0, upgrade: null, error: null,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** CPU time of each timed query (user + system): what wall time would be on an idle machine. */
const cpuMs: Record<string, number> = {};

function time(repeat: number, fn: () => unknown, name: string): number {
  fn(); // warm the statement cache and the page cache
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  cpuMs[name] = Math.round(median(cpu) * 100) / 100;
  return Math.round(median(wall) * 100) / 100;
}

/** Pushes `count` rows through a writer in bursts of `burst` per event-loop turn; resolves when all are durable. */
async function pushThroughWriter(writer: AuditWriter, rows: (i: number) => AuditRow, count: number, burst = 1000): Promise<void> {
  for (let i = 0; i < count; ) {
    for (const end = Math.min(count, i + burst); i < end; i++) writer.enqueue(rows(i));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await writer.close();
}

export async function benchAudit(opts: AuditBenchOptions = {}): Promise<AuditBenchResult> {
  const rowsTotal = opts.rows ?? 1_000_000;
  const days = opts.days ?? 90;
  const inserts = opts.inserts ?? 200_000;
  const repeat = opts.repeat ?? 7;
  const tz = opts.tz ?? 'Europe/Berlin';
  const dir = mkdtempSync(join(tmpdir(), 'yori-bench-audit-'));
  const logger = createLogger('silent');
  try {
    const rand = rng(42);
    const now = Date.now();

    // 1. Sustained insert rate through the writer, and the longest flush stall.
    const insertPath = join(dir, 'inserts', 'audit.db');
    const writer = new AuditWriter({ path: insertPath, logger });
    let maxStall = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const t = performance.now();
      maxStall = Math.max(maxStall, t - last - 1);
      last = t;
    }, 1);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await pushThroughWriter(writer, (i) => syntheticRow(rand, now - (inserts - i)), inserts);
    const insertSeconds = (performance.now() - t0) / 1000;
    const insertCpu = process.cpuUsage(c0);
    clearInterval(probe);
    if (writer.stats().written !== inserts) throw new Error(`writer wrote ${writer.stats().written} of ${inserts}`);

    // 2. The query DB: `rowsTotal` rows over `days` days, oldest first as the gateway writes them.
    const path = auditDbPath(join(dir, 'queries'));
    const span = days * 86_400_000;
    const filler = new AuditWriter({ path, logger, batchSize: 5000, maxBacklog: 1_000_000 });
    await pushThroughWriter(filler, (i) => syntheticRow(rand, now - span + Math.floor((i / rowsTotal) * span)), rowsTotal, 5000);

    const db = openAuditDb(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('optimize = 0x10002'); // the statistics retention keeps current
    const page1 = eventsPage(db, {}, { limit: 50 });
    const exportStart = performance.now();
    const exportedRows = await writeCsv(exportEvents(db, { since: now - 7 * 86_400_000 }), new Writable({ write: (_c, _e, cb) => cb() }));
    const exportSeconds = (performance.now() - exportStart) / 1000;
    const result: AuditBenchResult = {
      rows: rowsTotal,
      days,
      inserts_per_s: Math.round(inserts / insertSeconds),
      inserts_per_cpu_s: Math.round(inserts / ((insertCpu.user + insertCpu.system) / 1e6)),
      max_flush_stall_ms: Math.round(maxStall * 10) / 10,
      db_bytes: statSync(path).size,
      stats_ms: time(repeat, () => statsSummary(db, now, tz), 'stats_ms'),
      series_24h_ms: time(repeat, () => statsSeries(db, { range: '24h', now, tz }), 'series_24h_ms'),
      series_30d_ms: time(repeat, () => statsSeries(db, { range: '30d', now, tz }), 'series_30d_ms'),
      events_page_ms: time(repeat, () => eventsPage(db, {}, { limit: 50 }), 'events_page_ms'),
      events_page_next_ms: time(repeat, () => eventsPage(db, {}, { limit: 50, before: page1.next }), 'events_page_next_ms'),
      events_page_device_ms: time(repeat, () => eventsPage(db, { device: '192.168.1.25' }, { limit: 50 }), 'events_page_device_ms'),
      events_page_device_name_ms: time(repeat, () => eventsPage(db, { device: 'device-7' }, { limit: 50 }), 'events_page_device_name_ms'),
      events_page_provider_ms: time(repeat, () => eventsPage(db, { provider: 'mistral' }, { limit: 50 }), 'events_page_provider_ms'),
      events_page_blocked_ms: time(repeat, () => eventsPage(db, { action: 'block' }, { limit: 50 }), 'events_page_blocked_ms'),
      events_page_person_ms: time(repeat, () => eventsPage(db, { person: 'person-2' }, { limit: 50 }), 'events_page_person_ms'),
      events_page_model_none_ms: time(repeat, () => eventsPage(db, { model: 'no-such-model' }, { limit: 50 }), 'events_page_model_none_ms'),
      events_page_text_ms: time(repeat, () => eventsPage(db, { text: 'no such words' }, { limit: 50 }), 'events_page_text_ms'),
      events_page_text_24h_ms: time(repeat, () => eventsPage(db, { text: 'no such words', since: now - 86_400_000 }, { limit: 50 }), 'events_page_text_24h_ms'),
      export_csv_rows_per_s: Math.round(exportedRows / exportSeconds),
      retention_batch_ms: 0,
      retention_batch_rows: 0,
      cpu_ms: cpuMs,
    };
    // One retention statement: the oldest 5,000 rows (the longest a prune holds the loop).
    const cutoff = db.prepare('SELECT ts FROM audit_events ORDER BY ts LIMIT 1 OFFSET 4999').pluck().get() as number;
    const pruneStart = performance.now();
    result.retention_batch_rows = await pruneBefore(db, cutoff, { batchRows: 5000 });
    result.retention_batch_ms = Math.round((performance.now() - pruneStart) * 10) / 10;
    db.close();
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = (k: string) => (process.env[k] ? Number(process.env[k]) : undefined);
  const result = await benchAudit({ rows: env('ROWS'), days: env('DAYS'), inserts: env('INSERTS') });
  console.log(JSON.stringify(result, null, 2));
}
