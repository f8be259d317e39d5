// crypto.* built-ins: digests, HMACs, X.509 certificates, CSRs and private keys.

import { X509Certificate, createHash, createHmac, createPrivateKey, createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { RegoSet, fromJSON, isInteger, toBigInt, type Value } from '../value.js';
import { EvalError, builtin, obj, str, type BuiltinDef } from './support.js';
import { DERError, children, integer, name, oid, readTLV, time, type TLV } from './der.js';
import { decodeBase64 } from './encoding.js';
import { formatIP } from './net.js';

// ---------------------------------------------------------------------------
// PEM

export interface PEMBlock {
  type: string;
  der: Buffer;
}

const PEM_RE = /-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)-----END \1-----[ \t]*(?:\r?\n)?/g;

/** All PEM blocks in the text, plus what follows the last one. */
export function pemBlocks(text: string): { blocks: PEMBlock[]; rest: string } {
  const blocks: PEMBlock[] = [];
  let rest = text;
  let last = -1;
  PEM_RE.lastIndex = 0;
  for (let m = PEM_RE.exec(text); m; m = PEM_RE.exec(text)) {
    const body = m[2]!.split(/\r?\n/).filter((l) => !/^[A-Za-z-]+:/.test(l)).join('');
    blocks.push({ type: m[1]!, der: Buffer.from(body.replace(/\s+/g, ''), 'base64') });
    last = PEM_RE.lastIndex;
  }
  if (last !== -1) rest = text.slice(last);
  return { blocks, rest };
}

/** OPA's input convention: PEM text, or base64 of PEM or of DER. */
function pemOrBase64(input: string): { pem?: string; der?: Buffer } {
  if (input.startsWith('-----BEGIN')) return { pem: input };
  const raw = decodeBase64(input);
  if (raw.subarray(0, 10).toString('latin1') === '-----BEGIN') return { pem: raw.toString('utf8') };
  return { der: raw };
}

// ---------------------------------------------------------------------------
// Certificates as Go's x509.Certificate JSON (plus OPA's URIStrings)

const SIG_ALGS: Record<string, number> = {
  '1.2.840.113549.1.1.2': 1,
  '1.2.840.113549.1.1.4': 2,
  '1.2.840.113549.1.1.5': 3,
  '1.2.840.113549.1.1.11': 4,
  '1.2.840.113549.1.1.12': 5,
  '1.2.840.113549.1.1.13': 6,
  '1.2.840.10040.4.3': 7,
  '2.16.840.1.101.3.4.3.2': 8,
  '1.2.840.10045.4.1': 9,
  '1.2.840.10045.4.3.2': 10,
  '1.2.840.10045.4.3.3': 11,
  '1.2.840.10045.4.3.4': 12,
  '1.2.840.113549.1.1.10': 13,
  '1.3.101.112': 16,
};
const KEY_ALGS: Record<string, number> = { '1.2.840.113549.1.1.1': 1, '1.2.840.10040.4.1': 2, '1.2.840.10045.2.1': 3, '1.3.101.112': 4 };
const EXT_KEY_USAGES: Record<string, number> = {
  '2.5.29.37.0': 0,
  '1.3.6.1.5.5.7.3.1': 1,
  '1.3.6.1.5.5.7.3.2': 2,
  '1.3.6.1.5.5.7.3.3': 3,
  '1.3.6.1.5.5.7.3.4': 4,
  '1.3.6.1.5.5.7.3.5': 5,
  '1.3.6.1.5.5.7.3.6': 6,
  '1.3.6.1.5.5.7.3.7': 7,
  '1.3.6.1.5.5.7.3.8': 8,
  '1.3.6.1.5.5.7.3.9': 9,
};

function b64(buf: Buffer, t: TLV): string {
  return buf.subarray(t.start, t.end).toString('base64');
}

function algorithm(buf: Buffer, seq: TLV): string {
  return oid(buf, children(buf, seq)[0]!).join('.');
}

function publicKeyJSON(spki: Buffer): unknown {
  try {
    const jwk = createPublicKey({ key: spki, format: 'der', type: 'spki' }).export({ format: 'jwk' });
    const big = (s: string | undefined) => (s ? BigInt('0x' + (Buffer.from(s, 'base64url').toString('hex') || '0')) : 0n);
    if (jwk.kty === 'RSA') return { N: big(jwk.n), E: Number(big(jwk.e)) };
    if (jwk.kty === 'EC') return { Curve: {}, X: big(jwk.x), Y: big(jwk.y) };
    if (jwk.kty === 'OKP') return Buffer.from(jwk.x!, 'base64url').toString('base64');
  } catch {
    // unsupported key types are reported as null, like Go's nil PublicKey
  }
  return null;
}

