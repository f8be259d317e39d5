import t, { type Test } from 'tap';
import http from 'node:http';
import net from 'node:net';
import { AdminRouter, createAdminServer, sendJson } from '../../lib/web/admin-server.js';
import { health, registerHealth } from '../../lib/web/health.js';
import { createLogger } from '../../lib/log.js';
import { VERSION } from '../../lib/version.js';

async function serve(t: Test, router: AdminRouter) {
  const server = createAdminServer(router, createLogger('silent'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return (server.address() as net.AddressInfo).port;
}

function request(port: number, method: string, path: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http.request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      res.on('error', () => resolve({ status: -1, headers: res.headers, body }));
    }).on('error', reject).end();
  });
}

t.test('GET /health answers the SPEC §6 document', async (t) => {
  const router = new AdminRouter();
  registerHealth(router);
  const port = await serve(t, router);
  const res = await request(port, 'GET', '/health');
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  t.same(JSON.parse(res.body), { status: 'healthy', version: VERSION });
  t.same(health(), { status: 'healthy', version: VERSION });
  t.match(VERSION, /^\d+\.\d+\.\d+/);
  const head = await request(port, 'HEAD', '/health?probe=1');
  t.equal(head.status, 200, 'HEAD is answered by the GET route');
  t.equal(head.body, '');
});

t.test('router: 404, 405 with Allow, prefixes (longest wins), exact beats prefix, errors become 500', async (t) => {
  const router = new AdminRouter();
  router.get('/api/*', (_q, res) => sendJson(res, 200, { route: 'api' }));
  router.get('/api/events/*', (_q, res, url) => sendJson(res, 200, { route: 'events', q: url.searchParams.get('q') }));
  router.get('/api/stats', (_q, res) => sendJson(res, 200, { route: 'stats' }));
  router.add('post', '/api/stats', (_q, res) => sendJson(res, 201, { route: 'stats-post' }));
  router.get('/boom', () => {
    throw new Error('kaput');
  });
  router.get('/late-boom', async (_q, res) => {
    res.writeHead(200);
    res.write('partial');
    throw new Error('after headers');
  });
  t.throws(() => router.get('/api/stats', () => {}), /already registered/);
  const port = await serve(t, router);
  t.same(JSON.parse((await request(port, 'GET', '/api/other')).body), { route: 'api' });
  t.same(JSON.parse((await request(port, 'GET', '/api/events/1?q=x')).body), { route: 'events', q: 'x' });
  t.same(JSON.parse((await request(port, 'GET', '/api/stats')).body), { route: 'stats' });
  const post = await request(port, 'POST', '/api/stats');
  t.equal(post.status, 201);
  const notFound = await request(port, 'GET', '/nope');
  t.equal(notFound.status, 404);
  t.equal(JSON.parse(notFound.body).error.type, 'not_found');
  const wrong = await request(port, 'DELETE', '/api/stats');
  t.equal(wrong.status, 405);
  t.equal(wrong.headers.allow, 'GET, POST');
  const boom = await request(port, 'GET', '/boom');
  t.equal(boom.status, 500);
  t.notMatch(boom.body, /kaput/, 'no internals in the reply');
  const late = await request(port, 'GET', '/late-boom');
  t.equal(late.status, -1, 'a failure after the head cuts the connection');
  t.equal(late.body, 'partial');
});

t.test('malformed requests get 400 and the server keeps serving', async (t) => {
  const router = new AdminRouter();
  registerHealth(router);
  const port = await serve(t, router);
  const raw = (text: string) => new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('close', () => resolve(out));
    s.on('error', () => {});
    s.end(text);
  });
  t.match(await raw('BLAH\r\n\r\n'), /^HTTP\/1\.1 400/);
  t.match(await raw('GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 400/);
  t.equal((await request(port, 'GET', '/health')).status, 200);
});
