/**
 * The composition root of `yori start`: config → logger → audit DB and writer → device
 * directory → alerts → policies → usage counters → addons → data path (startGateway) →
 * dashboard and admin API → audit retention → pf table refresher. Tests start the whole thing with `startYori` on port 0; `runYori` adds
 * the process lifecycle (signals).
 *
 * Shutdown order matters: the data path drains first (so every exchange reaches the audit
 * writer), then the writer flushes, then alerts get a grace period, then the DB closes.
 */
import { existsSync } from 'node:fs';
import { createAddons } from './addons.js';
import { AlertDispatcher } from './alerts/dispatcher.js';
import { channelsFromConfig } from './alerts/channels.js';
import { ALERT_MIGRATIONS, AlertStore } from './alerts/store.js';
import { knownClients, usageSeedRows } from './audit/seed.js';
import { auditDbPath, openAuditDb, type Db } from './audit/store.js';
import { AuditWriter } from './audit/writer.js';
import { Retention } from './audit/retention.js';
import { loadConfig, type LoadedConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { DeviceDirectory } from './devices/directory.js';
import { startGateway, type Gateway, type GatewayOptions } from './gateway.js';
import { createLogger, type Logger } from './log.js';
import { startPfRefresher, type PfRefresher } from './pf/index.js';
import { PolicySet } from './policy/policy-set.js';
import { UsageCounters } from './policy/usage.js';
import { registerDashboard } from './web/dashboard.js';

export interface Yori {
  gateway: Gateway;
  config: Config;
  logger: Logger;
  /** A read connection to audit.db (dashboard, seeding); the writer has its own. */
  db: Db;
  writer: AuditWriter;
  alerts: AlertDispatcher;
  alertStore: AlertStore;
  policies: PolicySet;
  devices: DeviceDirectory;
  usage: UsageCounters;
  /** Applies a re-read config: data-path settings, policy mode/data, policy files. */
  reload(next: Config): Promise<void>;
  close(): Promise<void>;
}

export interface YoriOptions extends Pick<GatewayOptions, 'peek'> {
  logger?: Logger;
  /** The clock for policy input, usage counters and alerts (tests simulate midnight). */
  now?: () => number;
  /** Start the pf table refresher (default: when pfctl exists on this machine). */
  pf?: boolean;
  /** Audit writer flush interval (tests shorten it). */
  flushIntervalMs?: number;
}

export async function startYori(config: Config, opts: YoriOptions = {}): Promise<Yori> {
  const logger = opts.logger ?? createLogger(config.log_level);
  const now = opts.now ?? Date.now;
  const dbPath = auditDbPath(config.data_dir);
  // A short lock wait: this connection runs on the event loop (retention, seeding, dashboard).
  const db = openAuditDb(dbPath, { migrations: [ALERT_MIGRATIONS], busyTimeoutMs: 100 });
  const writer = new AuditWriter({ path: dbPath, logger, migrations: [ALERT_MIGRATIONS], ...(opts.flushIntervalMs ? { flushIntervalMs: opts.flushIntervalMs } : {}) });
  const devices = new DeviceDirectory({ devices: config.devices, leases: config.dhcp.leases, db, logger });
  await devices.start();

  const alertStore = new AlertStore(db, now);
  const alerts = new AlertDispatcher({
    channels: channelsFromConfig(config.alerts, config.timezone),
    sink: config.alerts.web ? alertStore : null,
    logger,
    dedupeMs: config.alerts.dedupe_minutes * 60_000,
    ratePerMinute: config.alerts.rate_per_minute,
    now,
  });
  const policies = new PolicySet({
    dir: config.policy.dir,
    mode: config.policy.mode,
    data: config.policy.data,
    logger,
    now,
    onError: (kind, message) =>
      alerts.raise({
        kind: 'policy_error',
        title: kind === 'load' ? 'A policy file failed to load' : 'A policy failed while evaluating',
        message: `${message}\nTraffic is allowed meanwhile${kind === 'load' ? '; the last good policies stay active' : ''}.`,
      }),
  });
  await policies.load();
  policies.watch();

  const usage = new UsageCounters(config.timezone);
  const t0 = now();
  usage.seed(usageSeedRows(db, usage.seedSince(t0)), t0);
  const hooks = createAddons({ config, devices, policies, usage, writer, alerts, seenClients: knownClients(db), now });

  /** Undoes the steps above when a later one fails (a port in use, a bad admin password). */
  const abandon = async () => {
    policies.close();
    devices.stop();
    await writer.close();
    await alerts.close();
    db.close();
  };
  let gateway: Gateway;
  try {
    gateway = await startGateway(config, { hooks, logger, ...(opts.peek ? { peek: opts.peek } : {}) });
  } catch (e) {
    await abandon();
    throw e;
  }

  let dashboard: { close(): void };
  try {
    dashboard = registerDashboard(gateway.admin, gateway.adminServer, {
      config,
      db,
      alerts: alertStore,
      feed: { writer, dispatcher: alerts },
      devices,
      policies: () => policies.status(),
      ca: gateway.ca,
      logger,
      now,
    });
  } catch (e) {
    await gateway.close();
    await abandon();
    throw e;
  }

  const retention = new Retention({ db, retentionDays: config.audit.retention_days, logger, now });
  retention.start();

  const pfWanted = opts.pf ?? ['/sbin/pfctl', '/usr/sbin/pfctl'].some((p) => existsSync(p));
  const pf: PfRefresher | null = pfWanted ? startPfRefresher(config, logger) : null;

  let current = config;
  const yori: Yori = {
    gateway,
    config,
    logger,
    db,
    writer,
    alerts,
    alertStore,
    policies,
    devices,
    usage,
    async reload(next) {
      gateway.reload(next);
      current = next;
      await policies.reconfigure(next.policy.mode, next.policy.data);
    },
    async close() {
      dashboard.close();
      await gateway.close();
      retention.stop();
      pf?.stop();
      policies.close();
      devices.stop();
      await writer.close();
      await alerts.close();
      db.close();
      logger.info({ audit: writer.stats(), alerts: alerts.stats(), mode: current.policy.mode }, 'yori stopped');
    },
  };
  return yori;
}

/**
 * `yori start`: runs until SIGTERM/SIGINT, then drains, flushes the audit log and returns 0.
 * SIGHUP re-reads the config file and the policies; a bad file is logged and the running
 * configuration kept.
 */
export async function runYori(loaded: LoadedConfig): Promise<number> {
  const yori = await startYori(loaded.config);
  const { logger } = yori;
  const onHup = () => {
    let next: Config;
    try {
      next = loadConfig(loaded.path ?? undefined).config;
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'reload failed; keeping the running configuration');
      return;
    }
    void yori.reload(next).then(() => logger.info('configuration and policies reloaded'));
  };
  process.on('SIGHUP', onHup);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal }, 'stopping: draining in-flight exchanges, flushing the audit log');
  process.off('SIGHUP', onHup);
  await yori.close();
  return 0;
}
