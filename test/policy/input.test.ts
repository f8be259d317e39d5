import t from 'tap';
import { timeInput, exchangeInput, connectionInput } from '../../lib/policy/input.js';
import { UsageCounters } from '../../lib/policy/usage.js';
import { combineDecision, reasonText, blockedBody } from '../../lib/policy/decision.js';
import { ALLOW, type Exchange, type ObservedConnection, type Route } from '../../lib/hooks.js';
import { zonedTime } from '../../lib/audit/time.js';

const route: Route = { host: 'api.openai.com', provider: 'openai', kind: 'api', mode: 'intercept' };
const client = { ip: '192.168.1.23', mac: 'aa:bb:cc:dd:ee:ff', name: 'kids-ipad', person: 'alice' };

t.test('time input in the configured zone', async (t) => {
  const now = Date.UTC(2026, 10, 25, 20, 5, 7); // 21:05:07 in Berlin (UTC+1), a Wednesday
  const ti = timeInput(now, 'Europe/Berlin');
  t.same(ti, { unix_ms: now, iso: '2026-11-25T21:05:07+01:00', date: '2026-11-25', hour: 21, minute: 5, weekday: 'wednesday', tz: 'Europe/Berlin' });
  t.equal(timeInput(now, 'America/New_York').iso, '2026-11-25T15:05:07-05:00');
  t.equal(timeInput(now, 'Asia/Kolkata').iso, '2026-11-26T01:35:07+05:30');
  t.equal(timeInput(now, 'Asia/Kolkata').weekday, 'thursday');
  t.equal(timeInput(Date.UTC(2026, 6, 1, 12), 'Europe/Berlin').iso, '2026-07-01T14:00:00+02:00', 'summer time');
});

t.test('exchange input carries the request fields, usage and detections', async (t) => {
  const ex = {
    route, method: 'POST', path: '/v1/chat/completions', requestBytes: 812, bodyTruncated: false,
    info: { model: 'gpt-4o', stream: true, messages: 3, prompt: 'hello', attachments: 1 },
  } as unknown as Exchange;
  const usage = { requests_today: 41, requests_last_hour: 7, tokens_today: 18230 };
  const input = exchangeInput(ex, client, usage, [{ type: 'email', count: 1 }], Date.UTC(2026, 0, 5, 8), 'UTC');
  t.same(input.request, {
    host: 'api.openai.com', provider: 'openai', kind: 'api', mode: 'intercept', method: 'POST', path: '/v1/chat/completions',
    model: 'gpt-4o', stream: true, prompt: 'hello', messages: 3, attachments: 1, bytes: 812, body_truncated: false,
  });
  t.same(input.client, client);
  t.same(input.usage.client, usage);
  t.same(input.detections.pii, [{ type: 'email', count: 1 }]);
  t.equal(input.time.weekday, 'monday');

  const bare = exchangeInput({ ...ex, info: null } as unknown as Exchange, client, usage, [], 0, 'UTC');
  t.equal(bare.request.model, null);
  t.equal(bare.request.stream, false);
  t.equal(bare.request.attachments, 0);
});

t.test('observe-mode input names only the service', async (t) => {
  const conn = { route: { host: 'chatgpt.com', provider: 'openai', kind: 'app', mode: 'observe' } } as unknown as ObservedConnection;
  const input = connectionInput(conn, client, { requests_today: 1, requests_last_hour: 1, tokens_today: 0 }, 0, 'UTC');
  t.same(input.request, { host: 'chatgpt.com', provider: 'openai', kind: 'app', mode: 'observe' });
  t.same(input.detections, { pii: [] });
});

t.test('usage counters: today, last hour, tokens; reset at local midnight', async (t) => {
  const tz = 'Europe/Berlin';
  const u = new UsageCounters(tz);
  const evening = zonedTime(tz, 2026, 11, 25, 23, 30);
  t.same(u.recordRequest('a', evening), { requests_today: 1, requests_last_hour: 1, tokens_today: 0 });
  u.recordTokens('a', evening, 500, evening + 1000);
  u.recordTokens('a', evening, 0, evening + 1000);
  t.same(u.recordRequest('a', evening + 20 * 60_000), { requests_today: 2, requests_last_hour: 2, tokens_today: 500 });
  t.same(u.snapshot('b', evening), { requests_today: 0, requests_last_hour: 0, tokens_today: 0 }, 'per device');

  // 00:10 next day: a new day, but the last hour still spans midnight.
  const afterMidnight = zonedTime(tz, 2026, 11, 26, 0, 10);
  t.same(u.recordRequest('a', afterMidnight), { requests_today: 1, requests_last_hour: 3, tokens_today: 0 });
  // Tokens of an exchange that started yesterday do not count today.
  u.recordTokens('a', evening, 100, afterMidnight);
  t.equal(u.snapshot('a', afterMidnight).tokens_today, 0);
  // Two hours later the hour window is empty.
  t.equal(u.snapshot('a', afterMidnight + 2 * 3_600_000).requests_last_hour, 0);
  t.equal(u.snapshot('a', afterMidnight + 2 * 3_600_000).requests_today, 1);
});

t.test('usage counters seed from audit rows', async (t) => {
  const tz = 'UTC';
  const now = Date.UTC(2026, 10, 25, 12, 0);
  const u = new UsageCounters(tz);
  t.equal(u.seedSince(now), Date.UTC(2026, 10, 25));
  t.equal(u.seedSince(Date.UTC(2026, 10, 25, 0, 30)), Date.UTC(2026, 10, 24, 23, 30), 'the last hour reaches into yesterday');
  u.seed(
    [
      { client: 'a', ts: now - 5 * 3_600_000, tokens: 100 },
      { client: 'a', ts: now - 10 * 60_000, tokens: 50 },
      { client: 'a', ts: now - 13 * 3_600_000, tokens: 999 }, // yesterday
      { client: 'b', ts: now - 1000, tokens: 0 },
    ],
    now,
  );
  t.same(u.snapshot('a', now), { requests_today: 2, requests_last_hour: 1, tokens_today: 150 });
  t.same(u.snapshot('b', now), { requests_today: 1, requests_last_hour: 1, tokens_today: 0 });
});

t.test('decisions combine deny and warn per mode', async (t) => {
  t.same(combineDecision([], [], 'enforce'), ALLOW);
  t.same(combineDecision(['bedtime'], ['heavy use'], 'enforce'), { action: 'block', reasons: ['bedtime', 'heavy use'] });
  t.same(combineDecision(['bedtime'], [], 'advisory'), { action: 'alert', reasons: ['bedtime'] });
  t.same(combineDecision([], [{ message: 'card number in prompt' }], 'enforce'), { action: 'alert', reasons: ['card number in prompt'] });
  t.equal(reasonText({ code: 7 }), '{"code":7}');
  t.same(JSON.parse(blockedBody({ action: 'block', reasons: ['a', 'b'] })), { error: { type: 'policy_blocked', message: 'a; b' } });
  t.same(JSON.parse(blockedBody({ action: 'block', reasons: [] })).error.message, 'blocked by policy');
});
