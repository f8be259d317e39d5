import t from 'tap';
import https from 'node:https';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { connectTls, gatewayRequest, recorder, startOrigin, startTestGateway, testPki } from './fixtures.js';
import { readBody as collect, readUntil } from './io.js';

t.test('JSON round trip through the transparent port: bodies byte-identical, one exchange recorded', async (t) => {
  let seen: { method: string; url: string; headers: IncomingMessage['headers']; body: Buffer } | null = null;
  const reply = Buffer.from(JSON.stringify({ id: 'chatcmpl-1', choices: [{ message: { content: 'héllo ✓' } }], usage: { prompt_tokens: 3 } }));
  const origin = await startOrigin(t, async (req, res) => {
    seen = { method: req.method!, url: req.url!, headers: req.headers, body: await collect(req) };
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(reply.length), 'x-origin': 'fake' });
    res.end(reply);
  });
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const body = Buffer.from(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi ✓' }] }));
  const res = await gatewayRequest(gw, {
    method: 'POST',
    path: '/v1/chat/completions?x=1',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', 'content-length': String(body.length) },
    body,
  });
  t.equal(res.status, 200);
  t.ok(res.body.equals(reply), 'response body byte-identical');
  t.equal(res.headers['x-origin'], 'fake');
  t.equal(seen!.method, 'POST');
  t.equal(seen!.url, '/v1/chat/completions?x=1');
  t.ok(seen!.body.equals(body), 'request body byte-identical');
  t.equal(seen!.headers.host, 'api.openai.com', 'Host kept');
  t.equal(seen!.headers.authorization, 'Bearer sk-test', 'end-to-end headers forwarded');
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.route.host, 'api.openai.com');
  t.equal(ex!.route.provider, 'openai');
  t.equal(ex!.method, 'POST');
  t.equal(ex!.path, '/v1/chat/completions?x=1');
  t.equal(ex!.status, 200);
  t.ok(ex!.requestBody.equals(body));
  t.equal(ex!.requestBytes, body.length);
  t.equal(ex!.responseBytes, reply.length);
  t.equal(ex!.bodyTruncated, false);
  t.equal(ex!.error, null);
  t.equal(ex!.streamed, false);
  t.equal(ex!.client.ip, '127.0.0.1');
  t.type(ex!.ttfbMs, 'number');
  t.type(ex!.durationMs, 'number');
});

t.test('keep-alive: several requests reuse one client and one upstream connection', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    req.resume();
    req.on('end', () => res.end(`path=${req.url}`));
  });
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const clientSockets = new Set<unknown>();
  for (let i = 0; i < 5; i++) {
    const res = await gatewayRequest(gw, { path: `/v1/models/${i}`, agent });
    t.equal(res.body.toString(), `path=/v1/models/${i}`);
    clientSockets.add(res.res.socket);
  }
  t.equal(clientSockets.size, 1, 'one client connection');
  t.equal(origin.connections, 1, 'one upstream connection');
  await rec.waitExchanges(5);
  t.equal(gw.connectionCount(), 1);
});

t.test('10 MB bodies both ways stream through intact', async (t) => {
  const size = 10 * 1024 * 1024;
  const up = Buffer.alloc(size);
  for (let i = 0; i < size; i++) up[i] = (i * 7 + 3) & 0xff;
  const down = Buffer.alloc(size);
  for (let i = 0; i < size; i++) down[i] = (i * 13 + 1) & 0xff;
  let upstreamDigest = '';
  const origin = await startOrigin(t, async (req, res) => {
    upstreamDigest = createHash('sha256').update(await collect(req)).digest('hex');
    res.writeHead(200, { 'content-length': String(down.length) });
    // Written in pieces so the gateway relays while the origin still sends.
    for (let i = 0; i < down.length; i += 1 << 20) res.write(down.subarray(i, i + (1 << 20)));
    res.end();
  });
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const res = await gatewayRequest(gw, { method: 'POST', path: '/v1/files', body: up, headers: { 'content-length': String(size) } });
  t.equal(res.status, 200);
  t.equal(upstreamDigest, createHash('sha256').update(up).digest('hex'), 'request body intact');
  t.ok(res.body.equals(down), 'response body intact');
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.requestBytes, size);
  t.equal(ex!.responseBytes, size);
});

t.test('a chunked request is read whole and forwarded with Content-Length', async (t) => {
  let got: { headers: IncomingMessage['headers']; body: string } | null = null;
  const origin = await startOrigin(t, async (req, res) => {
    got = { headers: req.headers, body: (await collect(req)).toString() };
    res.end('ok');
  });
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const s = await connectTls(gw);
  s.write('POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\nTransfer-Encoding: chunked\r\n\r\n');
  s.write('5\r\nhello\r\n');
  s.write('7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n');
  const reply = await readUntil(s, (b) => b.includes('\r\n\r\nok'));
  t.match(reply.toString(), /^HTTP\/1\.1 200 OK\r\n/);
  t.equal(got!.body, 'hello, world');
  t.equal(got!.headers['content-length'], '12');
  t.notOk(got!.headers['transfer-encoding']);
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.requestBody.toString(), 'hello, world');
  s.destroy();
});

