/**
 * Issue 3 through the real proxy: every exchange and every observed app connection becomes
 * exactly one audit row with what the providers, the policy and the data path found, and no
 * credential ever reaches the database files or the log.
 */
import t from 'tap';
import { randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { auditDbPath } from '../../lib/audit/store.js';
import { connectTls, startOrigin, startTlsEcho, testPki } from '../net/fixtures.js';
import { readAll, readUntil } from '../net/io.js';
import { fixture } from '../providers/fixtures/harness.js';
import { chat, memoryLogger, postJson, readBody, startTestYori, waitRows } from './helpers.js';
import { openReadOnly } from '../fixtures/read-db.js';

const DEVICES = { '127.0.0.1': { name: 'kids-ipad', person: 'alice' } };

/** Ends `res` with an SSE body written one event per write: the usage comes in a late chunk. */
function writeEvents(res: ServerResponse, sse: Buffer): void {
  for (const event of sse.toString().split(/(?<=\n\n)/)) res.write(event);
  res.end();
}

t.test('one row per exchange: JSON, OpenAI SSE with include_usage, Anthropic SSE, an upstream error, a Gemini JSON stream', async (t) => {
  const chatJson = fixture('openai/chat.json');
  const chatStream = fixture('openai/chat-stream.sse');
  const rateLimited = Buffer.from(JSON.stringify({ error: { type: 'rate_limit_exceeded', message: 'slow down' } }));
  const openai = await startOrigin(t, async (req, res) => {
    const asked = JSON.parse((await readBody(req)).toString());
    if (asked.model === 'gpt-4o-limited') {
      res.writeHead(429, { 'content-type': 'application/json' }).end(rateLimited);
    } else if (asked.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      writeEvents(res, chatStream);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(chatJson);
    }
  });
  const messagesStream = fixture('anthropic/messages-stream.sse');
  const anthropic = await startOrigin(t, async (req, res) => {
    await readBody(req);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    writeEvents(res, messagesStream);
  }, { host: 'api.anthropic.com' });
  const geminiStream = fixture('gemini/stream-array.json');
  const gemini = await startOrigin(t, async (req, res) => {
    await readBody(req);
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    for (let i = 0; i < geminiStream.length; i += 200) res.write(geminiStream.subarray(i, i + 200));
    res.end();
  }, { host: 'generativelanguage.googleapis.com' });
  const yori = await startTestYori(t, {
    origins: { 'api.openai.com': openai.port, 'api.anthropic.com': anthropic.port, 'generativelanguage.googleapis.com': gemini.port },
    doc: { devices: DEVICES },
  });

  const jsonReq = chat('What is photosynthesis?', { model: 'gpt-4o' });
  const json = await postJson(yori, '/v1/chat/completions', jsonReq);
  t.equal(json.status, 200);
  t.ok(json.body.equals(chatJson), 'the client got the origin body byte for byte');
  const streamReq = JSON.parse(fixture('openai/chat.request.json').toString());
  t.same(streamReq.stream_options, { include_usage: true }, 'the stream request asks for usage');
  const sse = await postJson(yori, '/v1/chat/completions', streamReq);
  t.equal(sse.status, 200);
  t.ok(sse.body.equals(chatStream));
  const claudeReq = JSON.parse(fixture('anthropic/messages.request.json').toString());
  const claude = await postJson(yori, '/v1/messages', claudeReq, { host: 'api.anthropic.com', headers: { 'anthropic-version': '2023-06-01' } });
  t.equal(claude.status, 200);
  t.ok(claude.body.equals(messagesStream));
  const limited = await postJson(yori, '/v1/chat/completions', chat('again', { model: 'gpt-4o-limited' }));
  t.equal(limited.status, 429);
  const geminiReq = JSON.parse(fixture('gemini/generate.request.json').toString());
  const streamed = await postJson(yori, '/v1beta/models/gemini-2.5-flash:streamGenerateContent', geminiReq, { host: 'generativelanguage.googleapis.com' });
  t.ok(streamed.body.equals(geminiStream));

  const rows = await waitRows(yori, 5);
  const size = (x: unknown) => Buffer.byteLength(JSON.stringify(x));
  t.match(rows[0], {
    client_ip: '127.0.0.1', client_name: 'kids-ipad', person: 'alice', mode: 'intercept', kind: 'api',
    host: 'api.openai.com', provider: 'openai', method: 'POST', path: '/v1/chat/completions', model: 'gpt-4o',
    stream: 0, status: 200, request_bytes: size(jsonReq), response_bytes: chatJson.length,
    prompt_tokens: 19, completion_tokens: 23, policy_action: 'allow', policy_reasons: '[]',
    prompt_preview: 'What is photosynthesis?', messages: 1, error: null,
  }, 'JSON chat: model from the request, usage from the response body');
  t.match(rows[1], {
    model: 'gpt-4o', stream: 1, status: 200, request_bytes: size(streamReq), response_bytes: chatStream.length,
    prompt_tokens: 25, completion_tokens: 9, attachments: 3, policy_action: 'allow', error: null,
  }, 'OpenAI SSE: usage from the final include_usage chunk');
  t.notMatch(rows[1]!.prompt_preview, /TOOL OUTPUT/, 'tool output is not prompt text');
  t.match(rows[2], {
    host: 'api.anthropic.com', provider: 'anthropic', path: '/v1/messages', model: 'claude-sonnet-4-20250514',
    stream: 1, status: 200, response_bytes: messagesStream.length, prompt_tokens: 472, completion_tokens: 15,
  }, "Anthropic SSE: message_delta's cumulative output_tokens taken as is, never summed");
  t.match(rows[3], { model: 'gpt-4o-limited', stream: 0, status: 429, prompt_tokens: null, completion_tokens: null, response_bytes: rateLimited.length });
  t.match(rows[4], {
    provider: 'google', model: 'gemini-2.5-flash', stream: 1, status: 200, response_bytes: geminiStream.length, prompt_tokens: 7, completion_tokens: 150,
  }, 'Gemini streamed JSON array (no SSE): streamed, usage from the last element');
  for (const r of rows) {
    t.ok(r.duration_ms !== null && r.duration_ms >= 0, 'duration recorded');
    t.ok(r.ttfb_ms !== null && r.ttfb_ms >= 0 && r.ttfb_ms <= r.duration_ms!, 'ttfb recorded, within the duration');
    t.ok(Math.abs(r.ts - Date.now()) < 60_000, 'ts is the request start (unix ms)');
  }

  await yori.close();
  const count = yori.writer.stats();
  t.match(count, { enqueued: 5, written: 5, dropped: 0, backlog: 0 }, 'exactly one row per exchange, none pending');
});

t.test('secrets never reach audit.db, its WAL, or the log', async (t) => {
  // Random hex: every key shape needs a digit somewhere, and no two secrets share a fragment.
  const rand = (n: number) => randomBytes(n).toString('hex').slice(0, n);
  const secrets = {
    bearer: `sk-proj-${rand(40)}9Tq`,
    anthropicKey: `sk-ant-api03-${rand(40)}-${rand(8)}AA`,
    cookie: `sess_${rand(30)}42`,
    responseCookie: `srv_${rand(30)}77`,
    googleKey: `AIza${rand(35)}`,
    promptKey: `sk-${rand(44)}5Z`,
  };
  const origin = (host: string) =>
    startOrigin(t, async (req, res) => {
      await readBody(req);
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `__Secure-s=${secrets.responseCookie}; Path=/; HttpOnly` });
      res.end(JSON.stringify({ ok: true }));
    }, { host });
  const openai = await origin('api.openai.com');
  const anthropic = await origin('api.anthropic.com');
  const gemini = await origin('generativelanguage.googleapis.com');
  const log = memoryLogger('trace');
  const yori = await startTestYori(t, {
    origins: { 'api.openai.com': openai.port, 'api.anthropic.com': anthropic.port, 'generativelanguage.googleapis.com': gemini.port },
    // privacy.rego sees the key in the prompt: the alert it raises must not carry it either.
    policies: { 'privacy.rego': readFileSync(new URL('../../policies/privacy.rego', import.meta.url), 'utf8') },
    doc: { audit: { prompts: 'full' } },
  }, { logger: log.logger });

  const r1 = await postJson(yori, '/v1/chat/completions', chat(`here is my key ${secrets.promptKey} please check it`), {
    headers: { authorization: `Bearer ${secrets.bearer}`, cookie: `session=${secrets.cookie}; theme=dark` },
  });
  t.equal(r1.status, 200);
  const r2 = await postJson(yori, '/v1/messages', { model: 'claude-3-5-haiku-latest', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, {
    host: 'api.anthropic.com',
    headers: { 'x-api-key': secrets.anthropicKey, 'anthropic-version': '2023-06-01' },
  });
  t.equal(r2.status, 200);
  const r3 = await postJson(yori, `/v1beta/models/gemini-2.0-flash:generateContent?key=${secrets.googleKey}&alt=json`, {
    contents: [{ role: 'user', parts: [{ text: 'hello' }] }],
  }, { host: 'generativelanguage.googleapis.com' });
  t.equal(r3.status, 200);

  const rows = await waitRows(yori, 3);
  t.equal(rows[2]!.path, '/v1beta/models/gemini-2.0-flash:generateContent?key=REDACTED&alt=json', 'the query key is redacted in path');
  t.equal(rows[2]!.model, 'gemini-2.0-flash', 'model from the path');
  t.match(rows[0]!.prompt_preview, /here is my key \[REDACTED\] please check it/, 'the key in the prompt is scrubbed even with prompts: full');
  t.equal(rows[0]!.policy_action, 'alert', 'privacy.rego saw a secret in the prompt');
  t.same(JSON.parse(rows[0]!.policy_reasons), ['privacy: prompt contains an API key or token']);
  t.ok(yori.alertStore.list().some((a) => a.kind === 'policy'), 'and raised an alert');

  const dbPath = auditDbPath(yori.dataDir);
  const files = () => ['', '-wal', '-shm', '-journal'].map((s) => dbPath + s).filter((p) => existsSync(p));
  const assertClean = (when: string) => {
    const found = files();
    t.ok(found.includes(dbPath), `audit.db exists (${when})`);
    for (const file of found) {
      const bytes = readFileSync(file);
      for (const [name, secret] of Object.entries(secrets)) {
        t.notOk(bytes.includes(secret), `${name} not in ${file.slice(dbPath.length - 8)} (${when})`);
        // Part of a key is as bad as the key: look for its random middle too.
        t.notOk(bytes.includes(secret.slice(8, 28)), `no fragment of ${name} in ${file.slice(dbPath.length - 8)} (${when})`);
      }
    }
  };
  t.ok(existsSync(dbPath + '-wal'), 'the WAL holds the rows before the checkpoint');
  assertClean('running');
  await yori.close();
  assertClean('closed');
  const logText = log.text();
  t.ok(logText.length > 0, 'the log was written');
  for (const [name, secret] of Object.entries(secrets)) t.notOk(logText.includes(secret.slice(8, 28)), `${name} not in the log`);
});

