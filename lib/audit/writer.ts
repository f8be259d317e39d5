/**
 * The audit writer: the data path's only contact with SQLite. `enqueue` is O(1) and does no
 * I/O; rows are written in batches (one transaction, one prepared statement) every
 * `flushIntervalMs` or as soon as `batchSize` rows wait, on a later tick.
 *
 * Loss window (cf. pino's asynchronous logging notes): a row is durable once its batch
 * committed. `kill -9` loses the rows enqueued since the last commit, at most one flush
 * interval's worth; an OS crash or power loss may also roll back the last few commits
 * (synchronous=NORMAL in WAL mode), never corrupting the file. SIGTERM calls `close()`, which
 * writes everything.
 *
 * A failing disk (full, read-only, locked, missing folder) never reaches the caller: rows stay
 * in a bounded backlog, the batch is retried with exponential backoff on a fresh connection,
 * every failure is counted and logged. When the backlog is full the oldest row is dropped and
 * counted, so `enqueued = written + dropped + rejected + backlog` always holds.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import { BoundedQueue } from './queue.js';
import { EventInserter } from './insert.js';
import type { AuditRow } from './row.js';
import { openAuditDb, type Db, type MigrationSet } from './store.js';

export interface AuditWriterOptions {
  /** The database file (`auditDbPath(config.data_dir)`). */
  path: string;
  logger: Logger;
  /** Rows per transaction, and the backlog size that triggers an early flush. */
  batchSize?: number;
  flushIntervalMs?: number;
  /** Rows kept in memory while the disk fails; beyond it the oldest are dropped. */
  maxBacklog?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /**
   * Lock wait per write. Small on purpose: the writer runs on the event loop, so a long
   * busy wait would stall proxying; a locked DB is retried later instead.
   */
  busyTimeoutMs?: number;
  /** How long `close()` keeps retrying a failing disk before giving the backlog up. */
  closeTimeoutMs?: number;
  migrations?: readonly MigrationSet[];
}

export interface AuditWriterStats {
  enqueued: number;
  written: number;
  /** Batches (or connection attempts) that failed and will be retried. */
  failed_batches: number;
  /** Rows dropped because the backlog was full, or still unwritten when `close()` gave up. */
  dropped: number;
  /** Rows SQLite refused on their own (a bad value), dropped after isolating them. */
  rejected: number;
  backlog: number;
}

/**
 * A timer tick writes at most this many batches, then yields to the event loop: a large
 * backlog (after the disk recovered) drains without stalling proxying.
 */
const BATCHES_PER_TICK = 1;

/** Errors about one row's values rather than the disk: retrying the batch cannot help. */
function isRowError(e: unknown): boolean {
  if (e instanceof TypeError || e instanceof RangeError) return true;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG)/.test(code);
}

export class AuditWriter extends EventEmitter<{ written: [rows: AuditRow[]] }> {
  readonly #opts: Required<Omit<AuditWriterOptions, 'migrations'>> & { migrations: readonly MigrationSet[] };
  readonly #log: Logger;
  readonly #backlog: BoundedQueue<AuditRow>;
  #db: Db | null = null;
  #inserter: EventInserter | null = null;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #retryDelay = 0;
  #closed = false;
  #stats = { enqueued: 0, written: 0, failed_batches: 0, dropped: 0, rejected: 0 };

