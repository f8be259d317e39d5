// The Rego value model: the runtime representation of every Rego value, OPA's
// total order over values, canonical keys, JSON conversion and source-form
// printing.
//
// Representation:
//   null, boolean, string  → JS primitives
//   number                 → JS `number`, except integers outside ±(2^53-1),
//                            which are always `bigint` (so an integer value has
//                            exactly one representation: see `normInt`).
//                            Non-integers are IEEE doubles; OPA keeps them as
//                            arbitrary-precision decimals, but no case we run
//                            depends on digits beyond double precision, and
//                            built-ins that need exact decimal maths (units.*)
//                            compute with scaled bigints internally.
//   array                  → JS array (never mutated once it has escaped the
//                            code that built it)
//   object                 → RegoObject
//   set                    → RegoSet
// Objects and sets are keyed by `keyOf(value)`, a canonical string, so any
// value can be a key and 1 / 1.0 / 1n are the same key. Like OPA, both iterate
// in sorted order (OPA's `compare`), not in insertion order.

export type Value = null | boolean | number | bigint | string | Value[] | RegoObject | RegoSet;

export type TypeName = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'set';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;

// ---------------------------------------------------------------------------
// Objects and sets

/** A Rego object. Mutate only while building it (before it is shared). */
export class RegoObject {
  private readonly map = new Map<string, [Value, Value]>();
  /**
   * @internal Set by the evaluator on documents it builds from rule paths and multi-value
   * rules: only these merge with the documents of other rules; a rule's own value never does.
   */
  mergeable = false;
  private sorted: [Value, Value][] | undefined;
  private canon: string | undefined;

  constructor(entries?: Iterable<readonly [Value, Value]>) {
    if (entries) for (const [k, v] of entries) this.set(k, v);
  }

  /** Builds an object from a plain record of already-converted values. */
  static fromRecord(rec: Record<string, Value>): RegoObject {
    const o = new RegoObject();
    for (const k of Object.keys(rec)) o.set(k, rec[k]!);
    return o;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: Value): Value | undefined {
    return this.map.get(keyOf(key))?.[1];
  }

  has(key: Value): boolean {
    return this.map.has(keyOf(key));
  }

  set(key: Value, value: Value): this {
    this.map.set(keyOf(key), [key, value]);
    this.sorted = undefined;
    this.canon = undefined;
    return this;
  }

  delete(key: Value): boolean {
    this.sorted = undefined;
    this.canon = undefined;
    return this.map.delete(keyOf(key));
  }

  /** Entries in OPA's order (sorted by key). Do not mutate the result. */
  entries(): readonly [Value, Value][] {
    if (!this.sorted) {
      this.sorted = [...this.map.values()];
      if (this.sorted.length > 1) this.sorted.sort((a, b) => compare(a[0], b[0]));
    }
    return this.sorted;
  }

  keys(): Value[] {
    return this.entries().map((e) => e[0]);
  }

  values(): Value[] {
    return this.entries().map((e) => e[1]);
  }

  [Symbol.iterator](): Iterator<[Value, Value]> {
    return (this.entries() as [Value, Value][])[Symbol.iterator]();
  }

  /** A shallow copy that may be mutated independently. */
  clone(): RegoObject {
    const o = new RegoObject();
    for (const [k, e] of this.map) o.map.set(k, e);
    return o;
  }

  /** @internal canonical form, cached until the next mutation */
  canonical(): string {
    if (this.canon === undefined) {
      const parts: string[] = [];
      for (const [k, v] of this.map.values()) parts.push(canon(k) + ':' + canon(v));
      parts.sort();
      this.canon = '{' + parts.join(',') + '}';
    }
    return this.canon;
  }
}

/** A Rego set. Mutate only while building it (before it is shared). */
export class RegoSet {
  private readonly map = new Map<string, Value>();
  /**
   * @internal Set by the evaluator on documents it builds from rule paths and multi-value
   * rules: only these merge with the documents of other rules; a rule's own value never does.
   */
  mergeable = false;
  private sorted: Value[] | undefined;
  private canon: string | undefined;

  constructor(items?: Iterable<Value>) {
    if (items) for (const v of items) this.add(v);
  }

  get size(): number {
    return this.map.size;
  }

  has(v: Value): boolean {
    return this.map.has(keyOf(v));
  }

