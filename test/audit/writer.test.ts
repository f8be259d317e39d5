import t from 'tap';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditWriter } from '../../lib/audit/writer.js';
import { auditDbPath, openAuditDb } from '../../lib/audit/store.js';
import type { AuditRow } from '../../lib/audit/row.js';
import { captureLogger, row, tempDir, until } from './fixtures/helpers.js';
import { openReadOnly } from '../fixtures/read-db.js';

function count(path: string): number {
  const db = openReadOnly(path);
  try {
    return db.prepare('SELECT count(*) FROM audit_events').pluck().get() as number;
  } finally {
    db.close();
  }
}

/** Nothing is lost silently: every enqueued row is written, dropped, rejected or waiting. */
function balanced(w: AuditWriter): boolean {
  const s = w.stats();
  return s.enqueued === s.written + s.dropped + s.rejected + s.backlog;
}

t.test('many enqueues become a few batched transactions; rows get their ids', async (t) => {
  const path = auditDbPath(tempDir(t));
  const { logger } = captureLogger();
  const w = new AuditWriter({ path, logger, batchSize: 500 });
  const batches: AuditRow[][] = [];
  w.on('written', (rows) => batches.push(rows));
  for (let i = 0; i < 2000; i++) w.enqueue(row({ ts: 1_700_000_000_000 + i }));
  t.equal(w.stats().backlog, 2000, 'enqueue does no I/O');
  await until(() => w.stats().written === 2000);
  t.equal(batches.length, 4, '2000 rows in 4 transactions of 500');
  t.same(batches.map((b) => b.length), [500, 500, 500, 500]);
  const ids = batches.flat().map((r) => r.id);
  t.ok(ids.every((id) => typeof id === 'number' && id > 0), 'written rows carry their id');
  t.equal(new Set(ids).size, 2000);
  await w.close();
  t.equal(count(path), 2000);
  t.ok(balanced(w), 'enqueued = written + dropped + rejected + backlog');
});

t.test('a trickle is flushed by the timer within the flush interval', async (t) => {
  const path = auditDbPath(tempDir(t));
  const w = new AuditWriter({ path, logger: captureLogger().logger, flushIntervalMs: 20 });
  t.teardown(() => w.close());
  let batches = 0;
  w.on('written', () => batches++);
  w.enqueue(row());
  w.enqueue(row());
  await until(() => w.stats().written === 2, 2000);
  t.equal(batches, 1, 'both rows in one transaction');
});

t.test('close() writes everything still queued', async (t) => {
  const path = auditDbPath(tempDir(t));
  const w = new AuditWriter({ path, logger: captureLogger().logger, flushIntervalMs: 60_000 });
  for (let i = 0; i < 1234; i++) w.enqueue(row({ ts: i }));
  await w.close();
  t.equal(count(path), 1234);
  t.same(w.stats(), { enqueued: 1234, written: 1234, failed_batches: 0, dropped: 0, rejected: 0, backlog: 0 });
  await w.close();
  w.enqueue(row());
  t.equal(w.stats().dropped, 1, 'rows after close are counted as dropped, not lost silently');
  t.ok(balanced(w), 'enqueued = written + dropped + rejected + backlog');
});

t.test('a locked database: enqueue stays instant, failures counted, rows written once the lock goes', async (t) => {
  const path = auditDbPath(tempDir(t));
  const { logger, lines } = captureLogger();
  const w = new AuditWriter({ path, logger, flushIntervalMs: 5, retryMinMs: 10, retryMaxMs: 40, busyTimeoutMs: 1 });
  t.teardown(() => w.close());
  const other = openAuditDb(path);
  t.teardown(() => other.close());
  other.exec('BEGIN EXCLUSIVE');
  for (let i = 0; i < 100; i++) w.enqueue(row({ ts: i }));
  await until(() => w.stats().failed_batches >= 3);
  t.equal(w.stats().written, 0);
  t.equal(w.stats().backlog, 100, 'rows kept in the backlog');
  t.ok(lines.some((l) => l.level === 50 && /batch write failed/.test(String(l.msg)) && (l.err as { code: string }).code === 'SQLITE_BUSY'), 'logged with the SQLite code');
  const before = w.stats();
  for (let i = 0; i < 1000; i++) w.enqueue(row({ ts: 100 + i }));
  t.equal(w.stats().failed_batches, before.failed_batches, 'enqueue never touches the locked database itself');
  t.equal(w.stats().backlog, 1100);
  other.exec('COMMIT');
  await until(() => w.stats().written === 1100);
  t.equal(w.stats().backlog, 0);
  t.ok(balanced(w), 'enqueued = written + dropped + rejected + backlog');
});

