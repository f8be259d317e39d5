import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rowFromConnection, rowFromExchange } from '../../lib/audit/row.js';
import { AuditWriter } from '../../lib/audit/writer.js';
import { auditDbPath } from '../../lib/audit/store.js';
import { captureLogger, connection, exchange, tempDir } from './fixtures/helpers.js';

const OPENAI = 'sk-proj-Zq9' + 'x'.repeat(20) + '7Yh3Kd81Lm0Pq';
const ANTHROPIC = 'sk-ant-api03-' + 'Ab3'.repeat(12) + 'Zz';
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNlY3JldA';
const COOKIE = 'session=cookie-secret-8c1d2e';
const GEMINI = 'AIzaSyD' + '4'.repeat(32);

t.test('no credential reaches the database file or its WAL', async (t) => {
  const dir = tempDir(t);
  const path = auditDbPath(dir);
  const writer = new AuditWriter({ path, logger: captureLogger().logger });
  const dev = { ip: '192.168.1.23', mac: null, name: 'laptop', person: 'bob' };
  // As lib/addons.ts does in exchangeDone / connectionDone.
  writer.enqueue(rowFromExchange(exchange({
    path: `/v1beta/models/gemini-pro:streamGenerateContent?key=${GEMINI}&alt=sse`,
    requestHeaders: [['Authorization', `Bearer ${BEARER}`], ['x-api-key', ANTHROPIC], ['Cookie', COOKIE]],
    requestBody: Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: `why does ${OPENAI} fail` }] })),
    info: { model: 'gpt-4o', stream: false, messages: 1, prompt: `why does ${OPENAI} fail? also ${ANTHROPIC}`, attachments: 0 },
    error: `upstream rejected Bearer ${BEARER}`,
  }), dev, 'full', 500));
  writer.enqueue(rowFromConnection(connection(), dev));
  writer.flush();
  t.equal(writer.stats().written, 2);
  const files = readdirSync(dir).filter((f) => f.startsWith('audit.db'));
  t.ok(files.includes('audit.db-wal'), 'the WAL is checked while it holds the rows');
  const bytes = Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
  t.ok(bytes.includes('why does'), 'the prompt itself was stored (the check reads real data)');
  for (const secret of [OPENAI, ANTHROPIC, BEARER, COOKIE, GEMINI, 'cookie-secret', 'Zq9xxxx']) {
    t.notOk(bytes.includes(secret), `${secret.slice(0, 12)}… not in the files`);
  }
  await writer.close();
  const after = Buffer.concat(readdirSync(dir).filter((f) => f.startsWith('audit.db')).map((f) => readFileSync(join(dir, f))));
  for (const secret of [OPENAI, ANTHROPIC, BEARER, COOKIE, GEMINI]) t.notOk(after.includes(secret), 'not after the checkpoint either');
});
