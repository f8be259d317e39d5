/**
 * Read side of the audit DB, shared by the dashboard's API and the CLI: usage summaries, time
 * series, a filtered event list with keyset pagination, and a streaming export. Summaries and
 * series read the hourly summary table (plus the events of partial hours); event pages walk
 * an index on `ts` or `(column, ts)` and stop at the page size, or scan in bounded windows for
 * unindexed filters. No query's cost grows with the size of the table.
 */
import type { PolicyAction, RouteMode } from '../hooks.js';
import { normalizeDeviceKey } from '../config/schema.js';
import { isMac, normalizeClientIp } from '../devices/address.js';
import { HOUR_MS } from './insert.js';
import type { AuditRow } from './row.js';
import type { Db } from './store.js';
import { addDays, startOfDay, startOfHour } from './time.js';

const DAY_MS = 24 * HOUR_MS;

export interface Totals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** prompt + completion */
  tokens: number;
  request_bytes: number;
  response_bytes: number;
  blocked: number;
  alerted: number;
}

export interface DeviceTotals extends Totals {
  client_ip: string;
  /** The newest name and person recorded for the address. */
  client_name: string | null;
  person: string | null;
  /** The address's newest event (in any window). */
  last_seen: number | null;
}

export interface ProviderTotals extends Totals {
  provider: string;
}

export interface WindowStats {
  /** [since, until) in unix ms */
  since: number;
  until: number;
  totals: Totals;
  /** Most requests first. */
  devices: DeviceTotals[];
  providers: ProviderTotals[];
}

export interface StatsSummary {
  now: number;
  tz: string;
  /** Since local midnight in `tz`. */
  today: WindowStats;
  last_24h: WindowStats;
}

const ZERO: Totals = Object.freeze({ requests: 0, prompt_tokens: 0, completion_tokens: 0, tokens: 0, request_bytes: 0, response_bytes: 0, blocked: 0, alerted: 0 });

function addTotals(into: Totals, row: Omit<Totals, 'tokens'>): void {
  into.requests += row.requests;
  into.prompt_tokens += row.prompt_tokens;
  into.completion_tokens += row.completion_tokens;
  into.tokens += row.prompt_tokens + row.completion_tokens;
  into.request_bytes += row.request_bytes;
  into.response_bytes += row.response_bytes;
  into.blocked += row.blocked;
  into.alerted += row.alerted;
}

function byRequests<T extends Totals>(a: T, b: T): number {
  return b.requests - a.requests || b.tokens - a.tokens;
}

/** Totals of one (range, device, provider) group. */
interface GroupRow extends Omit<Totals, 'tokens'> {
  range: number;
  client_ip: string;
  provider: string;
}

const SUMS = ['requests', 'prompt_tokens', 'completion_tokens', 'request_bytes', 'response_bytes', 'blocked', 'alerted'] as const;

const GROUP_HOURLY = `WITH r AS (SELECT CAST(key AS INTEGER) AS range, value ->> 0 AS lo, value ->> 1 AS hi FROM json_each(?))
  SELECT r.range AS range, h.client_ip AS client_ip, h.provider AS provider, ${SUMS.map((c) => `sum(h.${c}) AS ${c}`).join(', ')}
  FROM r JOIN audit_hourly h ON h.hour >= r.lo AND h.hour < r.hi
  GROUP BY r.range, h.client_ip, h.provider`;

const GROUP_EVENTS = `WITH r AS (SELECT CAST(key AS INTEGER) AS range, value ->> 0 AS lo, value ->> 1 AS hi FROM json_each(?))
  SELECT r.range AS range, e.client_ip AS client_ip, e.provider AS provider, count(*) AS requests,
    coalesce(sum(e.prompt_tokens), 0) AS prompt_tokens, coalesce(sum(e.completion_tokens), 0) AS completion_tokens,
    coalesce(sum(e.request_bytes), 0) AS request_bytes, coalesce(sum(e.response_bytes), 0) AS response_bytes,
    coalesce(sum(e.policy_action = 'block'), 0) AS blocked, coalesce(sum(e.policy_action = 'alert'), 0) AS alerted
  FROM r JOIN audit_events e ON e.ts >= r.lo AND e.ts < r.hi
  GROUP BY r.range, e.client_ip, e.provider`;

