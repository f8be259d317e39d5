/** Public surface of lib/pf for the composition root (lib/gateway.ts) and the admin API. */
export { startPfRefresher, type PfRefresher, type PfRefresherDeps } from './refresher.js';
export { readStatus, type PfStatus, type LastRefresh } from './status.js';
