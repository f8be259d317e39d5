// io.jwt.* built-ins: JWS compact tokens signed with HMAC, RSA (PKCS#1 v1.5
// and PSS), ECDSA and Ed25519, keys given as PEM certificates / public keys
// or as JWK (sets). Semantics and error texts follow OPA's topdown/tokens.go.

import { X509Certificate, createHmac, createPrivateKey, createPublicKey, constants, sign, timingSafeEqual, verify, type KeyObject, type JsonWebKey } from 'node:crypto';
import { RegoObject, compare, stringifyJSON, type Value } from '../value.js';
import { EvalError, builtin, obj, str, type BuiltinDef } from './support.js';
import { decodeBase64 } from './encoding.js';
import { isValidJSON, parseJSON } from './json.js';
import { pemBlocks } from './crypto.js';

const HASHES: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
const ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'EdDSA']);

interface Token {
  header: string;
  payload: string;
  signature: string;
}

function splitToken(v: Value): Token {
  const s = str(v, 1);
  if (!s.includes('.')) throw new EvalError('encoded JWT had no period separators');
  const parts = s.split('.');
  if (parts.length !== 3) throw new EvalError(`encoded JWT must have 3 sections, found ${parts.length}`);
  return { header: parts[0]!, payload: parts[1]!, signature: parts[2]! };
}

/** base64url.decode semantics (padding optional). */
function b64url(s: string): Buffer {
  if (!s.endsWith('=')) {
    if (s.length % 4 === 1) throw new EvalError(`illegal base64url string: ${s}`);
    s += '='.repeat((4 - (s.length % 4)) % 4);
  }
  return decodeBase64(s, true);
}

function decodePart(what: string, s: string): Buffer {
  try {
    return b64url(s);
  } catch (e) {
    throw new EvalError(`JWT ${what} had invalid encoding: ${(e as Error).message}`);
  }
}

function jsonObject(text: string): RegoObject {
  let v: Value;
  try {
    v = parseJSON(text);
  } catch (e) {
    throw new EvalError(`invalid JSON: ${(e as Error).message}`);
  }
  if (!(v instanceof RegoObject)) throw new EvalError('decoded JSON type was not an Object');
  return v;
}

function decodeHeader(t: Token): RegoObject {
  const raw = decodePart('header', t.header).toString('utf8');
  let header: RegoObject;
  try {
    header = jsonObject(raw);
  } catch (e) {
    throw new EvalError(`bad JWT header: ${(e as Error).message}`);
  }
  if (header.has('enc')) throw new EvalError('JWT is a JWE object, which is not supported');
  return header;
}

