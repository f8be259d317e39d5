import t from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { auditDbPath, openAuditDb } from '../../lib/audit/store.js';
import { tempDir, TS_NODE_ARGS } from './fixtures/helpers.js';
import { openReadOnly } from '../fixtures/read-db.js';

const child = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));

t.test('kill -9 while writing: every flushed row survives and the file is intact', async (t) => {
  const path = auditDbPath(tempDir(t));
  const proc = spawn(process.execPath, [...TS_NODE_ARGS, child, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => proc.kill('SIGKILL'));
  let reported = 0;
  let buf = '';
  await new Promise<void>((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    proc.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) reported = Math.max(reported, Number(l.split(' ')[1]));
      if (reported >= 20_000) resolve();
    });
  });
  proc.removeAllListeners('exit');
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  proc.kill('SIGKILL');
  await exited;

  const db = openAuditDb(path);
  t.teardown(() => db.close());
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  const n = db.prepare('SELECT count(*) FROM audit_events').pluck().get() as number;
  t.ok(n >= reported, `all ${reported} reported rows are there (found ${n})`);
  const previews = db.prepare('SELECT prompt_preview FROM audit_events ORDER BY id').pluck().all() as string[];
  t.same(previews.slice(0, 3), ['row 0', 'row 1', 'row 2'], 'in order from the first row');
  t.equal(previews[n - 1], `row ${n - 1}`, 'no gaps: the rows are a prefix of what was enqueued');
  const hourly = db.prepare('SELECT sum(requests) FROM audit_hourly').pluck().get();
  t.equal(hourly, n, 'the hourly summary committed with exactly the same rows');
  const ro = openReadOnly(path);
  t.equal(ro.prepare('SELECT count(*) FROM audit_events').pluck().get(), n);
  ro.close();
});
