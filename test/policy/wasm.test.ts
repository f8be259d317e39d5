import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWasmPolicies, readTarGz } from '../../lib/policy/wasm.js';
import { abiFixtureWasm } from './wasm-fixture.js';

function tempDir(t: Tap.Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'yori-wasm-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('a bare policy.wasm: deny and warn entrypoints, input reaches the module', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'policy.wasm'), await abiFixtureWasm());
  writeFileSync(join(dir, 'data.json'), JSON.stringify({ limits: { x: 1 } }));
  const p = await loadWasmPolicies(dir, { yori: { config: { a: 1 } } });
  t.ok(p);
  t.same(p!.files, [join(dir, 'policy.wasm'), join(dir, 'data.json')]);
  t.same(p!.packages, ['yori'], 'only yori/… entrypoints count');
  const r = p!.evaluate({ message: 'echo me', n: 2 });
  t.same(r.deny, ['wasm fixture: deny']);
  t.same(r.warn, [{ message: 'echo me', n: 2 }]);
});

t.test('bundle.tar.gz from opa build: policy.wasm and data.json inside', async (t) => {
  const src = tempDir(t);
  const dir = tempDir(t);
  writeFileSync(join(src, 'policy.wasm'), await abiFixtureWasm());
  writeFileSync(join(src, 'data.json'), '{"shared": true}');
  writeFileSync(join(src, '.manifest'), '{"revision": "1"}');
  execFileSync('tar', ['-czf', join(dir, 'bundle.tar.gz'), '-C', src, './policy.wasm', './data.json', './.manifest']);
  const files = readTarGz((await import('node:fs')).readFileSync(join(dir, 'bundle.tar.gz')));
  t.same([...files.keys()].sort(), ['.manifest', 'data.json', 'policy.wasm']);
  const p = await loadWasmPolicies(dir, { yori: { config: {} } });
  t.same(p!.files, [join(dir, 'bundle.tar.gz')]);
  t.same(p!.evaluate({ k: 'v' }).warn, [{ k: 'v' }]);
});

t.test('no wasm: null; broken bundles: clear errors', async (t) => {
  const dir = tempDir(t);
  t.equal(await loadWasmPolicies(dir, {}), null);
  const src = tempDir(t);
  writeFileSync(join(src, 'data.json'), '{}');
  execFileSync('tar', ['-czf', join(dir, 'bundle.tar.gz'), '-C', src, 'data.json']);
  await t.rejects(loadWasmPolicies(dir, {}), /no policy\.wasm inside/);
  writeFileSync(join(dir, 'bundle.tar.gz'), Buffer.from('not gzip'));
  await t.rejects(loadWasmPolicies(dir, {}), /incorrect header|invalid/i);
});