function decode(v: Value): Value {
  const t = splitToken(v);
  const header = decodeHeader(t);
  let payload = decodePart('payload', t.payload).toString('utf8');
  if (header.get('cty') === 'JWT') {
    payload = payload.replace(/^["']+|["']+$/g, '');
    return decode(payload);
  }
  const claims = jsonObject(payload);
  const sig = decodePart('signature', t.signature).toString('hex');
  return [header, claims, sig];
}

// ---------------------------------------------------------------------------
// Keys

interface VerificationKey {
  key: KeyObject | Buffer;
  alg: string;
  kid: string;
}

function importJWK(jwk: JsonWebKey): KeyObject | Buffer {
  if (jwk.kty === 'oct') return Buffer.from(String(jwk.k ?? ''), 'base64url');
  if (typeof jwk.d === 'string') return createPrivateKey({ key: jwk, format: 'jwk' });
  return createPublicKey({ key: jwk, format: 'jwk' });
}

/** Parses a JWK or a JWK set (lestrrat-go/jwx's jwk.ParseString). */
function parseJWKs(text: string): VerificationKey[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new EvalError(`failed to parse a JWK key (set): ${(e as Error).message}`);
  }
  const list = raw && typeof raw === 'object' && Array.isArray((raw as { keys?: unknown }).keys) ? (raw as { keys: JsonWebKey[] }).keys : [raw as JsonWebKey];
  const out: VerificationKey[] = [];
  for (const jwk of list) {
    if (!jwk || typeof jwk !== 'object' || typeof jwk.kty !== 'string') throw new EvalError('failed to parse a JWK key (set): invalid key type');
    let key: KeyObject | Buffer;
    try {
      key = importJWK(jwk);
    } catch (e) {
      throw new EvalError(`failed to parse a JWK key (set): ${(e as Error).message}`);
    }
    const alg = typeof jwk.alg === 'string' ? jwk.alg : '';
    if (alg !== '' && !ALGORITHMS.has(alg)) continue;
    out.push({ key, alg, kid: typeof jwk.kid === 'string' ? jwk.kid : '' });
  }
  return out;
}

/** OPA's getKeysFromCertOrJWK. */
function verificationKeys(text: string): VerificationKey[] {
  const { blocks, rest } = pemBlocks(text);
  const block = blocks[0];
  if (block) {
    if (blocks.length > 1 || rest.length > 0) throw new EvalError('extra data after a PEM certificate block');
    if (block.type === 'CERTIFICATE') {
      try {
        return [{ key: new X509Certificate(block.der).publicKey, alg: '', kid: '' }];
      } catch (e) {
        throw new EvalError(`failed to parse a PEM certificate: ${(e as Error).message}`);
      }
    }
    if (block.type === 'PUBLIC KEY') {
      try {
        return [{ key: createPublicKey({ key: block.der, format: 'der', type: 'spki' }), alg: '', kid: '' }];
      } catch (e) {
        throw new EvalError(`failed to parse a PEM public key: ${(e as Error).message}`);
      }
    }
    throw new EvalError('failed to extract a Key from the PEM certificate');
  }
  return parseJWKs(text);
}

/** Verifies a JWS signature; false for a wrong key type or a bad signature (jwsbb.Verify). */
function verifySignature(key: KeyObject | Buffer, alg: string, input: Buffer, signature: Buffer): boolean {
  const family = alg.slice(0, 2);
  const hash = HASHES[alg.slice(2)];
  try {
    if (family === 'HS') {
      if (!Buffer.isBuffer(key) || !hash) return false;
      const mac = createHmac(hash, key).update(input).digest();
      return mac.length === signature.length && timingSafeEqual(mac, signature);
    }
    if (Buffer.isBuffer(key)) return false;
    const pub = key.type === 'private' ? createPublicKey(key) : key;
    if (alg === 'EdDSA') return pub.asymmetricKeyType === 'ed25519' && verify(null, input, pub, signature);
    if (!hash) return false;
    if (family === 'RS' || family === 'PS') {
      if (pub.asymmetricKeyType !== 'rsa') return false;
      const padding = family === 'RS' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_PSS_PADDING;
      return verify(hash, input, { key: pub, padding, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
    }
    if (family === 'ES') {
      if (pub.asymmetricKeyType !== 'ec') return false;
      return verify(hash, input, { key: pub, dsaEncoding: 'ieee-p1363' }, signature);
    }
  } catch {
    return false;
  }
  return false;
}

/** io.jwt.verify_*: the first key that verifies wins; a key carrying an alg must match the header's. */
function verifyWith(alg: string, tokenValue: Value, keyText: Value): boolean {
  const t = splitToken(tokenValue);
  const keys = verificationKeys(str(keyText, 2));
  const signature = decodePart('signature', t.signature);
  const header = decodeHeader(t);
  const kid = typeof header.get('kid') === 'string' ? (header.get('kid') as string) : '';
  const headerAlg = header.get('alg');
  const input = Buffer.from(`${t.header}.${t.payload}`, 'latin1');
  if (kid !== '') {
    const match = keys.find((k) => k.kid === kid);
    if (match) return verifySignature(match.key, alg, input, signature);
  }
  return keys.some((k) => (k.alg === '' || k.alg === headerAlg) && verifySignature(k.key, alg, input, signature));
}

function verifyHS(alg: string, tokenValue: Value, secret: Value): boolean {
  const jwt = str(tokenValue, 1);
  const key = Buffer.from(str(secret, 2), 'utf8');
  const t = splitToken(jwt);
  const signature = decodePart('signature', t.signature);
  return verifySignature(key, alg, Buffer.from(`${t.header}.${t.payload}`, 'latin1'), signature);
}

// ---------------------------------------------------------------------------
// io.jwt.decode_verify

interface Constraints {
  keys?: VerificationKey[];
  secret: string;
  alg: string;
  iss: string;
  aud: string;
  time: number;
}

function constraints(o: RegoObject, nowNs: bigint): Constraints {
  const c: Constraints = { secret: '', alg: '', iss: '', aud: '', time: -1 };
  for (const [k, v] of o) {
    const key = k as string;
    switch (key) {
      case 'cert':
        if (typeof v !== 'string') throw new EvalError('cert constraint: must be a string');
        c.keys = verificationKeys(v);
        break;
      case 'secret':
      case 'alg':
      case 'iss':
      case 'aud':
        if (typeof v !== 'string') throw new EvalError(`${key} constraint: must be a string`);
        c[key] = v;
        break;
      case 'time':
        if (typeof v !== 'number' && typeof v !== 'bigint') throw new EvalError('token time constraint: must be a number');
        if (v < 0) throw new EvalError('token time constraint: must not be negative');
        c.time = Number(v);
        break;
      default:
        throw new EvalError(`unknown token validation constraint: ${String(key)}`);
    }
  }
  if (c.time === -1) c.time = Number(nowNs);
  const keyKinds = (c.keys ? 1 : 0) + (c.secret !== '' ? 1 : 0);
  if (keyKinds > 1) throw new EvalError('duplicate key constraints');
  if (keyKinds < 1) throw new EvalError('no key constraint');
  return c;
}

function headerValid(header: RegoObject): boolean {
  const alg = header.get('alg');
  for (const name of ['alg', 'kid', 'typ', 'cty'] as const) {
    const v = header.get(name);
    if (v !== undefined && typeof v !== 'string') throw new EvalError(`${name}: must be a string`);
  }
  if (typeof alg !== 'string' || alg === '') return false;
  const crit = header.get('crit');
  if (crit === undefined) return true;
  if (!Array.isArray(crit)) throw new EvalError('crit: must be a list');
  if (crit.length === 0) throw new EvalError('crit: must be a nonempty list');
  const known = new Set(['alg', 'kid', 'typ', 'cty', 'crit']);
  return !header.keys().some((k) => typeof k === 'string' && !known.has(k) && crit.includes(k));
}

function decodeVerify(tokenValue: Value, c: Constraints): Value {
  const unverified: Value = [false, new RegoObject(), new RegoObject()];
  let current: Value = tokenValue;
  let header: RegoObject;
  let payloadText: string;
  for (;;) {
    const t = splitToken(current);
    header = decodeHeader(t);
    if (!headerValid(header)) return unverified;
    const alg = header.get('alg') as string;
    if (c.alg !== '' && c.alg !== alg) return unverified;
    const signature = decodePart('signature', t.signature);
    const input = Buffer.from(`${t.header}.${t.payload}`, 'latin1');
    const kid = typeof header.get('kid') === 'string' ? (header.get('kid') as string) : '';
    let ok: boolean;
    if (c.keys) {
      const byKid = kid !== '' ? c.keys.find((k) => k.kid === kid) : undefined;
      ok = byKid
        ? verifySignature(byKid.key, alg, input, signature)
        : c.keys.some((k) => (k.alg === '' || k.alg === alg) && verifySignature(k.key, alg, input, signature));
    } else {
      ok = verifySignature(Buffer.from(c.secret, 'utf8'), alg, input, signature);
    }
    if (!ok) return unverified;
    payloadText = decodePart('payload', t.payload).toString('utf8');
    const cty = header.get('cty');
    if (typeof cty === 'string' && cty.toUpperCase() === 'JWT') {
      current = payloadText;
      continue;
    }
    break;
  }
  const payload = jsonObject(payloadText);
  if (c.iss !== '') {
    const iss = payload.get('iss');
    if (iss === undefined || iss !== c.iss) return unverified;
  }
  const aud = payload.get('aud');
  if (aud !== undefined) {
    const okAud = typeof aud === 'string' ? aud === c.aud : Array.isArray(aud) && aud.some((a) => a === c.aud);
    if (!okAud) return unverified;
  } else if (c.aud !== '') return unverified;
  const nowSec = c.time / 1e9;
  const exp = payload.get('exp');
  if (exp !== undefined) {
    if (typeof exp !== 'number' && typeof exp !== 'bigint') throw new EvalError('exp value must be a number');
    if (compare(nowSec, exp) !== -1) return unverified;
  }
  const nbf = payload.get('nbf');
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' && typeof nbf !== 'bigint') throw new EvalError('nbf value must be a number');
    if (compare(nowSec, nbf) === -1) return unverified;
  }
  return [true, header, payload];
}

// ---------------------------------------------------------------------------
// Signing

/** The "alg" of a raw JOSE header, with the error texts of jwsbb.HeaderGetString. */
function headerAlg(raw: string): string {
  if (raw === '') throw new EvalError("missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    if (raw.trimStart().startsWith('{')) throw new EvalError(`missing or invalid 'alg' header: cannot parse JSON: ${(e as Error).message}`);
  }
  const alg = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>).alg : undefined;
  if (typeof alg !== 'string') throw new EvalError(`missing or invalid 'alg' header: jwsbb: header "alg" not found`);
  return alg;
}

function signingKey(jwkText: string): KeyObject | Buffer {
  const keys = parseJWKs(jwkText);
  if (keys.length === 0) throw new EvalError('no keys found in JWK set');
  return keys[0]!.key;
}

function encodeSign(headerRaw: string, payloadRaw: string, jwkText: string): string {
  const key = signingKey(jwkText);
  const alg = headerAlg(headerRaw);
  if (!ALGORITHMS.has(alg)) throw new EvalError(`unknown JWS algorithm: ${alg}`);
  let typ: unknown;
  try {
    typ = (JSON.parse(headerRaw) as Record<string, unknown>).typ;
  } catch {
    typ = undefined;
  }
  if ((typeof typ !== 'string' || typ === 'JWT') && !isValidJSON(payloadRaw)) throw new EvalError('type is JWT but payload is not JSON');
  const input = `${Buffer.from(headerRaw, 'utf8').toString('base64url')}.${Buffer.from(payloadRaw, 'utf8').toString('base64url')}`;
  const family = alg.slice(0, 2);
  const hash = HASHES[alg.slice(2)];
  let sig: Buffer;
  if (family === 'HS') {
    if (!Buffer.isBuffer(key)) throw new EvalError(`invalid key type for ${alg}`);
    sig = createHmac(hash!, key).update(input).digest();
  } else {
    if (Buffer.isBuffer(key) || key.type !== 'private') throw new EvalError(`failed to sign payload: ${alg} needs a private key`);
    if (alg === 'EdDSA') sig = sign(null, Buffer.from(input), key);
    else if (family === 'ES') sig = sign(hash!, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    else {
      const padding = family === 'RS' ? constants.RSA_PKCS1_PADDING : constants.RSA_PKCS1_PSS_PADDING;
      sig = sign(hash!, Buffer.from(input), { key, padding, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
    }
  }
  return `${input}.${sig.toString('base64url')}`;
}

function verifier(name: string, alg: string): BuiltinDef {
  return builtin(name, 2, ([t, k]) => (alg.startsWith('HS') ? verifyHS(alg, t!, k!) : verifyWith(alg, t!, k!)));
}

export const jwtBuiltins: BuiltinDef[] = [
  builtin('io.jwt.decode', 1, ([t]) => decode(t!)),
  ...[...ALGORITHMS].map((alg) => verifier(`io.jwt.verify_${alg.toLowerCase()}`, alg)),
  builtin('io.jwt.decode_verify', 2, ([t, c], ctx) => decodeVerify(t!, constraints(obj(c!, 2), ctx.nowNs))),
  builtin('io.jwt.encode_sign_raw', 3, ([h, p, k]) => {
    const jwk = str(k!, 3);
    return encodeSign(str(h!, 1), str(p!, 2), jwk);
  }),
  builtin('io.jwt.encode_sign', 3, ([h, p, k]) => encodeSign(stringifyJSON(h!), stringifyJSON(p!), stringifyJSON(k!))),
];