  add(v: Value): this {
    const k = keyOf(v);
    if (!this.map.has(k)) {
      this.map.set(k, v);
      this.sorted = undefined;
      this.canon = undefined;
    }
    return this;
  }

  delete(v: Value): boolean {
    this.sorted = undefined;
    this.canon = undefined;
    return this.map.delete(keyOf(v));
  }

  /** Elements in OPA's order (sorted). Do not mutate the result. */
  values(): readonly Value[] {
    if (!this.sorted) {
      this.sorted = [...this.map.values()];
      if (this.sorted.length > 1) this.sorted.sort(compare);
    }
    return this.sorted;
  }

  [Symbol.iterator](): Iterator<Value> {
    return (this.values() as Value[])[Symbol.iterator]();
  }

  clone(): RegoSet {
    const s = new RegoSet();
    for (const [k, v] of this.map) s.map.set(k, v);
    return s;
  }

  /** @internal canonical form, cached until the next mutation */
  canonical(): string {
    if (this.canon === undefined) {
      const parts: string[] = [];
      for (const v of this.map.values()) parts.push(canon(v));
      parts.sort();
      this.canon = '<' + parts.join(',') + '>';
    }
    return this.canon;
  }
}

// ---------------------------------------------------------------------------
// Types

export function typeName(v: Value): TypeName {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
  }
  if (Array.isArray(v)) return 'array';
  return v instanceof RegoObject ? 'object' : 'set';
}

export function isNumber(v: Value | undefined): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

export function isInteger(v: Value | undefined): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

const TYPE_ORDER: Record<TypeName, number> = {
  null: 0,
  boolean: 1,
  number: 2,
  string: 3,
  array: 4,
  object: 5,
  set: 6,
};

// ---------------------------------------------------------------------------
// Numbers

/** The one representation of an integer: number when safe, bigint otherwise. */
export function normInt(b: bigint): number | bigint {
  return b >= MIN_SAFE && b <= MAX_SAFE ? Number(b) : b;
}

/** Normalises a double: an integral double beyond the safe range becomes a bigint. */
export function normNum(n: number): number | bigint {
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return BigInt(n);
  return Object.is(n, -0) ? 0 : n;
}

export function toBigInt(n: number | bigint): bigint {
  return typeof n === 'bigint' ? n : BigInt(n);
}

export function toDouble(n: number | bigint): number {
  return typeof n === 'bigint' ? Number(n) : n;
}

/**
 * Parses a JSON/Rego number literal exactly: integer literals (including
 * integral exponent forms such as `1e30`) become exact integers, everything
 * else a double. Returns undefined for text that is not a number.
 */
export function parseNumber(text: string): number | bigint | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const [, sign, intPart, frac = '', expText] = m;
  const exp = expText === undefined ? 0 : Number(expText);
  const fracTrimmed = frac.replace(/0+$/, '');
  if (fracTrimmed.length <= exp && exp - fracTrimmed.length < 400) {
    const digits = (intPart! + fracTrimmed).replace(/^0+(?=\d)/, '');
    const b = BigInt(digits) * 10n ** BigInt(exp - fracTrimmed.length);
    return normInt(sign ? -b : b);
  }
  if (fracTrimmed.length === 0 && exp === 0) return normInt(BigInt(sign! + intPart!));
  return normNum(Number(text));
}

export function numCompare(a: number | bigint, b: number | bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function bothInts(a: number | bigint, b: number | bigint): boolean {
  return isInteger(a) && isInteger(b);
}

export function numAdd(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    if (Number.isSafeInteger(r) || !Number.isInteger(a) || !Number.isInteger(b)) return normNum(r);
  }
  if (bothInts(a, b)) return normInt(toBigInt(a) + toBigInt(b));
  return normNum(toDouble(a) + toDouble(b));
}

export function numSub(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    if (Number.isSafeInteger(r) || !Number.isInteger(a) || !Number.isInteger(b)) return normNum(r);
  }
  if (bothInts(a, b)) return normInt(toBigInt(a) - toBigInt(b));
  return normNum(toDouble(a) - toDouble(b));
}

export function numMul(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    if (Number.isSafeInteger(r) || !Number.isInteger(a) || !Number.isInteger(b)) return normNum(r);
  }
  if (bothInts(a, b)) return normInt(toBigInt(a) * toBigInt(b));
  return normNum(toDouble(a) * toDouble(b));
}

