import t from 'tap';
import { execFile } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { loadOrCreateCA } from '../../lib/tls/ca.js';
import { InvalidHostError, LeafMinter, ipAddressBytes, normalizeHost } from '../../lib/tls/leaf.js';
import { certificateFields, hasCommand, tempDir, type Teardown } from './fixtures/helpers.js';

const run = promisify(execFile);
const DAY_MS = 86_400_000;
const ca = loadOrCreateCA(tempDir(t));
const caFile = join(tempDir(t), 'ca.pem');
fs.writeFileSync(caFile, ca.certPem);


/** An HTTPS server on 127.0.0.1 whose certificates come from `minter` via SNI. */
async function sniServer(t: Teardown, minter: LeafMinter): Promise<number> {
  const server = https.createServer({
    SNICallback: (servername, cb) => {
      try {
        cb(null, minter.secureContextFor(servername));
      } catch (e) {
        cb(e as Error);
      }
    },
  }, (_req, res) => res.end('hello from yori'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return (server.address() as AddressInfo).port;
}

function handshake(port: number, servername: string, extra: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername, ca: ca.certPem, ...extra }, () => resolve(socket));
    socket.once('error', reject);
  });
}

t.test('a real TLS handshake with a minted leaf is authorized', async (t) => {
  const minter = new LeafMinter(ca);
  const port = await sniServer(t, minter);
  const socket = await handshake(port, 'api.openai.com');
  t.teardown(() => socket.destroy());
  t.equal(socket.authorized, true, `authorized (${socket.authorizationError ?? 'no error'})`);
  const peer = socket.getPeerCertificate();
  t.equal(peer.subject.CN, 'api.openai.com');
  t.equal(peer.issuer.CN, 'YORI Home Gateway CA');
  t.equal(peer.subjectaltname, 'DNS:api.openai.com');
  t.same(peer.ext_key_usage, ['1.3.6.1.5.5.7.3.1'], 'EKU serverAuth');
  const lifetimeDays = (Date.parse(peer.valid_to) - Date.parse(peer.valid_from)) / DAY_MS;
  t.ok(lifetimeDays <= 398, `validity ${lifetimeDays} days is within the Apple/Chrome limit`);
  t.ok(Date.parse(peer.valid_from) <= Date.now() - 3_599_000, 'starts an hour early for clock skew');
  const x509 = new X509Certificate(peer.raw);
  t.ok(x509.checkIssued(new X509Certificate(ca.certPem)));
  t.ok(x509.verify(new X509Certificate(ca.certPem).publicKey));
  t.equal(x509.checkHost('api.openai.com'), 'api.openai.com');
  t.equal(x509.checkHost('api.anthropic.com'), undefined);
});

