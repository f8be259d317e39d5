import t, { type Test } from 'tap';
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { noopHooks } from '../../lib/hooks.js';
import { createLogger } from '../../lib/log.js';
import { DataPath, clientOf } from '../../lib/net/datapath.js';
import { createTransparentServer, listen, stopAccepting } from '../../lib/net/listeners.js';
import { UpstreamPool, upstreamTrust } from '../../lib/net/upstream.js';
import type { ProviderRegistry } from '../../lib/providers/registry.js';
import { connectTls, gatewayRequest, recorder, startOrigin, startTestGateway, startTlsEcho, testPki, type TestGateway } from './fixtures.js';
import { buildClientHello } from './hello-fixtures.js';
import { readAll, readUntil } from './io.js';

/** A TLS client to the gateway trusting the fake internet's CA (for spliced hosts). */
function connectOrigin(gw: TestGateway, servername: string, ALPNProtocols = ['http/1.1']): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: gw.port, servername, ca: readFileSync(testPki().originCaFile), ALPNProtocols });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

/** The gateway still intercepts normally (after abuse). */
async function stillServes(t: Test, gw: TestGateway) {
  const res = await gatewayRequest(gw, { path: '/after' });
  t.equal(res.status, 200, 'the gateway keeps serving');
}

t.test('a non-AI SNI is spliced: the client sees the origin certificate and identical bytes', async (t) => {
  const echo = await startTlsEcho(t, 'example.test');
  const rec = recorder();
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'example.test': echo.port } });
  const s = await connectOrigin(gw, 'example.test');
  t.equal(s.getPeerX509Certificate()!.fingerprint256, fingerprint(echo.certPem), "the origin's own certificate");
  const payload = Buffer.alloc(256 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 17) & 0xff;
  s.write(payload);
  const back = await readUntil(s, (b) => b.length >= payload.length);
  t.ok(back.equals(payload), 'bytes identical both ways');
  s.end();
  await readAll(s);
  t.equal(rec.exchanges.length + rec.connections.length, 0, 'a spliced host produces no records');
});

t.test('observe mode: an AI app is spliced untouched and reported once per connection', async (t) => {
  const echo = await startTlsEcho(t, 'chatgpt.com');
  let hookSaw: unknown = null;
  const rec = recorder({ connection: (c) => ((hookSaw = { ...c.route }), { action: 'allow', reasons: [] }) });
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'chatgpt.com': echo.port } });
  const s = await connectOrigin(gw, 'chatgpt.com', ['h2', 'http/1.1']);
  t.equal(s.getPeerX509Certificate()!.fingerprint256, fingerprint(echo.certPem));
  s.write('x'.repeat(1000));
  await readUntil(s, (b) => b.length >= 1000);
  s.end();
  await readAll(s);
  const [c] = await rec.waitConnections(1);
  t.same(hookSaw, { host: 'chatgpt.com', provider: 'openai', kind: 'app', mode: 'observe' });
  t.equal(c!.client.ip, '127.0.0.1');
  t.ok(c!.bytesUp > 1000, 'bytes up counted (TLS records included)');
  t.ok(c!.bytesDown > 1000, 'bytes down counted');
  t.type(c!.durationMs, 'number');
  t.equal(c!.error, null);
  t.equal(c!.decision.action, 'allow');
});

t.test('observe mode: block closes the connection without contacting the origin', async (t) => {
  const echo = await startTlsEcho(t, 'claude.ai');
  const rec = recorder({ connection: async () => ({ action: 'block', reasons: ['bedtime'] }) });
  const gw = await startTestGateway(t, { hooks: rec.hooks, overrides: { 'claude.ai': echo.port } });
  const err = await connectOrigin(gw, 'claude.ai').then(() => null, (e: Error) => e);
  t.ok(err, 'the TLS handshake never completes');
  const [c] = await rec.waitConnections(1);
  t.equal(c!.decision.action, 'block');
  t.equal(echo.connections, 0, 'origin never contacted');
});

t.test('disabled hosts are spliced, extra hosts intercepted, h2-only clients of an API spliced', async (t) => {
  const openai = await startTlsEcho(t, 'api.openai.com');
  const origin = await startOrigin(t, (_req, res) => res.end('custom'), { host: 'llm.example.test' });
  const rec = recorder();
  const gw = await startTestGateway(t, {
    hooks: rec.hooks,
    overrides: { 'api.openai.com': openai.port, 'llm.example.test': origin.port },
    configure: (c) => {
      c.providers.disabled = ['api.openai.com'];
      c.providers.extra = [{ host: 'llm.example.test', provider: 'custom', kind: 'api' }];
    },
  });
  const spliced = await connectOrigin(gw, 'api.openai.com');
  t.equal(spliced.getPeerX509Certificate()!.fingerprint256, fingerprint(openai.certPem), 'disabled host spliced');
  spliced.destroy();
  const res = await gatewayRequest(gw, { host: 'llm.example.test', path: '/v1/chat' });
  t.equal(res.body.toString(), 'custom');
  const [ex] = await rec.waitExchanges(1);
  t.equal(ex!.route.provider, 'custom');

  const anthropic = await startTlsEcho(t, 'api.anthropic.com');
  gw.config.upstream.overrides['api.anthropic.com'] = { host: '127.0.0.1', port: anthropic.port };
  gw.reload(gw.config);
  const h2 = await connectOrigin(gw, 'api.anthropic.com', ['h2']);
  t.equal(h2.getPeerX509Certificate()!.fingerprint256, fingerprint(anthropic.certPem), 'h2-only client spliced, not broken');
  h2.destroy();
});

