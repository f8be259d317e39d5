import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { PolicySet } from '../../lib/policy/policy-set.js';
import { policyCommand } from '../../lib/policy/cli.js';
import { defaultConfig } from '../../lib/config/schema.js';
import { createLogger } from '../../lib/log.js';
import { UsageError } from '../../lib/cli-errors.js';
import { abiFixtureWasm } from './wasm-fixture.js';

const TEMPLATES = new URL('../../policies/', import.meta.url).pathname;
const logger = createLogger('silent');

function tempDir(t: Tap.Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'yori-policies-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function capture() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { s, text: () => text };
}

const bedtimeInput = {
  time: { hour: 21, minute: 30, weekday: 'tuesday' },
  client: { ip: '192.168.1.23', mac: null, name: 'kids-ipad', person: 'alice' },
  request: { host: 'api.openai.com', provider: 'openai', kind: 'api', mode: 'intercept' },
  usage: { client: { requests_today: 1, requests_last_hour: 1, tokens_today: 0 } },
  detections: { pii: [{ type: 'payment_card', count: 1 }, { type: 'email', count: 2 }] },
};
const bedtimeData = { bedtime: { people: { alice: { every_night: [{ start: '21:00', end: '07:00' }] } } } };

t.test('the shipped templates: deny and warn combine per mode', async (t) => {
  const errors: string[] = [];
  const set = new PolicySet({ dir: TEMPLATES, mode: 'advisory', data: bedtimeData, logger, onError: (_k, m) => errors.push(m) });
  t.equal(await set.load(), null);
  t.same(set.decide(bedtimeInput), {
    action: 'alert',
    reasons: ['bedtime: alice used openai at 21:30', 'privacy: prompt contains a payment card number', 'privacy: prompt contains an e-mail address'],
  });
  const st = set.status();
  t.same(st.packages.sort(), ['yori.bedtime', 'yori.high_usage', 'yori.home_default', 'yori.privacy']);
  t.notOk(st.files.some((f) => f.name.endsWith('_test.rego')), 'tests are not loaded at request time');
  t.equal(st.mode, 'advisory');

  t.equal(await set.reconfigure('enforce', {}), null);
  t.same(set.decide(bedtimeInput).action, 'block', 'privacy deny blocks in enforce mode');
  t.same(set.decide({ ...bedtimeInput, detections: { pii: [] } }), { action: 'allow', reasons: [] }, 'no bedtime config: allowed');
  t.same(errors, []);
});

t.test('fail-open: broken files keep the last good set; evaluation errors allow', async (t) => {
  const dir = tempDir(t);
  const errors: [string, string][] = [];
  const set = new PolicySet({ dir, mode: 'enforce', data: {}, logger, onError: (k, m) => errors.push([k, m]) });
  t.same(set.decide({}), { action: 'allow', reasons: [] }, 'nothing loaded: allow');

  writeFileSync(join(dir, 'a.rego'), 'package yori.a\nimport rego.v1\ndeny contains "always" if true\n');
  t.equal(await set.load(), null);
  t.same(set.decide({}), { action: 'block', reasons: ['always'] });

  writeFileSync(join(dir, 'b.rego'), 'package yori.b\nimport rego.v1\ndeny contains x if {\n');
  const err = await set.load();
  t.match(err, /b\.rego:\d+:\d+/);
  t.same(set.decide({}), { action: 'block', reasons: ['always'] }, 'the last good set stays active');
  t.equal(set.status().lastReload!.ok, false);
  t.equal(errors[0]![0], 'load');

  rmSync(join(dir, 'b.rego'));
  writeFileSync(join(dir, 'c.rego'), 'package yori.c\nimport rego.v1\np := 1\np := 2 if input.x\ndeny contains "c" if p\n');
  t.equal(await set.load(), null);
  t.same(set.decide({ x: true }), { action: 'allow', reasons: [] }, 'a conflict error at evaluation allows');
  t.equal(errors.at(-1)![0], 'eval');

  const missing = new PolicySet({ dir: join(dir, 'nope'), mode: 'advisory', data: {}, logger });
  t.match(await missing.load(), /does not exist/);
  writeFileSync(join(dir, 'file'), '');
  const notDir = new PolicySet({ dir: join(dir, 'file'), mode: 'advisory', data: {}, logger });
  t.match(await notDir.load(), /not a folder/);
});

t.test('reloads when a file in the folder changes', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'a.rego'), 'package yori.a\nimport rego.v1\nwarn contains "one" if true\n');
  const set = new PolicySet({ dir, mode: 'advisory', data: {}, logger });
  await set.load();
  set.watch(20);
  t.teardown(() => set.close());
  writeFileSync(join(dir, 'a.rego'), 'package yori.a\nimport rego.v1\nwarn contains "two" if true\n');
  for (let i = 0; i < 200 && set.decide({}).reasons[0] !== 'two'; i++) await new Promise((r) => setTimeout(r, 25));
  t.same(set.decide({}).reasons, ['two']);
});

