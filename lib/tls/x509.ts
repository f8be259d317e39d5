/**
 * X.509 plumbing shared by the CA (ca.ts) and the leaf minter (leaf.ts): node-forge builds the
 * ASN.1 of a TBSCertificate, node:crypto signs it, and `signCertificate` wraps both into DER.
 * Signing natively is what keeps a new leaf under a few milliseconds: forge's pure-JS RSA
 * private-key operation costs tens of milliseconds per signature.
 *
 * YORI's CA key is always RSA, so every certificate here is signed with sha256WithRSAEncryption.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
const { Class, Type } = asn1;

export type Asn1 = forge.asn1.Asn1;

export const OID = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
} as const;

/** Forge speaks "binary strings" (one char per byte); these two convert at the boundary. */
export const toBinary = (bytes: Buffer): string => bytes.toString('latin1');
const fromBinary = (bytes: string): Buffer => Buffer.from(bytes, 'latin1');

export const derOf = (node: Asn1): Buffer => fromBinary(asn1.toDer(node).getBytes());
/** Parses DER without forge's guess that BIT STRINGs hold nested ASN.1, so values stay verbatim. */
export const parseDer = (der: Buffer): Asn1 =>
  (asn1.fromDer as unknown as (bytes: string, options: object) => Asn1)(toBinary(der), { strict: true, decodeBitStrings: false });

export const sequence = (items: Asn1[]): Asn1 => asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, items);
export const oid = (dotted: string): Asn1 => asn1.create(Class.UNIVERSAL, Type.OID, false, asn1.oidToDer(dotted).getBytes());
export const octetString = (bytes: Buffer): Asn1 => asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, toBinary(bytes));
const utf8String = (text: string): Asn1 => asn1.create(Class.UNIVERSAL, Type.UTF8, false, forge.util.encodeUtf8(text));
export const booleanTrue = (): Asn1 => asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff');
export const integer = (n: number): Asn1 => asn1.create(Class.UNIVERSAL, Type.INTEGER, false, asn1.integerToDer(n).getBytes());
export const contextTag = (tag: number, constructed: boolean, value: string | Asn1[]): Asn1 =>
  asn1.create(Class.CONTEXT_SPECIFIC, tag as forge.asn1.Type, constructed, value);

/** One Extension: SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING (DER of `value`) }. */
export function extension(id: string, critical: boolean, value: Asn1): Asn1 {
  const items = [oid(id)];
  if (critical) items.push(booleanTrue());
  items.push(asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, asn1.toDer(value).getBytes()));
  return sequence(items);
}

/** KeyUsage BIT STRING from named bits (RFC 5280 §4.2.1.3), trailing zero bits trimmed as DER requires. */
export function keyUsageBits(bits: { digitalSignature?: boolean; keyEncipherment?: boolean; keyCertSign?: boolean; cRLSign?: boolean }): Asn1 {
  const positions = [
    bits.digitalSignature && 0,
    bits.keyEncipherment && 2,
    bits.keyCertSign && 5,
    bits.cRLSign && 6,
  ].filter((p): p is number => typeof p === 'number');
  let byte = 0;
  for (const p of positions) byte |= 0x80 >> p;
  const unused = 7 - Math.max(...positions);
  return asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, String.fromCharCode(unused, byte));
}

/** Validity times: UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
export function timeOf(date: Date): Asn1 {
  return date.getUTCFullYear() < 2050
    ? asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/** A Name: one RDN per attribute, values as UTF8String. */
export function distinguishedName(attributes: [oidDotted: string, value: string][]): Asn1 {
  return sequence(attributes.map(([id, value]) =>
    asn1.create(Class.UNIVERSAL, Type.SET, true, [sequence([oid(id), utf8String(value)])])));
}

export interface TbsFields {
  serial: Buffer;
  issuer: Asn1;
  notBefore: Date;
  notAfter: Date;
  subject: Asn1;
  subjectPublicKeyInfo: Asn1;
  extensions: Asn1[];
}

