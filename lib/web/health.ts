/**
 * `GET /health` (SPEC §6): `200 {"status":"healthy","version":"<semver>"}`. Used by the
 * OPNsense plugin and by monitoring; needs no login and reveals nothing else.
 */
import { VERSION } from '../version.js';
import { sendJson, type AdminRouter } from './admin-server.js';

export interface Health {
  status: 'healthy';
  version: string;
}

export function health(): Health {
  return { status: 'healthy', version: VERSION };
}

export function registerHealth(router: AdminRouter): void {
  router.get('/health', (_req, res) => sendJson(res, 200, health()));
}
