import t from 'tap';
import { AlertDispatcher, type AlertSink, type Delivery } from '../../lib/alerts/dispatcher.js';
import type { AlertChannel, ChannelName } from '../../lib/alerts/channels.js';
import type { Alert } from '../../lib/alerts/alert.js';
import { createLogger } from '../../lib/log.js';

const logger = createLogger('silent');

/** A channel that fails its first `failures` sends, then succeeds; records what it got. */
function fakeChannel(name: ChannelName, failures = 0) {
  const got: Alert[] = [];
  let calls = 0;
  const ch: AlertChannel & { got: Alert[]; calls(): number } = {
    name,
    got,
    calls: () => calls,
    async send(a) {
      calls++;
      if (calls <= failures) throw new Error(`down (${calls})`);
      got.push(a);
    },
  };
  return ch;
}

function memorySink() {
  const alerts: Alert[] = [];
  const deliveries: Delivery[] = [];
  const sink: AlertSink = {
    insert: (a) => {
      alerts.push(a);
      return alerts.length;
    },
    recordDelivery: (d) => deliveries.push(d),
  };
  return { sink, alerts, deliveries };
}

t.test('raise stores, emits and delivers to every channel', async (t) => {
  const mail = fakeChannel('email');
  const hook = fakeChannel('webhook');
  const { sink, alerts, deliveries } = memorySink();
  const d = new AlertDispatcher({ channels: [mail, hook], sink, logger, dedupeMs: 60_000, ratePerMinute: 10 });
  const emitted: Alert[] = [];
  d.on('alert', (a) => emitted.push(a));
  const a = d.raise({ kind: 'policy', title: 'PII in prompt', client_ip: '10.0.0.2', reasons: ['card number'] });
  t.ok(a);
  t.equal(a!.id, 1, 'id from the store');
  t.equal(emitted.length, 1, 'emitted synchronously for the live feed');
  await d.flush();
  t.equal(mail.got.length, 1);
  t.equal(hook.got.length, 1);
  t.equal(alerts.length, 1);
  t.same(deliveries.map((x) => [x.channel, x.outcome, x.attempts]), [['email', 'sent', 1], ['webhook', 'sent', 1]]);
  t.same(d.stats(), { raised: 1, deduped: 0, sent: 2, failed: 0, rate_limited: 0, pending: 0 });
});

t.test('same device and reason within the window is deduped; after it, raised again', async (t) => {
  let now = 1_000_000;
  const ch = fakeChannel('ntfy');
  const d = new AlertDispatcher({ channels: [ch], sink: null, logger, dedupeMs: 30 * 60_000, ratePerMinute: 100, now: () => now });
  const input = { kind: 'policy' as const, title: 'Bedtime', client_ip: '10.0.0.2', reasons: ['bedtime'] };
  t.ok(d.raise(input));
  now += 60_000;
  t.equal(d.raise(input), null, 'deduped');
  t.ok(d.raise({ ...input, client_ip: '10.0.0.3' }), 'another device is not deduped');
  t.ok(d.raise({ ...input, reasons: ['heavy use'] }), 'another reason is not deduped');
  t.ok(d.raise({ ...input, reasons: ['high usage: 121 requests in the last hour (limit 120)'] }));
  t.equal(d.raise({ ...input, reasons: ['high usage: 122 requests in the last hour (limit 120)'] }), null, 'a count that grew is the same reason');
  t.ok(d.raise({ ...input, reasons: ['high usage: 900 tokens today (limit 800)'] }), 'other words are another reason');
  now += 30 * 60_000;
  t.ok(d.raise(input), 'raised again after the window');
  await d.flush();
  t.equal(ch.got.length, 6);
  t.equal(d.stats().deduped, 2);
});

t.test('per-channel rate limit records rate_limited outcomes', async (t) => {
  let now = 0;
  const ch = fakeChannel('email');
  const { sink, deliveries } = memorySink();
  const d = new AlertDispatcher({ channels: [ch], sink, logger, dedupeMs: 0, ratePerMinute: 2, now: () => now });
  for (let i = 0; i < 4; i++) d.raise({ kind: 'policy', title: `a${i}`, client_ip: `10.0.0.${i}` });
  await d.flush();
  t.equal(ch.got.length, 2);
  t.same(deliveries.map((x) => x.outcome).sort(), ['rate_limited', 'rate_limited', 'sent', 'sent']);
  now += 61_000;
  d.raise({ kind: 'policy', title: 'later', client_ip: '10.0.0.9' });
  await d.flush();
  t.equal(ch.got.length, 3, 'the window slides');
});

t.test('retries with backoff, then records failure without throwing', async (t) => {
  const flaky = fakeChannel('webhook', 2);
  const dead = fakeChannel('ntfy', 99);
  const { sink, deliveries } = memorySink();
  const d = new AlertDispatcher({ channels: [flaky, dead], sink, logger, dedupeMs: 0, ratePerMinute: 10, attempts: 3, retryBaseMs: 1 });
  d.raise({ kind: 'system', title: 'disk full' });
  await d.flush();
  t.equal(flaky.calls(), 3);
  t.equal(dead.calls(), 3);
  const byChannel = Object.fromEntries(deliveries.map((x) => [x.channel, x]));
  t.equal(byChannel.webhook!.outcome, 'sent');
  t.equal(byChannel.webhook!.attempts, 3);
  t.equal(byChannel.ntfy!.outcome, 'failed');
  t.equal(byChannel.ntfy!.error, 'down (3)');
});

t.test('close cancels pending retries and refuses new alerts', async (t) => {
  const dead = fakeChannel('email', 99);
  const d = new AlertDispatcher({ channels: [dead], sink: null, logger, dedupeMs: 0, ratePerMinute: 10, attempts: 5, retryBaseMs: 60_000 });
  d.raise({ kind: 'system', title: 'x' });
  await new Promise((r) => setImmediate(r));
  await d.close(1_000);
  t.equal(dead.calls(), 1, 'no retry after close');
  t.equal(d.raise({ kind: 'system', title: 'y' }), null);
  t.equal(d.stats().failed, 1);
});

t.test('a failing store never stops delivery', async (t) => {
  const ch = fakeChannel('webhook');
  const sink: AlertSink = {
    insert: () => {
      throw new Error('readonly database');
    },
    recordDelivery: () => {
      throw new Error('readonly database');
    },
  };
  const d = new AlertDispatcher({ channels: [ch], sink, logger, dedupeMs: 0, ratePerMinute: 10 });
  const a = d.raise({ kind: 'policy', title: 'x' });
  t.equal(a!.id, null);
  await d.flush();
  t.equal(ch.got.length, 1);
});

t.test('the dedupe map is pruned when it grows', async (t) => {
  let now = 0;
  const d = new AlertDispatcher({ channels: [], sink: null, logger, dedupeMs: 10, ratePerMinute: 10, now: () => now });
  for (let i = 0; i <= 10_001; i++) {
    now += 11;
    d.raise({ kind: 'policy', title: 'x', client_ip: `k${i}` });
  }
  t.equal(d.stats().raised, 10_002);
  t.equal(d.raise({ kind: 'policy', title: 'x', client_ip: 'k10001' }), null, 'recent keys survive the prune');
});
