// Static checks of the OPNsense plugin, the ones OPNsense's own `make lint` runs plus
// cross-references a typo would break silently on a router (form ids, configd actions,
// template fields, menu pages).
import t from 'tap';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder, HARNESS, MODEL_XML, modelFields, needs, PLUGIN, ROOT, run, SRC, TEMPLATES } from './helpers.js';

const files = filesUnder(SRC);
const read = (rel: string) => readFileSync(join(SRC, rel), 'utf8');
const MVC = 'opnsense/mvc/app';

t.test('php -l on every PHP file', { skip: needs('php', 'php-cli') }, async (t) => {
  const php = files.filter((f) => /\.(php|inc)$/.test(f)).map((f) => join(SRC, f));
  php.push(join(ROOT, 'test/opnsense/hook_harness.php'));
  t.ok(php.length >= 10, `${php.length} files`);
  for (const f of php) {
    const r = run('php', ['-l', f]);
    t.equal(r.code, 0, `${f}: ${r.stdout}${r.stderr}`.trim());
  }
});

t.test('xmllint on every XML file', { skip: needs('xmllint', 'libxml2-utils') }, async (t) => {
  const xml = files.filter((f) => f.endsWith('.xml')).map((f) => join(SRC, f));
  t.ok(xml.length >= 4);
  const r = run('xmllint', ['--noout', ...xml]);
  t.equal(r.code, 0, r.stderr);
});

t.test('the model passes OPNsense model lint', async (t) => {
  const r = run('python3', [HARNESS, 'lint-model', MODEL_XML]);
  t.same(JSON.parse(r.stdout), []);
  t.equal(r.code, 0);
});

t.test('shellcheck on the rc script and the shell scripts', { skip: needs('shellcheck', 'shellcheck') }, async (t) => {
  // rc.subr cannot be followed here, and rc.subr reads name/rcvar/desc.
  const rc = run('shellcheck', ['-s', 'sh', '-e', 'SC1091,SC2034', join(SRC, 'etc/rc.d/yori')]);
  t.equal(rc.code, 0, rc.stdout);
  const scripts = [
    ...files.filter((f) => f.startsWith('opnsense/scripts/') || f.startsWith('bin/')).map((f) => join(SRC, f)),
    ...['+POST_INSTALL.pre', '+POST_INSTALL.post', '+PRE_DEINSTALL.pre', '+POST_DEINSTALL.post'].map((f) => join(PLUGIN, f)),
    join(ROOT, 'scripts/opnsense-stage.sh'),
  ];
  const r = run('shellcheck', ['-s', 'sh', '-e', 'SC1091', ...scripts]);
  t.equal(r.code, 0, r.stdout);
});

t.test('scripts are executable, as OPNsense lint-exec demands', async (t) => {
  const executable = [
    ...files.filter((f) => f.startsWith('etc/rc.d/') || f.startsWith('opnsense/scripts/') || f.startsWith('bin/')).map((f) => join(SRC, f)),
    join(ROOT, 'scripts/opnsense-stage.sh'),
  ];
  for (const f of executable) t.ok(statSync(f).mode & 0o100, `${f} is executable`);
});

t.test('the Makefile names the plugin and ends with the plugins.mk include', async (t) => {
  const make = readFileSync(join(PLUGIN, 'Makefile'), 'utf8');
  for (const v of ['PLUGIN_NAME', 'PLUGIN_VERSION', 'PLUGIN_COMMENT']) t.match(make, new RegExp(`^${v}=\\t+\\S`, 'm'));
  t.match(make, /^PLUGIN_NAME=\t+yori$/m);
  t.equal(make.trim().split('\n').at(-1), '.include "../../Mk/plugins.mk"');
  t.ok(readFileSync(join(PLUGIN, 'pkg-descr'), 'utf8').length > 100);
});

