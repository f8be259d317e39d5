import t from 'tap';
import { openAuditDb } from '../../lib/audit/store.js';
import { ALERT_MIGRATIONS, AlertStore } from '../../lib/alerts/store.js';
import { AlertDispatcher } from '../../lib/alerts/dispatcher.js';
import type { AlertChannel } from '../../lib/alerts/channels.js';
import { createLogger } from '../../lib/log.js';

t.test('alerts and their deliveries are stored and listed newest first', async (t) => {
  const db = openAuditDb(':memory:', { migrations: [ALERT_MIGRATIONS] });
  t.teardown(() => db.close());
  const store = new AlertStore(db, () => 42);
  let fail = true;
  const ch: AlertChannel = {
    name: 'webhook',
    async send() {
      if (fail) throw new Error('HTTP 503');
    },
  };
  const d = new AlertDispatcher({ channels: [ch], sink: store, logger: createLogger('silent'), dedupeMs: 0, ratePerMinute: 10, attempts: 1 });
  d.raise({ kind: 'policy', title: 'Card number in a prompt', reasons: ['payment_card'], client_ip: '10.0.0.2', client_name: 'tablet' });
  await d.flush();
  fail = false;
  d.raise({ kind: 'new_device', title: 'New device uses AI', client_ip: '10.0.0.3', severity: 'info' });
  await d.flush();

  const all = store.list();
  t.equal(all.length, 2);
  t.equal(all[0]!.kind, 'new_device');
  t.same(all[0]!.deliveries.map((x) => [x.channel, x.outcome, x.attempts, x.ts]), [['webhook', 'sent', 1, 42]]);
  t.same(all[1]!.reasons, ['payment_card']);
  t.same(all[1]!.deliveries.map((x) => [x.outcome, x.error]), [['failed', 'HTTP 503']]);

  t.same(store.list({ kind: 'policy' }).map((a) => a.title), ['Card number in a prompt']);
  t.same(store.list({ client_ip: '10.0.0.3' }).map((a) => a.id), [all[0]!.id]);
  t.same(store.list({ before: all[0]!.id! }).map((a) => a.id), [all[1]!.id], 'keyset page');
  t.equal(store.list({ since: Date.now() + 60_000 }).length, 0);
  t.equal(store.list({ limit: 1 }).length, 1);
  t.equal(store.count(0), 2);
});
