/**
 * Keeps the AI-address table fresh while the gateway runs (wired into `yori start` by
 * lib/gateway.ts). Every `pf.refresh_minutes` it checks whether a redirect to the table is
 * loaded and, only then, re-resolves the AI hostnames and replaces the table.
 *
 * It never throws and never holds the process open. When this process may not use pf at all
 * (no pfctl, or no access to /dev/pf because the daemon runs as an unprivileged user, as on
 * OPNsense), it logs that once and stops: the table is then refreshed by `yori pf refresh`
 * running as root (the OPNsense plugin schedules it through cron).
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { PfctlError, systemPfctl, type Pfctl } from './pfctl.js';
import { systemResolver, type HostResolver } from './resolve.js';
import { redirectLoaded, type LastRefresh } from './status.js';
import { refreshTable } from './table.js';

export interface PfRefresherDeps {
  pfctl?: Pfctl;
  resolver?: HostResolver;
  now?: () => number;
  /** Timer seam for tests; defaults to an unref'd setTimeout. */
  schedule?: (run: () => void, ms: number) => { cancel(): void };
}

export interface PfRefresher {
  stop(): void;
  /** The last refresh this process attempted, or null before the first one. */
  lastRefresh(): LastRefresh | null;
}

function unrefTimer(run: () => void, ms: number): { cancel(): void } {
  const t = setTimeout(run, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
}

export function startPfRefresher(config: Config, logger: Logger, deps: PfRefresherDeps = {}): PfRefresher {
  const pfctl = deps.pfctl ?? systemPfctl();
  const resolver = deps.resolver ?? systemResolver();
  const now = deps.now ?? Date.now;
  const schedule = deps.schedule ?? unrefTimer;
  const intervalMs = config.pf.refresh_minutes * 60_000;
  let last: LastRefresh | null = null;
  let timer: { cancel(): void } | null = null;
  let stopped = false;

  const tick = async (): Promise<void> => {
    timer = null;
    try {
      if (await redirectLoaded(config, pfctl)) {
        const r = await refreshTable(config, { pfctl, resolver, now });
        last = { at: r.at, addresses: r.addresses.length, error: null };
        logger.info({ table: config.pf.table, addresses: r.addresses.length, unresolved: r.failed.map((f) => f.host) }, 'pf table refreshed');
        if (r.stateError) logger.warn({ err: r.stateError }, 'pf table state not saved');
      } else {
        logger.debug({ anchor: config.pf.anchor, table: config.pf.table }, 'pf redirect not loaded; table refresh skipped');
      }
    } catch (e) {
      if (e instanceof PfctlError && e.noAccess) {
        logger.info({ err: e.message }, 'pf is not usable from this process; refresh the table with `yori pf refresh` as root (cron)');
        stopped = true;
        return;
      }
      const message = (e as Error).message;
      last = { at: now(), addresses: last?.addresses ?? 0, error: message };
      logger.warn({ err: message }, 'pf table refresh failed');
    }
    if (!stopped) timer = schedule(() => void tick(), intervalMs);
  };

  timer = schedule(() => void tick(), 0);
  return {
    stop() {
      stopped = true;
      timer?.cancel();
      timer = null;
    },
    lastRefresh: () => last,
  };
}
