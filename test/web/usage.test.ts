import t from 'tap';
import { openAuditDb } from '../../lib/audit/store.js';
import { EventInserter } from '../../lib/audit/insert.js';
import { appUsage, foldConnections, labeler, SESSION_GAP_MS } from '../../lib/web/usage.js';
import { row } from './fixtures/helpers.js';

const MIN = 60_000;

t.test('app time is the union of connections; a gap over SESSION_GAP_MS starts a session', async (t) => {
  const c = (start: number, minutes: number | null) => ({ ts: start * MIN, duration_ms: minutes === null ? null : minutes * MIN });
  t.same(foldConnections([], 0, 1e9), { time_ms: 0, sessions: 0, connections: 0 });
  t.same(foldConnections([c(0, 10)], 0, 1e9), { time_ms: 10 * MIN, sessions: 1, connections: 1 });
  t.same(foldConnections([c(0, 10), c(2, 3), c(5, 10)], 0, 1e9), { time_ms: 15 * MIN, sessions: 1, connections: 3 }, 'overlaps count once');
  t.same(foldConnections([c(0, 10), c(12, 1)], 0, 1e9), { time_ms: 11 * MIN, sessions: 1, connections: 2 }, 'a short pause is one session');
  t.same(foldConnections([c(0, 10), c(10 + SESSION_GAP_MS / MIN + 1, 1)], 0, 1e9).sessions, 2);
  t.same(foldConnections([c(0, null), c(1, -5)], 0, 1e9), { time_ms: 0, sessions: 1, connections: 2 }, 'unknown or bad durations add no time');
  t.same(foldConnections([c(0, 30)], 10 * MIN, 20 * MIN).time_ms, 10 * MIN, 'clipped to the window');
});

t.test('appUsage per device and per person, observe rows only', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  const obs = (ip: string, provider: string, start: number, minutes: number, person: string | null) =>
    row({ client_ip: ip, client_name: null, person, mode: 'observe', provider, ts: start * MIN, duration_ms: minutes * MIN });
  const rows = [
    obs('10.0.0.1', 'openai', 0, 10, 'ann'), obs('10.0.0.1', 'openai', 100, 5, 'ann'),
    obs('10.0.0.2', 'openai', 0, 20, 'ann'), obs('10.0.0.2', 'anthropic', 0, 30, 'ann'),
    obs('10.0.0.3', 'openai', 0, 1, null),
    row({ client_ip: '10.0.0.1', ts: 5 * MIN }), // an API request: not app time
    obs('10.0.0.1', 'openai', 5000, 10, 'ann'), // outside the window
  ];
  const ins = new EventInserter(db);
  db.transaction(() => rows.forEach((r) => ins.insertEvent(r)))();
  const label = labeler((ip) => ({ ip, mac: null, name: ip === '10.0.0.2' ? 'tablet' : null, person: ip === '10.0.0.3' ? 'ben' : 'ann' }));
  const u = appUsage(db, 0, 1000 * MIN, label);
  t.same(u.devices.map((d) => [d.client_ip, d.name, d.person, d.provider, d.time_ms / MIN, d.sessions, d.connections]), [
    ['10.0.0.2', 'tablet', 'ann', 'anthropic', 30, 1, 1],
    ['10.0.0.2', 'tablet', 'ann', 'openai', 20, 1, 1],
    ['10.0.0.1', null, 'ann', 'openai', 15, 2, 2],
    ['10.0.0.3', null, 'ben', 'openai', 1, 1, 1],
  ]);
  t.same(u.people.map((p) => [p.person, p.time_ms / MIN, p.apps.map((a) => [a.provider, a.time_ms / MIN, a.sessions, a.connections])]), [
    ['ann', 65, [['openai', 35, 3, 3], ['anthropic', 30, 1, 1]]],
    ['ben', 1, [['openai', 1, 1, 1]]],
  ]);
  t.same(labeler((ip) => ({ ip, mac: null, name: null, person: null }))('1.2.3.4', { name: 'old', person: 'p' }), { name: 'old', person: 'p' });
  t.same(labeler((ip) => ({ ip, mac: null, name: null, person: null }))('1.2.3.4'), { name: null, person: null });
});
