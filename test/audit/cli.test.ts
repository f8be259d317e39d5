import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../../lib/config/schema.js';
import { UsageError } from '../../lib/cli-errors.js';
import { auditExportCommand, parseTimeFlag, statsCommand } from '../../lib/audit/cli.js';
import { AuditWriter } from '../../lib/audit/writer.js';
import { auditDbPath } from '../../lib/audit/store.js';
import { captureLogger, row, tempDir, type Teardown } from './fixtures/helpers.js';

const bin = fileURLToPath(new URL('../../bin/yori.ts', import.meta.url));

function sink(): { out: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return { out: new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) }), text: () => Buffer.concat(chunks).toString() };
}

async function seeded(t: Teardown) {
  const dir = tempDir(t);
  const config = validateConfig({ data_dir: dir, timezone: 'Europe/Berlin' });
  const w = new AuditWriter({ path: auditDbPath(dir), logger: captureLogger().logger });
  const now = Date.now();
  w.enqueue(row({ ts: Date.parse('2024-05-01T10:00:00Z'), prompt_preview: 'may day' }));
  w.enqueue(row({ ts: Date.parse('2024-05-02T10:00:00Z'), prompt_preview: '=cmd()' }));
  w.enqueue(row({ ts: now - 60_000, client_ip: '192.168.1.50', client_name: 'tv', person: null, provider: 'anthropic', policy_action: 'block', prompt_tokens: 1000, completion_tokens: 234 }));
  await w.close();
  return { dir, config };
}

t.test('--since/--until: ISO times, local dates in the configured zone, one-line usage errors', async (t) => {
  t.equal(parseTimeFlag('since', '2024-05-01T10:00:00Z', 'Europe/Berlin'), Date.parse('2024-05-01T10:00:00Z'));
  t.equal(parseTimeFlag('since', '2024-05-01T12:00:00+02:00', 'UTC'), Date.parse('2024-05-01T10:00:00Z'));
  t.equal(parseTimeFlag('since', '2024-05-01T05:30-0430', 'UTC'), Date.parse('2024-05-01T10:00:00Z'));
  t.equal(parseTimeFlag('since', '2024-05-01 10:00:00.250Z', 'UTC'), Date.parse('2024-05-01T10:00:00.250Z'));
  t.equal(parseTimeFlag('since', '2024-05-01', 'Europe/Berlin'), Date.parse('2024-04-30T22:00:00Z'), 'a date is local midnight');
  t.equal(parseTimeFlag('until', '2024-05-01T08:15', 'Europe/Berlin'), Date.parse('2024-05-01T06:15:00Z'));
  for (const bad of ['yesterday', '2024-13-01', '2024-02-30', '2024-05-01T25:00', '1714557600', '', '2024-05-01T10:00:00Zjunk']) {
    t.throws(() => parseTimeFlag('since', bad, 'UTC'), UsageError, JSON.stringify(bad));
  }
  try {
    parseTimeFlag('until', 'soon', 'UTC');
  } catch (e) {
    t.match((e as Error).message, /^--until: expected an ISO time/);
    t.notMatch((e as Error).message, /\n/);
  }
});

t.test('audit export: CSV to a file, JSONL to stdout, time-bounded', async (t) => {
  const { dir, config } = await seeded(t);
  const file = join(dir, 'out.csv');
  t.equal(await auditExportCommand(config, { format: 'csv', out: file }), 0);
  const csv = readFileSync(file, 'utf8').split('\r\n');
  t.match(csv[0], /^id,ts,client_ip,/);
  t.equal(csv.length, 5, 'header, three rows, final CRLF');
  t.ok(csv.some((l) => l.includes("'=cmd()")), 'formula neutralised');

  const s = sink();
  t.equal(await auditExportCommand(config, { format: 'jsonl', since: '2024-05-01', until: '2024-05-02T12:00:00Z' }, s.out), 0);
  const lines = s.text().trim().split('\n').map((l) => JSON.parse(l));
  t.same(lines.map((l) => l.prompt_preview), ['may day', '=cmd()'], 'raw values in JSON, oldest first');

  await t.rejects(auditExportCommand(config, { format: 'csv', since: '2024-05-02', until: '2024-05-01' }), UsageError);
  await t.rejects(auditExportCommand(config, { format: 'csv', since: 'last week' }), /--since/);
  await t.rejects(auditExportCommand(config, { format: 'csv', out: join(dir, 'no', 'such', 'dir.csv') }), /ENOENT/);
});

