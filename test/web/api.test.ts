import t, { type Test } from 'tap';
import { EXPORT_COLUMNS } from '../../lib/audit/export.js';
import { AuditWriter } from '../../lib/audit/writer.js';
import { ALERT_MIGRATIONS } from '../../lib/alerts/store.js';
import { createLogger } from '../../lib/log.js';
import { Client, DAY, DEVICES, HOUR, row, seedRows, startDashboard } from './fixtures/helpers.js';

const NOW = Date.UTC(2025, 5, 18, 14, 30);
const seeded = seedRows(NOW);

function noStack(t: Test, text: string) {
  t.notMatch(text, /\n\s+at\s/, 'no stack trace');
}

t.test('/api/stats: windows, series, people and app use from the seeded DB', async (t) => {
  const f = await startDashboard(t, { now: NOW });
  f.dispatcher.raise({ kind: 'policy', title: 'Bedtime', client_ip: DEVICES.ipad.client_ip });
  const c = new Client(f.port);
  const r = await c.get('/api/stats');
  t.equal(r.status, 200);
  const s = r.json;
  t.equal(s.now, NOW);
  t.equal(s.tz, 'Europe/Berlin');
  const inLast24h = seeded.filter((x) => x.ts >= NOW - DAY);
  t.equal(s.last_24h.totals.requests, inLast24h.length, 'last 24 h counts every row');
  t.equal(s.last_24h.totals.blocked, inLast24h.filter((x) => x.policy_action === 'block').length);
  t.equal(s.last_24h.totals.alerted, inLast24h.filter((x) => x.policy_action === 'alert').length);
  t.equal(s.last_24h.totals.tokens, inLast24h.reduce((a, x) => a + (x.prompt_tokens ?? 0) + (x.completion_tokens ?? 0), 0));

  t.equal(s.range, '24h', 'the default range');
  t.equal(s.series.starts.length, 24);
  const from24 = s.series.starts[0];
  const providerSum = (p: string) => s.series.providers[p]?.requests.reduce((a: number, b: number) => a + b, 0) ?? 0;
  for (const p of ['openai', 'anthropic', 'google']) {
    t.equal(providerSum(p), seeded.filter((x) => x.ts >= from24 && x.provider === p).length, `24 h series for ${p}`);
  }
  const m = (await c.get('/api/stats?range=30d')).json;
  t.equal(m.range, '30d');
  t.equal(m.series.starts.length, 30);
  const month = m.series.points.reduce((a: number, p: { requests: number }) => a + p.requests, 0);
  t.equal(month, seeded.filter((x) => x.ts >= m.series.starts[0]).length, '30 d series');
  t.equal(m.series.devices[DEVICES.laptop.client_ip].name, 'bobs-laptop');
  t.same(m.last_24h, s.last_24h, 'the windows do not depend on the range');

  const laptop = s.last_24h.devices.find((d: { client_ip: string }) => d.client_ip === DEVICES.laptop.client_ip);
  t.equal(laptop.name, 'bobs-laptop', 'the config name beats the recorded one');
  const alice = s.last_24h.people.find((p: { person: string }) => p.person === 'alice');
  t.equal(alice.requests, inLast24h.filter((x) => x.client_ip === DEVICES.ipad.client_ip).length);
  t.same(alice.devices, [DEVICES.ipad.client_ip]);
  t.ok(s.last_24h.people.some((p: { person: string | null }) => p.person === null), 'unassigned devices form a group');
  t.equal(s.series.people.alice.requests.length, 24);
  t.equal(s.series.people[''].requests.reduce((a: number, b: number) => a + b, 0), seeded.filter((x) => x.ts >= from24 && x.person === null).length, 'nobody\'s devices under ""');

  // The phone: ChatGPT twice overlapping (20 + 15 min, 10 min apart → 25 min) plus 10 min later; Claude 5 min.
  const emma = s.apps.people.find((p: { person: string }) => p.person === 'emma');
  t.same(emma.apps.map((a: { provider: string; time_ms: number; sessions: number; connections: number }) => [a.provider, a.time_ms / 60_000, a.sessions, a.connections]),
    [['openai', 35, 2, 3], ['anthropic', 5, 1, 1]]);
  t.equal(emma.time_ms, 40 * 60_000);
  t.equal(s.alerts.last_24h, 1);

  const bad = await c.get('/api/stats?range=7d');
  t.equal(bad.status, 400);
  t.equal(bad.json.error.type, 'bad_request');
  t.match(bad.json.error.message, /range must be one of 24h, 30d/);
  t.match((await c.get('/api/stats?days=7')).json.error.message, /unknown query parameter "days"/);
});

