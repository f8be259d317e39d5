import t from 'tap';
import type { RequestInfo } from '../../lib/hooks.js';
import { extractRequest } from '../../lib/providers/extract.js';
import { fixture, routeFor } from './fixtures/harness.js';

const JSON_TYPE = 'application/json';

function extract(host: string, path: string, body: Buffer | string, opts: { method?: string; type?: string | null; truncated?: boolean } = {}): RequestInfo {
  return extractRequest(
    routeFor(host),
    opts.method ?? 'POST',
    path,
    opts.type === undefined ? JSON_TYPE : opts.type,
    typeof body === 'string' ? Buffer.from(body) : body,
    opts.truncated ?? false,
  );
}

const nothing = (model: string | null = null, stream = false): RequestInfo => ({ model, stream, messages: null, prompt: null, attachments: 0 });

/** A multipart/form-data body with CRLF framing, as browsers and SDKs send it. */
function multipart(boundary: string, parts: { name: string; value?: string; filename?: string; type?: string }[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'application/octet-stream'}`;
    chunks.push(Buffer.from(`${head}\r\n\r\n`));
    chunks.push(p.filename !== undefined ? Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xff]) : Buffer.from(p.value ?? ''));
    chunks.push(Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

t.test('OpenAI chat completions: system, developer and user text; media counted', async (t) => {
  t.same(extract('api.openai.com', '/v1/chat/completions', fixture('openai/chat.request.json')), {
    model: 'gpt-4o',
    stream: true,
    messages: 6,
    prompt: 'You are a helpful tutor for a 12-year-old.\nAnswer in German.\nWhat is photosynthesis?\nAnd what does this leaf do? 🍃',
    attachments: 3,
  });
});

t.test('OpenAI Responses API: instructions and input items; string input', async (t) => {
  t.same(extract('api.openai.com', '/v1/responses', fixture('openai/responses.request.json')), {
    model: 'gpt-4.1',
    stream: true,
    messages: 4,
    prompt: 'Talk like a pirate.\nAre semicolons optional in JavaScript?\nExplain this screenshot and PDF.',
    attachments: 2,
  });
  t.same(extract('api.openai.com', '/v1/responses', '{"model":"o4-mini","input":"Tell me a three sentence bedtime story."}'), {
    model: 'o4-mini', stream: false, messages: 1, prompt: 'Tell me a three sentence bedtime story.', attachments: 0,
  });
});

t.test('OpenAI legacy completions, embeddings, images, speech', async (t) => {
  t.same(extract('api.openai.com', '/v1/completions', fixture('openai/completions.request.json')), {
    model: 'gpt-3.5-turbo-instruct', stream: false, messages: null, prompt: 'Say this is a test\nSay hello', attachments: 0,
  });
  t.same(extract('api.mistral.ai', '/v1/fim/completions', '{"model":"codestral-latest","prompt":"def add(a, b):","suffix":"return c"}'), {
    model: 'codestral-latest', stream: false, messages: null, prompt: 'def add(a, b):\nreturn c', attachments: 0,
  });
  t.same(extract('api.openai.com', '/v1/embeddings', fixture('openai/embeddings.request.json')), {
    model: 'text-embedding-3-small', stream: false, messages: null, prompt: 'The food was delicious\nDas Essen war köstlich', attachments: 0,
  });
  t.same(extract('api.openai.com', '/v1/embeddings', '{"model":"text-embedding-3-small","input":[[1,2,3]]}'), {
    model: 'text-embedding-3-small', stream: false, messages: null, prompt: null, attachments: 0,
  }, 'token arrays are not text');
  t.same(extract('api.openai.com', '/v1/images/generations', fixture('openai/images.request.json')), {
    model: 'gpt-image-1', stream: false, messages: null, prompt: 'A cute baby sea otter wearing a beret', attachments: 0,
  });
  t.same(extract('api.openai.com', '/v1/audio/speech', fixture('openai/speech.request.json')), {
    model: 'gpt-4o-mini-tts',
    stream: false,
    messages: null,
    prompt: 'Speak in a cheerful and positive tone.\nToday is a wonderful day to build something people love!',
    attachments: 0,
  });
});

t.test('multipart bodies: image edits and transcriptions', async (t) => {
  const boundary = '----WebKitFormBoundary7MA4YWxkTrZu0gW';
  const type = `multipart/form-data; boundary=${boundary}`;
  const edit = multipart(boundary, [
    { name: 'model', value: 'gpt-image-1' },
    { name: 'image[]', filename: 'bath-bomb.png', type: 'image/png' },
    { name: 'image[]', filename: 'soap.png', type: 'image/png' },
    { name: 'prompt', value: 'Create a lovely gift basket with these items — für Oma' },
    { name: 'prompt', value: 'a second value is ignored' },
    { name: 'stream', value: 'true' },
  ]);
  t.same(extract('api.openai.com', '/v1/images/edits', edit, { type }), {
    model: 'gpt-image-1', stream: true, messages: null, prompt: 'Create a lovely gift basket with these items — für Oma', attachments: 2,
  });
  const audio = multipart('X-BOUNDARY', [
    { name: 'file', filename: 'speech.mp3', type: 'audio/mpeg' },
    { name: 'model', value: 'gpt-4o-transcribe' },
    { name: 'prompt', value: 'Names: Aoife, Siobhán' },
  ]);
  t.same(extract('api.openai.com', '/v1/audio/transcriptions', audio, { type: 'multipart/form-data; boundary="X-BOUNDARY"' }), {
    model: 'gpt-4o-transcribe', stream: false, messages: null, prompt: 'Names: Aoife, Siobhán', attachments: 1,
  });
  // Truncated in the middle of the file: the fields before it were read.
  const cut = multipart('B', [{ name: 'model', value: 'whisper-1' }, { name: 'file', filename: 'a.wav' }], false);
  t.same(extract('api.openai.com', '/v1/audio/translations', cut.subarray(0, cut.length - 4), { type: 'multipart/form-data; boundary=B', truncated: true }), {
    model: 'whisper-1', stream: false, messages: null, prompt: null, attachments: 1,
  });
  t.same(extract('api.openai.com', '/v1/images/edits', edit, { type: 'multipart/form-data' }), nothing(), 'no boundary');
  t.same(extract('api.openai.com', '/v1/images/edits', 'no delimiter here', { type }), nothing(), 'boundary absent from body');
  t.same(extract('api.openai.com', '/v1/images/edits', `--${boundary}\r\nContent-Disposition: form-data; name="model"`, { type }), {
    model: null, stream: false, messages: null, prompt: null, attachments: 0,
  }, 'headers never end');
});

t.test('Anthropic messages: system blocks and user turns; tool results are not prompt', async (t) => {
  t.same(extract('api.anthropic.com', '/v1/messages', fixture('anthropic/messages.request.json')), {
    model: 'claude-sonnet-4-20250514',
    stream: true,
    messages: 3,
    prompt: "You are a careful assistant.\nLong cached context…\nHello, Claude\nSummarise the document, s'il vous plaît.",
    attachments: 2,
  });
  t.same(extract('api.anthropic.com', '/v1/messages', '{"model":"claude-3-5-haiku-latest","system":"Be brief.","messages":[{"role":"user","content":"Hi"}]}'), {
    model: 'claude-3-5-haiku-latest', stream: false, messages: 1, prompt: 'Be brief.\nHi', attachments: 0,
  });
  t.equal(extract('api.anthropic.com', '/v1/messages/count_tokens', '{"model":"claude-sonnet-4-0","messages":[{"role":"user","content":"count me"}]}').prompt, 'count me');
  t.equal(extract('api.deepseek.com', '/anthropic/v1/messages', '{"model":"deepseek-chat","messages":[{"role":"user","content":"via the Anthropic shape"}]}').prompt, 'via the Anthropic shape');
});

t.test('Gemini: model and stream from the path, user parts and system instruction', async (t) => {
  const body = fixture('gemini/generate.request.json');
  const expected = {
    model: 'gemini-2.0-flash',
    stream: false,
    messages: 3,
    prompt: 'You are a cat. Your name is Neko.\nHello there\nWhat is in this picture?',
    attachments: 2,
  };
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.0-flash:generateContent', body), expected);
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.0-flash:streamGenerateContent', body), { ...expected, stream: true });
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=AIzaSyX', body), { ...expected, stream: true });
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.0-flash:generateContent?key=k&alt=sse', body), { ...expected, stream: true }, 'alt=sse anywhere in the query');
  t.same(extract('us-central1-aiplatform.googleapis.com', '/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent', body), { ...expected, model: 'gemini-2.5-pro', stream: true }, 'Vertex AI');
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/models/text-embedding-004:embedContent', fixture('gemini/embed.request.json')), {
    model: 'text-embedding-004', stream: false, messages: null, prompt: 'What is the meaning of life?', attachments: 0,
  });
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/models/text-embedding-004:batchEmbedContents', '{"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"one"}]}},{"content":{"parts":{"text":"two"}}}]}'), {
    model: 'text-embedding-004', stream: false, messages: null, prompt: 'one\ntwo', attachments: 0,
  });
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/models/gemini-2.0-flash:countTokens', '{"generateContentRequest":{"contents":[{"parts":[{"text":"how many?"}]}]},"system_instruction":"plain string"}'), {
    model: 'gemini-2.0-flash', stream: false, messages: 1, prompt: 'plain string\nhow many?', attachments: 0,
  });
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/models/imagen-3.0-generate-002:predict', '{"instances":[{"prompt":"Robot holding a red skateboard"}],"parameters":{"sampleCount":1}}'), {
    model: 'imagen-3.0-generate-002', stream: false, messages: null, prompt: 'Robot holding a red skateboard', attachments: 0,
  });
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/openai/chat/completions', '{"model":"gemini-2.0-flash","messages":[{"role":"user","content":"compat"}]}'), {
    model: 'gemini-2.0-flash', stream: false, messages: 1, prompt: 'compat', attachments: 0,
  }, "Gemini's OpenAI-compatible path");
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/models/gemini%2Dpro:generateContent', 'not json'), nothing('gemini-pro'), 'model from the path even without a body');
  t.equal(extract('generativelanguage.googleapis.com', '/v1beta/models/gem%ZZ:generateContent', '{}').model, 'gem%ZZ', 'a malformed escape stays as sent');
});

t.test('Cohere chat v1 and v2, generate, embed', async (t) => {
  t.same(extract('api.cohere.com', '/v1/chat', fixture('cohere/chat-v1.request.json')), {
    model: 'command-r-plus',
    stream: true,
    messages: 4,
    prompt: 'You are a travel agent.\nI want to visit Japan.\nPrefer trains.\nWhich cities in spring?',
    attachments: 1,
  });
  t.same(extract('api.cohere.ai', '/v2/chat', fixture('cohere/chat-v2.request.json')), {
    model: 'command-a-03-2025', stream: false, messages: 4, prompt: 'Be concise.\nDescribe\nTell me about LLMs', attachments: 1,
  });
  t.same(extract('api.cohere.com', '/v1/generate', '{"model":"command","prompt":"Once upon a time","stream":true}'), {
    model: 'command', stream: true, messages: null, prompt: 'Once upon a time', attachments: 0,
  });
  t.same(extract('api.cohere.com', '/v2/embed', '{"model":"embed-v4.0","texts":["hello","world"],"images":["data:image/png;base64,AA"],"inputs":[{"content":[{"type":"text","text":"mixed"},{"type":"image_url","image_url":"data:x"}]}]}'), {
    model: 'embed-v4.0', stream: false, messages: null, prompt: 'hello\nworld\nmixed', attachments: 2,
  });
  t.equal(extract('api.cohere.com', '/v1/chat', '{"chat_history":"nope","message":7}').messages, 0);
});

t.test('OpenAI-compatible APIs and Azure deployments', async (t) => {
  const body = '{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}';
  const expected = { model: 'm', stream: true, messages: 1, prompt: 'hi', attachments: 0 };
  for (const [host, path] of [
    ['api.mistral.ai', '/v1/chat/completions'],
    ['api.groq.com', '/openai/v1/chat/completions'],
    ['api.deepseek.com', '/chat/completions'],
    ['api.x.ai', '/v1/chat/completions'],
    ['openrouter.ai', '/api/v1/chat/completions'],
    ['api.together.xyz', '/v1/chat/completions'],
    ['api.perplexity.ai', '/chat/completions'],
    ['router.huggingface.co', '/v1/chat/completions'],
    ['router.huggingface.co', '/together/v1/chat/completions'],
    ['api.cohere.com', '/compatibility/v1/chat/completions'],
    ['contoso.openai.azure.com', '/openai/v1/chat/completions?api-version=preview'],
  ] as const) {
    t.same(extract(host, path, body), expected, `${host}${path}`);
  }
  t.same(
    extract('contoso.openai.azure.com', '/openai/deployments/my-gpt4o/chat/completions?api-version=2024-10-21', '{"messages":[{"role":"user","content":"hi"}]}'),
    { model: 'my-gpt4o', stream: false, messages: 1, prompt: 'hi', attachments: 0 },
    'Azure: the deployment is the model',
  );
  t.equal(extract('contoso.openai.azure.com', '/openai/deployments/emb%20prod/embeddings?api-version=2024-10-21', '{"input":"x","model":"ignored"}').model, 'emb prod');
  t.equal(extract('x.services.ai.azure.com', '/models/chat/completions?api-version=2024-05-01-preview', '{"model":"Phi-4","messages":[]}').model, 'Phi-4');
});

t.test('Hugging Face inference API', async (t) => {
  t.same(extract('api-inference.huggingface.co', '/models/distilbert/distilbert-base-uncased-finetuned-sst-2-english', '{"inputs":"I like you. I love you"}'), {
    model: 'distilbert/distilbert-base-uncased-finetuned-sst-2-english', stream: false, messages: null, prompt: 'I like you. I love you', attachments: 0,
  });
  t.same(extract('router.huggingface.co', '/hf-inference/models/BAAI/bge-small-en-v1.5/pipeline/feature-extraction', '{"inputs":["a","b"]}'), {
    model: 'BAAI/bge-small-en-v1.5', stream: false, messages: null, prompt: 'a\nb', attachments: 0,
  });
});

t.test('consumer apps (opt-in interception): best-effort prompt', async (t) => {
  t.same(extract('chatgpt.com', '/backend-api/conversation', fixture('apps/chatgpt-conversation.request.json')), {
    model: 'auto', stream: true, messages: 1, prompt: "Can you help with my homework? It's about fractions ½ + ¼.", attachments: 1,
  });
  t.equal(extract('chat.openai.com', '/backend-api/f/conversation', '{"messages":[{"author":{"role":"assistant"},"content":{"parts":["no"]}},{"author":{"role":"user"},"content":{"parts":["yes"]}}]}').prompt, 'yes');
  t.same(extract('claude.ai', '/api/organizations/0f1e/chat_conversations/9a8b/completion', fixture('apps/claude-completion.request.json')), {
    model: null, stream: true, messages: 1, prompt: 'Write a short poem about my dog Bello', attachments: 2,
  });
  t.equal(extract('claude.ai', '/api/organizations/o/chat_conversations/c/retry_completion', '{"prompt":"again","model":"claude-sonnet-4"}').model, 'claude-sonnet-4');
  t.same(extract('chatgpt.com', '/backend-api/me', '{}'), nothing(), 'other app paths: host/path level only');
  t.same(extract('gemini.google.com', '/_/BardChatUi/data/assistant.lamda.BardFrontendService/StreamGenerate', 'f.req=...', { type: 'application/x-www-form-urlencoded' }), nothing());
});

t.test('malformed, truncated and hostile bodies give nulls, never a throw', async (t) => {
  const chat = (body: string | Buffer, opts = {}) => extract('api.openai.com', '/v1/chat/completions', body, opts);
  t.same(chat(''), nothing());
  t.same(chat('{"model":"gpt-4o","messages":[{"role":"user","content":"hi"'), nothing(), 'truncated JSON (not flagged)');
  t.same(chat('{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi'.padEnd(200, 'x'), { truncated: true }), nothing('gpt-4o', true), 'truncated JSON: model and stream salvaged');
  t.same(chat('{"messages":[{"role":"user","content":"say \\"model\\": \\"fake\\", \\"stream\\": true', { truncated: true }), nothing(), 'escaped look-alikes are not salvaged');
  t.same(chat('[1,2,3]'), nothing(), 'JSON array');
  t.same(chat('"just a string"'), nothing());
  t.same(chat(Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x80])), nothing(), 'binary');
  t.same(chat('{"model":123,"stream":"yes","messages":"many"}'), nothing(), 'wrong types');
  t.same(chat('{"model":"m","messages":[null,7,"x",{"role":7,"content":"a"},{"role":"user","content":5},{"role":"user","content":[null,1,{"type":"text","text":9},{"type":"text","text":"ok"}]}]}'), {
    model: 'm', stream: false, messages: 6, prompt: 'ok', attachments: 0,
  }, 'wrong types inside messages are skipped');
  t.same(chat('\ufeff{"model":"bom"}'), nothing('bom'), 'UTF-8 BOM');
  t.same(chat('  \n{"model":"ws"}', { type: null }), nothing('ws'), 'no content type, leading whitespace');
  t.same(chat('{"model":"x"}', { method: 'GET' }), nothing(), 'GET requests are not read');
  t.same(chat('{"__proto__":{"model":"polluted"},"constructor":1}'), nothing());
  t.equal(({} as Record<string, unknown>).model, undefined, 'no prototype pollution');

  const many = JSON.stringify({ model: 'big', messages: Array.from({ length: 100_000 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'x' })) });
  const big = chat(many);
  t.equal(big.messages, 100_000);
  t.equal(big.prompt?.length, 50_000 * 2 - 1);
  t.same(chat('['.repeat(200_000)), nothing(), 'deep nesting');
  t.same(chat(`{"model":"deep","messages":${'['.repeat(100_000)}${']'.repeat(100_000)}}`), { model: 'deep', stream: false, messages: 1, prompt: null, attachments: 0 });
  t.same(extract('api.anthropic.com', '/v1/messages', '{"system":{"not":"blocks"},"messages":[{"role":"user","content":{"type":"text"}}]}'), {
    model: null, stream: false, messages: 1, prompt: null, attachments: 0,
  });
  t.same(extract('generativelanguage.googleapis.com', '/v1beta/models/g:generateContent', '{"contents":{"parts":[]},"systemInstruction":{"parts":[null,{"text":1}]}}'), nothing('g'));
  t.same(extract('api.openai.com', '/v1/responses', '{"input":7,"instructions":["x"]}'), nothing());
  t.same(extract('api.openai.com', '/v1/models', '{"model":"x"}'), nothing(), 'endpoints without a request shape');
});
