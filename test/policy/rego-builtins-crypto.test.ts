import t from 'tap';
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { readTLV, oid, integer, text, time, name } from '../../lib/policy/rego/builtins/der.js';
import { pemBlocks } from '../../lib/policy/rego/builtins/crypto.js';
import { RegoObject, formatValue, type Value } from '../../lib/policy/rego/value.js';
import { call, callIn, ctx, err, show } from './rego-builtins-helpers.js';

// ---------------------------------------------------------------------------
// Fixtures: an RSA CA → intermediate → leaf chain and a CSR, built with node-forge
// around keys from node:crypto (fast key generation).

function rsaKeys(): { key: KeyObject; pub: KeyObject; forgeKey: forge.pki.rsa.PrivateKey; forgePub: forge.pki.rsa.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  return {
    key: privateKey,
    pub: publicKey,
    forgeKey: forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string),
    forgePub: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }) as string) as forge.pki.rsa.PublicKey,
  };
}

interface CertSpec {
  cn: string;
  serial: string;
  issuer?: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey };
  keys: ReturnType<typeof rsaKeys>;
  ca: boolean;
  extra?: object[];
  days?: number;
}

function makeCert(spec: CertSpec): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = spec.keys.forgePub;
  cert.serialNumber = spec.serial;
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + (spec.days ?? 1) * 86_400_000);
  const subject = [
    { name: 'commonName', value: spec.cn },
    { name: 'organizationName', value: 'YORI Test' },
    { name: 'countryName', value: 'DE' },
    { shortName: 'OU', value: 'Unit' },
    { shortName: 'L', value: 'Town' },
    { shortName: 'ST', value: 'State' },
    { name: 'serialNumber', value: 'S1' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(spec.issuer ? spec.issuer.cert.subject.attributes : subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: spec.ca, ...(spec.ca ? { pathLenConstraint: 1 } : {}) },
    { name: 'keyUsage', critical: true, digitalSignature: true, keyCertSign: spec.ca },
    { name: 'subjectKeyIdentifier' },
    ...(spec.issuer ? [{ name: 'authorityKeyIdentifier', keyIdentifier: spec.issuer.cert.generateSubjectKeyIdentifier().getBytes() }] : []),
    ...(spec.extra ?? []),
  ]);
  cert.sign(spec.issuer?.key ?? spec.keys.forgeKey, forge.md.sha256.create());
  return cert;
}

const rootKeys = rsaKeys();
const midKeys = rsaKeys();
const leafKeys = rsaKeys();
const root = makeCert({ cn: 'Root CA', serial: '01', keys: rootKeys, ca: true });
const mid = makeCert({ cn: 'Intermediate CA', serial: '02', keys: midKeys, ca: true, issuer: { cert: root, key: rootKeys.forgeKey } });
const leaf = makeCert({
  cn: 'leaf.example',
  serial: '7fffffffffffffffff',
  keys: leafKeys,
  ca: false,
  issuer: { cert: mid, key: midKeys.forgeKey },
  extra: [
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'leaf.example' },
        { type: 6, value: 'spiffe://example/opa' },
        { type: 7, ip: '10.1.2.3' },
        { type: 7, ip: '2001:db8::1' },
        { type: 1, value: 'ops@example' },
      ],
    },
  ],
});
const clientOnly = makeCert({ cn: 'client', serial: '03', keys: leafKeys, ca: false, issuer: { cert: mid, key: midKeys.forgeKey }, extra: [{ name: 'extKeyUsage', clientAuth: true }] });
const pem = (c: forge.pki.Certificate) => forge.pki.certificateToPem(c);
const der64 = (c: forge.pki.Certificate) => forge.util.encode64(forge.asn1.toDer(forge.pki.certificateToAsn1(c)).getBytes());
const chainPem = pem(root) + pem(mid) + pem(leaf);

