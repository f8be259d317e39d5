/**
 * One intercepted client connection: YORI's TLS server (leaf for the SNI host, ALPN http/1.1)
 * on the accepted socket, then HTTP/1.1 exchanges one at a time, in order:
 *
 *   request head ─► body read (≤ limits.max_body_bytes) ─► `request` hook
 *     ├─ block ─► 403 policy_blocked (nothing goes upstream)
 *     └─ allow ─► pooled upstream TLS (verified) ─► response head ─► `response` hook
 *                 ─► body chunk by chunk to the client (observer sees each chunk after it
 *                    was written) ─► `exchangeDone` ─► next pipelined request
 *
 * Choices, and why:
 * - Request bodies are buffered up to the cap because the policy must see them before any byte
 *   goes upstream; a larger body is decided on its prefix (`bodyTruncated`) and then streamed.
 *   Buffered bodies go upstream with Content-Length (a chunked request is re-framed).
 * - `Expect: 100-continue` is answered by YORI itself (the body is needed for the decision)
 *   and not forwarded; the origin's own 1xx interim responses are dropped.
 * - Responses are never buffered: each body chunk is written as it arrives (chunked and
 *   read-until-close bodies are re-chunked for HTTP/1.1 clients), with backpressure from the
 *   client socket pausing the upstream socket.
 * - The hook fast path never awaits: a hook that returns a plain Decision continues in the same
 *   tick; only a returned promise defers.
 * - The request parser pauses itself after each request (lib/http/parser.ts), so pipelined
 *   requests wait in its queue and are answered in order.
 * - A reused upstream connection that fails before any response byte arrived (the origin closed
 *   it as idle while we reused it) is retried once on a new connection when the whole request
 *   body is still in hand; every other upstream failure is a 502, or an abort once the response
 *   head already went to the client.
 */