t.test('an observe-mode app connection is one row: mode observe, bytes both ways, duration', async (t) => {
  const echo = await startTlsEcho(t, 'chatgpt.com');
  const yori = await startTestYori(t, { origins: { 'chatgpt.com': echo.port }, doc: { devices: DEVICES } });
  const s = await connectTls(yori, 'chatgpt.com', { ca: readFileSync(testPki().originCaFile), ALPNProtocols: ['h2', 'http/1.1'] });
  t.equal(s.getPeerX509Certificate()!.fingerprint256, new X509Certificate(echo.certPem).fingerprint256, 'spliced: the app sees its own certificate');
  s.write('x'.repeat(3000));
  await readUntil(s, (b) => b.length >= 3000);
  s.end();
  await readAll(s);
  const [row] = await waitRows(yori, 1);
  t.match(row, {
    mode: 'observe', kind: 'app', host: 'chatgpt.com', provider: 'openai', client_ip: '127.0.0.1', client_name: 'kids-ipad', person: 'alice',
    method: null, path: null, model: null, status: null, prompt_tokens: null, completion_tokens: null, prompt_preview: null,
    stream: 0, policy_action: 'allow', policy_reasons: '[]', error: null,
  });
  t.ok(row!.request_bytes > 3000, `bytes up counted (${row!.request_bytes}, TLS records included)`);
  t.ok(row!.response_bytes > 3000, `bytes down counted (${row!.response_bytes})`);
  t.ok(row!.duration_ms !== null && row!.duration_ms >= 0, 'duration recorded');
  await yori.close();
  t.match(yori.writer.stats(), { enqueued: 1, written: 1 }, 'the writer got one row');
  const db = openReadOnly(auditDbPath(yori.dataDir));
  t.equal(db.prepare('SELECT count(*) FROM audit_events').pluck().get(), 1, 'exactly one row in audit.db for the connection');
  db.close();
});
