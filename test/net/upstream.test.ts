import t, { type Test } from 'tap';
import tls from 'node:tls';
import { UpstreamPool, upstreamTarget, upstreamTrust, type UpstreamConnection, type UpstreamPoolOptions } from '../../lib/net/upstream.js';
import { startRawOrigin, startTcpServer, testPki } from './fixtures.js';

/** An api.openai.com TLS origin; `onSocket` sees each accepted connection. */
const tlsServer = (t: Test, onSocket: (s: tls.TLSSocket) => void = () => {}) => startRawOrigin(t, (s) => onSocket(s));

function options(port: number, extra: Partial<UpstreamPoolOptions> = {}): UpstreamPoolOptions {
  return {
    overrides: { 'api.openai.com': { host: '127.0.0.1', port } },
    secureContext: upstreamTrust(testPki().originCaFile),
    connectTimeoutMs: 2000,
    idleTimeoutMs: 60_000,
    ...extra,
  };
}

const secure = (c: UpstreamConnection) => new Promise<void>((resolve, reject) => {
  if (c.secure) return resolve();
  c.socket.once('secureConnect', () => resolve());
  c.socket.once('error', reject);
});
const closed = (c: UpstreamConnection) => new Promise<void>((r) => (c.socket.destroyed ? r() : c.socket.once('close', () => r())));

t.test('upstreamTarget honours overrides', async (t) => {
  const o = { 'a.example': { host: '10.0.0.1', port: 8443 } };
  t.same(upstreamTarget('a.example', 443, o), { host: '10.0.0.1', port: 8443 });
  t.same(upstreamTarget('b.example', 443, o), { host: 'b.example', port: 443 });
});

t.test('a verified connection is kept alive and reused', async (t) => {
  const srv = await tlsServer(t);
  const pool = new UpstreamPool(options(srv.port));
  t.teardown(() => pool.close());
  const a = pool.acquire('api.openai.com', 443);
  t.equal(a.reused, false);
  await secure(a);
  t.equal(a.socket.alpnProtocol, 'http/1.1');
  t.equal(a.socket.servername, 'api.openai.com');
  pool.release(a);
  t.equal(pool.idleCount, 1);
  const b = pool.acquire('api.openai.com', 443);
  t.equal(b, a, 'same connection');
  t.equal(b.reused, true);
  t.equal(pool.idleCount, 0);
  const other = pool.acquire('api.openai.com', 8443);
  t.not(other, a, 'another port is another pool key');
  other.socket.destroy();
  b.socket.destroy();
});

t.test('idle connections close on timeout, on unexpected bytes, and when the origin closes', async (t) => {
  const servers: tls.TLSSocket[] = [];
  const srv = await tlsServer(t, (s) => servers.push(s));
  const pool = new UpstreamPool(options(srv.port, { idleTimeoutMs: 30 }));
  t.teardown(() => pool.close());
  const timed = pool.acquire('api.openai.com', 443);
  await secure(timed);
  pool.release(timed);
  await closed(timed);
  t.equal(pool.idleCount, 0, 'idle timeout');

  const pool2 = new UpstreamPool(options(srv.port));
  t.teardown(() => pool2.close());
  const chatty = pool2.acquire('api.openai.com', 443);
  await secure(chatty);
  while (servers.length < 2) await new Promise((r) => setImmediate(r));
  pool2.release(chatty);
  servers[1]!.write('HTTP/1.1 408 Request Timeout\r\n\r\n');
  await closed(chatty);
  t.equal(pool2.idleCount, 0, 'bytes on an idle connection');

  const ended = pool2.acquire('api.openai.com', 443);
  await secure(ended);
  while (servers.length < 3) await new Promise((r) => setImmediate(r));
  pool2.release(ended);
  servers[2]!.end();
  await closed(ended);
  t.equal(pool2.idleCount, 0, 'origin closed');
});

t.test('release refuses dead or surplus connections; configure and close drop idle ones', async (t) => {
  const srv = await tlsServer(t);
  const pool = new UpstreamPool(options(srv.port, { maxIdlePerHost: 1 }));
  const a = pool.acquire('api.openai.com', 443);
  const b = pool.acquire('api.openai.com', 443);
  await Promise.all([secure(a), secure(b)]);
  pool.release(a);
  pool.release(b);
  t.equal(pool.idleCount, 1);
  await closed(b);
  t.ok(b.socket.destroyed, 'surplus closed');
  const dead = pool.acquire('api.openai.com', 443);
  t.equal(dead, a);
  dead.socket.destroy();
  pool.release(dead);
  t.equal(pool.idleCount, 0, 'a destroyed connection is not pooled');

  const c = pool.acquire('api.openai.com', 443);
  await secure(c);
  pool.release(c);
  pool.configure(options(srv.port));
  t.equal(pool.idleCount, 0, 'configure drops idle connections');
  await closed(c);

  const d = pool.acquire('api.openai.com', 443);
  await secure(d);
  pool.close();
  pool.release(d);
  t.ok(d.socket.destroyed, 'nothing is pooled after close');
});

t.test('a stale idle connection is skipped at acquire', async (t) => {
  const srv = await tlsServer(t);
  const pool = new UpstreamPool(options(srv.port));
  t.teardown(() => pool.close());
  const a = pool.acquire('api.openai.com', 443);
  await secure(a);
  pool.release(a);
  a.socket.end(); // half-closed by us: unusable, still listed until it closes
  const b = pool.acquire('api.openai.com', 443);
  t.not(b, a);
  b.socket.destroy();
});

t.test('an untrusted certificate and a handshake that never finishes are errors', async (t) => {
  const srv = await tlsServer(t);
  const untrusting = new UpstreamPool({ ...options(srv.port), secureContext: upstreamTrust(null) });
  t.teardown(() => untrusting.close());
  const bad = untrusting.acquire('api.openai.com', 443);
  const err = await new Promise<NodeJS.ErrnoException>((r) => bad.socket.once('error', r));
  t.match(err.code, /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);

  const silentPort = await startTcpServer(t);
  const slow = new UpstreamPool(options(silentPort, { connectTimeoutMs: 50 }));
  t.teardown(() => slow.close());
  const hung = slow.acquire('api.openai.com', 443);
  const timeout = await new Promise<NodeJS.ErrnoException>((r) => hung.socket.once('error', r));
  t.equal(timeout.code, 'ETIMEDOUT');
  t.match(timeout.message, /timed out after 50 ms/);
});