  constructor(opts: AuditWriterOptions) {
    super();
    this.#opts = {
      batchSize: 500,
      flushIntervalMs: 100,
      maxBacklog: 100_000,
      retryMinMs: 250,
      retryMaxMs: 30_000,
      busyTimeoutMs: 25,
      closeTimeoutMs: 5_000,
      migrations: [],
      ...opts,
    };
    this.#log = opts.logger;
    this.#backlog = new BoundedQueue(this.#opts.maxBacklog);
    // Open now so a bad data_dir shows in the log at start; failure is retried on flush.
    this.#connect();
  }

  /** Queues one row; never throws, never does I/O. */
  enqueue(row: AuditRow): void {
    this.#stats.enqueued++;
    if (this.#closed) {
      this.#stats.dropped++;
      return;
    }
    if (this.#backlog.push(row)) this.#stats.dropped++;
    if (this.#retryDelay > 0) return; // a retry timer is armed
    if (this.#backlog.size >= this.#opts.batchSize) {
      this.#immediate ??= setImmediate(this.#onTick);
    } else {
      this.#timer ??= setTimeout(this.#onTick, this.#opts.flushIntervalMs).unref();
    }
  }

  /** Writes the backlog now (synchronously), batch by batch, until it is empty or a batch fails. */
  flush(): void {
    this.#drain(Infinity);
  }

  /** Writes everything still queued (retrying a failing disk for up to `closeTimeoutMs`), then closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const deadline = Date.now() + this.#opts.closeTimeoutMs;
    let delay = this.#opts.retryMinMs;
    for (;;) {
      this.flush();
      this.#clearTimers();
      if (this.#backlog.size === 0 || Date.now() + delay > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, this.#opts.retryMaxMs);
    }
    const lost = this.#backlog.size;
    if (lost > 0) {
      this.#stats.dropped += lost;
      this.#backlog.drop(lost);
      this.#log.error({ lost }, 'audit: closing with unwritten rows; they are lost');
    }
    this.#disconnect();
  }

  stats(): AuditWriterStats {
    return { ...this.#stats, backlog: this.#backlog.size };
  }

  readonly #onTick = (): void => {
    this.#timer = null;
    this.#immediate = null;
    this.#drain(BATCHES_PER_TICK);
  };

  #drain(maxBatches: number): void {
    this.#clearTimers();
    for (let i = 0; this.#backlog.size > 0; i++) {
      if (i === maxBatches) {
        this.#immediate = setImmediate(this.#onTick);
        return;
      }
      if (!this.#writeBatch()) {
        this.#scheduleRetry();
        return;
      }
    }
  }

  #clearTimers(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  #scheduleRetry(): void {
    this.#retryDelay = this.#retryDelay === 0 ? this.#opts.retryMinMs : Math.min(this.#retryDelay * 2, this.#opts.retryMaxMs);
    if (!this.#closed) this.#timer = setTimeout(this.#onTick, this.#retryDelay).unref();
  }

  #connect(): boolean {
    if (this.#db) return true;
    try {
      const db = openAuditDb(this.#opts.path, { busyTimeoutMs: this.#opts.busyTimeoutMs, migrations: this.#opts.migrations });
      this.#inserter = new EventInserter(db);
      this.#db = db;
      return true;
    } catch (e) {
      this.#failed(e, 'cannot open the audit database');
      return false;
    }
  }

  #disconnect(): void {
    const db = this.#db;
    this.#db = null;
    this.#inserter = null;
    try {
      db?.close();
    } catch {
      // A connection on a failed disk may refuse to close cleanly; it is discarded either way.
    }
  }

  #failed(e: unknown, what: string): void {
    this.#stats.failed_batches++;
    const err = e as { code?: string; message?: string };
    this.#log.error({ err: { code: err.code, message: err.message }, backlog: this.#backlog.size, path: this.#opts.path }, `audit: ${what}; will retry`);
  }

  /** Writes the oldest batch in one transaction; false when it failed and must be retried. */
  #writeBatch(): boolean {
    if (!this.#connect()) return false;
    const inserter = this.#inserter!;
    const batch = this.#backlog.peek(this.#opts.batchSize);
    try {
      this.#db!.transaction(() => {
        for (const row of batch) inserter.insertEvent(row);
        inserter.summarizeInto(batch);
      })();
    } catch (e) {
      for (const row of batch) row.id = null;
      if (isRowError(e)) return this.#writeRowByRow(batch);
      // A connection that failed mid-write may hold stale state (SQLITE_IOERR, a remounted
      // disk); a fresh one on the retry costs little. A lock just waits for the retry.
      const code = (e as { code?: string }).code ?? '';
      if (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') this.#disconnect();
      this.#failed(e, 'batch write failed');
      return false;
    }
    this.#committed(batch, batch);
    return true;
  }

  /** Isolates the rows SQLite refuses after a batch failed on a value; writes the others. */
  #writeRowByRow(batch: AuditRow[]): boolean {
    const inserter = this.#inserter!;
    const written: AuditRow[] = [];
    let rejected = 0;
    try {
      this.#db!.transaction(() => {
        for (const row of batch) {
          try {
            inserter.insertEvent(row);
            written.push(row);
          } catch (e) {
            row.id = null;
            if (!isRowError(e)) throw e;
            rejected++;
            this.#log.error({ err: { message: (e as Error).message }, ts: row.ts, host: row.host }, 'audit: row rejected');
          }
        }
        inserter.summarizeInto(written);
      })();
    } catch (e) {
      for (const row of batch) row.id = null;
      this.#failed(e, 'batch write failed');
      return false;
    }
    this.#stats.rejected += rejected;
    this.#committed(batch, written);
    return true;
  }

  #committed(batch: AuditRow[], written: AuditRow[]): void {
    this.#backlog.drop(batch.length);
    this.#stats.written += written.length;
    this.#retryDelay = 0;
    if (written.length === 0 || this.listenerCount('written') === 0) return;
    try {
      this.emit('written', written);
    } catch (e) {
      // A subscriber's bug must not turn committed rows into a retried batch.
      this.#log.error({ err: { message: (e as Error).message } }, 'audit: a "written" listener threw');
    }
  }
}
