/**
 * A failing disk under a running writer, for real: a full tmpfs (in a private mount namespace)
 * and a read-only database file (the writer runs as an unprivileged user, since root ignores
 * file modes). Skipped where the machine cannot provide them.
 */
import t from 'tap';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, chownSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAuditDb } from '../../lib/audit/store.js';
import { row, tempDir, TS_NODE_ARGS } from './fixtures/helpers.js';
import { EventInserter } from '../../lib/audit/insert.js';
import { openReadOnly } from '../fixtures/read-db.js';

const child = fileURLToPath(new URL('./fixtures/disk-writer.ts', import.meta.url));
const isRoot = process.getuid?.() === 0;
const canUnshare = isRoot && spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;

/** Reads the child's JSON lines one at a time. */
function reader(proc: ChildProcessWithoutNullStreams) {
  let buf = '';
  const lines: Record<string, any>[] = [];
  const waiting: ((l: Record<string, any>) => void)[] = [];
  proc.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts) {
      const l = JSON.parse(p);
      const w = waiting.shift();
      if (w) w(l);
      else lines.push(l);
    }
  });
  return () => new Promise<Record<string, any>>((resolve, reject) => {
    const l = lines.shift();
    if (l) return resolve(l);
    waiting.push(resolve);
    proc.once('exit', (code) => reject(new Error(`child exited (${code})`)));
  });
}

t.test('disk full mid-run: enqueue stays instant, failures counted, all rows land after space frees up', { skip: canUnshare ? false : 'needs root and unshare -m' }, async (t) => {
  const dir = tempDir(t);
  const mnt = join(dir, 'mnt');
  const script = 'mkdir -p "$1" && mount -t tmpfs -o size=4m tmpfs "$1" && dir="$1" && shift && exec "$@" full "$dir"';
  const proc = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', mnt, process.execPath, ...TS_NODE_ARGS, child], { stdio: 'pipe' });
  t.teardown(() => proc.kill('SIGKILL'));
  proc.stderr.pipe(process.stderr);
  const next = reader(proc);
  const failing = await next();
  t.equal(failing.phase, 'failing');
  t.equal(failing.stats.written, 100, 'rows before the disk filled were written');
  t.ok(failing.stats.failed_batches >= 3, 'failures counted');
  t.equal(failing.stats.backlog, 5000, 'rows kept in the backlog');
  t.equal(failing.stats.dropped, 0);
  t.equal(failing.inEnqueue, 0, 'the 5000 enqueues on a full disk did no I/O: they returned at once');
  const recovered = await next();
  t.match(recovered.stats, { enqueued: 5100, written: 5100, dropped: 0, backlog: 0 });
});

t.test('read-only database file: failures counted, rows written once it is writable again', { skip: isRoot ? false : 'needs root to run the writer as an unprivileged user' }, async (t) => {
  const dir = tempDir(t);
  chmodSync(dir, 0o777);
  const path = join(dir, 'audit.db');
  const db = openAuditDb(path);
  db.transaction(() => new EventInserter(db).insertEvent(row()))();
  db.close();
  chownSync(path, 65534, 65534);
  chmodSync(path, 0o444);
  // Plain tsx without the runner's NODE_OPTIONS: its process-info hooks would write into
  // root-owned folders as uid 65534 and fail at exit.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !k.startsWith('_TAPJS') && !k.startsWith('TAP')));
  const proc = spawn(process.execPath, ['--import', 'tsx', child, 'readonly', path], { stdio: 'pipe', uid: 65534, gid: 65534, env: { ...env, HOME: dir } });
  t.teardown(() => proc.kill('SIGKILL'));
  proc.stderr.pipe(process.stderr);
  const next = reader(proc);
  const failing = await next();
  t.equal(failing.phase, 'failing');
  t.match(failing.stats, { written: 0, backlog: 300, dropped: 0 });
  t.ok(failing.stats.failed_batches >= 3);
  t.equal(failing.inEnqueue, 0, 'enqueue did not wait for the disk');
  // SQLite gave the -wal and -shm files it created the database file's mode: fix all three.
  for (const f of readdirSync(dir)) if (f.startsWith('audit.db')) chmodSync(join(dir, f), 0o644);
  proc.stdin.write('fixed\n');
  const recovered = await next();
  t.match(recovered.stats, { written: 300, backlog: 0 });
  const check = openReadOnly(path);
  t.equal(check.prepare('SELECT count(*) FROM audit_events').pluck().get(), 301);
  check.close();
});
