// The `yori pf` command end to end, as a process: exit codes and the one-line errors.
// Only actions that resolve no hostnames run here (no DNS in tests).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakePf, tmpDataDir } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function yori(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/yori.ts', ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('pfctl failing: one clear line, exit 1', async (t) => {
  const pf = fakePf(t);
  const dir = tmpDataDir(t);
  const conf = join(dir, 'yori.conf');
  writeFileSync(conf, `data_dir: ${JSON.stringify(dir)}\npf:\n  interfaces: [igb1]\n`);
  pf.failOn('/dev/null', 'DIOCXBEGIN: Operation not supported by device');
  const r = yori(['pf', 'disable', '--config', conf], pf.env);
  t.equal(r.code, 1);
  t.equal(r.stderr, 'yori: pf disable: pfctl -a yori -f /dev/null: pfctl: DIOCXBEGIN: Operation not supported by device\n');
  t.equal(r.stdout, '');

  pf.failOn(null);
  const ok = yori(['pf', 'status', '--json', '--config', conf], pf.env);
  t.equal(ok.code, 0);
  t.match(JSON.parse(ok.stdout), { anchor: 'yori', active: false });
});

t.test('a config pf cannot express: exit 2 naming the key', async (t) => {
  const pf = fakePf(t);
  const dir = tmpDataDir(t);
  const conf = join(dir, 'yori.conf');
  writeFileSync(conf, 'listen:\n  transparent: gateway.lan:8443\n');
  const r = yori(['pf', 'render', '--config', conf], pf.env);
  t.equal(r.code, 2);
  t.match(r.stderr, /^yori: config: listen\.transparent: pf redirects to an address/);
  t.same(pf.calls(), []);
});
