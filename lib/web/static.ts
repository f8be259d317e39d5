/**
 * The dashboard's own files: `/` (the page), `/static/*` (its scripts and styles, from
 * `lib/web/static/`) and `/static/vendor/chart.umd.js` (Chart.js from the installed package).
 * Nothing comes from a CDN: the router may be offline.
 *
 * The files are few and small, so they are read once at start into memory, with a gzip copy
 * and an ETag; requests never touch the disk and only names in that table are served, so no
 * path can reach outside the folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sendJson, type AdminRouter } from './admin-server.js';
import { pageHeaders } from './html.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
}

/**
 * `lib/web/static` next to this module when running from source; from the compiled
 * `dist/lib/web/` the package ships the folder at `lib/web/static` (tsc does not copy it).
 */
export function staticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'static'), join(here, '..', '..', '..', 'lib', 'web', 'static')];
  const found = candidates.find((d) => existsSync(join(d, 'index.html')));
  if (!found) throw new Error(`dashboard files not found (looked in ${candidates.join(', ')})`);
  return found;
}

function asset(path: string): Asset {
  const body = readFileSync(path);
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  const gzip = /^(text|image\/svg|application\/json)/.test(type) ? gzipSync(body) : null;
  return { type, body, gzip: gzip && gzip.length < body.length ? gzip : null, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? listFiles(p) : [p];
  });
}

/** Every servable file by URL path. */
export function loadAssets(dir = staticDir()): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const file of listFiles(dir)) assets.set(`/static/${relative(dir, file).split(sep).join('/')}`, asset(file));
  const chartJs = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
  assets.set('/static/vendor/chart.umd.js', asset(chartJs));
  return assets;
}

function serve(req: IncomingMessage, res: ServerResponse, a: Asset, extra: Record<string, string> = {}): void {
  const headers: Record<string, string> = { 'content-type': a.type, 'cache-control': 'no-cache', etag: a.etag, 'x-content-type-options': 'nosniff', vary: 'accept-encoding', ...extra };
  if (req.headers['if-none-match'] === a.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = a.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gzip ? a.gzip! : a.body;
  res.writeHead(200, { ...headers, 'content-length': String(body.length), ...(gzip ? { 'content-encoding': 'gzip' } : {}) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function registerStatic(router: AdminRouter, assets = loadAssets()): void {
  const index = assets.get('/static/index.html');
  if (!index) throw new Error('dashboard files: index.html is missing');
  router.get('/', (req, res) => serve(req, res, index, pageHeaders()));
  router.get('/static/*', (req, res, url) => {
    const a = assets.get(url.pathname);
    if (!a) sendJson(res, 404, { error: { type: 'not_found', message: `no such file: ${url.pathname}` } });
    else serve(req, res, a);
  });
}