interface Extensions {
  list: unknown[];
  dns: string[] | null;
  emails: string[] | null;
  ips: string[] | null;
  uris: string[] | null;
  isCA: boolean;
  bcValid: boolean;
  maxPathLen: number;
  keyUsage: number;
  extKeyUsage: number[] | null;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
}

function parseExtensions(buf: Buffer, exts: TLV[]): Extensions {
  const out: Extensions = {
    list: [],
    dns: null,
    emails: null,
    ips: null,
    uris: null,
    isCA: false,
    bcValid: false,
    maxPathLen: 0,
    keyUsage: 0,
    extKeyUsage: null,
    subjectKeyId: null,
    authorityKeyId: null,
  };
  for (const ext of exts) {
    const parts = children(buf, ext);
    const id = oid(buf, parts[0]!);
    const critical = parts.length === 3 && buf[parts[1]!.body] !== 0;
    const valueTLV = parts[parts.length - 1]!;
    out.list.push({ Id: id, Critical: critical, Value: buf.subarray(valueTLV.body, valueTLV.end).toString('base64') });
    const inner = readTLV(buf, valueTLV.body, valueTLV.end);
    switch (id.join('.')) {
      case '2.5.29.17':
        for (const gn of children(buf, inner)) {
          const raw = buf.subarray(gn.body, gn.end);
          const push = (k: 'dns' | 'emails' | 'ips' | 'uris', v: string) => (out[k] = [...(out[k] ?? []), v]);
          if (gn.tag === 0x82) push('dns', raw.toString('latin1'));
          else if (gn.tag === 0x81) push('emails', raw.toString('latin1'));
          else if (gn.tag === 0x86) push('uris', raw.toString('latin1'));
          else if (gn.tag === 0x87 && (raw.length === 4 || raw.length === 16)) {
            push('ips', formatIP({ bits: raw.length * 8, value: BigInt('0x' + raw.toString('hex')) }));
          }
        }
        break;
      case '2.5.29.19': {
        out.bcValid = true;
        out.maxPathLen = -1;
        for (const c of children(buf, inner)) {
          if (c.tag === 0x01) out.isCA = buf[c.body] !== 0;
          else if (c.tag === 0x02) out.maxPathLen = Number(integer(buf, c));
        }
        break;
      }
      case '2.5.29.15': {
        const bits = buf.subarray(inner.body + 1, inner.end);
        let ku = 0;
        for (let i = 0; i < 9; i++) if (bits[i >> 3]! & (0x80 >> (i & 7))) ku |= 1 << i;
        out.keyUsage = ku;
        break;
      }
      case '2.5.29.37':
        out.extKeyUsage = children(buf, inner)
          .map((c) => EXT_KEY_USAGES[oid(buf, c).join('.')])
          .filter((x): x is number => x !== undefined);
        break;
      case '2.5.29.14':
        out.subjectKeyId = buf.subarray(inner.body, inner.end).toString('base64');
        break;
      case '2.5.29.35': {
        const keyId = children(buf, inner).find((c) => c.tag === 0x80);
        if (keyId) out.authorityKeyId = buf.subarray(keyId.body, keyId.end).toString('base64');
        break;
      }
    }
  }
  return out;
}

