import t, { type Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Config } from '../../lib/config/schema.js';
import { pfCommand, type PfAction, type PfCommandOptions } from '../../lib/pf/cli.js';
import type { Pfctl } from '../../lib/pf/pfctl.js';
import { planRedirect, renderAnchor } from '../../lib/pf/rules.js';
import { STATE_FILE } from '../../lib/pf/table.js';
import { configFor, fakePf, fakeResolver, tmpDataDir, type FakePf } from './helpers.js';

const ANSWERS = {
  'api.example.test': { v4: ['192.0.2.10'], v6: ['2001:db8::10'] },
  'app.example.test': { v4: ['192.0.2.20'] },
};

function setup(t: Test, doc: Record<string, unknown> = {}, hosts = ['api.example.test', 'app.example.test']) {
  const pf = fakePf(t);
  const dir = tmpDataDir(t);
  const config = configFor(dir, hosts, { pf: { interfaces: ['igb1'] }, ...doc });
  return { pf, dir, config };
}

/** Runs one `yori pf` action against the fake pfctl and the fake resolver. */
async function run(config: Config, action: PfAction, pf: FakePf | Pfctl, opts: Partial<PfCommandOptions> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await pfCommand(config, action, { dryRun: false, ...opts }, {
    pfctl: typeof pf === 'function' ? pf : pf.pfctl,
    resolver: fakeResolver(ANSWERS),
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    now: () => 1_700_000_000_000,
  });
  return { code, stdout, stderr };
}

const argv = (pf: FakePf) => pf.calls().map((c) => c.args.join(' '));