t.test('digests and HMACs', async (t) => {
  t.equal(call('crypto.md5', 'lorem ipsum'), '80a751fde577028640c419000e33eba6');
  t.equal(call('crypto.sha1', 'x'), '11f6ad8ec52a2984abaafd7c3b516503785c2072');
  t.equal(call('crypto.sha256', ''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  t.equal(call('crypto.hmac.sha256', 'msg', 'key'), createHmac('sha256', 'key').update('msg').digest('hex'));
  t.equal(call('crypto.hmac.md5', 'msg', 'key'), createHmac('md5', 'key').update('msg').digest('hex'));
  t.equal(call('crypto.hmac.sha1', 'msg', 'key'), createHmac('sha1', 'key').update('msg').digest('hex'));
  t.equal(call('crypto.hmac.sha512', 'msg', 'key'), createHmac('sha512', 'key').update('msg').digest('hex'));
  t.equal(call('crypto.hmac.equal', 'abc', 'abc'), true);
  t.equal(call('crypto.hmac.equal', 'abc', 'abd'), false);
  t.equal(call('crypto.hmac.equal', 'abc', 'ab'), false);
  t.equal(err('crypto.hmac.sha256', 'm', 1), 'eval_type_error: crypto.hmac.sha256: operand 2 must be string but got number');
});

t.test('crypto.x509.parse_certificates', async (t) => {
  for (const input of [chainPem, Buffer.from(chainPem).toString('base64'), der64(root)]) {
    const certs = call('crypto.x509.parse_certificates', input) as RegoObject[];
    t.equal((certs[0]!.get('Subject') as RegoObject).get('CommonName'), 'Root CA');
  }
  const [rc, , lc] = call('crypto.x509.parse_certificates', chainPem) as RegoObject[];
  const subj = lc!.get('Subject') as RegoObject;
  t.same(
    ['Country', 'Organization', 'OrganizationalUnit', 'Locality', 'Province', 'SerialNumber', 'CommonName'].map((k) => subj.get(k)),
    [['DE'], ['YORI Test'], ['Unit'], ['Town'], ['State'], 'S1', 'leaf.example'],
  );
  t.equal(((lc!.get('Issuer') as RegoObject).get('CommonName')), 'Intermediate CA');
  t.same(lc!.get('DNSNames'), ['leaf.example']);
  t.same(lc!.get('URIStrings'), ['spiffe://example/opa']);
  t.same(lc!.get('IPAddresses'), ['10.1.2.3', '2001:db8::1']);
  t.same(lc!.get('EmailAddresses'), ['ops@example']);
  t.same(lc!.get('ExtKeyUsage'), [1, 2]);
  t.equal(lc!.get('SerialNumber'), 0x7fffffffffffffffffn);
  t.equal(lc!.get('Version'), 3);
  t.equal(lc!.get('IsCA'), false);
  t.equal(lc!.get('KeyUsage'), 1);
  t.equal(lc!.get('SignatureAlgorithm'), 4);
  t.equal(lc!.get('PublicKeyAlgorithm'), 1);
  t.equal((lc!.get('PublicKey') as RegoObject).get('E'), 65537);
  t.type(lc!.get('AuthorityKeyId'), 'string');
  t.match(lc!.get('NotAfter'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  t.equal(rc!.get('IsCA'), true);
  t.equal(rc!.get('MaxPathLen'), 1);
  t.equal(rc!.get('KeyUsage'), 33);
  t.equal(rc!.get('DNSNames'), null);
  t.equal(err('crypto.x509.parse_certificates', 'YmFkc3RyaW5n'), 'eval_builtin_error: crypto.x509.parse_certificates: x509: malformed certificate');
  t.equal(err('crypto.x509.parse_certificates', 'foobar'), 'eval_builtin_error: crypto.x509.parse_certificates: illegal base64 data at input byte 4');
  t.equal(err('crypto.x509.parse_certificates', '-----BEGIN X-----\nAAAA\n-----END X-----\n'), 'eval_builtin_error: crypto.x509.parse_certificates: failed to find any PEM certificates');
  t.equal(err('crypto.x509.parse_certificates', Buffer.from([0x30, 0x05, 0x01]).toString('base64')), 'eval_builtin_error: crypto.x509.parse_certificates: x509: malformed certificate');
});

t.test('crypto.x509.parse_and_verify_certificates', async (t) => {
  const [ok, chain] = call('crypto.x509.parse_and_verify_certificates', chainPem) as [boolean, RegoObject[]];
  t.equal(ok, true);
  t.same(chain.map((c) => (c.get('Subject') as RegoObject).get('CommonName')), ['leaf.example', 'Intermediate CA', 'Root CA']);
  t.equal(show('crypto.x509.parse_and_verify_certificates', pem(root) + pem(leaf)), '[false, []]', 'a missing intermediate breaks the chain');
  t.equal(show('crypto.x509.parse_and_verify_certificates', pem(root)), '[false, []]');
  t.equal(show('crypto.x509.parse_and_verify_certificates', 'garbage!'), '[false, []]');
  t.equal(show('crypto.x509.parse_and_verify_certificates', pem(root) + pem(mid) + pem(clientOnly)), '[false, []]', 'leaf lacks serverAuth');
  const withOpts = (o: unknown, chainText = chainPem) => (call('crypto.x509.parse_and_verify_certificates_with_options', chainText, o) as [boolean])[0];
  t.equal(withOpts({ DNSName: 'leaf.example' }), true);
  t.equal(withOpts({ DNSName: 'other.example' }), false);
  t.equal(withOpts({ KeyUsages: ['KeyUsageClientAuth'] }, pem(root) + pem(mid) + pem(clientOnly)), true);
  t.equal(withOpts({ KeyUsages: new Set(['KeyUsageAny']), MaxConstraintComparisons: 10 }, pem(root) + pem(mid) + pem(clientOnly)), true);
  t.equal(withOpts({ CurrentTime: BigInt(Date.now() + 10 * 86_400_000) * 1_000_000n }), false, 'expired at that time');
  t.equal(err('crypto.x509.parse_and_verify_certificates_with_options', chainPem, { Nope: 1 }), 'eval_builtin_error: crypto.x509.parse_and_verify_certificates_with_options: invalid key option');
  t.match(err('crypto.x509.parse_and_verify_certificates_with_options', chainPem, { KeyUsages: ['KeyUsageX'] }), /invalid entries for 'KeyUsages' found: \[KeyUsageX\]/);
  t.match(err('crypto.x509.parse_and_verify_certificates_with_options', chainPem, { KeyUsages: 'x' }), /should be an Array or Set/);
  t.match(err('crypto.x509.parse_and_verify_certificates_with_options', chainPem, { DNSName: 1 }), /'DNSName' should be a string/);
  t.match(err('crypto.x509.parse_and_verify_certificates_with_options', chainPem, { CurrentTime: 'x' }), /'CurrentTime' should be a number/);
  t.match(err('crypto.x509.parse_and_verify_certificates_with_options', chainPem, { MaxConstraintComparisons: 'x' }), /should be a number/);
});

t.test('certificate requests, key pairs and private keys', async (t) => {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = leafKeys.forgePub;
  csr.setSubject([{ name: 'commonName', value: 'example.com' }]);
  csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'e.example' }] }] }]);
  csr.sign(leafKeys.forgeKey, forge.md.sha256.create());
  const csrPem = forge.pki.certificationRequestToPem(csr);
  const csrDer = forge.util.encode64(forge.asn1.toDer(forge.pki.certificationRequestToAsn1(csr)).getBytes());
  for (const input of [csrPem, Buffer.from(csrPem).toString('base64'), csrDer]) {
    const r = call('crypto.x509.parse_certificate_request', input) as RegoObject;
    t.equal((r.get('Subject') as RegoObject).get('CommonName'), 'example.com');
    t.same(r.get('DNSNames'), ['e.example']);
  }
  t.equal(err('crypto.x509.parse_certificate_request', 'YmFkc3RyaW5n'), "eval_builtin_error: crypto.x509.parse_certificate_request: asn1: structure error: tags don't match");
  t.equal(err('crypto.x509.parse_certificate_request', 'foobar'), 'eval_builtin_error: crypto.x509.parse_certificate_request: illegal base64 data at input byte 4');
  t.equal(err('crypto.x509.parse_certificate_request', Buffer.from(pem(root)).toString('base64')), 'eval_builtin_error: crypto.x509.parse_certificate_request: invalid PEM-encoded certificate signing request');

  const keyPem = leafKeys.key.export({ type: 'pkcs1', format: 'pem' }) as string;
  const pkcs8 = leafKeys.key.export({ type: 'pkcs8', format: 'pem' }) as string;
  const pair = call('crypto.x509.parse_keypair', pem(leaf), keyPem) as RegoObject;
  t.equal((pair.get('Certificate') as string[])[0], der64(leaf));
  t.equal((pair.get('PrivateKey') as RegoObject).get('kty'), 'RSA');
  const pair64 = call('crypto.x509.parse_keypair', Buffer.from(pem(leaf)).toString('base64'), Buffer.from(pkcs8).toString('base64')) as RegoObject;
  t.equal(((pair64.get('Leaf') as RegoObject).get('Subject') as RegoObject).get('CommonName'), 'leaf.example');
  t.equal(err('crypto.x509.parse_keypair', pem(root), keyPem), 'eval_builtin_error: crypto.x509.parse_keypair: tls: private key does not match public key');
  t.equal(err('crypto.x509.parse_keypair', keyPem, keyPem), 'eval_builtin_error: crypto.x509.parse_keypair: tls: failed to find any PEM data in certificate input');
  t.equal(err('crypto.x509.parse_keypair', pem(leaf), pem(leaf)), 'eval_builtin_error: crypto.x509.parse_keypair: tls: failed to find any PEM data in key input');

  const jwk = call('crypto.x509.parse_rsa_private_key', keyPem) as RegoObject;
  t.same(jwk.keys(), ['d', 'dp', 'dq', 'e', 'kty', 'n', 'p', 'q', 'qi']);
  t.equal((call('crypto.x509.parse_rsa_private_key', Buffer.from(keyPem).toString('base64')) as RegoObject).get('n'), jwk.get('n'));
  t.equal(call('crypto.x509.parse_rsa_private_key', '-----BEGIN X-----\nAAAA\n-----END X-----\n'), null);
  t.equal(err('crypto.x509.parse_rsa_private_key', ''), 'eval_builtin_error: crypto.x509.parse_rsa_private_key: input PEM data was empty');
  t.equal(err('crypto.x509.parse_rsa_private_key', 'invalid'), 'eval_builtin_error: crypto.x509.parse_rsa_private_key: illegal base64 data at input byte 4');
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }) as string;
  t.equal((call('crypto.parse_private_keys', keyPem + pkcs8 + ec) as unknown[]).length, 3);
  t.equal(show('crypto.parse_private_keys', 'nope'), '[]');
  t.equal(show('crypto.parse_private_keys', ''), 'null');
});

