import t from 'tap';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dryRunPfctl, formatCall, formatCommand, pfctlOk, PfctlError, systemPfctl } from '../../lib/pf/pfctl.js';
import { fakePf } from './helpers.js';

t.test('the system runner finds pfctl on PATH and passes argv and stdin through', async (t) => {
  const pf = fakePf(t);
  const pfctl = systemPfctl(pf.env);
  const r = await pfctl(['-t', 'yori_ai', '-T', 'replace', '-f', '-'], '192.0.2.1\n2001:db8::1\n');
  t.equal(r.code, 0);
  t.match(r.stderr, /2 addresses added/);
  t.same(pf.calls(), [{ args: ['-t', 'yori_ai', '-T', 'replace', '-f', '-'], stdin: '192.0.2.1\n2001:db8::1\n' }]);
  t.same(pf.state().tables.yori_ai, ['192.0.2.1', '2001:db8::1']);
  t.equal(await pfctlOk(pfctl, ['-t', 'yori_ai', '-T', 'show']), '   192.0.2.1\n   2001:db8::1\n');
});

t.test('a non-zero exit becomes a PfctlError with pfctl\'s message', async (t) => {
  const pf = fakePf(t);
  pf.failOn('-a yori', 'DIOCADDRULE: Device busy');
  const err = (await t.rejects(pfctlOk(systemPfctl(pf.env), ['-a', 'yori', '-f', '-'], 'rdr pass\n'))) as unknown as PfctlError;
  t.ok(err instanceof PfctlError);
  t.equal(err.message, "pfctl -a yori -f -: pfctl: DIOCADDRULE: Device busy");
  t.equal(err.noAccess, false);
});

t.test('no access to /dev/pf is recognised as such', async (t) => {
  const pf = fakePf(t);
  pf.failOn('.', '/dev/pf: Permission denied');
  const err = (await t.rejects(pfctlOk(systemPfctl(pf.env), ['-s', 'nat']))) as unknown as PfctlError;
  t.equal(err.noAccess, true);
});

t.test('a missing pfctl rejects with noAccess instead of throwing later', async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'yori-nopf-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  // /sbin and /usr/sbin are appended by the runner; this Linux test box has no pfctl there.
  const err = (await t.rejects(systemPfctl({ PATH: empty })(['-s', 'info']))) as unknown as PfctlError;
  t.ok(err instanceof PfctlError);
  t.equal(err.noAccess, true);
  t.match(err.message, /pfctl not found/);
});

t.test('a pfctl killed by a signal is an error, not an exit status', async (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'yori-killpf-'));
  t.teardown(() => rmSync(bin, { recursive: true, force: true }));
  writeFileSync(join(bin, 'pfctl'), '#!/bin/sh\nkill -TERM $$\n');
  chmodSync(join(bin, 'pfctl'), 0o755);
  const err = (await t.rejects(systemPfctl({ PATH: bin })(['-s', 'nat']))) as unknown as PfctlError;
  t.equal(err.message, 'pfctl -s nat: killed by SIGTERM');
  t.equal(err.noAccess, false);
});

t.test('a failure without a message still reports the exit status', async (t) => {
  const silent = async () => ({ code: 3, stdout: '', stderr: '' });
  const err = (await t.rejects(pfctlOk(silent, ['-t', 'x', '-T', 'kill']))) as unknown as PfctlError;
  t.equal(err.detail, 'exit status 3');
});

t.test('dry run prints pasteable calls and runs nothing', async (t) => {
  let printed = '';
  const pfctl = dryRunPfctl((s) => (printed += s));
  t.same(await pfctl(['-a', 'yori', '-f', '-'], 'rdr pass on lan\nblock return'), { code: 0, stdout: '', stderr: '' });
  await pfctl(['-a', 'yori', '-f', '/dev/null']);
  t.equal(printed, "pfctl -a yori -f - <<'EOF'\nrdr pass on lan\nblock return\nEOF\npfctl -a yori -f /dev/null\n");
});

t.test('shell quoting of unusual words', async (t) => {
  t.equal(formatCommand(['-a', "it's here", '-s', 'nat']), "pfctl -a 'it'\\''s here' -s nat");
  t.equal(formatCall(['-t', 'x', '-T', 'replace', '-f', '-'], ''), "pfctl -t x -T replace -f - <<'EOF'\nEOF\n");
});