t.test('Wasm bundles join the .rego decision', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'policy.wasm'), await abiFixtureWasm());
  writeFileSync(join(dir, 'a.rego'), 'package yori\nimport rego.v1\nwarn contains "rego says hi" if true\n');
  const set = new PolicySet({ dir, mode: 'advisory', data: {}, logger });
  t.equal(await set.load(), null);
  t.same(set.decide({ message: 'echo' }), { action: 'alert', reasons: ['wasm fixture: deny', 'rego says hi', 'echo'] });
  t.same(set.status().files.map((f) => f.kind).sort(), ['rego', 'wasm']);
});

t.test('yori policy test: the templates pass, failures exit 1, parse errors exit 2', async (t) => {
  const ok = capture();
  t.equal(await policyCommand(defaultConfig(), 'test', { policyDir: TEMPLATES, verbose: true }, { out: ok.s, err: ok.s }), 0);
  t.match(ok.text(), /PASS data\.yori\.bedtime_test\.test_school_night_evening_denied/);
  const total = readdirSync(TEMPLATES).filter((f) => f.endsWith('_test.rego')).length;
  t.ok(total >= 4);
  t.match(ok.text(), /PASS: (\d+)\/\1/);

  const dir = tempDir(t);
  for (const f of ['bedtime.rego', 'bedtime_test.rego']) copyFileSync(join(TEMPLATES, f), join(dir, f));
  writeFileSync(join(dir, 'extra_test.rego'), 'package yori.extra_test\nimport rego.v1\ntest_wrong if 1 == 2\ntest_right if 1 == 1\n');
  const failing = capture();
  t.equal(await policyCommand(defaultConfig(), 'test', { policyDir: dir }, { out: failing.s, err: failing.s }), 1);
  t.match(failing.text(), /FAIL data\.yori\.extra_test\.test_wrong \(.*extra_test\.rego:3\)/);
  t.match(failing.text(), /FAIL: 1\//);

  writeFileSync(join(dir, 'broken.rego'), 'package yori.broken\nimport rego.v1\nallow if {\n');
  const broken = capture();
  t.equal(await policyCommand(defaultConfig(), 'test', { policyDir: dir }, { out: broken.s, err: broken.s }), 2);
  t.match(broken.text(), /broken\.rego:\d+:\d+: rego_parse_error/);

  const empty = capture();
  t.equal(await policyCommand(defaultConfig(), 'test', { policyDir: tempDir(t) }, { out: empty.s, err: empty.s }), 0);
  t.match(empty.text(), /no tests found/);
});

t.test('yori policy eval prints the decision with the config mode applied', async (t) => {
  const dir = tempDir(t);
  const inputFile = join(dir, 'input.json');
  writeFileSync(inputFile, JSON.stringify(bedtimeInput));
  const config = defaultConfig();
  config.policy.dir = TEMPLATES;
  config.policy.mode = 'enforce';
  config.policy.data = bedtimeData;
  const out = capture();
  t.equal(await policyCommand(config, 'eval', { input: inputFile }, { out: out.s, err: out.s }), 0);
  const decision = JSON.parse(out.text());
  t.equal(decision.action, 'block');
  t.equal(decision.reasons[0], 'bedtime: alice used openai at 21:30');

  await t.rejects(policyCommand(config, 'eval', {}), UsageError);
  writeFileSync(join(dir, 'bad.json'), '{nope');
  await t.rejects(policyCommand(config, 'eval', { input: join(dir, 'bad.json') }), /--input .*bad\.json/);

  const policyDir = join(dir, 'pol');
  (await import('node:fs')).mkdirSync(policyDir);
  writeFileSync(join(policyDir, 'x.rego'), 'package yori.x\nimport rego.v1\nwarn contains x if {\n');
  const err = capture();
  t.equal(await policyCommand(config, 'eval', { input: inputFile, policyDir }, { out: err.s, err: err.s }), 2);
  t.match(err.text(), /x\.rego/);

  writeFileSync(join(policyDir, 'x.rego'), 'package yori.x\nimport rego.v1\np := 1\np := 2 if input.time\nwarn contains "x" if p\n');
  const evalErr = capture();
  t.equal(await policyCommand(config, 'eval', { input: inputFile, policyDir }, { out: evalErr.s, err: evalErr.s }), 1);
  t.match(evalErr.text(), /evaluation failed/);
});
