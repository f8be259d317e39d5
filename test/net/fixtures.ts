/**
 * Shared fixtures for the data-path tests: a test PKI (an "internet" CA for fake origins,
 * made in the test, and a gateway CA dir), fake HTTPS origins on 127.0.0.1, a gateway on
 * port 0 pointed at them through `upstream.overrides`, and TLS clients that speak to the
 * gateway with a chosen SNI.
 */
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { defaultConfig, type Config } from '../../lib/config/schema.js';
import { startGateway, type Gateway, type GatewayOptions } from '../../lib/gateway.js';
import type { Exchange, GatewayHooks, ObservedConnection } from '../../lib/hooks.js';
import { createLogger } from '../../lib/log.js';
import { loadOrCreateCA } from '../../lib/tls/ca.js';
import { LeafMinter } from '../../lib/tls/leaf.js';

type Teardown = { teardown(fn: () => unknown): void };

export interface TestPki {
  dir: string;
  /** PEM file of the CA that signed the fake origins' certificates. */
  originCaFile: string;
  /** Where the gateway keeps its CA. */
  gatewayCaDir: string;
  /** Certificate + key for a fake origin serving `host`. */
  originCert(host: string): { cert: string; key: string };
  /** A context signed by a CA nobody trusts. */
  untrustedCert(host: string): { cert: string; key: string };
  /** The gateway CA certificate (exists once a gateway started). */
  gatewayCaPem(): string;
}

let cachedPki: TestPki | null = null;

/** One PKI per test process (key generation is the slow part); removed when the process exits. */
export function testPki(): TestPki {
  if (cachedPki) return cachedPki;
  const dir = mkdtempSync(join(tmpdir(), 'yori-net-'));
  const originCa = loadOrCreateCA(join(dir, 'origin-ca'));
  const originLeaves = new LeafMinter(originCa);
  let rogueLeaves: LeafMinter | null = null; // made on first use: most tests never need it
  const originCaFile = join(dir, 'origin-ca.pem');
  writeFileSync(originCaFile, originCa.certPem);
  const gatewayCaDir = join(dir, 'gateway-ca');
  const pem = (m: LeafMinter, host: string) => {
    const c = m.certificateFor(host);
    return { cert: c.certPem, key: c.keyPem };
  };
  cachedPki = {
    dir,
    originCaFile,
    gatewayCaDir,
    originCert: (host) => pem(originLeaves, host),
    untrustedCert: (host) => pem((rogueLeaves ??= new LeafMinter(loadOrCreateCA(join(dir, 'rogue-ca')))), host),
    gatewayCaPem: () => readFileSync(join(gatewayCaDir, 'yori-ca.pem'), 'utf8'),
  };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return cachedPki;
}

export type OriginHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Origin {
  port: number;
  server: https.Server;
  /** Sockets the origin accepted so far (keep-alive reuse shows as 1). */
  connections: number;
}

/** A fake HTTPS origin (node:https, an HTTP implementation independent of YORI's). */
export async function startOrigin(t: Teardown, handler: OriginHandler, opts: { host?: string; untrusted?: boolean } = {}): Promise<Origin> {
  const pki = testPki();
  const host = opts.host ?? 'api.openai.com';
  const creds = opts.untrusted ? pki.untrustedCert(host) : pki.originCert(host);
  const server = https.createServer({ ...creds, ALPNProtocols: ['http/1.1'] }, handler);
  const origin: Origin = { port: 0, server, connections: 0 };
  server.on('secureConnection', () => origin.connections++);
  origin.port = await listenTracked(t, server);
  return origin;
}

/** Records every hook call, in order. */
export interface Recorder {
  exchanges: Exchange[];
  connections: ObservedConnection[];
  hooks: Partial<GatewayHooks>;
  /** Resolves when `n` exchanges completed. */
  waitExchanges(n: number): Promise<Exchange[]>;
  waitConnections(n: number): Promise<ObservedConnection[]>;
}

export function recorder(extra: Partial<GatewayHooks> = {}): Recorder {
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  const rec: Recorder = {
    exchanges: [],
    connections: [],
    hooks: {
      ...extra,
      exchangeDone(ex) {
        rec.exchanges.push(ex);
        extra.exchangeDone?.(ex);
        wake();
      },
      connectionDone(c) {
        rec.connections.push(c);
        extra.connectionDone?.(c);
        wake();
      },
    },
    waitExchanges: (n) => waitFor(() => rec.exchanges.length >= n, () => rec.exchanges),
    waitConnections: (n) => waitFor(() => rec.connections.length >= n, () => rec.connections),
  };
  function waitFor<T>(done: () => boolean, value: () => T): Promise<T> {
    return new Promise((resolve) => {
      const check = () => (done() ? resolve(value()) : waiters.push(check));
      check();
    });
  }
  return rec;
}