t.test('/api/events: filters, labels, newest first', async (t) => {
  const f = await startDashboard(t, { now: NOW });
  const c = new Client(f.port);
  const all = async (q: string) => {
    const r = await c.get(`/api/events?limit=1000${q ? `&${q}` : ''}`);
    t.equal(r.status, 200, q);
    return r.json.events as { id: number; ts: number; provider: string; policy_action: string; client_ip: string; model: string | null; mode: string; prompt_preview: string | null; device_name: string | null; client_name: string | null; policy_reasons: unknown }[];
  };
  const everything = await all('');
  t.equal(everything.length, seeded.length);
  t.ok(everything.every((e, i) => i === 0 || everything[i - 1]!.ts >= e.ts), 'newest first');
  const fromLaptop = everything.find((e) => e.client_ip === DEVICES.laptop.client_ip)!;
  t.equal(fromLaptop.client_name, 'laptop', 'recorded name kept');
  t.equal(fromLaptop.device_name, 'bobs-laptop', "today's name added");
  t.ok(Array.isArray(everything[0]!.policy_reasons), 'reasons as an array');
  t.ok(everything.every((e) => (e as unknown as { prompt_cut: boolean }).prompt_cut === false));

  const count = (pred: (x: (typeof seeded)[number]) => boolean) => seeded.filter(pred).length;
  t.equal((await all('provider=anthropic')).length, count((x) => x.provider === 'anthropic'));
  t.ok((await all('provider=anthropic')).every((e) => e.provider === 'anthropic'));
  t.equal((await all('action=block')).length, count((x) => x.policy_action === 'block'));
  t.equal((await all(`device=${DEVICES.ipad.client_ip}`)).length, count((x) => x.client_ip === DEVICES.ipad.client_ip));
  t.equal((await all('device=kids-ipad')).length, count((x) => x.client_name === 'kids-ipad'), 'by recorded name');
  t.equal((await all(`device=${DEVICES.ipad.client_mac}`)).length, count((x) => x.client_mac === DEVICES.ipad.client_mac), 'by MAC');
  t.equal((await all('person=alice')).length, count((x) => x.person === 'alice'));
  t.equal((await all('model=gpt-4o')).length, count((x) => x.model === 'gpt-4o'));
  t.equal((await all('mode=observe')).length, count((x) => x.mode === 'observe'));
  const secret = await all('q=SECRET');
  t.equal(secret.length, count((x) => /secret/i.test(x.prompt_preview ?? '')));
  t.ok(secret.length > 0);
  const since = new Date(NOW - 6 * HOUR).toISOString();
  t.equal((await all(`since=${encodeURIComponent(since)}&until=${NOW - HOUR}`)).length, count((x) => x.ts >= NOW - 6 * HOUR && x.ts < NOW - HOUR));
  t.equal((await all('provider=openai&action=allow&person=alice')).length,
    count((x) => x.provider === 'openai' && x.policy_action === 'allow' && x.person === 'alice'));
  t.same(await all('device=nobody-knows'), []);
});