t.test('pipelined requests are answered in order', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    // The first request is answered last by the origin's clock; order must still hold.
    const delay = req.url === '/1' ? 30 : 0;
    setTimeout(() => res.end(`body${req.url}`), delay);
  });
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port } });
  const s = await connectTls(gw);
  const one = (p: string) => `GET ${p} HTTP/1.1\r\nHost: api.openai.com\r\n\r\n`;
  s.write(one('/1') + one('/2') + one('/3'));
  const all = await readUntil(s, (b) => b.includes('body/3'));
  const text = all.toString();
  t.ok(text.indexOf('body/1') < text.indexOf('body/2') && text.indexOf('body/2') < text.indexOf('body/3'), 'in request order');
  s.destroy();
});

t.test('Expect: 100-continue is answered by YORI before the body', async (t) => {
  let sawExpect: string | undefined = 'unset';
  const origin = await startOrigin(t, async (req, res) => {
    sawExpect = req.headers.expect;
    res.end((await collect(req)).toString().toUpperCase());
  });
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port } });
  const s = await connectTls(gw);
  s.write('POST /v1/x HTTP/1.1\r\nHost: api.openai.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
  const interim = await readUntil(s, (b) => b.includes('\r\n\r\n'));
  t.equal(interim.toString(), 'HTTP/1.1 100 Continue\r\n\r\n');
  s.write('abcde');
  const final = await readUntil(s, (b) => b.includes('ABCDE'));
  t.match(final.toString(), /^HTTP\/1\.1 200 OK/);
  t.equal(sawExpect, undefined, 'Expect not forwarded');
  s.destroy();
});

t.test('HEAD, 204 and 304 responses carry no body and the connection stays usable', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    if (req.url === '/head') {
      res.writeHead(200, { 'content-length': '1234', 'content-type': 'text/plain' });
      res.end();
    } else if (req.url === '/204') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(304, { etag: '"x"' });
      res.end();
    }
  });
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port } });
  const s = await connectTls(gw);
  s.write('HEAD /head HTTP/1.1\r\nHost: api.openai.com\r\n\r\n');
  const head = await readUntil(s, (b) => b.includes('\r\n\r\n'));
  t.match(head.toString(), /content-length: 1234/i);
  s.write('GET /204 HTTP/1.1\r\nHost: api.openai.com\r\n\r\n');
  const r204 = await readUntil(s, (b) => b.includes('\r\n\r\n'));
  t.match(r204.toString(), /^HTTP\/1\.1 204/);
  s.write('GET /304 HTTP/1.1\r\nHost: api.openai.com\r\n\r\n');
  const r304 = await readUntil(s, (b) => b.includes('\r\n\r\n'));
  t.match(r304.toString(), /^HTTP\/1\.1 304/);
  t.notMatch(r304.toString(), /transfer-encoding/i);
  s.destroy();
});

t.test('Connection: close from the client closes after the response', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('bye'));
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port } });
  const s = await connectTls(gw);
  s.write('GET / HTTP/1.1\r\nHost: api.openai.com\r\nConnection: close\r\n\r\n');
  const all = await readUntil(s, () => false);
  t.match(all.toString(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*connection: close\r\n[\s\S]*\r\nbye$/i);
});

t.test('an upstream with an untrusted certificate gives 502 JSON and nothing is retried', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('should not be seen'), { untrusted: true });
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const res = await gatewayRequest(gw, { path: '/v1/models' });
  t.equal(res.status, 502);
  t.equal(res.headers['content-type'], 'application/json');
  const body = JSON.parse(res.body.toString());
  t.equal(body.error.type, 'upstream_error');
  t.match(body.error.message, /certificate/);
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.status, 502);
  t.match(ex!.error, /certificate/);
});