/**
 * Totals per (range, device, provider) for time ranges [lo, hi): whole UTC hours come from
 * `audit_hourly`, the partial hours at either end from the events themselves, so the cost
 * is a few hundred summary rows plus at most two hours of events per range, and the result
 * is exact for any zone (half-hour offsets included).
 */
function groupTotals(db: Db, ranges: readonly (readonly [number, number])[]): GroupRow[] {
  const hours: [number, number, number][] = [];
  const edges: [number, number, number][] = [];
  ranges.forEach(([lo, hi], i) => {
    const firstHour = Math.ceil(lo / HOUR_MS);
    const endHour = Math.floor(hi / HOUR_MS);
    if (firstHour >= endHour) {
      edges.push([i, lo, hi]);
      return;
    }
    hours.push([i, firstHour, endHour]);
    if (lo < firstHour * HOUR_MS) edges.push([i, lo, firstHour * HOUR_MS]);
    if (endHour * HOUR_MS < hi) edges.push([i, endHour * HOUR_MS, hi]);
  });
  // json_each keys are array indexes; map them back to range numbers.
  const run = (sql: string, parts: [number, number, number][]) =>
    parts.length === 0
      ? []
      : (db.prepare(sql).all(JSON.stringify(parts.map(([, lo, hi]) => [lo, hi]))) as GroupRow[]).map((g) => ({ ...g, range: parts[g.range]![0] }));
  return [...run(GROUP_HOURLY, hours), ...run(GROUP_EVENTS, edges)];
}

interface ClientName {
  client_name: string | null;
  person: string | null;
  last_seen: number | null;
}

/** The newest name and person recorded for each address (`audit_clients` stores '' for none). */
function latestNames(db: Db, ips: Iterable<string>): Map<string, ClientName> {
  const stmt = db.prepare(`SELECT client_name, person, last_ts FROM audit_clients WHERE client_ip = ? ORDER BY last_ts DESC LIMIT 1`);
  const out = new Map<string, ClientName>();
  for (const ip of ips) {
    const r = stmt.get(ip) as { client_name: string; person: string; last_ts: number } | undefined;
    out.set(ip, { client_name: r?.client_name || null, person: r?.person || null, last_seen: r?.last_ts ?? null });
  }
  return out;
}

function windowStats(since: number, until: number, groups: GroupRow[], names: ReturnType<typeof latestNames>): WindowStats {
  const totals = { ...ZERO };
  const devices = new Map<string, DeviceTotals>();
  const providers = new Map<string, ProviderTotals>();
  for (const g of groups) {
    addTotals(totals, g);
    let d = devices.get(g.client_ip);
    if (!d) devices.set(g.client_ip, (d = { client_ip: g.client_ip, ...names.get(g.client_ip)!, ...ZERO }));
    addTotals(d, g);
    let p = providers.get(g.provider);
    if (!p) providers.set(g.provider, (p = { provider: g.provider, ...ZERO }));
    addTotals(p, g);
  }
  return { since, until, totals, devices: [...devices.values()].sort(byRequests), providers: [...providers.values()].sort(byRequests) };
}

/** Today (since local midnight in `tz`) and the last 24 h, with per-device and per-provider totals. */
export function statsSummary(db: Db, now: number, tz: string): StatsSummary {
  const until = now + 1;
  const windows = [[startOfDay(now, tz), until], [now - DAY_MS, until]] as const;
  const groups = groupTotals(db, windows);
  const names = latestNames(db, new Set(groups.map((g) => g.client_ip)));
  const [today, last24h] = windows.map(([since], i) => windowStats(since, until, groups.filter((g) => g.range === i), names)) as [WindowStats, WindowStats];
  return { now, tz, today, last_24h: last24h };
}

