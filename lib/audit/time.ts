/**
 * Calendar arithmetic in the configured time zone (config.timezone), for "today", hourly and
 * daily buckets of the audit stats. Pure: the clock is always a parameter. Intl does the zone
 * rules, so DST days have 23 or 25 hours and half-hour zones work.
 */

interface LocalParts {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
}

interface ZoneFormat {
  format: Intl.DateTimeFormat;
  /** The last minute asked for and its parts: every request of a minute asks the same. */
  minute: number;
  parts: Readonly<LocalParts>;
}

const formats = new Map<string, ZoneFormat>();

function formatFor(tz: string): ZoneFormat {
  let f = formats.get(tz);
  if (!f) {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    });
    f = { format, minute: NaN, parts: { year: 0, month: 0, day: 0, hour: 0, minute: 0 } };
    formats.set(tz, f);
  }
  return f;
}

/** Wall-clock parts of instant `ms` in `tz`. Offsets in use today are whole minutes, so one lookup serves a minute. */
export function localParts(ms: number, tz: string): Readonly<LocalParts> {
  const f = formatFor(tz);
  const minute = Math.floor(ms / 60_000);
  if (minute === f.minute) return f.parts;
  const out: LocalParts = { year: 0, month: 0, day: 0, hour: 0, minute: 0 };
  for (const p of f.format.formatToParts(ms)) {
    if (p.type === 'year' || p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute') out[p.type] = Number(p.value);
  }
  f.minute = minute;
  f.parts = out;
  return out;
}

/** The zone's offset from UTC at instant `ms`, in ms (whole minutes). */
function offsetAt(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return asUtc - (ms - (((ms % 60_000) + 60_000) % 60_000));
}

/**
 * The instant of local wall time y-m-d h:min in `tz` (month 1–12; out-of-range days roll
 * over like Date.UTC). A time skipped by a DST jump maps to the instant just after the jump.
 */
export function zonedTime(tz: string, year: number, month: number, day: number, hour = 0, minute = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const first = wall - offsetAt(wall, tz);
  const second = wall - offsetAt(first, tz);
  return first === second ? first : Math.max(first, second);
}

/** Local midnight that starts the day containing `ms`. */
export function startOfDay(ms: number, tz: string): number {
  const p = localParts(ms, tz);
  return zonedTime(tz, p.year, p.month, p.day);
}

/** Local midnight `days` days after the one starting the day of `ms` (negative: before). */
export function addDays(ms: number, days: number, tz: string): number {
  const p = localParts(ms, tz);
  return zonedTime(tz, p.year, p.month, p.day + days);
}

/** The start of the local hour containing `ms` (zones are whole minutes off UTC). */
export function startOfHour(ms: number, tz: string): number {
  const minute = localParts(ms, tz).minute;
  return ms - (((ms % 60_000) + 60_000) % 60_000) - minute * 60_000;
}
