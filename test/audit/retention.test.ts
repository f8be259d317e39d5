import t from 'tap';
import { pruneBefore, Retention, retentionCutoff, DAY_MS } from '../../lib/audit/retention.js';
import { openAuditDb } from '../../lib/audit/store.js';
import { EventInserter } from '../../lib/audit/insert.js';
import { captureLogger, row } from './fixtures/helpers.js';

const NOW = Date.parse('2024-06-01T12:34:56Z');

function seeded(tsList: number[]) {
  const db = openAuditDb(':memory:');
  const ins = new EventInserter(db);
  db.transaction(() => {
    const rows = tsList.map((ts, i) => row({ ts, client_ip: `10.0.0.${i % 3}` }));
    for (const r of rows) ins.insertEvent(r);
    ins.summarizeInto(rows);
  })();
  return db;
}

t.test('the cutoff is whole UTC hours, retention_days back', async (t) => {
  t.equal(new Date(retentionCutoff(NOW, 90)).toISOString(), '2024-03-03T12:00:00.000Z');
});

t.test('prunes only rows older than the cutoff, with their summaries, in batches', async (t) => {
  const cutoff = retentionCutoff(NOW, 30);
  const old = Array.from({ length: 1234 }, (_, i) => cutoff - 1 - i * 60_000);
  const kept = Array.from({ length: 321 }, (_, i) => cutoff + i * 60_000);
  const db = seeded([...old, ...kept]);
  t.teardown(() => db.close());
  const deleted = await pruneBefore(db, cutoff, { batchRows: 100 });
  t.equal(deleted, 1234);
  t.same(db.prepare('SELECT min(ts) AS lo, count(*) AS n FROM audit_events').get(), { lo: cutoff, n: 321 });
  t.equal(db.prepare('SELECT sum(requests) FROM audit_hourly').pluck().get(), 321, 'hourly summaries match the rows kept');
  t.equal(db.prepare('SELECT min(hour) FROM audit_hourly').pluck().get(), cutoff / 3_600_000);
  t.equal(await pruneBefore(db, cutoff), 0, 'idempotent');
});

t.test('Retention runs on start and logs what it pruned; failures are logged, not thrown', async (t) => {
  const db = seeded([NOW - 100 * DAY_MS, NOW - 95 * DAY_MS, NOW - DAY_MS]);
  const { logger, lines } = captureLogger('info');
  const r = new Retention({ db, retentionDays: 90, logger, now: () => NOW, intervalMs: 60_000 });
  r.start();
  r.start();
  t.equal(await r.run(), 2, 'a run while the start-up run is in flight joins it');
  t.equal(await r.run(), 0, 'the next finds nothing');
  t.equal(db.prepare('SELECT count(*) FROM audit_events').pluck().get(), 1);
  t.ok(lines.some((l) => l.deleted === 2), 'logged the two pruned events');
  r.stop();
  r.stop();
  db.close();
  t.equal(await r.run(), 0, 'a closed DB fails softly');
  t.ok(lines.some((l) => l.level === 50 && /retention failed/.test(String(l.msg))));
});