t.test('DER reader', async (t) => {
  t.throws(() => readTLV(Buffer.from([0x30]), 0), /truncated/);
  t.throws(() => readTLV(Buffer.from([0x1f, 0x00]), 0), /high tag numbers/);
  t.throws(() => readTLV(Buffer.from([0x30, 0x85, 1, 1, 1, 1, 1]), 0), /bad length/);
  t.throws(() => readTLV(Buffer.from([0x30, 0x05, 0x00]), 0), /truncated/);
  const long = Buffer.concat([Buffer.from([0x04, 0x81, 0x80]), Buffer.alloc(0x80)]);
  t.equal(readTLV(long, 0).end, long.length);
  const b = (...x: number[]) => Buffer.from(x);
  t.same(oid(b(0x06, 0x03, 0x55, 0x1d, 0x11), readTLV(b(0x06, 0x03, 0x55, 0x1d, 0x11), 0)), [2, 5, 29, 17]);
  t.throws(() => oid(b(0x06, 0x00), readTLV(b(0x06, 0x00), 0)), /empty OID/);
  t.equal(integer(b(0x02, 0x01, 0xff), readTLV(b(0x02, 0x01, 0xff), 0)), -1n);
  t.equal(integer(b(0x02, 0x00), readTLV(b(0x02, 0x00), 0)), 0n);
  const bmp = Buffer.from([0x1e, 0x04, 0x00, 0x68, 0x00, 0x69]);
  t.equal(text(bmp, readTLV(bmp, 0)), 'hi');
  const t61 = Buffer.from([0x14, 0x01, 0xe9]);
  t.equal(text(t61, readTLV(t61, 0)), 'é');
  const gt = Buffer.concat([b(0x18, 15), Buffer.from('20491231235959Z')]);
  t.equal(time(gt, readTLV(gt, 0)), '2049-12-31T23:59:59Z');
  const ut = Buffer.concat([b(0x17, 13), Buffer.from('491231235959Z')]);
  t.equal(time(ut, readTLV(ut, 0)), '2049-12-31T23:59:59Z');
  const bad = Buffer.concat([b(0x17, 3), Buffer.from('xyz')]);
  t.throws(() => time(bad, readTLV(bad, 0)), /bad time/);
  const emptyName = b(0x30, 0x00);
  t.equal((name(emptyName, readTLV(emptyName, 0)) as { CommonName: string }).CommonName, '');
  const { blocks, rest } = pemBlocks(`junk\n${pem(root)}trailer`);
  t.equal(blocks.length, 1);
  t.equal(rest, 'trailer');
});

// ---------------------------------------------------------------------------
// JWT

const b64u = (x: string | Buffer) => Buffer.from(x).toString('base64url');
const SECRET = 'secret';

