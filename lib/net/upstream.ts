/**
 * Where YORI connects on the client's behalf, and the per-host pool of verified upstream TLS
 * connections used by interception. The certificate of every upstream is verified against the
 * system roots plus `upstream.ca_file`; the trust store is compiled into one SecureContext at
 * start (parsing ~150 roots per connection would dominate a new connection's cost), and the
 * last TLS session per host is kept so that new connections resume instead of full handshakes.
 *
 * `acquire` is synchronous: it returns an idle connection or a connecting one, and the caller
 * may write at once (tls buffers until the handshake is done). Failures arrive as the socket's
 * `error` event, never as exceptions.
 */
import { readFileSync } from 'node:fs';
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import type { HostPort } from '../config/schema.js';

/** `upstream.overrides[host]` if set, else the host itself on `port`. */
export function upstreamTarget(host: string, port: number, overrides: Readonly<Record<string, HostPort>>): HostPort {
  return overrides[host] ?? { host, port };
}

/** The system roots plus the PEM certificates in `caFile` (SPEC §1: always verified). */
export function upstreamTrust(caFile: string | null): SecureContext {
  const ca = [...tls.rootCertificates];
  if (caFile) ca.push(readFileSync(caFile, 'utf8'));
  return tls.createSecureContext({ ca });
}

export interface UpstreamPoolOptions {
  overrides: Readonly<Record<string, HostPort>>;
  secureContext: SecureContext;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  /** Idle connections kept per host; more are closed on release. */
  maxIdlePerHost?: number;
}

/** One upstream TLS connection; lives across exchanges while it is kept alive. */
export class UpstreamConnection {
  /** True when this connection already carried an exchange (a keep-alive reuse). */
  reused = false;
  /** Set once the TLS handshake completed. */
  secure = false;
  /** In the pool, waiting for the next exchange. */
  idle = false;
  constructor(
    readonly key: string,
    readonly socket: TLSSocket,
  ) {}
}

const DEFAULT_MAX_IDLE = 64;

export class UpstreamPool {
  readonly #idle = new Map<string, UpstreamConnection[]>();
  readonly #sessions = new Map<string, Buffer>();
  #opts: UpstreamPoolOptions;
  #closed = false;

  constructor(opts: UpstreamPoolOptions) {
    this.#opts = opts;
  }

  /** Swaps the settings (on reload); idle connections made with the old ones are closed. */
  configure(opts: UpstreamPoolOptions): void {
    this.#opts = opts;
    this.#drainIdle();
    this.#sessions.clear();
  }

  /** A kept-alive connection to `host:port`, or a new one (connecting). */
  acquire(host: string, port: number): UpstreamConnection {
    const key = `${host}:${port}`;
    const idle = this.#idle.get(key);
    while (idle && idle.length > 0) {
      const conn = idle.pop()!;
      const s = conn.socket;
      if (s.destroyed || s.readableEnded || s.writableEnded) continue;
      s.off('data', onIdleData);
      conn.idle = false;
      conn.reused = true;
      return conn;
    }
    return this.#connect(key, host, port);
  }

  /** Returns a connection whose last response was read completely and which stays open. */
  release(conn: UpstreamConnection): void {
    const s = conn.socket;
    if (this.#closed || s.destroyed || s.readableEnded || s.writableEnded || s.readableLength > 0) {
      s.destroy();
      return;
    }
    let idle = this.#idle.get(conn.key);
    if (!idle) this.#idle.set(conn.key, (idle = []));
    if (idle.length >= (this.#opts.maxIdlePerHost ?? DEFAULT_MAX_IDLE)) {
      s.destroy();
      return;
    }
    // An idle HTTP/1.1 server has nothing to say: any byte means the connection is unusable.
    s.on('data', onIdleData);
    s.resume();
    conn.idle = true;
    idle.push(conn);
  }

  /** Number of idle connections (all hosts), for tests and stats. */
  get idleCount(): number {
    let n = 0;
    for (const list of this.#idle.values()) n += list.length;
    return n;
  }

  close(): void {
    this.#closed = true;
    this.#drainIdle();
  }

  #drainIdle(): void {
    for (const list of this.#idle.values()) for (const c of list) c.socket.destroy();
    this.#idle.clear();
  }

  #connect(key: string, host: string, port: number): UpstreamConnection {
    const target = upstreamTarget(host, port, this.#opts.overrides);
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      servername: host,
      secureContext: this.#opts.secureContext,
      ALPNProtocols: ['http/1.1'],
      session: this.#sessions.get(key),
    });
    socket.setNoDelay(true);
    const conn = new UpstreamConnection(key, socket);
    const { connectTimeoutMs, idleTimeoutMs } = this.#opts;
    // One inactivity timer for the connection's whole life (re-arming a socket timer per
    // exchange costs more than the check): before the handshake it is the connect timeout,
    // afterwards it closes the connection only while it sits idle in the pool.
    socket.setTimeout(connectTimeoutMs);
    socket.on('timeout', () => {
      if (!conn.secure) socket.destroy(Object.assign(new Error(`connect to ${host} timed out after ${connectTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
      else if (conn.idle) socket.destroy();
    });
    socket.once('secureConnect', () => {
      conn.secure = true;
      socket.setTimeout(idleTimeoutMs);
    });
    socket.on('session', (session: Buffer) => this.#sessions.set(key, session));
    socket.once('close', () => {
      const idle = this.#idle.get(key);
      const i = idle ? idle.indexOf(conn) : -1;
      if (i >= 0) idle!.splice(i, 1);
    });
    // The exchange attaches its own error handler; this one keeps an idle socket's late error
    // from becoming an uncaught exception.
    socket.on('error', noop);
    return conn;
  }
}

function onIdleData(this: TLSSocket): void {
  this.destroy();
}

function noop(): void {}
