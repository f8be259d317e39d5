/**
 * Writes audit rows and keeps the summary tables in step: `audit_hourly` (totals per UTC hour,
 * device and provider) and `audit_clients` (who was seen under which address). The summaries
 * are folded in memory per batch, so a batch of 500 rows costs a few dozen upserts rather than
 * one per row (a per-row trigger measured 4× slower). Runs inside the caller's transaction;
 * the writer is the only code that inserts events.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { AUDIT_COLUMNS, type AuditRow } from './row.js';
import type { Db } from './store.js';

export const HOUR_MS = 3_600_000;

interface HourlyTotals {
  hour: number;
  client_ip: string;
  provider: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  request_bytes: number;
  response_bytes: number;
  blocked: number;
  alerted: number;
}

interface ClientSeen {
  client_ip: string;
  client_mac: string;
  client_name: string;
  person: string;
  first_ts: number;
  last_ts: number;
}

const num = (n: number | null) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);

/** Folds rows into per-(hour, device, provider) totals and distinct client identities. Pure. */
export function summarize(rows: readonly AuditRow[]): { hourly: HourlyTotals[]; clients: ClientSeen[] } {
  const hourly = new Map<string, HourlyTotals>();
  const clients = new Map<string, ClientSeen>();
  for (const r of rows) {
    if (!Number.isFinite(r.ts)) continue;
    const hour = Math.floor(r.ts / HOUR_MS);
    const hk = `${hour}\0${r.client_ip}\0${r.provider}`;
    let h = hourly.get(hk);
    if (!h) {
      h = { hour, client_ip: r.client_ip, provider: r.provider, requests: 0, prompt_tokens: 0, completion_tokens: 0, request_bytes: 0, response_bytes: 0, blocked: 0, alerted: 0 };
      hourly.set(hk, h);
    }
    h.requests++;
    h.prompt_tokens += num(r.prompt_tokens);
    h.completion_tokens += num(r.completion_tokens);
    h.request_bytes += num(r.request_bytes);
    h.response_bytes += num(r.response_bytes);
    if (r.policy_action === 'block') h.blocked++;
    else if (r.policy_action === 'alert') h.alerted++;

    const id = [r.client_ip, r.client_mac ?? '', r.client_name ?? '', r.person ?? ''] as const;
    const ck = id.join('\0');
    const c = clients.get(ck);
    if (!c) clients.set(ck, { client_ip: id[0], client_mac: id[1], client_name: id[2], person: id[3], first_ts: r.ts, last_ts: r.ts });
    else {
      c.first_ts = Math.min(c.first_ts, r.ts);
      c.last_ts = Math.max(c.last_ts, r.ts);
    }
  }
  return { hourly: [...hourly.values()], clients: [...clients.values()] };
}

export class EventInserter {
  readonly #event: BetterSqlite3.Statement;
  readonly #hourly: BetterSqlite3.Statement;
  readonly #client: BetterSqlite3.Statement;

  constructor(db: Db) {
    this.#event = db.prepare(`INSERT INTO audit_events (${AUDIT_COLUMNS.join(', ')}) VALUES (${AUDIT_COLUMNS.map(() => '?').join(', ')})`);
    const sums = ['requests', 'prompt_tokens', 'completion_tokens', 'request_bytes', 'response_bytes', 'blocked', 'alerted'];
    this.#hourly = db.prepare(`INSERT INTO audit_hourly (hour, client_ip, provider, ${sums.join(', ')})
      VALUES (@hour, @client_ip, @provider, ${sums.map((c) => '@' + c).join(', ')})
      ON CONFLICT (hour, client_ip, provider) DO UPDATE SET ${sums.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`);
    this.#client = db.prepare(`INSERT INTO audit_clients (client_ip, client_mac, client_name, person, first_ts, last_ts)
      VALUES (@client_ip, @client_mac, @client_name, @person, @first_ts, @last_ts)
      ON CONFLICT (client_ip, client_mac, client_name, person)
      DO UPDATE SET first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts)`);
  }

  /** Inserts one event and sets its `id`; throws on a value SQLite refuses. */
  insertEvent(row: AuditRow): void {
    const values = new Array<unknown>(AUDIT_COLUMNS.length);
    for (let i = 0; i < AUDIT_COLUMNS.length; i++) values[i] = row[AUDIT_COLUMNS[i]!];
    row.id = Number(this.#event.run(values).lastInsertRowid);
  }

  /** Adds inserted rows to the summary tables. */
  summarizeInto(rows: readonly AuditRow[]): void {
    const { hourly, clients } = summarize(rows);
    for (const h of hourly) this.#hourly.run(h);
    for (const c of clients) this.#client.run(c);
  }
}
