import t from 'tap';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import forge from 'node-forge';
import { CA_CERT_FILE, CA_KEY_FILE, CaFileError, loadCA, loadOrCreateCA } from '../../lib/tls/ca.js';
import { LeafMinter } from '../../lib/tls/leaf.js';
import { tempDir } from './fixtures/helpers.js';

const DAY_MS = 86_400_000;
const mode = (path: string) => fs.statSync(path).mode & 0o777;

t.test('creates the CA folder, key (0600) and certificate', async (t) => {
  const dir = join(tempDir(t), 'nested', 'ca');
  const ca = loadOrCreateCA(dir);
  t.equal(ca.origin, 'created');
  t.same(ca.warnings, []);
  t.equal(ca.certPath, join(dir, CA_CERT_FILE));
  t.equal(ca.keyPath, join(dir, CA_KEY_FILE));
  t.equal(mode(ca.keyPath), 0o600, 'key readable by the owner only');
  t.equal(mode(ca.certPath), 0o644);
  t.same(fs.readdirSync(dir).sort(), [CA_CERT_FILE, CA_KEY_FILE].sort(), 'no temporary files left behind');
  t.equal(fs.readFileSync(ca.certPath, 'utf8'), ca.certPem);

  const x509 = new X509Certificate(fs.readFileSync(ca.certPath));
  t.equal(x509.ca, true);
  t.ok(x509.checkPrivateKey(ca.privateKey));
  t.ok(x509.verify(x509.publicKey), 'self-signed');
  t.equal(ca.fingerprintSha256, x509.fingerprint256);
  t.match(ca.fingerprintSha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  t.equal(ca.subject, 'O=YORI, CN=YORI Home Gateway CA');
  t.same(ca.certDer, x509.raw);
  t.equal(ca.notAfter.getTime(), new Date(x509.validTo).getTime());
  const years = (ca.notAfter.getTime() - Date.now()) / (365 * DAY_MS);
  t.ok(years > 9.9 && years < 10.1, `valid about 10 years (${years.toFixed(2)})`);
  t.equal(ca.privateKey.asymmetricKeyType, 'rsa');
  t.ok(ca.privateKey.asymmetricKeyDetails!.modulusLength! >= 2048);
});

t.test('the CA extensions, read from the DER by forge', async (t) => {
  const ca = loadOrCreateCA(tempDir(t));
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(ca.certDer.toString('latin1')));
  const basic = cert.getExtension('basicConstraints') as { cA: boolean; critical: boolean; pathLenConstraint: number };
  t.equal(basic.cA, true);
  t.equal(basic.critical, true, 'CA:true is critical (iOS needs it to offer trust)');
  t.equal(basic.pathLenConstraint, 0);
  const usage = cert.getExtension('keyUsage') as Record<string, boolean>;
  t.equal(usage.critical, true);
  t.equal(usage.keyCertSign, true);
  t.equal(usage.cRLSign, true);
  t.notOk(usage.digitalSignature);
  t.ok(cert.getExtension('subjectKeyIdentifier'));
  t.same(cert.subject.getField('CN').value, 'YORI Home Gateway CA');
  t.same(cert.subject.getField('O').value, 'YORI');
  t.same(ca.issuer.subjectDer, Buffer.from(forge.asn1.toDer(forge.pki.distinguishedNameToAsn1(cert.subject)).getBytes(), 'latin1'));
  t.equal(ca.issuer.keyIdentifier.toString('hex'), (cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier: string }).subjectKeyIdentifier);
  t.ok(cert.validity.notBefore.getTime() < Date.now() - 3_600_000, 'backdated for clock skew');

  const other = loadOrCreateCA(tempDir(t));
  t.not(new X509Certificate(other.certPem).serialNumber, new X509Certificate(ca.certPem).serialNumber, 'serials are unique');
});

