import t from 'tap';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import { Writable } from 'node:stream';
import { guardHooks } from '../../lib/gateway.js';
import { ALLOW, noopHooks, type Exchange, type ObservedConnection } from '../../lib/hooks.js';
import { createLogger } from '../../lib/log.js';
import { sendJson } from '../../lib/web/admin-server.js';
import { VERSION } from '../../lib/version.js';
import { gatewayRequest, recorder, startOrigin, startTestGateway, testPki } from '../net/fixtures.js';

function getJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    }).on('error', reject);
  });
}

/** A logger whose lines the test can read. */
function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: createLogger('debug', sink), lines };
}

t.test('the admin listener serves /health and takes more routes', async (t) => {
  const gw = await startTestGateway(t);
  t.same(await getJson(gw.adminAddress.port, '/health'), { status: 200, body: { status: 'healthy', version: VERSION } });
  gw.admin.get('/api/ping', (_q, res) => sendJson(res, 200, { pong: true }));
  t.same((await getJson(gw.adminAddress.port, '/api/ping')).body, { pong: true });
  t.ok(gw.proxyAddress, 'explicit proxy listening');
});

t.test('guardHooks: throwing and rejecting addons become allow / no-op and are logged', async (t) => {
  const { logger, lines } = memoryLogger();
  const boom = () => {
    throw new Error('addon bug');
  };
  const hooks = guardHooks({
    connection: boom,
    request: () => Promise.reject(new Error('async bug')),
    response: boom,
    exchangeDone: boom,
    connectionDone: boom,
  }, logger);
  const ex = {} as Exchange;
  const conn = {} as ObservedConnection;
  t.same(hooks.connection(conn), ALLOW);
  t.same(await hooks.request(ex), ALLOW);
  t.equal(hooks.response(ex), null);
  t.doesNotThrow(() => hooks.exchangeDone(ex));
  t.doesNotThrow(() => hooks.connectionDone(conn));
  await new Promise((r) => setImmediate(r));
  t.same(lines.filter((l) => l.msg === 'addon hook failed; treated as allow / no-op').map((l) => l.hook),
    ['connection', 'request', 'response', 'exchangeDone', 'connectionDone']);

  const passthrough = guardHooks({ ...noopHooks, request: async () => ({ action: 'block', reasons: ['r'] }) }, logger);
  t.same(await passthrough.request(ex), { action: 'block', reasons: ['r'] });
  const undef = guardHooks({ ...noopHooks, request: () => undefined as never, connection: async () => undefined as never }, logger);
  t.same(undef.request(ex), ALLOW, 'a hook returning nothing allows');
  t.same(await undef.connection(conn), ALLOW);

  let chunks = 0;
  const observed = guardHooks({
    ...noopHooks,
    response: () => ({
      chunk: () => {
        chunks++;
        throw new Error('chunk bug');
      },
      end: () => ({ prompt_tokens: 1, completion_tokens: 1 }),
    }),
  }, logger).response(ex)!;
  observed.chunk(Buffer.from('a'));
  observed.chunk(Buffer.from('b'));
  t.equal(chunks, 1, 'a broken observer is not called again');
  t.same(observed.end(true), { prompt_tokens: null, completion_tokens: null });
  const endBoom = guardHooks({ ...noopHooks, response: () => ({ chunk: () => {}, end: boom }) }, logger).response(ex)!;
  t.same(endBoom.end(true), { prompt_tokens: null, completion_tokens: null });
  const fine = guardHooks({ ...noopHooks, response: () => ({ chunk: () => {}, end: () => ({ prompt_tokens: 5, completion_tokens: 6 }) }) }, logger).response(ex)!;
  t.same(fine.end(true), { prompt_tokens: 5, completion_tokens: 6 });
});

t.test('close() stops accepting, lets the in-flight exchange finish, then runs the closers', async (t) => {
  let finish!: () => void;
  const finishing = new Promise<void>((r) => (finish = r));
  let started!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  const origin = await startOrigin(t, async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: 1\n\n');
    started();
    await finishing;
    res.end('data: 2\n\n');
  });
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const order: string[] = [];
  gw.onClose(() => {
    order.push('closer 1');
    throw new Error('closer failure is logged, not fatal');
  });
  gw.onClose(async () => {
    order.push('closer 2');
  });
  const inflight = gatewayRequest(gw, { path: '/v1/chat/completions', method: 'POST', body: '{}' });
  await startedP;
  const closing = gw.close().then(() => order.push('closed'));
  const refused = await new Promise<string>((resolve) => {
    const s = net.connect(gw.port, '127.0.0.1');
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    s.on('close', () => resolve('closed'));
  });
  t.ok(['ECONNREFUSED', 'ECONNRESET', 'closed'].includes(refused), `new connections are not served (${refused})`);
  order.push('origin finishes');
  finish();
  const res = await inflight;
  t.equal(res.body.toString(), 'data: 1\n\ndata: 2\n\n', 'the in-flight exchange completed');
  await closing;
  t.same(order, ['origin finishes', 'closer 1', 'closer 2', 'closed']);
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.error, null);
  t.equal(gw.connectionCount(), 0);
});

t.test('the drain is bounded: a never-ending exchange is cut after limits.drain_ms', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: forever\n\n');
  });
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port }, configure: (c) => (c.limits.drain_ms = 100) });
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    https.get({ host: '127.0.0.1', port: gw.port, servername: 'api.openai.com', ca: testPki().gatewayCaPem(), headers: { host: 'api.openai.com' } }, resolve).on('error', reject);
  });
  res.on('error', () => {});
  await new Promise((r) => res.once('data', r));
  await gw.close();
  const [ex] = await rec.waitExchanges(1);
  t.match(ex!.error, /closed/, 'recorded as cut short');
  t.equal(gw.connectionCount(), 0);
});

t.test('reload swaps the host table; a failed start releases what it bound', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('ok'));
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port } });
  const before = await gatewayRequest(gw, { path: '/', agent: false });
  t.equal(before.status, 200);
  const next = structuredClone(gw.config);
  next.providers.disabled = ['api.openai.com'];
  gw.reload(next);
  // Spliced now: the client (trusting only the YORI CA) meets the origin's own certificate.
  const err = await gatewayRequest(gw, { path: '/', agent: false }).then(() => null, (e: Error) => e);
  t.ok(err, 'no longer intercepted after reload');

  const clash = await startTestGateway(t, { configure: (c) => (c.listen.admin = { host: '127.0.0.1', port: gw.adminAddress.port }) }).then(
    () => null,
    (e: NodeJS.ErrnoException) => e,
  );
  t.equal(clash?.code, 'EADDRINUSE');
});
