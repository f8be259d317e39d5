import t from 'tap';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  validateConfig,
  defaultConfig,
  ConfigError,
  parseHostPort,
  formatHostPort,
  normalizeDeviceKey,
  isLoopback,
} from '../../lib/config/schema.js';
import { loadConfig, parseConfigText, resolveConfigPath } from '../../lib/config/load.js';

/** Asserts validation fails with a message naming `key`. */
function rejects(t: Tap.Test, doc: unknown, key: string, pattern?: RegExp) {
  try {
    validateConfig(doc);
    t.fail(`expected ${key} to be rejected`);
  } catch (e) {
    t.ok(e instanceof ConfigError, 'a ConfigError');
    t.equal((e as ConfigError).key, key, `names ${key}`);
    t.notMatch((e as Error).message, /\n/, 'one line');
    if (pattern) t.match((e as Error).message, pattern);
  }
}

t.test('defaults: a laptop on loopback with data under ./var', async (t) => {
  const c = validateConfig(null);
  t.same(c, defaultConfig());
  t.same(c.listen.transparent, { host: '127.0.0.1', port: 8443 });
  t.same(c.listen.admin, { host: '127.0.0.1', port: 8081 });
  t.equal(c.listen.proxy, null);
  t.equal(c.data_dir, './var');
  t.equal(c.ca.dir, './certs');
  t.equal(c.policy.mode, 'advisory');
  t.equal(c.limits.max_body_bytes, 16777216);
  t.equal(c.audit.prompts, 'truncated');
});

t.test('the SPEC §3 router example validates', async (t) => {
  const text = `
data_dir: /var/db/yori
listen:
  transparent: 0.0.0.0:8443
  proxy: 127.0.0.1:3128
  admin: 127.0.0.1:8081
ca:
  dir: /usr/local/etc/yori/ca
upstream:
  overrides: {}
  ca_file: null
  connect_timeout_ms: 10000
providers:
  extra: []
  disabled: []
  intercept_apps: []
policy:
  dir: /usr/local/etc/yori/policies
  mode: advisory
audit:
  retention_days: 90
  prompts: truncated
alerts: {}
devices: {}
admin:
  password: null
limits:
  max_body_bytes: 16777216
pf:
  anchor: yori
  table: yori_ai
  interfaces: [lan]
  clients: {include: [], exclude: []}
  refresh_minutes: 10
`;
  const c = parseConfigText(text, '/etc');
  t.same(c.listen.proxy, { host: '127.0.0.1', port: 3128 });
  t.same(c.listen.transparent, { host: '0.0.0.0', port: 8443 });
  t.equal(c.data_dir, '/var/db/yori');
  t.equal(c.pf.refresh_minutes, 10);
});

t.test('every section parses its values', async (t) => {
  const c = validateConfig({
    timezone: 'Europe/Berlin',
    log_level: 'debug',
    upstream: { overrides: { 'API.OpenAI.com': '127.0.0.1:9443' }, ca_file: 'roots.pem', idle_timeout_ms: 5000 },
    providers: {
      extra: [{ host: 'llm.example.com', provider: 'custom' }, { host: 'chat.example.com', provider: 'c2', kind: 'app' }],
      disabled: ['api.groq.com'],
      intercept_apps: ['openai'],
    },
    policy: { mode: 'enforce', data: { bedtime: { start: '21:00' } } },
    audit: { retention_days: 30, prompts: 'none', prompt_chars: 100 },
    alerts: {
      web: false,
      dedupe_minutes: 5,
      rate_per_minute: 3,
      email: { host: 'smtp.example.com', to: 'parent@example.com', user: 'u', password: 'p' },
      webhook: { url: 'https://hooks.example.com/x', headers: { 'X-Token': 'abc' } },
      ntfy: { topic: 'family', token: null, priority: 5 },
    },
    devices: { '192.168.1.23': { name: 'kids-ipad', person: 'alice' }, 'AA-BB-CC-DD-EE-FF': { name: 'laptop' } },
    dhcp: { leases: [{ path: '/var/dhcpd/var/db/dhcpd.leases', format: 'isc' }] },
    admin: { password: 'secret', password_hash: null },
    limits: { max_body_bytes: 2048, max_header_bytes: 4096, drain_ms: 0 },
    pf: { interfaces: ['igb1', 'igb2'], clients: { include: ['192.168.1.0/24', 'fd00::/8'], exclude: ['192.168.1.5'] }, transparent_port: 8443 },
  });
  t.same(c.upstream.overrides, { 'api.openai.com': { host: '127.0.0.1', port: 9443 } });
  t.equal(c.providers.extra[0]!.kind, 'api');
  t.equal(c.providers.extra[1]!.kind, 'app');
  t.same(c.alerts.email!.to, ['parent@example.com']);
  t.equal(c.alerts.email!.port, 587);
  t.equal(c.alerts.email!.starttls, true);
  t.equal(c.alerts.ntfy!.url, 'https://ntfy.sh');
  t.same(c.alerts.webhook!.headers, { 'X-Token': 'abc' });
  t.same(c.devices['aa:bb:cc:dd:ee:ff'], { name: 'laptop', person: null });
  t.same(c.devices['192.168.1.23'], { name: 'kids-ipad', person: 'alice' });
  t.same(c.policy.data, { bedtime: { start: '21:00' } });
  t.equal(c.pf.transparent_port, 8443);
  t.equal(c.timezone, 'Europe/Berlin');
});

