import t from 'tap';
import { promptPreview, rowFromConnection, rowFromExchange, AUDIT_COLUMNS } from '../../lib/audit/row.js';
import { connection, exchange } from './fixtures/helpers.js';

const dev = { ip: '192.168.1.23', mac: 'aa:bb:cc:dd:ee:ff', name: 'kids-ipad', person: 'alice' };
const OPENAI_KEY = 'sk-proj-' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0';

t.test('an exchange becomes one row with every SPEC §4 field', async (t) => {
  const r = rowFromExchange(exchange({ decision: { action: 'alert', reasons: ['bedtime', 'pii: email'] } }), dev, 'truncated', 500);
  t.match(r, {
    id: null, ts: 1_700_000_000_000, client_ip: '192.168.1.23', client_name: 'kids-ipad', person: 'alice', client_mac: 'aa:bb:cc:dd:ee:ff',
    mode: 'intercept', kind: 'api', host: 'api.openai.com', provider: 'openai', method: 'POST', path: '/v1/chat/completions',
    model: 'gpt-4o', stream: 1, status: 200, request_bytes: 812, response_bytes: 4096, prompt_tokens: 120, completion_tokens: 80,
    duration_ms: 900, ttfb_ms: 150, policy_action: 'alert', prompt_preview: 'help with my homework', messages: 3, attachments: 1,
    body_truncated: 0, upgrade: null, error: null,
  });
  t.same(JSON.parse(r.policy_reasons), ['bedtime', 'pii: email'], 'reasons as a JSON array');
  t.same(Object.keys(r).sort(), ['id', ...AUDIT_COLUMNS].sort(), 'exactly the table columns');
});

t.test('missing pieces are NULL, never guessed', async (t) => {
  const r = rowFromExchange(
    exchange({ info: null, usage: null, status: 0, ttfbMs: null, durationMs: null, streamed: false, error: 'upstream: ECONNRESET', decision: { action: 'allow', reasons: [] } }),
    dev, 'full', 500,
  );
  t.match(r, { model: null, prompt_preview: null, prompt_tokens: null, completion_tokens: null, status: null, ttfb_ms: null, duration_ms: null, stream: 0, messages: null, attachments: null, error: 'upstream: ECONNRESET' });
  t.equal(r.policy_reasons, '[]');
  const odd = rowFromExchange(exchange({ usage: { prompt_tokens: -1, completion_tokens: Number.NaN }, requestBytes: -5 }), dev, 'none', 10);
  t.match(odd, { prompt_tokens: null, completion_tokens: null, request_bytes: 0 });
});

t.test('audit.prompts: full, truncated, none', async (t) => {
  const long = 'word '.repeat(400);
  const ex = exchange({ info: { model: 'm', stream: false, messages: 1, prompt: long, attachments: 0 } });
  t.equal(rowFromExchange(ex, dev, 'full', 50).prompt_preview, long);
  t.equal(rowFromExchange(ex, dev, 'truncated', 50).prompt_preview, long.slice(0, 50) + '…');
  t.equal(rowFromExchange(ex, dev, 'none', 50).prompt_preview, null);
  t.equal(promptPreview('short', 'truncated', 50), 'short', 'short prompts are not marked as cut');
  t.equal(promptPreview('ab😀cd', 'truncated', 3), 'ab…', 'never ends on half a surrogate pair');
});

t.test('secrets in prompts are scrubbed, also where the cut falls inside a key', async (t) => {
  const prompt = `my key is ${OPENAI_KEY} please debug`;
  for (const mode of ['full', 'truncated'] as const) {
    const p = rowFromExchange(exchange({ info: { model: 'm', stream: false, messages: 1, prompt, attachments: 0 } }), dev, mode, 500).prompt_preview!;
    t.notMatch(p, OPENAI_KEY, mode);
    t.match(p, /\[REDACTED\]/, mode);
  }
  // Cut in the middle of the key: no prefix of it may survive.
  const cut = promptPreview(`key: ${OPENAI_KEY}`, 'truncated', 20)!;
  t.notMatch(cut, 'A1b2C3', 'no fragment of the key');
  t.notMatch(cut, 'sk-proj-A1', 'no recognisable key prefix');
});

t.test('paths are redacted defensively; headers never read', async (t) => {
  const r = rowFromExchange(
    exchange({
      path: '/v1beta/models/gemini-pro:generateContent?key=AIzaSyA1234567890abcdefghijklmnopqrstuv&alt=sse',
      requestHeaders: [['Authorization', `Bearer ${OPENAI_KEY}`], ['Cookie', 'session=abc123secret'], ['x-api-key', 'sk-ant-api03-xyz']],
    }),
    dev, 'full', 500,
  );
  t.notMatch(r.path!, 'AIzaSy');
  t.match(r.path!, 'alt=sse');
  const all = JSON.stringify(r);
  t.notMatch(all, OPENAI_KEY);
  t.notMatch(all, 'abc123secret');
  t.notMatch(all, 'sk-ant-api03');
});

t.test('error text is scrubbed too', async (t) => {
  const r = rowFromExchange(exchange({ error: `upstream said: invalid key ${OPENAI_KEY}` }), dev, 'none', 10);
  t.notMatch(r.error!, OPENAI_KEY);
});

t.test('an observed connection becomes an observe row: bytes up/down, no content', async (t) => {
  const r = rowFromConnection(connection(), { ip: '192.168.1.40', mac: null, name: null, person: null });
  t.match(r, {
    ts: 1_700_000_100_000, client_ip: '192.168.1.40', client_name: null, mode: 'observe', kind: 'app', host: 'chatgpt.com',
    provider: 'openai', method: null, path: null, model: null, stream: 0, status: null, request_bytes: 1500,
    response_bytes: 90_000, prompt_tokens: null, completion_tokens: null, duration_ms: 60_000, ttfb_ms: null,
    policy_action: 'alert', prompt_preview: null, messages: null, attachments: null,
  });
  t.same(JSON.parse(r.policy_reasons), ['bedtime']);
  t.equal(rowFromConnection(connection({ error: 'reset', durationMs: null }), { ip: 'x', mac: null, name: null, person: null }).error, 'reset');
});