function hsToken(header: object, payload: object | string, secret = SECRET, alg = 'sha256'): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(typeof payload === 'string' ? payload : JSON.stringify(payload))}`;
  return `${input}.${createHmac(alg, secret).update(input).digest('base64url')}`;
}

function signedToken(header: object, payload: object, key: KeyObject, opts: object & { hash: string | null }): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  const { hash, ...rest } = opts;
  return `${input}.${sign(hash, Buffer.from(input), { key, ...rest }).toString('base64url')}`;
}

t.test('io.jwt.decode', async (t) => {
  const tok = hsToken({ alg: 'HS256', typ: 'JWT' }, { sub: '0', iss: 'opa' });
  const [h, p, s] = call('io.jwt.decode', tok) as [RegoObject, RegoObject, string];
  t.equal(h.get('alg'), 'HS256');
  t.equal(p.get('iss'), 'opa');
  t.match(s, /^[0-9a-f]{64}$/);
  const nested = hsToken({ alg: 'HS256', cty: 'JWT' }, JSON.stringify(tok));
  t.equal(((call('io.jwt.decode', nested) as RegoObject[])[1] as RegoObject).get('sub'), '0');
  t.equal(err('io.jwt.decode', 'abc'), 'eval_builtin_error: io.jwt.decode: encoded JWT had no period separators');
  t.equal(err('io.jwt.decode', 'a.b'), 'eval_builtin_error: io.jwt.decode: encoded JWT must have 3 sections, found 2');
  t.equal(err('io.jwt.decode', 'a^b.c.d'), 'eval_builtin_error: io.jwt.decode: JWT header had invalid encoding: illegal base64 data at input byte 1');
  t.equal(err('io.jwt.decode', 'a.b.c'), 'eval_builtin_error: io.jwt.decode: JWT header had invalid encoding: illegal base64url string: a');
  t.equal(err('io.jwt.decode', `${b64u('{"enc":"x"}')}.e30.`), 'eval_builtin_error: io.jwt.decode: JWT is a JWE object, which is not supported');
  t.equal(err('io.jwt.decode', `${b64u('[1]')}.e30.`), 'eval_builtin_error: io.jwt.decode: bad JWT header: decoded JSON type was not an Object');
  t.equal(err('io.jwt.decode', `${b64u('{')}.e30.`), 'eval_builtin_error: io.jwt.decode: bad JWT header: invalid JSON: unexpected end of JSON input');
  t.equal(err('io.jwt.decode', `${b64u('{}')}.e30.a^`), 'eval_builtin_error: io.jwt.decode: JWT signature had invalid encoding: illegal base64 data at input byte 1');
  t.equal(err('io.jwt.decode', `${b64u('{}')}.a^.`), 'eval_builtin_error: io.jwt.decode: JWT payload had invalid encoding: illegal base64 data at input byte 1');
});

t.test('io.jwt.verify_* with PEM, JWK and JWKS keys', async (t) => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const pubPem = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }) as string;
  const rs = signedToken({ alg: 'RS256' }, { a: 1 }, rsa.privateKey, { hash: 'sha256' });
  const ps = signedToken({ alg: 'PS384' }, { a: 1 }, rsa.privateKey, { hash: 'sha384', padding: 6, saltLength: 48 });
  const es = signedToken({ alg: 'ES256', kid: 'k2' }, { a: 1 }, ec.privateKey, { hash: 'sha256', dsaEncoding: 'ieee-p1363' });
  const eds = signedToken({ alg: 'EdDSA' }, { a: 1 }, ed.privateKey, { hash: null });
  t.equal(call('io.jwt.verify_rs256', rs, pubPem(rsa.publicKey)), true);
  t.equal(call('io.jwt.verify_rs256', rs, pem(root)), false, 'wrong key');
  t.equal(call('io.jwt.verify_rs256', rs, pubPem(ec.publicKey)), false, 'wrong key type');
  t.equal(call('io.jwt.verify_ps384', ps, JSON.stringify(rsa.publicKey.export({ format: 'jwk' }))), true);
  t.equal(call('io.jwt.verify_ps256', ps, pubPem(rsa.publicKey)), false);
  t.equal(call('io.jwt.verify_es256', es, JSON.stringify({ keys: [{ ...ec.publicKey.export({ format: 'jwk' }), kid: 'k2' }, { kty: 'oct', k: 'AA', alg: 'XX9' }] })), true);
  t.equal(call('io.jwt.verify_es256', es, JSON.stringify({ keys: [{ ...ec.publicKey.export({ format: 'jwk' }), alg: 'ES384' }] })), false, 'alg mismatch');
  t.equal(call('io.jwt.verify_es256', es, pubPem(rsa.publicKey)), false);
  t.equal(call('io.jwt.verify_eddsa', eds, pubPem(ed.publicKey)), true);
  t.equal(call('io.jwt.verify_eddsa', eds, pubPem(rsa.publicKey)), false);
  t.equal(call('io.jwt.verify_rs512', rs, JSON.stringify(rsa.privateKey.export({ format: 'jwk' }))), false, 'private JWK, other hash');
  const hs = hsToken({ alg: 'HS256' }, { a: 1 });
  t.equal(call('io.jwt.verify_hs256', hs, SECRET), true);
  t.equal(call('io.jwt.verify_hs256', hs, 'other'), false);
  t.equal(call('io.jwt.verify_hs384', hsToken({ alg: 'HS384' }, {}, SECRET, 'sha384'), SECRET), true);
  t.equal(call('io.jwt.verify_hs512', hsToken({ alg: 'HS512' }, {}, SECRET, 'sha512'), SECRET), true);
  t.equal(call('io.jwt.verify_hs256', hs, JSON.stringify({ kty: 'oct', k: b64u(SECRET) })), false, 'the HS verifiers take the plain secret');
  t.equal(call('io.jwt.verify_rs256', hs, JSON.stringify({ kty: 'oct', k: b64u(SECRET) })), false);
  t.equal(err('io.jwt.verify_rs256', 'a.b', pubPem(rsa.publicKey)), 'eval_builtin_error: io.jwt.verify_rs256: encoded JWT must have 3 sections, found 2');
  t.equal(err('io.jwt.verify_rs256', rs, '-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n'), 'eval_builtin_error: io.jwt.verify_rs256: failed to extract a Key from the PEM certificate');
  t.equal(err('io.jwt.verify_rs256', rs, pubPem(rsa.publicKey) + pubPem(rsa.publicKey)), 'eval_builtin_error: io.jwt.verify_rs256: extra data after a PEM certificate block');
  t.equal(err('io.jwt.verify_rs256', rs, pubPem(rsa.publicKey) + 'x'), 'eval_builtin_error: io.jwt.verify_rs256: extra data after a PEM certificate block');
  t.match(err('io.jwt.verify_rs256', rs, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), /failed to parse a PEM certificate/);
  t.match(err('io.jwt.verify_rs256', rs, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n'), /failed to parse a PEM public key/);
  t.match(err('io.jwt.verify_rs256', rs, 'nope'), /failed to parse a JWK key \(set\)/);
  t.match(err('io.jwt.verify_rs256', rs, '[1]'), /failed to parse a JWK key \(set\): invalid key type/);
  t.match(err('io.jwt.verify_rs256', rs, '{"kty":"RSA","n":"!"}'), /failed to parse a JWK key \(set\)/);
});

t.test('io.jwt.decode_verify', async (t) => {
  const now = 2000n * 1_000_000_000n;
  const c = ctx({ nowNs: now });
  const dv = (tok: string, cons: unknown) => callIn(c, 'io.jwt.decode_verify', tok, cons) as [boolean, RegoObject, RegoObject];
  const ok = (tok: string, cons: unknown) => dv(tok, cons)[0];
  const tok = (payload: object, header: object = { alg: 'HS256', typ: 'JWT' }) => hsToken(header, payload);
  t.same(dv(tok({ iss: 'xxx' }), { secret: SECRET })[2].get('iss'), 'xxx');
  t.equal(ok(tok({}), { secret: 'wrong' }), false);
  t.equal(ok(tok({ iss: 'xxx' }), { secret: SECRET, iss: 'xxx', alg: 'HS256' }), true);
  t.equal(ok(tok({ iss: 'yyy' }), { secret: SECRET, iss: 'xxx' }), false);
  t.equal(ok(tok({}), { secret: SECRET, iss: 'xxx' }), false);
  t.equal(ok(tok({}), { secret: SECRET, alg: 'RS256' }), false);
  t.equal(ok(tok({ aud: 'fred' }), { secret: SECRET, aud: 'fred' }), true);
  t.equal(ok(tok({ aud: ['bob', 'fred'] }), { secret: SECRET, aud: 'fred' }), true);
  t.equal(ok(tok({ aud: 'fred' }), { secret: SECRET }), false);
  t.equal(ok(tok({}), { secret: SECRET, aud: 'fred' }), false);
  t.equal(ok(tok({ aud: 5 }), { secret: SECRET, aud: 'fred' }), false);
  t.equal(ok(tok({ exp: 3000 }), { secret: SECRET }), true);
  t.equal(ok(tok({ exp: 2000 }), { secret: SECRET }), false);
  t.equal(ok(tok({ exp: 3000 }), { secret: SECRET, time: 3001n * 1_000_000_000n }), false);
  t.equal(ok(tok({ nbf: 1000.5 }), { secret: SECRET }), true);
  t.equal(ok(tok({ nbf: 2000.1 }), { secret: SECRET }), false);
  t.equal(ok(tok({}, { alg: '' }), { secret: SECRET }), false);
  t.equal(ok(tok({}, { alg: 'HS256', crit: ['junk'], junk: 1 }), { secret: SECRET }), false);
  t.equal(ok(tok({}, { alg: 'HS256', crit: ['typ'] }), { secret: SECRET }), true);
  t.equal(ok(tok({}, { alg: 'none' }), { secret: SECRET }), false);
  const inner = tok({ iss: 'inner' });
  t.equal(dv(hsToken({ alg: 'HS256', cty: 'jwt' }, inner), { secret: SECRET })[2].get('iss'), 'inner');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const rs = signedToken({ alg: 'RS256', kid: 'a' }, { ok: 1 }, rsa.privateKey, { hash: 'sha256' });
  const pub = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const jwk = rsa.publicKey.export({ format: 'jwk' });
  t.equal(ok(rs, { cert: pub }), true);
  t.equal(ok(rs, { cert: JSON.stringify({ keys: [{ ...jwk, kid: 'b', alg: 'RS256' }, { ...jwk, kid: 'a' }] }) }), true);
  t.equal(ok(rs, { cert: JSON.stringify({ keys: [{ ...jwk, kid: 'a', alg: 'RS256', e: 'AQAA' }] }) }), false, 'the kid match is the only key tried');
  t.equal(ok(rs, { cert: JSON.stringify({ keys: [{ ...jwk, alg: 'RS384' }] }) }), false);
  const bad: [unknown, string][] = [
    [{}, 'no key constraint'],
    [{ secret: 'a', cert: pub }, 'duplicate key constraints'],
    [{ secret: 1 }, 'secret constraint: must be a string'],
    [{ cert: 1 }, 'cert constraint: must be a string'],
    [{ secret: 'a', time: 'x' }, 'token time constraint: must be a number'],
    [{ secret: 'a', time: -1 }, 'token time constraint: must not be negative'],
    [{ secret: 'a', nope: 1 }, 'unknown token validation constraint: nope'],
  ];
  for (const [cons, msg] of bad) t.equal(err('io.jwt.decode_verify', tok({}), cons), `eval_builtin_error: io.jwt.decode_verify: ${msg}`);
  t.equal(err('io.jwt.decode_verify', tok({ exp: 'x' }), { secret: SECRET }), 'eval_builtin_error: io.jwt.decode_verify: exp value must be a number');
  t.equal(err('io.jwt.decode_verify', tok({ nbf: 'x' }), { secret: SECRET }), 'eval_builtin_error: io.jwt.decode_verify: nbf value must be a number');
  t.equal(err('io.jwt.decode_verify', tok({}, { alg: 'HS256', kid: 1 }), { secret: SECRET }), 'eval_builtin_error: io.jwt.decode_verify: kid: must be a string');
  t.equal(err('io.jwt.decode_verify', tok({}, { alg: 'HS256', crit: 'x' }), { secret: SECRET }), 'eval_builtin_error: io.jwt.decode_verify: crit: must be a list');
  t.equal(err('io.jwt.decode_verify', tok({}, { alg: 'HS256', crit: [] }), { secret: SECRET }), 'eval_builtin_error: io.jwt.decode_verify: crit: must be a nonempty list');
  t.equal(err('io.jwt.decode_verify', hsToken({ alg: 'HS256' }, '[1]'), { secret: SECRET }), 'eval_builtin_error: io.jwt.decode_verify: decoded JSON type was not an Object');
});

t.test('io.jwt.encode_sign and encode_sign_raw', async (t) => {
  const k = { kty: 'oct', k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow' };
  t.equal(
    call('io.jwt.encode_sign', { alg: 'HS256', typ: 'JWT' }, { aud: new Set(['saul', 'bob']), exp: 1300819380, 'http://example.com/is_root': true, iss: 'joe', privateParams: { private_one: 'one', private_two: 'two' } }, k),
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOlsiYm9iIiwic2F1bCJdLCJleHAiOjEzMDA4MTkzODAsImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlLCJpc3MiOiJqb2UiLCJwcml2YXRlUGFyYW1zIjp7InByaXZhdGVfb25lIjoib25lIiwicHJpdmF0ZV90d28iOiJ0d28ifX0.-Or2eol8bzly-Ztb0v7_7UkcKBkN_aNNpK33HK0MeOY',
  );
  const raw = (h: string, p: string, key: unknown = JSON.stringify(k)) => call('io.jwt.encode_sign_raw', h, p, key) as string;
  t.equal(
    raw('{"typ":"JWT",\r\n "alg":"HS256"}', '{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}'),
    'eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
  );
  t.equal(raw('{"typ":"text/plain","alg":"HS256"}', ''), 'eyJ0eXAiOiJ0ZXh0L3BsYWluIiwiYWxnIjoiSFMyNTYifQ..' + createHmac('sha256', Buffer.from(k.k, 'base64url')).update('eyJ0eXAiOiJ0ZXh0L3BsYWluIiwiYWxnIjoiSFMyNTYifQ.').digest('base64url'));
  const ed = { kty: 'OKP', alg: 'EdDSA', crv: 'Ed25519', x: 'wEZFfoAj1rFKTLOOmjJjVZlCHwksuvMb2I5y_hg70E8', d: '9XI34uQzYUJfWhDZf_0nYsLMBRVu8a6dFsy60P8uugk' };
  t.equal(
    raw('{"alg":"EdDSA","typ":"JWT"}', '{"iss":"joe","exp":1300819380,"http://example.com/is_root":true}', JSON.stringify(ed)),
    'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJqb2UiLCJleHAiOjEzMDA4MTkzODAsImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.jS1so-rsTaC8DdA8_ZnFXYbi9xOrMVXOviMFrahQ7ez0UKKzjU-2vxrM0ON-Vu3GXKhtBkkO3SUtNMoeYw3zDQ',
  );
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const rsaJwk = JSON.stringify(rsa.privateKey.export({ format: 'jwk' }));
  const pub = (x: KeyObject) => x.export({ type: 'spki', format: 'pem' }) as string;
  t.equal(call('io.jwt.verify_rs256', raw('{"alg":"RS256"}', '{}', rsaJwk), pub(rsa.publicKey)), true);
  t.equal(call('io.jwt.verify_ps256', raw('{"alg":"PS256"}', '{}', rsaJwk), pub(rsa.publicKey)), true);
  t.equal(call('io.jwt.verify_es384', raw('{"alg":"ES384"}', '{}', JSON.stringify(ec.privateKey.export({ format: 'jwk' }))), pub(ec.publicKey)), true);
  const bad: [string, string, unknown, string][] = [
    ['{"typ:"JWT",\r\n "alg":"HS256"}', '{}', JSON.stringify(k), "missing or invalid 'alg' header: cannot parse JSON"],
    ['', '{}', JSON.stringify(k), "missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string"],
    ['{}', '{}', JSON.stringify(k), `missing or invalid 'alg' header: jwsbb: header "alg" not found`],
    ['e', '{}', JSON.stringify(k), `missing or invalid 'alg' header: jwsbb: header "alg" not found`],
    ['{"alg":"dummy"}', '{}', JSON.stringify(k), 'unknown JWS algorithm: dummy'],
    ['{"alg":"HS256"}', 'e', JSON.stringify(k), 'type is JWT but payload is not JSON'],
    ['{"alg":"HS256","typ":"JWT"}', '', JSON.stringify(k), 'type is JWT but payload is not JSON'],
    ['{"alg":"RS256"}', '{}', JSON.stringify(k), 'failed to sign payload: RS256 needs a private key'],
    ['{"alg":"HS256"}', '{}', rsaJwk, 'invalid key type for HS256'],
    ['{"alg":"HS256"}', '{}', '{"keys":[]}', 'no keys found in JWK set'],
  ];
  for (const [h, p, key, msg] of bad) t.match(err('io.jwt.encode_sign_raw', h, p, key), msg, msg);
  t.equal(err('io.jwt.encode_sign_raw', '{}', '{}', 1), 'eval_type_error: io.jwt.encode_sign_raw: operand 3 must be string but got number');
});

// ---------------------------------------------------------------------------

t.test('http.send validates and refuses', async (t) => {
  t.equal(err('http.send', { method: 'get' }), 'eval_type_error: http.send: operand 1 missing required request parameters(s): {"url"}');
  t.equal(err('http.send', { bad_key: 1, method: 'get', url: 'http://127.0.0.1' }), 'eval_type_error: http.send: operand 1 invalid request parameters(s): {"bad_key"}');
  t.equal(err('http.send', { method: 'get', url: 'http://127.0.0.1' }), 'eval_builtin_error: http.send: network access is not available to policies');
  t.equal(err('http.send', 1), 'eval_type_error: http.send: operand 1 must be object but got number');
});

t.test('providers.aws.sign_req (SigV4)', async (t) => {
  const cfg = { aws_access_key: 'MYAWSACCESSKEYGOESHERE', aws_secret_access_key: 'MYAWSSECRETACCESSKEYGOESHERE', aws_service: 's3', aws_region: 'us-east-1' };
  const ts = 1451311705000000000n;
  const headers = (req: unknown, c: unknown = cfg) => ((call('providers.aws.sign_req', req, c, ts) as RegoObject).get('headers') as RegoObject);
  const auth = (h: RegoObject) => (h.get('Authorization') as string).replace(/^.*Signature=/, '');
  t.equal(auth(headers({ method: 'get', url: 'http://example.com' })), '0047a7016c81e5c7f29cd522f97e911e04fc472fced0aee7916cbc287ad6c8e3');
  const h = headers({ method: 'get', url: 'http://example.com', headers: { foo: 'bar', 'User-Agent': 'x' } });
  t.equal(h.get('foo'), 'bar');
  t.equal(h.get('x-amz-date'), '20151228T140825Z');
  t.match(h.get('Authorization'), /SignedHeaders=foo;host;x-amz-content-sha256;x-amz-date,/);
  t.equal(auth(headers({ method: 'get', url: 'http://example.com' }, { ...cfg, aws_session_token: 'MYAWSSECURITYTOKENGOESHERE' })), '23c31bda8a74630c0a94f6b82a3511e7e74728df98e6f54ed0840488dbbdc8d1');
  t.equal(auth(headers({ method: 'get', url: 'http://example.com', body: { example: new Set([1, 2, 3, 4]) } })), '5fb06ab1cfd74c8fcb3af95b8cce696708cf6155d971dac10f254d79799c6e88');
  t.equal(auth(headers({ method: 'get', url: 'http://example.com', raw_body: '{"example": {1, 2, 3, 4}}', body: 1 })), '5bf26e169cb8b02330dba39d53932532438fc856c2f10537689a09ed807c7195');
  t.equal(auth(headers({ method: 'get', url: 'https://example.com', headers: { foo: 'bar' } }, { ...cfg, disable_payload_signing: true })), 'c6e6db654e92172f71e18c714c123711de069ac6fd7df1348e5b28fd05532028');
  t.equal(auth(headers({ method: 'get', url: 'https://example.com', headers: { foo: 'bar', 'x-amz-content-sha256': 'existing-value' }, body: { example: new Set([1, 2, 3, 4]) } }, { ...cfg, disable_payload_signing: false })), '42bcac7fc6d170e09be72fdf38b62e59361265bc59d5f9156f0d6faf889e98ba');
  t.notOk(headers({ method: 'get', url: 'http://example.com/a?b=1' }, { ...cfg, aws_service: 'sts' }).has('x-amz-content-sha256'));
  const e = (req: unknown, c: unknown, time: unknown = ts) => err('providers.aws.sign_req', req, c, time);
  t.equal(e({}, cfg), 'eval_type_error: providers.aws.sign_req: operand 1 missing required request parameters(s): {"method", "url"}');
  t.equal(e({ method: new Set(), url: new Set() }, cfg), 'eval_type_error: providers.aws.sign_req: operand 1 invalid values for required request parameters(s): {"method", "url"}');
  t.equal(e({ method: 'get', url: 'x' }, { example: 'example' }), 'eval_type_error: providers.aws.sign_req: operand 2 missing required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}');
  t.equal(e({ method: 'get', url: 'x' }, { aws_access_key: 1, aws_secret_access_key: 2, aws_service: 4, aws_region: 5 }), 'eval_type_error: providers.aws.sign_req: operand 2 invalid values for required AWS config parameters(s): {"aws_access_key", "aws_region", "aws_secret_access_key", "aws_service"}');
  t.equal(e({ method: 'get', url: 'x' }, { ...cfg, disable_payload_signing: 'false' }), "eval_type_error: providers.aws.sign_req: operand 2 invalid value for 'disable_payload_signing' in AWS config");
  t.equal(e({ method: 'get', url: 'x' }, cfg, 1.5), 'eval_type_error: providers.aws.sign_req: operand 3 could not convert time_ns value into a unix timestamp');
  t.equal(e({ method: 'get', url: 'x', headers: 1 }, cfg), 'eval_type_error: providers.aws.sign_req: operand 0 must be object but got number');
  t.equal(e({ method: 'get', url: 'http://a b/' }, cfg), 'eval_builtin_error: providers.aws.sign_req: parse "http://a b/": invalid character " " in host name');
});

t.test('units.parse and units.parse_bytes', async (t) => {
  const u = (s: string) => show('units.parse', s);
  const cases: [string, string][] = [
    ['1.1Ki', '1126.4'],
    ['-3.5E2m', '-0.35'],
    ['0.0000005M', '0.5'],
    ['5E', '5000000000000000000'],
    ['"100TI"', '109951162777600'],
    ['100m', '0.1'],
    ['1m', '0.001'],
    ['2Mi', '2097152'],
    ['10K', '10000'],
    ['1e-2', '0.01'],
    ['.5K', '500'],
    ['2', '2'],
    ['1/3', 'error'],
  ];
  for (const [s, want] of cases) t.equal(want === 'error' ? (err('units.parse', s), 'error') : u(s), want, s);
  t.equal(show('units.parse', '0.00000000001m'), '0');
  t.equal(show('units.parse', '-0.00000000005'), '-1e-10', 'halves round away from zero');
  t.equal(err('units.parse', '10e10000000Ei'), 'eval_builtin_error: units.parse: units.parse: exponent too large');
  t.equal(err('units.parse', 'foo'), 'eval_builtin_error: units.parse: units.parse: no amount provided');
  t.equal(err('units.parse', '.5.2'), 'eval_builtin_error: units.parse: units.parse: could not parse amount to a number');
  t.equal(err('units.parse', '100 k'), 'eval_builtin_error: units.parse: units.parse: spaces not allowed in resource strings');
  t.equal(err('units.parse', '10x'), 'eval_builtin_error: units.parse: units.parse: unit x not recognized');
  const b = (s: string) => show('units.parse_bytes', s);
  t.equal(b('1.1KiB'), '1126');
  t.equal(b('1e-2KB'), '10');
  t.equal(b('10eib'), '11529215046068469760');
  t.equal(b('7.5e1TiB'), '82463372083200');
  t.equal(b('100'), '100');
  t.equal(b('1M'), '1000000');
  t.equal(err('units.parse_bytes', 'GB'), 'eval_builtin_error: units.parse_bytes: units.parse_bytes: no byte amount provided');
  t.equal(err('units.parse_bytes', '5kbb'), 'eval_builtin_error: units.parse_bytes: units.parse_bytes: byte unit kbb not recognized');
  t.equal(err('units.parse_bytes', '5e+'), 'eval_builtin_error: units.parse_bytes: units.parse_bytes: could not parse byte amount to a number');
});

t.test('semver, bits, uuid, rand, opa.runtime', async (t) => {
  t.equal(call('semver.is_valid', '1.0.0-rc.1+build.5'), true);
  t.equal(call('semver.is_valid', '01.0.0'), false);
  t.equal(call('semver.is_valid', 1), false);
  const order = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.0.1', '1.1.0', '2.0.0'];
  for (let i = 0; i + 1 < order.length; i++) {
    t.equal(call('semver.compare', order[i], order[i + 1]), -1, `${order[i]} < ${order[i + 1]}`);
    t.equal(call('semver.compare', order[i + 1], order[i]), 1);
  }
  t.equal(call('semver.compare', '1.0.0+a', '1.0.0+b'), 0);
  t.equal(call('semver.compare', '1.0.0-x.1', '1.0.0-x.1'), 0);
  t.equal(err('semver.compare', '1', '1.0.0'), 'eval_builtin_error: semver.compare: operand 1: string "1" is not a valid SemVer');
  t.equal(err('semver.compare', '1.0.0', '1'), 'eval_builtin_error: semver.compare: operand 2: string "1" is not a valid SemVer');

  t.equal(call('bits.and', 7, 9), 1);
  t.equal(call('bits.or', 7, 9), 15);
  t.equal(call('bits.xor', 42, 3), 41);
  t.equal(call('bits.negate', 42), -43);
  t.equal(call('bits.lsh', 9223372036854775807n, 1), 18446744073709551614n);
  t.equal(call('bits.rsh', 8, 3), 1);
  t.equal(err('bits.and', 7.2, 1), 'eval_type_error: bits.and: operand 1 must be integer number but got floating-point number');
  t.equal(err('bits.and', 'x', 1), 'eval_type_error: bits.and: operand 1 must be integer but got string');
  t.equal(err('bits.lsh', 7, -1), 'eval_type_error: bits.lsh: operand 2 must be an unsigned integer number but got a negative integer');

  t.equal(show('uuid.parse', '000003e8-48b9-21ee-b200-325096b39f47'), '{"clocksequence": 12800, "domain": "Person", "id": 1000, "macvariables": "local:unicast", "nodeid": "32-50-96-b3-9f-47", "time": 1693566990121469600, "variant": "RFC4122", "version": 2}');
  t.equal(show('uuid.parse', 'URN:UUID:000003e8-48b9-21ee-b200-325096b39f47'), show('uuid.parse', '000003e8-48b9-21ee-b200-325096b39f47'));
  t.equal(show('uuid.parse', '{00000000-0000-4000-8000-000000000000}'), '{"variant": "RFC4122", "version": 4}');
  t.equal(show('uuid.parse', '6bea8ef2d3d33cd184e09bab06a52ece'), '{"variant": "RFC4122", "version": 3}');
  t.equal(show('uuid.parse', 'c232ab00-9414-11ec-b3c8-9e6bdeced846'), '{"clocksequence": 13256, "macvariables": "local:unicast", "nodeid": "9e-6b-de-ce-d8-46", "time": 1645557742000000000, "variant": "RFC4122", "version": 1}');
  t.equal(show('uuid.parse', 'c232ab00-9414-11ec-d3c8-9f6bdeced846'), '{"clocksequence": 5064, "macvariables": "local:multicast", "nodeid": "9f-6b-de-ce-d8-46", "time": 1645557742000000000, "variant": "Microsoft", "version": 1}');
  t.match(show('uuid.parse', '00000000-0000-2000-e000-010000000000'), /"macvariables": "global:multicast".*"variant": "Future"/);
  t.match(show('uuid.parse', '00000000-0000-2000-0005-000000000000'), /"domain": "Domain5".*"macvariables": "global:unicast".*"variant": "Reserved"/);
  for (const bad of ['nope', 'urn:uuid:x0000000-0000-4000-8000-000000000000', 'xxx:uuid:00000000-0000-4000-8000-000000000000', '00000000+0000-4000-8000-000000000000', '0000000g-0000-4000-8000-000000000000', '00000000-0000-4000-8000-00000000000-0']) {
    t.equal(show('uuid.parse', bad), 'undefined', bad);
  }
  const c = ctx();
  const a = callIn(c, 'uuid.rfc4122', 'k') as string;
  t.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.equal(callIn(c, 'uuid.rfc4122', 'k'), a, 'stable within a query');
  t.not(callIn(c, 'uuid.rfc4122', 'other'), a);
  const r = callIn(c, 'rand.intn', 'k', 100) as number;
  t.ok(r >= 0 && r < 100);
  t.equal(callIn(c, 'rand.intn', 'k', -100), r, 'negative n is |n|');
  t.equal(callIn(c, 'rand.intn', 'k', 0), 0);
  t.equal(show('opa.runtime'), '{}');
  t.equal(formatValue(callIn({ ...ctx(), runtime: RegoObject.fromRecord({ version: 'x' }) as Value }, 'opa.runtime')!), '{"version": "x"}');
});