t.test('bad values are one-line errors naming the key', async (t) => {
  rejects(t, { listen: { admin: 'localhost' } }, 'listen.admin', /host:port/);
  rejects(t, { listen: { transparent: '1.2.3.4:99999' } }, 'listen.transparent');
  rejects(t, { listen: { proxy: 42 } }, 'listen.proxy');
  rejects(t, { listen: { bogus: 1 } }, 'listen.bogus', /unknown key/);
  rejects(t, { nonsense: true }, 'nonsense', /unknown key/);
  rejects(t, [], '', /mapping/);
  rejects(t, { data_dir: '' }, 'data_dir', /empty/);
  rejects(t, { data_dir: 'a\0b' }, 'data_dir', /NUL/);
  rejects(t, { ca: { dir: 5 } }, 'ca.dir', /string/);
  rejects(t, { timezone: 'Mars/Olympus' }, 'timezone', /time zone/);
  rejects(t, { log_level: 'loud' }, 'log_level');
  rejects(t, { upstream: { overrides: ['x'] } }, 'upstream.overrides');
  rejects(t, { upstream: { overrides: { 'bad host!': '1.2.3.4:1' } } }, 'upstream.overrides.bad host!', /hostname/);
  rejects(t, { upstream: { connect_timeout_ms: 0 } }, 'upstream.connect_timeout_ms', /between/);
  rejects(t, { upstream: { connect_timeout_ms: 1.5 } }, 'upstream.connect_timeout_ms', /whole number/);
  rejects(t, { providers: { extra: [{ host: 'x.example', provider: 'p', kind: 'web' }] } }, 'providers.extra.0.kind');
  rejects(t, { providers: { extra: {} } }, 'providers.extra', /list/);
  rejects(t, { providers: { disabled: ['-bad-.com'] } }, 'providers.disabled.0');
  rejects(t, { policy: { mode: 'strict' } }, 'policy.mode', /advisory \| enforce/);
  rejects(t, { policy: { data: [1] } }, 'policy.data');
  rejects(t, { audit: { prompts: 'some' } }, 'audit.prompts');
  rejects(t, { alerts: { email: { host: 'h', to: [] } } }, 'alerts.email.to', /recipient/);
  rejects(t, { alerts: { webhook: { url: 'ftp://x' } } }, 'alerts.webhook.url', /http/);
  rejects(t, { alerts: { webhook: { url: 'not a url' } } }, 'alerts.webhook.url', /URL/);
  rejects(t, { alerts: { webhook: { url: 'https://x', headers: 'h' } } }, 'alerts.webhook.headers');
  rejects(t, { alerts: { ntfy: { topic: 'x', priority: 9 } } }, 'alerts.ntfy.priority');
  rejects(t, { alerts: { web: 'yes' } }, 'alerts.web', /true or false/);
  rejects(t, { devices: { 'not-an-address': { name: 'x' } } }, 'devices.not-an-address');
  rejects(t, { devices: [] }, 'devices');
  rejects(t, { dhcp: { leases: [{ path: '/x', format: 'csv' }] } }, 'dhcp.leases.0.format');
  rejects(t, { admin: { password_hash: 'md5$abc' } }, 'admin.password_hash', /scrypt/);
  rejects(t, { limits: { max_body_bytes: 10 } }, 'limits.max_body_bytes');
  rejects(t, { pf: { anchor: 'bad anchor' } }, 'pf.anchor', /pf name/);
  rejects(t, { pf: { clients: { include: ['300.1.1.1'] } } }, 'pf.clients.include.0', /CIDR/);
  rejects(t, { pf: { clients: { exclude: ['10.0.0.0/33'] } } }, 'pf.clients.exclude.0');
  rejects(t, { pf: { transparent_port: 0 } }, 'pf.transparent_port');
});

