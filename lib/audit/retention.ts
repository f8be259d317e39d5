/**
 * Audit retention (`audit.retention_days`): deletes old events in small batches, yielding to
 * the event loop between them, so no statement holds the write lock for long. The cutoff is
 * rounded down to a whole UTC hour so the hourly summary rows go with exactly their events.
 * Runs hourly on an unref'd timer; afterwards it refreshes the planner's statistics.
 */
import type { Logger } from '../log.js';
import { HOUR_MS } from './insert.js';
import type { Db } from './store.js';

export const DAY_MS = 86_400_000;

export interface PruneOptions {
  /** Rows per DELETE statement. */
  batchRows?: number;
}

/** The oldest instant kept: `now - days`, rounded down to a whole UTC hour. */
export function retentionCutoff(now: number, retentionDays: number): number {
  return Math.floor((now - retentionDays * DAY_MS) / HOUR_MS) * HOUR_MS;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Deletes events (and their summaries) older than `cutoff`; resolves to the number of events deleted. */
export async function pruneBefore(db: Db, cutoff: number, opts: PruneOptions = {}): Promise<number> {
  const batch = opts.batchRows ?? 5_000;
  const deleteEvents = db.prepare(`DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE ts < ? ORDER BY ts LIMIT ?)`);
  let deleted = 0;
  for (;;) {
    const n = deleteEvents.run(cutoff, batch).changes;
    deleted += n;
    if (n < batch) break;
    await yieldToLoop();
  }
  db.prepare('DELETE FROM audit_hourly WHERE hour < ?').run(Math.floor(cutoff / HOUR_MS));
  db.prepare('DELETE FROM audit_clients WHERE last_ts < ?').run(cutoff);
  return deleted;
}

export interface RetentionOptions {
  db: Db;
  retentionDays: number;
  logger: Logger;
  intervalMs?: number;
  batchRows?: number;
  now?: () => number;
}

/** Prunes now and then every `intervalMs` (hourly) until stopped. */
export class Retention {
  readonly #opts: Required<RetentionOptions>;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<number> | null = null;

  constructor(opts: RetentionOptions) {
    this.#opts = { intervalMs: 3_600_000, batchRows: 5_000, now: Date.now, ...opts };
  }

  start(): void {
    if (this.#timer) return;
    void this.run();
    this.#timer = setInterval(() => void this.run(), this.#opts.intervalMs).unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One pass; resolves to the events deleted (0 when it failed: the failure is logged and retried next time). */
  run(): Promise<number> {
    this.#running ??= this.#runOnce().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async #runOnce(): Promise<number> {
    const { db, logger } = this.#opts;
    const cutoff = retentionCutoff(this.#opts.now(), this.#opts.retentionDays);
    try {
      const deleted = await pruneBefore(db, cutoff, { batchRows: this.#opts.batchRows });
      // Keeps the planner's statistics current as the table grows and shrinks (cheap: sampled).
      db.pragma('analysis_limit = 1000');
      db.pragma('optimize = 0x10002');
      if (deleted > 0) logger.info({ deleted, before: new Date(cutoff).toISOString() }, 'audit: retention pruned old events');
      return deleted;
    } catch (e) {
      const err = e as { code?: string; message?: string };
      logger.error({ err: { code: err.code, message: err.message } }, 'audit: retention failed; will retry');
      return 0;
    }
  }
}