export type SeriesRange = '24h' | '30d';

export interface SeriesPoint {
  requests: number;
  tokens: number;
  blocked: number;
  alerted: number;
}

export interface SeriesBreakdown {
  requests: number[];
  tokens: number[];
}

export interface StatsSeries {
  range: SeriesRange;
  tz: string;
  /** Bucket starts (local hours or local midnights); bucket i is [starts[i], starts[i+1]) and the last ends at `until`. */
  starts: number[];
  until: number;
  points: SeriesPoint[];
  providers: Record<string, SeriesBreakdown>;
  /** Keyed by client_ip; names are the newest recorded. */
  devices: Record<string, SeriesBreakdown & { client_name: string | null; person: string | null }>;
}

/** Local hour starts for the last 24 h, or local midnights for the last 30 days (DST-aware). */
function bucketStarts(range: SeriesRange, now: number, tz: string): number[] {
  const starts: number[] = [];
  if (range === '24h') {
    const current = startOfHour(now, tz);
    for (let i = 23; i >= 0; i--) starts.push(current - i * HOUR_MS);
  } else {
    const today = startOfDay(now, tz);
    for (let i = 29; i > 0; i--) starts.push(addDays(today, -i, tz));
    starts.push(today);
  }
  return starts;
}

/** Requests, tokens, blocks and alerts per local hour (24 h) or local day (30 d), split by provider and device. */
export function statsSeries(db: Db, opts: { range: SeriesRange; now: number; tz: string }): StatsSeries {
  const starts = bucketStarts(opts.range, opts.now, opts.tz);
  const until = opts.now + 1;
  const groups = groupTotals(db, starts.map((s, i) => [s, starts[i + 1] ?? until] as const));
  const names = latestNames(db, new Set(groups.map((g) => g.client_ip)));
  const n = starts.length;
  const points: SeriesPoint[] = starts.map(() => ({ requests: 0, tokens: 0, blocked: 0, alerted: 0 }));
  const providers: StatsSeries['providers'] = {};
  const devices: StatsSeries['devices'] = {};
  const series = () => ({ requests: new Array<number>(n).fill(0), tokens: new Array<number>(n).fill(0) });
  for (const g of groups) {
    const tokens = g.prompt_tokens + g.completion_tokens;
    const pt = points[g.range]!;
    pt.requests += g.requests;
    pt.tokens += tokens;
    pt.blocked += g.blocked;
    pt.alerted += g.alerted;
    const p = (providers[g.provider] ??= series());
    p.requests[g.range]! += g.requests;
    p.tokens[g.range]! += tokens;
    const name = names.get(g.client_ip)!;
    const d = (devices[g.client_ip] ??= { ...series(), client_name: name.client_name, person: name.person });
    d.requests[g.range]! += g.requests;
    d.tokens[g.range]! += tokens;
  }
  return { range: opts.range, tz: opts.tz, starts, until, points, providers, devices };
}

export interface EventFilters {
  /** An IP, a MAC, or a device name (as recorded in the event). */
  device?: string;
  person?: string;
  provider?: string;
  action?: PolicyAction;
  model?: string;
  mode?: RouteMode;
  /** Inclusive, unix ms. */
  since?: number;
  /** Exclusive, unix ms. */
  until?: number;
  /** Substring of the prompt preview, case-insensitive for ASCII. */
  text?: string;
}

/** A filter as SQL conditions, plus the client addresses it is limited to (null: any). */
interface FilterPlan {
  conds: string[];
  params: unknown[];
  ips: string[] | null;
  /** The since/until part alone (also in `conds`). */
  time: { conds: string[]; params: unknown[] };
  /** True when a condition has no index (text, model, mode): pages then scan in bounded windows. */
  scan: boolean;
}

/**
 * Device names, MACs and persons are resolved to the addresses they were seen at (through
 * the small `audit_clients` table), so every device filter runs on the (client_ip, ts) index.
 */
