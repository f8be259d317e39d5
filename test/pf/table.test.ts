import t from 'tap';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pfctl } from '../../lib/pf/pfctl.js';
import { PfctlError } from '../../lib/pf/pfctl.js';
import {
  mergeResolved,
  readState,
  refreshTable,
  RefreshError,
  retainMs,
  STATE_FILE,
  tableEntries,
  type TableState,
} from '../../lib/pf/table.js';
import { configFor, fakeResolver, tmpDataDir } from './helpers.js';

const HOUR = 3_600_000;

/** An in-process pfctl recording its calls; `fail` makes every call exit 1. */
function recordingPfctl(fail = false) {
  const calls: { args: readonly string[]; input: string | undefined }[] = [];
  const pfctl: Pfctl = async (args, input) => {
    calls.push({ args, input });
    return fail ? { code: 1, stdout: '', stderr: 'pfctl: Table does not exist.\n' } : { code: 0, stdout: '', stderr: '' };
  };
  return { pfctl, calls };
}

t.test('merge keeps recent addresses, drops old ones and hosts no longer listed', async (t) => {
  const now = 10 * HOUR;
  const previous: TableState = {
    at: now - HOUR,
    addresses: 3,
    error: null,
    hosts: {
      'a.test': { '192.0.2.1': now - 30 * 60_000, '192.0.2.9': now - 2 * HOUR, 'not-an-ip': now },
      'gone.test': { '192.0.2.50': now - 60_000 },
    },
  };
  const merged = mergeResolved(previous, [{ host: 'a.test', addresses: ['192.0.2.2'] }, { host: 'new.test', addresses: ['2001:db8::5'] }], now, HOUR);
  t.same(merged, {
    'a.test': { '192.0.2.1': now - 30 * 60_000, '192.0.2.2': now },
    'new.test': { '2001:db8::5': now },
  });
});

t.test('table entries are unique, IPv4 first in numeric order', async (t) => {
  t.same(
    tableEntries({ a: { '10.0.0.10': 1, '10.0.0.9': 1, '2001:db8::2': 1 }, b: { '10.0.0.9': 2, '2001:db8::1': 1, '9.9.9.9': 1 } }),
    ['9.9.9.9', '10.0.0.9', '10.0.0.10', '2001:db8::1', '2001:db8::2'],
  );
});

t.test('retention is an hour or three refresh periods, whichever is longer', async (t) => {
  const dir = tmpDataDir(t);
  t.equal(retainMs(configFor(dir, [], { pf: { refresh_minutes: 10 } })), HOUR);
  t.equal(retainMs(configFor(dir, [], { pf: { refresh_minutes: 30 } })), 90 * 60_000);
});

t.test('refresh resolves, replaces the table through stdin and records the state', async (t) => {
  const dir = tmpDataDir(t);
  const config = configFor(dir, ['api.example.test', 'app.example.test', 'dead.example.test']);
  const resolver = fakeResolver({
    'api.example.test': { v4: ['192.0.2.10'], v6: ['2001:db8::10'] },
    'app.example.test': { v4: ['192.0.2.10', '192.0.2.11'] },
  });
  const { pfctl, calls } = recordingPfctl();
  const r = await refreshTable(config, { pfctl, resolver, now: () => 1_000 });
  t.same(calls, [{ args: ['-t', 'yori_ai', '-T', 'replace', '-f', '-'], input: '192.0.2.10\n192.0.2.11\n2001:db8::10\n' }]);
  t.same(r.addresses, ['192.0.2.10', '192.0.2.11', '2001:db8::10']);
  t.equal(r.hosts, 3);
  t.same(r.failed, [{ host: 'dead.example.test', error: 'ENOTFOUND' }]);
  t.equal(r.stateError, null);
  const state = await readState(join(dir, STATE_FILE));
  t.same(state, { at: 1_000, addresses: 3, error: null, hosts: r.state.hosts });

  // Next round the app host times out: its recent addresses stay in the table.
  const flaky = fakeResolver({ 'api.example.test': { v4: ['192.0.2.12'] }, 'app.example.test': { error: 'ETIMEOUT' } });
  const again = await refreshTable(config, { pfctl, resolver: flaky, now: () => 2_000 });
  t.same(again.addresses, ['192.0.2.10', '192.0.2.11', '192.0.2.12', '2001:db8::10']);
});

