/**
 * The routing stage of the data path (Envoy's filter-chain match): every accepted connection
 * (transparent, or a CONNECT tunnel) is peeked, then goes one of three ways:
 *
 *   not an AI host (or disabled) ──► splice to SNI:port, byte for byte
 *   AI app, observe mode        ──► `connection` hook (no content) ─block─► close
 *                                   └─► splice + one `connectionDone` record
 *   AI API, intercept mode      ──► TLS server + HTTP/1.1 session (lib/net/intercept.ts)
 *
 * Also owns what the lifecycle needs: the set of live connections, and a bounded drain.
 * Settings that a reload may change (host table, overrides, limits) live in one snapshot
 * swapped atomically; a connection keeps the snapshot it started with.
 */
import type { Socket } from 'node:net';
import type { HostPort } from '../config/schema.js';
import { normalizeClientIp } from '../devices/address.js';
import type { Logger } from '../log.js';
import { ALLOW, type Client, type Decision, type GatewayHooks, type ObservedConnection, type Route } from '../hooks.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { peekClientHello, PEEK_DEFAULTS, type PeekOptions } from './peek.js';
import { splice } from './splice.js';
import { upstreamTarget, type UpstreamPool } from './upstream.js';
import { InterceptSession, type InterceptDeps, type LeafContexts } from './intercept.js';
import { isPromise } from './promise.js';

/** What a reload may change; read once per connection. */
export interface DataPathSettings {
  registry: ProviderRegistry;
  overrides: Readonly<Record<string, HostPort>>;
  connectTimeoutMs: number;
  maxBodyBytes: number;
  maxHeaderBytes: number;
}

export interface DataPathDeps {
  hooks: GatewayHooks;
  logger: Logger;
  leaves: LeafContexts;
  pool: UpstreamPool;
  peek?: PeekOptions;
}

/** Where a tunnel (CONNECT) asked to go; null for the transparent listener. */
export interface TunnelTarget {
  host: string;
  port: number;
}

const TLS_PORT = 443;

export class DataPath {
  #settings: DataPathSettings;
  readonly #deps: DataPathDeps;
  /** Spliced, observed and still-peeking client sockets. */
  readonly #tunnels = new Set<Socket>();
  readonly #sessions = new Set<InterceptSession>();
  #draining = false;
  #nextId = 1;

  constructor(settings: DataPathSettings, deps: DataPathDeps) {
    this.#settings = settings;
    this.#deps = deps;
  }

  configure(settings: DataPathSettings): void {
    this.#settings = settings;
  }

  get settings(): DataPathSettings {
    return this.#settings;
  }

  /** Live client connections (intercepted sessions plus tunnels). */
  get connectionCount(): number {
    return this.#sessions.size + this.#tunnels.size;
  }

  /** A connection from the transparent listener: destination is SNI:443. */
  handleTransparent(socket: Socket): void {
    this.#handle(socket, null, this.#settings).catch((err) => this.#failed(socket, err));
  }

  /** A CONNECT tunnel the explicit proxy accepted (the 200 was already sent). */
  handleTunnel(socket: Socket, target: TunnelTarget): void {
    this.#handle(socket, target, this.#settings).catch((err) => this.#failed(socket, err));
  }