t.test('the key stays out of JSON and inspect output', async (t) => {
  const ca = loadOrCreateCA(tempDir(t));
  t.match(ca.keyPem, /-----BEGIN PRIVATE KEY-----/);
  t.notMatch(JSON.stringify(ca), /PRIVATE KEY/);
  t.notMatch(inspect(ca, { depth: 5 }), /PRIVATE KEY/);
  t.notMatch(inspect(ca, { depth: 5 }), ca.keyPem.split('\n')[1]!);
});

t.test('loading is idempotent', async (t) => {
  const dir = tempDir(t);
  const created = loadOrCreateCA(dir);
  const again = loadOrCreateCA(dir);
  t.equal(again.origin, 'loaded');
  t.equal(again.fingerprintSha256, created.fingerprintSha256);
  t.equal(again.keyPem, created.keyPem);
  const loaded = loadCA(dir)!;
  t.equal(loaded.origin, 'loaded');
  t.equal(loaded.certPem, created.certPem);
});

t.test('loadCA returns null for a missing CA and creates nothing', async (t) => {
  const dir = tempDir(t);
  t.equal(loadCA(dir), null);
  t.equal(loadCA(join(dir, 'absent')), null);
  t.same(fs.readdirSync(dir), []);
});

t.test('a key from another CA is refused, naming the key file', async (t) => {
  const a = loadOrCreateCA(tempDir(t));
  const b = loadOrCreateCA(tempDir(t));
  const mixed = tempDir(t);
  fs.copyFileSync(a.certPath, join(mixed, CA_CERT_FILE));
  fs.copyFileSync(b.keyPath, join(mixed, CA_KEY_FILE));
  const keyPath = join(mixed, CA_KEY_FILE);
  t.throws(() => loadCA(mixed), { name: 'CaFileError', file: keyPath, message: new RegExp(`^${keyPath}: does not belong to the certificate`) });
  t.throws(() => loadOrCreateCA(mixed), CaFileError);
});