t.test('an admin listener off loopback needs a password', async (t) => {
  rejects(t, { listen: { admin: '0.0.0.0:8081' } }, 'admin.password', /loopback/);
  t.ok(validateConfig({ listen: { admin: '0.0.0.0:8081' }, admin: { password: 'x' } }));
  t.ok(validateConfig({ listen: { admin: '[::1]:8081' } }));
});

t.test('host:port and device key helpers', async (t) => {
  t.same(parseHostPort('[::1]:80'), { host: '::1', port: 80 });
  t.same(parseHostPort('*:443'), { host: '0.0.0.0', port: 443 });
  t.equal(parseHostPort('host'), null);
  t.equal(parseHostPort('host:70000'), null);
  t.equal(formatHostPort({ host: '::1', port: 1 }), '[::1]:1');
  t.equal(formatHostPort({ host: '10.0.0.1', port: 2 }), '10.0.0.1:2');
  t.equal(normalizeDeviceKey('AA:bb:CC:dd:EE:ff'), 'aa:bb:cc:dd:ee:ff');
  t.equal(normalizeDeviceKey('FD00::1'), 'fd00::1');
  t.equal(normalizeDeviceKey('10.0.0.0/8'), null);
  t.equal(normalizeDeviceKey('1.2.3'), null);
  t.ok(isLoopback('127.0.0.2'));
  t.ok(isLoopback('localhost'));
  t.notOk(isLoopback('0.0.0.0'));
});

t.test('YAML files: errors carry line:column, relative paths resolve against the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'yori-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  const good = join(dir, 'yori.conf');
  writeFileSync(good, 'data_dir: data\nca:\n  dir: ca\npolicy:\n  dir: pol\nupstream:\n  ca_file: roots.pem\ndhcp:\n  leases: [{path: l.leases, format: dnsmasq}]\n');
  const loaded = loadConfig(good, {});
  t.equal(loaded.path, good);
  t.equal(loaded.config.data_dir, join(dir, 'data'));
  t.equal(loaded.config.ca.dir, join(dir, 'ca'));
  t.equal(loaded.config.policy.dir, join(dir, 'pol'));
  t.equal(loaded.config.upstream.ca_file, join(dir, 'roots.pem'));
  t.equal(loaded.config.dhcp.leases[0]!.path, join(dir, 'l.leases'));

  const broken = join(dir, 'broken.conf');
  writeFileSync(broken, 'listen:\n  admin: [unclosed\n');
  t.throws(() => loadConfig(broken, {}), /broken\.conf:\d+:\d+: invalid YAML/);

  const dup = join(dir, 'dup.conf');
  writeFileSync(dup, 'data_dir: a\ndata_dir: b\n');
  t.throws(() => loadConfig(dup, {}), /invalid YAML/);

  t.throws(() => loadConfig(join(dir, 'missing.conf'), {}), /cannot read .*ENOENT/);

  t.equal(resolveConfigPath(undefined, { YORI_CONFIG: good }), good);
  t.equal(resolveConfigPath('x.conf', {}), join(process.cwd(), 'x.conf'));
  const env = loadConfig(undefined, { YORI_CONFIG: good });
  t.equal(env.path, good);
});

t.test('no file: built-in defaults resolved against the working folder', async (t) => {
  const { existsSync } = await import('node:fs');
  if (existsSync('/usr/local/etc/yori/yori.conf')) {
    t.skip('a system config exists on this machine');
    return;
  }
  const loaded = loadConfig(undefined, {});
  t.equal(loaded.path, null);
  t.equal(loaded.config.data_dir, join(process.cwd(), 'var'));
});
