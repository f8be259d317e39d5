import t, { type Test } from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, validateConfig } from '../../lib/config/schema.js';
import { planRedirect, rdrTargets, renderAnchor } from '../../lib/pf/rules.js';

/** Compares with test/pf/golden/<name>.conf; UPDATE_GOLDEN=1 rewrites the file instead. */
function golden(t: Test, name: string, actual: string) {
  const path = fileURLToPath(new URL(`./golden/${name}.conf`, import.meta.url));
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  t.equal(actual, readFileSync(path, 'utf8'), `matches golden/${name}.conf`);
}

t.test('defaults: IPv4 loopback listener on lan, every client', async (t) => {
  golden(t, 'defaults', renderAnchor(planRedirect(validateConfig(null))));
});

t.test('router: wildcard IPv4 listener, two interfaces, kids only minus one device', async (t) => {
  const c = validateConfig({
    listen: { transparent: '0.0.0.0:8443' },
    pf: { interfaces: ['igb1', 'igb2'], clients: { include: ['192.168.1.0/24', 'fd00::/64'], exclude: ['192.168.1.5'] } },
  });
  golden(t, 'router-kids', renderAnchor(planRedirect(c)));
});

t.test('dual-stack listener redirects both families; exclude-only starts from everyone', async (t) => {
  const c = validateConfig({
    listen: { transparent: '[::]:9443' },
    pf: { anchor: 'home/yori', table: 'ai_hosts', interfaces: ['em0'], clients: { exclude: ['10.0.0.9', 'fd00::9'] } },
  });
  golden(t, 'dual-stack-exclude', renderAnchor(planRedirect(c)));
});

t.test('IPv6-only listener refuses IPv4 so clients retry over IPv6; pf.transparent_port wins', async (t) => {
  const c = validateConfig({ listen: { transparent: '[::1]:8443' }, pf: { transparent_port: 10443, interfaces: ['vtnet1'] } });
  golden(t, 'ipv6-only', renderAnchor(planRedirect(c)));
});

t.test('rdr targets follow the listener address', async (t) => {
  t.same(rdrTargets('0.0.0.0'), { inet: '127.0.0.1', inet6: null });
  t.same(rdrTargets('localhost'), { inet: '127.0.0.1', inet6: null });
  t.same(rdrTargets('::'), { inet: '127.0.0.1', inet6: '::1' });
  t.same(rdrTargets('192.168.1.1'), { inet: '192.168.1.1', inet6: null });
  t.same(rdrTargets('fd00::1'), { inet: null, inet6: 'fd00::1' });
});

t.test('configs pf cannot express are refused naming the key', async (t) => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ listen: { transparent: 'yori.lan:8443' } }, 'listen.transparent', /IP address/],
    [{ listen: { transparent: '127.0.0.1:0' } }, 'pf.transparent_port', /port 0/],
    [{ pf: { interfaces: [] } }, 'pf.interfaces', /at least one interface/],
    [{ pf: { table: 'a_table_name_longer_than_pf_allows' } }, 'pf.table', /at most 31/],
  ];
  for (const [doc, key, message] of cases) {
    const err = t.throws(() => planRedirect(validateConfig(doc))) as ConfigError;
    t.ok(err instanceof ConfigError, `${key}: a ConfigError`);
    t.equal(err.key, key);
    t.match(err.message, message);
  }
});