t.test('render prints the anchor, or the Unbound settings', async (t) => {
  const { pf, config } = setup(t, {}, ['api.example.test', '*.example.test']);
  const pfRules = await run(config, 'render', pf);
  t.equal(pfRules.code, 0);
  t.equal(pfRules.stdout, renderAnchor(planRedirect(config)));
  const unbound = await run(config, 'render', pf, { format: 'unbound' });
  t.match(unbound.stdout, /^server:$/m);
  t.match(unbound.stdout, /^local-zone: "api\.example\.test\." typetransparent\nlocal-data: "api\.example\.test\. 300 IN TYPE65 \\# 3 000100"$/m);
  t.match(unbound.stdout, /^# \*\.example\.test: a wildcard names no single host; not covered$/m);
  t.match(unbound.stdout, /use-application-dns\.net\." always_nxdomain/);
  t.same(pf.calls(), [], 'render never runs pfctl');
});

t.test('render refuses a config pf cannot express', async (t) => {
  const { pf, config } = setup(t, { listen: { transparent: 'gateway.lan:8443' } });
  await t.rejects(run(config, 'render', pf), ConfigError);
  await t.rejects(run(config, 'enable', pf), ConfigError);
  t.same(pf.calls(), [], 'nothing touched pf');
});

t.test('enable fills the table, then loads the anchor', async (t) => {
  const { pf, dir, config } = setup(t);
  const r = await run(config, 'enable', pf);
  t.equal(r.code, 0);
  t.same(argv(pf), ['-t yori_ai -T show', '-t yori_ai -T replace -f -', '-a yori -f -', '-s nat', '-s rules']);
  t.equal(pf.calls()[1]!.stdin, '192.0.2.10\n192.0.2.20\n2001:db8::10\n');
  t.equal(pf.calls()[2]!.stdin, renderAnchor(planRedirect(config)));
  t.equal(r.stdout, 'pf redirect enabled: anchor "yori" loaded, table <yori_ai> holds 3 address(es) for 2 hostname(s)\n');
  t.match(r.stderr, /warning: the main ruleset does not call anchor "yori"/);
  t.match(JSON.parse(readFileSync(join(dir, STATE_FILE), 'utf8')), { at: 1_700_000_000_000, addresses: 3, error: null });

  pf.seed({ mainNat: ['rdr-anchor "yori" all'] });
  const again = await run(config, 'enable', pf);
  t.equal(again.stderr, '', 'no warning once pf.conf calls the anchor');
  const status = await run(config, 'status', pf, { json: true });
  t.match(JSON.parse(status.stdout), { active: true, anchorHooked: true, tableEntries: 3, lastRefresh: { addresses: 3 } });
  t.match((await run(config, 'status', pf)).stdout, /^redirect: active\n/);
});

t.test('an anchor that fails to load puts the previous table back', async (t) => {
  const { pf, dir, config } = setup(t);
  pf.seed({ tables: { yori_ai: ['198.51.100.1'] } });
  pf.failOn('-a yori -f', 'syntax error');
  const r = await run(config, 'enable', pf);
  t.equal(r.code, 1);
  t.equal(r.stderr, 'yori: pf enable: pfctl -a yori -f -: pfctl: syntax error; table <yori_ai> restored, nothing changed\n');
  t.equal(r.stdout, '');
  t.same(pf.state().tables.yori_ai, ['198.51.100.1'], 'table as before');
  t.same(pf.state().anchors, {}, 'no anchor loaded');
  t.equal(existsSync(join(dir, STATE_FILE)), false, 'no refresh recorded');
});

t.test('a table that did not exist before is removed again', async (t) => {
  const { pf, config } = setup(t);
  pf.failOn('-a yori -f');
  const r = await run(config, 'enable', pf);
  t.equal(r.code, 1);
  t.ok(argv(pf).includes('-t yori_ai -T kill'));
  t.notOk('yori_ai' in pf.state().tables);
});

t.test('when restoring fails too, the message says so', async (t) => {
  const { pf, config } = setup(t);
  pf.failOn('-a yori -f|-T kill', 'DIOCRDELTABLES: Device busy');
  const r = await run(config, 'enable', pf);
  t.equal(r.code, 1);
  t.match(r.stderr, /restoring table <yori_ai> failed too \(.*Device busy\); check it with: pfctl -t yori_ai -T show/);
});

t.test('enable changes nothing when no AI hostname resolves or the table cannot be replaced', async (t) => {
  const { pf, dir } = setup(t);
  const unknown = configFor(dir, ['nowhere.example.test'], { pf: { interfaces: ['igb1'] } });
  const r = await run(unknown, 'enable', pf);
  t.equal(r.code, 1);
  t.match(r.stderr, /^yori: pf enable: no AI hostname resolved \(nowhere\.example\.test: ENOTFOUND\); the table was left unchanged\n$/);
  t.same(argv(pf), ['-t yori_ai -T show'], 'only read');

  const { pf: pf2, config } = setup(t);
  pf2.failOn('-T replace', 'Permission denied');
  const r2 = await run(config, 'enable', pf2);
  t.equal(r2.code, 1);
  t.match(r2.stderr, /pf enable: pfctl -t yori_ai -T replace -f -: pfctl: Permission denied/);
  t.notOk(argv(pf2).some((a) => a.startsWith('-a yori -f')), 'the anchor was not touched');
});

t.test('disable empties the anchor in one call and keeps the table', async (t) => {
  const { pf, config } = setup(t);
  await run(config, 'enable', pf);
  const r = await run(config, 'disable', pf);
  t.equal(r.code, 0);
  t.ok(argv(pf).includes('-a yori -f /dev/null'));
  t.same(pf.state().anchors.yori, { nat: [], rules: [] });
  t.equal(pf.state().tables.yori_ai.length, 3);
  t.match(r.stdout, /^pf redirect disabled: anchor "yori" emptied/);
  t.equal(r.stderr, '');

  pf.seed({ mainNat: ['rdr pass on igb1 inet proto tcp from any to <yori_ai> port = https -> 127.0.0.1 port 8443'] });
  t.match((await run(config, 'disable', pf)).stderr, /1 rule\(s\) in the main ruleset still use <yori_ai>/);

  pf.failOn('/dev/null', 'DIOCXBEGIN: Operation not supported by device');
  const failed = await run(config, 'disable', pf);
  t.equal(failed.code, 1);
  t.equal(failed.stderr, 'yori: pf disable: pfctl -a yori -f /dev/null: pfctl: DIOCXBEGIN: Operation not supported by device\n');
});

t.test('refresh replaces the table and notes what it could not cover', async (t) => {
  const { pf, config } = setup(t, {}, ['api.example.test', 'down.example.test', '*.example.test']);
  const r = await run(config, 'refresh', pf);
  t.equal(r.code, 0);
  t.equal(r.stdout, 'table <yori_ai> replaced: 2 address(es) for 2 hostname(s)\n');
  t.equal(
    r.stderr,
    'yori: note: not resolved this time (recent addresses kept): down.example.test (ENOTFOUND)\n' +
      'yori: note: wildcard hosts cannot be put in a table: *.example.test\n',
  );
  pf.failOn('-T replace', 'Table does not exist.');
  t.equal((await run(config, 'refresh', pf)).code, 1);
});

t.test('--dry-run prints the pfctl calls and runs none', async (t) => {
  const { pf, dir, config } = setup(t);
  const r = await run(config, 'enable', pf, { dryRun: true });
  t.equal(r.code, 0);
  t.same(pf.calls(), [], 'pfctl never ran');
  t.equal(existsSync(join(dir, STATE_FILE)), false);
  t.match(r.stdout, /^pfctl -t yori_ai -T show\npfctl -t yori_ai -T replace -f - <<'EOF'\n192\.0\.2\.10\n192\.0\.2\.20\n2001:db8::10\nEOF\npfctl -a yori -f - <<'EOF'\n# YORI pf anchor/);
  t.match(r.stdout, /-> 127\.0\.0\.1 port 8443\n.*EOF\npf redirect enabled/s);
  const d = await run(config, 'disable', pf, { dryRun: true });
  t.equal(d.stdout.split('\n')[0], 'pfctl -a yori -f /dev/null');
  const s = await run(config, 'status', pf, { dryRun: true });
  t.match(s.stdout, /^pfctl -a yori -s nat\n/);
  t.same(pf.calls(), []);
});

t.test('unexpected failures are not disguised as pf errors', async (t) => {
  const { config } = setup(t);
  const broken: Pfctl = () => Promise.reject(new TypeError('bug'));
  await t.rejects(run(config, 'status', broken), TypeError);
});
