/**
 * Per-device usage counters for the policy input (`usage.client`): requests today, requests
 * in the last hour and tokens today. Kept in memory (the request path never touches SQLite),
 * seeded from the audit DB at start, and correct across local midnight in the configured zone.
 *
 * "Requests" counts intercepted requests and observe-mode connections alike, the current one
 * included: the 101st request of the day sees `requests_today == 101`.
 */
import { startOfDay } from '../audit/time.js';

export interface ClientUsage {
  requests_today: number;
  requests_last_hour: number;
  tokens_today: number;
}

const MINUTE = 60_000;
const HOUR_BUCKETS = 60;

interface Counter {
  dayStart: number;
  nextDayStart: number;
  requestsToday: number;
  tokensToday: number;
  /** Requests per minute over the last hour: a ring indexed by minute number. */
  minuteCounts: Uint32Array;
  minuteStamps: Float64Array;
}

export interface SeedRow {
  client: string;
  ts: number;
  tokens: number;
}

export class UsageCounters {
  private readonly counters = new Map<string, Counter>();

  constructor(private readonly tz: string) {}

  /** Adds historical rows (today's and the last hour's) read from the audit DB at start. */
  seed(rows: Iterable<SeedRow>, now: number): void {
    for (const r of rows) {
      const c = this.counter(r.client, now);
      if (r.ts >= c.dayStart && r.ts < c.nextDayStart) {
        c.requestsToday++;
        c.tokensToday += r.tokens;
      }
      if (now - r.ts < HOUR_BUCKETS * MINUTE && r.ts <= now) this.bumpMinute(c, r.ts);
    }
  }

  /** Counts one request (or observed connection) at `now`; returns the client's usage after it. */
  recordRequest(client: string, now: number): ClientUsage {
    const c = this.counter(client, now);
    c.requestsToday++;
    this.bumpMinute(c, now);
    return this.read(c, now);
  }

  /** Adds the tokens of a finished exchange (counted on the day it started). */
  recordTokens(client: string, startedAt: number, tokens: number, now: number): void {
    if (!(tokens > 0)) return;
    const c = this.counter(client, now);
    if (startedAt >= c.dayStart) c.tokensToday += tokens;
  }

  snapshot(client: string, now: number): ClientUsage {
    return this.read(this.counter(client, now), now);
  }

  /** The earliest instant the audit DB must be read from to seed the counters. */
  seedSince(now: number): number {
    return Math.min(startOfDay(now, this.tz), now - HOUR_BUCKETS * MINUTE);
  }

  private counter(client: string, now: number): Counter {
    let c = this.counters.get(client);
    if (!c) {
      c = { dayStart: 0, nextDayStart: 0, requestsToday: 0, tokensToday: 0, minuteCounts: new Uint32Array(HOUR_BUCKETS), minuteStamps: new Float64Array(HOUR_BUCKETS) };
      this.setDay(c, now);
      this.counters.set(client, c);
    } else if (now >= c.nextDayStart || now < c.dayStart) {
      this.setDay(c, now);
      c.requestsToday = 0;
      c.tokensToday = 0;
    }
    return c;
  }

  private setDay(c: Counter, now: number) {
    c.dayStart = startOfDay(now, this.tz);
    // The next local midnight: one day after today's, whatever DST does in between.
    c.nextDayStart = startOfDay(c.dayStart + 36 * 3_600_000, this.tz);
  }

  private bumpMinute(c: Counter, ts: number) {
    const minute = Math.floor(ts / MINUTE);
    const slot = minute % HOUR_BUCKETS;
    if (c.minuteStamps[slot] !== minute) {
      c.minuteStamps[slot] = minute;
      c.minuteCounts[slot] = 0;
    }
    c.minuteCounts[slot]!++;
  }

  private read(c: Counter, now: number): ClientUsage {
    const current = Math.floor(now / MINUTE);
    let lastHour = 0;
    for (let i = 0; i < HOUR_BUCKETS; i++) {
      const age = current - c.minuteStamps[i]!;
      if (age >= 0 && age < HOUR_BUCKETS) lastHour += c.minuteCounts[i]!;
    }
    return { requests_today: c.requestsToday, requests_last_hour: lastHour, tokens_today: c.tokensToday };
  }
}