/** A v3 TBSCertificate (RFC 5280 §4.1) signed with sha256WithRSAEncryption. */
export function tbsCertificate(f: TbsFields): Asn1 {
  return sequence([
    contextTag(0, true, [integer(2)]),
    asn1.create(Class.UNIVERSAL, Type.INTEGER, false, toBinary(f.serial)),
    signatureAlgorithm(),
    f.issuer,
    sequence([timeOf(f.notBefore), timeOf(f.notAfter)]),
    f.subject,
    f.subjectPublicKeyInfo,
    contextTag(3, true, [sequence(f.extensions)]),
  ]);
}

/** A positive 16-byte serial (126 random bits): the top bit clear, the next set, so DER needs no padding. */
export function randomSerial(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  return serial;
}

/** Key identifier per RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value. */
export function keyIdentifierOf(spkiDer: Buffer): Buffer {
  const bitString = parseDer(spkiDer).value[1] as Asn1;
  // The contents start with the unused-bits octet, which is not part of the key.
  return createHash('sha1').update(fromBinary(bitString.value as string).subarray(1)).digest();
}

/** The AlgorithmIdentifier that goes inside the TBSCertificate (must equal the outer one). */
const signatureAlgorithm = (): Asn1 =>
  sequence([oid(OID.sha256WithRSAEncryption), asn1.create(Class.UNIVERSAL, Type.NULL, false, '')]);

const SIGNATURE_ALGORITHM_DER = derOf(signatureAlgorithm());

/** Signs a TBSCertificate with the CA's RSA key and returns the Certificate DER. */
export function signCertificate(tbs: Asn1, caKey: KeyObject): Buffer {
  const tbsDer = derOf(tbs);
  const signature = sign('sha256', tbsDer, caKey);
  const signatureBits = Buffer.concat([derHeader(0x03, signature.length + 1), Buffer.of(0), signature]);
  const body = [tbsDer, SIGNATURE_ALGORITHM_DER, signatureBits];
  return Buffer.concat([derHeader(0x30, tbsDer.length + SIGNATURE_ALGORITHM_DER.length + signatureBits.length), ...body]);
}

function derHeader(tag: number, length: number): Buffer {
  if (length < 0x80) return Buffer.of(tag, length);
  const octets: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) octets.unshift(n & 0xff);
  return Buffer.of(tag, 0x80 | octets.length, ...octets);
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** What a leaf needs from its issuer: the exact subject Name DER and the subjectKeyIdentifier. */
export interface IssuerFacts {
  subjectDer: Buffer;
  keyIdentifier: Buffer;
}

/**
 * Reads the issuer facts from a CA certificate. The subject is copied byte for byte so that
 * leaves chain by exact name match; the key identifier is the CA's own subjectKeyIdentifier
 * extension when present (an AKI that differs from it breaks path building in OpenSSL).
 */
export function issuerFactsOf(certDer: Buffer): IssuerFacts {
  const tbs = parseDer(certDer).value[0] as Asn1;
  const fields = tbs.value as Asn1[];
  // version is an optional [0] EXPLICIT field; everything after it has a fixed position.
  const base = fields[0]!.tagClass === Class.CONTEXT_SPECIFIC && (fields[0]!.type as number) === 0 ? 1 : 0;
  const subject = fields[base + 4]!;
  const spki = fields[base + 5]!;
  const extensions = fields.find((f) => f.tagClass === Class.CONTEXT_SPECIFIC && (f.type as number) === 3);
  let keyIdentifier: Buffer | null = null;
  for (const ext of ((extensions?.value[0] as Asn1 | undefined)?.value as Asn1[] | undefined) ?? []) {
    const parts = ext.value as Asn1[];
    if (asn1.derToOid(forge.util.createBuffer(parts[0]!.value as string)) !== OID.subjectKeyIdentifier) continue;
    // extnValue is an OCTET STRING holding the DER of the KeyIdentifier OCTET STRING.
    const inner = parseDer(fromBinary(parts[parts.length - 1]!.value as string));
    keyIdentifier = fromBinary(inner.value as string);
  }
  return { subjectDer: derOf(subject), keyIdentifier: keyIdentifier ?? keyIdentifierOf(derOf(spki)) };
}