t.test('no database yet: an empty export and zero stats, nothing created', async (t) => {
  const dir = join(tempDir(t), 'never-started');
  const config = validateConfig({ data_dir: dir });
  const s = sink();
  t.equal(await auditExportCommand(config, { format: 'csv' }, s.out), 0);
  t.equal(s.text(), s.text().split('\r\n')[0] + '\r\n', 'header only');
  const j = sink();
  t.equal(await statsCommand(config, { json: true }, j.out), 0);
  t.equal(JSON.parse(j.text()).today.totals.requests, 0);
  const txt = sink();
  await statsCommand(config, { json: false }, txt.out);
  t.match(txt.text(), /no AI use recorded/);
  t.notOk(existsSync(dir), 'the data folder was not created');
});

t.test('stats: readable text and JSON', async (t) => {
  const { config } = await seeded(t);
  const s = sink();
  t.equal(await statsCommand(config, { json: false }, s.out), 0);
  const text = s.text();
  t.match(text, /YORI usage \(Europe\/Berlin/);
  t.match(text, /last 24 hours\s+1\s+1,234\s+1\s+0/);
  t.match(text, /tv\s+-\s+192\.168\.1\.50\s+1\s+1,234\s+1/);
  t.match(text, /anthropic\s+1\s+1,234/);
  const j = sink();
  await statsCommand(config, { json: true }, j.out);
  const summary = JSON.parse(j.text());
  t.equal(summary.tz, 'Europe/Berlin');
  t.match(summary.last_24h.totals, { requests: 1, tokens: 1234, blocked: 1 });
  t.equal(summary.last_24h.devices[0].client_name, 'tv');
});

t.test('a reader that goes away (EPIPE, `| head`) ends the export quietly with 0', async (t) => {
  const { dir, config } = await seeded(t);
  const more = new AuditWriter({ path: auditDbPath(dir), logger: captureLogger().logger });
  for (let i = 0; i < 3000; i++) more.enqueue(row({ ts: i, prompt_preview: 'x'.repeat(300) }));
  await more.close();
  let taken = 0;
  const head = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _e, cb) {
      taken += chunk.length;
      if (taken < 100_000) return cb();
      cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    },
  });
  head.on('error', () => {});
  t.equal(await auditExportCommand(config, { format: 'jsonl' }, head), 0);
  const broken = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('disk on fire'), { code: 'EIO' })) });
  broken.on('error', () => {});
  await t.rejects(auditExportCommand(config, { format: 'jsonl' }, broken), /disk on fire/, 'other write errors are errors');
});

t.test('through bin/yori: a bad --since exits 2 with one line', async (t) => {
  const { dir } = await seeded(t);
  const cfg = join(dir, 'yori.yaml');
  writeFileSync(cfg, `data_dir: ${JSON.stringify(dir)}\n`);
  // Plain tsx rather than the runner's loaders: this checks the binary's contract, and is the slow part of this file.
  const bad = spawnSync(process.execPath, ['--import', 'tsx', bin, 'audit', 'export', '--since', 'nope', '--config', cfg], { encoding: 'utf8' });
  t.equal(bad.status, 2);
  t.match(bad.stderr, /^yori: --since: expected an ISO time/);
  t.equal(bad.stderr.trim().split('\n').length, 1);
});
