/** Upstream failure modes and unusual responses on the interception path. */
import t from 'tap';
import net from 'node:net';
import { connectTls, gatewayRequest, recorder, startOrigin, startRawOrigin, startTcpServer, startTestGateway } from './fixtures.js';
import { readAll, readUntil } from './io.js';

const GET = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: api.openai.com\r\n${extra}\r\n`;

t.test('a kept-alive upstream connection closed by the origin as it is reused is retried once', async (t) => {
  const origin = await startRawOrigin(t, (s, index) => {
    let requests = 0;
    s.on('data', () => {
      requests++;
      // The first connection answers once, then drops the next request unanswered: the
      // origin's idle close racing with the reuse.
      if (index === 0 && requests === 2) s.destroy();
      else {
        const body = `conn=${index}:${requests}`;
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
    });
  });
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const s = await connectTls(gw);
  s.write(GET('/1'));
  t.match((await readUntil(s, (b) => b.includes('conn='))).toString(), /conn=0:1$/);
  s.write(GET('/2'));
  t.match((await readUntil(s, (b) => b.includes('conn='))).toString(), /conn=1:1$/, 'answered on a fresh connection');
  t.equal(origin.connections, 2);
  const exs = await rec.waitExchanges(2);
  t.equal(exs[1]!.error, null);
  s.destroy();
});

t.test('an origin that dies mid-body: the client connection is cut and the exchange records the error', async (t) => {
  const origin = await startRawOrigin(t, (s) => {
    s.once('data', () => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial');
      setTimeout(() => s.destroy(), 20);
    });
  });
  const chunks: number[] = [];
  const rec = recorder({ response: () => ({ chunk: (d) => chunks.push(d.length), end: (complete) => ({ prompt_tokens: complete ? 1 : 0, completion_tokens: null }) }) });
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const s = await connectTls(gw);
  s.write(GET('/'));
  const got = (await readAll(s)).toString();
  t.match(got, /^HTTP\/1\.1 200 OK[\s\S]*partial$/, 'head and the partial body, then the cut');
  const [ex] = await rec.waitExchanges(1);
  t.match(ex!.error, /before the response was complete|closed/);
  t.same(ex!.usage, { prompt_tokens: 0, completion_tokens: null }, 'observer told the stream was incomplete');
});

t.test('protocol violations from the origin become 502 before any response byte went out', async (t) => {
  const origin = await startRawOrigin(t, (s) => {
    s.once('data', (d) => {
      const path = d.toString().split(' ')[1];
      if (path === '/101') s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      else s.write('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx');
    });
  });
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  for (const path of ['/101', '/bad-length']) {
    const res = await gatewayRequest(gw, { path, agent: false });
    t.equal(res.status, 502, path);
    t.equal(JSON.parse(res.body.toString()).error.type, 'upstream_error');
  }
  const exs = await rec.waitExchanges(2);
  t.match(exs[0]!.error, /no upgrade/);
  t.match(exs[1]!.error, /Content-Length/);
});

t.test('refused and timed-out upstream connections give 502 with a plain reason', async (t) => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const dead = (probe.address() as net.AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const silentPort = await startTcpServer(t);
  const gw = await startTestGateway(t, {
    overrides: { 'api.openai.com': dead, 'api.anthropic.com': silentPort },
    configure: (c) => (c.upstream.connect_timeout_ms = 100),
  });
  const refused = await gatewayRequest(gw, { path: '/', agent: false });
  t.equal(refused.status, 502);
  t.match(JSON.parse(refused.body.toString()).error.message, /connection to api\.openai\.com refused/);
  const timedOut = await gatewayRequest(gw, { host: 'api.anthropic.com', path: '/', agent: false });
  t.equal(timedOut.status, 502);
  t.match(JSON.parse(timedOut.body.toString()).error.message, /connecting to api\.anthropic\.com timed out/);
});

t.test('interim responses from the origin are dropped; the final one is relayed', async (t) => {
  const origin = await startOrigin(t, (_req, res) => {
    res.writeEarlyHints({ link: '</x.css>; rel=preload' });
    res.end('final');
  });
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port } });
  const s = await connectTls(gw);
  s.write(GET('/'));
  const got = (await readUntil(s, (b) => b.includes('final'))).toString();
  t.match(got, /^HTTP\/1\.1 200 OK/, 'no 103 reached the client');
  s.destroy();
});

t.test('HTTP/1.0 clients: chunked origin bodies are read-until-close; keep-alive is honoured otherwise', async (t) => {
  const origin = await startOrigin(t, (req, res) => {
    if (req.url === '/chunked') {
      res.write('part1-');
      res.end('part2');
    } else {
      res.setHeader('content-length', '2');
      res.end('ok');
    }
  });
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port } });
  const a = await connectTls(gw);
  a.write('GET /length HTTP/1.0\r\nHost: api.openai.com\r\nConnection: keep-alive\r\n\r\n');
  const first = (await readUntil(a, (b) => b.includes('\r\n\r\nok'))).toString();
  t.match(first, /^HTTP\/1\.1 200 OK[\s\S]*Connection: keep-alive\r\n/i);
  a.write('GET /chunked HTTP/1.0\r\nHost: api.openai.com\r\nConnection: keep-alive\r\n\r\n');
  const second = (await readAll(a)).toString();
  t.match(second, /^HTTP\/1\.1 200 OK[\s\S]*Connection: close\r\n\r\npart1-part2$/i, 'no chunked coding for a 1.0 client');
  t.notMatch(second, /transfer-encoding/i);
});

t.test('CONNECT inside an intercepted connection is refused with 405', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('x'));
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port } });
  const s = await connectTls(gw);
  s.write('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
  t.match((await readAll(s)).toString(), /^HTTP\/1\.1 405 [\s\S]*method_not_allowed/);
});

t.test('a framing error in a body already streaming upstream cuts the connection without a reply', async (t) => {
  const origin = await startRawOrigin(t, (s) => s.resume());
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port }, configure: (c) => (c.limits.max_body_bytes = 1024) });
  const s = await connectTls(gw);
  s.write('POST / HTTP/1.1\r\nHost: api.openai.com\r\nTransfer-Encoding: chunked\r\n\r\n');
  s.write(`800\r\n${'a'.repeat(0x800)}\r\n`);
  s.write('zz\r\n');
  t.equal((await readAll(s)).length, 0, 'no answer: part of the body is already upstream');
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.error, 'missing chunk size');
  t.equal(ex!.bodyTruncated, true);
});

t.test('WebSocket bytes glued to the 101 and to the upgrade request are not lost', async (t) => {
  const origin = await startRawOrigin(t, (s) => {
    let buf = '';
    let upgraded = false;
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (!upgraded && buf.includes('\r\n\r\n')) {
        upgraded = true;
        s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nSERVER-EARLY');
      }
      // The client's early bytes are held by YORI until the 101, then relayed.
      if (buf.endsWith('\r\n\r\nCLIENT-EARLY')) s.end();
    });
  });
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const s = await connectTls(gw);
  s.write('GET /ws HTTP/1.1\r\nHost: api.openai.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nCLIENT-EARLY');
  const got = (await readAll(s)).toString();
  t.match(got, /^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*Upgrade: websocket[\s\S]*\r\n\r\nSERVER-EARLY$/);
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.upgrade, 'websocket');
  t.equal(ex!.requestBytes, 'CLIENT-EARLY'.length);
  t.equal(ex!.responseBytes, 'SERVER-EARLY'.length);
});

t.test('an SNI the leaf minter refuses closes that connection only', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('ok'));
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port } });
  // Matches *.openai.azure.com, but an underscore is no DNS name a certificate can carry.
  const err = await connectTls(gw, 'my_resource.openai.azure.com').then(() => null, (e: Error) => e);
  t.ok(err, 'handshake refused');
  t.equal((await gatewayRequest(gw, { path: '/', agent: false })).status, 200);
});
