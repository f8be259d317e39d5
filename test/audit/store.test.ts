import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditDbPath, migrate, openAuditDb, type MigrationSet } from '../../lib/audit/store.js';
import { tempDir } from './fixtures/helpers.js';

const SPEC_COLUMNS = [
  'id', 'ts', 'client_ip', 'client_name', 'person', 'mode', 'host', 'provider', 'method', 'path', 'model', 'stream',
  'status', 'request_bytes', 'response_bytes', 'prompt_tokens', 'completion_tokens', 'duration_ms', 'ttfb_ms',
  'policy_action', 'policy_reasons', 'prompt_preview',
];
const EXTRA_COLUMNS = ['client_mac', 'kind', 'messages', 'attachments', 'body_truncated', 'upgrade', 'error'];

t.test('creates the folder and a WAL database with the SPEC §4 table and indexes', async (t) => {
  const path = auditDbPath(join(tempDir(t), 'nested', 'data'));
  const db = openAuditDb(path);
  t.teardown(() => db.close());
  t.ok(existsSync(path), 'audit.db created under data_dir');
  t.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(db.pragma('synchronous', { simple: true }), 1, 'synchronous = NORMAL');
  t.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  const columns = (db.pragma('table_info(audit_events)') as { name: string }[]).map((c) => c.name);
  t.same(columns, [...SPEC_COLUMNS, ...EXTRA_COLUMNS]);
  const indexes = (db.pragma('index_list(audit_events)') as { name: string }[]).map((i) => i.name).sort();
  t.same(indexes, ['audit_events_action', 'audit_events_client', 'audit_events_provider', 'audit_events_ts']);
  const indexColumns = (name: string) => (db.pragma(`index_info(${name})`) as { name: string }[]).map((c) => c.name);
  t.same(indexColumns('audit_events_ts'), ['ts']);
  t.same(indexColumns('audit_events_client'), ['client_ip', 'ts']);
  t.same(indexColumns('audit_events_provider'), ['provider', 'ts']);
  t.same(indexColumns('audit_events_action'), ['policy_action', 'ts']);
  const devices = (db.pragma('table_info(devices)') as { name: string }[]).map((c) => c.name);
  t.same(devices, ['key', 'name', 'person', 'updated_ts']);
  t.equal(db.pragma('user_version', { simple: true }), 1);
});

t.test('re-opening migrates nothing twice and keeps the data', async (t) => {
  const path = auditDbPath(tempDir(t));
  const first = openAuditDb(path);
  first.prepare(`INSERT INTO devices (key, name, person, updated_ts) VALUES ('192.168.1.2', 'tv', NULL, 1)`).run();
  first.close();
  const again = openAuditDb(path);
  t.teardown(() => again.close());
  t.equal(again.pragma('user_version', { simple: true }), 1);
  t.equal((again.prepare('SELECT count(*) AS n FROM devices').get() as { n: number }).n, 1);
});

t.test('other modules register their own migration set, versioned by name', async (t) => {
  const path = auditDbPath(tempDir(t));
  let runs = 0;
  const alerts: MigrationSet = {
    name: 'alerts',
    migrations: [
      (db) => {
        runs++;
        db.exec('CREATE TABLE alerts (id INTEGER PRIMARY KEY, message TEXT)');
      },
    ],
  };
  openAuditDb(path, { migrations: [alerts] }).close();
  const db = openAuditDb(path, { migrations: [alerts] });
  t.teardown(() => db.close());
  t.equal(runs, 1, 'ran once across two opens');
  t.equal(migrate(db, alerts), 1);
  t.same(db.prepare('SELECT name, version FROM schema_versions').all(), [{ name: 'alerts', version: 1 }]);
  t.equal(db.pragma('user_version', { simple: true }), 1, 'the audit set keeps user_version');

  const grown: MigrationSet = { ...alerts, migrations: [...alerts.migrations, (d) => d.exec('ALTER TABLE alerts ADD COLUMN seen INTEGER')] };
  t.equal(migrate(db, grown), 2, 'an appended migration runs on the next open');
  t.equal(runs, 1);
  t.ok((db.pragma('table_info(alerts)') as { name: string }[]).some((c) => c.name === 'seen'));
});

t.test('a failing migration rolls back entirely and is retried next time', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  let fail = true;
  const set: MigrationSet = {
    name: 'flaky',
    migrations: [
      (d) => {
        d.exec('CREATE TABLE flaky (x)');
        if (fail) throw new Error('boom');
      },
    ],
  };
  t.throws(() => migrate(db, set), /boom/);
  t.equal(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'flaky'").pluck().get(), 0, 'table creation rolled back');
  fail = false;
  t.equal(migrate(db, set), 1);
});

t.test('a database from a newer YORI is refused with a clear message', async (t) => {
  const path = auditDbPath(tempDir(t));
  const db = openAuditDb(path);
  db.pragma('user_version = 7');
  db.close();
  t.throws(() => openAuditDb(path), /version 7, newer than this YORI/);
});

t.test('an unusable path throws (the writer retries; the CLI reports it)', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'file'), 'x');
  t.throws(() => openAuditDb(join(dir, 'file', 'audit.db')));
  const notDb = join(dir, 'garbage.db');
  writeFileSync(notDb, 'this is not a database, just some bytes that are long enough to look like a header....');
  t.throws(() => openAuditDb(notDb), /not a database|file is not a database/i);
});
