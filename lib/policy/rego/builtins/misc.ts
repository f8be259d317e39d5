// units.*, semver.*, bits.*, uuid.*, rand.intn, opa.runtime and the
// print/template-string internals.

import { randomBytes, randomInt } from 'node:crypto';
import { RegoObject, RegoSet, formatValue, isInteger, normInt, parseNumber, toBigInt, type Value } from '../value.js';
import { BuiltinError, EvalError, builtin, cached, operandErr, smallInt, str, typeErr, type BuiltinDef } from './support.js';

// ---------------------------------------------------------------------------
// units.parse / units.parse_bytes (exact rational arithmetic, like OPA's big.Rat)

const SI: Record<string, bigint> = { k: 10n ** 3n, m: 10n ** 6n, g: 10n ** 9n, t: 10n ** 12n, p: 10n ** 15n, e: 10n ** 18n };

/** units.parse multipliers as [numerator, denominator], keyed by the case-normalised unit. */
const UNITS = new Map<string, [bigint, bigint]>([
  ['', [1n, 1n]],
  ['m', [1n, 1000n]],
  ['M', [SI.m!, 1n]],
]);
/** units.parse_bytes multipliers, keyed by the lower-cased unit. */
const BYTE_UNITS = new Map<string, bigint>([['', 1n]]);
for (const [i, x] of ['k', 'm', 'g', 't', 'p', 'e'].entries()) {
  const binary = 1n << BigInt(10 * (i + 1));
  for (const u of [x, x.toUpperCase()]) {
    if (u !== 'm' && u !== 'M') UNITS.set(u, [SI[x]!, 1n]);
    UNITS.set(u + 'i', [binary, 1n]);
  }
  BYTE_UNITS.set(x, SI[x]!).set(x + 'b', SI[x]!).set(x + 'i', binary).set(x + 'ib', binary);
}
const MAX_EXPONENT_DIGITS = 6;

class ExponentTooLarge extends Error {}

/** OPA's extractNumAndUnit: splits "4.5e1GiB" into "4.5e1" and "GiB". */
function splitNumUnit(s: string): [string, string] {
  const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  let cut = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (!isDigit(c) && c !== '.' && c !== 'e' && c !== 'E' && c !== '+' && c !== '-') {
      cut = i;
      break;
    }
    if (c === 'e' || c === 'E') {
      const next = s[i + 1];
      if (next === undefined || (!isDigit(next) && next !== '+' && next !== '-')) {
        cut = i;
        break;
      }
      if (next === '+' || next === '-') i++;
      let end = i + 1;
      while (isDigit(s[end])) end++;
      if (end - (i + 1) > MAX_EXPONENT_DIGITS) throw new ExponentTooLarge();
    }
  }
  if (cut === -1) return [s, ''];
  return [s.slice(0, cut), s.slice(cut)];
}

/** An exact decimal as num/den, or undefined when the text is not a number. */
function parseRational(text: string): [bigint, bigint] | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const frac = m[3] ?? '';
  let n = BigInt((m[2] || '0') + frac);
  let d = 10n ** BigInt(frac.length);
  const exp = m[4] ? Number(m[4]) : 0;
  if (exp > 0) n *= 10n ** BigInt(exp);
  else if (exp < 0) d *= 10n ** BigInt(-exp);
  return [m[1] === '-' ? -n : n, d];
}

function unitsNumber(name: string, raw: string, noAmount: string, numConv: string): [bigint, bigint, string] {
  if (raw.includes(' ')) throw new EvalError(`${name}: spaces not allowed in resource strings`);
  let parts: [string, string];
  try {
    parts = splitNumUnit(raw);
  } catch {
    throw new EvalError(`${name}: exponent too large`);
  }
  if (parts[0] === '') throw new EvalError(`${name}: ${noAmount}`);
  const r = parseRational(parts[0]);
  if (!r) throw new EvalError(`${name}: ${numConv}`);
  return [r[0], r[1], parts[1]];
}

function unitsParse(raw: string): Value {
  const [n, d, u] = unitsNumber('units.parse', raw.replaceAll('"', ''), 'no amount provided', 'could not parse amount to a number');
  const unit = u.length > 1 ? u[0] + u.slice(1).toLowerCase() : u;
  const mul = UNITS.get(unit);
  if (!mul) throw new EvalError(`units.parse: unit ${unit} not recognized`);
  const [mulN, mulD] = mul;
  const num = n * mulN;
  const den = d * mulD;
  if (num % den === 0n) return normInt(num / den);
  // big.Rat.FloatString(10): 10 decimals, halves rounded away from zero
  const scaled = (num * 10n ** 10n * 2n) / den;
  const rounded = scaled >= 0n ? (scaled + 1n) / 2n : (scaled - 1n) / 2n;
  const neg = rounded < 0n;
  const digits = (neg ? -rounded : rounded).toString().padStart(11, '0');
  return parseNumber(`${neg ? '-' : ''}${digits.slice(0, -10)}.${digits.slice(-10)}`)!;
}

