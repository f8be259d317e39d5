/**
 * DHCP lease file parsers (ISC dhcpd `dhcpd.leases`, Kea `kea-leases4.csv`, dnsmasq
 * `dnsmasq.leases`): the address → MAC and hostname facts behind device names. Pure functions
 * of the file text and the clock; they skip what they cannot read and never throw, since the
 * files are rewritten under our feet and may end mid-line.
 *
 * ISC and Kea files are append-only journals: a later entry for an address replaces an
 * earlier one, and an entry that is no longer bound removes it.
 */
import type { LeaseFormat } from '../config/schema.js';
import { normalizeDeviceKey } from '../config/schema.js';
import { isMac } from './address.js';
import type { Lease } from './types.js';

function mac(s: string | undefined): string | null {
  const key = s ? normalizeDeviceKey(s) : null;
  return key && isMac(key) ? key : null;
}

function hostname(s: string | undefined): string | null {
  const h = s?.trim();
  return h && h !== '*' ? h : null;
}

function ipv4(s: string | undefined): string | null {
  return s && /^\d{1,3}(\.\d{1,3}){3}$/.test(s) && s.split('.').every((o) => Number(o) <= 255) ? s : null;
}

/** Applies journal entries in order: a bound entry sets the address, any other clears it. */
function journal(entries: Iterable<{ lease: Lease; bound: boolean }>): Lease[] {
  const byIp = new Map<string, Lease>();
  for (const { lease, bound } of entries) {
    byIp.delete(lease.ip); // re-insert so the order is the newest write
    if (bound) byIp.set(lease.ip, lease);
  }
  return [...byIp.values()];
}

type Token = { kind: 'word' | 'string'; text: string } | { kind: 'punct'; text: '{' | '}' | ';' };

/** dhcpd.leases tokens: words, quoted strings (with \" and \ooo escapes), { } ;, # comments. */
function tokenizeIsc(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '{' || c === '}' || c === ';') {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else if (c === '"') {
      let s = '';
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (text[i] === '\\' && i + 1 < text.length) {
          const oct = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4));
          if (oct) {
            s += String.fromCharCode(parseInt(oct[0], 8));
            i += 3;
          } else {
            s += text[++i];
          }
        } else {
          s += text[i];
        }
      }
      i++;
      tokens.push({ kind: 'string', text: s });
    } else if (/\s/.test(c)) {
      i++;
    } else {
      const m = /^[^\s{};"#]+/.exec(text.slice(i, i + 256))!;
      tokens.push({ kind: 'word', text: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

/** `ends` as unix ms: `ends 3 2024/05/01 12:00:00` (UTC), `ends epoch 1714564800`, `ends never`. */
function iscTime(words: string[]): number | null {
  if (words[0] === 'never') return Infinity;
  if (words[0] === 'epoch') return words[1] && /^\d+$/.test(words[1]) ? Number(words[1]) * 1000 : null;
  const d = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(words[1] ?? '');
  const t = /^(\d{1,2}):(\d{2}):(\d{2})$/.exec(words[2] ?? '');
  if (!d || !t) return null;
  return Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +t[1]!, +t[2]!, +t[3]!);
}

export function parseIscLeases(text: string, now: number): Lease[] {
  const tokens = tokenizeIsc(text);
  const entries: { lease: Lease; bound: boolean }[] = [];
  let i = 0;
  while (i < tokens.length) {
    // A statement or block header: tokens up to ';' or '{'.
    const head: Token[] = [];
    while (i < tokens.length && tokens[i]!.kind !== 'punct') head.push(tokens[i++]!);
    const end = tokens[i++];
    if (!end || end.text !== '{') continue;
    // Block body: statements up to the matching '}', nested blocks skipped.
    const statements: string[][] = [];
    let current: string[] = [];
    let depth = 1;
    while (i < tokens.length && depth > 0) {
      const t = tokens[i++]!;
      if (t.kind === 'punct' && t.text === '{') depth++;
      else if (t.kind === 'punct' && t.text === '}') depth--;
      else if (depth === 1 && t.kind === 'punct') {
        statements.push(current);
        current = [];
      } else if (depth === 1) current.push(t.text);
    }
    const ip = head.length === 2 && head[0]!.text === 'lease' ? ipv4(head[1]!.text) : null;
    if (!ip || depth > 0) continue; // not a v4 lease, or cut off mid-block
    let state: string | null = null;
    let ends: number | null = null;
    const lease: Lease = { ip, mac: null, hostname: null };
    for (const s of statements) {
      if (s[0] === 'binding' && s[1] === 'state') state = s[2] ?? null;
      else if (s[0] === 'ends') ends = iscTime(s.slice(1));
      else if (s[0] === 'hardware' && s[1] === 'ethernet') lease.mac = mac(s[2]);
      else if (s[0] === 'client-hostname') lease.hostname = hostname(s[1]);
    }
    entries.push({ lease, bound: (state === null || state === 'active') && (ends === null || ends > now) });
  }
  return journal(entries);
}

/** Kea escapes commas (and other specials) in CSV fields as `&#xNN`. */
function unescapeKea(s: string): string {
  return s.replace(/&#x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function parseKeaLeases(text: string, now: number): Lease[] {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.split(',') ?? [];
  const col = (name: string) => header.indexOf(name);
  const [ADDRESS, HWADDR, LIFETIME, EXPIRE, HOSTNAME, STATE] = ['address', 'hwaddr', 'valid_lifetime', 'expire', 'hostname', 'state'].map(col);
  if (ADDRESS! < 0 || EXPIRE! < 0) return [];
  const entries: { lease: Lease; bound: boolean }[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    if (f.length !== header.length) continue; // a partial line being written
    const ip = ipv4(f[ADDRESS!]);
    if (!ip) continue;
    const expire = Number(f[EXPIRE!]) * 1000;
    const state = STATE! >= 0 ? Number(f[STATE!]) : 0;
    const lifetime = LIFETIME! >= 0 ? Number(f[LIFETIME!]) : 1;
    entries.push({
      lease: { ip, mac: mac(f[HWADDR!]), hostname: HOSTNAME! >= 0 ? hostname(unescapeKea(f[HOSTNAME!] ?? '')) : null },
      bound: state === 0 && lifetime !== 0 && expire > now,
    });
  }
  return journal(entries);
}

export function parseDnsmasqLeases(text: string, now: number): Lease[] {
  const leases: Lease[] = [];
  for (const line of text.split(/\r?\n/)) {
    const f = line.trim().split(/\s+/);
    // expiry (unix s, 0 = never) mac ip hostname client-id; IPv6 lines carry an IAID, not a MAC.
    const ip = ipv4(f[2]);
    if (!ip || !/^\d+$/.test(f[0] ?? '')) continue;
    const expiry = Number(f[0]);
    if (expiry !== 0 && expiry * 1000 <= now) continue;
    leases.push({ ip, mac: mac(f[1]), hostname: hostname(f[3]) });
  }
  return leases;
}

export function parseLeases(format: LeaseFormat, text: string, now: number): Lease[] {
  switch (format) {
    case 'isc':
      return parseIscLeases(text, now);
    case 'kea':
      return parseKeaLeases(text, now);
    case 'dnsmasq':
      return parseDnsmasqLeases(text, now);
  }
}