function planFilters(db: Db, f: EventFilters): FilterPlan {
  const plan: FilterPlan = { conds: [], params: [], ips: null, time: { conds: [], params: [] }, scan: false };
  const eq = (column: string, value: unknown) => {
    plan.conds.push(`${column} = ?`);
    plan.params.push(value);
  };
  const restrict = (found: string[]) => {
    plan.ips = plan.ips === null ? found : plan.ips.filter((ip) => found.includes(ip));
  };
  const seenAt = (column: 'client_mac' | 'client_name' | 'person', value: string) => {
    eq(column, value);
    restrict((db.prepare(`SELECT DISTINCT client_ip FROM audit_clients WHERE ${column} = ?`).pluck().all(value) as string[]));
  };
  if (f.device) {
    const key = normalizeDeviceKey(normalizeClientIp(f.device.trim()));
    if (key === null) seenAt('client_name', f.device);
    else if (isMac(key)) seenAt('client_mac', key);
    else restrict([key]);
  }
  if (f.person) seenAt('person', f.person);
  if (f.provider) eq('provider', f.provider);
  if (f.action) eq('policy_action', f.action);
  if (f.model) eq('model', f.model);
  if (f.mode) eq('mode', f.mode);
  if (f.since !== undefined) {
    plan.time.conds.push('ts >= ?');
    plan.time.params.push(f.since);
  }
  if (f.until !== undefined) {
    plan.time.conds.push('ts < ?');
    plan.time.params.push(f.until);
  }
  plan.conds.push(...plan.time.conds);
  plan.params.push(...plan.time.params);
  plan.scan = Boolean(f.model || f.mode || f.text);
  if (f.text) {
    plan.conds.push("prompt_preview LIKE ? ESCAPE '\\'");
    plan.params.push(`%${f.text.replace(/[\\%_]/g, (c) => '\\' + c)}%`);
  }
  return plan;
}

function where(conds: string[]): string {
  return conds.length ? `WHERE ${conds.join(' AND ')}` : '';
}

export interface Cursor {
  ts: number;
  id: number;
}

export function encodeCursor(row: Pick<AuditRow, 'ts' | 'id'>): string {
  return `${row.ts}_${row.id}`;
}

/** Parses a cursor from `eventsPage`; throws RangeError on anything else. */
export function decodeCursor(s: string): Cursor {
  const m = /^(-?\d{1,16})_(\d{1,16})$/.exec(s);
  if (!m) throw new RangeError(`not an events cursor: ${JSON.stringify(s.slice(0, 40))}`);
  return { ts: Number(m[1]), id: Number(m[2]) };
}

export interface EventsPage {
  /** Newest first. */
  events: AuditRow[];
  /**
   * Pass as `before` for the next (older) page; null when there is nothing older. With a
   * text, model or mode filter a page may come back short (even empty) with a `next`: the
   * scan stopped at its time budget and continues from there.
   */
  next: string | null;
}

export const MAX_PAGE = 1000;

/** Rows an unindexed filter examines per step, and the time one page may spend stepping. */
const SCAN_WINDOW = 20_000;
const SCAN_BUDGET_MS = 60;

interface Bound {
  sql: string;
  params: unknown[];
}

/** Strictly older than the cursor; the plain `ts <=` gives the planner an index range. */
const olderThan = (c: Cursor): Bound => ({ sql: 'ts <= ? AND (ts < ? OR id < ?)', params: [c.ts, c.ts, c.id] });
const notOlderThan = (c: Cursor): Bound => ({ sql: 'ts >= ? AND (ts > ? OR id >= ?)', params: [c.ts, c.ts, c.id] });

function fullPage(rows: AuditRow[], limit: number): EventsPage {
  if (rows.length <= limit) return { events: rows, next: null };
  const events = rows.slice(0, limit);
  return { events, next: encodeCursor(events[limit - 1]!) };
}

