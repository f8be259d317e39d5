/**
 * The audit database (SPEC §4): `<data_dir>/audit.db`, SQLite in WAL mode. Opens a connection,
 * sets the pragmas every YORI connection uses, and brings the schema up to date.
 *
 * Migrations are ordered lists of functions, one list per module ("migration set"). A set's
 * version is how many of its migrations have run: the audit set's version is `PRAGMA
 * user_version` (so `sqlite3 audit.db 'PRAGMA user_version'` shows it); any other module's is
 * a row in `schema_versions`. Another module (alerts, say) owns its tables by defining
 *
 *     export const ALERT_MIGRATIONS: MigrationSet = { name: 'alerts', migrations: [(db) => …] };
 *
 * and passing it to `openAuditDb(path, { migrations: [ALERT_MIGRATIONS] })` or calling
 * `migrate(db, ALERT_MIGRATIONS)` on an open connection. Each migration runs in its own
 * transaction together with the version bump, so a crash never leaves half a migration, and
 * re-running `migrate` is a no-op. Append to a list; never edit or reorder a shipped entry.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;
export type Migration = (db: Db) => void;

export interface MigrationSet {
  /** Unique per module; `audit` is this module's own set. */
  name: string;
  migrations: readonly Migration[];
}

export const AUDIT_DB_FILE = 'audit.db';

/** Default wait for a lock held by another connection (CLI, dashboard). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export function auditDbPath(dataDir: string): string {
  return join(dataDir, AUDIT_DB_FILE);
}

const AUDIT_MIGRATIONS: MigrationSet = {
  name: 'audit',
  migrations: [
    (db) => {
      db.exec(`
        CREATE TABLE audit_events (
          id INTEGER PRIMARY KEY,
          ts INTEGER NOT NULL,
          client_ip TEXT NOT NULL,
          client_name TEXT,
          person TEXT,
          mode TEXT NOT NULL,
          host TEXT NOT NULL,
          provider TEXT NOT NULL,
          method TEXT,
          path TEXT,
          model TEXT,
          stream INTEGER NOT NULL DEFAULT 0,
          status INTEGER,
          request_bytes INTEGER NOT NULL DEFAULT 0,
          response_bytes INTEGER NOT NULL DEFAULT 0,
          prompt_tokens INTEGER,
          completion_tokens INTEGER,
          duration_ms INTEGER,
          ttfb_ms INTEGER,
          policy_action TEXT NOT NULL,
          policy_reasons TEXT NOT NULL DEFAULT '[]',
          prompt_preview TEXT,
          client_mac TEXT,
          kind TEXT,
          messages INTEGER,
          attachments INTEGER,
          body_truncated INTEGER NOT NULL DEFAULT 0,
          upgrade TEXT,
          error TEXT
        );
        CREATE INDEX audit_events_ts ON audit_events (ts);
        CREATE INDEX audit_events_client ON audit_events (client_ip, ts);
        CREATE INDEX audit_events_provider ON audit_events (provider, ts);
        CREATE INDEX audit_events_action ON audit_events (policy_action, ts);
        -- Per UTC hour, device and provider: what the stats read instead of scanning events.
        -- Written by AuditWriter in the events' transaction; pruned with them by retention.
        CREATE TABLE audit_hourly (
          hour INTEGER NOT NULL,
          client_ip TEXT NOT NULL,
          provider TEXT NOT NULL,
          requests INTEGER NOT NULL,
          prompt_tokens INTEGER NOT NULL,
          completion_tokens INTEGER NOT NULL,
          request_bytes INTEGER NOT NULL,
          response_bytes INTEGER NOT NULL,
          blocked INTEGER NOT NULL,
          alerted INTEGER NOT NULL,
          PRIMARY KEY (hour, client_ip, provider)
        ) WITHOUT ROWID;
        -- Every (address, mac, name, person) seen in events ('' for none): resolves a device
        -- name, MAC or person filter to addresses, and names devices in the stats.
        CREATE TABLE audit_clients (
          client_ip TEXT NOT NULL,
          client_mac TEXT NOT NULL,
          client_name TEXT NOT NULL,
          person TEXT NOT NULL,
          first_ts INTEGER NOT NULL,
          last_ts INTEGER NOT NULL,
          PRIMARY KEY (client_ip, client_mac, client_name, person)
        ) WITHOUT ROWID;
        -- Names given in the dashboard (key: IP or MAC, see normalizeDeviceKey).
        CREATE TABLE devices (
          key TEXT PRIMARY KEY,
          name TEXT,
          person TEXT,
          updated_ts INTEGER NOT NULL
        );
        CREATE TABLE schema_versions (
          name TEXT PRIMARY KEY,
          version INTEGER NOT NULL
        );
      `);
    },
  ],
};

function readVersion(db: Db, name: string): number {
  if (name === AUDIT_MIGRATIONS.name) return db.pragma('user_version', { simple: true }) as number;
  const row = db.prepare('SELECT version FROM schema_versions WHERE name = ?').get(name) as { version: number } | undefined;
  return row?.version ?? 0;
}

function writeVersion(db: Db, name: string, version: number): void {
  if (name === AUDIT_MIGRATIONS.name) {
    db.pragma(`user_version = ${version}`);
  } else {
    db.prepare('INSERT INTO schema_versions (name, version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version')
      .run(name, version);
  }
}

/**
 * Runs the migrations of `set` that have not run yet; returns the set's version. Other sets
 * need the audit set first (their version lives in its `schema_versions` table).
 */
export function migrate(db: Db, set: MigrationSet): number {
  const step = db.transaction((i: number) => {
    // Re-read inside the write transaction: another process may have migrated meanwhile.
    if (readVersion(db, set.name) !== i) return;
    set.migrations[i]!(db);
    writeVersion(db, set.name, i + 1);
  });
  let version = readVersion(db, set.name);
  if (version > set.migrations.length) {
    throw new Error(`audit.db: schema "${set.name}" is at version ${version}, newer than this YORI (${set.migrations.length}); upgrade YORI`);
  }
  for (; version < set.migrations.length; version = readVersion(db, set.name)) step.immediate(version);
  return version;
}

export interface OpenOptions {
  /** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Other modules' migration sets, run after the audit set. */
  migrations?: readonly MigrationSet[];
}

/**
 * Opens (creating the folder and file if needed) and migrates the audit DB at `path`
 * (`:memory:` works too). Throws when the folder or file cannot be created or opened.
 */
export function openAuditDb(path: string, opts: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS))}`);
    db.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives a process crash (kill -9); only an OS crash or power
    // loss may roll back the last commits, never corrupt the file.
    db.pragma('synchronous = NORMAL');
    // A burst (or a long reader) can grow the WAL; give the space back after the checkpoint.
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    migrate(db, AUDIT_MIGRATIONS);
    for (const set of opts.migrations ?? []) migrate(db, set);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}
