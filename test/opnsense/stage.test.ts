// scripts/opnsense-stage.sh, run in a throw-away copy of the repository (so the real dist/
// and work/ stay untouched), on Linux: it can stage the tree for inspection, and refuses to
// pretend it built FreeBSD modules.
import t, { type Test } from 'tap';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needs, PLUGIN, ROOT, run } from './helpers.js';

/** A minimal repository: the script, the plugin, package files, policies and a built dist/. */
function fakeRepo(t: Test): string {
  const repo = mkdtempSync(join(tmpdir(), 'yori-stage-'));
  t.teardown(() => rmSync(repo, { recursive: true, force: true }));
  mkdirSync(join(repo, 'scripts'));
  cpSync(join(ROOT, 'scripts/opnsense-stage.sh'), join(repo, 'scripts/opnsense-stage.sh'));
  chmodSync(join(repo, 'scripts/opnsense-stage.sh'), 0o755);
  cpSync(PLUGIN, join(repo, 'opnsense'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(repo, 'package.json'));
  writeFileSync(join(repo, 'package-lock.json'), '{"lockfileVersion": 3}\n');
  mkdirSync(join(repo, 'policies'));
  writeFileSync(join(repo, 'policies/home_default.rego'), 'package yori\n');
  mkdirSync(join(repo, 'dist/bin'), { recursive: true });
  writeFileSync(join(repo, 'dist/bin/yori.js'), 'console.log("yori")\n');
  writeFileSync(join(repo, 'dist/bin/yori.js.map'), '{}\n');
  return repo;
}

const stage = (repo: string, ...args: string[]) => run('sh', [join(repo, 'scripts/opnsense-stage.sh'), ...args], { cwd: repo });

t.test('stages the plugin and the application for inspection', async (t) => {
  const repo = fakeRepo(t);
  const out = join(repo, 'out');
  const r = stage(repo, '--no-modules', '--no-build', '--out', out);
  t.equal(r.code, 0, r.stderr);
  const dest = join(out, 'security/yori');
  t.match(r.stdout, `staged ${dest}`);
  t.match(r.stdout, /runtime: no bundled runtime: the package depends on node22/);
  t.match(r.stdout, /modules: left out \(inspection only\)/);
  for (const f of ['Makefile', 'pkg-descr', '+POST_INSTALL.pre', '+POST_DEINSTALL.post', 'src/etc/inc/plugins.inc.d/yori.inc', 'src/bin/yori']) {
    t.ok(existsSync(join(dest, f)), f);
  }
  t.ok(statSync(join(dest, 'src/etc/rc.d/yori')).mode & 0o100, 'the rc script stays executable');
  const app = join(dest, 'src/yori/app');
  t.ok(existsSync(join(app, 'dist/bin/yori.js')));
  t.notOk(existsSync(join(app, 'dist/bin/yori.js.map')), 'source maps left behind');
  t.ok(existsSync(join(app, 'policies/home_default.rego')));
  t.notOk(existsSync(join(app, 'node_modules')));
  const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  t.equal(pkg.name, 'yori');
  t.notOk('scripts' in pkg, 'no development scripts (prepare would run tsc on the build host)');
  t.notOk(existsSync(join(dest, 'src/yori/bin/node')));

  // staging again replaces the previous tree
  writeFileSync(join(dest, 'stale'), '');
  t.equal(stage(repo, '--no-modules', '--no-build', '--out', out).code, 0);
  t.notOk(existsSync(join(dest, 'stale')));
});

t.test('bundles the given runtime, and says when it is not a FreeBSD executable', async (t) => {
  const repo = fakeRepo(t);
  const node = join(repo, 'node');
  writeFileSync(node, '#!/bin/sh\necho v22.0.0\n');
  const r = stage(repo, '--no-modules', '--no-build', '--node', node, '--out', join(repo, 'out'));
  t.equal(r.code, 0, r.stderr);
  const bundled = join(repo, 'out/security/yori/src/yori/bin/node');
  t.equal(statSync(bundled).mode & 0o777, 0o755);
  t.match(r.stdout, /runtime: bundled Node\.js \(v22\.0\.0\)/);
  const noFile = needs('file', 'file');
  if (noFile) t.comment(`not checked: ${noFile}`);
  else t.match(r.stderr, /warning: .*node is not a FreeBSD executable/);
});

t.test('refuses what it cannot do correctly', async (t) => {
  const repo = fakeRepo(t);
  const noRuntime = stage(repo, '--no-build');
  t.equal(noRuntime.code, 1);
  t.match(noRuntime.stderr, /name the runtime: --node FILE \(bundled\) or --system-node/);

  const linux = stage(repo, '--system-node', '--no-build');
  t.equal(linux.code, 1);
  t.match(linux.stderr, /better-sqlite3, a native addon that must be compiled on FreeBSD/);

  t.match(stage(repo, '--node', '/x', '--system-node').stderr, /either --node FILE or --system-node/);
  t.match(stage(repo, '--no-modules', '--node', join(repo, 'missing')).stderr, /no such node executable/);
  t.match(stage(repo, '--bogus').stderr, /unknown argument: --bogus/);

  writeFileSync(join(repo, 'dist/bin/template.in'), '');
  const mangled = stage(repo, '--no-modules', '--no-build', '--out', join(repo, 'out'));
  t.equal(mangled.code, 1);
  t.match(mangled.stderr, /files the plugin build would drop or rewrite: .*template\.in/);

  rmSync(join(repo, 'dist'), { recursive: true });
  t.match(stage(repo, '--no-modules', '--no-build').stderr, /dist\/bin\/yori\.js is missing/);
});