t.test('a data folder that cannot be created: rows wait in memory and land once it can', async (t) => {
  const dir = tempDir(t);
  const blocker = join(dir, 'data');
  writeFileSync(blocker, 'a file where the folder should be');
  const path = join(blocker, 'audit.db');
  const { logger, lines } = captureLogger();
  const w = new AuditWriter({ path, logger, flushIntervalMs: 5, retryMinMs: 10, retryMaxMs: 20 });
  t.teardown(() => w.close());
  t.ok(lines.some((l) => /cannot open the audit database/.test(String(l.msg))), 'the bad folder is logged at start');
  for (let i = 0; i < 50; i++) w.enqueue(row({ ts: i }));
  await until(() => w.stats().failed_batches >= 3);
  t.equal(w.stats().backlog, 50);
  rmSync(blocker);
  mkdirSync(blocker);
  await until(() => w.stats().written === 50);
  t.equal(count(path), 50);
  t.ok(balanced(w), 'enqueued = written + dropped + rejected + backlog');
});

t.test('a full backlog drops the oldest rows and counts them', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'data'), 'x');
  const path = join(dir, 'data', 'audit.db');
  const w = new AuditWriter({ path, logger: captureLogger().logger, maxBacklog: 10, retryMinMs: 10, retryMaxMs: 10, closeTimeoutMs: 0 });
  for (let i = 0; i < 25; i++) w.enqueue(row({ ts: i }));
  t.match(w.stats(), { enqueued: 25, dropped: 15, backlog: 10 });
  rmSync(join(dir, 'data'));
  w.flush();
  t.equal(w.stats().written, 10);
  const db = openReadOnly(path);
  t.same(db.prepare('SELECT ts FROM audit_events ORDER BY ts').pluck().all(), [15, 16, 17, 18, 19, 20, 21, 22, 23, 24], 'the newest rows were kept');
  db.close();
  await w.close();
  t.ok(balanced(w), 'enqueued = written + dropped + rejected + backlog');
});

t.test('close() on a disk that stays broken gives up after closeTimeoutMs and counts the loss', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'data'), 'x');
  const { logger, lines } = captureLogger();
  const w = new AuditWriter({ path: join(dir, 'data', 'audit.db'), logger, retryMinMs: 5, closeTimeoutMs: 30 });
  for (let i = 0; i < 7; i++) w.enqueue(row());
  await w.close();
  t.match(w.stats(), { written: 0, dropped: 7, backlog: 0 });
  t.ok(lines.some((l) => l.lost === 7), 'the loss is logged');
  t.ok(balanced(w), 'enqueued = written + dropped + rejected + backlog');
});

t.test('a row SQLite refuses is isolated; the rest of its batch is written', async (t) => {
  const path = auditDbPath(tempDir(t));
  const { logger, lines } = captureLogger();
  const w = new AuditWriter({ path, logger });
  w.enqueue(row({ ts: 1 }));
  w.enqueue(row({ ts: 2, client_ip: null as unknown as string }));
  w.enqueue(row({ ts: 3, model: { not: 'bindable' } as unknown as string }));
  w.enqueue(row({ ts: 4 }));
  const written: number[] = [];
  w.on('written', (rows) => written.push(...rows.map((r) => r.ts)));
  w.flush();
  t.same(written, [1, 4]);
  t.match(w.stats(), { written: 2, rejected: 2, backlog: 0, failed_batches: 0 });
  t.equal(lines.filter((l) => /row rejected/.test(String(l.msg))).length, 2);
  await w.close();
  t.ok(balanced(w), 'enqueued = written + dropped + rejected + backlog');
});

t.test('a throwing "written" listener does not turn committed rows into a retry', async (t) => {
  const path = auditDbPath(tempDir(t));
  const { logger, lines } = captureLogger();
  const w = new AuditWriter({ path, logger });
  w.on('written', () => {
    throw new Error('subscriber bug');
  });
  w.enqueue(row());
  w.flush();
  t.match(w.stats(), { written: 1, backlog: 0, failed_batches: 0 });
  t.ok(lines.some((l) => /listener threw/.test(String(l.msg))));
  await w.close();
  t.equal(count(path), 1);
});

t.test('a large backlog drains one batch per event-loop turn', async (t) => {
  const path = auditDbPath(tempDir(t));
  const w = new AuditWriter({ path, logger: captureLogger().logger, batchSize: 100 });
  t.teardown(() => w.close());
  for (let i = 0; i < 1000; i++) w.enqueue(row({ ts: i }));
  let turns = 0;
  const tick = setInterval(() => turns++, 0);
  await until(() => w.stats().written === 1000);
  clearInterval(tick);
  t.ok(turns > 0, 'timers ran between batches');
});
