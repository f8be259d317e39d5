/**
 * The composition root: config → logger → CA → leaf minter → provider registry → hooks →
 * data path → listeners (transparent, optional explicit proxy, admin). `yori start` reaches it
 * through lib/app.ts (which adds the addons, audit and signals); tests and benchmarks call
 * `startGateway` directly with port 0 and their own hooks.
 *
 * Addons (providers, policy, audit) arrive as `opts.hooks` (`GatewayHooks`). Every hook is wrapped once
 * by `guardHooks` (mitmproxy's safecall): a throwing or rejecting addon is logged and treated
 * as allow / no-op, so no addon can break a connection, let alone the process.
 *
 * Lifecycle: `close()` stops the listeners, lets in-flight exchanges finish (bounded by
 * `limits.drain_ms`), closes what remains, then runs the registered closers. `reload()` swaps
 * the parts that can change without re-binding sockets (host table, overrides, upstream trust,
 * limits) at once; connections already open keep the settings they started with.
 */
import type { AddressInfo, Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import type { Config } from './config/schema.js';
import { ALLOW, isDeferred, noopHooks, type Decision, type DeferredDecision, type GatewayHooks, type ResponseObserver, type Usage } from './hooks.js';
import { createLogger, type Logger } from './log.js';
import { DataPath, type DataPathSettings } from './net/datapath.js';
import { isPromise } from './net/promise.js';
import { createTransparentServer, listen, stopAccepting } from './net/listeners.js';
import { createProxyServer } from './net/connect.js';
import type { PeekOptions } from './net/peek.js';
import { UpstreamPool, upstreamTrust, type UpstreamPoolOptions } from './net/upstream.js';
import { ProviderRegistry } from './providers/registry.js';
import { loadOrCreateCA, type CertificateAuthority } from './tls/ca.js';
import { LeafMinter } from './tls/leaf.js';
import { AdminRouter, createAdminServer } from './web/admin-server.js';
import { registerHealth } from './web/health.js';

export interface GatewayOptions {
  /** Addons; any hook left out is the no-op default (allow, record nothing). */
  hooks?: Partial<GatewayHooks>;
  logger?: Logger;
  /** ClientHello peek limits (tests shorten the timeout). */
  peek?: PeekOptions;
}

export interface Gateway {
  readonly transparentAddress: AddressInfo;
  readonly proxyAddress: AddressInfo | null;
  readonly adminAddress: AddressInfo;
  /** The local CA the leaf certificates are signed with (the install portal serves it). */
  readonly ca: CertificateAuthority;
  /** The admin HTTP router: the dashboard and API register their routes here. */
  readonly admin: AdminRouter;
  /** The admin http.Server (its `upgrade` event serves the live feed). */
  readonly adminServer: HttpServer;
  readonly logger: Logger;
  /** Live client connections (for stats and tests). */
  connectionCount(): number;
  /** Swaps the reloadable settings for `next` (listeners and the CA stay as they are). */
  reload(next: Config): void;
  /** Runs `fn` after the data path drained, in registration order (audit flush, …). */
  onClose(fn: () => void | Promise<void>): void;
  /** Stop accepting, drain in-flight exchanges (≤ limits.drain_ms), close everything. */
  close(): Promise<void>;
}

const DEFAULT_USAGE: Usage = Object.freeze({ prompt_tokens: null, completion_tokens: null }) as Usage;

/** Wraps every hook so that a throw or a rejection is logged and becomes allow / no-op. */
export function guardHooks(hooks: GatewayHooks, logger: Logger): GatewayHooks {
  const failed = (hook: string, err: unknown) =>
    logger.error({ hook, err: err instanceof Error ? err.message : String(err) }, 'addon hook failed; treated as allow / no-op');
  const guardDeferred = (hook: string, deferred: DeferredDecision): DeferredDecision => ({
    settle() {
      try {
        return deferred.settle() ?? ALLOW;
      } catch (err) {
        failed(hook, err);
        return ALLOW;
      }
    },
  });
  type AnyDecision = Decision | DeferredDecision | Promise<Decision>;
  const decide = <A, R extends AnyDecision>(hook: string, fn: (arg: A) => R) => (arg: A): R => {
    try {
      const d: AnyDecision = fn(arg);
      if (isPromise(d)) {
        return d.then(
          (v) => v ?? ALLOW,
          (err) => {
            failed(hook, err);
            return ALLOW;
          },
        ) as R;
      }
      if (d && isDeferred(d)) return guardDeferred(hook, d) as R;
      return (d ?? ALLOW) as R;
    } catch (err) {
      failed(hook, err);
      return ALLOW as R;
    }
  };
  const notify = <A>(hook: string, fn: (arg: A) => void) => (arg: A): void => {
    try {
      fn(arg);
    } catch (err) {
      failed(hook, err);
    }
  };
  const guardObserver = (observer: ResponseObserver): ResponseObserver => {
    let broken = false;
    return {
      chunk(data) {
        if (broken) return;
        try {
          observer.chunk(data);
        } catch (err) {
          broken = true;
          failed('response.chunk', err);
        }
      },
      end(complete) {
        if (broken) return DEFAULT_USAGE;
        try {
          return observer.end(complete) ?? DEFAULT_USAGE;
        } catch (err) {
          failed('response.end', err);
          return DEFAULT_USAGE;
        }
      },
    };
  };
  return {
    connection: decide('connection', hooks.connection),
    request: decide('request', hooks.request),
    response(ex) {
      try {
        const observer = hooks.response(ex);
        return observer ? guardObserver(observer) : null;
      } catch (err) {
        failed('response', err);
        return null;
      }
    },
    exchangeDone: notify('exchangeDone', hooks.exchangeDone),
    connectionDone: notify('connectionDone', hooks.connectionDone),
  };
}

function dataPathSettings(config: Config): DataPathSettings {
  return {
    registry: new ProviderRegistry(config.providers),
    overrides: config.upstream.overrides,
    connectTimeoutMs: config.upstream.connect_timeout_ms,
    maxBodyBytes: config.limits.max_body_bytes,
    maxHeaderBytes: config.limits.max_header_bytes,
  };
}

function poolOptions(config: Config): UpstreamPoolOptions {
  return {
    overrides: config.upstream.overrides,
    secureContext: upstreamTrust(config.upstream.ca_file),
    connectTimeoutMs: config.upstream.connect_timeout_ms,
    idleTimeoutMs: config.upstream.idle_timeout_ms,
  };
}

export async function startGateway(config: Config, opts: GatewayOptions = {}): Promise<Gateway> {
  const logger = opts.logger ?? createLogger(config.log_level);
  const ca = loadOrCreateCA(config.ca.dir);
  for (const w of ca.warnings) logger.warn({ ca: ca.certPath }, w);
  const leaves = new LeafMinter(ca);
  const hooks = guardHooks({ ...noopHooks, ...opts.hooks }, logger);
  const pool = new UpstreamPool(poolOptions(config));
  const dataPath = new DataPath(dataPathSettings(config), { hooks, logger, leaves, pool, peek: opts.peek });

  const servers: Server[] = [];
  const closers: (() => void | Promise<void>)[] = [];
  const admin = new AdminRouter();
  registerHealth(admin);
  const adminServer = createAdminServer(admin, logger);
  try {
    const transparent = createTransparentServer(dataPath, logger);
    servers.push(transparent);
    const transparentAddress = await listen(transparent, config.listen.transparent);
    let proxyAddress: AddressInfo | null = null;
    if (config.listen.proxy) {
      const proxy = createProxyServer(dataPath, logger);
      servers.push(proxy);
      proxyAddress = await listen(proxy, config.listen.proxy);
    }
    servers.push(adminServer);
    const adminAddress = await listen(adminServer, config.listen.admin);
    logger.info({ transparent: transparentAddress, proxy: proxyAddress, admin: adminAddress, ca: ca.fingerprintSha256 }, 'yori gateway listening');

    let closing: Promise<void> | null = null;
    return {
      transparentAddress,
      proxyAddress,
      adminAddress,
      ca,
      admin,
      adminServer,
      logger,
      connectionCount: () => dataPath.connectionCount,
      reload(next) {
        dataPath.configure(dataPathSettings(next));
        pool.configure(poolOptions(next));
        logger.info('configuration reloaded');
      },
      onClose(fn) {
        closers.push(fn);
      },
      close() {
        closing ??= (async () => {
          for (const s of servers) stopAccepting(s);
          await dataPath.drain(config.limits.drain_ms);
          pool.close();
          adminServer.closeAllConnections();
          for (const fn of closers) {
            try {
              await fn();
            } catch (err) {
              logger.error({ err: (err as Error).message }, 'error while closing');
            }
          }
          logger.info('yori gateway stopped');
        })();
        return closing;
      },
    };
  } catch (err) {
    for (const s of servers) stopAccepting(s);
    pool.close();
    throw err;
  }
}
