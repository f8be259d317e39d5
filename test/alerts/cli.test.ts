import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { alertsTestCommand } from '../../lib/alerts/cli.js';
import { defaultConfig } from '../../lib/config/schema.js';
import { openAuditDb, auditDbPath } from '../../lib/audit/store.js';
import { ALERT_MIGRATIONS, AlertStore } from '../../lib/alerts/store.js';

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  return { out, text: () => text };
}

t.test('yori alerts test reports each channel and stores the web alert', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'yori-alerts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    res.writeHead(req.url === '/ok' ? 200 : 500).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const config = defaultConfig();
  config.data_dir = dir;
  config.alerts.webhook = { url: `${base}/ok`, headers: {} };
  config.alerts.ntfy = { url: `${base}/broken`, topic: 'x', token: null, priority: 3 };
  const c = capture();
  const code = await alertsTestCommand(config, c.out);
  t.equal(code, 1, 'a failed channel fails the command');
  t.match(c.text(), /web\s+ok\s+stored as alert #1/);
  t.match(c.text(), /webhook\s+ok/);
  t.match(c.text(), /ntfy\s+FAILED\s+HTTP 500/);
  t.equal(hits, 2);
  const db = openAuditDb(auditDbPath(dir), { migrations: [ALERT_MIGRATIONS] });
  t.teardown(() => db.close());
  t.equal(new AlertStore(db).list()[0]!.kind, 'test');

  config.alerts.ntfy = null;
  const ok = capture();
  t.equal(await alertsTestCommand(config, ok.out), 0);
});

t.test('no channels at all is an error; an unwritable store is reported', async (t) => {
  const config = defaultConfig();
  config.alerts.web = false;
  const c = capture();
  t.equal(await alertsTestCommand(config, c.out), 1);
  t.match(c.text(), /no alert channels configured/);

  // A data_dir below a regular file can never be created (ENOTDIR).
  const dir = mkdtempSync(join(tmpdir(), 'yori-alerts-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'file'), '');
  const broken = defaultConfig();
  broken.data_dir = join(dir, 'file', 'data');
  const b = capture();
  t.equal(await alertsTestCommand(broken, b.out), 1);
  t.match(b.text(), /web\s+FAILED/);
});
