// The plugin's templates rendered as OPNsense renders them (Jinja2 harness), from sample
// config.xml data, must give a yori.conf that YORI accepts (`yori start --check`) and that
// says what the settings say.
import t from 'tap';
import { join } from 'node:path';
import { loadConfig, parseConfigText } from '../../lib/config/load.js';
import { planRedirect } from '../../lib/pf/rules.js';
import { modelConfig, pythonWithJinja, renderPlugin, ROOT, run } from './helpers.js';

const python = pythonWithJinja();
const skip = python ? false : 'python3 with jinja2 not installed (apt-get install python3-jinja2)';
const CONF = 'usr/local/etc/yori/yori.conf';

const SYSTEM = { hostname: 'router', domain: 'home.arpa', timezone: 'Europe/Berlin' };
const INTERFACES = { lan: { if: 'igb1' }, opt1: { if: 'igb2' }, wan: { if: 'igb0' } };

/** Every field set, with values that need quoting in YAML. */
const FULL = {
  general: {
    enabled: '1', redirect: '1', interfaces: 'lan,opt1', clients_include: '192.168.1.0/24,fd00:1::/64',
    clients_exclude: '192.168.1.5', redirect_ipv6: '1', transparent_port: '9443', refresh_minutes: '15',
    hide_dns_hints: '1', mode: 'enforce', retention_days: '30', prompts: 'full', admin_address: 'fd00:1::1',
    admin_port: '8181', admin_password: 'pa:ss "word" # not a comment', log_level: 'debug',
  },
  alerts: {
    web: '0', email_enabled: '1', email_host: 'smtp.example.org', email_port: '465', email_security: 'tls',
    email_user: 'parent', email_password: "it's: {secret}", email_from: 'yori@example.org',
    email_to: 'mum@example.org,dad@example.org', webhook_url: 'https://hooks.example.org/yori?x=1&y=2',
    ntfy_url: 'https://ntfy.example.org', ntfy_topic: 'family-alerts', ntfy_token: 'tk_123', ntfy_priority: '5',
  },
};

/** `yori start --check --config FILE`, the way the rc script validates before starting. */
function check(file: string) {
  return run(process.execPath, ['--import', 'tsx', 'bin/yori.ts', 'start', '--check', '--config', file], { cwd: ROOT });
}

