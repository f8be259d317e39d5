import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemPfctl } from '../../lib/pf/pfctl.js';
import { formatStatus, readStatus, redirectLoaded } from '../../lib/pf/status.js';
import { STATE_FILE } from '../../lib/pf/table.js';
import { configFor, fakePf, tmpDataDir } from './helpers.js';

// What pfctl prints for the OPNsense plugin's rules (shape of `pfctl -s nat` / `-s rules`).
const OPNSENSE_NAT = [
  'no rdr on igb1 proto tcp from any to (igb1) port = https',
  'rdr pass on igb1 inet proto tcp from any to <yori_ai> port = https -> 127.0.0.1 port 8443',
];
const OPNSENSE_RULES = ['block return in quick on igb1 proto udp from any to <yori_ai> port = https label "yori"'];

t.test('nothing loaded: inactive, empty anchor, no table, never refreshed', async (t) => {
  const pf = fakePf(t);
  const config = configFor(tmpDataDir(t), []);
  const pfctl = systemPfctl(pf.env);
  t.equal(await redirectLoaded(config, pfctl), false);
  const s = await readStatus(config, pfctl);
  t.same(s, {
    anchor: 'yori',
    table: 'yori_ai',
    anchorRules: [],
    anchorHooked: false,
    mainRules: [],
    active: false,
    tableEntries: null,
    lastRefresh: null,
  });
  t.equal(
    formatStatus(s),
    'redirect: inactive\nanchor "yori": empty\ntable <yori_ai>: does not exist\nlast refresh: never\n',
  );
});

t.test('rules in the main ruleset (OPNsense hook) count as active', async (t) => {
  const pf = fakePf(t);
  pf.seed({ mainNat: OPNSENSE_NAT, mainRules: OPNSENSE_RULES, tables: { yori_ai: ['192.0.2.1', '192.0.2.2'] } });
  const dir = tmpDataDir(t);
  writeFileSync(join(dir, STATE_FILE), JSON.stringify({ at: Date.UTC(2025, 0, 2, 3, 4, 5), addresses: 2, error: null, hosts: {} }));
  const config = configFor(dir, []);
  const pfctl = pf.pfctl;
  t.equal(await redirectLoaded(config, pfctl), true);
  const s = await readStatus(config, pfctl);
  t.equal(s.active, true);
  t.same(s.mainRules, [OPNSENSE_NAT[1], OPNSENSE_RULES[0]]);
  t.equal(s.tableEntries, 2);
  t.match(formatStatus(s), /redirect: active\n.*main ruleset: 2 rule\(s\) use <yori_ai>\n {2}rdr pass on igb1.*table <yori_ai>: 2 address\(es\)\nlast refresh: 2025-01-02T03:04:05\.000Z, 2 address\(es\)\n$/s);
});

t.test('anchor rules are active only when the main ruleset calls the anchor', async (t) => {
  const pf = fakePf(t);
  const anchorNat = ['rdr pass on igb1 inet proto tcp from any to <yori_ai> port 443 -> 127.0.0.1 port 8443'];
  pf.seed({ anchors: { yori: { nat: anchorNat, rules: ['block return quick on igb1 proto udp from any to <yori_ai> port 443'] } } });
  const dir = tmpDataDir(t);
  writeFileSync(join(dir, STATE_FILE), JSON.stringify({ at: 0, addresses: 0, error: 'no AI hostname resolved', hosts: {} }));
  const config = configFor(dir, []);
  const pfctl = pf.pfctl;
  t.equal(await redirectLoaded(config, pfctl), true, 'loaded: the table needs refreshing');
  let s = await readStatus(config, pfctl);
  t.equal(s.active, false);
  t.equal(s.anchorRules.length, 2);
  const text = formatStatus(s);
  t.match(text, /anchor "yori": 2 rule\(s\) \(not called from the main ruleset: add rdr-anchor "yori"/);
  t.match(text, /last refresh: 1970-01-01T00:00:00\.000Z, failed: no AI hostname resolved/);

  pf.seed({ mainNat: ['rdr-anchor "yori" all'] });
  s = await readStatus(config, pfctl);
  t.equal(s.active, true);
  t.equal(s.anchorHooked, true);
  t.notMatch(formatStatus(s), /not called/);
});

t.test('no access to pf is an error, not an empty status', async (t) => {
  const pf = fakePf(t);
  pf.failOn('.', '/dev/pf: Permission denied');
  const config = configFor(tmpDataDir(t), []);
  await t.rejects(readStatus(config, pf.pfctl), { noAccess: true });
  await t.rejects(redirectLoaded(config, pf.pfctl), { noAccess: true });
  pf.failOn('-T show', 'DIOCRGETADDRS: Operation not permitted');
  await t.rejects(readStatus(config, pf.pfctl), { noAccess: true });
});
