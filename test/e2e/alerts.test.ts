/**
 * Issue 5, alerts through the real proxy: a bedtime request at 22:00 local time reaches the
 * parents by e-mail (a real SMTP conversation), webhook and ntfy; an unnamed device raises one
 * "new device" alert, not one per request, not again after a restart.
 */
import t from 'tap';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { startYori } from '../../lib/app.js';
import { createLogger } from '../../lib/log.js';
import { startOrigin } from '../net/fixtures.js';
import { BEDTIME_REASON, bedtimeSetup, chat, postJson, startTestYori, TEN_PM, until, waitRows } from './helpers.js';
import { httpReceiver } from '../fixtures/http-receiver.js';

async function okOrigin(t: Tap.Test) {
  return startOrigin(t, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
}

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

async function smtpServer(t: Tap.Test) {
  const mails: Mail[] = [];
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, cb) {
      let raw = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (raw += c));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => smtp.close(() => r())));
  return { port: (smtp.server.address() as AddressInfo).port, mails };
}

/** Decodes RFC 2047 encoded words (B or Q); adjacent words join (a character may span two). */
function decodeHeader(value: string): string {
  const word = '=\\?UTF-8\\?[BQ]\\?[^?]*\\?=';
  return value.replace(new RegExp(`${word}(?:\\s+${word})*`, 'gi'), (run) => {
    const bytes = [...run.matchAll(/=\?UTF-8\?([BQ])\?([^?]*)\?=/gi)].map(([, enc, text]) =>
      enc!.toUpperCase() === 'B' ? Buffer.from(text!, 'base64') : qpBytes(text!.replace(/_/g, ' ')),
    );
    return Buffer.concat(bytes).toString('utf8');
  });
}

function qpBytes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '=' && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(...Buffer.from(text[i]!, 'utf8'));
    }
  }
  return Buffer.from(out);
}

/** Headers (unfolded, lower-case names) and the decoded text body of a single-part mail. */
function parseMail(raw: string): { headers: Record<string, string>; subject: string; body: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const encoded = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const cte = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const body =
    cte === 'base64' ? Buffer.from(encoded, 'base64').toString('utf8')
    : cte === 'quoted-printable' ? qpBytes(encoded.replace(/=\r?\n/g, '')).toString('utf8')
    : encoded;
  return { headers, subject: decodeHeader(headers.subject ?? ''), body: body.replace(/\r\n/g, '\n') };
}