t.test('client framing errors: 400/431 JSON, connection closed, nothing forwarded', async (t) => {
  let hits = 0;
  const origin = await startOrigin(t, (_req, res) => {
    hits++;
    res.end('x');
  });
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port }, configure: (c) => (c.limits.max_header_bytes = 4096) });
  const cases: [string, number][] = [
    ['POST / HTTP/1.1\r\nHost: api.openai.com\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello', 400],
    ['GET / HTTP/1.1\r\nHost : api.openai.com\r\n\r\n', 400],
    [`GET / HTTP/1.1\r\nHost: api.openai.com\r\nX-Big: ${'a'.repeat(5000)}\r\n\r\n`, 431],
    ['POST / HTTP/1.1\r\nHost: api.openai.com\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
  ];
  for (const [raw, status] of cases) {
    const s = await connectTls(gw);
    s.write(raw);
    const all = (await readUntil(s, () => false)).toString();
    t.match(all, new RegExp(`^HTTP/1\\.1 ${status} `), `status ${status}`);
    t.match(all, /"type":"invalid_request"/);
  }
  t.equal(hits, 0, 'nothing reached the origin');
  const ok = await gatewayRequest(gw, { path: '/' });
  t.equal(ok.status, 200, 'the gateway keeps serving');
});

t.test('the policy hook sees the body before upstream; block gives 403 and never contacts upstream', async (t) => {
  let hits = 0;
  const origin = await startOrigin(t, (_req, res) => {
    hits++;
    res.end('x');
  });
  const rec = recorder({
    request: (ex) => (ex.requestBody.includes('forbidden') ? { action: 'block', reasons: ['no forbidden words', 'bedtime'] } : { action: 'allow', reasons: [] }),
  });
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const blocked = await gatewayRequest(gw, { method: 'POST', path: '/v1/chat/completions', body: 'a forbidden prompt', agent });
  t.equal(blocked.status, 403);
  t.same(JSON.parse(blocked.body.toString()), { error: { type: 'policy_blocked', message: 'no forbidden words; bedtime' } });
  t.equal(hits, 0);
  const allowed = await gatewayRequest(gw, { method: 'POST', path: '/v1/chat/completions', body: 'a fine prompt', agent });
  t.equal(allowed.status, 200, 'same connection keeps working after a block');
  t.equal(hits, 1);
  const exs = await rec.waitExchanges(2);
  t.equal(exs[0]!.decision.action, 'block');
  t.equal(exs[0]!.status, 403);
});

t.test('an async hook is awaited; a throwing hook is treated as allow', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('ok'));
  let calls = 0;
  const gw = await startTestGateway(t, {
    overrides: { 'api.openai.com': origin.port },
    hooks: {
      request: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
        if (calls === 2) throw new Error('addon bug');
        return { action: 'block', reasons: ['async says no'] };
      },
      response: () => {
        throw new Error('observer bug');
      },
    },
  });
  const first = await gatewayRequest(gw, { path: '/' });
  t.equal(first.status, 403);
  const second = await gatewayRequest(gw, { path: '/' });
  t.equal(second.status, 200, 'a rejecting hook allows');
  t.equal(second.body.toString(), 'ok');
});

t.test('a deferred decision: the request goes upstream at once, settle runs after the response, before exchangeDone', async (t) => {
  const order: string[] = [];
  const origin = await startOrigin(t, (req, res) => {
    order.push('origin');
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  let settles = 0;
  const rec = recorder({
    request: () => ({
      settle: () => {
        order.push('settle');
        if (++settles === 2) throw new Error('settle bug');
        return { action: 'alert', reasons: ['bedtime'] };
      },
    }),
    exchangeDone: (ex) => order.push(`done:${ex.decision.action}`),
  });
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port }, hooks: rec.hooks });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const first = await gatewayRequest(gw, { method: 'POST', path: '/v1/chat/completions', body: '{"model":"m"}', agent });
  t.equal(first.status, 200);
  t.equal(first.body.toString(), 'ok');
  const second = await gatewayRequest(gw, { method: 'POST', path: '/v1/chat/completions', body: '{}', agent });
  t.equal(second.status, 200, 'a throwing settle allows');
  const exs = await rec.waitExchanges(2);
  t.same(order, ['origin', 'settle', 'done:alert', 'origin', 'settle', 'done:allow']);
  t.same(exs[0]!.decision, { action: 'alert', reasons: ['bedtime'] });
});

t.test('bodies over limits.max_body_bytes: hook sees the prefix with bodyTruncated, body streams whole', async (t) => {
  const size = 300 * 1024;
  const big = Buffer.alloc(size, 'x');
  let upstreamGot = 0;
  const origin = await startOrigin(t, async (req, res) => {
    upstreamGot = (await collect(req)).length;
    res.end('done');
  });
  let seenPrefix = -1;
  let seenTruncated = false;
  const rec = recorder({
    request: (ex) => {
      seenPrefix = ex.requestBody.length;
      seenTruncated = ex.bodyTruncated;
      return { action: 'allow', reasons: [] };
    },
  });
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port }, configure: (c) => (c.limits.max_body_bytes = 64 * 1024) });
  const res = await gatewayRequest(gw, { method: 'POST', path: '/v1/files', body: big, headers: { 'content-length': String(size) } });
  t.equal(res.status, 200);
  t.equal(upstreamGot, size);
  t.equal(seenPrefix, 64 * 1024);
  t.equal(seenTruncated, true);
  // Chunked request over the cap streams as chunked.
  const s = await connectTls(gw);
  s.write('POST /v1/files HTTP/1.1\r\nHost: api.openai.com\r\nTransfer-Encoding: chunked\r\n\r\n');
  for (let i = 0; i < 10; i++) s.write(`8000\r\n${'y'.repeat(0x8000)}\r\n`);
  s.write('0\r\n\r\n');
  const reply = await readUntil(s, (b) => b.includes('done'));
  t.match(reply.toString(), /^HTTP\/1\.1 200/);
  t.equal(upstreamGot, 10 * 0x8000);
  const exs = await rec.waitExchanges(2);
  t.equal(exs[1]!.requestBytes, 10 * 0x8000);
  t.equal(exs[1]!.bodyTruncated, true);
  s.destroy();
});