/** Go's x509.ParseCertificate, as the JSON OPA returns. */
export function certificateJSON(der: Buffer): Record<string, unknown> {
  try {
    const cert = readTLV(der, 0);
    if (cert.tag !== 0x30 || cert.end !== der.length) throw new DERError('trailing data');
    const [tbs, sigAlg, sig] = children(der, cert) as [TLV, TLV, TLV];
    const f = children(der, tbs);
    let i = 0;
    let version = 1;
    if (f[0]!.tag === 0xa0) {
      version = Number(integer(der, readTLV(der, f[0]!.body, f[0]!.end))) + 1;
      i++;
    }
    const serial = integer(der, f[i++]!);
    i++; // signature algorithm (repeated outside the TBS)
    const issuer = f[i++]!;
    const [notBefore, notAfter] = children(der, f[i++]!) as [TLV, TLV];
    const subject = f[i++]!;
    const spki = f[i++]!;
    const extTLV = f.slice(i).find((t) => t.tag === 0xa3);
    const exts = parseExtensions(der, extTLV ? children(der, readTLV(der, extTLV.body, extTLV.end)) : []);
    return {
      Raw: der.toString('base64'),
      RawTBSCertificate: b64(der, tbs),
      RawSubjectPublicKeyInfo: b64(der, spki),
      RawSubject: b64(der, subject),
      RawIssuer: b64(der, issuer),
      Signature: der.subarray(sig.body + 1, sig.end).toString('base64'),
      SignatureAlgorithm: SIG_ALGS[algorithm(der, sigAlg)] ?? 0,
      PublicKeyAlgorithm: KEY_ALGS[algorithm(der, children(der, spki)[0]!)] ?? 0,
      PublicKey: publicKeyJSON(der.subarray(spki.start, spki.end)),
      Version: version,
      SerialNumber: serial,
      Issuer: name(der, issuer),
      Subject: name(der, subject),
      NotBefore: time(der, notBefore),
      NotAfter: time(der, notAfter),
      KeyUsage: exts.keyUsage,
      Extensions: exts.list.length ? exts.list : null,
      ExtKeyUsage: exts.extKeyUsage,
      BasicConstraintsValid: exts.bcValid,
      IsCA: exts.isCA,
      MaxPathLen: exts.maxPathLen,
      MaxPathLenZero: exts.bcValid && exts.maxPathLen === 0,
      SubjectKeyId: exts.subjectKeyId,
      AuthorityKeyId: exts.authorityKeyId,
      DNSNames: exts.dns,
      EmailAddresses: exts.emails,
      IPAddresses: exts.ips,
      URIStrings: exts.uris,
    };
  } catch (e) {
    if (e instanceof DERError || e instanceof RangeError || e instanceof TypeError) throw new EvalError('x509: malformed certificate');
    throw e;
  }
}

function certificateDERs(input: string): Buffer[] {
  const src = pemOrBase64(input);
  if (src.der) {
    // Go's x509.ParseCertificates: concatenated DER certificates
    const out: Buffer[] = [];
    for (let p = 0; p < src.der.length; ) {
      let t: TLV;
      try {
        t = readTLV(src.der, p);
      } catch {
        throw new EvalError('x509: malformed certificate');
      }
      out.push(src.der.subarray(p, t.end));
      p = t.end;
    }
    return out;
  }
  const { blocks } = pemBlocks(src.pem!);
  const certs = blocks.filter((b) => b.type === 'CERTIFICATE').map((b) => b.der);
  if (certs.length === 0) throw new EvalError('failed to find any PEM certificates');
  return certs;
}

interface VerifyOptions {
  dnsName?: string;
  timeMs: number;
  keyUsages: number[];
}

/** Go's leaf.Verify with the first certificate as the root and the middle ones as intermediates. */
function verifyChain(ders: Buffer[], opts: VerifyOptions): Buffer[] | undefined {
  if (ders.length < 2) return undefined;
  const certs = ders.map((d) => new X509Certificate(d));
  const root = certs[0]!;
  const pool = certs.slice(1, -1);
  const leaf = certs[certs.length - 1]!;
  const valid = (c: X509Certificate) => new Date(c.validFrom).getTime() <= opts.timeMs && opts.timeMs <= new Date(c.validTo).getTime();
  if (!certs.every(valid)) return undefined;
  if (opts.dnsName !== undefined && leaf.checkHost(opts.dnsName) === undefined) return undefined;
  const wanted = opts.keyUsages.length ? opts.keyUsages : [1];
  const eku = certificateJSON(ders[ders.length - 1]!).ExtKeyUsage as number[] | null;
  if (eku && !eku.includes(0) && !wanted.includes(0) && !wanted.some((u) => eku.includes(u))) return undefined;
  const chain: X509Certificate[] = [leaf];
  for (let cur = leaf; cur !== root; ) {
    const issuedBy = (c: X509Certificate) => c.ca && cur.checkIssued(c) && cur.verify(c.publicKey);
    const next = issuedBy(root) ? root : pool.find((c) => !chain.includes(c) && issuedBy(c));
    if (!next) return undefined;
    chain.push(next);
    cur = next;
  }
  return chain.map((c) => c.raw);
}