/** Division; exact when both are integers and the quotient is whole. The caller checks for zero. */
export function numDiv(a: number | bigint, b: number | bigint): number | bigint {
  if (bothInts(a, b) && (typeof a === 'bigint' || typeof b === 'bigint')) {
    const x = toBigInt(a);
    const y = toBigInt(b);
    if (x % y === 0n) return normInt(x / y);
  }
  return normNum(toDouble(a) / toDouble(b));
}

/** Integer remainder with the sign of the dividend (Go's `%`). Both must be integers; b ≠ 0. */
export function numRem(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') return normNum(a % b);
  return normInt(toBigInt(a) % toBigInt(b));
}

/** Formats a number the way OPA prints it (integers in full, others like Go's %g). */
export function formatNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n)) return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  if (!Number.isFinite(n)) return String(n);
  return formatFloatG(n);
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64): %e form when the exponent is < -4 or >= 6. */
export function formatFloatG(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return String(n);
}

// ---------------------------------------------------------------------------
// Order and equality

/** Compares two strings by UTF-8 byte order (= code point order), as Go does. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 order differs from code point order only between a surrogate and U+E000..U+FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && (xs ? y : x) >= 0xe000) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

/** OPA's total order: null < boolean < number < string < array < object < set. */
export function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  const ta = typeName(a);
  const tb = typeName(b);
  if (ta !== tb) return TYPE_ORDER[ta] - TYPE_ORDER[tb] < 0 ? -1 : 1;
  switch (ta) {
    case 'null':
      return 0;
    case 'boolean':
      return a ? 1 : -1; // a !== b here
    case 'number':
      return numCompare(a as number | bigint, b as number | bigint);
    case 'string':
      return compareStrings(a as string, b as string);
    case 'array':
      return compareSeq(a as Value[], b as Value[]);
    case 'object': {
      const x = (a as RegoObject).entries();
      const y = (b as RegoObject).entries();
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compare(x[i]![0], y[i]![0]) || compare(x[i]![1], y[i]![1]);
        if (c !== 0) return c;
      }
      return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
    }
    default:
      return compareSeq((a as RegoSet).values(), (b as RegoSet).values());
  }
}

function compareSeq(x: readonly Value[], y: readonly Value[]): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const c = compare(x[i]!, y[i]!);
    if (c !== 0) return c;
  }
  return x.length < y.length ? -1 : x.length > y.length ? 1 : 0;
}

export function equals(a: Value, b: Value): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta === 'string' || ta === 'boolean' || a === null || b === null) return false;
  if (ta === 'number' || ta === 'bigint') return isNumber(b) && a == b;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equals(a[i]!, b[i]!)) return false;
    return true;
  }
  if (a instanceof RegoObject) {
    if (!(b instanceof RegoObject) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      const w = b.get(k);
      if (w === undefined || !equals(v, w)) return false;
    }
    return true;
  }
  if (a instanceof RegoSet) {
    if (!(b instanceof RegoSet) || a.size !== b.size) return false;
    for (const v of a) if (!b.has(v)) return false;
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// Canonical keys

function canonNumber(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString();
  if (Number.isInteger(n)) return Number.isSafeInteger(n) ? String(n === 0 ? 0 : n) : BigInt(n).toString();
  return String(n);
}

function canon(v: Value): string {
  if (v === null) return 'n';
  switch (typeof v) {
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
    case 'bigint':
      return '#' + canonNumber(v);
    case 'string':
      return JSON.stringify(v);
  }
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + canon(v[i]!);
    return s + ']';
  }
  return v.canonical();
}

/**
 * The canonical key of a value: equal values (by `equals`) have equal keys and
 * different values different keys. A string is its own key unless it starts
 * with NUL, so the common string-keyed lookups allocate nothing.
 */
export function keyOf(v: Value): string {
  if (typeof v === 'string') return v.charCodeAt(0) === 0 ? '\u0000s' + v : v;
  return '\u0000' + canon(v);
}

// ---------------------------------------------------------------------------
// JSON conversion

/**
 * Converts a JS value (from JSON.parse, the `yaml` package, or hand-built) to a
 * Value: plain objects and Maps → RegoObject, JS Sets → RegoSet, arrays →
 * arrays, bigint → exact integer. Values that already are Values pass through.
 */
