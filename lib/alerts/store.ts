/**
 * The `web` alert channel: alerts and their delivery outcomes in the audit DB (tables
 * `alerts` and `alert_deliveries`, migration set "alerts"), read back by the dashboard.
 */
import type { Db, MigrationSet } from '../audit/store.js';
import type { Alert, AlertKind } from './alert.js';
import type { AlertSink, Delivery } from './dispatcher.js';

export const ALERT_MIGRATIONS: MigrationSet = {
  name: 'alerts',
  migrations: [
    (db) => {
      db.exec(`
        CREATE TABLE alerts (
          id INTEGER PRIMARY KEY,
          ts INTEGER NOT NULL,
          kind TEXT NOT NULL,
          severity TEXT NOT NULL,
          title TEXT NOT NULL,
          message TEXT NOT NULL,
          reasons TEXT NOT NULL DEFAULT '[]',
          client_ip TEXT,
          client_name TEXT,
          person TEXT,
          host TEXT,
          provider TEXT,
          event_id INTEGER
        );
        CREATE INDEX alerts_ts ON alerts (ts);
        CREATE INDEX alerts_client ON alerts (client_ip, ts);
        CREATE TABLE alert_deliveries (
          id INTEGER PRIMARY KEY,
          alert_id INTEGER,
          ts INTEGER NOT NULL,
          channel TEXT NOT NULL,
          outcome TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          error TEXT
        );
        CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id);
      `);
    },
  ],
};

interface AlertRow extends Omit<Alert, 'reasons'> {
  reasons: string;
}

export interface StoredDelivery {
  channel: string;
  outcome: string;
  attempts: number;
  error: string | null;
  ts: number;
}

export interface AlertQuery {
  limit?: number;
  /** Keyset cursor: alerts with id below this. */
  before?: number;
  since?: number;
  kind?: AlertKind;
  client_ip?: string;
}

export class AlertStore implements AlertSink {
  private readonly insertStmt;
  private readonly deliveryStmt;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO alerts (ts, kind, severity, title, message, reasons, client_ip, client_name, person, host, provider, event_id)
       VALUES (@ts, @kind, @severity, @title, @message, @reasons, @client_ip, @client_name, @person, @host, @provider, @event_id)`,
    );
    this.deliveryStmt = db.prepare(
      'INSERT INTO alert_deliveries (alert_id, ts, channel, outcome, attempts, error) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  insert(alert: Alert): number {
    const { id: _id, ...row } = alert;
    return Number(this.insertStmt.run({ ...row, reasons: JSON.stringify(alert.reasons) }).lastInsertRowid);
  }

  recordDelivery(d: Delivery): void {
    this.deliveryStmt.run(d.alert.id, this.now(), d.channel, d.outcome, d.attempts, d.error);
  }

  /** Newest first, with each alert's delivery outcomes. */
  list(q: AlertQuery = {}): (Alert & { deliveries: StoredDelivery[] })[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: Math.min(Math.max(q.limit ?? 50, 1), 500) };
    if (q.before !== undefined) (where.push('id < @before'), (params.before = q.before));
    if (q.since !== undefined) (where.push('ts >= @since'), (params.since = q.since));
    if (q.kind !== undefined) (where.push('kind = @kind'), (params.kind = q.kind));
    if (q.client_ip !== undefined) (where.push('client_ip = @client_ip'), (params.client_ip = q.client_ip));
    const rows = this.db
      .prepare(`SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`)
      .all(params) as AlertRow[];
    const deliveries = this.db.prepare(
      'SELECT channel, outcome, attempts, error, ts FROM alert_deliveries WHERE alert_id = ? ORDER BY id',
    );
    return rows.map((r) => ({ ...r, reasons: JSON.parse(r.reasons) as string[], deliveries: deliveries.all(r.id) as StoredDelivery[] }));
  }

  count(since: number): number {
    return (this.db.prepare('SELECT count(*) AS n FROM alerts WHERE ts >= ?').get(since) as { n: number }).n;
  }
}