const KEY_USAGE_NAMES: Record<string, number> = {
  KeyUsageAny: 0,
  KeyUsageServerAuth: 1,
  KeyUsageClientAuth: 2,
  KeyUsageCodeSigning: 3,
  KeyUsageEmailProtection: 4,
  KeyUsageIPSECEndSystem: 5,
  KeyUsageIPSECTunnel: 6,
  KeyUsageIPSECUser: 7,
  KeyUsageTimeStamping: 8,
  KeyUsageOCSPSigning: 9,
  KeyUsageMicrosoftServerGatedCrypto: 10,
  KeyUsageNetscapeServerGatedCrypto: 11,
  KeyUsageMicrosoftCommercialCodeSigning: 12,
  KeyUsageMicrosoftKernelCodeSigning: 13,
};

function verifyOptions(o: Value): VerifyOptions {
  const opts: VerifyOptions = { timeMs: Date.now(), keyUsages: [] };
  for (const [k, v] of obj(o, 2)) {
    switch (k) {
      case 'DNSName':
        if (typeof v !== 'string') throw new EvalError("'DNSName' should be a string");
        opts.dnsName = v;
        break;
      case 'CurrentTime':
        if (!isInteger(v)) throw new EvalError("'CurrentTime' should be a number");
        opts.timeMs = Number(toBigInt(v) / 1_000_000n);
        break;
      case 'MaxConstraintComparisons':
        if (!isInteger(v)) throw new EvalError("'MaxConstraintComparisons' should be a number");
        break;
      case 'KeyUsages': {
        if (!Array.isArray(v) && !(v instanceof RegoSet)) throw new EvalError("'KeyUsages' should be an Array or Set");
        const names = (Array.isArray(v) ? v : v.values()).filter((x): x is string => typeof x === 'string');
        const invalid = names.filter((n) => KEY_USAGE_NAMES[n] === undefined);
        if (invalid.length) throw new EvalError(`invalid entries for 'KeyUsages' found: [${invalid.join(' ')}]`);
        opts.keyUsages = names.map((n) => KEY_USAGE_NAMES[n]!);
        break;
      }
      default:
        throw new EvalError('invalid key option');
    }
  }
  return opts;
}

function parseAndVerify(input: string, opts: VerifyOptions): Value {
  let ders: Buffer[];
  try {
    ders = certificateDERs(input);
    ders.forEach(certificateJSON);
  } catch {
    return [false, []];
  }
  const chain = verifyChain(ders, opts);
  return chain ? [true, fromJSON(chain.map(certificateJSON))] : [false, []];
}

// ---------------------------------------------------------------------------
// Certificate requests

