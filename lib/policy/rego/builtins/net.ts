// net.* built-ins: CIDR arithmetic on bigints, with Go's net.ParseIP /
// ParseCIDR syntax and text forms.

import { RegoObject, RegoSet, type Value } from '../value.js';
import { EvalError, builtin, str, type BuiltinDef } from './support.js';

export interface IP {
  /** 32 for IPv4, 128 for IPv6. */
  bits: number;
  value: bigint;
}

interface Net {
  ip: IP;
  prefix: number;
}

function parseIPv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseIPv6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let tail4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    tail4 = parseIPv4(s.slice(lastColon + 1));
    if (tail4 === undefined) return undefined;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const group = (h: string) => (h === '' ? [] : h.split(':'));
  const head = group(halves[0]!);
  const tail = halves.length === 2 ? group(halves[1]!) : [];
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const groups = [...head, ...Array(8 - total).fill('0'), ...tail];
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail4 !== undefined) v = (v & ~0xffffffffn) | tail4;
  return v;
}

const V4_MAPPED = 0xffffn << 32n;

/** Go's net.ParseIP; IPv4-mapped IPv6 addresses come back as IPv4 (Go's To4). */
export function parseIP(s: string): IP | undefined {
  const v4 = parseIPv4(s);
  if (v4 !== undefined) return { bits: 32, value: v4 };
  const v6 = parseIPv6(s);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { bits: 32, value: v6 & 0xffffffffn };
  return { bits: 128, value: v6 };
}

