/**
 * The AI-address table: resolve the AI hostnames, merge with what recent refreshes saw, and
 * `pfctl -t <table> -T replace` the result. The state file (<data_dir>/pf-table.json) keeps,
 * per host, when each address was last seen, so that
 * - CDN-rotated addresses that clients may still have cached stay redirected for a while,
 * - a host that fails to resolve once keeps its recent addresses instead of escaping YORI,
 * - `yori pf status` and the OPNsense status page can show the last refresh.
 * A refresh that resolves nothing leaves the table as it was.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isIP } from 'node:net';
import type { Config } from '../config/schema.js';
import { pfctlOk, PfctlError, type Pfctl } from './pfctl.js';
import { resolveHosts, tableHosts, type HostResolver } from './resolve.js';

export const STATE_FILE = 'pf-table.json';

/** An address stays in the table this long after a refresh last saw it (at least). */
const MIN_RETAIN_MS = 60 * 60_000;

export interface TableState {
  /** When the last refresh attempt finished (unix ms). */
  at: number;
  /** Addresses loaded into the table by the last successful refresh. */
  addresses: number;
  /** Why the last attempt failed, or null. */
  error: string | null;
  /** host -> address -> last seen (unix ms). */
  hosts: Record<string, Record<string, number>>;
}

export interface RefreshResult {
  at: number;
  addresses: string[];
  hosts: number;
  /** Hosts that resolved to nothing this time, with the reason (they keep recent addresses). */
  failed: { host: string; error: string }[];
  /** Wildcard patterns that cannot be put in a table. */
  skipped: string[];
  /** What the state file records for this refresh (written unless `persist` is false). */
  state: TableState;
  /** The table was replaced but the state file could not be written (status will lag). */
  stateError: string | null;
}

export interface RefreshDeps {
  pfctl: Pfctl;
  resolver: HostResolver;
  now?: () => number;
  /** False for dry runs: resolve and print, but leave the state file alone. */
  persist?: boolean;
}

export class RefreshError extends Error {
  override name = 'RefreshError';
}

export function statePath(config: Config): string {
  return join(config.data_dir, STATE_FILE);
}

export function retainMs(config: Config): number {
  return Math.max(MIN_RETAIN_MS, 3 * config.pf.refresh_minutes * 60_000);
}

/** Reads the state file; a missing or unreadable file means "no refresh yet". */
export async function readState(path: string): Promise<TableState | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const s = JSON.parse(text) as Partial<TableState>;
    if (typeof s.at !== 'number' || typeof s.hosts !== 'object' || s.hosts === null) return null;
    return { at: s.at, addresses: Number(s.addresses) || 0, error: typeof s.error === 'string' ? s.error : null, hosts: s.hosts };
  } catch {
    return null;
  }
}

/** Writes via a temporary file and rename, so readers never see half a file. */
async function writeState(path: string, dir: string, state: TableState): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(state, null, 1) + '\n', { mode: 0o644 });
  await rename(tmp, path);
}

/**
 * Merges fresh lookups into the previous state: addresses seen now get `now`, older ones stay
 * until `retain` has passed; hosts no longer in the list are dropped.
 */
export function mergeResolved(
  previous: TableState | null,
  resolved: readonly { host: string; addresses: readonly string[] }[],
  now: number,
  retain: number,
): Record<string, Record<string, number>> {
  const hosts: Record<string, Record<string, number>> = {};
  for (const { host, addresses } of resolved) {
    const seen: Record<string, number> = {};
    for (const [addr, at] of Object.entries(previous?.hosts[host] ?? {})) {
      if (now - at <= retain && isIP(addr)) seen[addr] = at;
    }
    for (const addr of addresses) if (isIP(addr)) seen[addr] = now;
    hosts[host] = seen;
  }
  return hosts;
}

/** Unique table entries, IPv4 first, each family in a stable order. */
export function tableEntries(hosts: TableState['hosts']): string[] {
  const all = new Set<string>();
  for (const seen of Object.values(hosts)) for (const addr of Object.keys(seen)) all.add(addr);
  const v4 = [...all].filter((a) => isIP(a) === 4).sort(compareV4);
  const v6 = [...all].filter((a) => isIP(a) === 6).sort();
  return [...v4, ...v6];
}

function compareV4(a: string, b: string): number {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}

/** Resolves the AI hostnames and replaces the table; throws RefreshError or PfctlError. */
export async function refreshTable(config: Config, deps: RefreshDeps): Promise<RefreshResult> {
  const now = deps.now ?? Date.now;
  const persist = deps.persist ?? true;
  const path = statePath(config);
  const { hosts, wildcards } = tableHosts(config);
  const resolved = await resolveHosts(hosts, deps.resolver);
  const previous = await readState(path);
  const at = now();
  const merged = mergeResolved(previous, resolved, at, retainMs(config));
  const entries = tableEntries(merged);
  const failed = resolved.filter((r) => r.error !== null).map((r) => ({ host: r.host, error: r.error! }));

  const save = (state: TableState) => (persist ? saveState(config, state) : Promise.resolve(null));
  // A failed attempt records its error but keeps the previous addresses for the next merge.
  const fail = (message: string) =>
    save({ at, addresses: previous?.addresses ?? 0, error: message, hosts: previous?.hosts ?? {} });
  if (entries.length === 0) {
    const why = failed[0] ? ` (${failed[0].host}: ${failed[0].error})` : '';
    const message = `no AI hostname resolved${why}; the table was left unchanged`;
    await fail(message);
    throw new RefreshError(message);
  }
  try {
    await pfctlOk(deps.pfctl, ['-t', config.pf.table, '-T', 'replace', '-f', '-'], entries.join('\n') + '\n');
  } catch (e) {
    if (e instanceof PfctlError) await fail(e.message);
    throw e;
  }
  const state: TableState = { at, addresses: entries.length, error: null, hosts: merged };
  const stateError = await save(state);
  return { at, addresses: entries, hosts: hosts.length, failed, skipped: wildcards, state, stateError };
}

/** Writes the state file; answers the problem instead of throwing (status lags, pf is unaffected). */
export async function saveState(config: Config, state: TableState): Promise<string | null> {
  const path = statePath(config);
  try {
    await writeState(path, config.data_dir, state);
    return null;
  } catch (e) {
    return `cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
}