t.test('/api/events cuts very long prompts; the CSV has them whole', async (t) => {
  const long = 'word '.repeat(1000);
  const f = await startDashboard(t, { now: NOW, rows: [row({ ts: NOW - 1000, prompt_preview: long }), row({ ts: NOW - 2000, prompt_preview: 'short' })] });
  const c = new Client(f.port);
  const [a, b] = (await c.get('/api/events')).json.events;
  t.equal(a.prompt_cut, true);
  t.equal(a.prompt_preview.length, 2001);
  t.ok(a.prompt_preview.endsWith('…'));
  t.match(b, { prompt_cut: false, prompt_preview: 'short' });
  const emoji = (await startDashboard(t, { now: NOW, rows: [row({ ts: NOW - 1000, prompt_preview: 'x'.repeat(1999) + '😀'.repeat(10) })] }));
  const cutEmoji = (await new Client(emoji.port).get('/api/events')).json.events[0].prompt_preview as string;
  t.equal(cutEmoji, 'x'.repeat(1999) + '…', 'no half emoji');
  t.ok((await c.get('/api/events.csv')).text.includes(long.trim()));
});

t.test('/api/events: keyset pages are stable while new rows arrive', async (t) => {
  const f = await startDashboard(t, { now: NOW });
  const c = new Client(f.port);
  const expected = (await c.get('/api/events?limit=1000')).json.events.map((e: { id: number }) => e.id);
  const writer = new AuditWriter({ path: f.dbPath, logger: createLogger('silent'), migrations: [ALERT_MIGRATIONS] });
  const seen: number[] = [];
  let before: string | null = null;
  let pages = 0;
  do {
    const r = await c.get(`/api/events?limit=7${before ? `&before=${before}` : ''}`);
    t.equal(r.status, 200);
    seen.push(...r.json.events.map((e: { id: number }) => e.id));
    before = r.json.next;
    // Rows written between pages, newer and (clock skew) older than the page boundary.
    writer.enqueue(row({ ts: NOW + pages * 1000 }));
    writer.enqueue(row({ ts: NOW - 10 * DAY }));
    writer.flush();
    pages++;
  } while (before);
  await writer.close();
  const original = new Set(expected);
  t.same(seen.filter((id) => original.has(id)), expected, 'every original row once, in order');
  t.equal(new Set(seen).size, seen.length, 'no row twice');
  t.ok(pages > 20);
});

t.test('/api/events and friends: bad parameters get 400 JSON, never a stack', async (t) => {
  const f = await startDashboard(t, { now: NOW });
  const c = new Client(f.port);
  const cases: [string, RegExp][] = [
    ['/api/events?limit=0', /limit must be a whole number from 1 to 1000/],
    ['/api/events?limit=ten', /limit/],
    ['/api/events?limit=1001', /limit/],
    ['/api/events?action=maybe', /action must be one of allow, alert, block/],
    ['/api/events?mode=spy', /mode/],
    ['/api/events?since=yesterday', /since must be unix milliseconds or an ISO 8601 time/],
    ['/api/events?since=2025-01-01T10:00', /since/],
    ['/api/events?since=2000&until=1000', /since must be before until/],
    ['/api/events?before=abc', /before: not an events cursor/],
    ['/api/events?provider=a&provider=b', /provider is repeated/],
    ['/api/events?foo=1', /unknown query parameter "foo"/],
    ['/api/events?q=' + 'x'.repeat(201), /q is longer than 200 characters/],
    ['/api/events?device=%01', /device contains control characters/],
    ['/api/events.csv?limit=5', /unknown query parameter "limit"/],
    ['/api/alerts?kind=gossip', /kind must be one of/],
    ['/api/alerts?before=-1', /before/],
    ['/api/devices?x=1', /unknown query parameter/],
    ['/api/policies?x=1', /unknown query parameter/],
    ['/install/check.json?x=1', /unknown query parameter/],
  ];
  for (const [path, message] of cases) {
    const r = await c.get(path);
    t.equal(r.status, 400, path);
    t.match(r.headers['content-type'], /^application\/json/);
    t.equal(r.json?.error?.type, 'bad_request', path);
    t.match(r.json?.error?.message, message, path);
    noStack(t, r.text);
  }
  t.equal((await c.get('/api/events?since=1749999999999&until=2025-06-18T14:30:00%2B02:00')).status, 200, 'ms and ISO with an offset');
  t.equal((await c.get('/api/events?since=2025-06-18')).status, 200, 'a plain date');
  t.equal((await c.get('/api/events?provider=&q=')).status, 200, 'empty values are absent');
  t.equal((await c.get('/api/nothing')).status, 404);
});

