/**
 * The dashboard on the admin listener (SPEC §6): the page and its files, the JSON API, the live
 * feed and the CA install portal, registered on the gateway's admin router. The composition
 * root calls `registerDashboard` once with the gateway's router and server; `close()` ends the
 * live feed.
 *
 * Routes (login needed unless noted; see access.ts):
 *   GET  /                       the dashboard page (no login: it holds no data)   /static/*
 *   GET  /api/session            POST /api/login   POST /api/logout               (no login)
 *   GET  /api/stats?range=24h|30d  today, 24 h by hour or 30 d by day, per device/provider/person, app use
 *   GET  /api/events             filters + keyset pages         GET /api/events.csv   same filters
 *   GET  /api/alerts             GET|POST|DELETE /api/devices   GET /api/policies
 *   WS   /api/live               every new event and alert
 *   GET  /ca.pem /ca.der /ca.mobileconfig /install /install/check[.json]           (no login)
 */
import type { Server } from 'node:http';
import type { AlertDispatcher } from '../alerts/dispatcher.js';
import type { AlertStore } from '../alerts/store.js';
import { statsSummary } from '../audit/queries.js';
import type { Db } from '../audit/store.js';
import type { AuditWriter } from '../audit/writer.js';
import type { Config } from '../config/schema.js';
import type { DeviceDirectory } from '../devices/directory.js';
import type { Logger } from '../log.js';
import type { PolicyStatus } from '../policy/policy-set.js';
import type { CertificateAuthority } from '../tls/ca.js';
import { AdminAccess } from './access.js';
import { sendJson, type AdminRouter } from './admin-server.js';
import { alertsResponse } from './alerts.js';
import { configuredPassword } from './auth.js';
import { devicesView, forgetDevice, nameDevice } from './devices.js';
import { eventsResponse, sendEventsCsv } from './events.js';
import { registerInstall } from './install.js';
import { LiveFeed } from './live.js';
import { Query, readJsonBody } from './params.js';
import { registerStatic } from './static.js';
import { labeler, statsView } from './usage.js';

export interface DashboardDeps {
  config: Config;
  /** A connection to audit.db for the dashboard's reads (and device names). */
  db: Db;
  alerts: AlertStore;
  feed: { writer: AuditWriter; dispatcher: AlertDispatcher };
  devices: DeviceDirectory;
  policies: () => PolicyStatus;
  ca: CertificateAuthority;
  logger: Logger;
  now?: () => number;
}

const DAY_MS = 86_400_000;

/**
 * Registers every dashboard route on `router` and the live feed on `server`. Throws (the
 * gateway must not start) when the admin listener is not on loopback and no password is set,
 * or when `admin.password_hash` is malformed.
 */
export function registerDashboard(router: AdminRouter, server: Server, deps: DashboardDeps): { close(): void } {
  const { config, db, devices, logger } = deps;
  const now = deps.now ?? Date.now;
  const tz = config.timezone;
  const access = new AdminAccess({ password: configuredPassword(config.admin), adminHost: config.listen.admin.host, logger });
  const label = labeler((ip) => devices.resolve(ip));
  const noParams = (url: URL) => new Query(url, []);

  access.register(router);
  router.get('/api/stats', access.protect((_req, res, url) => {
    const range = new Query(url, ['range']).oneOf('range', ['24h', '30d'] as const);
    const t = now();
    sendJson(res, 200, { ...statsView(db, t, tz, label, range), alerts: { last_24h: deps.alerts.count(t - DAY_MS) } });
  }));
  router.get('/api/events', access.protect((_req, res, url) => sendJson(res, 200, eventsResponse(db, url, label))));
  router.get('/api/events.csv', access.protect((_req, res, url) => sendEventsCsv(db, url, res, now(), logger)));
  router.get('/api/alerts', access.protect((_req, res, url) => sendJson(res, 200, alertsResponse(deps.alerts, url, label))));
  router.get('/api/devices', access.protect((_req, res, url) => {
    noParams(url);
    sendJson(res, 200, devicesView(db, devices, config.devices, statsSummary(db, now(), tz).last_24h.devices));
  }));
  router.add('POST', '/api/devices', access.protect(async (req, res, url) => {
    noParams(url);
    const named = nameDevice(db, devices, await readJsonBody(req), now());
    logger.info({ device: named.key }, 'admin: device named');
    sendJson(res, 200, named);
  }));
  router.add('DELETE', '/api/devices', access.protect((_req, res, url) => {
    const key = new Query(url, ['key']).string('key', 100) ?? '';
    sendJson(res, 200, { key, removed: forgetDevice(db, devices, key) });
  }));
  router.get('/api/policies', access.protect((_req, res, url) => {
    noParams(url);
    sendJson(res, 200, deps.policies());
  }));

  registerInstall(router, { ca: deps.ca, db, label, now });
  registerStatic(router);
  const live = new LiveFeed({ server, access, sources: deps.feed, label, logger });
  return { close: () => live.close() };
}