function unitsParseBytes(raw: string): Value {
  const [n, d, unit] = unitsNumber('units.parse_bytes', raw.toLowerCase().replaceAll('"', ''), 'no byte amount provided', 'could not parse byte amount to a number');
  const mul = BYTE_UNITS.get(unit);
  if (mul === undefined) throw new EvalError(`units.parse_bytes: byte unit ${unit} not recognized`);
  return normInt((n * mul) / d); // truncates toward zero, like big.Float.Int
}

// ---------------------------------------------------------------------------
// SemVer 2.0.0

const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function semverParts(v: string, pos: number): [bigint[], string[]] {
  const m = SEMVER.exec(v);
  if (!m) throw new EvalError(`operand ${pos}: string ${JSON.stringify(v)} is not a valid SemVer`);
  return [[BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)], m[4] ? m[4].split('.') : []];
}

function semverCompare(a: string, b: string): number {
  const [ca, pa] = semverParts(a, 1);
  const [cb, pb] = semverParts(b, 2);
  for (let i = 0; i < 3; i++) if (ca[i] !== cb[i]) return ca[i]! < cb[i]! ? -1 : 1;
  if (pa.length === 0 || pb.length === 0) return pa.length === pb.length ? 0 : pa.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const xn = /^\d+$/.test(x);
    const yn = /^\d+$/.test(y);
    if (xn && yn) return BigInt(x) < BigInt(y) ? -1 : 1;
    if (xn !== yn) return xn ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
}

// ---------------------------------------------------------------------------
// bits.*

function bigIntOperand(v: Value, pos: number): bigint {
  if (typeof v !== 'number' && typeof v !== 'bigint') throw typeErr(pos, v, 'integer');
  if (!isInteger(v)) throw operandErr(pos, 'must be integer number but got floating-point number');
  return toBigInt(v);
}

function shiftOperand(v: Value, pos: number): bigint {
  const n = bigIntOperand(v, pos);
  if (n < 0n) throw operandErr(pos, 'must be an unsigned integer number but got a negative integer');
  return n;
}

function bitOp(name: string, op: (a: bigint, b: bigint) => bigint): BuiltinDef {
  return builtin(name, 2, ([a, b]) => normInt(op(bigIntOperand(a!, 1), bigIntOperand(b!, 2))));
}

// ---------------------------------------------------------------------------
// UUIDs

const UUID_EPOCH_OFFSET = 122192928000000000n; // 100ns intervals from 1582-10-15 to 1970-01-01
const DOMAINS = ['Person', 'Group', 'Org'];