function mask(bits: number, prefix: number): bigint {
  return ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** Go's net.ParseCIDR: the network (address masked to the prefix). */
export function parseCIDR(s: string): Net {
  const slash = s.indexOf('/');
  const err = () => new EvalError(`invalid CIDR address: ${s}`);
  if (slash === -1) throw err();
  const addr = s.slice(0, slash);
  const lenText = s.slice(slash + 1);
  let ip: IP | undefined;
  const v4 = parseIPv4(addr);
  if (v4 !== undefined) ip = { bits: 32, value: v4 };
  else {
    const v6 = parseIPv6(addr);
    if (v6 !== undefined) ip = { bits: 128, value: v6 };
  }
  if (!ip || !/^\d{1,3}$/.test(lenText)) throw err();
  const prefix = Number(lenText);
  if (prefix > ip.bits) throw err();
  return { ip: { bits: ip.bits, value: ip.value & mask(ip.bits, prefix) }, prefix };
}

function lastIP(n: Net): bigint {
  return n.ip.value | ((1n << BigInt(n.ip.bits - n.prefix)) - 1n);
}

function contains(n: Net, ip: IP): boolean {
  if (n.ip.bits !== ip.bits) {
    // an IPv6 network written with an IPv4-mapped address still holds IPv4 addresses
    if (!(n.ip.bits === 128 && ip.bits === 32 && n.prefix >= 96 && n.ip.value >> 32n === 0xffffn)) return false;
    return (V4_MAPPED | ip.value) >> BigInt(128 - n.prefix) === n.ip.value >> BigInt(128 - n.prefix);
  }
  return ip.value >> BigInt(n.ip.bits - n.prefix) === n.ip.value >> BigInt(n.ip.bits - n.prefix);
}

/** Go's IP.String. */
export function formatIP(ip: IP): string {
  if (ip.bits === 32 || ip.value >> 32n === 0xffffn) {
    const v = Number(ip.value & 0xffffffffn);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

function formatNet(ip: IP, prefix: number): string {
  return `${formatIP(ip)}/${prefix}`;
}

function cidrContains(a: string, b: string): boolean {
  const net = parseCIDR(a);
  const ip = parseIP(b);
  if (ip) return contains(net, ip);
  let inner: Net;
  try {
    inner = parseCIDR(b);
  } catch {
    throw new EvalError(`not a valid textual representation of an IP address or CIDR: ${b}`);
  }
  return contains(net, inner.ip) && contains(net, { bits: inner.ip.bits, value: lastIP(inner) });
}

// ---------------------------------------------------------------------------
// net.cidr_contains_matches

const MATCH_ELEMENT = 'element must be string or non-empty array';

function matchOperand(pos: number, v: Value): [Value, Value][] {
  const cidrOf = (x: Value): Value => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && x.length > 0) return x[0]!;
    throw new EvalError(`operand ${pos}: ${MATCH_ELEMENT}`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return v.map((x, i) => [cidrOf(x), i]);
  if (v instanceof RegoSet) return v.values().map((x) => [cidrOf(x), x]);
  if (v instanceof RegoObject) return v.entries().map(([k, x]) => [cidrOf(x), k]);
  return [];
}

// ---------------------------------------------------------------------------
// net.cidr_merge (netaddr's algorithm: sort ranges, merge neighbours, split into CIDRs)

interface Range {
  bits: number;
  /** First and last address in the 128-bit space OPA sorts in (IPv4 as ::ffff:a.b.c.d). */
  first: bigint;
  last: bigint;
  /** The original text when the range was not merged with another. */
  text?: string;
}

function key(bits: number, v: bigint): bigint {
  return bits === 32 ? V4_MAPPED | v : v;
}

function toRange(ip: IP, prefix: number, text: string): Range {
  const net = { ip: { bits: ip.bits, value: ip.value & mask(ip.bits, prefix) }, prefix };
  return { bits: ip.bits, first: key(ip.bits, net.ip.value), last: key(ip.bits, lastIP(net)), text };
}

function mergeNetwork(v: Value): Range {
  if (typeof v !== 'string') throw new EvalError('element must be string');
  const ip = parseIP(v);
  if (!ip) {
    const n = parseCIDR(v);
    return toRange(n.ip, n.prefix, formatNet(n.ip, n.prefix));
  }
  if (ip.bits !== 32) throw new EvalError('IPv6 invalid: needs prefix length');
  // Go's IP.DefaultMask: the classful network of the address; the text keeps the address
  const top = Number(ip.value >> 24n);
  const prefix = top < 0x80 ? 8 : top < 0xc0 ? 16 : 24;
  return toRange(ip, prefix, formatNet(ip, prefix));
}

function rangeToCIDRs(bits: number, first: bigint, last: bigint): string[] {
  const out: string[] = [];
  while (first <= last) {
    let size = 0;
    while (size < bits && (first & ((1n << BigInt(size + 1)) - 1n)) === 0n && first + (1n << BigInt(size + 1)) - 1n <= last) size++;
    out.push(formatNet({ bits, value: first }, bits - size));
    first += 1n << BigInt(size);
  }
  return out;
}

function cidrMerge(v: Value): RegoSet {
  let items: readonly Value[];
  if (Array.isArray(v)) items = v;
  else if (v instanceof RegoSet) items = v.values();
  else throw new EvalError('operand must be an array');
  const ranges = items.map(mergeNetwork);
  ranges.sort((a, b) => (a.last !== b.last ? (a.last < b.last ? -1 : 1) : a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  for (let i = ranges.length - 1; i > 0; i--) {
    const cur = ranges[i]!;
    const prev = ranges[i - 1]!;
    const before = cur.first === 0n || cur.first === V4_MAPPED ? cur.first : cur.first - 1n;
    if (before <= prev.last) {
      ranges[i - 1] = { bits: cur.bits, first: prev.first < cur.first ? prev.first : cur.first, last: cur.last };
      ranges.splice(i, 1);
    }
  }
  const out = new RegoSet();
  for (const r of ranges) {
    if (r.text !== undefined) out.add(r.text);
    else {
      const unmap = (x: bigint) => (r.bits === 32 ? x & 0xffffffffn : x);
      for (const c of rangeToCIDRs(r.bits, unmap(r.first), unmap(r.last))) out.add(c);
    }
  }
  return out;
}

const EXPAND_LIMIT = 1n << 20n;

export const netBuiltins: BuiltinDef[] = [
  builtin('net.cidr_contains', 2, ([a, b]) => cidrContains(str(a!, 1), str(b!, 1))),
  builtin('net.cidr_intersects', 2, ([a, b]) => {
    const x = parseCIDR(str(a!, 1));
    const y = parseCIDR(str(b!, 1));
    return contains(x, y.ip) || contains(y, x.ip);
  }),
  builtin('net.cidr_is_valid', 1, ([a]) => {
    if (typeof a !== 'string') return false;
    try {
      parseCIDR(a);
      return true;
    } catch {
      return false;
    }
  }),
  builtin('net.cidr_expand', 1, ([a]) => {
    const n = parseCIDR(str(a!, 1));
    const size = 1n << BigInt(n.ip.bits - n.prefix);
    if (size > EXPAND_LIMIT) throw new EvalError(`${formatNet(n.ip, n.prefix)} holds more than ${EXPAND_LIMIT} addresses`);
    const out = new RegoSet();
    for (let i = 0n; i < size; i++) out.add(formatIP({ bits: n.ip.bits, value: n.ip.value + i }));
    return out;
  }),
  builtin('net.cidr_contains_matches', 2, ([a, b]) => {
    const out = new RegoSet();
    const left = matchOperand(1, a!);
    const right = matchOperand(2, b!);
    for (const [c1, i1] of left) {
      for (const [c2, i2] of right) {
        if (cidrContains(str(c1, 1), str(c2, 1))) out.add([i1, i2]);
      }
    }
    return out;
  }),
  builtin('net.cidr_merge', 1, ([v]) => cidrMerge(v!)),
  builtin('net.lookup_ip_addr', 1, ([n]) => {
    const name = str(n!, 1);
    const ip = parseIP(name);
    if (ip) return new RegoSet([formatIP(ip)]);
    // Policies run on the data path: no blocking DNS. Only the loopback names resolve.
    if (name === 'localhost' || name.endsWith('.localhost')) return new RegoSet(['127.0.0.1', '::1']);
    throw new EvalError(`lookup ${name}: DNS lookups are not available to policies`);
  }),
];