/**
 * One page of events, newest first. Keyset pagination on (ts, id): a page never repeats or
 * skips a row that existed when the first page was read, whatever is inserted meanwhile.
 * Indexed filters (device, person, provider, action, time) walk an index and stop at the
 * page size; unindexed ones (text, model, mode) walk the table in windows of SCAN_WINDOW rows
 * for at most SCAN_BUDGET_MS, so no page costs a full scan of a large table.
 */
export function eventsPage(db: Db, filters: EventFilters, page: { limit: number; before?: string | null }): EventsPage {
  const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(page.limit) || 1));
  const plan = planFilters(db, filters);
  if (plan.ips?.length === 0) return { events: [], next: null };
  const newest = (bounds: Bound[], n: number, ip?: string) => {
    const conds = [...plan.conds, ...bounds.map((b) => b.sql), ...(ip === undefined ? [] : ['client_ip = ?'])];
    const params = [...plan.params, ...bounds.flatMap((b) => b.params), ...(ip === undefined ? [] : [ip])];
    return db.prepare(`SELECT * FROM audit_events ${where(conds)} ORDER BY ts DESC, id DESC LIMIT ?`).all(...params, n) as AuditRow[];
  };
  // Several addresses: one index walk each, merged; exact, and never a big sort.
  const select = (bounds: Bound[], n: number) =>
    plan.ips === null
      ? newest(bounds, n)
      : plan.ips.flatMap((ip) => newest(bounds, n, ip)).sort((a, b) => b.ts - a.ts || b.id! - a.id!).slice(0, n);

  let upper = page.before ? decodeCursor(page.before) : null;
  if (!plan.scan) return fullPage(select(upper ? [olderThan(upper)] : [], limit + 1), limit);

  const windowEnd = db.prepare(`SELECT ts, id FROM audit_events WHERE ${['1', ...plan.time.conds, 'ts <= ? AND (ts < ? OR id < ?)'].join(' AND ')}
    ORDER BY ts DESC, id DESC LIMIT 1 OFFSET ${SCAN_WINDOW - 1}`);
  const rows: AuditRow[] = [];
  const deadline = performance.now() + SCAN_BUDGET_MS;
  for (;;) {
    const top = upper ?? { ts: Number.MAX_SAFE_INTEGER, id: Number.MAX_SAFE_INTEGER };
    const lower = (windowEnd.get(...plan.time.params, top.ts, top.ts, top.id) as Cursor | undefined) ?? null;
    rows.push(...select([...(upper ? [olderThan(upper)] : []), ...(lower ? [notOlderThan(lower)] : [])], limit + 1 - rows.length));
    if (rows.length > limit || lower === null) return fullPage(rows, limit);
    upper = lower;
    if (performance.now() >= deadline) return { events: rows, next: encodeCursor(lower) };
  }
}

const EXPORT_CHUNK = 1000;

/**
 * All matching events, oldest first, as a lazy iterator for streaming. Reads in keyset chunks
 * rather than one long `.iterate()`: better-sqlite3 keeps a connection busy while an iterator
 * is open, and an export paused by a slow client would lock out the dashboard's queries on the
 * same connection. Memory stays at one chunk.
 */
export function* exportEvents(db: Db, filters: EventFilters): Generator<AuditRow, void, undefined> {
  const plan = planFilters(db, filters);
  if (plan.ips !== null) {
    if (plan.ips.length === 0) return;
    plan.conds.push(`client_ip IN (${plan.ips.map(() => '?').join(', ')})`);
    plan.params.push(...plan.ips);
  }
  const stmt = db.prepare(`SELECT * FROM audit_events ${where([...plan.conds, 'ts >= ? AND (ts > ? OR id > ?)'])} ORDER BY ts, id LIMIT ${EXPORT_CHUNK}`);
  let after: Cursor = { ts: Number.MIN_SAFE_INTEGER, id: 0 };
  for (;;) {
    const rows = stmt.all(...plan.params, after.ts, after.ts, after.id) as AuditRow[];
    yield* rows;
    if (rows.length < EXPORT_CHUNK) return;
    const last = rows[rows.length - 1]!;
    after = { ts: last.ts, id: last.id! };
  }
}
