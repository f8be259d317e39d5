import t from 'tap';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { emailChannel, ntfyChannel, webhookChannel, channelsFromConfig } from '../../lib/alerts/channels.js';
import { makeAlert, alertText, alertSubject, deviceLabel } from '../../lib/alerts/alert.js';
import { defaultConfig } from '../../lib/config/schema.js';
import { httpReceiver } from '../fixtures/http-receiver.js';

const alert = makeAlert(
  {
    kind: 'policy',
    title: 'Bedtime: AI use after 21:00',
    message: 'kids-ipad used ChatGPT during bedtime.',
    reasons: ['bedtime for alice (21:00–07:00)'],
    client_ip: '192.168.1.23',
    client_name: 'kids-ipad',
    person: 'alice',
    host: 'api.openai.com',
    provider: 'openai',
  },
  Date.UTC(2026, 10, 25, 20, 30),
);

t.test('alert text reads well for a parent', async (t) => {
  t.equal(deviceLabel(alert), "alice's kids-ipad (192.168.1.23)");
  t.equal(deviceLabel({ client_ip: '10.0.0.2', client_name: null, person: null }), '10.0.0.2');
  t.equal(deviceLabel({ client_ip: null, client_name: null, person: null }), 'unknown device');
  t.equal(alertSubject(alert), 'YORI: Bedtime: AI use after 21:00 — kids-ipad');
  const text = alertText(alert, 'Europe/Berlin');
  t.match(text, /When: 25 Nov 2026, 21:30 \(Europe\/Berlin\)/);
  t.match(text, /Device: alice's kids-ipad \(192\.168\.1\.23\)/);
  t.match(text, /Service: openai \(api\.openai\.com\)/);
  t.match(text, /- bedtime for alice/);
});

t.test('webhook: JSON POST with configured headers; non-2xx rejects', async (t) => {
  const ok = await httpReceiver(t);
  await webhookChannel({ url: `${ok.url}/hook`, headers: { 'x-token': 'abc' } }).send(alert);
  t.equal(ok.got.length, 1);
  t.equal(ok.got[0]!.method, 'POST');
  t.equal(ok.got[0]!.url, '/hook');
  t.equal(ok.got[0]!.headers['x-token'], 'abc');
  t.equal(ok.got[0]!.headers['content-type'], 'application/json');
  const payload = JSON.parse(ok.got[0]!.body);
  t.equal(payload.type, 'yori.alert');
  t.equal(payload.alert.title, alert.title);
  t.same(payload.alert.reasons, alert.reasons);

  const bad = await httpReceiver(t, 500);
  await t.rejects(webhookChannel({ url: bad.url, headers: {} }).send(alert), /HTTP 500/);
});

t.test('ntfy: publish to <url>/<topic> with title, priority, tags and token', async (t) => {
  const ntfy = await httpReceiver(t);
  await ntfyChannel({ url: `${ntfy.url}/`, topic: 'family alerts', token: 'tk_123', priority: 4 }, 'UTC').send(alert);
  const req = ntfy.got[0]!;
  t.equal(req.url, '/family%20alerts');
  t.equal(req.headers.priority, '4');
  t.equal(req.headers.tags, 'warning');
  t.equal(req.headers.authorization, 'Bearer tk_123');
  const title = /^=\?UTF-8\?B\?(.+)\?=$/.exec(String(req.headers.title))!;
  t.equal(Buffer.from(title[1]!, 'base64').toString('utf8'), alertSubject(alert));
  t.match(req.body, /Bedtime: AI use after 21:00/);

  const critical = makeAlert({ kind: 'policy_error', title: 'Policy failed to load' });
  await ntfyChannel({ url: ntfy.url, topic: 't', token: null, priority: 3 }, 'UTC').send(critical);
  t.equal(ntfy.got[1]!.headers.priority, '5');
  t.equal(ntfy.got[1]!.headers.authorization, undefined);
  const info = makeAlert({ kind: 'new_device', title: 'New device', severity: 'info' });
  await ntfyChannel({ url: ntfy.url, topic: 't', token: null, priority: 5 }, 'UTC').send(info);
  t.equal(ntfy.got[2]!.headers.priority, '3');
  t.equal(ntfy.got[2]!.headers.tags, 'new');
});

t.test('e-mail: a real SMTP conversation with auth', async (t) => {
  const mails: { from: string; to: string[]; raw: string; user: string | undefined }[] = [];
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, cb) {
      if (auth.username === 'yori' && auth.password === 's3cret') cb(null, { user: auth.username });
      else cb(new Error('bad credentials'));
    },
    onData(stream, session, cb) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (raw += c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => smtp.close(() => r())));
  const port = (smtp.server.address() as AddressInfo).port;

  const cfg = { host: '127.0.0.1', port, secure: false, starttls: false, user: 'yori', password: 's3cret', from: 'yori@home.lan', to: ['mum@example.com', 'dad@example.com'] };
  const ch = emailChannel(cfg, 'Europe/Berlin');
  t.teardown(() => ch.close?.());
  await ch.send(alert);
  t.equal(mails.length, 1);
  t.equal(mails[0]!.user, 'yori');
  t.equal(mails[0]!.from, 'yori@home.lan');
  t.same(mails[0]!.to, ['mum@example.com', 'dad@example.com']);
  t.match(mails[0]!.raw, /Subject: =\?UTF-8\?Q\?YORI|Subject: YORI/);
  t.match(mails[0]!.raw, /Bedtime: AI use after 21:00/);

  const wrong = emailChannel({ ...cfg, password: 'nope' }, 'UTC');
  t.teardown(() => wrong.close?.());
  await t.rejects(wrong.send(alert), /auth|credentials|535/i);
});

t.test('channelsFromConfig builds the configured channels only', async (t) => {
  const cfg = defaultConfig().alerts;
  t.same(channelsFromConfig(cfg, 'UTC'), []);
  const all = channelsFromConfig(
    {
      ...cfg,
      email: { host: '127.0.0.1', port: 25, secure: false, starttls: true, user: null, password: null, from: 'a@b.c', to: ['x@y.z'] },
      webhook: { url: 'http://127.0.0.1:1/', headers: {} },
      ntfy: { url: 'http://127.0.0.1:1', topic: 't', token: null, priority: 3 },
    },
    'UTC',
  );
  t.same(all.map((c) => c.name), ['email', 'webhook', 'ntfy']);
  for (const c of all) c.close?.();
});
