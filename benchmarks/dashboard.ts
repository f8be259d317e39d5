/**
 * Dashboard benchmark (SPEC §8: dashboard queries ≤ 100 ms at 1 M rows): seeds an audit DB with
 * `rows` events over `days` days (one transaction, one prepared statement, the summary tables
 * kept in step as the writer does), starts the admin server with the dashboard on 127.0.0.1,
 * and times the API over HTTP (keep-alive, one request at a time, after a warm-up): p50, p95
 * and max per endpoint, and the CPU time per request (the number that holds on a busy machine).
 *
 * Run alone: `npx tsx benchmarks/dashboard.ts` (env ROWS, DAYS, REQUESTS override the sizes).
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AlertDispatcher } from '../lib/alerts/dispatcher.js';
import { ALERT_MIGRATIONS, AlertStore } from '../lib/alerts/store.js';
import { EventInserter } from '../lib/audit/insert.js';
import type { AuditRow } from '../lib/audit/row.js';
import { auditDbPath, openAuditDb, type Db } from '../lib/audit/store.js';
import { AuditWriter } from '../lib/audit/writer.js';
import { defaultConfig } from '../lib/config/schema.js';
import { DeviceDirectory } from '../lib/devices/directory.js';
import { createLogger } from '../lib/log.js';
import { loadOrCreateCA } from '../lib/tls/ca.js';
import { AdminRouter, createAdminServer } from '../lib/web/admin-server.js';
import { registerDashboard } from '../lib/web/dashboard.js';
import { syntheticRow } from './audit.js';

export interface DashboardBenchOptions {
  rows?: number;
  days?: number;
  /** Timed requests per endpoint. */
  requests?: number;
}

export interface Timing {
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  /**
   * CPU time of this process per request (server and client share it; the client's part is
   * parsing the reply): what the request costs on an idle machine, whatever else runs now.
   */
  cpu_ms: number;
  bytes: number;
}

export interface DashboardBenchResult {
  rows: number;
  days: number;
  seed_s: number;
  requests: number;
  endpoints: Record<string, Timing>;
}

const CHUNK = 10_000;

/** `rows` synthetic events ending now, oldest first, in one transaction. */
function seed(db: Db, rows: number, days: number, now: number): void {
  const ins = new EventInserter(db);
  const span = days * 86_400_000;
  db.transaction(() => {
    for (let i = 0; i < rows; i += CHUNK) {
      const chunk: AuditRow[] = [];
      for (let j = i; j < Math.min(rows, i + CHUNK); j++) {
        const row = syntheticRow(Math.random, now - span + Math.floor((j / rows) * span));
        ins.insertEvent(row);
        chunk.push(row);
      }
      ins.summarizeInto(chunk);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
}

function get(agent: http.Agent, port: number, path: string): Promise<{ status: number; bytes: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, bytes: Buffer.byteLength(body), body }));
    }).on('error', reject);
  });
}

const round = (x: number) => Math.round(x * 100) / 100;

async function time(agent: http.Agent, port: number, path: string, requests: number): Promise<Timing> {
  for (let i = 0; i < 5; i++) await get(agent, port, path);
  const runs: number[] = [];
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    const r = await get(agent, port, path);
    runs.push(performance.now() - t0);
    if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${r.body.slice(0, 200)}`);
    bytes = r.bytes;
  }
  const cpu = process.cpuUsage(cpu0);
  runs.sort((a, b) => a - b);
  return {
    p50_ms: round(runs[Math.floor(runs.length / 2)]!), p95_ms: round(runs[Math.ceil(runs.length * 0.95) - 1]!), max_ms: round(runs[runs.length - 1]!),
    cpu_ms: round((cpu.user + cpu.system) / 1000 / requests), bytes,
  };
}

export async function benchDashboard(opts: DashboardBenchOptions = {}): Promise<DashboardBenchResult> {
  const rows = opts.rows ?? 1_000_000;
  const days = opts.days ?? 90;
  const requests = opts.requests ?? 200;
  const dir = mkdtempSync(join(tmpdir(), 'yori-bench-dashboard-'));
  const logger = createLogger('silent');
  const config = defaultConfig();
  config.data_dir = dir;
  config.timezone = 'Europe/Berlin';
  const path = auditDbPath(dir);
  const db = openAuditDb(path, { migrations: [ALERT_MIGRATIONS] });
  const writer = new AuditWriter({ path, logger, migrations: [ALERT_MIGRATIONS] });
  const router = new AdminRouter();
  const server = createAdminServer(router, logger);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let dashboard: { close(): void } | null = null;
  try {
    const now = Date.now();
    const t0 = performance.now();
    seed(db, rows, days, now);
    const seedSeconds = (performance.now() - t0) / 1000;

    const store = new AlertStore(db);
    const dispatcher = new AlertDispatcher({ channels: [], sink: store, logger, dedupeMs: 0, ratePerMinute: 10 });
    const devices = new DeviceDirectory({ devices: {}, leases: [], db, logger });
    await devices.refresh();
    dashboard = registerDashboard(router, server, {
      config, db, alerts: store, feed: { writer, dispatcher }, devices, ca: loadOrCreateCA(join(dir, 'ca')), logger,
      policies: () => ({ dir: config.policy.dir, mode: 'advisory', files: [], packages: [], loadedAt: now, lastReload: null }),
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;

    const first = JSON.parse((await get(agent, port, '/api/events?limit=50')).body) as { next: string };
    const endpoints: Record<string, Timing> = {};
    for (const p of [
      '/api/stats',
      '/api/stats?range=30d',
      '/api/events?limit=50',
      `/api/events?limit=50&before=${first.next}`,
      '/api/events?limit=50&device=192.168.1.25',
      '/api/events?limit=50&provider=mistral&action=block',
      '/api/events?limit=50&person=person-2',
      '/api/events?limit=50&q=homework',
      '/api/alerts?limit=50',
      '/api/devices',
    ]) {
      endpoints[p] = await time(agent, port, p, requests);
    }
    return { rows, days, seed_s: round(seedSeconds), requests, endpoints };
  } finally {
    agent.destroy();
    dashboard?.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await writer.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const env = (k: string) => (process.env[k] ? Number(process.env[k]) : undefined);
  const result = await benchDashboard({ rows: env('ROWS'), days: env('DAYS'), requests: env('REQUESTS') });
  console.log(JSON.stringify(result, null, 2));
}
