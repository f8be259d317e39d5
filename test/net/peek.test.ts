import t, { type Test } from 'tap';
import net, { type AddressInfo, type Socket } from 'node:net';
import { peekClientHello, type PeekOptions, type PeekResult } from '../../lib/net/peek.js';
import { buildClientHello } from './hello-fixtures.js';

/** A server that peeks each connection; the test writes to the client side. */
async function peekServer(t: Test, opts?: PeekOptions) {
  const results: Promise<{ result: PeekResult; socket: Socket }>[] = [];
  let push!: (s: Socket) => void;
  const server = net.createServer((s) => push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const port = (server.address() as AddressInfo).port;
  const connect = () => {
    const got = new Promise<{ result: PeekResult; socket: Socket }>((resolve) => {
      push = (s) => {
        s.on('error', () => {});
        peekClientHello(s, opts).then((result) => resolve({ result, socket: s }));
      };
    });
    results.push(got);
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => {});
    t.teardown(() => client.destroy());
    return { client, got };
  };
  return { connect };
}

t.test('a ClientHello split across TCP segments is gathered, bytes kept for replay', async (t) => {
  const { connect } = await peekServer(t);
  const { client, got } = connect();
  const hello = buildClientHello({ sni: 'api.openai.com', alpn: ['http/1.1'], recordSize: 50 });
  for (let i = 0; i < hello.length; i += 13) {
    client.write(hello.subarray(i, i + 13));
    await new Promise((r) => setTimeout(r, 1));
  }
  const { result, socket } = await got;
  t.equal(result.outcome, 'ok');
  t.equal(result.hello?.serverName, 'api.openai.com');
  t.same(result.bytes, hello);
  t.equal(socket.listenerCount('data'), 0, 'peek leaves no data listener behind');
  t.equal(socket.isPaused(), true, 'socket left paused for the next stage');
  socket.destroy();
});

t.test('garbage is malformed at once', async (t) => {
  const { connect } = await peekServer(t);
  const { client, got } = connect();
  client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  const { result, socket } = await got;
  t.equal(result.outcome, 'malformed');
  t.match(result.reason, /not a TLS handshake/);
  socket.destroy();
});

t.test('a client that closes early gives `closed`', async (t) => {
  const { connect } = await peekServer(t);
  const { client, got } = connect();
  client.end(buildClientHello({ sni: 'a.example' }).subarray(0, 20));
  const { result, socket } = await got;
  t.equal(result.outcome, 'closed');
  t.equal(result.bytes.length, 20);
  socket.destroy();
});

t.test('a hello that never completes within the cap is too_large', async (t) => {
  const { connect } = await peekServer(t, { maxBytes: 1024, timeoutMs: 5000 });
  const { client, got } = connect();
  // A record header announcing a 16 KiB handshake, then filler.
  const header = Buffer.from([0x16, 3, 1, 0x40, 0x00, 1, 0, 0x3f, 0xfc]);
  client.write(Buffer.concat([header, Buffer.alloc(2000)]));
  const { result, socket } = await got;
  t.equal(result.outcome, 'too_large');
  socket.destroy();
});

t.test('a silent client times out', async (t) => {
  const { connect } = await peekServer(t, { maxBytes: 1024, timeoutMs: 50 });
  const { got } = connect();
  const { result, socket } = await got;
  t.equal(result.outcome, 'timeout');
  t.equal(result.bytes.length, 0);
  socket.destroy();
});

t.test('a socket error ends the peek as closed', async (t) => {
  const { connect } = await peekServer(t);
  const { client, got } = connect();
  client.write(Buffer.from([0x16, 3, 1]));
  await new Promise((r) => setTimeout(r, 20));
  client.resetAndDestroy();
  const { result, socket } = await got;
  t.equal(result.outcome, 'closed');
  socket.destroy();
});
