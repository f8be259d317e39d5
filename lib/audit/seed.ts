/**
 * What the request path needs from history at start: recent rows for the usage counters and
 * the addresses that have used AI before (for "new device" alerts). Read once, at start.
 */
import type { SeedRow } from '../policy/usage.js';
import type { Db } from './store.js';

/** Rows since `since`, keyed like the usage counters (MAC when known, else address). */
export function usageSeedRows(db: Db, since: number): SeedRow[] {
  return db
    .prepare(
      `SELECT coalesce(client_mac, client_ip) AS client, ts,
              coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0) AS tokens
       FROM audit_events WHERE ts >= ?`,
    )
    .all(since) as SeedRow[];
}

/** From the small `audit_clients` table: no scan of the events at start. */
export function knownClients(db: Db): Set<string> {
  return new Set(db.prepare('SELECT DISTINCT client_ip FROM audit_clients').pluck().all() as string[]);
}