  /** A bug on this connection's path: it is closed, the process carries on. */
  #failed(socket: Socket, err: unknown): void {
    this.#deps.logger.error({ err: err instanceof Error ? err.stack : String(err) }, 'connection handling failed; connection closed');
    socket.destroy();
  }

  async #handle(socket: Socket, tunnel: TunnelTarget | null, settings: DataPathSettings): Promise<void> {
    const { logger } = this.#deps;
    const client = clientOf(socket);
    if (this.#draining) {
      socket.destroy();
      return;
    }
    socket.on('error', (err) => logger.debug({ client: client.ip, err: err.message }, 'client socket error'));
    this.#tunnels.add(socket);
    socket.once('close', () => this.#tunnels.delete(socket));

    // A tunnel to a host YORI does not care about needs no peek at all (and may not even be
    // TLS, or may be a server-speaks-first protocol).
    if (tunnel && settings.registry.lookup(tunnel.host) === null) {
      this.#splice(socket, tunnel.host, upstreamTarget(tunnel.host, tunnel.port, settings.overrides), Buffer.alloc(0), client, null, settings);
      return;
    }

    const peek = await peekClientHello(socket, this.#deps.peek ?? PEEK_DEFAULTS);
    const serverName = peek.hello?.serverName ?? null;
    if (peek.outcome !== 'ok' || (serverName === null && tunnel === null)) {
      if (tunnel && peek.outcome === 'malformed') {
        // Not TLS inside the tunnel: the client asked for this host; pass it through untouched.
        this.#splice(socket, tunnel.host, upstreamTarget(tunnel.host, tunnel.port, settings.overrides), peek.bytes, client, null, settings);
        return;
      }
      logger.info({ client: client.ip, outcome: peek.outcome === 'ok' ? 'no_sni' : peek.outcome, reason: peek.reason ?? 'ClientHello without SNI' },
        'closing connection: no routable ClientHello');
      socket.destroy();
      return;
    }

    const host = serverName ?? tunnel!.host;
    const port = tunnel ? tunnel.port : TLS_PORT;
    const route = settings.registry.lookup(host);
    const alpn = peek.hello!.alpn;
    if (route === null || (route.mode === 'intercept' && alpn.length > 0 && !alpn.includes('http/1.1'))) {
      // Not ours, or a client that cannot speak HTTP/1.1 to us (h2-only): never break it.
      const target = upstreamTarget(tunnel ? tunnel.host : host, port, settings.overrides);
      this.#splice(socket, host, target, peek.bytes, client, null, settings);
    } else if (route.mode === 'observe') {
      this.#observe(socket, route, upstreamTarget(host, port, settings.overrides), peek.bytes, client, settings);
    } else {
      this.#tunnels.delete(socket);
      const session = new InterceptSession(socket, peek.bytes, route, port, client, this.#interceptDeps(settings));
      this.#sessions.add(session);
      session.closed.then(() => this.#sessions.delete(session));
    }
  }

  #interceptDeps(settings: DataPathSettings): InterceptDeps {
    return {
      hooks: this.#deps.hooks,
      logger: this.#deps.logger,
      leaves: this.#deps.leaves,
      pool: this.#deps.pool,
      maxBodyBytes: settings.maxBodyBytes,
      maxHeaderBytes: settings.maxHeaderBytes,
      nextExchangeId: () => this.#nextId++,
      draining: () => this.#draining,
    };
  }

  #observe(socket: Socket, route: Route, target: HostPort, replay: Buffer, client: Client, settings: DataPathSettings): void {
    const conn: ObservedConnection = {
      client, route, startedAt: Date.now(), decision: ALLOW, bytesUp: 0, bytesDown: 0, durationMs: null, error: null,
    };
    const decided = (decision: Decision) => {
      conn.decision = decision;
      if (decision.action === 'block') {
        socket.destroy();
        conn.durationMs = Date.now() - conn.startedAt;
        this.#deps.hooks.connectionDone(conn);
        return;
      }
      this.#splice(socket, route.host, target, replay, client, conn, settings);
    };
    const d = this.#deps.hooks.connection(conn);
    if (isPromise(d)) d.then(decided).catch((err) => this.#failed(socket, err));
    else decided(d);
  }

  #splice(socket: Socket, host: string, target: HostPort, replay: Buffer, client: Client, conn: ObservedConnection | null, settings: DataPathSettings): void {
    const { logger, hooks } = this.#deps;
    splice(socket, target, replay, { connectTimeoutMs: settings.connectTimeoutMs }).then((r) => {
      if (r.error) logger.debug({ client: client.ip, host, err: r.error }, 'splice ended with an error');
      if (!conn) return;
      conn.bytesUp = r.bytesUp;
      conn.bytesDown = r.bytesDown;
      conn.durationMs = Date.now() - conn.startedAt;
      conn.error = r.error;
      hooks.connectionDone(conn);
    }).catch((err) => this.#failed(socket, err));
  }

  /**
   * Lifecycle: idle intercepted connections close now, busy ones after their exchange; after
   * all exchanges finished (or `ms` passed) every remaining connection is closed.
   */
  async drain(ms: number): Promise<void> {
    this.#draining = true;
    for (const s of this.#sessions) s.shutdown();
    const deadline = Date.now() + ms;
    while (this.#sessions.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.all([...this.#sessions].map((s) => s.closed)), sleep(deadline - Date.now())]);
    }
    for (const s of this.#sessions) s.destroy();
    for (const s of this.#tunnels) s.destroy();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)).unref());
}

/** The device address as YORI records it (IPv4-mapped IPv6 shown as plain IPv4). */
export function clientOf(socket: Socket): Client {
  return { ip: normalizeClientIp(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 };
}