export interface TestGateway extends Gateway {
  port: number;
  config: Config;
}

/** A gateway on 127.0.0.1 port 0 (transparent, admin, and CONNECT proxy) with test trust. */
export async function startTestGateway(
  t: Teardown,
  opts: GatewayOptions & { overrides?: Record<string, number>; configure?: (c: Config) => void } = {},
): Promise<TestGateway> {
  const pki = testPki();
  const config = defaultConfig();
  const dataDir = mkdtempSync(join(pki.dir, 'data-'));
  config.data_dir = dataDir;
  config.ca.dir = pki.gatewayCaDir;
  config.log_level = 'silent';
  config.listen = {
    transparent: { host: '127.0.0.1', port: 0 },
    proxy: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
  };
  config.upstream.ca_file = pki.originCaFile;
  config.upstream.connect_timeout_ms = 2000;
  config.limits.drain_ms = 2000;
  for (const [host, port] of Object.entries(opts.overrides ?? {})) config.upstream.overrides[host] = { host: '127.0.0.1', port };
  opts.configure?.(config);
  const gw = await startGateway(config, { logger: opts.logger ?? createLogger('silent'), ...opts });
  t.teardown(() => gw.close());
  return Object.assign(gw, { port: gw.transparentAddress.port, config });
}

/** A TLS connection to the gateway's transparent port with `servername` as SNI. */
export function connectTls(gw: Pick<TestGateway, 'port'>, servername = 'api.openai.com', extra: tls.ConnectionOptions = {}): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({
      host: '127.0.0.1',
      port: gw.port,
      servername,
      ca: testPki().gatewayCaPem(),
      ALPNProtocols: ['http/1.1'],
      ...extra,
    });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

/** An https.request to the gateway's transparent port as if it were `host`. */
export function gatewayRequest(
  gw: Pick<TestGateway, 'port'>,
  opts: https.RequestOptions & { body?: Buffer | string; host?: string },
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer; res: IncomingMessage }> {
  const host = opts.host ?? 'api.openai.com';
  return new Promise((resolve, reject) => {
    const req = https.request({
      ...opts,
      host: '127.0.0.1',
      port: gw.port,
      servername: host,
      ca: testPki().gatewayCaPem(),
      headers: { host, ...opts.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), res }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A TLS origin that echoes every byte back (for splice tests: the origin's own cert shows). */
export async function startTlsEcho(t: Teardown, host: string): Promise<{ port: number; certPem: string; connections: number }> {
  const creds = testPki().originCert(host);
  const info = { port: 0, certPem: creds.cert, connections: 0 };
  const server = tls.createServer({ ...creds, allowHalfOpen: true }, (s) => {
    info.connections++;
    s.on('error', () => {});
    s.pipe(s);
  });
  info.port = await listenTracked(t, server);
  return info;
}

/** A TLS origin for api.openai.com whose HTTP the test writes by hand, byte for byte. */
export async function startRawOrigin(t: Teardown, onSocket: (s: tls.TLSSocket, index: number) => void): Promise<{ port: number; connections: number }> {
  const creds = testPki().originCert('api.openai.com');
  const info = { port: 0, connections: 0 };
  const server = tls.createServer({ ...creds, ALPNProtocols: ['http/1.1'] }, (s) => {
    s.on('error', () => {});
    onSocket(s, info.connections++);
  });
  info.port = await listenTracked(t, server);
  return info;
}

/** A plain TCP server on 127.0.0.1 (a silent one when `onSocket` does nothing). */
export async function startTcpServer(t: Teardown, onSocket: (s: import('node:net').Socket) => void = () => {}): Promise<number> {
  const server = net.createServer((s) => {
    s.on('error', () => {});
    onSocket(s);
  });
  return listenTracked(t, server);
}

/** Listens on 127.0.0.1:0; teardown closes the server and every connection it accepted. */
async function listenTracked(t: Teardown, server: import('node:net').Server): Promise<number> {
  const open = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of open) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return (server.address() as AddressInfo).port;
}