t.test('bedtime at 22:00 → an e-mail over real SMTP: recipient, subject, device and reason', async (t) => {
  const origin = await okOrigin(t);
  const smtp = await smtpServer(t);
  const email = { host: '127.0.0.1', port: smtp.port, starttls: false, from: 'yori@home.lan', to: ['mum@example.com', 'dad@example.com'] };
  const yori = await startTestYori(t, bedtimeSetup({ 'api.openai.com': origin.port }, { alerts: { email } }), { now: () => TEN_PM });

  const res = await postJson(yori, '/v1/chat/completions', chat('help me with my essay'));
  t.equal(res.status, 200, 'advisory mode: the request passes');
  const [row] = await waitRows(yori, 1);
  t.match(row, { policy_action: 'alert', policy_reasons: JSON.stringify([BEDTIME_REASON]) });

  await until('the e-mail', () => smtp.mails.length === 1);
  const mail = smtp.mails[0]!;
  t.equal(mail.from, 'yori@home.lan');
  t.same(mail.to, ['mum@example.com', 'dad@example.com'], 'every configured recipient');
  const { headers, subject, body } = parseMail(mail.raw);
  t.match(headers.to, /mum@example\.com, dad@example\.com/);
  t.equal(subject, `YORI: ${BEDTIME_REASON} — kids-ipad`);
  t.match(body, /kids-ipad sent a request to openai \(api\.openai\.com\)\./, 'what happened');
  t.match(body, /When: 25 Nov 2026, 22:00 \(Europe\/Berlin\)/, 'when, in local time (the fake clock)');
  t.match(body, /Device: alice's kids-ipad \(127\.0\.0\.1\)/, 'device name, person and address');
  t.match(body, /Why:\n- bedtime: alice used openai at 22:00/, 'the policy reason');

  await yori.alerts.flush();
  const [alert] = yori.alertStore.list();
  t.match(alert, { kind: 'policy', severity: 'warning', title: BEDTIME_REASON, client_name: 'kids-ipad', ts: TEN_PM });
  t.match(alert!.deliveries, [{ channel: 'email', outcome: 'sent', attempts: 1 }], 'the delivery is recorded');
});

t.test('bedtime at 22:00 → webhook JSON and an ntfy push, same alert', async (t) => {
  const origin = await okOrigin(t);
  const hook = await httpReceiver(t);
  const ntfy = await httpReceiver(t);
  const alerts = {
    webhook: { url: `${hook.url}/yori`, headers: { 'x-yori-token': 'home-123' } },
    ntfy: { url: ntfy.url, topic: 'family alerts', priority: 4 },
  };
  const yori = await startTestYori(t, bedtimeSetup({ 'api.openai.com': origin.port }, { alerts }), { now: () => TEN_PM });

  t.equal((await postJson(yori, '/v1/chat/completions', chat('one more question'))).status, 200);
  await until('webhook and ntfy deliveries', () => hook.got.length === 1 && ntfy.got.length === 1);

  const h = hook.got[0]!;
  t.equal(h.url, '/yori');
  t.equal(h.headers['content-type'], 'application/json');
  t.equal(h.headers['x-yori-token'], 'home-123', 'configured headers sent');
  const payload = JSON.parse(h.body);
  t.equal(payload.type, 'yori.alert');
  t.match(payload.alert, {
    kind: 'policy', severity: 'warning', title: BEDTIME_REASON, reasons: [BEDTIME_REASON], ts: TEN_PM,
    client_ip: '127.0.0.1', client_name: 'kids-ipad', person: 'alice', host: 'api.openai.com', provider: 'openai',
    message: 'kids-ipad sent a request to openai (api.openai.com).',
  });
  t.type(payload.alert.id, 'number', 'the stored alert id (web channel) travels along');

  const n = ntfy.got[0]!;
  t.equal(n.url, '/family%20alerts');
  t.equal(n.headers.priority, '4');
  t.equal(n.headers.tags, 'warning');
  t.equal(decodeHeader(String(n.headers.title)), `YORI: ${BEDTIME_REASON} — kids-ipad`);
  t.match(n.body, /Device: alice's kids-ipad \(127\.0\.0\.1\)/);
  t.match(n.body, /- bedtime: alice used openai at 22:00/);

  await yori.alerts.flush();
  t.same(yori.alertStore.list()[0]!.deliveries.map((d) => [d.channel, d.outcome]).sort(), [['ntfy', 'sent'], ['webhook', 'sent']]);
});

t.test('a new unnamed device raises one new_device alert: not on its second request, not after a restart', async (t) => {
  const origin = await okOrigin(t);
  const hook = await httpReceiver(t);
  // No dedupe window: only YORI's memory of the device can keep the second alert away.
  const yori = await startTestYori(t, { origins: { 'api.openai.com': origin.port }, doc: { alerts: { dedupe_minutes: 0, webhook: { url: hook.url } } } });
  t.equal((await postJson(yori, '/v1/chat/completions', chat('first'))).status, 200);
  t.equal((await postJson(yori, '/v1/chat/completions', chat('second'))).status, 200);
  await waitRows(yori, 2);
  await yori.alerts.flush();
  const alerts = yori.alertStore.list();
  t.equal(alerts.length, 1, 'one alert for two requests');
  t.match(alerts[0], { kind: 'new_device', severity: 'info', client_ip: '127.0.0.1', host: 'api.openai.com', provider: 'openai', client_name: null });
  t.match(alerts[0]!.message, /127\.0\.0\.1 used openai \(api\.openai\.com\) for the first time/);
  t.equal(hook.got.length, 1, 'delivered once');
  t.equal(JSON.parse(hook.got[0]!.body).alert.kind, 'new_device');
  await yori.close();

  // The same data_dir after a restart: the device is known from the audit log.
  const again = await startYori(yori.config, { logger: createLogger('silent'), pf: false, flushIntervalMs: 10 });
  t.teardown(() => again.close());
  t.equal((await postJson({ port: again.gateway.transparentAddress.port }, '/v1/chat/completions', chat('third'))).status, 200);
  await waitRows(again, 3);
  await again.alerts.flush();
  t.equal(again.alertStore.list({ kind: 'new_device' }).length, 1, 'no second new_device alert after a restart');
  t.equal(hook.got.length, 1);
});
