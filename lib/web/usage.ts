/**
 * What the dashboard shows about usage, in the parents' terms: the audit module's summaries and
 * series with today's device names (a device named in the dashboard is named in its past too),
 * totals per person, and observe-mode app usage (time and sessions per app, per device and per
 * person). Pure functions of the DB, a clock and a device labeller.
 *
 * App time is the union of a device's connections to one app, so parallel connections are not
 * counted twice; connections less than SESSION_GAP_MS apart form one session. An observed
 * connection is recorded when it closes, so an app still open right now shows up afterwards.
 */
import { statsSeries, statsSummary, type DeviceTotals, type SeriesRange, type StatsSeries, type Totals, type WindowStats } from '../audit/queries.js';
import type { Db } from '../audit/store.js';
import type { DeviceInfo } from '../devices/types.js';

/** Today's name and person for an address, falling back to what the audit log recorded. */
export type Labeler = (ip: string, recorded?: { name: string | null; person: string | null }) => { name: string | null; person: string | null };

export function labeler(resolve: (ip: string) => DeviceInfo): Labeler {
  return (ip, recorded) => {
    const d = resolve(ip);
    return { name: d.name ?? recorded?.name ?? null, person: d.person ?? recorded?.person ?? null };
  };
}

export const SESSION_GAP_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface PersonTotals extends Totals {
  /** null: devices not assigned to anyone. */
  person: string | null;
  devices: string[];
}

export interface DeviceView extends Omit<DeviceTotals, 'client_name'> {
  name: string | null;
}

export interface WindowView extends Omit<WindowStats, 'devices'> {
  devices: DeviceView[];
  people: PersonTotals[];
}

const TOTAL_KEYS = ['requests', 'prompt_tokens', 'completion_tokens', 'tokens', 'request_bytes', 'response_bytes', 'blocked', 'alerted'] as const;

function zeroTotals(): Totals {
  return { requests: 0, prompt_tokens: 0, completion_tokens: 0, tokens: 0, request_bytes: 0, response_bytes: 0, blocked: 0, alerted: 0 };
}

function windowView(w: WindowStats, label: Labeler): WindowView {
  const devices = w.devices.map(({ client_name, ...d }) => ({ ...d, ...label(d.client_ip, { name: client_name, person: d.person }) }));
  const people = new Map<string | null, PersonTotals>();
  for (const d of devices) {
    let p = people.get(d.person);
    if (!p) people.set(d.person, (p = { person: d.person, devices: [], ...zeroTotals() }));
    p.devices.push(d.client_ip);
    for (const k of TOTAL_KEYS) p[k] += d[k];
  }
  return { ...w, devices, people: [...people.values()].sort((a, b) => b.requests - a.requests || b.tokens - a.tokens) };
}

export interface SeriesView extends Omit<StatsSeries, 'devices'> {
  devices: Record<string, { name: string | null; person: string | null; requests: number[]; tokens: number[] }>;
  /** Keyed by person; devices nobody was assigned to are under "". */
  people: Record<string, { requests: number[]; tokens: number[] }>;
}

function seriesView(s: StatsSeries, label: Labeler): SeriesView {
  const devices: SeriesView['devices'] = {};
  const people: SeriesView['people'] = {};
  for (const [ip, { client_name, person, requests, tokens }] of Object.entries(s.devices)) {
    const l = label(ip, { name: client_name, person });
    devices[ip] = { ...l, requests, tokens };
    const p = (people[l.person ?? ''] ??= { requests: requests.map(() => 0), tokens: tokens.map(() => 0) });
    requests.forEach((n, i) => (p.requests[i]! += n));
    tokens.forEach((n, i) => (p.tokens[i]! += n));
  }
  return { ...s, devices, people };
}

export interface AppUse {
  provider: string;
  /** Time with at least one connection open, ms. */
  time_ms: number;
  sessions: number;
  connections: number;
}

export interface DeviceAppUse extends AppUse {
  client_ip: string;
  name: string | null;
  person: string | null;
}

export interface PersonAppUse {
  person: string | null;
  time_ms: number;
  apps: AppUse[];
}

