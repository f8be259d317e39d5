import t, { type Test } from 'tap';
import net, { type AddressInfo, type Socket } from 'node:net';
import { splice, type SpliceResult } from '../../lib/net/splice.js';
import { readAll, readUntil } from './io.js';

/** A front server whose accepted sockets are spliced to `target` after `replay`. */
async function front(t: Test, target: { host: string; port: number }, replay: Buffer) {
  const results: Promise<SpliceResult>[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.pause();
    results.push(splice(s, target, replay, { connectTimeoutMs: 2000 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const connect = () => {
    const c = net.connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
    t.teardown(() => c.destroy());
    return c;
  };
  return { connect, results };
}

async function origin(t: Test, onSocket: (s: Socket) => void) {
  const server = net.createServer({ allowHalfOpen: true }, onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  return { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

t.test('replays the peeked bytes, then relays both ways byte for byte, with half-close', async (t) => {
  const upstreamGot: Buffer[] = [];
  const target = await origin(t, (s) => {
    s.on('data', (d: Buffer) => upstreamGot.push(d));
    // Answer only after the client half-closed: the reverse direction must still flow.
    s.on('end', () => s.end(Buffer.from('reply:' + Buffer.concat(upstreamGot).toString('hex'))));
  });
  const { connect, results } = await front(t, target, Buffer.from('PEEKED'));
  const c = connect();
  const binary = Buffer.from([0, 1, 2, 255, 254, 13, 10]);
  c.end(binary);
  const reply = await readAll(c);
  t.equal(reply.toString(), 'reply:' + Buffer.concat([Buffer.from('PEEKED'), binary]).toString('hex'));
  const r = await results[0]!;
  t.equal(r.error, null);
  t.equal(r.bytesDown, reply.length);
  t.equal(r.bytesUp, binary.length, 'bytesUp counts what the client socket read (the replay was read by the peek)');
});

t.test('an origin reset is mirrored to the client as a reset', async (t) => {
  const target = await origin(t, (s) => s.once('data', () => s.resetAndDestroy()));
  const { connect, results } = await front(t, target, Buffer.alloc(0));
  const c = connect();
  const err = new Promise<NodeJS.ErrnoException>((resolve) => c.once('error', resolve));
  c.write('hello');
  t.equal((await err).code, 'ECONNRESET');
  t.match((await results[0]!).error, /ECONNRESET|reset/i);
});

t.test('a refused origin connection resets the client', async (t) => {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const deadPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  const { connect, results } = await front(t, { host: '127.0.0.1', port: deadPort }, Buffer.alloc(0));
  const c = connect();
  c.on('error', () => {});
  await readAll(c).catch(() => Buffer.alloc(0));
  t.match((await results[0]!).error, /ECONNREFUSED/);
});

t.test('a client that leaves before the origin answers takes the connection attempt along', async (t) => {
  let accepted = 0;
  const target = await origin(t, (s) => {
    accepted++;
    s.on('error', () => {});
  });
  const results: Promise<SpliceResult>[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.on('error', () => {});
    s.destroy();
    results.push(splice(s, target, Buffer.alloc(0), { connectTimeoutMs: 2000 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  const c = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  c.on('error', () => {});
  await new Promise((r) => setTimeout(r, 20));
  const r = await results[0]!;
  t.equal(r.error, null);
  t.ok(accepted <= 1);
  c.destroy();
});

t.test('large transfers keep their bytes and order', async (t) => {
  const target = await origin(t, (s) => s.pipe(s));
  const { connect } = await front(t, target, Buffer.alloc(0));
  const c = connect();
  const big = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  c.end(big);
  const echoed = await readUntil(c, (b) => b.length >= big.length);
  t.ok(echoed.equals(big));
});