export function fromJSON(x: unknown): Value {
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case 'boolean':
    case 'string':
      return x;
    case 'number':
      return normNum(x);
    case 'bigint':
      return normInt(x);
  }
  if (Array.isArray(x)) return x.map(fromJSON);
  if (x instanceof RegoObject || x instanceof RegoSet) return x;
  if (x instanceof Map) {
    const o = new RegoObject();
    for (const [k, v] of x) o.set(fromJSON(k), fromJSON(v));
    return o;
  }
  if (x instanceof Set) return new RegoSet([...x].map(fromJSON));
  if (typeof x === 'object') {
    const o = new RegoObject();
    for (const k of Object.keys(x)) o.set(k, fromJSON((x as Record<string, unknown>)[k]));
    return o;
  }
  throw new TypeError(`cannot convert ${typeof x} to a Rego value`);
}

export type JSONValue = null | boolean | number | bigint | string | JSONValue[] | { [k: string]: JSONValue };

/**
 * Converts a Value to plain JS (OPA's ast.JSON): sets → arrays in sorted
 * order, non-string object keys JSON-encoded, big integers kept as bigint.
 */
export function toJSON(v: Value): JSONValue {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RegoSet) return v.values().map(toJSON);
  const out: { [k: string]: JSONValue } = {};
  for (const [k, val] of v) out[typeof k === 'string' ? k : stringifyJSON(k)] = toJSON(val);
  return out;
}

/** Compact JSON text of a value (Go's json.Marshal of ast.JSON: keys sorted, sets as arrays). */
export function stringifyJSON(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'string':
      return jsonQuote(v);
  }
  if (Array.isArray(v) || v instanceof RegoSet) {
    const items = Array.isArray(v) ? v : v.values();
    return '[' + items.map(stringifyJSON).join(',') + ']';
  }
  const entries = v
    .entries()
    .map(([k, val]) => [typeof k === 'string' ? k : stringifyJSON(k), stringifyJSON(val)] as const)
    .sort((a, b) => compareStrings(a[0], b[0]));
  return '{' + entries.map(([k, val]) => jsonQuote(k) + ':' + val).join(',') + '}';
}

/** Go's encoding/json string escaping (HTML-safe: <, >, & escaped; U+2028/2029 escaped). */
export function jsonQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c !== 0x3c && c !== 0x3e && c !== 0x26 && c !== 0x2028 && c !== 0x2029) {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = s.charCodeAt(i + 1);
        if (c < 0xdc00 && next >= 0xdc00 && next <= 0xdfff) {
          out += s[i]! + s[i + 1]!;
          i++;
        } else {
          out += '\ufffd'; // lone surrogate: Go replaces invalid UTF-8
        }
        continue;
      }
      out += s[i];
      continue;
    }
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      default:
        out += '\\u' + c.toString(16).padStart(4, '0');
    }
  }
  return out + '"';
}

// ---------------------------------------------------------------------------
// Source form

/** Go's strconv.Quote, which OPA uses to print strings. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (c) {
      case 0x22:
        out += '\\"';
        continue;
      case 0x5c:
        out += '\\\\';
        continue;
      case 0x07:
        out += '\\a';
        continue;
      case 0x08:
        out += '\\b';
        continue;
      case 0x0c:
        out += '\\f';
        continue;
      case 0x0a:
        out += '\\n';
        continue;
      case 0x0d:
        out += '\\r';
        continue;
      case 0x09:
        out += '\\t';
        continue;
      case 0x0b:
        out += '\\v';
        continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (isGoPrintable(c)) out += ch;
    else if (c < 0x10000) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += '\\U' + c.toString(16).padStart(8, '0');
  }
  return out + '"';
}

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|[^\P{Zs} ]/u;

function isGoPrintable(c: number): boolean {
  return !NON_PRINTABLE.test(String.fromCodePoint(c));
}

/** The Rego source form of a value (OPA's Value.String()). */
export function formatValue(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
    case 'bigint':
      return formatNumber(v);
    case 'string':
      return goQuote(v);
  }
  if (Array.isArray(v)) return '[' + v.map(formatValue).join(', ') + ']';
  if (v instanceof RegoSet) return v.size === 0 ? 'set()' : '{' + v.values().map(formatValue).join(', ') + '}';
  return '{' + v.entries().map(([k, val]) => formatValue(k) + ': ' + formatValue(val)).join(', ') + '}';
}
