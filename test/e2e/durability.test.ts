/**
 * Issue 3, the hard cases, through the real proxy: YORI killed with SIGKILL under load, a
 * database that turns read-only under a running gateway, and `yori start` stopped with SIGTERM
 * while an exchange is still streaming.
 */
import t from 'tap';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { AuditRow } from '../../lib/audit/row.js';
import { auditDbPath } from '../../lib/audit/store.js';
import { VERSION } from '../../lib/version.js';
import { startOrigin, testPki } from '../net/fixtures.js';
import { fixture } from '../providers/fixtures/harness.js';
import { chat, childEnv, e2eConfig, postJson, readBody, startTestYori, until, waitRows } from './helpers.js';
import { openReadOnly } from '../fixtures/read-db.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const runner = fileURLToPath(new URL('./fixtures/yori-runner.ts', import.meta.url));
const DEVICES = { '127.0.0.1': { name: 'kids-ipad', person: 'alice' } };

/** The JSON lines a child prints on stdout; `waitFor` resolves with the first line that matches. */
function jsonLines(child: ChildProcess) {
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line));
    } catch {
      return;
    }
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    exited,
    waitFor(match: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(match);
          if (hit) resolve(hit);
          else waiters.push(check);
        };
        check();
        void exited.then((code) => reject(new Error(`child exited (${code}) before the expected line`)));
      });
    },
  };
}

function getHealth(port: number): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/health', agent: false }, async (res) => {
      resolve({ status: res.statusCode!, body: JSON.parse((await readBody(res)).toString()) });
    }).on('error', reject);
  });
}

/** A streaming chat request through the gateway; resolves when the response head arrived. */
function startStream(gw: { port: number }, prompt: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    https.request({
      host: '127.0.0.1', port: gw.port, servername: 'api.openai.com', ca: testPki().gatewayCaPem(), method: 'POST', path: '/v1/chat/completions',
      headers: { host: 'api.openai.com', 'content-type': 'application/json' }, agent: false,
    }, resolve).on('error', reject).end(JSON.stringify(chat(prompt, { stream: true })));
  });
}

/** An origin that answers chat requests with the JSON fixture, and keeps stream requests open. */
async function chatOrigin(t: Tap.Test) {
  const reply = fixture('openai/chat.json');
  const held: http.ServerResponse[] = [];
  const origin = await startOrigin(t, async (req, res) => {
    if (JSON.parse((await readBody(req)).toString()).stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"first"}}]}\n\n');
      held.push(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(reply.length) }).end(reply);
  });
  return { origin, held, reply };
}

t.test('kill -9 mid-load: integrity_check is ok and every row visible before the kill is still there', async (t) => {
  const { origin, held } = await chatOrigin(t);
  const cfg = e2eConfig(t, { origins: { 'api.openai.com': origin.port }, doc: { devices: DEVICES } });
  const configFile = join(cfg.dir, 'yori.json');
  writeFileSync(configFile, JSON.stringify(cfg.doc));
  const child = spawn(process.execPath, ['--import', 'tsx', runner, configFile], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: childEnv() });
  t.teardown(() => child.kill('SIGKILL'));
  const out = jsonLines(child);
  const ports = (await out.waitFor((l) => typeof l.transparent === 'number')) as { transparent: number };
  const gw = { port: ports.transparent };

  // A stream left open: an exchange is certainly in flight when the kill comes.
  const hanging = startStream(gw, 'hold on').then((res) => readBody(res).then(() => (res.complete ? 'complete' : 'cut'), () => 'cut'), () => 'cut');

  let killed = false;
  let sent = 0;
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  t.teardown(() => agent.destroy());
  const load = Array.from({ length: 4 }, async (_, worker) => {
    for (let i = 0; !killed; i++) {
      try {
        sent++;
        const res = await postJson(gw, '/v1/chat/completions', chat(`worker ${worker} question ${i}`), { agent });
        if (res.status !== 200) throw new Error(`status ${res.status}`);
      } catch (e) {
        if (!killed) throw e;
      }
    }
  });

  const dbPath = auditDbPath(cfg.dataDir);
  const reader = openReadOnly(dbPath);
  const seen = await until('100 flushed rows', () => {
    const rows = reader.prepare('SELECT * FROM audit_events ORDER BY id').all() as AuditRow[];
    return rows.length >= 100 ? rows : null;
  }, 20_000);
  reader.close();
  await until('the held stream at the origin', () => held.length === 1);
  killed = true;
  child.kill('SIGKILL');
  t.equal(await out.exited, null, 'killed by the signal, no exit code');
  await Promise.all(load);
  t.equal(await hanging, 'cut', 'the held stream was in flight at the kill');
  t.ok(seen.length <= sent && seen.every((r) => /^worker \d question \d+$/.test(r.prompt_preview ?? '')), `rows are the load's requests (${seen.length} of ${sent} sent)`);

  const db = new Database(dbPath);
  t.teardown(() => db.close());
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const after = db.prepare('SELECT * FROM audit_events ORDER BY id').all() as AuditRow[];
  t.ok(after.length >= seen.length, `no row lost (${seen.length} before the kill, ${after.length} after)`);
  t.same(after.slice(0, seen.length), seen, 'every row seen before the kill is still there, unchanged');
  t.notOk(after.some((r) => r.prompt_preview === 'hold on'), 'the unfinished exchange left no row');
  const hourly = db.prepare('SELECT sum(requests) FROM audit_hourly').pluck().get();
  t.equal(hourly, after.length, 'the hourly summary committed with exactly the same rows');
});