t.test('/api/events.csv streams the filtered events as CSV', async (t) => {
  const f = await startDashboard(t, { now: NOW });
  const c = new Client(f.port);
  const r = await c.get('/api/events.csv?provider=openai');
  t.equal(r.status, 200);
  t.match(r.headers['content-type'], /^text\/csv; charset=utf-8/);
  t.match(r.headers['content-disposition'], /^attachment; filename="yori-events-2025-06-18\.csv"$/);
  t.equal(r.text.charCodeAt(0), 0xfeff, 'BOM for spreadsheet apps');
  const lines = r.text.slice(1).trimEnd().split('\r\n');
  t.equal(lines[0], EXPORT_COLUMNS.join(','));
  const openai = seeded.filter((x) => x.provider === 'openai');
  t.equal(lines.length - 1, openai.length);
  const tsCol = EXPORT_COLUMNS.indexOf('ts');
  const providerCol = EXPORT_COLUMNS.indexOf('provider');
  const ts = lines.slice(1).map((l) => Number(l.split(',')[tsCol]));
  t.same(ts, openai.map((x) => x.ts).sort((a, b) => a - b), 'oldest first');
  t.ok(lines.slice(1).every((l) => l.split(',')[providerCol] === 'openai'));
  const none = await c.get('/api/events.csv?device=10.9.9.9');
  t.equal(none.text.slice(1), `${EXPORT_COLUMNS.join(',')}\r\n`, 'just the header');
});

t.test('/api/alerts: newest first, pages, filters, scrubbed delivery errors', async (t) => {
  const f = await startDashboard(t, { now: NOW });
  for (let i = 0; i < 5; i++) f.dispatcher.raise({ kind: i === 4 ? 'new_device' : 'policy', title: `alert ${i}`, client_ip: i % 2 ? DEVICES.laptop.client_ip : DEVICES.ipad.client_ip });
  const first = f.store.list({ limit: 1 })[0]!;
  f.store.recordDelivery({ alert: first, channel: 'webhook', outcome: 'failed', attempts: 4, error: 'HTTP 401: bad key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD' });
  const c = new Client(f.port);
  const p1 = await c.get('/api/alerts?limit=2');
  t.same(p1.json.alerts.map((a: { title: string }) => a.title), ['alert 4', 'alert 3']);
  t.equal(p1.json.alerts[0].deliveries[0].outcome, 'failed');
  t.notMatch(p1.json.alerts[0].deliveries[0].error, /sk-proj/, 'credential scrubbed');
  t.match(p1.json.alerts[0].deliveries[0].error, /\[REDACTED\]/);
  t.equal(p1.json.alerts[1].device_name, 'bobs-laptop');
  const p2 = await c.get(`/api/alerts?limit=2&before=${p1.json.next}`);
  t.same(p2.json.alerts.map((a: { title: string }) => a.title), ['alert 2', 'alert 1']);
  const p3 = await c.get(`/api/alerts?limit=2&before=${p2.json.next}`);
  t.same(p3.json.alerts.map((a: { title: string }) => a.title), ['alert 0']);
  t.equal(p3.json.next, null);
  t.same((await c.get('/api/alerts?kind=new_device')).json.alerts.map((a: { title: string }) => a.title), ['alert 4']);
  t.equal((await c.get(`/api/alerts?device=${DEVICES.laptop.client_ip}`)).json.alerts.length, 2);
  t.equal((await c.get(`/api/alerts?since=${NOW + DAY * 365 * 10}`)).json.alerts.length, 0);
});