t.test('nothing resolved: the table is left alone and the error recorded', async (t) => {
  const dir = tmpDataDir(t);
  const config = configFor(dir, ['a.example.test']);
  const { pfctl, calls } = recordingPfctl();
  const err = await t.rejects(refreshTable(config, { pfctl, resolver: fakeResolver({}), now: () => 5 }));
  t.ok(err instanceof RefreshError);
  t.match((err as Error).message, /no AI hostname resolved \(a\.example\.test: ENOTFOUND\); the table was left unchanged/);
  t.same(calls, [], 'pfctl never called');
  t.match(await readState(join(dir, STATE_FILE)), { at: 5, addresses: 0, error: /no AI hostname resolved/ });
});

t.test('a failing pfctl leaves the previous state for the next merge', async (t) => {
  const dir = tmpDataDir(t);
  const config = configFor(dir, ['a.example.test']);
  const resolver = fakeResolver({ 'a.example.test': { v4: ['192.0.2.1'] } });
  await refreshTable(config, { pfctl: recordingPfctl().pfctl, resolver, now: () => 1 });
  const err = await t.rejects(refreshTable(config, { pfctl: recordingPfctl(true).pfctl, resolver, now: () => 2 }));
  t.ok(err instanceof PfctlError);
  const state = await readState(join(dir, STATE_FILE));
  t.match(state, { at: 2, addresses: 1, error: /Table does not exist/, hosts: { 'a.example.test': { '192.0.2.1': 1 } } });
});

t.test('persist: false (dry run) writes no state', async (t) => {
  const dir = tmpDataDir(t);
  const config = configFor(dir, ['a.example.test']);
  const r = await refreshTable(config, { pfctl: recordingPfctl().pfctl, resolver: fakeResolver({ 'a.example.test': { v4: ['192.0.2.1'] } }), persist: false });
  t.same(r.addresses, ['192.0.2.1']);
  t.equal(await readState(join(dir, STATE_FILE)), null);
  await t.rejects(refreshTable(config, { pfctl: recordingPfctl().pfctl, resolver: fakeResolver({}), persist: false }), RefreshError);
  t.equal(await readState(join(dir, STATE_FILE)), null);
});

t.test('an unwritable state file is reported, the refresh still counts', { skip: process.getuid?.() === 0 ? 'root ignores file modes' : false }, async (t) => {
  const dir = tmpDataDir(t);
  chmodSync(dir, 0o500);
  t.teardown(() => chmodSync(dir, 0o700));
  const config = configFor(dir, ['a.example.test']);
  const r = await refreshTable(config, { pfctl: recordingPfctl().pfctl, resolver: fakeResolver({ 'a.example.test': { v4: ['192.0.2.1'] } }) });
  t.match(r.stateError, /cannot write .*pf-table\.json: EACCES/);
});

t.test('a state path that cannot be written is reported, the refresh still counts', async (t) => {
  const dir = tmpDataDir(t);
  // data_dir is a regular file: mkdir fails with EEXIST/ENOTDIR even for root.
  const blocker = join(dir, 'file');
  writeFileSync(blocker, '');
  const config = configFor(blocker, ['a.example.test']);
  const r = await refreshTable(config, { pfctl: recordingPfctl().pfctl, resolver: fakeResolver({ 'a.example.test': { v4: ['192.0.2.1'] } }) });
  t.match(r.stateError, /cannot write .*pf-table\.json: (EEXIST|ENOTDIR)/);
});

t.test('unreadable or foreign state files count as no state', async (t) => {
  const dir = tmpDataDir(t);
  const path = join(dir, STATE_FILE);
  t.equal(await readState(path), null, 'missing');
  writeFileSync(path, '{not json');
  t.equal(await readState(path), null, 'garbage');
  writeFileSync(path, JSON.stringify({ at: 'yesterday', hosts: {} }));
  t.equal(await readState(path), null, 'wrong shape');
  writeFileSync(path, JSON.stringify({ at: 7, hosts: {}, error: 42 }));
  t.same(await readState(path), { at: 7, addresses: 0, error: null, hosts: {} });
  t.equal(readFileSync(path, 'utf8').length > 0, true);
});