/** `chattr +i` works here (root with CAP_LINUX_IMMUTABLE, e2fsprogs, a file system with the flag). */
function immutableFlagWorks(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'yori-chattr-'));
  const probe = join(dir, 'probe');
  try {
    writeFileSync(probe, 'x');
    execFileSync('chattr', ['+i', probe], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const READ_ONLY_SKIP =
  'needs `chattr +i` (root, e2fsprogs, a file system with the immutable flag): root ignores file modes, and a mode change ' +
  'does not affect the files SQLite already holds open, so chmod cannot make a running audit DB read-only';

t.test('audit.db turns read-only under a running gateway: requests still served, failures counted, rows kept', { skip: immutableFlagWorks() ? false : READ_ONLY_SKIP }, async (t) => {
  const { origin } = await chatOrigin(t);
  const yori = await startTestYori(t, { origins: { 'api.openai.com': origin.port }, doc: { devices: DEVICES } });
  for (let i = 0; i < 2; i++) t.equal((await postJson(yori, '/v1/chat/completions', chat(`before ${i}`))).status, 200);
  await waitRows(yori, 2);

  // The immutable flag refuses writes even through descriptors opened before it was set, and
  // even to root: the failure a read-only remount gives the writer. The -shm file stays
  // writable: it is memory-mapped, and a fault on it would not be a disk error but a SIGBUS.
  const dbPath = auditDbPath(yori.dataDir);
  const locked = [yori.dataDir, dbPath, `${dbPath}-wal`];
  const unlock = () => execFileSync('chattr', ['-i', ...locked]);
  t.teardown(() => {
    try {
      unlock();
    } catch {
      // already unlocked
    }
  });
  execFileSync('chattr', ['+i', ...locked]);
  try {
    for (let i = 0; i < 5; i++) {
      const res = await postJson(yori, '/v1/chat/completions', chat(`during ${i}`));
      t.equal(res.status, 200, `request ${i} served while the DB is read-only`);
    }
    await until('a failed batch', () => yori.writer.stats().failed_batches > 0);
    t.match(yori.writer.stats(), { written: 2, dropped: 0 }, 'nothing written, nothing dropped');
    await until('the 5 rows in the backlog', () => yori.writer.stats().backlog === 5);
    t.match(await getHealth(yori.gateway.adminAddress.port), { status: 200, body: { status: 'healthy' } }, 'still healthy');
    t.equal((await postJson(yori, '/v1/chat/completions', chat('still here'))).status, 200, 'and still serving after the failures');
  } finally {
    unlock();
  }
  await yori.close();
  t.match(yori.writer.stats(), { enqueued: 8, written: 8, dropped: 0, backlog: 0 }, 'the backlog landed once the disk was writable again');
  const db = openReadOnly(dbPath);
  t.teardown(() => db.close());
  const previews = db.prepare('SELECT prompt_preview FROM audit_events ORDER BY id').pluck().all();
  t.same(previews, ['before 0', 'before 1', 'during 0', 'during 1', 'during 2', 'during 3', 'during 4', 'still here'], 'in order, none lost');
});

t.test('yori start: /health answers; SIGTERM drains an in-flight stream, flushes every exchange, exits 0', async (t) => {
  const { origin, held } = await chatOrigin(t);
  const cfg = e2eConfig(t, { origins: { 'api.openai.com': origin.port }, doc: { devices: DEVICES, log_level: 'info', limits: { drain_ms: 10_000 } } });
  const configFile = join(cfg.dir, 'yori.conf');
  writeFileSync(configFile, JSON.stringify(cfg.doc));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin/yori.ts'), 'start', '--config', configFile], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: childEnv(),
  });
  t.teardown(() => child.kill('SIGKILL'));
  const out = jsonLines(child);
  const listening = await out.waitFor((l) => l.msg === 'yori gateway listening');
  const gw = { port: (listening.transparent as { port: number }).port };
  t.same(await getHealth((listening.admin as { port: number }).port), { status: 200, body: { status: 'healthy', version: VERSION } });

  for (let i = 0; i < 5; i++) t.equal((await postJson(gw, '/v1/chat/completions', chat(`question ${i}`))).status, 200);
  const stream = await startStream(gw, 'a long answer please');
  const body = readBody(stream);
  await once(stream, 'data');

  child.kill('SIGTERM');
  await out.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('stopping'));
  // The origin finishes the stream only now: the drain must wait for it.
  await until('the held stream at the origin', () => held.length === 1);
  held[0]!.end('data: {"choices":[{"delta":{"content":" last"}}]}\n\ndata: [DONE]\n\n');
  t.match((await body).toString(), /first[\s\S]*last[\s\S]*\[DONE\]/, 'the in-flight stream completed during the drain');
  t.equal(await out.exited, 0, 'exit 0 after SIGTERM');

  const db = openReadOnly(auditDbPath(cfg.dataDir));
  t.teardown(() => db.close());
  const rows = db.prepare('SELECT path, status, stream, error, prompt_preview FROM audit_events ORDER BY id').all();
  t.same(rows, [
    ...Array.from({ length: 5 }, (_, i) => ({ path: '/v1/chat/completions', status: 200, stream: 0, error: null, prompt_preview: `question ${i}` })),
    { path: '/v1/chat/completions', status: 200, stream: 1, error: null, prompt_preview: 'a long answer please' },
  ], 'every exchange sent before the signal is in the DB, the drained stream complete');
});
