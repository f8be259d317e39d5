import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { AdminRouter } from '../../lib/web/admin-server.js';
import { loadAssets, registerStatic, staticDir } from '../../lib/web/static.js';
import { Client, startDashboard, tempDir } from './fixtures/helpers.js';

t.test('the page, its files and Chart.js come from the package', async (t) => {
  const f = await startDashboard(t);
  const c = new Client(f.port);
  const index = await c.get('/');
  t.equal(index.status, 200);
  t.match(index.headers['content-type'], /^text\/html/);
  t.match(index.headers['content-security-policy'], /script-src 'self'/);
  t.equal(index.headers['x-frame-options'], 'DENY');
  t.match(index.text, /<script src="\/static\/vendor\/chart\.umd\.js"/);
  t.match(index.text, /<script type="module" src="\/static\/app\.js">/);
  t.notMatch(index.text, /https?:\/\//, 'nothing from a CDN');

  const chart = await c.get('/static/vendor/chart.umd.js');
  t.equal(chart.status, 200);
  t.match(chart.headers['content-type'], /^text\/javascript/);
  const pkg = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
  t.same(chart.body, readFileSync(pkg));

  const css = await c.get('/static/app.css');
  t.match(css.headers['content-type'], /^text\/css/);
  const views = await c.get('/static/views/overview.js');
  t.equal(views.status, 200, 'files in sub-folders');

  const zipped = await c.get('/static/app.js', { 'accept-encoding': 'gzip, br' });
  t.equal(zipped.headers['content-encoding'], 'gzip');
  t.same(gunzipSync(zipped.body), readFileSync(join(staticDir(), 'app.js')));
  const etag = zipped.headers.etag!;
  const again = await c.get('/static/app.js', { 'if-none-match': etag });
  t.equal(again.status, 304);
  t.equal(again.body.length, 0);
  const head = await c.request('HEAD', '/static/app.js');
  t.equal(head.status, 200);
  t.equal(head.body.length, 0);

  for (const path of ['/static/nope.js', '/static/../dashboard.ts', '/static/%2e%2e/dashboard.ts', '/static/']) {
    const r = await c.get(path);
    t.equal(r.status, 404, path);
  }
});

t.test('a folder without index.html is refused at start', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'views'));
  writeFileSync(join(dir, 'views', 'a.js'), 'export {}');
  const assets = loadAssets(dir);
  t.ok(assets.has('/static/views/a.js'));
  t.ok(assets.has('/static/vendor/chart.umd.js'));
  t.throws(() => registerStatic(new AdminRouter(), assets), /index\.html is missing/);
});
