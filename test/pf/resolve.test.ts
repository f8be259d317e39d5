import t from 'tap';
import { validateConfig } from '../../lib/config/schema.js';
import { resolveHosts, tableHosts } from '../../lib/pf/resolve.js';
import { ProviderRegistry } from '../../lib/providers/registry.js';
import { fakeResolver } from './helpers.js';

t.test('every intercepted or observed host is listed; wildcards are set apart', async (t) => {
  const config = validateConfig({ providers: { extra: [{ host: 'llm.example.test', provider: 'custom', kind: 'api' }] } });
  const { hosts, wildcards } = tableHosts(config);
  const registry = new ProviderRegistry(config.providers);
  t.ok(hosts.includes('api.openai.com'), 'an API host');
  t.ok(hosts.includes('chatgpt.com'), 'an observe-mode app host');
  t.ok(hosts.includes('llm.example.test'), 'a configured extra');
  t.same(hosts, [...hosts].sort(), 'sorted');
  for (const h of hosts) t.not(registry.lookup(h), null, `${h} is routed by YORI`);
  t.ok(wildcards.includes('*.openai.azure.com'));
  t.notOk(hosts.some((h) => h.includes('*')));
});

t.test('disabled hosts stay out, also beneath a disabled wildcard', async (t) => {
  const config = validateConfig({
    providers: {
      disabled: ['chatgpt.com', '*.openai.azure.com'],
      extra: [{ host: 'mine.openai.azure.com', provider: 'azure-openai', kind: 'api' }],
    },
  });
  const { hosts, wildcards } = tableHosts(config);
  t.notOk(hosts.includes('chatgpt.com'));
  t.notOk(hosts.includes('mine.openai.azure.com'));
  t.notOk(wildcards.includes('*.openai.azure.com'));
});

t.test('A and AAAA are both asked; a family without records is not an error', async (t) => {
  const asked: string[] = [];
  const resolver = fakeResolver(
    {
      'a.test': { v4: ['192.0.2.1', '192.0.2.2'], v6: ['2001:db8::1'] },
      'v4only.test': { v4: ['192.0.2.3'] },
      'slow.test': { error: 'ETIMEOUT' },
    },
    asked,
  );
  const r = await resolveHosts(['a.test', 'v4only.test', 'slow.test', 'gone.test'], resolver, 2);
  t.same(r, [
    { host: 'a.test', addresses: ['192.0.2.1', '192.0.2.2', '2001:db8::1'], error: null },
    { host: 'v4only.test', addresses: ['192.0.2.3'], error: null },
    { host: 'slow.test', addresses: [], error: 'ETIMEOUT' },
    { host: 'gone.test', addresses: [], error: 'ENOTFOUND' },
  ]);
  t.equal(asked.length, 8, 'both families for every host');
});

t.test('a resolver failing without a code is still reported', async (t) => {
  const r = await resolveHosts(['x.test'], { resolve4: () => Promise.reject(new Error('boom')), resolve6: () => Promise.reject('odd') });
  t.same(r, [{ host: 'x.test', addresses: [], error: 'boom' }]);
  t.same(await resolveHosts([], fakeResolver({})), []);
});