t.test('a client that does not trust the YORI CA rejects the leaf', async (t) => {
  const port = await sniServer(t, new LeafMinter(ca));
  await t.rejects(handshake(port, 'api.openai.com', { ca: undefined }), { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
});

t.test('the leaf extensions', async (t) => {
  const now = Date.UTC(2030, 0, 15, 12, 0, 0);
  const minter = new LeafMinter(ca, { now: () => now });
  const cert = certificateFields(minter.certificateFor('api.anthropic.com').certPem);
  t.equal(cert.validity.notBefore.getTime(), now - 3_600_000);
  t.equal(cert.validity.notAfter.getTime(), now + 30 * DAY_MS);
  const usage = cert.getExtension<Record<string, boolean>>('keyUsage');
  t.equal(usage.critical, true);
  t.equal(usage.digitalSignature, true);
  t.notOk(usage.keyEncipherment, 'an EC key does no key transport');
  const eku = cert.getExtension<Record<string, boolean>>('extKeyUsage');
  t.equal(eku.serverAuth, true);
  const basic = cert.getExtension<{ cA?: boolean }>('basicConstraints');
  t.notOk(basic.cA);
  const aki = cert.getExtension<{ value: string }>('authorityKeyIdentifier');
  // value is the DER of SEQUENCE { [0] keyIdentifier }: skip its two header bytes and the tag's two.
  t.equal(Buffer.from(aki.value, 'latin1').subarray(4).toString('hex'), ca.issuer.keyIdentifier.toString('hex'));
  t.equal(cert.getExtension('subjectKeyIdentifier').critical, false);
  const san = cert.getExtension<{ altNames: { type: number; value: string }[] }>('subjectAltName');
  t.same(san.altNames.map((n) => [n.type, n.value]), [[2, 'api.anthropic.com']]);
  t.equal(san.critical, false);
  t.equal(new X509Certificate(minter.certificateFor('api.anthropic.com').certPem).publicKey.asymmetricKeyType, 'ec');
});

t.test('an RSA leaf key adds keyEncipherment', async (t) => {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const minter = new LeafMinter(ca, { key });
  const { certPem, keyPem } = minter.certificateFor('api.mistral.ai');
  const usage = certificateFields(certPem).getExtension<Record<string, boolean>>('keyUsage');
  t.equal(usage.digitalSignature, true);
  t.equal(usage.keyEncipherment, true);
  t.ok(new X509Certificate(certPem).checkPrivateKey(key));
  t.equal(keyPem, key.export({ type: 'pkcs8', format: 'pem' }));
});

t.test('IP hosts get an iPAddress SAN', async (t) => {
  const minter = new LeafMinter(ca);
  for (const ip of ['127.0.0.1', '2001:db8::1', '::ffff:192.0.2.7']) {
    const x509 = new X509Certificate(minter.certificateFor(ip).certPem);
    t.equal(x509.checkIP(ip), ip, ip);
    t.notMatch(x509.subjectAltName!, /DNS:/, `${ip}: no dNSName`);
  }
});

t.test('hosts longer than a commonName allows get an empty subject and a critical SAN', async (t) => {
  const host = `${'a'.repeat(60)}.example.com`;
  const cert = certificateFields(new LeafMinter(ca).certificateFor(host).certPem);
  t.same(cert.subject.attributes, []);
  t.equal(cert.getExtension('subjectAltName').critical, true);
});

t.test('openssl verifies leaves against the CA', { skip: !hasCommand('openssl') && 'openssl not installed' }, async (t) => {
  const minter = new LeafMinter(ca);
  const dir = tempDir(t);
  const cases: [string, string[]][] = [
    ['api.openai.com', ['-verify_hostname', 'api.openai.com']],
    ['127.0.0.1', ['-verify_ip', '127.0.0.1']],
    [`${'b'.repeat(60)}.example.com`, ['-verify_hostname', `${'b'.repeat(60)}.example.com`]],
  ];
  for (const [host, check] of cases) {
    const file = join(dir, `${host.slice(0, 20)}.pem`);
    fs.writeFileSync(file, minter.certificateFor(host).certPem);
    const { stdout } = await run('openssl', ['verify', '-CAfile', caFile, '-purpose', 'sslserver', '-x509_strict', ...check, file]);
    t.equal(stdout.trim(), `${file}: OK`, host);
  }
});

t.test('curl completes an HTTPS request through a minted leaf', { skip: !hasCommand('curl') && 'curl not installed' }, async (t) => {
  const port = await sniServer(t, new LeafMinter(ca));
  const { stdout } = await run('curl', [
    '--silent', '--show-error', '--noproxy', '*', '--max-time', '10',
    '--cacert', caFile, '--resolve', `api.openai.com:${port}:127.0.0.1`, `https://api.openai.com:${port}/`,
  ]);
  t.equal(stdout, 'hello from yori');
});

t.test('a cached host returns the same context', async (t) => {
  const minter = new LeafMinter(ca);
  const first = minter.secureContextFor('api.openai.com');
  t.equal(minter.secureContextFor('api.openai.com'), first);
  t.equal(minter.secureContextFor('API.OpenAI.com.'), first, 'case and a trailing dot do not matter');
  t.equal(minter.certificateFor('api.openai.com').certPem, minter.certificateFor('api.openai.com').certPem);
  const stats = minter.stats();
  t.match(stats, { hits: 4, misses: 1, renewals: 0, evictions: 0, cached: 1 });
  t.ok(stats.mintMsMean > 0 && stats.mintMsMax >= stats.mintMsMean);

  const other = minter.certificateFor('api.anthropic.com');
  t.equal(other.keyPem, minter.certificateFor('api.openai.com').keyPem, 'all leaves share one key');
  t.not(new X509Certificate(other.certPem).serialNumber, new X509Certificate(minter.certificateFor('api.openai.com').certPem).serialNumber);
});

t.test('the LRU keeps at most maxHosts and drops the least recently used', async (t) => {
  const minter = new LeafMinter(ca, { maxHosts: 3 });
  const a = minter.secureContextFor('a.example');
  minter.secureContextFor('b.example');
  minter.secureContextFor('c.example');
  minter.secureContextFor('a.example');
  minter.secureContextFor('d.example');
  t.match(minter.stats(), { cached: 3, evictions: 1, misses: 4, hits: 1 });
  t.equal(minter.secureContextFor('a.example'), a, 'recently used host kept');
  minter.secureContextFor('b.example');
  t.match(minter.stats(), { cached: 3, evictions: 2, misses: 5 }, 'b was evicted and minted again');
  for (let i = 0; i < 10; i++) minter.secureContextFor(`h${i}.example`);
  t.equal(minter.stats().cached, 3);
});

t.test('leaves are re-minted before they expire', async (t) => {
  let now = Date.UTC(2030, 5, 1);
  const minter = new LeafMinter(ca, { validityDays: 30, now: () => now });
  const first = minter.secureContextFor('api.openai.com');
  now += 19 * DAY_MS;
  t.equal(minter.secureContextFor('api.openai.com'), first, 'still fresh after 19 of 30 days');
  now += 2 * DAY_MS;
  const renewed = minter.secureContextFor('api.openai.com');
  t.not(renewed, first, 'replaced after 21 of 30 days');
  t.equal(certificateFields(minter.certificateFor('api.openai.com').certPem).validity.notAfter.getTime(), now + 30 * DAY_MS);
  t.match(minter.stats(), { misses: 1, renewals: 1, cached: 1 });
});

t.test('garbage hosts are rejected before minting', async (t) => {
  const minter = new LeafMinter(ca);
  const garbage = [
    '', '.', 'a..b', '-a.example', 'a-.example', 'exa mple.com', 'foo_bar.example', '*.example.com',
    `${'a'.repeat(64)}.example`, `${'abcdefghi.'.repeat(26)}com`, '1.2.3.999', '256.1.1.1', 'fe80::1%eth0',
    'example.com\r\nx: y', 'exam\0ple.com', 'bücher.example', '[::1]', 'host:443', null, 42,
  ];
  for (const host of garbage) {
    t.throws(() => minter.secureContextFor(host as string), InvalidHostError, JSON.stringify(host));
    t.throws(() => minter.certificateFor(host as string), { code: 'YORI_ERR_TLS_INVALID_HOST' });
  }
  t.match(minter.stats(), { misses: 0, cached: 0 });
  const long = t.throws(() => normalizeHost('\u0000'.repeat(100_000))) as Error;
  t.ok(long.message.length < 1000, 'the message quotes only the start of the host');
});

t.test('normalizeHost accepts names and addresses', async (t) => {
  t.equal(normalizeHost('API.OpenAI.COM.'), 'api.openai.com');
  t.equal(normalizeHost('localhost'), 'localhost');
  t.equal(normalizeHost('xn--bcher-kva.example'), 'xn--bcher-kva.example');
  t.equal(normalizeHost('my-resource.openai.azure.com'), 'my-resource.openai.azure.com');
  t.equal(normalizeHost(`${'a'.repeat(63)}.example`), `${'a'.repeat(63)}.example`);
  t.equal(normalizeHost('10.0.0.1'), '10.0.0.1');
  t.equal(normalizeHost('2001:DB8::1'), '2001:db8::1');
  t.equal(normalizeHost('1.2.3.example'), '1.2.3.example');
});

t.test('ipAddressBytes gives the 4 or 16 octets', async (t) => {
  const cases: [string, string][] = [
    ['192.0.2.7', 'c0000207'],
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['1::', '00010000000000000000000000000000'],
    ['2001:db8::8:800:200c:417a', '20010db80000000000080800200c417a'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['::ffff:192.0.2.7', '00000000000000000000ffffc0000207'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
  ];
  for (const [ip, hex] of cases) t.equal(ipAddressBytes(ip).toString('hex'), hex, ip);
});

t.test('bad options are refused', async (t) => {
  t.throws(() => new LeafMinter(ca, { validityDays: 0 }), RangeError);
  t.throws(() => new LeafMinter(ca, { validityDays: 398 }), { message: /validityDays must be in \(0, 397\]/ });
  t.throws(() => new LeafMinter(ca, { maxHosts: 0 }), RangeError);
  t.throws(() => new LeafMinter(ca, { maxHosts: 1.5 }), RangeError);
  const ed = generateKeyPairSync('ed25519');
  t.throws(() => new LeafMinter(ca, { key: ed.privateKey }), { name: 'TypeError', message: /EC or RSA private key, got private ed25519/ });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  t.throws(() => new LeafMinter(ca, { key: ec.publicKey }), TypeError);
});