t.test('no SNI, garbage, a malformed or truncated ClientHello: clean close, and the gateway keeps serving', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('ok'));
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port }, peek: { maxBytes: 16 * 1024, timeoutMs: 200 } });
  const raw = async (bytes: Buffer | string, end = false) => {
    const s = net.connect(gw.port, '127.0.0.1');
    s.on('error', () => {});
    if (end) s.end(bytes);
    else s.write(bytes);
    return readAll(s).catch(() => Buffer.alloc(0));
  };
  t.equal((await raw('GET / HTTP/1.1\r\nHost: api.openai.com\r\n\r\n')).length, 0, 'plain HTTP: closed, nothing answered');
  t.equal((await raw(Buffer.from([0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0]))).length, 0, 'malformed hello');
  t.equal((await raw(buildClientHello({ alpn: ['http/1.1'] }))).length, 0, 'no SNI');
  t.equal((await raw(buildClientHello({ sni: 'api.openai.com' }).subarray(0, 30), true)).length, 0, 'early close');
  t.equal((await raw(Buffer.from([0x16, 3, 1]))).length, 0, 'stalled hello times out');
  const noSni = await new Promise<Error | null>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: gw.port, rejectUnauthorized: false });
    s.once('secureConnect', () => resolve(null));
    s.once('error', resolve);
  });
  t.ok(noSni, 'a real TLS client without SNI is refused');
  await stillServes(t, gw);
});

t.test('a client that does not trust the YORI CA fails its handshake; others are unaffected', async (t) => {
  const origin = await startOrigin(t, (_req, res) => res.end('ok'));
  const gw = await startTestGateway(t, { overrides: { 'api.openai.com': origin.port } });
  const err = await connectTls(gw, 'api.openai.com', { ca: readFileSync(testPki().originCaFile) }).then(() => null, (e: Error) => e);
  t.ok(err);
  await stillServes(t, gw);
});

t.test('clientOf shows IPv4-mapped addresses as IPv4', async (t) => {
  t.same(clientOf({ remoteAddress: '::ffff:192.168.1.23', remotePort: 5000 } as net.Socket), { ip: '192.168.1.23', port: 5000 });
  t.same(clientOf({ remoteAddress: '::1', remotePort: 1 } as net.Socket), { ip: '::1', port: 1 });
  t.same(clientOf({} as net.Socket), { ip: '', port: 0 });
});

t.test('a bug on one connection closes that connection only', async (t) => {
  const logged: string[] = [];
  const logger = createLogger('error', new Writable({ write: (c, _e, cb) => (logged.push(JSON.parse(c.toString()).msg), cb()) }));
  const echo = await startTlsEcho(t, 'ok.test');
  const registry = {
    lookup(host: string) {
      if (host === 'boom.test') throw new Error('registry bug');
      if (host === 'app.test') return { host, provider: 'x', kind: 'app', mode: 'observe' } as const;
      return null;
    },
  } as unknown as ProviderRegistry;
  const pool = new UpstreamPool({ overrides: {}, secureContext: upstreamTrust(null), connectTimeoutMs: 1000, idleTimeoutMs: 1000 });
  const dataPath = new DataPath(
    { registry, overrides: { 'ok.test': { host: '127.0.0.1', port: echo.port } }, connectTimeoutMs: 1000, maxBodyBytes: 1024, maxHeaderBytes: 4096 },
    // Unguarded hooks on purpose: a rejecting addon must not take the process down either.
    { hooks: { ...noopHooks, connection: async () => Promise.reject(new Error('addon bug')) }, logger, leaves: { secureContextFor: () => { throw new Error('unused'); } }, pool },
  );
  const server = createTransparentServer(dataPath, logger);
  const port = (await listen(server, { host: '127.0.0.1', port: 0 })).port;
  t.teardown(() => {
    stopAccepting(server);
    pool.close();
    return dataPath.drain(0);
  });
  const gw = { port } as TestGateway;
  for (const sni of ['boom.test', 'app.test']) {
    const err = await connectOrigin(gw, sni).then(() => null, (e: Error) => e);
    t.ok(err, `${sni}: closed`);
  }
  t.same(logged, ['connection handling failed; connection closed', 'connection handling failed; connection closed']);
  const ok = await connectOrigin(gw, 'ok.test');
  t.equal(ok.getPeerX509Certificate()!.fingerprint256, fingerprint(echo.certPem), 'other connections unaffected');
  ok.destroy();
});
