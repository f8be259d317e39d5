import t from 'tap';
import { decodeCursor, encodeCursor, eventsPage, exportEvents, statsSeries, statsSummary, type EventFilters } from '../../lib/audit/queries.js';
import { openAuditDb, type Db } from '../../lib/audit/store.js';
import { EventInserter } from '../../lib/audit/insert.js';
import type { AuditRow } from '../../lib/audit/row.js';
import { addDays, startOfDay, startOfHour } from '../../lib/audit/time.js';
import { row } from './fixtures/helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function insert(db: Db, rows: AuditRow[]): AuditRow[] {
  const ins = new EventInserter(db);
  db.transaction(() => {
    for (const r of rows) ins.insertEvent(r);
    ins.summarizeInto(rows);
  })();
  return rows;
}

/** Deterministic pseudo-random generator so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
}

const DEVICES = [
  { client_ip: '192.168.1.10', client_mac: 'aa:aa:aa:aa:aa:10', client_name: 'kids-ipad', person: 'alice' },
  { client_ip: '192.168.1.11', client_mac: null, client_name: 'laptop', person: 'bob' },
  { client_ip: '192.168.1.12', client_mac: null, client_name: null, person: null },
  // The same name at a second address (a renewed lease): a name filter must find both.
  { client_ip: '192.168.1.13', client_mac: 'aa:aa:aa:aa:aa:10', client_name: 'kids-ipad', person: 'alice' },
];
const PROVIDERS = ['openai', 'anthropic', 'google'];
const ACTIONS = ['allow', 'allow', 'allow', 'alert', 'block'] as const;
const WORDS = ['homework', 'maths', '100% sure', 'snake_case', 'poem', 'Essay'];

function randomRows(n: number, from: number, to: number, seed = 7): AuditRow[] {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  return Array.from({ length: n }, () => {
    const observe = rand() < 0.3;
    return row({
      ...pick(DEVICES),
      ts: Math.floor(from + rand() * (to - from)),
      provider: pick(PROVIDERS),
      mode: observe ? 'observe' : 'intercept',
      model: observe ? null : pick(['gpt-4o', 'claude', 'gemini']),
      policy_action: pick(ACTIONS),
      prompt_tokens: observe ? null : Math.floor(rand() * 100),
      completion_tokens: observe || rand() < 0.2 ? null : Math.floor(rand() * 50),
      request_bytes: Math.floor(rand() * 1000),
      response_bytes: Math.floor(rand() * 5000),
      prompt_preview: observe ? null : `${pick(WORDS)} and ${pick(WORDS)}`,
    });
  });
}

function bruteTotals(rows: AuditRow[]) {
  return {
    requests: rows.length,
    prompt_tokens: rows.reduce((a, r) => a + (r.prompt_tokens ?? 0), 0),
    completion_tokens: rows.reduce((a, r) => a + (r.completion_tokens ?? 0), 0),
    tokens: rows.reduce((a, r) => a + (r.prompt_tokens ?? 0) + (r.completion_tokens ?? 0), 0),
    request_bytes: rows.reduce((a, r) => a + r.request_bytes, 0),
    response_bytes: rows.reduce((a, r) => a + r.response_bytes, 0),
    blocked: rows.filter((r) => r.policy_action === 'block').length,
    alerted: rows.filter((r) => r.policy_action === 'alert').length,
  };
}

const newestFirst = (a: AuditRow, b: AuditRow) => b.ts - a.ts || b.id! - a.id!;

function bruteFilter(rows: AuditRow[], f: EventFilters): AuditRow[] {
  return rows.filter((r) =>
    (!f.device || r.client_ip === f.device || r.client_name === f.device || r.client_mac === f.device) &&
    (!f.person || r.person === f.person) && (!f.provider || r.provider === f.provider) &&
    (!f.action || r.policy_action === f.action) && (!f.model || r.model === f.model) && (!f.mode || r.mode === f.mode) &&
    (f.since === undefined || r.ts >= f.since) && (f.until === undefined || r.ts < f.until) &&
    (!f.text || (r.prompt_preview ?? '').toLowerCase().includes(f.text.toLowerCase())));
}

function allPages(db: Db, f: EventFilters, limit: number): { rows: AuditRow[]; pages: number } {
  const rows: AuditRow[] = [];
  let before: string | null = null;
  let pages = 0;
  do {
    const page = eventsPage(db, f, { limit, before });
    t.ok(page.events.length <= limit);
    rows.push(...page.events);
    before = page.next;
    pages++;
  } while (before);
  return { rows, pages };
}

t.test('stats across a day boundary in the configured time zone', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  const now = Date.parse('2024-01-14T23:30:00Z'); // 00:30 on Jan 15 in Berlin
  insert(db, [
    row({ ts: Date.parse('2024-01-14T22:50:00Z'), client_ip: '10.0.0.1', client_name: 'tv', person: null, provider: 'openai', policy_action: 'block', prompt_tokens: 10, completion_tokens: 5 }),
    row({ ts: Date.parse('2024-01-14T23:10:00Z'), client_ip: '10.0.0.2', client_name: 'phone', person: 'bob', provider: 'anthropic', policy_action: 'alert', prompt_tokens: 100, completion_tokens: null }),
    row({ ts: Date.parse('2024-01-14T23:20:00Z'), client_ip: '10.0.0.2', client_name: 'bobs-phone', person: 'bob', provider: 'anthropic', policy_action: 'allow', prompt_tokens: 1, completion_tokens: 2 }),
    row({ ts: now - 25 * HOUR, client_ip: '10.0.0.1', provider: 'openai' }),
  ]);
  const berlin = statsSummary(db, now, 'Europe/Berlin');
  t.equal(berlin.today.since, Date.parse('2024-01-14T23:00:00Z'), 'today starts at Berlin midnight');
  t.match(berlin.today.totals, { requests: 2, tokens: 103, blocked: 0, alerted: 1 });
  t.match(berlin.last_24h.totals, { requests: 3, tokens: 118, blocked: 1, alerted: 1, prompt_tokens: 111, completion_tokens: 7 });
  t.same(berlin.today.devices.map((d) => [d.client_ip, d.client_name, d.requests]), [['10.0.0.2', 'bobs-phone', 2]], 'newest name of the device');
  t.same(berlin.last_24h.providers.map((p) => [p.provider, p.requests]), [['anthropic', 2], ['openai', 1]]);
  t.equal(berlin.last_24h.devices.find((d) => d.client_ip === '10.0.0.2')!.last_seen, Date.parse('2024-01-14T23:20:00Z'));

  const utc = statsSummary(db, now, 'UTC');
  t.match(utc.today.totals, { requests: 3 }, 'in UTC it is still Jan 14: all three are today');
  const ny = statsSummary(db, now, 'America/New_York');
  t.match(ny.today.totals, { requests: 3 }, 'New York: 18:30 on Jan 14');
});

t.test('summary and series equal a brute-force count, in whole-hour and half-hour zones', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  const now = Date.parse('2024-03-31T10:17:23Z'); // the Berlin spring-forward day
  const rows = insert(db, randomRows(6000, now - 40 * DAY, now + 1));
  for (const tz of ['Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', 'UTC']) {
    const inRange = (lo: number, hi: number) => rows.filter((r) => r.ts >= lo && r.ts < hi);
    const s = statsSummary(db, now, tz);
    t.same(s.today.totals, bruteTotals(inRange(startOfDay(now, tz), now + 1)), `${tz}: today`);
    t.same(s.last_24h.totals, bruteTotals(inRange(now - DAY, now + 1)), `${tz}: last 24 h`);
    const dev = s.last_24h.devices.find((d) => d.client_ip === '192.168.1.11')!;
    t.same({ ...dev, client_ip: undefined, client_name: undefined, person: undefined, last_seen: undefined },
      { ...bruteTotals(inRange(now - DAY, now + 1).filter((r) => r.client_ip === '192.168.1.11')), client_ip: undefined, client_name: undefined, person: undefined, last_seen: undefined }, `${tz}: one device`);

    for (const range of ['24h', '30d'] as const) {
      const series = statsSeries(db, { range, now, tz });
      t.equal(series.starts.length, range === '24h' ? 24 : 30);
      t.equal(series.starts[series.starts.length - 1], range === '24h' ? startOfHour(now, tz) : startOfDay(now, tz));
      const expected = series.starts.map((lo, i) => inRange(lo, series.starts[i + 1] ?? now + 1));
      t.same(series.points.map((p) => p.requests), expected.map((b) => b.length), `${tz} ${range}: requests per bucket`);
      t.same(series.points.map((p) => p.tokens), expected.map((b) => bruteTotals(b).tokens), `${tz} ${range}: tokens per bucket`);
      t.same(series.points.map((p) => [p.blocked, p.alerted]), expected.map((b) => [bruteTotals(b).blocked, bruteTotals(b).alerted]));
      t.same(series.providers.google!.requests, expected.map((b) => b.filter((r) => r.provider === 'google').length), `${tz} ${range}: per provider`);
      t.same(series.devices['192.168.1.10']!.tokens, expected.map((b) => bruteTotals(b.filter((r) => r.client_ip === '192.168.1.10')).tokens), `${tz} ${range}: per device`);
      t.equal(series.devices['192.168.1.10']!.client_name, 'kids-ipad');
    }
  }
  const later = now + 2 * DAY;
  const days = statsSeries(db, { range: '30d', now: later, tz: 'Europe/Berlin' }).starts;
  t.equal(days[28]! - days[27]!, 23 * HOUR, 'the DST day (March 31) is 23 hours long');
  t.equal(days[0], addDays(startOfDay(later, 'Europe/Berlin'), -29, 'Europe/Berlin'));
});

t.test('event filters match a brute-force filter, newest first', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  const now = Date.parse('2024-05-01T12:00:00Z');
  const rows = insert(db, randomRows(3000, now - 10 * DAY, now));
  const cases: EventFilters[] = [
    {},
    { device: '192.168.1.11' },
    { device: '::ffff:192.168.1.11' },
    { device: 'kids-ipad' },
    { device: 'AA-AA-AA-AA-AA-10' },
    { person: 'bob' },
    { provider: 'anthropic' },
    { action: 'block' },
    { model: 'claude' },
    { mode: 'observe' },
    { since: now - 3 * DAY, until: now - DAY },
    { text: 'HOMEWORK' },
    { text: '100%' },
    { text: 'snake_' },
    { device: 'kids-ipad', provider: 'openai', action: 'alert', text: 'poem' },
    { person: 'alice', mode: 'intercept', since: now - 5 * DAY },
    { device: 'nobody-has-this-name' },
    { device: '10.9.9.9' },
  ];
  for (const f of cases) {
    const expected = bruteFilter(rows, { ...f, device: f.device?.replace('::ffff:', '').replace(/-/g, ':').toLowerCase() === 'aa:aa:aa:aa:aa:10' ? 'aa:aa:aa:aa:aa:10' : f.device?.replace('::ffff:', '') }).sort(newestFirst);
    const { rows: got } = allPages(db, f, 50);
    t.same(got.map((r) => r.id), expected.map((r) => r.id), `filter ${JSON.stringify(f)}: ${expected.length} rows`);
  }
  const first = eventsPage(db, {}, { limit: 5 });
  t.same(first.events.map((r) => r.id), [...rows].sort(newestFirst).slice(0, 5).map((r) => r.id));
  t.equal(eventsPage(db, {}, { limit: 0 }).events.length, 1, 'limit is clamped to at least 1');
  t.equal(eventsPage(db, {}, { limit: 1e9 }).events.length, 1000, 'and at most MAX_PAGE');
});

t.test('keyset pages are stable while rows are inserted between them', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  const now = Date.parse('2024-05-01T12:00:00Z');
  // Many equal timestamps: the id must break ties.
  const original = insert(db, randomRows(500, now - DAY, now).map((r, i) => ({ ...r, ts: now - DAY + Math.floor(i / 10) * 1000 })));
  const seen: AuditRow[] = [];
  let before: string | null = null;
  let k = 0;
  do {
    const page = eventsPage(db, {}, { limit: 17, before });
    seen.push(...page.events);
    before = page.next;
    // Between pages: newer rows, rows as old as the page we are on, and older ones.
    const cursorTs = page.events[page.events.length - 1]?.ts ?? now;
    insert(db, [row({ ts: now + k }), row({ ts: cursorTs }), row({ ts: now - 2 * DAY - k })]);
    k++;
  } while (before);
  const ids = seen.map((r) => r.id);
  t.equal(new Set(ids).size, ids.length, 'no row twice');
  const originalIds = new Set(original.map((r) => r.id));
  t.same(seen.filter((r) => originalIds.has(r.id)).map((r) => r.id), [...original].sort(newestFirst).map((r) => r.id), 'every original row, in order');
  t.same([...seen].sort(newestFirst).map((r) => r.id), ids, 'strictly newest first');
});

t.test('unindexed filters scan in bounded windows and still find everything', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  const now = Date.parse('2024-05-01T12:00:00Z');
  const rows = randomRows(45_000, now - 30 * DAY, now, 3).map((r) => ({ ...r, prompt_preview: 'nothing to see' }));
  for (const i of [5, 20_010, 20_011, 39_000, 44_999]) rows[i]!.prompt_preview = 'the needle is here';
  insert(db, rows);
  const { rows: found, pages } = allPages(db, { text: 'needle' }, 3);
  t.same(found.map((r) => r.id), bruteFilter(rows, { text: 'needle' }).sort(newestFirst).map((r) => r.id));
  t.ok(pages >= 2);
  const { rows: models } = allPages(db, { model: 'gemini', device: 'laptop' }, 500);
  t.same(models.map((r) => r.id), bruteFilter(rows, { model: 'gemini', device: 'laptop' }).sort(newestFirst).map((r) => r.id));
  const windowed = eventsPage(db, { text: 'needle', since: now - 2 * DAY }, { limit: 10 });
  t.same(windowed.events.map((r) => r.id), bruteFilter(rows, { text: 'needle', since: now - 2 * DAY }).sort(newestFirst).map((r) => r.id).slice(0, 10));
});

t.test('cursors', async (t) => {
  t.same(decodeCursor(encodeCursor({ ts: 1_700_000_000_123, id: 42 })), { ts: 1_700_000_000_123, id: 42 });
  for (const bad of ['', 'abc', '1_', '_1', '1_2_3', "1_2' OR 1=1"]) t.throws(() => decodeCursor(bad), RangeError, JSON.stringify(bad));
  const db = openAuditDb(':memory:');
  t.throws(() => eventsPage(db, {}, { limit: 5, before: 'garbage' }), RangeError);
  db.close();
});

t.test('export streams every matching row oldest first, across chunks and ties', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  const now = Date.parse('2024-05-01T12:00:00Z');
  const rows = insert(db, randomRows(2500, now - DAY, now).map((r, i) => ({ ...r, ts: i < 1500 ? now - DAY : r.ts })));
  const oldestFirst = (a: AuditRow, b: AuditRow) => a.ts - b.ts || a.id! - b.id!;
  t.same([...exportEvents(db, {})].map((r) => r.id), [...rows].sort(oldestFirst).map((r) => r.id), '1500 equal timestamps span two chunks');
  for (const f of [{ since: now - 12 * HOUR, until: now - HOUR }, { device: 'kids-ipad' }, { person: 'bob', action: 'block' as const }, { device: 'unknown-name' }]) {
    t.same([...exportEvents(db, f)].map((r) => r.id), bruteFilter(rows, f).sort(oldestFirst).map((r) => r.id), JSON.stringify(f));
  }
  const it = exportEvents(db, {});
  it.next();
  t.ok(eventsPage(db, {}, { limit: 1 }).events.length === 1, 'a paused export does not hold the connection');
});
