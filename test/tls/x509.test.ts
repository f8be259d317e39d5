import t from 'tap';
import { execFile } from 'node:child_process';
import { X509Certificate, createHash, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  OID, derOf, distinguishedName, extension, issuerFactsOf, keyUsageBits, octetString, parseDer, randomSerial,
  signCertificate, tbsCertificate, timeOf, toPem,
} from '../../lib/tls/x509.js';
import { hasCommand, tempDir } from './fixtures/helpers.js';

const run = promisify(execFile);
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
/** SHA-1 of the RSAPublicKey DER, i.e. of the SPKI BIT STRING value: RFC 5280's key identifier. */
const expectedKeyId = createHash('sha1').update(publicKey.export({ type: 'pkcs1', format: 'der' })).digest();

function selfSigned(extensions: ReturnType<typeof extension>[], notAfter = new Date(Date.now() + 86_400_000)): string {
  const name = distinguishedName([[OID.commonName, 'x509 test']]);
  return toPem(signCertificate(tbsCertificate({
    serial: randomSerial(), issuer: name, subject: name, notBefore: new Date(Date.now() - 60_000), notAfter,
    subjectPublicKeyInfo: parseDer(spkiDer), extensions,
  }), privateKey));
}

t.test('signCertificate produces a certificate node:crypto verifies', async (t) => {
  const x509 = new X509Certificate(selfSigned([]));
  t.ok(x509.verify(publicKey));
  t.equal(x509.subject, 'CN=x509 test');
  t.match(x509.serialNumber, /^[4-7][0-9A-F]{31}$/, 'a positive 16-byte serial with no padding byte');
});

t.test('validity uses UTCTime through 2049 and GeneralizedTime after', async (t) => {
  t.equal(derOf(timeOf(new Date(Date.UTC(2049, 11, 31, 23, 59, 59))))[0], 0x17);
  t.equal(derOf(timeOf(new Date(Date.UTC(2050, 0, 1))))[0], 0x18);
  const x509 = new X509Certificate(selfSigned([], new Date(Date.UTC(2051, 2, 3, 4, 5, 6))));
  t.equal(new Date(x509.validTo).toISOString(), '2051-03-03T04:05:06.000Z');
});

t.test('keyUsageBits encodes named bits with trailing zeros trimmed', async (t) => {
  t.equal(derOf(keyUsageBits({ digitalSignature: true })).toString('hex'), '03020780');
  t.equal(derOf(keyUsageBits({ digitalSignature: true, keyEncipherment: true })).toString('hex'), '030205a0');
  t.equal(derOf(keyUsageBits({ keyCertSign: true, cRLSign: true })).toString('hex'), '03020106');
});

t.test('toPem wraps base64 at 64 columns', async (t) => {
  const der = Buffer.alloc(100, 0xab);
  const lines = toPem(der).trim().split('\n');
  t.equal(lines[0], '-----BEGIN CERTIFICATE-----');
  t.equal(lines.at(-1), '-----END CERTIFICATE-----');
  t.same(lines.slice(1, -1).map((l) => l.length), [64, 64, 8]);
  t.same(Buffer.from(lines.slice(1, -1).join(''), 'base64'), der);
});

t.test('issuerFactsOf takes the subjectKeyIdentifier extension when there is one', async (t) => {
  const custom = Buffer.from('0102030405', 'hex');
  const pem = selfSigned([extension(OID.subjectKeyIdentifier, false, octetString(custom))]);
  const facts = issuerFactsOf(new X509Certificate(pem).raw);
  t.same(facts.keyIdentifier, custom);
  t.same(facts.subjectDer, derOf(distinguishedName([[OID.commonName, 'x509 test']])));
});

t.test('issuerFactsOf computes the key identifier when the extension is absent', async (t) => {
  const facts = issuerFactsOf(new X509Certificate(selfSigned([])).raw);
  t.same(facts.keyIdentifier, expectedKeyId);
});

t.test('issuerFactsOf reads a version 1 certificate made by openssl', { skip: !hasCommand('openssl') && 'openssl not installed' }, async (t) => {
  const dir = tempDir(t);
  const key = join(dir, 'v1.key');
  const csr = join(dir, 'v1.csr');
  const cert = join(dir, 'v1.pem');
  fs.writeFileSync(key, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await run('openssl', ['req', '-new', '-key', key, '-subj', '/O=Old/CN=v1 root', '-out', csr]);
  await run('openssl', ['x509', '-req', '-in', csr, '-key', key, '-days', '1', '-out', cert]);
  const x509 = new X509Certificate(fs.readFileSync(cert));
  const tbs = parseDer(x509.raw).value[0] as ReturnType<typeof parseDer>;
  const firstField = (tbs.value as ReturnType<typeof parseDer>[])[0]!;
  t.equal(firstField.type, 0x02, 'no [0] version field: the TBS starts with the serial INTEGER');
  const facts = issuerFactsOf(x509.raw);
  t.same(facts.keyIdentifier, expectedKeyId);
  const subject = parseDer(facts.subjectDer);
  t.equal(subject.value.length, 2, 'two RDNs: O and CN');
});