export interface AppUsage {
  since: number;
  until: number;
  devices: DeviceAppUse[];
  people: PersonAppUse[];
}

/** [client_ip, provider, ts, duration_ms], as raw arrays: half the cost of row objects. */
type ObservedRow = [string, string, number, number | null];

/** Folds one device's connections to one app (sorted by start) into time, sessions and count, clipped to [since, until). */
export function foldConnections(rows: readonly { ts: number; duration_ms: number | null }[], since: number, until: number): Omit<AppUse, 'provider'> {
  let time = 0;
  let sessions = 0;
  let open = -Infinity; // end of the current run of overlapping connections
  let start = 0;
  for (const r of rows) {
    const end = r.ts + Math.max(0, r.duration_ms ?? 0);
    if (r.ts > open + SESSION_GAP_MS) sessions++;
    if (r.ts > open) {
      if (open > -Infinity) time += Math.max(0, Math.min(open, until) - Math.max(start, since));
      start = r.ts;
    }
    open = Math.max(open, end);
  }
  if (open > -Infinity) time += Math.max(0, Math.min(open, until) - Math.max(start, since));
  return { time_ms: time, sessions, connections: rows.length };
}

/** Observe-mode usage per device and app, and per person, for connections started in [since, until). */
export function appUsage(db: Db, since: number, until: number, label: Labeler): AppUsage {
  // In ts order straight off the index (no sort); each (device, app) group stays in ts order.
  const rows = db.prepare(`SELECT client_ip, provider, ts, duration_ms FROM audit_events
    WHERE ts >= ? AND ts < ? AND mode = 'observe' ORDER BY ts`).raw().all(since, until) as ObservedRow[];
  const groups = new Map<string, { ts: number; duration_ms: number | null }[]>();
  for (const [ip, provider, ts, duration_ms] of rows) {
    const key = `${ip}\0${provider}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push({ ts, duration_ms });
  }
  const devices: DeviceAppUse[] = [];
  for (const [key, g] of groups) {
    const [client_ip, provider] = key.split('\0') as [string, string];
    devices.push({ client_ip, ...label(client_ip), provider, ...foldConnections(g, since, until) });
  }
  devices.sort((a, b) => b.time_ms - a.time_ms || b.connections - a.connections);
  const people = new Map<string | null, PersonAppUse>();
  for (const d of devices) {
    let p = people.get(d.person);
    if (!p) people.set(d.person, (p = { person: d.person, time_ms: 0, apps: [] }));
    p.time_ms += d.time_ms;
    let app = p.apps.find((a) => a.provider === d.provider);
    if (!app) p.apps.push((app = { provider: d.provider, time_ms: 0, sessions: 0, connections: 0 }));
    app.time_ms += d.time_ms;
    app.sessions += d.sessions;
    app.connections += d.connections;
  }
  for (const p of people.values()) p.apps.sort((a, b) => b.time_ms - a.time_ms);
  return { since, until, devices, people: [...people.values()].sort((a, b) => b.time_ms - a.time_ms) };
}

export type StatsRange = SeriesRange;

export interface StatsView {
  now: number;
  tz: string;
  range: StatsRange;
  today: WindowView;
  last_24h: WindowView;
  /** By local hour over the last 24 h, or by local day over the last 30 days. */
  series: SeriesView;
  /** Observe-mode app usage over the last 24 hours. */
  apps: AppUsage;
}

/** Everything `/api/stats?range=…` answers: one series per call keeps each call cheap. */
export function statsView(db: Db, now: number, tz: string, label: Labeler, range: StatsRange = '24h'): StatsView {
  const summary = statsSummary(db, now, tz);
  // Every device with app use in the last 24 h is in that window's totals, with its recorded name.
  const recorded = new Map(summary.last_24h.devices.map((d) => [d.client_ip, { name: d.client_name, person: d.person }]));
  return {
    now,
    tz,
    range,
    today: windowView(summary.today, label),
    last_24h: windowView(summary.last_24h, label),
    series: seriesView(statsSeries(db, { range, now, tz }), label),
    apps: appUsage(db, now - DAY_MS, now + 1, (ip) => label(ip, recorded.get(ip))),
  };
}
