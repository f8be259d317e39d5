/**
 * Shared fixtures for the end-to-end tests: the whole of YORI (`startYori`: addons, policies,
 * audit writer, alerts) on 127.0.0.1 port 0, its AI hosts pointed at fake origins from the
 * data-path fixtures (test/net/fixtures.ts) through `upstream.overrides`, with temp folders for
 * data, policies and config files.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startYori, type Yori, type YoriOptions } from '../../lib/app.js';
import type { AuditRow } from '../../lib/audit/row.js';
import { zonedTime } from '../../lib/audit/time.js';
import { validateConfig, type Config } from '../../lib/config/schema.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { gatewayRequest, testPki } from '../net/fixtures.js';

type Test = Tap.Test;

export function tempDir(t: Test, prefix = 'yori-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes each file (name → text) into `dir`, creating the folder. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

export interface E2eSetup {
  /** host → port of a fake origin on 127.0.0.1 (`upstream.overrides`). */
  origins?: Record<string, number>;
  /** Rego files written into policy.dir: file name → source. */
  policies?: Record<string, string>;
  /** More config keys; a mapping given here is merged one level deep into the defaults. */
  doc?: Record<string, unknown>;
}

export interface E2eConfig {
  /** The config document, as a config file holds it (JSON is YAML). */
  doc: Record<string, unknown>;
  config: Config;
  dir: string;
  dataDir: string;
  policyDir: string;
}

/**
 * A validated config for a test: listeners on 127.0.0.1:0, data and policies in a temp folder,
 * the test PKI's gateway CA, upstream trust in the fake origins' CA.
 */
export function e2eConfig(t: Test, setup: E2eSetup = {}): E2eConfig {
  const pki = testPki();
  const dir = tempDir(t);
  const dataDir = join(dir, 'data');
  const policyDir = join(dir, 'policies');
  writeFiles(policyDir, setup.policies ?? {});
  const overrides = Object.fromEntries(Object.entries(setup.origins ?? {}).map(([host, port]) => [host, `127.0.0.1:${port}`]));
  const base: Record<string, unknown> = {
    data_dir: dataDir,
    timezone: 'Europe/Berlin',
    log_level: 'silent',
    listen: { transparent: '127.0.0.1:0', admin: '127.0.0.1:0' },
    ca: { dir: pki.gatewayCaDir },
    upstream: { overrides, ca_file: pki.originCaFile, connect_timeout_ms: 2000 },
    policy: { dir: policyDir, mode: 'advisory' },
    limits: { drain_ms: 2000 },
  };
  const doc = { ...base };
  for (const [k, v] of Object.entries(setup.doc ?? {})) doc[k] = isMapping(base[k]) && isMapping(v) ? { ...base[k], ...v } : v;
  return { doc, config: validateConfig(doc), dir, dataDir, policyDir };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export const TZ = 'Europe/Berlin';
/** Wednesday 25 Nov 2026, 22:00 in Berlin: a school night, inside the kids' bedtime. */
export const TEN_PM = zonedTime(TZ, 2026, 11, 25, 22, 0);
/** What the shipped bedtime.rego says about the kids' iPad at TEN_PM. */
export const BEDTIME_REASON = 'bedtime: alice used openai at 22:00';

/**
 * The shipped bedtime template with a 21:00–07:00 window for alice's kids-ipad (the test
 * client, 127.0.0.1), in TZ; more config keys (policy.mode, alerts, …) from `doc`.
 */
export function bedtimeSetup(origins: Record<string, number>, doc: { mode?: 'advisory' | 'enforce'; alerts?: Record<string, unknown> } = {}): E2eSetup {
  return {
    origins,
    policies: { 'bedtime.rego': readFileSync(new URL('../../policies/bedtime.rego', import.meta.url), 'utf8') },
    doc: {
      timezone: TZ,
      devices: { '127.0.0.1': { name: 'kids-ipad', person: 'alice' } },
      policy: { mode: doc.mode ?? 'advisory', data: { bedtime: { devices: { 'kids-ipad': { every_night: [{ start: '21:00', end: '07:00' }] } } } } },
      ...(doc.alerts ? { alerts: doc.alerts } : {}),
    },
  };
}

export interface TestYori extends Yori {
  /** The transparent listener's port (what `gatewayRequest` / `connectTls` dial). */
  port: number;
  dataDir: string;
  policyDir: string;
}

/** startYori on a test config; closed in teardown (closing twice is harmless). */
export async function startTestYori(t: Test, setup: E2eSetup = {}, opts: YoriOptions = {}): Promise<TestYori> {
  const cfg = e2eConfig(t, setup);
  const yori = await startYori(cfg.config, { logger: createLogger('silent'), pf: false, flushIntervalMs: 10, ...opts });
  let closing: Promise<void> | null = null;
  const close = yori.close.bind(yori);
  const test = Object.assign(yori, {
    port: yori.gateway.transparentAddress.port,
    dataDir: cfg.dataDir,
    policyDir: cfg.policyDir,
    close: () => (closing ??= close()),
  });
  t.teardown(() => test.close());
  return test;
}

/**
 * The environment for a child YORI (`node --import tsx …`) under tap: without coverage. tsx
 * transpiles lib/ differently from tap's loader, and merging the child's V8 coverage of the same
 * files into the parent's corrupts the counts (lines the parent ran show as missed).
 */
export function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };
}

/** Every audit row so far, oldest first (after writing what the writer holds). */
export function auditRows(yori: Yori): AuditRow[] {
  yori.writer.flush();
  return yori.db.prepare('SELECT * FROM audit_events ORDER BY id').all() as AuditRow[];
}

/** Resolves when `cond()` holds, polling; rejects after `ms` naming `what`. */
export async function until<T>(what: string, cond: () => T | null | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until the audit log holds `n` rows; returns them. */
export function waitRows(yori: Yori, n: number): Promise<AuditRow[]> {
  return until(`${n} audit rows`, () => {
    const rows = auditRows(yori);
    return rows.length >= n ? rows : null;
  });
}

/** A logger that keeps every line it writes, as text (to search for secrets). */
export function memoryLogger(level = 'debug'): { logger: Logger; text: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { logger: createLogger(level, sink), text: () => text };
}

/** The whole body of a request or response. */
export function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** A JSON POST through the transparent port as if to `host`. */
export function postJson(
  gw: { port: number },
  path: string,
  body: unknown,
  opts: { host?: string; headers?: Record<string, string>; agent?: import('node:https').Agent | false } = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  const data = Buffer.from(JSON.stringify(body));
  return gatewayRequest(gw, {
    method: 'POST',
    path,
    host: opts.host ?? 'api.openai.com',
    agent: opts.agent ?? false,
    headers: { 'content-type': 'application/json', 'content-length': String(data.length), ...opts.headers },
    body: data,
  });
}

/** A chat request in OpenAI's shape. */
export function chat(prompt: string, extra: Record<string, unknown> = {}) {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], ...extra };
}