t.test('every menu page has a controller and a view; the ACL covers them', async (t) => {
  const menu = read(`${MVC}/models/OPNsense/Yori/Menu/Menu.xml`);
  const acl = read(`${MVC}/models/OPNsense/Yori/ACL/ACL.xml`);
  const urls = [...menu.matchAll(/url="([^"]+)"/g)].map((m) => m[1]!);
  t.ok(urls.length >= 4);
  for (const url of urls) {
    const m = /^\/ui\/yori\/([a-z]*)$/.exec(url);
    if (!m) {
      t.equal(url, '/ui/diagnostics/log/core/yori', 'the only page outside the plugin is the core log viewer');
      t.match(acl, '<pattern>ui/diagnostics/log/core/yori/*</pattern>');
      continue;
    }
    const name = m[1] ? m[1][0]!.toUpperCase() + m[1].slice(1) : 'Index';
    const controller = read(`${MVC}/controllers/OPNsense/Yori/${name}Controller.php`);
    const view = /pick\('OPNsense\/Yori\/(\w+)'\)/.exec(controller)?.[1];
    t.ok(view && files.includes(`${MVC}/views/OPNsense/Yori/${view}.volt`), `${url}: view ${view}.volt exists`);
  }
  t.match(acl, '<pattern>ui/yori/*</pattern>');
  t.match(acl, '<pattern>api/yori/*</pattern>');
});

t.test('form fields exist in the model, and every setting is on the form', async (t) => {
  const fields = modelFields();
  const form = read(`${MVC}/controllers/OPNsense/Yori/forms/general.xml`);
  const ids = [...form.matchAll(/<id>yori\.(\w+)\.(\w+)<\/id>/g)].map((m) => `${m[1]}.${m[2]}`);
  const model = Object.entries(fields).flatMap(([section, f]) => Object.keys(f).map((name) => `${section}.${name}`));
  for (const id of ids) t.ok(model.includes(id), `form field ${id} is in the model`);
  // general.redirect is the switch above the form, applied on its own.
  t.same(model.filter((m) => !ids.includes(m)), ['general.redirect']);
});

t.test('templates read only fields the model has', async (t) => {
  const fields = modelFields();
  const refs: [string, string, string][] = [];
  for (const rel of filesUnder(join(TEMPLATES, 'OPNsense/Yori'))) {
    const text = readFileSync(join(TEMPLATES, 'OPNsense/Yori', rel), 'utf8');
    for (const m of text.matchAll(/OPNsense\.yori\.(\w+)\.(\w+)/g)) refs.push([rel, m[1]!, m[2]!]);
    // yori.conf binds the sections to short names
    for (const m of text.matchAll(/\b([ga])\.(\w+)/g)) refs.push([rel, m[1] === 'g' ? 'general' : 'alerts', m[2]!]);
  }
  t.ok(refs.length > 30);
  for (const [rel, section, name] of refs) t.ok(fields[section]?.[name], `${rel}: ${section}.${name} is a model field`);
});

t.test('every configd action the plugin calls is defined', async (t) => {
  const conf = read('opnsense/service/conf/actions.d/actions_yori.conf');
  const defined = new Set([...conf.matchAll(/^\[([a-z.]+)\]$/gm)].map((m) => m[1]!));
  const used = new Set(['start', 'stop', 'restart', 'reload', 'status']); // ApiMutableServiceControllerBase
  const php = files.filter((f) => /\.(php|inc)$/.test(f)).map(read).join('\n');
  for (const m of php.matchAll(/configdp?Run\('yori ([a-z. ]+)'/g)) used.add(m[1]!.trim().replace(/ /g, '.'));
  for (const m of php.matchAll(/'yori (start|stop|restart)'/g)) used.add(m[1]!);
  for (const m of php.matchAll(/configctl -d yori ([a-z ]+)'/g)) used.add(m[1]!.trim().replace(/ /g, '.'));
  t.ok(used.has('pf.refresh') && used.has('ca.export') && used.has('stats') && used.has('dns') && used.has('pf.status'));
  for (const action of used) t.ok(defined.has(action), `[${action}] is in actions_yori.conf`);
  for (const action of defined) {
    const parts = action.split('.');
    for (let i = 1; i < parts.length; i++) t.notOk(defined.has(parts.slice(0, i).join('.')), `${action}: no leaf named like its prefix`);
  }
});

t.test('the log page, the syslog filter and the daemon agree on the program name', async (t) => {
  t.match(read('opnsense/service/templates/OPNsense/Syslog/local/yori.conf'), /filter f_local_yori \{\s*program\("yori"\);\s*\};/);
  t.match(read('etc/rc.d/yori'), /-S -T \$\{name\}/);
  t.match(read('etc/rc.d/yori'), /^name=yori$/m);
  t.match(read('etc/rc.d/yori'), /^rcvar=yori_enable$/m);
  t.match(read('etc/rc.d/yori'), /^pidfile="\/var\/run\/\$\{name\}\.pid"$/m);
  t.match(read('etc/inc/plugins.inc.d/yori.inc'), /const YORI_PIDFILE = '\/var\/run\/yori\.pid';/);
});