import tls, { type SecureContext, type TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { ALLOW, isDeferred, type Client, type Decision, type DeferredDecision, type GatewayHooks, type ResponseObserver, type Route } from '../hooks.js';
import { equalsIgnoreCase, getHeader, type HeaderPairs } from '../http/headers.js';
import { HttpFramingError, MessageParser, type MessageHead } from '../http/parser.js';
import {
  LAST_CHUNK, encodeChunk, jsonErrorResponse, removeHopByHop, serializeRequestHead, serializeResponseHead,
} from '../http/serialize.js';
import type { Logger } from '../log.js';
import { ExchangeRecord } from './exchange.js';
import { isPromise } from './promise.js';
import type { UpstreamConnection, UpstreamPool } from './upstream.js';

/** Mints (or finds cached) TLS contexts for intercepted hosts (lib/tls/leaf.ts). */
export interface LeafContexts {
  secureContextFor(host: string): SecureContext;
}

export interface InterceptDeps {
  hooks: GatewayHooks;
  logger: Logger;
  leaves: LeafContexts;
  pool: UpstreamPool;
  maxBodyBytes: number;
  maxHeaderBytes: number;
  nextExchangeId(): number;
  /** True once the gateway is shutting down: finish the current exchange, then close. */
  draining(): boolean;
}

/** Idle time allowed before the TLS handshake, between requests, and while a request arrives. */
const CLIENT_IDLE_MS = 120_000;
/** Pipelined bytes held while an exchange runs before the client socket is paused. */
const PIPELINE_BUFFER_BYTES = 1024 * 1024;
const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

type Phase = 'idle' | 'request' | 'deciding' | 'upstream' | 'response' | 'tunnel';

export class InterceptSession {
  /** Resolves when the client connection is closed. */
  readonly closed: Promise<void>;
  readonly #client: Client;
  readonly #route: Route;
  readonly #port: number;
  readonly #deps: InterceptDeps;
  readonly #log: Logger;
  readonly #tls: TLSSocket;
  readonly #requests: MessageParser;
  #phase: Phase = 'idle';
  #secure = false;
  #gone = false;
  /** Close the client connection once the current exchange is done. */
  #closeAfter = false;

  // The exchange in flight (one at a time).
  #ex: ExchangeRecord | null = null;
  #head: MessageHead | null = null;
  #body: Buffer[] = [];
  #bodyLength = 0;
  /** Body bytes that arrived after the cap, held until the decision (truncated bodies). */
  #overflow: Buffer | null = null;
  /** The request body goes upstream as it arrives (truncated bodies after the decision). */
  #streamingUp = false;
  #requestComplete = false;
  #upstream: UpstreamConnection | null = null;
  #responses: MessageParser | null = null;
  /** The upstream socket took no more body bytes for now (request backpressure). */
  #upstreamBlocked = false;
  #responseStarted = false;
  #responseReceived = false;
  #responseComplete = false;
  #responseKeepAlive = false;
  #clientChunked = false;
  #observer: ResponseObserver | null = null;
  /** An advisory decision to settle when the exchange ends. */
  #deferred: DeferredDecision | null = null;
  #retried = false;

  constructor(raw: Socket, replay: Buffer, route: Route, port: number, client: Client, deps: InterceptDeps) {
    this.#client = client;
    this.#route = route;
    this.#port = port;
    this.#deps = deps;
    this.#log = deps.logger;
    let context: SecureContext | null = null;
    try {
      context = deps.leaves.secureContextFor(route.host);
    } catch (err) {
      this.#log.warn({ host: route.host, err: (err as Error).message }, 'no leaf certificate for host; closing');
    }
    // The peeked ClientHello goes back into the socket's buffer; TLSSocket reads buffered
    // bytes before it takes over the handle.
    raw.unshift(replay);
    this.#tls = new tls.TLSSocket(raw, { isServer: true, secureContext: context ?? undefined, ALPNProtocols: ['http/1.1'] });
    this.closed = new Promise((resolve) => this.#tls.once('close', () => resolve()));
    this.#requests = new MessageParser('request', {
      onHead: (h) => this.#onRequestHead(h),
      onBody: (c) => this.#onRequestBody(c),
      onEnd: () => this.#onRequestEnd(),
      onError: (e) => this.#onRequestError(e),
    }, { maxHeaderBytes: deps.maxHeaderBytes });

    const s = this.#tls;
    s.once('secure', () => (this.#secure = true));
    s.on('error', (err) => this.#onClientError(err));
    s.on('data', this.#onClientData);
    s.on('end', () => this.#onClientEnd());
    s.once('close', () => this.#onClientClose());
    s.on('timeout', () => this.#onIdleTimeout());
    s.on('drain', () => this.#onClientDrain());
    s.setTimeout(CLIENT_IDLE_MS);
    if (context === null) s.destroy();
  }

  /** Lifecycle: close now if idle, else after the exchange in flight. */
  shutdown(): void {
    this.#closeAfter = true;
    if (this.#phase === 'idle') this.#tls.end();
  }

  destroy(): void {
    this.#gone = true;
    this.#detachUpstream()?.socket.destroy();
    this.#tls.destroy();
  }

  // ── client side ──────────────────────────────────────────────────────────────────────

  readonly #onClientData = (data: Buffer): void => {
    try {
      this.#requests.execute(data);
    } catch (err) {
      this.#internalError(err);
      return;
    }
    // Pipelined requests wait in the parser's queue; stop reading if a client floods it.
    if (this.#requests.paused && this.#requests.pendingBytes > PIPELINE_BUFFER_BYTES) this.#tls.pause();
  };

  #onClientEnd(): void {
    // The client will send nothing more: close once the exchange in flight is answered.
    this.#closeAfter = true;
    try {
      this.#requests.finish();
    } catch (err) {
      this.#internalError(err);
      return;
    }
    if (this.#phase === 'idle') this.#tls.end();
  }

  #onClientError(err: NodeJS.ErrnoException): void {
    if (!this.#secure) {
      // Most often a device without the YORI CA installed.
      this.#log.info({ client: this.#client.ip, host: this.#route.host, err: err.message }, 'TLS handshake with client failed');
    } else {
      this.#log.debug({ client: this.#client.ip, err: err.message }, 'client connection error');
    }
  }

  #onClientClose(): void {
    this.#gone = true;
    const ex = this.#ex;
    if (ex && this.#phase !== 'tunnel') {
      this.#detachUpstream()?.socket.destroy();
      this.#finishExchange(ex, ex.error ?? 'client closed the connection', false);
    }
  }

  /**
   * The socket's inactivity timer stays armed for the connection's life (any byte re-arms it);
   * it only counts while YORI waits for the client, never while the client waits for an answer
   * (a slow model, a quiet SSE stream).
   */
  #onIdleTimeout(): void {
    if (this.#phase === 'idle' || this.#phase === 'request') this.#tls.destroy();
  }

  #onClientDrain(): void {
    if (this.#phase === 'response' && this.#upstream) {
      this.#upstream.socket.resume();
      this.#responses?.resume();
    }
  }

  #internalError(err: unknown): void {
    this.#log.error({ client: this.#client.ip, host: this.#route.host, err: (err as Error).stack ?? String(err) }, 'intercept session failed; connection closed');
    this.destroy();
  }

  #write(data: Buffer): boolean {
    return this.#gone ? false : this.#tls.write(data);
  }

  /** A reply YORI makes itself (403, 502, 4xx framing errors). */
  #reply(status: number, type: string, message: string, close: boolean): void {
    const ex = this.#ex;
    if (close) this.#closeAfter = true;
    this.#write(jsonErrorResponse(status, type, message, { close: this.#closeAfter }));
    if (ex) {
      ex.status = status;
      this.#finishExchange(ex, ex.error, true);
    } else if (this.#closeAfter) {
      this.#tls.end();
    }
  }

  // ── request ──────────────────────────────────────────────────────────────────────────

  #onRequestHead(head: MessageHead): void {
    const now = Date.now();
    this.#phase = 'request';
    this.#head = head;
    this.#body = [];
    this.#bodyLength = 0;
    this.#overflow = null;
    this.#streamingUp = false;
    this.#requestComplete = false;
    this.#upstreamBlocked = false;
    this.#responseStarted = false;
    this.#responseReceived = false;
    this.#responseComplete = false;
    this.#observer = null;
    this.#deferred = null;
    this.#retried = false;
    const ex = new ExchangeRecord(this.#deps.nextExchangeId(), this.#client, this.#route, now, head.method!, head.url!, head.headers);
    this.#ex = ex;
    if (!head.keepAlive || this.#deps.draining()) this.#closeAfter = true;
    if (head.method === 'CONNECT') {
      ex.error = 'CONNECT inside an intercepted connection';
      this.#reply(405, 'method_not_allowed', 'CONNECT is not supported here', true);
      return;
    }
    if (head.expectContinue && head.bodyFraming !== 'none') this.#write(CONTINUE);
  }

  #onRequestBody(chunk: Buffer): void {
    const ex = this.#ex;
    if (!ex) return; // the exchange was already answered (and the connection is closing)
    ex.requestBytes += chunk.length;
    if (this.#streamingUp) {
      this.#sendBodyChunk(chunk);
      return;
    }
    const room = this.#deps.maxBodyBytes - this.#bodyLength;
    if (chunk.length <= room) {
      this.#body.push(chunk);
      this.#bodyLength += chunk.length;
      return;
    }
    // Over the cap: the policy decides on the prefix; the rest streams after the decision.
    if (room > 0) this.#body.push(chunk.subarray(0, room));
    this.#bodyLength += room;
    this.#overflow = chunk.subarray(room);
    ex.bodyTruncated = true;
    this.#requests.pause();
    this.#tls.pause();
    this.#decide();
  }

  #onRequestEnd(): void {
    if (!this.#ex) return;
    this.#requestComplete = true;
    if (this.#streamingUp) {
      if (this.#head!.bodyFraming === 'chunked') this.#upstream!.socket.write(LAST_CHUNK);
      this.#afterResponseIfDone();
      return;
    }
    if (this.#phase !== 'request') return; // answered already (405)
    this.#decide();
  }

  #onRequestError(err: HttpFramingError): void {
    const ex = this.#ex;
    this.#log.info({ client: this.#client.ip, host: this.#route.host, code: err.code, err: err.message }, 'rejected malformed request');
    if (ex) ex.error = err.message;
    if (this.#streamingUp || this.#responseStarted) {
      // Part of the body already went upstream: nothing sensible can be answered any more.
      this.destroy();
      return;
    }
    this.#reply(err.status, 'invalid_request', err.message, true);
  }

  #decide(): void {
    const ex = this.#ex!;
    ex.requestBody = this.#body.length === 1 ? this.#body[0]! : Buffer.concat(this.#body, this.#bodyLength);
    this.#body = [];
    this.#phase = 'deciding';
    const d = this.#deps.hooks.request(ex);
    if (isPromise(d)) d.then((v) => this.#decided(ex, v)).catch((err) => this.#internalError(err));
    else if (isDeferred(d)) {
      this.#deferred = d;
      this.#decided(ex, ALLOW);
    } else this.#decided(ex, d);
  }

  #decided(ex: ExchangeRecord, decision: Decision): void {
    if (this.#gone || this.#ex !== ex) return;
    ex.decision = decision;
    if (decision.action === 'block') {
      const message = decision.reasons.length > 0 ? decision.reasons.join('; ') : 'blocked by policy';
      // Unread body bytes would be taken for the next request: close instead.
      this.#reply(403, 'policy_blocked', message, !this.#requestComplete);
      return;
    }
    this.#forward();
  }

  // ── upstream ─────────────────────────────────────────────────────────────────────────

  #forward(): void {
    const ex = this.#ex!;
    const head = this.#head!;
    this.#phase = 'upstream';
    const conn = this.#deps.pool.acquire(this.#route.host, this.#port);
    this.#upstream = conn;
    const responses = new MessageParser('response', {
      onHead: (h) => this.#onResponseHead(h),
      onBody: (c) => this.#onResponseBody(c),
      onEnd: () => this.#onResponseEnd(),
      onError: (e) => this.#onUpstreamFailure(e.message),
    }, { maxHeaderBytes: this.#deps.maxHeaderBytes });
    responses.setRequestMethod(ex.method);
    this.#responses = responses;
    const s = conn.socket;
    this.#listenUpstream(s, 'on');

    const truncated = ex.bodyTruncated;
    const headers = upstreamRequestHeaders(head, ex.requestHeaders, truncated, ex.requestBody.length);
    s.cork();
    s.write(serializeRequestHead(ex.method, ex.path, headers));
    if (truncated) {
      this.#streamingUp = true;
      this.#sendBodyChunk(ex.requestBody);
      const overflow = this.#overflow;
      this.#overflow = null;
      if (overflow) this.#sendBodyChunk(overflow);
    } else if (ex.requestBody.length > 0) {
      s.write(ex.requestBody);
    }
    s.uncork();
    if (truncated && !this.#upstreamBlocked) {
      this.#tls.resume();
      this.#requests.resume();
    }
  }

  #sendBodyChunk(chunk: Buffer): void {
    const s = this.#upstream!.socket;
    let ok = true;
    if (this.#head!.bodyFraming === 'chunked') {
      for (const part of encodeChunk(chunk)) ok = s.write(part);
    } else {
      ok = s.write(chunk);
    }
    if (!ok) {
      this.#upstreamBlocked = true;
      this.#requests.pause();
      this.#tls.pause();
    }
  }

  readonly #onUpstreamDrain = (): void => {
    if (this.#upstreamBlocked && !this.#requestComplete) {
      this.#upstreamBlocked = false;
      this.#tls.resume();
      this.#requests.resume();
    }
  };

  readonly #onUpstreamData = (data: Buffer): void => {
    this.#responseReceived = true;
    // Whatever one upstream read produces (head, body, last chunk) leaves as one TLS record.
    const client = this.#tls;
    client.cork();
    try {
      this.#responses!.execute(data);
    } catch (err) {
      this.#internalError(err);
    } finally {
      client.uncork();
    }
  };

  readonly #onUpstreamEnd = (): void => {
    try {
      this.#responses?.finish();
    } catch (err) {
      this.#internalError(err);
    }
  };

  readonly #onUpstreamError = (err: NodeJS.ErrnoException): void => {
    this.#onUpstreamFailure(describeUpstreamError(err, this.#route.host));
  };

  readonly #onUpstreamClose = (): void => {
    this.#onUpstreamFailure('upstream closed the connection before the response was complete');
  };

  #detachUpstream(): UpstreamConnection | null {
    const conn = this.#upstream;
    if (!conn) return null;
    this.#listenUpstream(conn.socket, 'off');
    this.#upstream = null;
    return conn;
  }

  /** The exchange's listeners on a pooled socket: added per exchange, removed before release. */
  #listenUpstream(s: TLSSocket, method: 'on' | 'off'): void {
    s[method]('data', this.#onUpstreamData);
    s[method]('end', this.#onUpstreamEnd);
    s[method]('error', this.#onUpstreamError);
    s[method]('close', this.#onUpstreamClose);
    s[method]('drain', this.#onUpstreamDrain);
  }

  #onUpstreamFailure(message: string): void {
    const ex = this.#ex;
    const conn = this.#detachUpstream();
    if (!ex || !conn) return;
    conn.socket.destroy();
    if (this.#phase === 'tunnel' || this.#gone) return;
    if (!this.#responseStarted && !this.#responseReceived && conn.reused && !this.#retried && !this.#streamingUp) {
      // The origin closed a kept-alive connection just as it was reused: try a fresh one.
      this.#retried = true;
      this.#log.debug({ host: this.#route.host, err: message }, 'reused upstream connection failed; retrying once');
      this.#forward();
      return;
    }
    ex.error = message;
    this.#log.info({ client: this.#client.ip, host: this.#route.host, err: message }, 'upstream failure');
    if (!this.#responseStarted) {
      this.#reply(502, 'upstream_error', message, !this.#requestComplete);
    } else {
      // Part of the response went out: cut the client connection so the truncation shows.
      this.#finishExchange(ex, message, false);
      this.#tls.destroy();
    }
  }

  // ── response ─────────────────────────────────────────────────────────────────────────

  #onResponseHead(h: MessageHead): void {
    const status = h.statusCode!;
    if (status < 200 && !h.upgrade) return; // interim: 100 was YORI's to send; others dropped
    const ex = this.#ex!;
    const head = this.#head!;
    if (h.upgrade && !head.upgrade) {
      this.#onUpstreamFailure(`upstream answered ${status} to a request that asked for no upgrade`);
      return;
    }
    this.#phase = 'response';
    this.#responseStarted = true;
    this.#responseKeepAlive = h.keepAlive;
    ex.status = status;
    ex.responseHeaders = h.headers;
    ex.ttfbMs = Date.now() - ex.startedAt;
    if (this.#deps.draining()) this.#closeAfter = true;

    const headers = removeHopByHop(h.headers, { keepUpgrade: h.upgrade });
    const http11 = head.versionMinor === 1;
    this.#clientChunked = false;
    if (h.bodyFraming === 'chunked' || h.bodyFraming === 'close') {
      if (http11) {
        headers.push(['Transfer-Encoding', 'chunked']);
        this.#clientChunked = true;
      } else {
        this.#closeAfter = true; // an HTTP/1.0 client reads this body until close
      }
    }
    if (!h.upgrade) {
      if (this.#closeAfter) headers.push(['Connection', 'close']);
      else if (!http11) headers.push(['Connection', 'keep-alive']);
    }
    // Chunked framing alone is not streaming (most JSON answers come chunked): SSE, or a
    // chunked answer to a request that asked for a stream (Gemini's JSON array, NDJSON).
    ex.streamed = isEventStream(h.headers) || (this.#clientChunked && ex.info?.stream === true);
    this.#write(serializeResponseHead(status, h.statusMessage ?? '', headers));
    this.#observer = this.#deps.hooks.response(ex);
  }

  #onResponseBody(chunk: Buffer): void {
    const ex = this.#ex!;
    let ok: boolean;
    if (this.#clientChunked) {
      // One TLS record per chunk: the size line, data and CRLF are written as one writev.
      ok = true;
      this.#tls.cork();
      for (const part of encodeChunk(chunk)) ok = this.#write(part);
      this.#tls.uncork();
    } else {
      ok = this.#write(chunk);
    }
    ex.responseBytes += chunk.length;
    this.#observer?.chunk(chunk);
    if (!ok && !this.#gone) {
      this.#upstream?.socket.pause();
      this.#responses?.pause();
    }
  }

  #onResponseEnd(): void {
    const ex = this.#ex!;
    if (this.#head!.upgrade && ex.status === 101) {
      this.#startTunnel(ex);
      return;
    }
    if (this.#clientChunked) this.#write(LAST_CHUNK);
    // The response is whole: send it now (#onUpstreamData corked the client), before the
    // end-of-exchange work (deferred policy, audit row) runs.
    if (this.#tls.writableCorked > 0) this.#tls.uncork();
    this.#responseComplete = true;
    this.#afterResponseIfDone();
  }

  /** The exchange ends when both the response and the request body are through. */
  #afterResponseIfDone(): void {
    if (!this.#responseComplete) return;
    const ex = this.#ex!;
    const responses = this.#responses!;
    const conn = this.#detachUpstream();
    if (conn) {
      if (this.#requestComplete && this.#responseKeepAlive && responses.pendingBytes === 0) {
        this.#deps.pool.release(conn);
      } else {
        conn.socket.destroy();
      }
    }
    // A response that ended before the request body did leaves unread bytes: close.
    if (!this.#requestComplete) this.#closeAfter = true;
    this.#finishExchange(ex, null, true);
  }

  #finishExchange(ex: ExchangeRecord, error: string | null, next: boolean): void {
    if (this.#ex !== ex) return;
    this.#ex = null;
    ex.error = error;
    ex.durationMs = Date.now() - ex.startedAt;
    if (this.#observer) {
      ex.usage = this.#observer.end(error === null);
      this.#observer = null;
    }
    this.#responses = null;
    this.#phase = 'idle';
    this.#responseComplete = false;
    if (this.#deferred) {
      ex.decision = this.#deferred.settle();
      this.#deferred = null;
    }
    this.#deps.hooks.exchangeDone(ex);
    if (!next || this.#gone) return;
    if (this.#closeAfter) {
      this.#requests.pause(); // nothing more of this connection is parsed
      this.#tls.end();
      return;
    }
    this.#tls.resume();
    this.#requests.resume();
  }

  // ── WebSocket ────────────────────────────────────────────────────────────────────────

  /** After a 101: raw bytes both ways until either side closes; one exchange for all of it. */
  #startTunnel(ex: ExchangeRecord): void {
    this.#phase = 'tunnel';
    ex.upgrade = (getHeader(this.#head!.headers, 'upgrade') ?? 'websocket').toLowerCase();
    const conn = this.#detachUpstream()!;
    const up = conn.socket;
    const down = this.#tls;
    const fromUpstream = this.#responses!.detach();
    const fromClient = this.#requests.detach();
    down.off('data', this.#onClientData);
    let open = 2;
    const done = () => {
      if (--open > 0) return;
      this.#finishExchange(ex, null, false);
    };
    up.on('error', () => down.destroy());
    down.on('error', () => up.destroy());
    up.once('close', () => {
      down.destroy();
      done();
    });
    down.once('close', () => {
      up.destroy();
      done();
    });
    up.on('data', (d: Buffer) => (ex.responseBytes += d.length));
    down.on('data', (d: Buffer) => (ex.requestBytes += d.length));
    if (fromUpstream.length > 0) {
      ex.responseBytes += fromUpstream.length;
      down.write(fromUpstream);
    }
    if (fromClient.length > 0) {
      ex.requestBytes += fromClient.length;
      up.write(fromClient);
    }
    up.pipe(down);
    down.pipe(up);
    up.resume();
    down.resume();
  }
}

/** The request head as sent upstream: hop-by-hop fields gone, framing YORI's own. */
function upstreamRequestHeaders(head: MessageHead, received: HeaderPairs, streaming: boolean, bufferedLength: number): HeaderPairs {
  const headers = removeHopByHop(received, { keepUpgrade: head.upgrade });
  if (head.expectContinue) {
    for (let i = headers.length - 1; i >= 0; i--) if (equalsIgnoreCase(headers[i]![0], 'expect')) headers.splice(i, 1);
  }
  if (head.bodyFraming === 'chunked') {
    headers.push(streaming ? ['Transfer-Encoding', 'chunked'] : ['Content-Length', String(bufferedLength)]);
  }
  return headers;
}

const EVENT_STREAM = /^[ \t]*text\/event-stream[ \t]*(;|$)/i;

function isEventStream(headers: HeaderPairs): boolean {
  const type = getHeader(headers, 'content-type');
  return type !== undefined && EVENT_STREAM.test(type);
}

/** A short, secret-free reason for the 502 body and the audit log. */
function describeUpstreamError(err: NodeJS.ErrnoException, host: string): string {
  const code = err.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME/.test(code)) {
    return `upstream certificate for ${host} could not be verified (${code})`;
  }
  if (code === 'ETIMEDOUT') return `connecting to ${host} timed out`;
  if (code === 'ECONNREFUSED') return `connection to ${host} refused`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve ${host}`;
  return `upstream connection to ${host} failed (${code || err.message})`;
}