t.test('broken files give an error naming the file', async (t) => {
  const good = loadOrCreateCA(tempDir(t));
  const dir = tempDir(t);
  const certPath = join(dir, CA_CERT_FILE);
  const keyPath = join(dir, CA_KEY_FILE);

  fs.writeFileSync(certPath, 'not a certificate\n');
  fs.copyFileSync(good.keyPath, keyPath);
  t.throws(() => loadCA(dir), { file: certPath, message: /not a PEM certificate/ });

  fs.copyFileSync(good.certPath, certPath);
  fs.writeFileSync(keyPath, '-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n');
  t.throws(() => loadCA(dir), { file: keyPath, message: /not a readable unencrypted private key/ });

  fs.writeFileSync(keyPath, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  t.throws(() => loadCA(dir), { file: keyPath, message: /must be RSA, not ec/ });

  fs.rmSync(keyPath);
  fs.mkdirSync(keyPath);
  t.throws(() => loadCA(dir), { file: keyPath, message: /cannot read \(EISDIR\)/ });
});

t.test('a certificate that is not a CA is refused', async (t) => {
  const ca = loadOrCreateCA(tempDir(t));
  const rsaLeafKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const leaf = new LeafMinter(ca, { key: rsaLeafKey }).certificateFor('example.com');
  const dir = tempDir(t);
  fs.writeFileSync(join(dir, CA_CERT_FILE), leaf.certPem);
  fs.writeFileSync(join(dir, CA_KEY_FILE), leaf.keyPem, { mode: 0o600 });
  t.throws(() => loadCA(dir), { file: join(dir, CA_CERT_FILE), message: /not a CA certificate/ });
});

t.test('a certificate without its key is an error', async (t) => {
  const dir = tempDir(t);
  const ca = loadOrCreateCA(dir);
  fs.rmSync(ca.keyPath);
  t.throws(() => loadCA(dir), { file: ca.keyPath, message: /missing, so the CA .* cannot sign/ });
  t.throws(() => loadOrCreateCA(dir), { file: ca.keyPath, message: /missing/ });
  t.ok(fs.existsSync(ca.certPath), 'nothing was replaced');
});

t.test('a key without its certificate gets a new certificate for the same key and name', async (t) => {
  const dir = tempDir(t);
  const first = loadOrCreateCA(dir);
  fs.rmSync(first.certPath);
  t.throws(() => loadCA(dir), { file: first.certPath, message: /missing; `yori ca init` issues it again/ });

  const reissued = loadOrCreateCA(dir);
  t.equal(reissued.origin, 'reissued');
  t.match(reissued.warnings, [/was missing; issued a new certificate for the existing key/]);
  t.equal(reissued.keyPem, first.keyPem);
  t.not(reissued.fingerprintSha256, first.fingerprintSha256);
  t.same(reissued.issuer, first.issuer, 'same subject and key identifier, so old trust still chains');

  // A leaf from the new certificate verifies against the old one.
  const leafPem = new LeafMinter(reissued).certificateFor('api.openai.com').certPem;
  t.ok(new X509Certificate(leafPem).verify(new X509Certificate(first.certPem).publicKey));
  t.equal(loadOrCreateCA(dir).origin, 'loaded');
});

t.test('a key file readable by others is tightened to 0600 with a warning', async (t) => {
  const dir = tempDir(t);
  const ca = loadOrCreateCA(dir);
  fs.chmodSync(ca.keyPath, 0o644);
  const loaded = loadCA(dir)!;
  t.equal(mode(ca.keyPath), 0o600);
  t.match(loaded.warnings, [/readable by other users \(mode 0644\); set it to 0600/]);
  t.same(loadCA(dir)!.warnings, []);

  fs.chmodSync(ca.keyPath, 0o640);
  fs.rmSync(ca.certPath);
  const reissued = loadOrCreateCA(dir);
  t.equal(mode(ca.keyPath), 0o600);
  t.match(reissued.warnings, [/mode 0640/, /was missing/]);
});

t.test('expired and nearly expired CAs load with a warning', async (t) => {
  const expiredDir = tempDir(t);
  loadOrCreateCA(expiredDir, Date.now() - 3651 * DAY_MS);
  t.match(loadCA(expiredDir)!.warnings, [/expired on .*run `yori ca init`/]);

  const soonDir = tempDir(t);
  loadOrCreateCA(soonDir, Date.now() - 3640 * DAY_MS);
  t.match(loadCA(soonDir)!.warnings, [/expires in (9|10) days/]);
});

t.test('a CA folder that cannot be created is named in the error', async (t) => {
  const file = join(tempDir(t), 'a-file');
  fs.writeFileSync(file, '');
  t.throws(() => loadOrCreateCA(join(file, 'ca')), { name: 'CaFileError', file: join(file, 'ca'), message: /cannot create the CA folder \(ENOTDIR\)/ });
});

t.test('a CA folder that cannot be written is named in the error', { skip: process.getuid?.() === 0 && 'root ignores folder permissions' }, async (t) => {
  const dir = tempDir(t);
  fs.chmodSync(dir, 0o500);
  t.teardown(() => fs.chmodSync(dir, 0o700));
  t.throws(() => loadOrCreateCA(dir), { file: join(dir, CA_KEY_FILE), message: /cannot write \(EACCES\)/ });
});

t.test('never replaces a key that appears while the CA is being created', async (t) => {
  const dir = tempDir(t);
  // A dangling symlink looks absent to existsSync but occupies the name, like a key written
  // by a second yori process between the check and the write.
  fs.symlinkSync(join(dir, 'elsewhere'), join(dir, CA_KEY_FILE));
  t.throws(() => loadOrCreateCA(dir), { file: join(dir, CA_KEY_FILE), message: /appeared while YORI was creating the CA/ });
  t.same(fs.readdirSync(dir), [CA_KEY_FILE], 'the temporary file is gone');
  t.equal(fs.readlinkSync(join(dir, CA_KEY_FILE)), join(dir, 'elsewhere'));
});