t.test('SSE: the client sees each event before the origin sends the next', async (t) => {
  const events = 5;
  const received: ((n: number) => void)[] = [];
  const acks = Array.from({ length: events }, (_, i) => new Promise<number>((r) => (received[i] = r)));
  const order: string[] = [];
  const origin = await startOrigin(t, async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let i = 0; i < events; i++) {
      order.push(`sent ${i}`);
      res.write(`data: {"n":${i}}\n\n`);
      // The next event goes out only once the client has this one: a proxy that buffers
      // would never deliver it, and the guard below turns that into a failure.
      const guard = new Promise<string>((r) => setTimeout(() => r('timeout'), 10_000).unref());
      if ((await Promise.race([acks[i]!.then(() => 'ok'), guard])) !== 'ok') {
        order.push(`client never saw ${i}`);
        break;
      }
    }
    res.end('data: [DONE]\n\n');
  });
  const chunksSeen: number[] = [];
  const rec = recorder({
    response: () => ({
      chunk: (d) => chunksSeen.push(d.length),
      end: () => ({ prompt_tokens: 1, completion_tokens: 2 }),
    }),
  });
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    https.request({
      host: '127.0.0.1', port: gw.port, servername: 'api.openai.com', ca: testPki().gatewayCaPem(), path: '/v1/chat/completions', method: 'POST',
      headers: { host: 'api.openai.com', 'content-type': 'application/json' },
    }, resolve).on('error', reject).end('{"stream":true}');
  });
  t.equal(res.headers['content-type'], 'text/event-stream');
  t.equal(res.headers['transfer-encoding'], 'chunked');
  let text = '';
  for await (const chunk of res) {
    text += chunk.toString();
    const m = [...text.matchAll(/"n":(\d+)/g)].map((x) => Number(x[1]));
    for (const n of m) if (!order.includes(`got ${n}`)) {
      order.push(`got ${n}`);
      received[n]!(n);
    }
  }
  const expected: string[] = [];
  for (let i = 0; i < events; i++) expected.push(`sent ${i}`, `got ${i}`);
  t.same(order, expected, 'strict alternation: nothing buffered');
  t.match(text, /data: \[DONE\]/);
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.streamed, true);
  t.same(ex!.usage, { prompt_tokens: 1, completion_tokens: 2 });
  t.ok(chunksSeen.length >= events, 'observer saw every chunk');
  t.equal(chunksSeen.reduce((a, b) => a + b, 0), ex!.responseBytes);
});

t.test('WebSocket: upgrade forwarded, then a raw pipe both ways, audited as one exchange', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('plain'));
  const wss = new WebSocketServer({ server: origin.server });
  wss.on('connection', (ws, req) => {
    ws.send(`hello ${req.url}`);
    ws.on('message', (m, binary) => ws.send(m, { binary }));
  });
  t.teardown(() => wss.close());
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  // ws hands these on to https.request: SNI and Host say api.openai.com, the socket goes to YORI.
  const wsOptions = { servername: 'api.openai.com', ca: testPki().gatewayCaPem(), headers: { host: 'api.openai.com' } };
  const ws = new WebSocket(`wss://127.0.0.1:${gw.port}/v1/realtime?model=x`, wsOptions as WebSocket.ClientOptions);
  const messages: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    ws.on('message', (m) => {
      messages.push(m.toString());
      if (messages.length === 1) ws.send('ping-1');
      else if (messages.length === 2) ws.send(Buffer.alloc(70_000, 'b'));
      else {
        t.equal(m.toString().length, 70_000, 'large frame echoed');
        ws.close();
      }
    });
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
  await done;
  t.same(messages.slice(0, 2), ['hello /v1/realtime?model=x', 'ping-1']);
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.upgrade, 'websocket');
  t.equal(ex!.status, 101);
  t.ok(ex!.responseBytes > 70_000);
  t.ok(ex!.requestBytes > 70_000);
});
