import t from 'tap';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { createUsageObserver, MAX_COMPRESSED_BYTES } from '../../lib/providers/usage.js';
import { bytewise, fixture, observe, randomChunks, routeFor, twoWaySplits, type ObserveCase } from './fixtures/harness.js';

const SSE = 'text/event-stream; charset=utf-8';
const JSON_TYPE = 'application/json';

interface UsageFixture extends ObserveCase {
  file: string;
  prompt: number | null;
  completion: number | null;
  /** Text inside the event/record after which the usage is final even if the stream is cut. */
  finalAt?: string;
}

const cases: UsageFixture[] = [
  // OpenAI
  { file: 'openai/chat-stream.sse', host: 'api.openai.com', path: '/v1/chat/completions', contentType: SSE, stream: true, prompt: 25, completion: 9, finalAt: '"prompt_tokens":25' },
  { file: 'openai/chat-stream-no-usage.sse', host: 'api.openai.com', path: '/v1/chat/completions', contentType: SSE, stream: true, prompt: null, completion: null },
  { file: 'openai/chat.json', host: 'api.openai.com', path: '/v1/chat/completions', contentType: JSON_TYPE, prompt: 19, completion: 23 },
  { file: 'openai/responses-stream.sse', host: 'api.openai.com', path: '/v1/responses', contentType: SSE, stream: true, prompt: 36, completion: 11, finalAt: '"type":"response.completed"' },
  { file: 'openai/responses.json', host: 'api.openai.com', path: '/v1/responses', contentType: JSON_TYPE, prompt: 36, completion: 87 },
  { file: 'openai/embeddings.json', host: 'api.openai.com', path: '/v1/embeddings', contentType: JSON_TYPE, prompt: 8, completion: null },
  { file: 'openai/images.json', host: 'api.openai.com', path: '/v1/images/generations', contentType: JSON_TYPE, prompt: 50, completion: 4160 },
  // Anthropic
  { file: 'anthropic/messages-stream.sse', host: 'api.anthropic.com', path: '/v1/messages', contentType: SSE, stream: true, prompt: 472, completion: 15, finalAt: '"stop_reason":"end_turn"' },
  { file: 'anthropic/messages-stream-cached.sse', host: 'api.anthropic.com', path: '/v1/messages', contentType: SSE, stream: true, prompt: 12 + 1800 + 3000, completion: 25, finalAt: '"stop_reason":"max_tokens"' },
  { file: 'anthropic/messages.json', host: 'api.anthropic.com', path: '/v1/messages', contentType: JSON_TYPE, prompt: 2095 + 100, completion: 503 },
  // Gemini
  { file: 'gemini/stream-sse.sse', host: 'generativelanguage.googleapis.com', path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=AIzaX', contentType: SSE, stream: true, prompt: 9, completion: 12, finalAt: '"finishReason": "STOP"' },
  { file: 'gemini/stream-array.json', host: 'generativelanguage.googleapis.com', path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent', contentType: 'application/json; charset=UTF-8', stream: true, prompt: 7, completion: 30 + 120, finalAt: '"thoughtsTokenCount": 120' },
  { file: 'gemini/generate.json', host: 'generativelanguage.googleapis.com', path: '/v1beta/models/gemini-1.5-flash:generateContent', contentType: JSON_TYPE, prompt: 11, completion: 17 },
  // Cohere
  { file: 'cohere/chat-v2-stream.sse', host: 'api.cohere.com', path: '/v2/chat', contentType: SSE, stream: true, prompt: 69, completion: 9, finalAt: '"type":"message-end"' },
  { file: 'cohere/chat-v1-stream.ndjson', host: 'api.cohere.ai', path: '/v1/chat', contentType: 'application/stream+json', stream: true, prompt: 71, completion: 7, finalAt: '"event_type":"stream-end"' },
  { file: 'cohere/chat-v1.json', host: 'api.cohere.com', path: '/v1/chat', contentType: JSON_TYPE, prompt: 6, completion: 2 },
  { file: 'cohere/chat-v2.json', host: 'api.cohere.com', path: '/v2/chat', contentType: JSON_TYPE, prompt: 278, completion: 33 },
  // OpenAI-compatible APIs
  { file: 'compat/xai-stream.sse', host: 'api.x.ai', path: '/v1/chat/completions', contentType: SSE, stream: true, prompt: 12, completion: 4, finalAt: '"finish_reason":"stop"' },
  { file: 'compat/groq-stream.sse', host: 'api.groq.com', path: '/openai/v1/chat/completions', contentType: SSE, stream: true, prompt: 40, completion: 6, finalAt: '"x_groq":{"id":"req_01jc","usage"' },
  { file: 'compat/mistral-stream.sse', host: 'api.mistral.ai', path: '/v1/chat/completions', contentType: SSE, stream: true, prompt: 10, completion: 7, finalAt: '"finish_reason":"stop"' },
  { file: 'compat/deepseek-stream.sse', host: 'api.deepseek.com', path: '/chat/completions', contentType: SSE, stream: true, prompt: 13, completion: 210, finalAt: '"prompt_tokens":13' },
  { file: 'compat/perplexity-stream.sse', host: 'api.perplexity.ai', path: '/chat/completions', contentType: SSE, stream: true, prompt: 6, completion: 20, finalAt: '"finish_reason":"stop"' },
  { file: 'compat/openrouter-stream.sse', host: 'openrouter.ai', path: '/api/v1/chat/completions', contentType: SSE, stream: true, prompt: 14, completion: 5, finalAt: '"cost"' },
  { file: 'compat/together-stream.sse', host: 'api.together.xyz', path: '/v1/chat/completions', contentType: SSE, stream: true, prompt: 41, completion: 2, finalAt: '"finish_reason":"eos"' },
  { file: 'compat/azure-stream.sse', host: 'contoso.openai.azure.com', path: '/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21', contentType: SSE, stream: true, prompt: 18, completion: 3, finalAt: '"prompt_tokens":18' },
  { file: 'compat/huggingface-stream.sse', host: 'router.huggingface.co', path: '/v1/chat/completions', contentType: SSE, stream: true, prompt: 37, completion: 3, finalAt: '"prompt_tokens":37' },
];

const isStreamBody = (c: UsageFixture) => c.finalAt !== undefined;

/** Byte offset where the record containing `marker` ends (its blank line / newline / brace). */
function endOfRecord(body: Buffer, marker: string, sse: boolean): number {
  const at = body.indexOf(marker);
  if (at < 0) throw new Error(`marker ${marker} not in fixture`);
  if (sse) {
    const lf = body.indexOf('\n\n', at);
    const crlf = body.indexOf('\r\n\r\n', at);
    return crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf + 2;
  }
  // A pretty-printed array element closes with a "}" line; an NDJSON record ends its line.
  const close = body.indexOf('\n}\n', at);
  return close >= 0 ? close + 2 : body.indexOf('\n', at) + 1;
}

function startOfRecord(body: Buffer, marker: string): number {
  const at = body.indexOf(marker);
  return Math.max(...['\n\n', '\r\n\r\n', '\n{', '\n,'].map((sep) => body.lastIndexOf(sep, at)));
}

for (const c of cases) {
  t.test(`${c.file}: usage`, async (t) => {
    const body = fixture(c.file);
    const expected = { prompt_tokens: c.prompt, completion_tokens: c.completion };
    t.same(observe(c, [body]), expected, 'whole body');

    const results = new Set<string>();
    for (const chunks of twoWaySplits(body)) results.add(JSON.stringify(observe(c, chunks)));
    results.add(JSON.stringify(observe(c, bytewise(body))));
    for (let seed = 1; seed <= 5; seed++) results.add(JSON.stringify(observe(c, randomChunks(body, seed))));
    t.same([...results], [JSON.stringify(expected)], 'identical for every split point, bytewise and random chunking');

    if (isStreamBody(c)) {
      const sse = c.contentType.startsWith('text/event-stream');
      const after = endOfRecord(body, c.finalAt!, sse);
      if (c.prompt !== null) {
        t.same(observe(c, [body.subarray(0, after)], false), expected, 'cut short after the final usage: kept');
      }
      const before = startOfRecord(body, c.finalAt!);
      t.same(observe(c, [body.subarray(0, before)], false), { prompt_tokens: null, completion_tokens: null }, 'cut short before the final usage: NULL');
      t.same(observe(c, [body.subarray(0, before)], true), observe(c, [body.subarray(0, before)], true), 'deterministic');
    } else {
      t.same(observe(c, [body.subarray(0, body.length - 3)], false), { prompt_tokens: null, completion_tokens: null }, 'truncated JSON body: NULL');
    }
  });
}

t.test('running usage seen before a cut (xAI, Gemini) is not final', async (t) => {
  const xai = cases.find((c) => c.file === 'compat/xai-stream.sse')!;
  const body = fixture(xai.file);
  const firstEvent = body.subarray(0, body.indexOf('\n\n') + 2);
  t.same(observe(xai, [firstEvent], false), { prompt_tokens: null, completion_tokens: null });
  t.same(observe(xai, [firstEvent], true), { prompt_tokens: 12, completion_tokens: 1 }, 'a stream that ended there: last seen');
  const gemini = cases.find((c) => c.file === 'gemini/stream-array.json')!;
  const g = fixture(gemini.file);
  const firstElement = g.subarray(0, g.indexOf('\n,') + 2);
  t.same(observe(gemini, [firstElement], false), { prompt_tokens: null, completion_tokens: null });
});

t.test('Anthropic message_delta usage is cumulative: the last value wins, never a sum', async (t) => {
  const c = cases.find((x) => x.file === 'anthropic/messages-stream-cached.sse')!;
  const body = fixture(c.file).toString();
  t.equal((body.match(/"output_tokens"/g) ?? []).length, 3, 'fixture has three reports');
  t.same(observe(c, [Buffer.from(body)]), { prompt_tokens: 4812, completion_tokens: 25 });
  // Without message_stop and without the final delta: the running value is not final.
  const cut = body.slice(0, body.indexOf('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens"'));
  t.same(observe(c, [Buffer.from(cut)], false), { prompt_tokens: null, completion_tokens: null });
  t.same(observe(c, [Buffer.from(cut)], true), { prompt_tokens: 4812, completion_tokens: 10 });
  // message_stop alone makes the numbers seen so far final.
  const stopOnly = cut + 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
  t.same(observe(c, [Buffer.from(stopOnly)], false), { prompt_tokens: 4812, completion_tokens: 10 });
});

t.test('events without a name are typed by their data', async (t) => {
  const c: ObserveCase = { host: 'api.anthropic.com', path: '/v1/messages', contentType: SSE, stream: true };
  const body = fixture('anthropic/messages-stream.sse').toString().replace(/^event: .*\n/gm, '');
  t.same(observe(c, [Buffer.from(body)], false), { prompt_tokens: 472, completion_tokens: 15 });
});

t.test('compressed bodies are decoded at the end', async (t) => {
  const chat = cases.find((c) => c.file === 'openai/chat.json')!;
  const stream = cases.find((c) => c.file === 'openai/chat-stream.sse')!;
  const json = fixture(chat.file);
  const sse = fixture(stream.file);
  const encoders: [string, (b: Buffer) => Buffer][] = [
    ['gzip', gzipSync], ['x-gzip', gzipSync], ['br', brotliCompressSync], ['deflate', deflateSync], ['deflate', deflateRawSync],
  ];
  for (const [name, encode] of encoders) {
    const headers: [string, string][] = [['Content-Encoding', name]];
    t.same(observe({ ...chat, headers }, randomChunks(encode(json), 3)), { prompt_tokens: 19, completion_tokens: 23 }, name);
    t.same(observe({ ...stream, headers }, randomChunks(encode(sse), 4)), { prompt_tokens: 25, completion_tokens: 9 }, `${name} SSE`);
  }
  // A gzip stream cut after the final usage event still yields it.
  const gz = gzipSync(sse.subarray(0, sse.indexOf('data: [DONE]')));
  t.same(observe({ ...stream, headers: [['content-encoding', 'gzip']] }, [gz.subarray(0, gz.length - 8)], false), { prompt_tokens: 25, completion_tokens: 9 });
  t.same(
    observe({ ...chat, headers: [['content-encoding', 'gzip']] }, [Buffer.from('not gzip at all')]),
    { prompt_tokens: null, completion_tokens: null },
    'corrupt compressed data',
  );
  const big = Buffer.alloc(MAX_COMPRESSED_BYTES / 2 + 1);
  t.same(observe({ ...chat, headers: [['content-encoding', 'gzip']] }, [big, big]), { prompt_tokens: null, completion_tokens: null }, 'over the compressed cap');
  t.equal(observe({ ...chat, headers: [['content-encoding', 'zstd']] }, [json]), null, 'unsupported encoding: no observer');
  t.same(observe({ ...chat, headers: [['content-encoding', 'identity']] }, [json]), { prompt_tokens: 19, completion_tokens: 23 });
});

t.test('no observer where no usage can be read', async (t) => {
  const api = routeFor('api.openai.com');
  const json: [string, string][] = [['content-type', JSON_TYPE]];
  for (const status of [100, 199, 301, 400, 401, 429, 500, 503]) {
    t.equal(createUsageObserver(api, '/v1/chat/completions', null, json, status), null, `status ${status}`);
  }
  t.equal(createUsageObserver(api, '/v1/models', null, json, 200), null, 'no usage endpoint');
  t.equal(createUsageObserver(api, '/v1/audio/speech', null, [['content-type', 'audio/mpeg']], 200), null, 'speech audio');
  t.equal(createUsageObserver(api, '/v1/audio/transcriptions', null, [['content-type', 'text/plain']], 200), null, 'text transcript');
  t.equal(createUsageObserver(routeFor('chatgpt.com'), '/backend-api/conversation', null, [['content-type', SSE]], 200), null, 'app');
  t.equal(createUsageObserver(routeFor('api.anthropic.com'), '/v1/messages/count_tokens', null, json, 200), null, 'token count');
  t.not(createUsageObserver(api, '/v1/chat/completions', null, [], 200), null, 'missing content type: try JSON');
  t.not(createUsageObserver(api, '/v1/chat/completions', null, json, 201), null);
});

t.test('malformed and hostile bodies give NULL usage, never a throw', async (t) => {
  const c: ObserveCase = { host: 'api.openai.com', path: '/v1/chat/completions', contentType: JSON_TYPE };
  const none = { prompt_tokens: null, completion_tokens: null };
  for (const body of [
    '<html><body>Bad gateway</body></html>',
    '{"usage": {"prompt_tokens": "12", "completion_tokens": [3]}}',
    '{"usage": {"prompt_tokens": -5, "completion_tokens": 1e400}}',
    '{"usage": null}',
    '{"usage": 5}',
    '{"usage": {"prompt_tokens": 1,}',
    '{"usage" {"prompt_tokens": 1}}',
    '{"usage": {"prompt_tokens": tru}}',
    '{"usage": {"prompt_tokens": 1} garbage',
    '',
    '\u0000\u0001\u00ff',
    '[' .repeat(10_000),
    '{"a":' .repeat(5_000),
  ]) {
    t.same(observe(c, [Buffer.from(body)]), none, JSON.stringify(body.slice(0, 40)));
  }
  // A huge array and a huge string before the usage do not matter.
  const huge = `{"data":[${'1.5,'.repeat(200_000)}2],"pad":"${'x'.repeat(1_000_000)}","usage":{"prompt_tokens":3,"completion_tokens":4}}`;
  t.same(observe(c, randomChunks(Buffer.from(huge), 9, 65536)), { prompt_tokens: 3, completion_tokens: 4 });
  const sse: ObserveCase = { ...c, contentType: SSE };
  t.same(observe(sse, [Buffer.from('data: {not json}\n\ndata: [1,2]\n\n: comment\n\ndata: "usage"\n\ndata: {"usage": {"prompt_tokens": 1\n\n')]), none);
  t.same(observe(sse, [Buffer.from('data: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}\n\n')], false), { prompt_tokens: 1, completion_tokens: 2 });
});

t.test('observer lifecycle: end() is idempotent, chunks after end are ignored', async (t) => {
  const body = fixture('openai/chat.json');
  const obs = createUsageObserver(routeFor('api.openai.com'), '/v1/chat/completions', null, [['content-type', JSON_TYPE]], 200)!;
  obs.chunk(body);
  const first = obs.end(true);
  obs.chunk(Buffer.from('{"usage":{"prompt_tokens":1}}'));
  t.same(obs.end(false), first);
  t.same(first, { prompt_tokens: 19, completion_tokens: 23 });
  const fresh = createUsageObserver(routeFor('api.openai.com'), '/v1/chat/completions', null, [['content-type', JSON_TYPE]], 200)!;
  t.same(fresh.end(true), { prompt_tokens: null, completion_tokens: null }, 'empty body');
});

t.test('non-streamed JSON: parsed whole when small, scanned when large, nothing from a cut body', async (t) => {
  const c: ObserveCase = { host: 'api.openai.com', path: '/v1/chat/completions', contentType: JSON_TYPE };
  const usage = '"usage":{"prompt_tokens":7,"completion_tokens":8}';
  const small = Buffer.from(`{"id":"x","choices":[{"message":{"content":"hi"}}],${usage}}`);
  t.same(observe(c, bytewise(small)), { prompt_tokens: 7, completion_tokens: 8 }, 'small, byte by byte');
  t.same(observe(c, [small.subarray(0, 20)], false), { prompt_tokens: null, completion_tokens: null }, 'cut short: NULL');
  t.same(observe(c, [small], false), { prompt_tokens: 7, completion_tokens: 8 }, 'the whole object arrived before the connection broke: it counts');
  // Around the 64 KiB switch from keeping the body to scanning it, usage at either end.
  for (const pad of [64 * 1024 - 200, 64 * 1024, 64 * 1024 + 200]) {
    const tail = Buffer.from(`{"choices":[{"message":{"content":"${'y'.repeat(pad)}"}}],${usage}}`);
    const head = Buffer.from(`{${usage},"choices":[{"message":{"content":"${'y'.repeat(pad)}"}}]}`);
    for (const body of [tail, head]) {
      t.same(observe(c, randomChunks(body, pad, 4096)), { prompt_tokens: 7, completion_tokens: 8 }, `${body.length} bytes`);
    }
  }
  t.same(observe(c, [Buffer.from(`[{${usage}}]`)]), { prompt_tokens: 7, completion_tokens: 8 }, 'a top-level array goes to the scanner (records per element)');
  t.same(observe(c, [Buffer.from(`[{${usage}}]`)], false), { prompt_tokens: null, completion_tokens: null }, 'and is not final when cut');
});