t.test('a fresh install (model defaults, service enabled) gives a valid loopback config', { skip }, async (t) => {
  const out = renderPlugin(t, python!, { system: SYSTEM, interfaces: INTERFACES, OPNsense: { yori: modelConfig({ general: { enabled: '1' } }) } });
  const file = join(out.dir, CONF);
  const r = check(file);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^config ok/);
  const c = parseConfigText(out.read(CONF), '/usr/local/etc/yori');
  t.same(c.listen.transparent, { host: '127.0.0.1', port: 8443 });
  t.same(c.listen.admin, { host: '127.0.0.1', port: 8081 });
  t.equal(c.admin.password, null);
  t.equal(c.data_dir, '/var/db/yori');
  t.equal(c.ca.dir, '/usr/local/etc/yori/ca');
  t.equal(c.policy.mode, 'advisory');
  t.equal(c.audit.prompts, 'truncated');
  t.equal(c.audit.retention_days, 90);
  t.equal(c.timezone, 'Europe/Berlin');
  t.same(c.pf.interfaces, ['igb1'], 'OPNsense interface names become devices');
  t.same(c.pf.clients, { include: [], exclude: [] });
  t.same(c.alerts, { ...c.alerts, web: true, email: null, webhook: null, ntfy: null });
  t.equal(out.read('etc/rc.conf.d/yori'), 'yori_enable="YES"\nyori_config="/usr/local/etc/yori/yori.conf"\nyori_redirect="NO"\nyori_dns="NO"\n');
  t.notMatch(out.read('usr/local/etc/yori/pf_clients'), /^[^#]/m, 'no client entries');
});

t.test('every setting reaches yori.conf, quoted safely', { skip }, async (t) => {
  const data = { system: SYSTEM, interfaces: INTERFACES, OPNsense: { yori: FULL } };
  renderPlugin(t, python!, data, { strict: true }); // StrictUndefined: no misspelt field anywhere
  const out = renderPlugin(t, python!, data);
  const r = check(join(out.dir, CONF));
  t.equal(r.code, 0, r.stderr);
  const c = parseConfigText(out.read(CONF), '/usr/local/etc/yori');
  t.same(c.listen.transparent, { host: '::', port: 9443 }, 'dual-stack listener when IPv6 is redirected');
  t.same(c.listen.admin, { host: 'fd00:1::1', port: 8181 });
  t.equal(c.admin.password, FULL.general.admin_password);
  t.equal(c.log_level, 'debug');
  t.equal(c.policy.mode, 'enforce');
  t.equal(c.audit.prompts, 'full');
  t.equal(c.audit.retention_days, 30);
  t.same(c.pf.interfaces, ['igb1', 'igb2']);
  t.same(c.pf.clients, { include: ['192.168.1.0/24', 'fd00:1::/64'], exclude: ['192.168.1.5'] });
  t.equal(c.pf.refresh_minutes, 15);
  t.equal(c.alerts.web, false);
  t.same(c.alerts.email, {
    host: 'smtp.example.org', port: 465, secure: true, starttls: false, user: 'parent',
    password: "it's: {secret}", from: 'yori@example.org', to: ['mum@example.org', 'dad@example.org'],
  });
  t.same(c.alerts.webhook, { url: 'https://hooks.example.org/yori?x=1&y=2', headers: {} });
  t.same(c.alerts.ntfy, { url: 'https://ntfy.example.org', topic: 'family-alerts', token: 'tk_123', priority: 5 });
  t.equal(out.read('etc/rc.conf.d/yori'), 'yori_enable="YES"\nyori_config="/usr/local/etc/yori/yori.conf"\nyori_redirect="YES"\nyori_dns="YES"\n');
  t.equal(out.read('usr/local/etc/yori/pf_clients'), '# Generated by the YORI plugin; edits are overwritten.\n192.168.1.0/24\nfd00:1::/64\n!192.168.1.5\n');

  // What `yori pf render` makes of it on the router: the plugin's rules, in anchor form.
  const plan = planRedirect(c);
  t.same([plan.inet, plan.inet6, plan.port], ['127.0.0.1', '::1', 9443]);
  t.same(plan.clients, ['192.168.1.0/24', 'fd00:1::/64', '!192.168.1.5']);
});

t.test('empty fields are left out of config.xml data; the defaults fill in', { skip }, async (t) => {
  const yori = modelConfig({
    general: { enabled: '1', admin_address: '', clients_include: '', clients_exclude: '10.0.0.7' },
    alerts: { email_enabled: '1', email_host: 'mail.lan', email_to: 'me@home.arpa', email_from: '', email_user: '', email_password: '' },
  });
  const out = renderPlugin(t, python!, { system: { hostname: 'gw' }, interfaces: INTERFACES, OPNsense: { yori } });
  // loadConfig is what `yori start --check` runs; the two tests above run the command itself
  const c = loadConfig(join(out.dir, CONF)).config;
  t.same(c.listen.admin, { host: '127.0.0.1', port: 8081 });
  t.match(c.alerts.email, { host: 'mail.lan', port: 587, secure: false, starttls: true, user: null, password: null, from: 'yori@gw', to: ['me@home.arpa'] });
  t.same(c.pf.clients, { include: [], exclude: ['10.0.0.7'] });
  t.equal(out.read('usr/local/etc/yori/pf_clients'), '# Generated by the YORI plugin; edits are overwritten.\n0.0.0.0/0\n::/0\n!10.0.0.7\n', 'everyone but the excluded device');
});

t.test('installed but never configured: the service stays off, the config still loads', { skip }, async (t) => {
  const out = renderPlugin(t, python!, { interfaces: INTERFACES });
  t.doesNotThrow(() => loadConfig(join(out.dir, CONF)));
  t.match(out.read('etc/rc.conf.d/yori'), /^yori_enable="NO"$/m);
  t.match(out.read('etc/rc.conf.d/yori'), /^yori_redirect="NO"$/m);
});
