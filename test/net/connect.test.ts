import t from 'tap';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseConnectTarget } from '../../lib/net/connect.js';
import { recorder, startOrigin, startTcpServer, startTestGateway, startTlsEcho, testPki, type TestGateway } from './fixtures.js';
import { readAll, readUntil } from './io.js';
import { captureClientHello } from './hello-fixtures.js';

/** Opens a CONNECT tunnel through the gateway's explicit proxy; resolves with the raw socket. */
async function tunnel(gw: TestGateway, target: string): Promise<{ socket: net.Socket; head: string }> {
  const socket = net.connect(gw.proxyAddress!.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  const head = await readUntil(socket, (b) => b.includes('\r\n\r\n'));
  return { socket, head: head.toString() };
}

function tlsOver(socket: net.Socket, servername: string, ca: string | Buffer): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ socket, servername, ca, ALPNProtocols: ['http/1.1'] });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

t.test('CONNECT to an AI API enters the intercept path', async (t) => {
  const origin = await startOrigin(t, (req, res) => res.end(`via connect ${req.url}`));
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'api.openai.com': origin.port } });
  const { socket, head } = await tunnel(gw, 'api.openai.com:443');
  t.equal(head, 'HTTP/1.1 200 Connection Established\r\n\r\n');
  const s = await tlsOver(socket, 'api.openai.com', testPki().gatewayCaPem());
  s.write('GET /v1/models HTTP/1.1\r\nHost: api.openai.com\r\n\r\n');
  const reply = await readUntil(s, (b) => b.includes('via connect /v1/models'));
  t.match(reply.toString(), /^HTTP\/1\.1 200 OK/);
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.route.host, 'api.openai.com');
  s.destroy();
});

t.test('CONNECT to another host is spliced to the requested host:port', async (t) => {
  const echo = await startTlsEcho(t, 'example.test');
  const gw = await startTestGateway(t, { overrides: { 'example.test': echo.port } });
  const { socket, head } = await tunnel(gw, 'example.test:8443');
  t.match(head, /^HTTP\/1\.1 200/);
  const s = await tlsOver(socket, 'example.test', readFileSync(testPki().originCaFile));
  t.equal(s.getPeerX509Certificate()!.fingerprint256, new X509Certificate(echo.certPem).fingerprint256);
  s.write('echo me');
  t.equal((await readUntil(s, (b) => b.length >= 7)).toString(), 'echo me');
  s.destroy();
});

t.test('a non-TLS protocol inside a tunnel to an AI host is passed through', async (t) => {
  // A plain TCP service standing in for api.openai.com:80.
  const plain = await startTcpServer(t, (s) => s.resume().end('plain hello'));
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': plain } });
  const { socket } = await tunnel(gw, 'api.openai.com:80');
  socket.write('GET / HTTP/1.0\r\n\r\n');
  t.equal((await readAll(socket)).toString(), 'plain hello');
});

t.test('a server-speaks-first protocol through a tunnel to a non-AI host works (no peek)', async (t) => {
  const banner = await startTcpServer(t, (s) => s.resume().end('220 smtp ready\r\n'));
  const gw = await startTestGateway(t, { overrides: { 'mail.example.test': banner } });
  const { socket } = await tunnel(gw, 'mail.example.test:25');
  t.equal((await readAll(socket)).toString(), '220 smtp ready\r\n');
});

t.test('a ClientHello sent right behind the CONNECT head is not lost', async (t) => {
  const gw = await startTestGateway(t);
  const hello = await captureClientHello({ servername: 'api.openai.com', ALPNProtocols: ['http/1.1'] });
  const head = Buffer.from('CONNECT api.openai.com:443 HTTP/1.1\r\nHost: api.openai.com:443\r\n\r\n');
  const established = 'HTTP/1.1 200 Connection Established\r\n\r\n';
  const socket = net.connect(gw.proxyAddress!.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(Buffer.concat([head, hello]));
  const got = await readUntil(socket, (b) => b.length >= established.length + 5);
  t.equal(got.subarray(0, established.length).toString(), established);
  t.equal(got[established.length], 0x16, 'the gateway answered the hello with a TLS handshake record');
  socket.destroy();
});

t.test('only CONNECT is served; malformed targets and heads are refused with JSON', async (t) => {
  const gw = await startTestGateway(t);
  const ask = async (raw: string) => {
    const s = net.connect(gw.proxyAddress!.port, '127.0.0.1');
    s.on('error', () => {});
    s.write(raw);
    return (await readAll(s)).toString();
  };
  t.match(await ask('GET http://example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n'), /^HTTP\/1\.1 501 [\s\S]*only supports CONNECT/);
  t.match(await ask('CONNECT no-port HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 400 /);
  t.match(await ask('CONNECT bad_host!:443 HTTP/1.1\r\nHost: x\r\n\r\n'), /^HTTP\/1\.1 400 /);
  t.match(await ask('\x16\x03\x01garbage\r\n\r\n'), /^HTTP\/1\.1 400 /);
});

t.test('parseConnectTarget', async (t) => {
  t.same(parseConnectTarget('API.OpenAI.com:443'), { host: 'api.openai.com', port: 443 });
  t.same(parseConnectTarget('[2001:DB8::1]:8443'), { host: '2001:db8::1', port: 8443 });
  t.same(parseConnectTarget('192.168.1.1:22'), { host: '192.168.1.1', port: 22 });
  t.same(parseConnectTarget('host.example.:443'), { host: 'host.example', port: 443 });
  for (const bad of ['host', 'host:0', 'host:65536', '[not-v6]:443', 'a b:443', 'x:44a', '-bad-.com:443', `${'a'.repeat(64)}.com:443`]) {
    t.equal(parseConnectTarget(bad), null, bad);
  }
});
