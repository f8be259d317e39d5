import t from 'tap';
import {
  looksLikeSecret, redactPath, redactSecrets, REDACTED, SECRET_PATTERNS, SECRET_TYPES,
} from '../../lib/providers/secrets.js';

// Key-shaped test values are assembled at run time so the repository holds no literal keys.
const rep = (s: string, n: number) => s.repeat(n);
const samples: Record<string, string> = {
  openai_legacy: 'sk-' + rep('a1B2', 5) + 'T3BlbkFJ' + rep('c3D4', 5),
  openai_project: 'sk-proj-' + rep('Zx9_Yw8-', 20),
  openai_svcacct: 'sk-svcacct-' + rep('Q7r', 30),
  anthropic: 'sk-ant-api03-' + rep('Ab1-', 23) + 'AA',
  google: 'AIza' + 'Sy' + rep('D4e5_6g-', 4) + 'h',
  aws: 'AKIA' + 'IOSFODNN7EXAMPLE',
  aws_temp: 'ASIA' + 'Y34FZKBOKMUTVV7A',
  github_classic: 'ghp_' + rep('a1B2c3', 6),
  github_fine: 'github_pat_' + '11ABCDEFG0' + rep('x', 12) + '_' + rep('Y7z', 20),
  slack: 'xoxb-' + '1234567890-1234567890123-' + rep('aB', 12),
  stripe: 'sk_' + 'live_' + rep('4eC39HqLyjWDarjtT1zdp7dc', 1),
  huggingface: 'hf_' + rep('aBcD1', 7),
  groq: 'gsk_' + rep('q1W2e3R4', 7),
  xai: 'xai-' + rep('Z9y8X7w6', 10),
  perplexity: 'pplx-' + rep('m4N5b6V7', 6),
  jwt: 'eyJhbGciOiJIUzI1NiJ9.' + 'eyJzdWIiOiIxMjM0NTY3ODkwIn0.' + 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  private_key: '-----BEGIN ' + 'OPENSSH PRIVATE KEY-----',
};

t.test('every sample is detected, redacted, and counted by exactly one pattern', async (t) => {
  for (const [name, secret] of Object.entries(samples)) {
    const text = `my key is ${secret} thanks`;
    t.ok(looksLikeSecret(text), name);
    t.equal(redactSecrets(text), `my key is ${REDACTED} thanks`, name);
    let hits = 0;
    for (const re of SECRET_PATTERNS) {
      re.lastIndex = 0;
      hits += [...text.matchAll(re)].length;
    }
    t.equal(hits, 1, `${name} counted once`);
  }
});

t.test('bearer tokens: the token is redacted, the scheme word stays', async (t) => {
  const token = rep('aZ3.', 10) + 'x==';
  t.equal(redactSecrets(`Authorization: Bearer ${token}`), `Authorization: Bearer ${REDACTED}`);
  t.equal(redactSecrets(`authorization: bearer ${token}`), `authorization: bearer ${REDACTED}`);
  // A vendor key after Bearer counts once, as the vendor key.
  const text = `Authorization: Bearer ${samples.openai_project}`;
  let hits = 0;
  for (const re of SECRET_PATTERNS) {
    re.lastIndex = 0;
    hits += [...text.matchAll(re)].length;
  }
  t.equal(hits, 1);
  t.equal(redactSecrets(text), `Authorization: Bearer ${REDACTED}`);
});

t.test('prose and look-alikes are not secrets', async (t) => {
  for (const text of [
    'I use sk-learn and scikit-learn for my homework',
    'sk-this-is-just-a-very-long-slug-without-any-digits-at-all',
    'task-0123456789abcdef0123456789abcdef0123',
    'disk-0123456789abcdef0123456789abcdef',
    'AIza is a short word',
    'AIza' + 'Sy' + rep('D4e5_6g-', 4) + 'hX is one character too long',
    'akia' + 'iosfodnn7example is lower case',
    'XAKIA' + 'IOSFODNN7EXAMPLE glued to a word',
    'ghp_short',
    'The bearer of this letter is my friend.',
    'Bearer token',
    'bearer of good news and tidings from far away lands',
    'email me at alice@example.com, call 555-123-4567',
    'eyJ only the header.part',
    'hf_tiny',
  ]) {
    t.notOk(looksLikeSecret(text), text);
    t.equal(redactSecrets(text), text, text);
  }
});

t.test('pattern metadata', async (t) => {
  t.equal(SECRET_TYPES.length, SECRET_PATTERNS.length);
  t.ok(SECRET_TYPES.includes('openai_key') && SECRET_TYPES.includes('bearer_token'));
  for (const re of SECRET_PATTERNS) t.ok(re.global, re.source);
  // Repeated calls are independent of the shared regex state.
  t.ok(looksLikeSecret(samples.aws!));
  t.ok(looksLikeSecret(samples.aws!));
});

t.test('redactPath removes credentials from the query, keeps the rest', async (t) => {
  const key = samples.google!;
  t.equal(
    redactPath(`/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=${key}`),
    '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=REDACTED',
  );
  t.equal(redactPath('/x?api_key=abc&apikey=def&API-KEY=ghi&x-api-key=j'), '/x?api_key=REDACTED&apikey=REDACTED&API-KEY=REDACTED&x-api-key=REDACTED');
  t.equal(redactPath('/x?access_token=a&token=b&refresh_token=c&id_token=d'), '/x?access_token=REDACTED&token=REDACTED&refresh_token=REDACTED&id_token=REDACTED');
  t.equal(redactPath('/x?client_secret=a&password=b&auth=c&sig=d&signature=e&session=f'),
    '/x?client_secret=REDACTED&password=REDACTED&auth=REDACTED&sig=REDACTED&signature=REDACTED&session=REDACTED');
  t.equal(redactPath('/x?api%5Fkey=abc'), '/x?api%5Fkey=REDACTED', 'percent-encoded names');
  t.equal(redactPath('/x?%E0%A4%A=1'), '/x?%E0%A4%A=1', 'a malformed escape is kept');
  t.equal(
    redactPath('/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21'),
    '/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21',
  );
  t.equal(redactPath('/v1/chat/completions'), '/v1/chat/completions');
  t.equal(redactPath('/x?key'), '/x?key', 'a flag without value');
  t.equal(redactPath('/x?=v&key='), '/x?=v&key=REDACTED');
  t.equal(redactPath('/x?max_tokens=5&page=2'), '/x?max_tokens=5&page=2');
  t.equal(redactPath(`/bot/${samples.openai_legacy}/send?q=1`), `/bot/${REDACTED}/send?q=1`, 'secret-shaped path segment');
  t.equal(redactPath(`/x?q=${samples.github_classic}`), `/x?q=${REDACTED}`, 'secret-shaped value of any parameter');
});
