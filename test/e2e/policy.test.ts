/**
 * Issue 5, policies through the real proxy: enforce blocks before anything goes upstream,
 * advisory alerts; a broken policy never stops traffic; the usage counters a policy sees
 * roll over at local midnight.
 */
import t from 'tap';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zonedTime } from '../../lib/audit/time.js';
import { connectTls, startOrigin, startTlsEcho, testPki } from '../net/fixtures.js';
import { BEDTIME_REASON, bedtimeSetup, chat, postJson, startTestYori, TEN_PM, TZ, until, waitRows } from './helpers.js';

/** A fake OpenAI that counts what reaches it. */
async function countingOrigin(t: Tap.Test) {
  const seen: string[] = [];
  const origin = await startOrigin(t, (req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      seen.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  return { port: origin.port, seen };
}

t.test('advisory: a bedtime request passes as an alert; reloaded to enforce, it is blocked before the upstream', async (t) => {
  const origin = await countingOrigin(t);
  // No dedupe window: the block below would otherwise fold into the alert for the same reason.
  const yori = await startTestYori(t, bedtimeSetup({ 'api.openai.com': origin.port }, { mode: 'advisory', alerts: { dedupe_minutes: 0 } }), { now: () => TEN_PM });

  const passed = await postJson(yori, '/v1/chat/completions', chat('advisory question'));
  t.equal(passed.status, 200, 'advisory: the request passes');
  t.equal(origin.seen.length, 1, 'and reaches the upstream');
  const [alerted] = await waitRows(yori, 1);
  t.match(alerted, { policy_action: 'alert', status: 200, policy_reasons: JSON.stringify([BEDTIME_REASON]) });
  t.match(yori.alertStore.list(), [{ kind: 'policy', severity: 'warning', title: BEDTIME_REASON, reasons: [BEDTIME_REASON], person: 'alice' }], 'an alert exists');

  // What SIGHUP does with an edited file: the same config, now with mode: enforce.
  const next = structuredClone(yori.config);
  next.policy.mode = 'enforce';
  await yori.reload(next);
  const blocked = await postJson(yori, '/v1/chat/completions', chat('enforced question'));
  t.equal(blocked.status, 403);
  t.match(blocked.headers['content-type'], /^application\/json/);
  t.same(JSON.parse(blocked.body.toString()), { error: { type: 'policy_blocked', message: BEDTIME_REASON } });
  t.equal(origin.seen.length, 1, 'the blocked request never reached the upstream');
  t.notOk(origin.seen.some((b) => b.includes('enforced question')));
  const rows = await waitRows(yori, 2);
  t.match(rows[1], { policy_action: 'block', status: 403, policy_reasons: JSON.stringify([BEDTIME_REASON]), prompt_preview: 'enforced question' });
  await yori.alerts.flush();
  t.match(yori.alertStore.list()[0], { kind: 'policy', severity: 'critical', title: `Blocked: ${BEDTIME_REASON}` }, 'a block alert');
  t.match(yori.alertStore.list()[0]!.message, /YORI blocked it/);
});

t.test('enforce: an observe-mode app at bedtime is closed before the app is contacted, and audited', async (t) => {
  const echo = await startTlsEcho(t, 'chatgpt.com');
  const yori = await startTestYori(t, bedtimeSetup({ 'chatgpt.com': echo.port }, { mode: 'enforce' }), { now: () => TEN_PM });
  const err = await connectTls(yori, 'chatgpt.com', { ca: readFileSync(testPki().originCaFile) }).then(() => null, (e: Error) => e);
  t.ok(err, 'the TLS handshake never completes');
  const [row] = await waitRows(yori, 1);
  t.match(row, { mode: 'observe', host: 'chatgpt.com', policy_action: 'block', policy_reasons: JSON.stringify([BEDTIME_REASON]) });
  t.equal(echo.connections, 0, 'the app server was never contacted');
});

const WARN_ALWAYS = `package yori.watch
import rego.v1

warn contains "watching"
`;
const BROKEN = `package yori.broken
import rego.v1

deny contains "oops" if {
`;

t.test('a broken policy file at start: traffic flows (allowed) and a policy_error alert is raised', async (t) => {
  const origin = await countingOrigin(t);
  const yori = await startTestYori(t, { origins: { 'api.openai.com': origin.port }, policies: { 'watch.rego': WARN_ALWAYS, 'broken.rego': BROKEN } });
  const res = await postJson(yori, '/v1/chat/completions', chat('hello'));
  t.equal(res.status, 200);
  t.equal(origin.seen.length, 1);
  const [row] = await waitRows(yori, 1);
  t.match(row, { policy_action: 'allow', policy_reasons: '[]' }, 'no policy active: allowed');
  const [error] = yori.alertStore.list({ kind: 'policy_error' });
  t.match(error, { kind: 'policy_error', severity: 'critical', title: 'A policy file failed to load' });
  t.match(error!.message, /broken\.rego/, 'the alert names the file');
  t.match(error!.message, /Traffic is allowed meanwhile/);
});

t.test('a policy broken while running: the last good set stays active; a fix is picked up', async (t) => {
  const origin = await countingOrigin(t);
  const yori = await startTestYori(t, { origins: { 'api.openai.com': origin.port }, policies: { 'watch.rego': WARN_ALWAYS } });
  t.equal((await postJson(yori, '/v1/chat/completions', chat('one'))).status, 200);
  t.match((await waitRows(yori, 1))[0], { policy_action: 'alert', policy_reasons: '["watching"]' });

  writeFileSync(join(yori.policyDir, 'broken.rego'), BROKEN);
  const [error] = await until('the policy_error alert', () => {
    const found = yori.alertStore.list({ kind: 'policy_error' });
    return found.length > 0 ? found : null;
  });
  t.match(error!.message, /broken\.rego/);
  t.match(error!.message, /the last good policies stay active/);
  t.match(yori.policies.status().lastReload, { ok: false });
  t.equal((await postJson(yori, '/v1/chat/completions', chat('two'))).status, 200, 'traffic flows');
  t.match((await waitRows(yori, 2))[1], { policy_action: 'alert', policy_reasons: '["watching"]' }, 'the last good set decided');

  rmSync(join(yori.policyDir, 'broken.rego'));
  writeFileSync(join(yori.policyDir, 'watch.rego'), WARN_ALWAYS.replace('"watching"', '"fixed"'));
  await until('the reload', () => yori.policies.status().lastReload?.ok === true);
  t.equal((await postJson(yori, '/v1/chat/completions', chat('three'))).status, 200);
  t.match((await waitRows(yori, 3))[2], { policy_reasons: '["fixed"]' }, 'the new set is active after the fix');
  t.equal(origin.seen.length, 3, 'every request went upstream');
});

t.test('a policy failing while evaluating: the request is allowed and a policy_error alert is raised', async (t) => {
  const origin = await countingOrigin(t);
  const yori = await startTestYori(t, {
    origins: { 'api.openai.com': origin.port },
    policies: {
      // Both bodies hold for a POST: a complete rule with two values is an error at evaluation.
      'conflict.rego': `package yori.conflict
import rego.v1

level := 1 if input.request.method == "POST"
level := 2 if input.request.path != ""

deny contains "too high" if level > 5
`,
    },
  });
  t.equal((await postJson(yori, '/v1/chat/completions', chat('hello'))).status, 200);
  t.equal(origin.seen.length, 1, 'the request went upstream');
  t.match((await waitRows(yori, 1))[0], { policy_action: 'allow', policy_reasons: '[]' });
  const [error] = yori.alertStore.list({ kind: 'policy_error' });
  t.match(error, { title: 'A policy failed while evaluating', severity: 'critical' });
  t.match(error!.message, /Traffic is allowed meanwhile\.$/);
});

t.test('usage across local midnight: requests_today restarts at 00:00, requests_last_hour does not', async (t) => {
  const origin = await countingOrigin(t);
  let clock = zonedTime(TZ, 2026, 11, 25, 23, 59);
  const yori = await startTestYori(t, {
    origins: { 'api.openai.com': origin.port },
    policies: {
      'counter.rego': `package yori.counter
import rego.v1

warn contains sprintf("today=%d", [input.usage.client.requests_today])
warn contains sprintf("hour=%d", [input.usage.client.requests_last_hour])
warn contains sprintf("at=%s", [input.time.iso])
`,
    },
    doc: { timezone: TZ },
  }, { now: () => clock });
  const send = async (what: string) => t.equal((await postJson(yori, '/v1/chat/completions', chat(what))).status, 200);
  await send('late 1');
  await send('late 2');
  clock = zonedTime(TZ, 2026, 11, 26, 0, 1);
  await send('early 1');
  await send('early 2');
  const rows = await waitRows(yori, 4);
  const seen = rows.map((r) => (JSON.parse(r.policy_reasons) as string[]).sort());
  t.same(seen, [
    ['at=2026-11-25T23:59:00+01:00', 'hour=1', 'today=1'],
    ['at=2026-11-25T23:59:00+01:00', 'hour=2', 'today=2'],
    ['at=2026-11-26T00:01:00+01:00', 'hour=3', 'today=1'],
    ['at=2026-11-26T00:01:00+01:00', 'hour=4', 'today=2'],
  ], 'what the policy saw, request by request');
});
