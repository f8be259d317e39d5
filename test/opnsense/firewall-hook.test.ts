// The plugin's firewall hook (plugins.inc.d/yori.inc), run with php-cli against a recording
// stand-in for OPNsense's firewall API, must register the same redirect that lib/pf renders
// for plain FreeBSD from the yori.conf the plugin writes; and nothing while the switch is
// off or YORI is not running.
import t, { type Test } from 'tap';
import { join } from 'node:path';
import { parseConfigText } from '../../lib/config/load.js';
import { CLIENTS_TABLE, planRedirect, type RedirectPlan } from '../../lib/pf/rules.js';
import { modelConfig, needs, pythonWithJinja, renderPlugin, ROOT, run, SRC } from './helpers.js';

const HOOK = join(SRC, 'etc/inc/plugins.inc.d/yori.inc');
const skipPhp = needs('php', 'php-cli');
const INTERFACES = { lan: { if: 'igb1' }, opt1: { if: 'igb2' } };

type Call = [string, ...unknown[]];
interface HookOutput {
  firewall: Call[];
  services: { name: string; pidfile: string; configd: Record<string, string[]> }[];
  cron: { autocron: string[] }[];
  sync: { section: string }[];
}

function hooks(general: Record<string, string>, opts: { pid?: boolean; api?: 'legacy' | 'current' } = {}): HookOutput {
  const r = run('php', [join(ROOT, 'test/opnsense/hook_harness.php'), HOOK, JSON.stringify(general), opts.pid === false ? '0' : '1', opts.api ?? 'current']);
  if (r.code !== 0) throw new Error(r.stdout + r.stderr);
  return JSON.parse(r.stdout) as HookOutput;
}

/** The hook's registrations, reduced to what lib/pf's plan describes. */
function asPlan(calls: Call[]) {
  const rules = calls.filter(([m]) => m !== 'registerTable').map(([m, prio, conf]) => ({ method: m, prio, ...(conf as Record<string, unknown>) }));
  const tables = calls.filter(([m]) => m === 'registerTable').map(([, name, persist, file]) => ({ name, persist, file }));
  return { rules, tables };
}

function expectSamePlan(t: Test, calls: Call[], plan: RedirectPlan, interfaceNames: string[], rdrMethod: string) {
  const { rules, tables } = asPlan(calls);
  t.same(tables[0], { name: plan.table, persist: true, file: null }, 'the AI table, kept across reloads');
  const from = plan.clients ? `<${CLIENTS_TABLE}>` : undefined;
  if (plan.clients) t.same(tables[1], { name: CLIENTS_TABLE, persist: true, file: '/usr/local/etc/yori/pf_clients' });
  t.equal(tables.length, plan.clients ? 2 : 1);
  const expected: Record<string, unknown>[] = [];
  for (const ifname of interfaceNames) {
    for (const [family, target] of [['inet', plan.inet], ['inet6', plan.inet6]] as const) {
      expected.push(
        target
          ? { method: rdrMethod, interface: ifname, ipprotocol: family, protocol: 'tcp', from, to: `<${plan.table}>`, to_port: '443', target, localport: String(plan.port), pass: true }
          : { method: 'registerFilterRule', type: 'reject', interface: ifname, ipprotocol: family, protocol: 'tcp', from, to: `<${plan.table}>`, to_port: '443', direction: 'in' },
      );
    }
    expected.push({ method: 'registerFilterRule', type: 'reject', interface: ifname, ipprotocol: 'inet46', protocol: 'udp', from, to: `<${plan.table}>`, to_port: '443', direction: 'in' });
  }
  t.equal(rules.length, expected.length);
  expected.forEach((e, i) => t.match(rules[i], Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)), `rule ${i}`));
  if (!plan.clients) for (const r of rules) t.notOk('from' in r, 'any client');
}

const python = pythonWithJinja();

t.test('the hook registers the redirect lib/pf plans from the same settings', { skip: skipPhp || (python ? false : 'python3 with jinja2 not installed (apt-get install python3-jinja2)') }, async (t) => {
  const cases: [string, Record<string, string>, string[]][] = [
    ['defaults, switched on', { enabled: '1', redirect: '1' }, ['lan']],
    ['two interfaces, kids only, IPv6 redirected', { enabled: '1', redirect: '1', interfaces: 'lan,opt1', clients_include: '10.0.0.0/24', clients_exclude: '10.0.0.9', redirect_ipv6: '1', transparent_port: '9443' }, ['lan', 'opt1']],
    ['everyone but one device', { enabled: '1', redirect: '1', clients_exclude: '10.0.0.9' }, ['lan']],
  ];
  for (const [name, overrides, interfaceNames] of cases) {
    const yori = modelConfig({ general: overrides });
    const out = renderPlugin(t, python!, { interfaces: INTERFACES, OPNsense: { yori } });
    const plan = planRedirect(parseConfigText(out.read('usr/local/etc/yori/yori.conf'), '/usr/local/etc/yori'));
    t.test(name, async (t) => {
      expectSamePlan(t, hooks(yori.general!).firewall, plan, interfaceNames, 'registerDestinationNatRule');
      expectSamePlan(t, hooks(yori.general!, { api: 'legacy' }).firewall, plan, interfaceNames, 'registerForwardRule');
    });
  }
});

t.test('no rules while the switch is off, the service disabled, or YORI not running', { skip: skipPhp }, async (t) => {
  const on = modelConfig({ general: { enabled: '1', redirect: '1' } }).general!;
  t.same(hooks({ ...on, redirect: '0' }).firewall, []);
  t.same(hooks({ ...on, enabled: '0' }).firewall, []);
  t.same(hooks(on, { pid: false }).firewall, [], 'stopped YORI: AI services reachable directly');
  t.ok(hooks(on).firewall.length > 0);
});

t.test('service registration, cron job and HA sync', { skip: skipPhp }, async (t) => {
  const general = modelConfig({ general: { enabled: '1', redirect: '1', refresh_minutes: '15' } }).general!;
  const out = hooks(general);
  t.same(out.services, [{
    description: 'YORI home LLM gateway',
    configd: { start: ['yori start'], restart: ['yori restart'], stop: ['yori stop'] },
    name: 'yori',
    pidfile: '/var/run/yori.pid',
  }]);
  t.same(out.cron, [{ autocron: ['/usr/local/sbin/configctl -d yori pf refresh', '*/15'] }]);
  t.same(hooks({ ...general, refresh_minutes: '60' }).cron, [{ autocron: ['/usr/local/sbin/configctl -d yori pf refresh', '0'] }], 'hourly');
  t.same(hooks({ ...general, redirect: '0' }).cron, [], 'no refresh job while the redirect is off');
  t.same(hooks({ ...general, enabled: '0' }).services, [], 'disabled: not on the services page');
  t.match(out.sync, [{ section: 'OPNsense.yori' }]);
});
