/**
 * Which hostnames belong in the pf table, and their A and AAAA addresses. The hostnames come
 * from the provider registry (every host YORI intercepts or observes: observe-mode apps need
 * the redirect too, or they could not be audited). Wildcard entries such as
 * `*.openai.azure.com` name no single host and cannot be resolved; they are reported as
 * skipped, and clients reach them only through the explicit proxy or a `providers.extra`
 * entry naming the exact resource host.
 */
import { Resolver } from 'node:dns/promises';
import type { Config } from '../config/schema.js';
import { ProviderRegistry } from '../providers/registry.js';

/** The two lookups refresh needs; `node:dns/promises` fits it, tests pass a fake. */
export interface HostResolver {
  resolve4(host: string): Promise<string[]>;
  resolve6(host: string): Promise<string[]>;
}

export interface ResolvedHost {
  host: string;
  addresses: string[];
  /** Why nothing resolved (e.g. ENOTFOUND, ETIMEOUT); null when any address came back. */
  error: string | null;
}

/** The system resolver (the router's /etc/resolv.conf), with short timeouts: refresh must not hang. */
export function systemResolver(): HostResolver {
  return new Resolver({ timeout: 3000, tries: 2 });
}

/** AI hostnames for the table, and the wildcard patterns that cannot be resolved. */
export function tableHosts(config: Config): { hosts: string[]; wildcards: string[] } {
  const registry = new ProviderRegistry(config.providers);
  const hosts = new Set<string>();
  const wildcards = new Set<string>();
  for (const { host } of registry.hosts()) {
    if (host.startsWith('*.')) wildcards.add(host);
    // lookup() also applies disabled wildcards to exact names beneath them.
    else if (registry.lookup(host) !== null) hosts.add(host);
  }
  return { hosts: [...hosts].sort(), wildcards: [...wildcards].sort() };
}

/** Resolves every host (A and AAAA), a few at a time; never rejects. */
export async function resolveHosts(hosts: readonly string[], resolver: HostResolver, concurrency = 8): Promise<ResolvedHost[]> {
  const results: ResolvedHost[] = new Array(hosts.length);
  let next = 0;
  const worker = async () => {
    while (next < hosts.length) {
      const i = next++;
      results[i] = await resolveHost(hosts[i]!, resolver);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, hosts.length) }, worker));
  return results;
}

async function resolveHost(host: string, resolver: HostResolver): Promise<ResolvedHost> {
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
  const addresses: string[] = [];
  const errors: string[] = [];
  for (const r of [v4, v6]) {
    if (r.status === 'fulfilled') addresses.push(...r.value);
    else if (!isNoData(r.reason)) errors.push(errorCode(r.reason));
  }
  return { host, addresses, error: addresses.length === 0 && errors.length > 0 ? errors[0]! : null };
}

/** A name without records of one family is normal (many AI hosts have no AAAA). */
function isNoData(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'ENODATA';
}

function errorCode(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ?? err?.message ?? String(e);
}
