import t from 'tap';
import { BUILTIN_HOSTS, normalizeHost, ProviderRegistry } from '../../lib/providers/registry.js';
import { defaultConfig, type Config } from '../../lib/config/schema.js';

function registry(p: Partial<Config['providers']> = {}): ProviderRegistry {
  return new ProviderRegistry({ ...defaultConfig().providers, ...p });
}

t.test('intercepts every built-in AI API host with its provider id', async (t) => {
  const r = registry();
  const apis: [string, string][] = [
    ['api.openai.com', 'openai'],
    ['api.anthropic.com', 'anthropic'],
    ['generativelanguage.googleapis.com', 'google'],
    ['api.mistral.ai', 'mistral'],
    ['api.cohere.com', 'cohere'],
    ['api.cohere.ai', 'cohere'],
    ['api.groq.com', 'groq'],
    ['api.perplexity.ai', 'perplexity'],
    ['api.deepseek.com', 'deepseek'],
    ['api.x.ai', 'xai'],
    ['openrouter.ai', 'openrouter'],
    ['api.together.xyz', 'together'],
    ['api.together.ai', 'together'],
    ['router.huggingface.co', 'huggingface'],
    ['api-inference.huggingface.co', 'huggingface'],
    ['contoso.openai.azure.com', 'azure-openai'],
    ['my-foundry.services.ai.azure.com', 'azure-openai'],
  ];
  for (const [host, provider] of apis) {
    t.same(r.lookup(host), { host, provider, kind: 'api', mode: 'intercept' }, host);
  }
});

t.test('observes consumer apps by default, attributed to the company', async (t) => {
  const r = registry();
  const apps: [string, string][] = [
    ['chatgpt.com', 'openai'],
    ['chat.openai.com', 'openai'],
    ['claude.ai', 'anthropic'],
    ['gemini.google.com', 'google'],
    ['aistudio.google.com', 'google'],
    ['copilot.microsoft.com', 'microsoft'],
    ['www.perplexity.ai', 'perplexity'],
    ['perplexity.ai', 'perplexity'],
    ['chat.deepseek.com', 'deepseek'],
    ['grok.com', 'xai'],
    ['chat.mistral.ai', 'mistral'],
    ['character.ai', 'characterai'],
    ['poe.com', 'poe'],
    ['meta.ai', 'meta'],
    ['www.meta.ai', 'meta'],
  ];
  for (const [host, provider] of apps) {
    t.same(r.lookup(host), { host, provider, kind: 'app', mode: 'observe' }, host);
  }
});

t.test('never matches parent domains or unrelated neighbours', async (t) => {
  const r = registry();
  for (const host of [
    'googleapis.com', 'www.googleapis.com', 'storage.googleapis.com', 'aiplatform.googleapis.com', 'google.com', 'www.google.com',
    'azure.com', 'openai.azure.com', 'services.ai.azure.com', 'ai.azure.com', 'portal.azure.com',
    'x.com', 'api.x.com', 'openai.com', 'www.openai.com', 'anthropic.com', 'microsoft.com',
    'huggingface.co', 'cohere.com', 'example.com', 'localhost', '', '.', 'com',
  ]) {
    t.equal(r.lookup(host), null, JSON.stringify(host));
  }
});

t.test('wildcards match exactly one label', async (t) => {
  const r = registry();
  t.equal(r.lookup('res1.openai.azure.com')?.provider, 'azure-openai');
  t.equal(r.lookup('a.b.openai.azure.com'), null, 'two labels deep');
  t.equal(r.lookup('openai.azure.com'), null, 'the parent itself');
  t.equal(r.lookup('evil-openai.azure.com'), null, 'suffix without a dot boundary');
  t.equal(r.lookup('x.openai.azure.com.evil.com'), null);
});

t.test('hostnames are case-insensitive and a trailing dot is ignored', async (t) => {
  const r = registry();
  t.same(r.lookup('API.OpenAI.COM'), { host: 'api.openai.com', provider: 'openai', kind: 'api', mode: 'intercept' });
  t.equal(r.lookup('api.anthropic.com.')?.host, 'api.anthropic.com');
  t.equal(r.lookup('Contoso.OpenAI.Azure.com.')?.host, 'contoso.openai.azure.com');
  t.equal(r.lookup('api.openai.com..'), null, 'only one trailing dot is a root label');
  t.equal(normalizeHost('Claude.AI.'), 'claude.ai');
});