/** google/uuid.Parse. */
function uuidBytes(s: string): Buffer | undefined {
  let hex: string;
  if (s.length === 36 + 9) {
    if (s.slice(0, 9).toLowerCase() !== 'urn:uuid:') return undefined;
    s = s.slice(9);
  } else if (s.length === 36 + 2) {
    s = s.slice(1, -1);
  }
  if (s.length === 36) {
    if (s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') return undefined;
    hex = s.replaceAll('-', '');
    if (hex.length !== 32) return undefined;
  } else if (s.length === 32) hex = s;
  else return undefined;
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex');
}

function uuidParse(s: string): Value | undefined {
  const b = uuidBytes(s);
  if (!b) return undefined;
  const version = b[6]! >> 4;
  const v8 = b[8]!;
  const variant = (v8 & 0xc0) === 0x80 ? 'RFC4122' : (v8 & 0xe0) === 0xc0 ? 'Microsoft' : (v8 & 0xe0) === 0xe0 ? 'Future' : 'Reserved';
  const out = new RegoObject([
    ['version', version],
    ['variant', variant],
  ]);
  if (version === 1 || version === 2) {
    const t = BigInt(b.readUInt32BE(0)) | (BigInt(b.readUInt16BE(4)) << 32n) | (BigInt(b.readUInt16BE(6) & 0xfff) << 48n);
    const since = t - UUID_EPOCH_OFFSET;
    const sec = since / 10_000_000n;
    const nsec = (since % 10_000_000n) * 100n;
    out.set('time', normInt(sec * 1_000_000_000n + nsec));
    const node = b.subarray(10, 16);
    const first = node[0]!;
    out.set('macvariables', (first & 3) === 3 ? 'local:multicast' : (first & 1) === 1 ? 'global:multicast' : (first & 2) === 2 ? 'local:unicast' : 'global:unicast');
    out.set('nodeid', [...node].map((x) => x.toString(16).padStart(2, '0')).join('-'));
    out.set('clocksequence', b.readUInt16BE(8) & 0x3fff);
    if (version === 2) {
      out.set('id', b.readUInt32BE(0));
      out.set('domain', DOMAINS[b[9]!] ?? `Domain${b[9]}`);
    }
  }
  return out;
}

function newUUIDv4(): string {
  const b = randomBytes(16);
  b[8] = (b[8]! & 0x3f) | 0x80;
  b[6] = (b[6]! & 0x0f) | 0x40;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------------------------------------------------------------------------
// print / template strings: each expression operand arrives as the set of its values

function renderOperand(v: Value): string {
  if (typeof v === 'string') return v;
  return formatValue(v);
}

/** The string of a template string: literal parts as is, expression parts (sets) by their one value. */
function renderTemplate(parts: readonly Value[]): string {
  return parts
    .map((p) => {
      if (!(p instanceof RegoSet)) return renderOperand(p);
      if (p.size === 0) return '<undefined>';
      if (p.size > 1) throw new BuiltinError('eval_conflict_error', 'template-strings must not produce multiple outputs', true);
      return renderOperand(p.values()[0]!);
    })
    .join('');
}

/** print's lines: one per combination of the operands' values, undefined operands as <undefined>. */
function renderPrint(parts: readonly Value[]): string[] {
  let lines: string[][] = [[]];
  for (const p of parts) {
    const options = !(p instanceof RegoSet) ? [renderOperand(p)] : p.size === 0 ? ['<undefined>'] : p.values().map(renderOperand);
    lines = lines.flatMap((l) => options.map((o) => [...l, o]));
  }
  return lines.map((l) => l.join(' '));
}

export const miscBuiltins: BuiltinDef[] = [
  builtin('units.parse', 1, ([s]) => unitsParse(str(s!, 1))),
  builtin('units.parse_bytes', 1, ([s]) => unitsParseBytes(str(s!, 1))),
  builtin('semver.is_valid', 1, ([v]) => typeof v === 'string' && SEMVER.test(v)),
  builtin('semver.compare', 2, ([a, b]) => semverCompare(str(a!, 1), str(b!, 2))),
  bitOp('bits.and', (a, b) => a & b),
  bitOp('bits.or', (a, b) => a | b),
  bitOp('bits.xor', (a, b) => a ^ b),
  builtin('bits.negate', 1, ([a]) => normInt(~bigIntOperand(a!, 1))),
  builtin('bits.lsh', 2, ([a, b]) => normInt(bigIntOperand(a!, 1) << shiftOperand(b!, 2))),
  builtin('bits.rsh', 2, ([a, b]) => normInt(bigIntOperand(a!, 1) >> shiftOperand(b!, 2))),
  builtin('uuid.parse', 1, ([s]) => uuidParse(str(s!, 1))),
  builtin('uuid.rfc4122', 1, ([k], ctx) => cached(ctx, 'uuid.rfc4122\u0000' + str(k!, 1), newUUIDv4), { nondeterministic: true }),
  builtin(
    'rand.intn',
    2,
    ([s, n], ctx) => {
      const key = str(s!, 1);
      let max = smallInt(n!, 2);
      if (max === 0) return 0;
      max = Math.abs(max);
      return cached(ctx, `rand.intn\u0000${key}\u0000${max}`, () => randomInt(max));
    },
    { nondeterministic: true },
  ),
  builtin('opa.runtime', 0, (_args, ctx) => ctx.runtime ?? new RegoObject()),
  builtin('internal.template_string', 1, ([parts]) => {
    if (!Array.isArray(parts)) throw typeErr(1, parts!, 'array');
    return renderTemplate(parts);
  }),
  builtin('internal.print', 1, ([parts], ctx) => {
    if (!Array.isArray(parts)) throw typeErr(1, parts!, 'array');
    for (const line of renderPrint(parts)) ctx.print?.(line);
    return true;
  }),
  builtin('trace', 1, ([s]) => {
    str(s!, 1);
    return true;
  }),
];

