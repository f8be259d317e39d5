/**
 * The live feed: a WebSocket on `/api/live` (the admin server's `upgrade` event) that pushes
 * `{"type":"event","event":…}` for every audit row as soon as it is written and
 * `{"type":"alert","alert":…}` for every alert as it is raised.
 *
 * The gateway must never wait for a browser: each message is serialised once and handed to
 * every client without waiting; a client whose unsent backlog passes `maxBufferedBytes` (a
 * phone on a weak link, a tab in the background) is disconnected and reconnects when it can.
 * A ping every `pingMs` drops connections that went away silently.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Alert } from '../alerts/alert.js';
import type { AuditRow } from '../audit/row.js';
import type { Logger } from '../log.js';
import { sameOrigin, type AdminAccess } from './access.js';
import { alertView } from './alerts.js';
import { eventView } from './events.js';
import { HttpError } from './params.js';
import type { Labeler } from './usage.js';

export const LIVE_PATH = '/api/live';

export interface LiveSources {
  writer: { on(event: 'written', fn: (rows: AuditRow[]) => void): unknown; off(event: 'written', fn: (rows: AuditRow[]) => void): unknown };
  dispatcher: { on(event: 'alert', fn: (a: Alert) => void): unknown; off(event: 'alert', fn: (a: Alert) => void): unknown };
}

export interface LiveFeedOptions {
  server: Server;
  access: AdminAccess;
  sources: LiveSources;
  label: Labeler;
  logger: Logger;
  maxClients?: number;
  maxBufferedBytes?: number;
  pingMs?: number;
}

function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: { type: 'upgrade_refused', message } });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

export class LiveFeed {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  readonly #opts: Required<LiveFeedOptions>;
  readonly #alive = new WeakSet<WebSocket>();
  readonly #timer: NodeJS.Timeout;

  constructor(opts: LiveFeedOptions) {
    this.#opts = { maxClients: 32, maxBufferedBytes: 1024 * 1024, pingMs: 30_000, ...opts };
    opts.server.on('upgrade', this.#onUpgrade);
    opts.sources.writer.on('written', this.#onWritten);
    opts.sources.dispatcher.on('alert', this.#onAlert);
    this.#timer = setInterval(() => this.#ping(), this.#opts.pingMs).unref();
  }

  get clientCount(): number {
    return this.#wss.clients.size;
  }

  readonly #onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://admin.invalid').pathname;
    } catch {
      path = '';
    }
    if (path !== LIVE_PATH) return refuse(socket, 404, 'no WebSocket here');
    try {
      this.#opts.access.authorize(req);
      if (!sameOrigin(req)) throw new HttpError(403, 'forbidden', 'cross-site WebSocket refused');
    } catch (e) {
      return refuse(socket, e instanceof HttpError ? e.status : 403, e instanceof HttpError ? e.message : 'refused');
    }
    if (this.#wss.clients.size >= this.#opts.maxClients) return refuse(socket, 503, 'too many live viewers');
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      this.#alive.add(ws);
      ws.on('pong', () => this.#alive.add(ws));
      ws.on('error', () => ws.terminate());
      ws.on('message', () => {}); // nothing to say to us; maxPayload bounds it
      ws.send(JSON.stringify({ type: 'hello' }));
    });
  };

  readonly #onWritten = (rows: AuditRow[]): void => {
    if (this.#wss.clients.size === 0) return;
    for (const row of rows) this.#broadcast(JSON.stringify({ type: 'event', event: eventView(row, this.#opts.label) }));
  };

  readonly #onAlert = (alert: Alert): void => {
    if (this.#wss.clients.size === 0) return;
    this.#broadcast(JSON.stringify({ type: 'alert', alert: alertView(alert, this.#opts.label) }));
  };

  #broadcast(message: string): void {
    for (const ws of this.#wss.clients) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      if (ws.bufferedAmount > this.#opts.maxBufferedBytes) {
        this.#opts.logger.info('admin: live viewer too slow; disconnected');
        ws.terminate();
        continue;
      }
      ws.send(message);
    }
  }

  #ping(): void {
    for (const ws of this.#wss.clients) {
      if (!this.#alive.has(ws)) {
        ws.terminate();
        continue;
      }
      this.#alive.delete(ws);
      ws.ping();
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#opts.server.off('upgrade', this.#onUpgrade);
    this.#opts.sources.writer.off('written', this.#onWritten);
    this.#opts.sources.dispatcher.off('alert', this.#onAlert);
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }
}