t.test('/api/devices: list with sources, name a device, forget a name', async (t) => {
  const f = await startDashboard(t, { now: NOW });
  const c = new Client(f.port);
  await c.session();
  const list = (await c.get('/api/devices')).json;
  const by = (ip: string) => list.devices.find((d: { ip: string }) => d.ip === ip);
  t.match(by(DEVICES.ipad.client_ip), { mac: DEVICES.ipad.client_mac, key: DEVICES.ipad.client_mac, name: 'kids-ipad', person: 'alice', source: 'audit' });
  t.match(by(DEVICES.laptop.client_ip), { key: DEVICES.laptop.client_ip, name: 'bobs-laptop', source: 'config' });
  t.match(by(DEVICES.unnamed.client_ip), { name: null, person: null, source: null });
  t.equal(by(DEVICES.ipad.client_ip).requests_24h, seeded.filter((x) => x.client_ip === DEVICES.ipad.client_ip && x.ts >= NOW - DAY).length);
  t.same(list.people, ['alice', 'bob', 'emma']);

  const named = await c.request('POST', '/api/devices', { body: { key: DEVICES.unnamed.client_ip, name: '  Guest tablet ', person: 'emma' } });
  t.equal(named.status, 200);
  t.same(named.json, { key: DEVICES.unnamed.client_ip, name: 'Guest tablet', person: 'emma' });
  t.equal(f.devices.resolve(DEVICES.unnamed.client_ip).name, 'Guest tablet', 'the directory applies it at once');
  t.match((await c.get('/api/devices')).json.devices.find((d: { ip: string }) => d.ip === DEVICES.unnamed.client_ip), { name: 'Guest tablet', person: 'emma', source: 'dashboard' });
  const stats = (await c.get('/api/stats')).json;
  const emma = stats.last_24h.people.find((p: { person: string }) => p.person === 'emma');
  t.ok(emma.devices.includes(DEVICES.unnamed.client_ip), 'past use counts for the new person');
  const ev = (await c.get(`/api/events?limit=1&device=${DEVICES.unnamed.client_ip}`)).json.events[0];
  t.equal(ev.device_name, 'Guest tablet');

  // A name for a MAC that holds no address now still shows.
  t.equal((await c.request('POST', '/api/devices', { body: { key: 'AA-BB-CC-DD-EE-FF', name: 'old phone' } })).status, 200);
  t.match((await c.get('/api/devices')).json.devices.find((d: { key: string }) => d.key === 'aa:bb:cc:dd:ee:ff'), { ip: null, name: 'old phone', source: 'dashboard' });

  const forget = await c.request('DELETE', `/api/devices?key=${DEVICES.unnamed.client_ip}`);
  t.same(forget.json, { key: DEVICES.unnamed.client_ip, removed: true });
  t.equal(f.devices.resolve(DEVICES.unnamed.client_ip).name, null);
  t.equal((await c.request('DELETE', '/api/devices?key=10.1.1.1')).json.removed, false);

  const bad: [Parameters<Client['request']>[2], number, RegExp][] = [
    [{ body: { key: 'kitchen', name: 'x' } }, 400, /key must be the device's IP or MAC/],
    [{ body: { key: '10.0.0.1', name: 'x'.repeat(65) } }, 400, /name is longer than 64/],
    [{ body: { key: '10.0.0.1', name: 7 } }, 400, /name must be a string/],
    [{ body: { key: '10.0.0.1', colour: 'red' } }, 400, /unknown field "colour"/],
    [{ body: [1, 2] }, 400, /must be a JSON object/],
    [{ raw: '{"key":', headers: { 'content-type': 'application/json' } }, 400, /not valid JSON/],
    [{ raw: 'key=10.0.0.1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, /application\/json/],
    [{ raw: JSON.stringify({ key: '10.0.0.1', name: 'x'.repeat(20_000) }), headers: { 'content-type': 'application/json' } }, 413, /at most/],
  ];
  for (const [opts, status, message] of bad) {
    const r = await c.request('POST', '/api/devices', opts);
    t.equal(r.status, status, JSON.stringify(opts).slice(0, 60));
    t.match(r.json.error.message, message);
    noStack(t, r.text);
  }
  t.equal((await c.request('DELETE', '/api/devices')).status, 400, 'no key');
});

t.test('/api/policies reports the loaded policy set', async (t) => {
  const f = await startDashboard(t, { now: NOW });
  const r = await new Client(f.port).get('/api/policies');
  t.equal(r.status, 200);
  t.match(r.json, { mode: 'advisory', files: [{ name: 'bedtime.rego' }, { name: 'home_default.rego' }], lastReload: { ok: true } });
});
