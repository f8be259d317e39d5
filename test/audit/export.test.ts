import t from 'tap';
import { PassThrough, Writable } from 'node:stream';
import { csvField, csvLine, EXPORT_COLUMNS, jsonLine, writeCsv, writeExport, writeJsonl } from '../../lib/audit/export.js';
import { exportEvents } from '../../lib/audit/queries.js';
import { openAuditDb } from '../../lib/audit/store.js';
import { EventInserter } from '../../lib/audit/insert.js';
import type { AuditRow } from '../../lib/audit/row.js';
import { row } from './fixtures/helpers.js';

/** A strict RFC 4180 reader for checking what we wrote. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      for (i++; ; i++) {
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i++;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          field += text[i];
        }
      }
    } else if (text[i] === ',') {
      record.push(field);
      field = '';
      i++;
    } else if (text[i] === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 2;
    } else if (text[i] === '\n' || text[i] === '\r') {
      throw new Error(`bare line break at ${i}`);
    } else {
      field += text[i++];
    }
  }
  if (field || record.length) throw new Error('last record not terminated by CRLF');
  return records;
}

async function collect(write: (out: Writable) => Promise<number>): Promise<{ text: string; count: number }> {
  const chunks: Buffer[] = [];
  const out = new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) });
  const count = await write(out);
  return { text: Buffer.concat(chunks).toString('utf8'), count };
}

t.test('CSV fields: quoting per RFC 4180 and formula neutralisation', async (t) => {
  t.equal(csvField(null), '');
  t.equal(csvField(undefined), '');
  t.equal(csvField(42), '42');
  t.equal(csvField(-5), '-5', 'a negative number is a number, not a formula');
  t.equal(csvField('plain'), 'plain');
  t.equal(csvField('a,b'), '"a,b"');
  t.equal(csvField('say "hi"'), '"say ""hi"""');
  t.equal(csvField('two\nlines'), '"two\nlines"');
  t.equal(csvField('=1+1'), "'=1+1");
  t.equal(csvField('+SUM(A1)'), "'+SUM(A1)");
  t.equal(csvField('-2+3'), "'-2+3");
  t.equal(csvField('@cmd'), "'@cmd");
  t.equal(csvField('\t=x'), "'\t=x");
  t.equal(csvField('\r=x'), `"'\r=x"`, 'neutralised and quoted');
  t.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  t.equal(csvField('a=b'), 'a=b', 'only a leading sign matters');
});

t.test('a CSV export reads back to the same rows', async (t) => {
  const rows: AuditRow[] = [
    row({ id: 1, prompt_preview: 'line one\r\nline "two", with comma' }),
    row({ id: 2, prompt_preview: '=cmd|"/c calc"!A1', client_name: '@evil', policy_reasons: '["a","b"]', model: null }),
    row({ id: 3, prompt_preview: null, method: null, path: null, prompt_tokens: null, client_name: 'zoë 😀' }),
  ];
  const { text, count } = await collect((out) => writeCsv(rows, out));
  t.equal(count, 3);
  const records = parseCsv(text);
  t.same(records[0], [...EXPORT_COLUMNS], 'header row');
  t.equal(records.length, 4);
  const col = (name: string) => EXPORT_COLUMNS.indexOf(name as (typeof EXPORT_COLUMNS)[number]);
  t.equal(records[1]![col('prompt_preview')], 'line one\r\nline "two", with comma');
  t.equal(records[2]![col('prompt_preview')], `'=cmd|"/c calc"!A1`);
  t.equal(records[2]![col('client_name')], "'@evil");
  t.equal(records[2]![col('policy_reasons')], '["a","b"]');
  t.equal(records[2]![col('model')], '');
  t.equal(records[3]![col('client_name')], 'zoë 😀');
  t.equal(records[1]![col('ts')], '1700000000000');
  t.ok(text.endsWith('\r\n'));
  t.equal(csvLine(rows[0]!).split('\r\n').length, 3, 'the embedded CRLF stays inside quotes');
});

t.test('JSON Lines: one object per line, reasons as an array', async (t) => {
  const rows = [row({ id: 7, policy_reasons: '["bedtime"]', prompt_preview: 'a\nb' }), row({ id: 8, policy_reasons: 'not json' })];
  const { text, count } = await collect((out) => writeJsonl(rows, out));
  t.equal(count, 2);
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
  t.equal(lines.length, 2);
  t.same(lines[0].policy_reasons, ['bedtime']);
  t.equal(lines[0].prompt_preview, 'a\nb');
  t.equal(lines[0].id, 7);
  t.same(lines[1].policy_reasons, ['not json']);
  t.equal(jsonLine(rows[0]!).endsWith('\n'), true);
  const csv = await collect((out) => writeExport('csv', rows, out));
  t.match(csv.text, /^id,ts,/);
  const jsonl = await collect((out) => writeExport('jsonl', rows, out));
  t.match(jsonl.text, /^\{"id":7/);
});

t.test('100 k rows stream from the DB to a slow reader with bounded memory', async (t) => {
  const db = openAuditDb(':memory:');
  t.teardown(() => db.close());
  const ins = new EventInserter(db);
  const N = 100_000;
  db.transaction(() => {
    for (let i = 0; i < N; i++) ins.insertEvent(row({ ts: 1_700_000_000_000 + i, prompt_preview: `prompt number ${i} ` + 'x'.repeat(100) }));
  })();
  // A reader that takes its time: the export must wait for 'drain' instead of buffering.
  let bytes = 0;
  let lines = 0;
  let sample = '';
  let maxBuffered = 0;
  let pending = '';
  const out = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      const s = pending + chunk.toString('utf8');
      const parts = s.split('\r\n');
      pending = parts.pop()!;
      for (const p of parts) {
        if (lines === 50_001) sample = p;
        lines++;
      }
      maxBuffered = Math.max(maxBuffered, out.writableLength);
      setImmediate(cb);
    },
  });
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const probe = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 5);
  const count = await writeCsv(exportEvents(db, {}), out);
  clearInterval(probe);
  t.equal(count, N);
  t.equal(lines, N + 1, 'header plus one line per row');
  t.match(sample, /^50001,1700000050000,/, 'row 50,001 (id, ts) in its place');
  t.match(sample, /prompt number 50000 x/);
  t.ok(maxBuffered < 256 * 1024, `the stream buffer stayed small (${maxBuffered} bytes), not the ${bytes} bytes of the export`);
  t.ok(heapPeak - heapBefore < 64 * 1024 * 1024, `heap grew by ${((heapPeak - heapBefore) / 1e6).toFixed(1)} MB for a ${(bytes / 1e6).toFixed(1)} MB export`);
});

t.test('a destination that fails or closes ends the export with an error', async (t) => {
  const many = Array.from({ length: 5000 }, (_, i) => row({ id: i }));
  const failing = new Writable({
    highWaterMark: 1024,
    write(_c, _e, cb) {
      setImmediate(() => cb(new Error('EPIPE: reader went away')));
    },
  });
  failing.on('error', () => {});
  await t.rejects(writeCsv(many, failing), /reader went away|closed/);

  const closing = new PassThrough({ highWaterMark: 1024 });
  setImmediate(() => closing.destroy());
  await t.rejects(writeJsonl(many, closing), /closed/);

  const destroyed = new PassThrough();
  destroyed.destroy();
  await t.rejects(writeCsv(many, destroyed), /closed/);
});
