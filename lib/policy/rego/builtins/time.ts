// time.* built-ins: nanosecond timestamps (bigint), IANA time zones through
// Intl, and Go's reference-time layouts ("2006-01-02T15:04:05Z07:00") for
// both formatting and parsing.

import { isInteger, normInt, toBigInt, type Value } from '../value.js';
import { EvalError, builtin, num, smallInt, str, typeErr, type BuiltinDef } from './support.js';

const NS_PER_SEC = 1_000_000_000n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

// ---------------------------------------------------------------------------
// Civil calendar (proleptic Gregorian), days since 1970-01-01

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function isLeap(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

function daysIn(m: number, y: number): number {
  return m === 2 ? (isLeap(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

// ---------------------------------------------------------------------------
// Zones

export interface Zone {
  name: string;
  /** Offset east of UTC in seconds at the instant `sec` (Unix seconds). */
  offset(sec: number): number;
  /** Abbreviation at the instant, as Go prints for layout "MST". */
  abbrev(sec: number): string;
}

export const UTC: Zone = { name: 'UTC', offset: () => 0, abbrev: () => 'UTC' };

function fixedZone(name: string, offset: number): Zone {
  return { name, offset: () => offset, abbrev: () => name };
}

const zoneCache = new Map<string, Zone>();
const ABBREV_LOCALES = ['en-US', 'en-CA', 'en-GB', 'en-IE', 'en-IN', 'en-AU', 'en-NZ', 'en-ZA'];

/** Go's time.LoadLocation for IANA names, backed by the ICU time zone data. */
export function loadZone(name: string): Zone {
  if (name === '' || name === 'UTC') return UTC;
  const tz = name === 'Local' ? Intl.DateTimeFormat().resolvedOptions().timeZone : name;
  let z = zoneCache.get(tz);
  if (z) return z;
  let parts: Intl.DateTimeFormat;
  let short: Intl.DateTimeFormat[];
  try {
    if (!/^[A-Za-z0-9_+\-/]+$/.test(tz)) throw new RangeError();
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    // ICU knows each zone's abbreviation only in the locales that use it
    short = ABBREV_LOCALES.map((l) => new Intl.DateTimeFormat(l, { timeZone: tz, timeZoneName: 'short' }));
  } catch {
    throw new EvalError(`unknown time zone ${name}`);
  }
  const offset = (sec: number): number => {
    const ms = sec * 1000;
    const p: Record<string, string> = {};
    for (const { type, value } of parts.formatToParts(new Date(ms))) p[type] = value;
    let year = Number(p.year);
    if (p.era === 'BC' || p.era === 'B') year = 1 - year;
    const wall = daysFromCivil(year, Number(p.month), Number(p.day)) * 86400 + Number(p.hour) * 3600 + Number(p.minute) * 60 + Number(p.second);
    return wall - Math.floor(sec);
  };
  const abbrev = (sec: number): string => {
    for (const f of short) {
      const n = f.formatToParts(new Date(sec * 1000)).find((x) => x.type === 'timeZoneName')?.value ?? '';
      if (/^[A-Z]{2,5}$/.test(n)) return n;
    }
    // ICU has no abbreviation here: Go's tzdata uses the numeric form, e.g. "+0530"
    const off = offset(sec);
    const a = Math.abs(off) / 60;
    return (off < 0 ? '-' : '+') + String(Math.floor(a / 60)).padStart(2, '0') + (a % 60 ? String(a % 60).padStart(2, '0') : '');
  };
  z = { name, offset, abbrev };
  zoneCache.set(tz, z);
  return z;
}

// ---------------------------------------------------------------------------
// A point in time in a zone

interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  min: number;
  sec: number;
  nsec: number;
  weekday: number;
  yday: number;
  offset: number;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function civil(ns: bigint, zone: Zone): Civil {
  const secs = floorDiv(ns, NS_PER_SEC);
  const nsec = Number(ns - secs * NS_PER_SEC);
  const s = Number(secs);
  const offset = zone.offset(s);
  const local = s + offset;
  const days = Math.floor(local / 86400);
  const rem = local - days * 86400;
  const [year, month, day] = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(rem / 3600),
    min: Math.floor((rem % 3600) / 60),
    sec: rem % 60,
    nsec,
    weekday: (((days + 4) % 7) + 7) % 7,
    yday: days - daysFromCivil(year, 1, 1) + 1,
    offset,
  };
}

/** Go's time.Date: normalises overflowing fields, resolves the wall time in `zone`. */
function fromCivil(y: number, mo: number, d: number, h: number, mi: number, s: number, nsec: number, zone: Zone): bigint {
  // normalise month into [1, 12], carrying into the year
  const m0 = mo - 1;
  y += Math.floor(m0 / 12);
  mo = (((m0 % 12) + 12) % 12) + 1;
  const wall = BigInt(daysFromCivil(y, mo, 1) + d - 1) * 86400n + BigInt(h) * 3600n + BigInt(mi) * 60n + BigInt(s);
  let offset = zone.offset(Number(wall));
  const guess = Number(wall) - offset;
  const second = zone.offset(guess);
  if (second !== offset) offset = second;
  return (wall - BigInt(offset)) * NS_PER_SEC + BigInt(nsec);
}

function checkRange(ns: bigint): bigint {
  if (ns < INT64_MIN || ns > INT64_MAX) throw new EvalError('time outside of valid range');
  return ns;
}

/** OPA's tzTime: a ns number, or [ns, tz] / [ns, tz, layout]. */
function timeOperand(v: Value): { ns: bigint; zone: Zone; layout: string } {
  let n: Value;
  let zone = UTC;
  let layout = '';
  const expected = 'either number (ns) or [number (ns), string (tz)]';
  if (Array.isArray(v)) {
    if (v.length === 0) throw typeErr(1, v, expected);
    n = num(v[0]!, 1);
    if (v.length > 1) zone = loadZone(str(v[1]!, 1));
    if (v.length > 2) layout = str(v[2]!, 1);
  } else if (typeof v === 'number' || typeof v === 'bigint') n = v;
  else throw typeErr(1, v, expected);
  const x = n as number | bigint;
  if (!isInteger(x) || toBigInt(x) < INT64_MIN || toBigInt(x) > INT64_MAX) throw new EvalError('timestamp too big');
  return { ns: toBigInt(x), zone, layout };
}

// ---------------------------------------------------------------------------
// Go layouts

const enum Std {
  None,
  LongMonth,
  Month,
  NumMonth,
  ZeroMonth,
  LongWeekDay,
  WeekDay,
  Day,
  UnderDay,
  ZeroDay,
  UnderYearDay,
  ZeroYearDay,
  Hour,
  Hour12,
  ZeroHour12,
  Minute,
  ZeroMinute,
  Second,
  ZeroSecond,
  LongYear,
  Year,
  PM,
  pm,
  TZ,
  ISO8601TZ,
  ISO8601SecondsTZ,
  ISO8601ShortTZ,
  ISO8601ColonTZ,
  ISO8601ColonSecondsTZ,
  NumTZ,
  NumSecondsTz,
  NumShortTZ,
  NumColonTZ,
  NumColonSecondsTZ,
  FracSecond0,
  FracSecond9,
}

interface Chunk {
  prefix: string;
  std: Std;
  /** Fractional seconds: digit count and separator. */
  digits?: number;
  sep?: string;
  suffix: string;
}

const STD0X = [Std.ZeroMonth, Std.ZeroDay, Std.ZeroHour12, Std.ZeroMinute, Std.ZeroSecond, Std.Year];
const TZ_FORMS: [string, Std][] = [
  ['Z070000', Std.ISO8601SecondsTZ],
  ['Z07:00:00', Std.ISO8601ColonSecondsTZ],
  ['Z0700', Std.ISO8601TZ],
  ['Z07:00', Std.ISO8601ColonTZ],
  ['Z07', Std.ISO8601ShortTZ],
  ['-070000', Std.NumSecondsTz],
  ['-07:00:00', Std.NumColonSecondsTZ],
  ['-0700', Std.NumTZ],
  ['-07:00', Std.NumColonTZ],
  ['-07', Std.NumShortTZ],
];

function startsWithLower(s: string): boolean {
  return s.length > 0 && s[0]! >= 'a' && s[0]! <= 'z';
}

/** Go's nextStdChunk. */
function nextChunk(layout: string): Chunk {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i]!;
    const rest = layout.slice(i);
    const at = (std: Std, len: number, prefixEnd = i): Chunk => ({ prefix: layout.slice(0, prefixEnd), std, suffix: layout.slice(i + len) });
    switch (c) {
      case 'J':
        if (rest.startsWith('January')) return at(Std.LongMonth, 7);
        if (rest.startsWith('Jan') && !startsWithLower(rest.slice(3))) return at(Std.Month, 3);
        break;
      case 'M':
        if (rest.startsWith('Monday')) return at(Std.LongWeekDay, 6);
        if (rest.startsWith('Mon') && !startsWithLower(rest.slice(3))) return at(Std.WeekDay, 3);
        if (rest.startsWith('MST')) return at(Std.TZ, 3);
        break;
      case '0':
        if (rest.length >= 2 && rest[1]! >= '1' && rest[1]! <= '6') return at(STD0X[rest.charCodeAt(1) - 49]!, 2);
        if (rest.startsWith('002')) return at(Std.ZeroYearDay, 3);
        break;
      case '1':
        if (rest.startsWith('15')) return at(Std.Hour, 2);
        return at(Std.NumMonth, 1);
      case '2':
        if (rest.startsWith('2006')) return at(Std.LongYear, 4);
        return at(Std.Day, 1);
      case '_':
        if (rest.startsWith('_2006')) return { prefix: layout.slice(0, i + 1), std: Std.LongYear, suffix: layout.slice(i + 5) };
        if (rest.startsWith('_2')) return at(Std.UnderDay, 2);
        if (rest.startsWith('__2')) return at(Std.UnderYearDay, 3);
        break;
      case '3':
        return at(Std.Hour12, 1);
      case '4':
        return at(Std.Minute, 1);
      case '5':
        return at(Std.Second, 1);
      case 'P':
        if (rest.startsWith('PM')) return at(Std.PM, 2);
        break;
      case 'p':
        if (rest.startsWith('pm')) return at(Std.pm, 2);
        break;
      case '-':
      case 'Z':
        for (const [form, std] of TZ_FORMS) if (rest.startsWith(form)) return at(std, form.length);
        break;
      case '.':
      case ',':
        if (rest[1] === '0' || rest[1] === '9') {
          const ch = rest[1];
          let j = 1;
          while (rest[j] === ch) j++;
          if (!(rest[j]! >= '0' && rest[j]! <= '9')) {
            return { prefix: layout.slice(0, i), std: ch === '0' ? Std.FracSecond0 : Std.FracSecond9, digits: j - 1, sep: c, suffix: layout.slice(i + j) };
          }
        }
        break;
    }
  }
  return { prefix: layout, std: Std.None, suffix: '' };
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? '-' + s : s;
}

function formatZone(std: Std, offset: number): string {
  const iso = std >= Std.ISO8601TZ && std <= Std.ISO8601ColonSecondsTZ;
  if (offset === 0 && iso) return 'Z';
  const abs = Math.abs(offset);
  const zone = Math.floor(abs / 60);
  let out = (offset < 0 ? '-' : '+') + pad(Math.floor(zone / 60), 2);
  const colon = std === Std.ISO8601ColonTZ || std === Std.NumColonTZ || std === Std.ISO8601ColonSecondsTZ || std === Std.NumColonSecondsTZ;
  if (colon) out += ':';
  if (std !== Std.NumShortTZ && std !== Std.ISO8601ShortTZ) out += pad(zone % 60, 2);
  if (std === Std.ISO8601SecondsTZ || std === Std.NumSecondsTz || std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ) {
    if (std === Std.NumColonSecondsTZ || std === Std.ISO8601ColonSecondsTZ) out += ':';
    out += pad(abs % 60, 2);
  }
  return out;
}

/** Go's Time.Format. */
export function formatTime(ns: bigint, zone: Zone, layout: string): string {
  const t = civil(ns, zone);
  let out = '';
  for (;;) {
    const ch = nextChunk(layout);
    out += ch.prefix;
    if (ch.std === Std.None) break;
    layout = ch.suffix;
    switch (ch.std) {
      case Std.Year:
        out += pad(((t.year % 100) + 100) % 100, 2);
        break;
      case Std.LongYear:
        out += pad(t.year, 4);
        break;
      case Std.Month:
        out += MONTHS[t.month - 1]!.slice(0, 3);
        break;
      case Std.LongMonth:
        out += MONTHS[t.month - 1];
        break;
      case Std.NumMonth:
        out += t.month;
        break;
      case Std.ZeroMonth:
        out += pad(t.month, 2);
        break;
      case Std.WeekDay:
        out += DAYS[t.weekday]!.slice(0, 3);
        break;
      case Std.LongWeekDay:
        out += DAYS[t.weekday];
        break;
      case Std.Day:
        out += t.day;
        break;
      case Std.UnderDay:
        out += String(t.day).padStart(2, ' ');
        break;
      case Std.ZeroDay:
        out += pad(t.day, 2);
        break;
      case Std.UnderYearDay:
        out += String(t.yday).padStart(3, ' ');
        break;
      case Std.ZeroYearDay:
        out += pad(t.yday, 3);
        break;
      case Std.Hour:
        out += pad(t.hour, 2);
        break;
      case Std.Hour12:
        out += t.hour % 12 === 0 ? 12 : t.hour % 12;
        break;
      case Std.ZeroHour12:
        out += pad(t.hour % 12 === 0 ? 12 : t.hour % 12, 2);
        break;
      case Std.Minute:
        out += t.min;
        break;
      case Std.ZeroMinute:
        out += pad(t.min, 2);
        break;
      case Std.Second:
        out += t.sec;
        break;
      case Std.ZeroSecond:
        out += pad(t.sec, 2);
        break;
      case Std.PM:
        out += t.hour >= 12 ? 'PM' : 'AM';
        break;
      case Std.pm:
        out += t.hour >= 12 ? 'pm' : 'am';
        break;
      case Std.TZ:
        out += zone.abbrev(Number(floorDiv(ns, NS_PER_SEC))) || formatZone(Std.NumTZ, t.offset);
        break;
      case Std.FracSecond0:
        out += ch.sep + String(t.nsec).padStart(9, '0').slice(0, ch.digits);
        break;
      case Std.FracSecond9: {
        const digits = String(t.nsec).padStart(9, '0').slice(0, ch.digits).replace(/0+$/, '');
        if (digits) out += ch.sep + digits;
        break;
      }
      default:
        out += formatZone(ch.std, t.offset);
    }
  }
  return out;
}

class ParseError extends Error {}

/** Go's time.Parse (result in UTC unless the value names an offset). */
export function parseTime(layout: string, value: string): bigint {
  const original = { layout, value };
  const bad = (elem: string, rest: string): never => {
    throw new ParseError(`parsing time ${JSON.stringify(original.value)} as ${JSON.stringify(original.layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(elem)}`);
  };
  const outOfRange = (what: string): never => {
    throw new ParseError(`parsing time ${JSON.stringify(original.value)}: ${what} out of range`);
  };
  let year = 0;
  let month = -1;
  let day = -1;
  let yday = -1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nsec = 0;
  let pmSet = false;
  let amSet = false;
  let zoneOffset: number | undefined;
  let zoneName = '';
  let utc = false;

  const getnum = (fixed: boolean, elem: string): number => {
    if (!/^\d/.test(value)) bad(elem, value);
    if (!/^\d\d/.test(value)) {
      if (fixed) bad(elem, value);
      const n = Number(value[0]);
      value = value.slice(1);
      return n;
    }
    const n = Number(value.slice(0, 2));
    value = value.slice(2);
    return n;
  };
  const getnum3 = (fixed: boolean, elem: string): number => {
    const m = /^\d{1,3}/.exec(value);
    if (!m || (fixed && m[0].length !== 3)) bad(elem, value);
    value = value.slice(m![0].length);
    return Number(m![0]);
  };
  const lookup = (names: string[], len: number | undefined, elem: string): number => {
    for (let i = 0; i < names.length; i++) {
      const n = len ? names[i]!.slice(0, len) : names[i]!;
      if (value.slice(0, n.length).toLowerCase() === n.toLowerCase()) {
        value = value.slice(n.length);
        return i;
      }
    }
    return bad(elem, value);
  };
  const nanos = (digits: string): number => Number(digits.slice(0, 9).padEnd(9, '0'));

  const skip = (prefix: string, elem: string) => {
    while (prefix.length > 0) {
      if (prefix[0] === ' ') {
        if (value.length > 0 && value[0] !== ' ') bad(elem, value);
        prefix = prefix.replace(/^ +/, '');
        value = value.replace(/^ +/, '');
        continue;
      }
      if (value.length === 0 || value[0] !== prefix[0]) bad(prefix, value);
      prefix = prefix.slice(1);
      value = value.slice(1);
    }
  };

  for (;;) {
    const ch = nextChunk(layout);
    const stdStr = layout.slice(ch.prefix.length, layout.length - ch.suffix.length);
    skip(ch.prefix, ch.prefix);
    if (ch.std === Std.None) {
      if (value.length !== 0) throw new ParseError(`parsing time ${JSON.stringify(original.value)}: extra text: ${JSON.stringify(value)}`);
      break;
    }
    layout = ch.suffix;
    const hold = value;
    switch (ch.std) {
      case Std.Year: {
        if (!/^\d\d/.test(value)) bad(stdStr, hold);
        const y = Number(value.slice(0, 2));
        value = value.slice(2);
        year = y >= 69 ? y + 1900 : y + 2000;
        break;
      }
      case Std.LongYear:
        if (!/^\d{4}/.test(value)) bad(stdStr, hold);
        year = Number(value.slice(0, 4));
        value = value.slice(4);
        break;
      case Std.Month:
        month = lookup(MONTHS, 3, stdStr) + 1;
        break;
      case Std.LongMonth:
        month = lookup(MONTHS, undefined, stdStr) + 1;
        break;
      case Std.NumMonth:
      case Std.ZeroMonth:
        month = getnum(ch.std === Std.ZeroMonth, stdStr);
        if (month <= 0 || month > 12) outOfRange('month');
        break;
      case Std.WeekDay:
        lookup(DAYS, 3, stdStr);
        break;
      case Std.LongWeekDay:
        lookup(DAYS, undefined, stdStr);
        break;
      case Std.Day:
      case Std.UnderDay:
      case Std.ZeroDay:
        if (ch.std === Std.UnderDay && value[0] === ' ') value = value.slice(1);
        day = getnum(ch.std === Std.ZeroDay, stdStr);
        break;
      case Std.UnderYearDay:
      case Std.ZeroYearDay:
        if (ch.std === Std.UnderYearDay) value = value.replace(/^ {1,2}/, '');
        yday = getnum3(ch.std === Std.ZeroYearDay, stdStr);
        break;
      case Std.Hour:
        hour = getnum(false, stdStr);
        if (hour > 23) outOfRange('hour');
        break;
      case Std.Hour12:
      case Std.ZeroHour12:
        hour = getnum(ch.std === Std.ZeroHour12, stdStr);
        if (hour > 12) outOfRange('hour');
        break;
      case Std.Minute:
      case Std.ZeroMinute:
        min = getnum(ch.std === Std.ZeroMinute, stdStr);
        if (min > 59) outOfRange('minute');
        break;
      case Std.Second:
      case Std.ZeroSecond: {
        sec = getnum(ch.std === Std.ZeroSecond, stdStr);
        if (sec > 59) outOfRange('second');
        // a fractional second in the value that the layout does not spell out
        const next = nextChunk(layout).std;
        const m = /^[.,](\d+)/.exec(value);
        if (m && next !== Std.FracSecond0 && next !== Std.FracSecond9) {
          nsec = nanos(m[1]!);
          value = value.slice(m[0].length);
        }
        break;
      }
      case Std.PM:
      case Std.pm: {
        const p = value.slice(0, 2);
        const up = ch.std === Std.PM ? p : p.toUpperCase();
        if (ch.std === Std.pm && p !== p.toLowerCase()) bad(stdStr, hold);
        if (up === 'PM') pmSet = true;
        else if (up === 'AM') amSet = true;
        else bad(stdStr, hold);
        value = value.slice(2);
        break;
      }
      case Std.TZ: {
        if (value.startsWith('UTC')) {
          utc = true;
          value = value.slice(3);
          break;
        }
        const m = /^(GMT[+-]\d{1,2}|[A-Z]{3,5}|[A-Z]{2}T)/.exec(value);
        if (!m) bad(stdStr, hold);
        zoneName = m![0];
        value = value.slice(zoneName.length);
        const gmt = /^GMT([+-]\d+)$/.exec(zoneName);
        if (gmt) zoneOffset = Number(gmt[1]) * 3600;
        break;
      }
      case Std.FracSecond0: {
        const n = ch.digits! + 1;
        if (value.length < n || !/^[.,]/.test(value) || !new RegExp(`^[.,]\\d{${n - 1}}`).test(value)) bad(stdStr, hold);
        nsec = nanos(value.slice(1, n));
        value = value.slice(n);
        break;
      }
      case Std.FracSecond9: {
        const m = /^[.,](\d+)/.exec(value);
        if (!m) break;
        nsec = nanos(m[1]!);
        value = value.slice(m[0].length);
        break;
      }
      default: {
        const iso = ch.std >= Std.ISO8601TZ && ch.std <= Std.ISO8601ColonSecondsTZ;
        if (iso && value[0] === 'Z') {
          value = value.slice(1);
          utc = true;
          break;
        }
        const shapes: Record<number, RegExp> = {
          [Std.ISO8601TZ]: /^([+-])(\d\d)(\d\d)/,
          [Std.NumTZ]: /^([+-])(\d\d)(\d\d)/,
          [Std.ISO8601ColonTZ]: /^([+-])(\d\d):(\d\d)/,
          [Std.NumColonTZ]: /^([+-])(\d\d):(\d\d)/,
          [Std.ISO8601ShortTZ]: /^([+-])(\d\d)/,
          [Std.NumShortTZ]: /^([+-])(\d\d)/,
          [Std.ISO8601SecondsTZ]: /^([+-])(\d\d)(\d\d)(\d\d)/,
          [Std.NumSecondsTz]: /^([+-])(\d\d)(\d\d)(\d\d)/,
          [Std.ISO8601ColonSecondsTZ]: /^([+-])(\d\d):(\d\d):(\d\d)/,
          [Std.NumColonSecondsTZ]: /^([+-])(\d\d):(\d\d):(\d\d)/,
        };
        const m = shapes[ch.std]!.exec(value);
        if (!m) bad(stdStr, hold);
        const [, sign, hh, mm = '0', ss = '0'] = m!;
        if (Number(hh) > 24 || Number(mm) > 60 || Number(ss) > 60) outOfRange('time zone offset');
        zoneOffset = (Number(hh) * 3600 + Number(mm) * 60 + Number(ss)) * (sign === '-' ? -1 : 1);
        value = value.slice(m![0].length);
      }
    }
  }
  if (pmSet && hour < 12) hour += 12;
  else if (amSet && hour === 12) hour = 0;
  if (yday >= 0) {
    let m = 0;
    let d = 0;
    if (isLeap(year)) {
      if (yday === 31 + 29) {
        m = 2;
        d = 29;
      } else if (yday > 31 + 29) yday--;
    }
    if (yday < 1 || yday > 365) outOfRange('day-of-year');
    if (m === 0) {
      m = 1;
      d = yday;
      while (d > daysIn(m, 2001)) d -= daysIn(m++, 2001);
    }
    if ((month >= 0 && month !== m) || (day >= 0 && day !== d)) outOfRange('day-of-year');
    month = m;
    day = d;
  } else {
    if (month < 0) month = 1;
    if (day < 0) day = 1;
  }
  if (day < 1 || day > daysIn(month, year)) outOfRange('day');
  const zone = utc || zoneOffset === undefined ? UTC : fixedZone('', zoneOffset);
  return fromCivil(year, month, day, hour, min, sec, nsec, zone);
}

const LAYOUTS: Record<string, string> = {
  ANSIC: 'Mon Jan _2 15:04:05 2006',
  UnixDate: 'Mon Jan _2 15:04:05 MST 2006',
  RubyDate: 'Mon Jan 02 15:04:05 -0700 2006',
  RFC822: '02 Jan 06 15:04 MST',
  RFC822Z: '02 Jan 06 15:04 -0700',
  RFC850: 'Monday, 02-Jan-06 15:04:05 MST',
  RFC1123: 'Mon, 02 Jan 2006 15:04:05 MST',
  RFC1123Z: 'Mon, 02 Jan 2006 15:04:05 -0700',
  RFC3339: '2006-01-02T15:04:05Z07:00',
  RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00',
};

function parseOrFail(layout: string, value: string): bigint {
  try {
    return parseTime(layout, value);
  } catch (e) {
    if (e instanceof ParseError) throw new EvalError(e.message);
    throw e;
  }
}

// ---------------------------------------------------------------------------
// Durations (Go's time.ParseDuration)

const DURATION_UNITS: Record<string, bigint> = { ns: 1n, us: 1000n, 'µs': 1000n, 'μs': 1000n, ms: 1_000_000n, s: NS_PER_SEC, m: 60n * NS_PER_SEC, h: 3600n * NS_PER_SEC };

export function parseDuration(s: string): bigint {
  const orig = s;
  const invalid = () => new EvalError(`time: invalid duration ${JSON.stringify(orig)}`);
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (m[0] === '' || m[0] === '.' || (m[1] === '' && (m[2] ?? '') === '')) throw invalid();
    s = s.slice(m[0].length);
    const u = /^[^\d.]+/.exec(s);
    if (!u) throw new EvalError(`time: missing unit in duration ${JSON.stringify(orig)}`);
    const unit = DURATION_UNITS[u[0]];
    if (unit === undefined) throw new EvalError(`time: unknown unit ${JSON.stringify(u[0])} in duration ${JSON.stringify(orig)}`);
    s = s.slice(u[0].length);
    const frac = m[2] ?? '';
    total += BigInt(m[1] || '0') * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
    if (total > INT64_MAX + (neg ? 1n : 0n)) throw invalid();
  }
  return neg ? -total : total;
}