t.test('providers.extra adds hosts and overrides built-ins', async (t) => {
  const r = registry({
    extra: [
      { host: 'llm.home.arpa', provider: 'ollama', kind: 'api' },
      { host: 'chatgpt.com', provider: 'openai-custom', kind: 'api' },
      { host: '*.inference.example.net', provider: 'acme', kind: 'app' },
      { host: 'Upper.Example.ORG', provider: 'upper', kind: 'api' },
    ],
  });
  t.same(r.lookup('llm.home.arpa'), { host: 'llm.home.arpa', provider: 'ollama', kind: 'api', mode: 'intercept' });
  t.same(r.lookup('chatgpt.com'), { host: 'chatgpt.com', provider: 'openai-custom', kind: 'api', mode: 'intercept' });
  t.same(r.lookup('eu.inference.example.net'), { host: 'eu.inference.example.net', provider: 'acme', kind: 'app', mode: 'observe' });
  t.equal(r.lookup('upper.example.org')?.provider, 'upper');
  t.equal(r.hosts().filter((h) => h.host === 'chatgpt.com').length, 1, 'overridden host listed once');
});

t.test('providers.disabled hosts are neither intercepted nor observed', async (t) => {
  const r = registry({
    disabled: ['api.openai.com', 'CLAUDE.AI.', 'blocked.openai.azure.com', '*.services.ai.azure.com'],
    extra: [{ host: 'mine.services.ai.azure.com', provider: 'custom', kind: 'api' }],
  });
  t.equal(r.lookup('api.openai.com'), null);
  t.equal(r.lookup('claude.ai'), null);
  t.equal(r.lookup('blocked.openai.azure.com'), null, 'an exact name under a wildcard');
  t.equal(r.lookup('other.openai.azure.com')?.provider, 'azure-openai', 'the wildcard still serves other names');
  t.equal(r.lookup('x.services.ai.azure.com'), null, 'a disabled wildcard');
  t.equal(r.lookup('mine.services.ai.azure.com'), null, 'extras beneath a disabled wildcard');
  const listed = r.hosts().map((h) => h.host);
  t.notOk(listed.includes('api.openai.com'));
  t.notOk(listed.includes('claude.ai'));
  t.notOk(listed.includes('*.services.ai.azure.com'));
  t.ok(listed.includes('api.anthropic.com'));
});

t.test('providers.intercept_apps intercepts the named app providers (or hosts)', async (t) => {
  const r = registry({ intercept_apps: ['OpenAI', 'grok.com'] });
  t.equal(r.lookup('chatgpt.com')?.mode, 'intercept');
  t.equal(r.lookup('chat.openai.com')?.mode, 'intercept');
  t.equal(r.lookup('chatgpt.com')?.kind, 'app', 'still an app');
  t.equal(r.lookup('grok.com')?.mode, 'intercept', 'by hostname');
  t.equal(r.lookup('claude.ai')?.mode, 'observe');
  t.equal(r.lookup('api.x.ai')?.mode, 'intercept');
  const wild = registry({ extra: [{ host: '*.apps.example', provider: 'acme', kind: 'app' }], intercept_apps: ['acme'] });
  t.equal(wild.lookup('a.apps.example')?.mode, 'intercept');
});

t.test('hosts() lists every enabled pattern with provider and kind', async (t) => {
  const r = registry();
  const hosts = r.hosts();
  t.equal(hosts.length, BUILTIN_HOSTS.length);
  t.ok(hosts.some((h) => h.host === '*.openai.azure.com' && h.provider === 'azure-openai' && h.kind === 'api'));
  t.ok(hosts.some((h) => h.host === 'claude.ai' && h.kind === 'app'));
  for (const h of hosts) {
    t.notOk(['googleapis.com', 'azure.com', 'x.com', 'google.com', 'microsoft.com'].includes(h.host), h.host);
    t.match(h.host, /^(\*\.)?[a-z0-9.-]+$/);
  }
  hosts[0]!.provider = 'mutated';
  t.not(r.hosts()[0]!.provider, 'mutated', 'callers get copies');
});

t.test('routes are shared and frozen for exact names', async (t) => {
  const r = registry();
  t.equal(r.lookup('api.openai.com'), r.lookup('api.openai.com'));
  t.ok(Object.isFrozen(r.lookup('api.openai.com')));
});
