/**
 * The admin HTTP server (SPEC §6, `listen.admin`): a small method + path router on node:http.
 * The gateway registers `/health`; the dashboard, REST API and CA download register their own
 * routes on the same router, and the live feed can take the server's `upgrade` event.
 *
 * Paths are exact (`/health`) or a prefix ending in `/*` (`/api/*`); exact routes win, then the
 * longest prefix. Unknown paths get 404 and known paths with another method 405, both JSON; a
 * handler that throws or rejects gets a 500 and a log line, never a crashed process.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../log.js';

export type AdminHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

interface Entry {
  prefix: boolean;
  path: string;
  methods: Map<string, AdminHandler>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export class AdminRouter {
  readonly #exact = new Map<string, Entry>();
  readonly #prefixes: Entry[] = [];

  /** Registers `handler` for `method` (GET also answers HEAD) on `path`. */
  add(method: string, path: string, handler: AdminHandler): this {
    const prefix = path.endsWith('/*');
    const key = prefix ? path.slice(0, -1) : path;
    let entry = prefix ? this.#prefixes.find((e) => e.path === key) : this.#exact.get(key);
    if (!entry) {
      entry = { prefix, path: key, methods: new Map() };
      if (prefix) {
        this.#prefixes.push(entry);
        this.#prefixes.sort((a, b) => b.path.length - a.path.length);
      } else {
        this.#exact.set(key, entry);
      }
    }
    const m = method.toUpperCase();
    if (entry.methods.has(m)) throw new Error(`admin route ${m} ${path} is already registered`);
    entry.methods.set(m, handler);
    return this;
  }

  get(path: string, handler: AdminHandler): this {
    return this.add('GET', path, handler);
  }

  #find(pathname: string): Entry | undefined {
    return this.#exact.get(pathname) ?? this.#prefixes.find((e) => pathname.startsWith(e.path));
  }

  /** Dispatches one request; resolves when the handler finished. */
  async handle(req: IncomingMessage, res: ServerResponse, logger: Logger): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin.invalid');
    } catch {
      sendJson(res, 400, { error: { type: 'bad_request', message: 'malformed request target' } });
      return;
    }
    const entry = this.#find(url.pathname);
    if (!entry) {
      sendJson(res, 404, { error: { type: 'not_found', message: `no such path: ${url.pathname}` } });
      return;
    }
    const method = req.method ?? 'GET';
    const handler = entry.methods.get(method) ?? (method === 'HEAD' ? entry.methods.get('GET') : undefined);
    if (!handler) {
      const allow = [...entry.methods.keys()].join(', ');
      sendJson(res, 405, { error: { type: 'method_not_allowed', message: `${method} not allowed (allow: ${allow})` } }, { allow });
      return;
    }
    try {
      await handler(req, res, url);
    } catch (err) {
      logger.error({ err: (err as Error).message, path: url.pathname }, 'admin handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: { type: 'internal_error', message: 'internal error' } });
      else res.destroy();
    }
  }
}

/** An http.Server that routes through `router`; listening is the caller's job. */
export function createAdminServer(router: AdminRouter, logger: Logger): http.Server {
  const server = http.createServer((req, res) => void router.handle(req, res, logger));
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}