// ---------------------------------------------------------------------------

function diff(a: { ns: bigint; zone: Zone }, b: { ns: bigint; zone: Zone }): Value[] {
  const [t1, t2] = a.ns <= b.ns ? [a.ns, b.ns] : [b.ns, a.ns];
  const zone = a.zone;
  const c1 = civil(t1, zone);
  const c2 = civil(t2, zone);
  let year = c2.year - c1.year;
  let month = c2.month - c1.month;
  let day = c2.day - c1.day;
  let hour = c2.hour - c1.hour;
  let minute = c2.min - c1.min;
  let second = c2.sec - c1.sec;
  if (second < 0) {
    second += 60;
    minute--;
  }
  if (minute < 0) {
    minute += 60;
    hour--;
  }
  if (hour < 0) {
    hour += 24;
    day--;
  }
  if (day < 0) {
    // days in c1's month, as Go computes with time.Date(y1, M1, 32)
    day += daysIn(c1.month, c1.year);
    month--;
  }
  if (month < 0) {
    month += 12;
    year--;
  }
  return [year, month, day, hour, minute, second];
}

export const timeBuiltins: BuiltinDef[] = [
  builtin('time.now_ns', 0, (_args, ctx) => normInt(ctx.nowNs), { nondeterministic: true }),
  builtin('time.parse_ns', 2, ([l, v]) => {
    const layout = str(l!, 1);
    const value = str(v!, 2);
    return normInt(checkRange(parseOrFail(LAYOUTS[layout] ?? layout, value)));
  }),
  builtin('time.parse_rfc3339_ns', 1, ([v]) => normInt(checkRange(parseOrFail(LAYOUTS.RFC3339!, str(v!, 1))))),
  builtin('time.parse_duration_ns', 1, ([v]) => normInt(parseDuration(str(v!, 1)))),
  builtin('time.format', 1, ([v]) => {
    const t = timeOperand(v!);
    const layout = t.layout === '' ? LAYOUTS.RFC3339Nano! : (LAYOUTS[t.layout] ?? t.layout);
    return formatTime(t.ns, t.zone, layout);
  }),
  builtin('time.date', 1, ([v]) => {
    const t = timeOperand(v!);
    const c = civil(t.ns, t.zone);
    return [c.year, c.month, c.day];
  }),
  builtin('time.clock', 1, ([v]) => {
    const t = timeOperand(v!);
    const c = civil(t.ns, t.zone);
    return [c.hour, c.min, c.sec];
  }),
  builtin('time.weekday', 1, ([v]) => {
    const t = timeOperand(v!);
    return DAYS[civil(t.ns, t.zone).weekday]!;
  }),
  builtin('time.add_date', 4, ([v, y, m, d]) => {
    const t = timeOperand(v!);
    const years = smallInt(y!, 2);
    const months = smallInt(m!, 3);
    const days = smallInt(d!, 4);
    const c = civil(t.ns, t.zone);
    return normInt(checkRange(fromCivil(c.year + years, c.month + months, c.day + days, c.hour, c.min, c.sec, c.nsec, t.zone)));
  }),
  builtin('time.diff', 2, ([a, b]) => diff(timeOperand(a!), timeOperand(b!))),
];
