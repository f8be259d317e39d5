import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { MOBILECONFIG_CONTENT_TYPE } from '../../lib/tls/mobileconfig.js';
import { checkDevice, platformsFor } from '../../lib/web/install.js';
import { Client, HOUR, row, startDashboard, testCa } from './fixtures/helpers.js';

const NOW = Date.UTC(2025, 5, 18, 14, 30);
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

t.test('the CA downloads: PEM, DER and the iOS profile, never the key, no login', async (t) => {
  const f = await startDashboard(t, { passwordHash: 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g=' });
  const c = new Client(f.port);
  const ca = testCa();
  const pem = await c.get('/ca.pem');
  t.equal(pem.status, 200);
  t.equal(pem.headers['content-type'], 'application/x-pem-file');
  t.equal(pem.headers['content-disposition'], 'attachment; filename="yori-ca.pem"');
  t.match(pem.text, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/);
  t.notMatch(pem.text, /PRIVATE KEY/);
  const fromPem = new X509Certificate(pem.text);
  t.equal(fromPem.fingerprint256, ca.fingerprintSha256);
  t.ok(fromPem.ca, 'a CA certificate');

  const der = await c.get('/ca.der');
  t.equal(der.headers['content-type'], 'application/x-x509-ca-cert');
  t.equal(der.headers['content-disposition'], 'attachment; filename="yori-ca.cer"');
  t.same(der.body, ca.certDer);
  t.equal(new X509Certificate(der.body).fingerprint256, ca.fingerprintSha256);

  const profile = await c.get('/ca.mobileconfig');
  t.equal(profile.headers['content-type'], MOBILECONFIG_CONTENT_TYPE);
  t.match(profile.text, /<string>com\.apple\.security\.root<\/string>/);
  t.ok(profile.text.replace(/\s/g, '').includes(ca.certDer.toString('base64')), 'the certificate inside');
  t.equal((await c.request('HEAD', '/ca.pem')).body.length, 0);
});

t.test('/install: fingerprint, QR code for the address used, steps for every platform', async (t) => {
  const f = await startDashboard(t, { passwordHash: 'scrypt$1024$8$1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2g=' });
  const c = new Client(f.port);
  const page = await c.get('/install', { host: '192.168.1.1:8081', 'user-agent': IPHONE });
  t.equal(page.status, 200);
  t.match(page.headers['content-type'], /^text\/html/);
  t.match(page.headers['content-security-policy'], /default-src 'self'/);
  t.match(page.headers['content-security-policy'], /frame-ancestors 'none'/);
  t.ok(page.text.includes(testCa().fingerprintSha256));
  t.match(page.text, /<svg[^>]*viewBox/, 'an inline SVG QR code');
  t.match(page.text, /aria-label="QR code for http:\/\/192\.168\.1\.1:8081\/install"/);
  t.notMatch(page.text, /only works on the router itself/);
  for (const href of ['/ca.mobileconfig', '/ca.der', '/ca.pem', '/install/check']) t.ok(page.text.includes(`href="${href}"`), href);
  for (const id of ['ios', 'android', 'windows', 'macos', 'chromeos', 'linux', 'firefox']) t.match(page.text, new RegExp(`<details class="card platform" id="${id}"`), id);
  t.match(page.text, /<details class="card platform" id="ios" open>/, 'the visitor\'s platform opens');
  t.match(page.text, /Certificate Trust Settings/);
  t.match(page.text, /Since Android 7, apps trust a certificate you install only if/);
  t.match(page.text, /Firefox has its own certificate store/);
  t.notMatch(page.text, /https?:\/\/(?!192\.168\.1\.1|www\.w3\.org\/2000\/svg)[a-z]/i, 'no external resources or links');

  const local = await c.get('/install');
  t.match(local.text, /only works on the router itself/);
  const weird = await c.get('/install', { host: 'x"><script>alert(1)</script>' });
  t.notMatch(weird.text, /<script>alert/);
  t.match(weird.text, /Open this page on the phone using the router's address/);
});

t.test('which platform opens first', async (t) => {
  t.same([...platformsFor(IPHONE)], ['ios']);
  t.same([...platformsFor('Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126 Mobile')], ['android']);
  t.same([...platformsFor('Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) Chrome/126')], ['chromeos']);
  t.same([...platformsFor('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0')], ['windows', 'firefox']);
  t.same([...platformsFor('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605')], ['macos']);
  t.same([...platformsFor('Mozilla/5.0 (X11; Linux x86_64) Chrome/126')], ['linux']);
  t.same([...platformsFor('Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0')], ['android']);
  t.same([...platformsFor('curl/8')], []);
});

t.test('/install/check tells a device what YORI has seen from it', async (t) => {
  const rows = [
    row({ client_ip: '127.0.0.1', client_name: null, person: null, ts: NOW - 5 * 60_000, mode: 'observe', provider: 'openai', host: 'chatgpt.com' }),
    row({ client_ip: '10.0.0.7', ts: NOW - 2 * 60_000 }),
    row({ client_ip: '10.0.0.7', ts: NOW - 2 * HOUR }),
  ];
  const f = await startDashboard(t, { now: NOW, rows });
  const c = new Client(f.port);
  const json = await c.get('/install/check.json');
  t.match(json.json, { client_ip: '127.0.0.1', local: true, intercepted: 0, observed: 1, verdict: 'observing', last: { host: 'chatgpt.com', mode: 'observe' } });
  const label = () => ({ name: 'tablet', person: 'emma' });
  t.match(checkDevice(f.db, '10.0.0.7', NOW, label), { intercepted: 1, observed: 0, verdict: 'reading', name: 'tablet', person: 'emma', local: false, since: NOW - 15 * 60_000 });
  t.match(checkDevice(f.db, '10.0.0.8', NOW, label), { intercepted: 0, observed: 0, verdict: 'not_seen', last: null });

  const html = await c.get('/install/check');
  t.equal(html.status, 200);
  t.match(html.text, /YORI sees this device's AI apps/);
  t.match(html.text, /You opened this page on the router itself/);
  t.match(html.text, /<script type="module" src="\/static\/install\.js">/);
  t.match(html.headers['content-security-policy'], /connect-src 'self' https:\/\/api\.openai\.com;/);
  t.equal((await c.get('/install/check?from=qr')).status, 200, 'pages ignore query strings');
});
