/**
 * Leaf certificates for intercepted hosts, minted on demand by the YORI CA and cached
 * (SPEC §4). The gateway's TLS server calls `secureContextFor(servername)` from its
 * SNICallback; a host seen before costs one Map lookup.
 *
 * A new host costs one forge-built TBSCertificate, one native RSA signature by the CA and one
 * SecureContext: about 2 ms of CPU, more than half of it OpenSSL parsing the key and certificate
 * into the context (benchmarks/leaf-mint.ts). Nothing is generated per host, because all leaves
 * share one key pair. That key is ECDSA P-256 unless the caller passes another: the server signs
 * with it in every handshake, and a P-256 signature costs about a seventh of an RSA-2048 one.
 * Leaves live 30 days (Apple and Chrome reject more than 398), start an hour early for clock
 * skew, and are re-minted once two thirds of their lifetime has passed. A cached context holds
 * about 33 KB of OpenSSL memory, so the default bound of 1,000 hosts caps the cache near 33 MB.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { CertificateAuthority } from './ca.js';
import {
  OID, contextTag, distinguishedName, extension, keyIdentifierOf, keyUsageBits, octetString, oid, parseDer,
  randomSerial, sequence, signCertificate, tbsCertificate, toBinary, toPem, type Asn1,
} from './x509.js';

const DEFAULT_MAX_HOSTS = 1000;
const DEFAULT_VALIDITY_DAYS = 30;
/** Apple and Chrome reject TLS server certificates valid for more than 398 days. */
const MAX_VALIDITY_DAYS = 397;
const BACKDATE_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** RFC 5280's upper bound for a commonName; longer hosts get an empty subject and a critical SAN. */
const MAX_COMMON_NAME = 64;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export interface LeafMinterOptions {
  /** Hosts kept in the LRU cache (default 1,000). */
  maxHosts?: number;
  /** Leaf lifetime in days, 1 to 397 (default 30). */
  validityDays?: number;
  /** The key pair every leaf shares (EC or RSA); default: a new P-256 key. */
  key?: KeyObject;
  /** Clock in ms since the epoch; tests pass their own. */
  now?: () => number;
}

export interface LeafStats {
  hits: number;
  misses: number;
  /** Cached leaves replaced because they were near expiry. */
  renewals: number;
  evictions: number;
  cached: number;
  /** Time to mint one leaf: certificate plus SecureContext. */
  mintMsMean: number;
  mintMsMax: number;
}

/** A host that is neither a DNS name nor an IP address; nothing is minted for it. */
export class InvalidHostError extends Error {
  override name = 'InvalidHostError';
  readonly code = 'YORI_ERR_TLS_INVALID_HOST';
  constructor(host: unknown) {
    super(`not a host name or IP address: ${JSON.stringify(String(host).slice(0, 100))}`);
  }
}

/** Lower-cases and drops one trailing dot; throws InvalidHostError unless the result is a DNS name or an IP. */
export function normalizeHost(host: string): string {
  if (typeof host !== 'string') throw new InvalidHostError(host);
  const name = host.toLowerCase().replace(/\.$/, '');
  if (isIP(name) !== 0 && !name.includes('%')) return name;
  const labels = name.split('.');
  // A last label of digits only is a malformed IPv4 address, not a name (WHATWG URL rule).
  if (name.length > 253 || !labels.every((l) => DNS_LABEL.test(l)) || /^[0-9]+$/.test(labels[labels.length - 1]!)) {
    throw new InvalidHostError(host);
  }
  return name;
}

