import t, { type Test } from 'tap';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import type { Alert } from '../../lib/alerts/alert.js';
import type { AuditRow } from '../../lib/audit/row.js';
import { createLogger } from '../../lib/log.js';
import { AdminAccess } from '../../lib/web/access.js';
import { hashPassword } from '../../lib/web/auth.js';
import { LiveFeed } from '../../lib/web/live.js';
import { Client, DEVICES, row, startDashboard } from './fixtures/helpers.js';

type Message = { type: string; event?: any; alert?: any };

/** Opens a WebSocket and collects its messages; resolves once open (or rejects with the refusal status). */
function connect(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; messages: Message[]; next(pred?: (m: Message) => boolean): Promise<Message> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const messages: Message[] = [];
    const waiters: { pred: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Message;
      messages.push(m);
      for (const w of [...waiters]) if (w.pred(m)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
    });
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.on('error', reject);
    ws.on('open', () => resolve({
      ws, messages,
      next: (pred = () => true) => new Promise((res) => {
        const found = messages.find(pred);
        if (found) res(found);
        else waiters.push({ pred, resolve: res });
      }),
    }));
  });
}

t.test('the live feed pushes written events and raised alerts to logged-in viewers', async (t) => {
  const f = await startDashboard(t, { passwordHash: await hashPassword('pw', { N: 1024, r: 8, p: 1 }) });
  const url = `ws://127.0.0.1:${f.port}/api/live`;
  const refused = await connect(url).catch((e) => e);
  t.equal(refused.status, 401, 'no session, no feed');
  t.match(refused.body, /log in first/);

  const c = new Client(f.port);
  await c.login('pw');
  const cross = await connect(url, { cookie: c.cookie!, origin: 'http://evil.example' }).catch((e) => e);
  t.equal(cross.status, 403, 'cross-site WebSocket refused');
  const other = await connect(`ws://127.0.0.1:${f.port}/api/other`, { cookie: c.cookie! }).catch((e) => e);
  t.equal(other.status, 404);

  const live = await connect(url, { cookie: c.cookie!, origin: `http://127.0.0.1:${f.port}` });
  t.teardown(() => live.ws.close());
  t.same(await live.next(), { type: 'hello' });
  f.writer.enqueue(row({ ...DEVICES.laptop, ts: Date.now(), prompt_preview: 'is this live?' }));
  const ev = await live.next((m) => m.type === 'event');
  t.equal(ev.event.prompt_preview, 'is this live?');
  t.equal(ev.event.device_name, 'bobs-laptop', "today's device name");
  t.type(ev.event.id, 'number', 'the written row, with its id');
  t.same(ev.event.policy_reasons, []);
  f.dispatcher.raise({ kind: 'policy', title: 'Secret in a prompt', client_ip: DEVICES.laptop.client_ip, reasons: ['secret'] });
  const al = await live.next((m) => m.type === 'alert');
  t.match(al.alert, { title: 'Secret in a prompt', device_name: 'bobs-laptop', reasons: ['secret'] });

  // Logging out does not cut an open feed, but the next connection is refused.
  await c.request('POST', '/api/logout');
  t.equal((await connect(url, { cookie: 'yori_session=stale' }).catch((e) => e)).status, 401);
});

/** A LiveFeed on a bare server with fake sources, for the limits. */
async function bareFeed(t: Test, opts: { maxClients?: number; maxBufferedBytes?: number; pingMs?: number }) {
  const server = http.createServer((_q, res) => res.end());
  const writer = new EventEmitter();
  const dispatcher = new EventEmitter();
  const access = new AdminAccess({ password: null, adminHost: '127.0.0.1', logger: createLogger('silent') });
  const feed = new LiveFeed({
    server, access, logger: createLogger('silent'), label: (ip) => ({ name: `dev-${ip}`, person: null }),
    sources: { writer: writer as any, dispatcher: dispatcher as any }, ...opts,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    feed.close();
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/live`;
  return { feed, writer, dispatcher, url, server };
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
};

t.test('limits: viewer count, slow viewers dropped', async (t) => {
  const { feed, writer, dispatcher, url } = await bareFeed(t, { maxClients: 2, maxBufferedBytes: 256 * 1024 });
  const a = await connect(url);
  const b = await connect(url);
  t.equal(feed.clientCount, 2);
  const third = await connect(url).catch((e) => e);
  t.equal(third.status, 503);
  t.match(third.body, /too many live viewers/);

  // b stops reading: its backlog grows past the limit and it is cut; a keeps getting everything.
  const bSocket = (b.ws as any)._socket;
  bSocket.pause();
  const chunk = 'x'.repeat(16_000);
  const closed = new Promise<void>((r) => b.ws.once('close', () => r()));
  for (let i = 0; i < 5000 && feed.clientCount === 2; i++) {
    writer.emit('written', [row({ id: i, prompt_preview: chunk })] as AuditRow[]);
    await new Promise((r) => setImmediate(r));
  }
  t.equal(feed.clientCount, 1, 'the slow viewer was disconnected');
  bSocket.resume();
  await closed;
  const alert: Alert = { id: 1, ts: 1, kind: 'test', severity: 'info', title: 'hi', message: '', reasons: [], client_ip: null, client_name: null, person: null, host: null, provider: null, event_id: null };
  dispatcher.emit('alert', alert);
  await a.next((m) => m.type === 'alert');
  t.ok(a.messages.filter((m) => m.type === 'event').length >= 1);
  t.equal(a.messages.find((m) => m.type === 'event')!.event.device_name, 'dev-192.168.1.23');
  a.ws.close();
});

t.test('a viewer that never answers pings is dropped', async (t) => {
  const { feed, url } = await bareFeed(t, { pingMs: 50 });
  const a = await connect(url);
  (a.ws as any)._socket.pause();
  await until(() => feed.clientCount === 0);
  t.pass('the silent viewer was dropped');
});

t.test('close() ends every connection and stops listening to the sources', async (t) => {
  const { feed, writer, dispatcher, url, server } = await bareFeed(t, {});
  const a = await connect(url);
  const closed = new Promise<void>((r) => a.ws.once('close', () => r()));
  feed.close();
  await closed;
  t.equal(writer.listenerCount('written'), 0);
  t.equal(dispatcher.listenerCount('alert'), 0);
  t.equal(server.listenerCount('upgrade'), 0);
  writer.emit('written', [row()]);
});

t.test('events for nobody are not serialised', async (t) => {
  const { writer } = await bareFeed(t, {});
  let reads = 0;
  const r = row();
  Object.defineProperty(r, 'prompt_preview', { get: () => (reads++, 'x'), enumerable: true });
  writer.emit('written', [r]);
  t.equal(reads, 0);
});