function certificateRequestJSON(der: Buffer): Value {
  try {
    const csr = readTLV(der, 0);
    const [info, sigAlg, sig] = children(der, csr) as [TLV, TLV, TLV];
    const [version, subject, spki, attrs] = children(der, info) as [TLV, TLV, TLV, TLV | undefined];
    let extensions: Extensions | undefined;
    for (const attr of attrs ? children(der, attrs) : []) {
      const [type, values] = children(der, attr) as [TLV, TLV];
      if (oid(der, type).join('.') === '1.2.840.113549.1.9.14') {
        extensions = parseExtensions(der, children(der, children(der, values)[0]!));
      }
    }
    return fromJSON({
      Raw: der.toString('base64'),
      RawTBSCertificateRequest: b64(der, info),
      RawSubjectPublicKeyInfo: b64(der, spki),
      RawSubject: b64(der, subject),
      Version: Number(integer(der, version)),
      Signature: der.subarray(sig.body + 1, sig.end).toString('base64'),
      SignatureAlgorithm: SIG_ALGS[algorithm(der, sigAlg)] ?? 0,
      PublicKeyAlgorithm: KEY_ALGS[algorithm(der, children(der, spki)[0]!)] ?? 0,
      PublicKey: publicKeyJSON(der.subarray(spki.start, spki.end)),
      Subject: name(der, subject),
      Extensions: extensions?.list ?? null,
      DNSNames: extensions?.dns ?? null,
      EmailAddresses: extensions?.emails ?? null,
      IPAddresses: extensions?.ips ?? null,
      URIs: extensions?.uris ?? null,
    });
  } catch (e) {
    if (e instanceof DERError || e instanceof RangeError || e instanceof TypeError) {
      throw new EvalError("asn1: structure error: tags don't match");
    }
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Private keys

const PRIVATE_KEY_TYPES: Record<string, 'pkcs1' | 'pkcs8' | 'sec1'> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
};

/** OPA's getPrivateKeysFromPEMData: PEM text, or base64 of it. */
function privateKeys(input: string): KeyObject[] {
  let pem = input;
  try {
    pem = decodeBase64(input).toString('utf8');
  } catch {
    // not base64: use the text as is
  }
  return pemBlocks(pem)
    .blocks.filter((b) => PRIVATE_KEY_TYPES[b.type])
    .map((b) => createPrivateKey({ key: b.der, format: 'der', type: PRIVATE_KEY_TYPES[b.type]! }));
}

function keyJWK(k: KeyObject): Value {
  return fromJSON(k.export({ format: 'jwk' }));
}

function keyPair(certInput: string, keyInput: string): Value {
  const certPem = pemOrBase64(certInput).pem ?? '';
  const keyPem = pemOrBase64(keyInput).pem ?? '';
  const certs = pemBlocks(certPem).blocks.filter((b) => b.type === 'CERTIFICATE');
  if (certs.length === 0) throw new EvalError('tls: failed to find any PEM data in certificate input');
  const [key] = privateKeys(keyPem);
  if (!key) throw new EvalError('tls: failed to find any PEM data in key input');
  const leaf = new X509Certificate(certs[0]!.der);
  const pub = (k: KeyObject) => k.export({ format: 'der', type: 'spki' }).toString('base64');
  if (pub(leaf.publicKey) !== pub(createPublicKey(key))) throw new EvalError('tls: private key does not match public key');
  return fromJSON({
    Certificate: certs.map((c) => c.der.toString('base64')),
    PrivateKey: key.export({ format: 'jwk' }),
    Leaf: certificateJSON(certs[0]!.der),
  });
}

// ---------------------------------------------------------------------------

function digest(name: string, alg: string): BuiltinDef {
  return builtin(name, 1, ([s]) => createHash(alg).update(str(s!, 1), 'utf8').digest('hex'));
}

function hmac(name: string, alg: string): BuiltinDef {
  return builtin(name, 2, ([m, k]) => createHmac(alg, Buffer.from(str(k!, 2), 'utf8')).update(str(m!, 1), 'utf8').digest('hex'));
}

export const cryptoBuiltins: BuiltinDef[] = [
  digest('crypto.md5', 'md5'),
  digest('crypto.sha1', 'sha1'),
  digest('crypto.sha256', 'sha256'),
  hmac('crypto.hmac.md5', 'md5'),
  hmac('crypto.hmac.sha1', 'sha1'),
  hmac('crypto.hmac.sha256', 'sha256'),
  hmac('crypto.hmac.sha512', 'sha512'),
  builtin('crypto.hmac.equal', 2, ([a, b]) => {
    const x = Buffer.from(str(a!, 1), 'utf8');
    const y = Buffer.from(str(b!, 2), 'utf8');
    return x.length === y.length && timingSafeEqual(x, y);
  }),
  builtin('crypto.x509.parse_certificates', 1, ([s]) => fromJSON(certificateDERs(str(s!, 1)).map(certificateJSON))),
  builtin('crypto.x509.parse_and_verify_certificates', 1, ([s]) => parseAndVerify(str(s!, 1), { timeMs: Date.now(), keyUsages: [] })),
  builtin('crypto.x509.parse_and_verify_certificates_with_options', 2, ([s, o]) => parseAndVerify(str(s!, 1), verifyOptions(o!))),
  builtin('crypto.x509.parse_certificate_request', 1, ([s]) => {
    const input = str(s!, 1);
    const src = input.startsWith('-----BEGIN CERTIFICATE REQUEST-----') ? { pem: input } : pemOrBase64(input);
    let der = src.der;
    if (src.pem) {
      const [block] = pemBlocks(src.pem).blocks;
      if (block && block.type !== 'CERTIFICATE REQUEST') throw new EvalError('invalid PEM-encoded certificate signing request');
      der = block?.der ?? Buffer.from(src.pem, 'utf8');
    }
    return certificateRequestJSON(der!);
  }),
  builtin('crypto.x509.parse_keypair', 2, ([c, k]) => keyPair(str(c!, 1), str(k!, 1))),
  builtin('crypto.x509.parse_rsa_private_key', 1, ([s]) => {
    const input = str(s!, 1);
    if (input === '') throw new EvalError('input PEM data was empty');
    const pem = input.startsWith('-----BEGIN') ? input : decodeBase64(input).toString('utf8');
    const [key] = privateKeys(pem);
    return key ? keyJWK(key) : null;
  }),
  builtin('crypto.parse_private_keys', 1, ([s]) => {
    const input = str(s!, 1);
    if (input === '') return null;
    return privateKeys(input).map(keyJWK);
  }),
];