/** The 4 or 16 octets of an address that passed net.isIP (RFC 5280 iPAddress form). */
export function ipAddressBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  let text = ip;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (dotted) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) is the last two 16-bit groups.
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${ip.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const bytes = Buffer.alloc(16);
  [...headGroups, ...zeros, ...tailGroups].forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

interface Leaf {
  certPem: string;
  context: tls.SecureContext;
  renewAt: number;
}

export class LeafMinter {
  readonly #ca: CertificateAuthority;
  readonly #keyPem: string;
  readonly #maxHosts: number;
  readonly #validityMs: number;
  readonly #now: () => number;
  /** Parsed once and reused: forge's toDer does not mutate its input. */
  readonly #issuer: Asn1;
  readonly #subjectPublicKeyInfo: Asn1;
  readonly #fixedExtensions: Asn1[];
  /** Map iteration order is insertion order, so the first key is the least recently used. */
  readonly #cache = new Map<string, Leaf>();
  #hits = 0;
  #misses = 0;
  #renewals = 0;
  #evictions = 0;
  #mintMsTotal = 0;
  #mintMsMax = 0;

  constructor(ca: CertificateAuthority, options: LeafMinterOptions = {}) {
    const validityDays = options.validityDays ?? DEFAULT_VALIDITY_DAYS;
    if (!(validityDays > 0 && validityDays <= MAX_VALIDITY_DAYS)) throw new RangeError(`validityDays must be in (0, ${MAX_VALIDITY_DAYS}], got ${validityDays}`);
    const maxHosts = options.maxHosts ?? DEFAULT_MAX_HOSTS;
    if (!(Number.isInteger(maxHosts) && maxHosts > 0)) throw new RangeError(`maxHosts must be a positive integer, got ${maxHosts}`);
    const key = options.key ?? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    if (key.type !== 'private' || (key.asymmetricKeyType !== 'ec' && key.asymmetricKeyType !== 'rsa')) {
      throw new TypeError(`the leaf key must be an EC or RSA private key, got ${key.type} ${key.asymmetricKeyType}`);
    }

    this.#ca = ca;
    this.#keyPem = key.export({ type: 'pkcs8', format: 'pem' }) as string;
    this.#maxHosts = maxHosts;
    this.#validityMs = validityDays * DAY_MS;
    this.#now = options.now ?? Date.now;
    const spkiDer = createPublicKey(key).export({ type: 'spki', format: 'der' });
    this.#issuer = parseDer(ca.issuer.subjectDer);
    this.#subjectPublicKeyInfo = parseDer(spkiDer);
    this.#fixedExtensions = [
      extension(OID.basicConstraints, false, sequence([])),
      // keyEncipherment only means something for RSA key transport (TLS 1.2 RSA suites).
      extension(OID.keyUsage, true, keyUsageBits({ digitalSignature: true, keyEncipherment: key.asymmetricKeyType === 'rsa' })),
      extension(OID.extKeyUsage, false, sequence([oid(OID.serverAuth)])),
      extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifierOf(spkiDer))),
      extension(OID.authorityKeyIdentifier, false, sequence([contextTag(0, false, toBinary(ca.issuer.keyIdentifier))])),
    ];
  }

  /** The TLS context for `host` (an SNI name or an IP), minted on first use. Throws InvalidHostError. */
  secureContextFor(host: string): tls.SecureContext {
    return this.#leafFor(host).context;
  }

  /** The leaf certificate for `host` and the shared leaf key, both PEM. Throws InvalidHostError. */
  certificateFor(host: string): { certPem: string; keyPem: string } {
    return { certPem: this.#leafFor(host).certPem, keyPem: this.#keyPem };
  }

  stats(): LeafStats {
    const minted = this.#misses + this.#renewals;
    return {
      hits: this.#hits,
      misses: this.#misses,
      renewals: this.#renewals,
      evictions: this.#evictions,
      cached: this.#cache.size,
      mintMsMean: minted === 0 ? 0 : this.#mintMsTotal / minted,
      mintMsMax: this.#mintMsMax,
    };
  }

  #leafFor(host: string): Leaf {
    // Only valid names are ever cached, so a raw hit needs no validation.
    let name = host;
    let leaf = this.#cache.get(host);
    if (leaf === undefined) {
      name = normalizeHost(host);
      leaf = this.#cache.get(name);
    }
    const now = this.#now();
    if (leaf !== undefined && now < leaf.renewAt) {
      this.#hits++;
      this.#cache.delete(name);
      this.#cache.set(name, leaf);
      return leaf;
    }
    if (leaf === undefined) this.#misses++;
    else this.#renewals++;
    leaf = this.#mint(name, now);
    this.#cache.delete(name);
    this.#cache.set(name, leaf);
    if (this.#cache.size > this.#maxHosts) {
      this.#cache.delete(this.#cache.keys().next().value!);
      this.#evictions++;
    }
    return leaf;
  }

  #mint(host: string, now: number): Leaf {
    const started = performance.now();
    const ip = isIP(host) !== 0;
    const generalName = ip ? contextTag(7, false, toBinary(ipAddressBytes(host))) : contextTag(2, false, host);
    const longHost = host.length > MAX_COMMON_NAME;
    const certDer = signCertificate(tbsCertificate({
      serial: randomSerial(),
      issuer: this.#issuer,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + this.#validityMs),
      subject: longHost ? sequence([]) : distinguishedName([[OID.commonName, host]]),
      subjectPublicKeyInfo: this.#subjectPublicKeyInfo,
      // RFC 5280 §4.2.1.6: the SAN must be critical when the subject is empty.
      extensions: [...this.#fixedExtensions, extension(OID.subjectAltName, longHost, sequence([generalName]))],
    }), this.#ca.privateKey);
    const certPem = toPem(certDer);
    const context = tls.createSecureContext({ key: this.#keyPem, cert: certPem });
    const elapsed = performance.now() - started;
    this.#mintMsTotal += elapsed;
    if (elapsed > this.#mintMsMax) this.#mintMsMax = elapsed;
    return { certPem, context, renewAt: now + (this.#validityMs * 2) / 3 };
  }
}
