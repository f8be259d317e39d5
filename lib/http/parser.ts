/**
 * Strict HTTP/1.1 message framing (RFC 9112) for one side of a proxied connection: the client's
 * requests or the upstream's responses. lib/net feeds it raw socket bytes and gets back message
 * heads, body chunks and message ends, or one HttpFramingError (SPEC §1: the client gets that
 * status and the connection is closed; nothing of the message goes upstream).
 *
 * Who does what:
 * - A byte scanner checks every header block once as it arrives: CRLF line endings only, no
 *   CTL/NUL in the start line or in field values, field names are tokens immediately followed
 *   by `:` (no whitespace before the colon), no obs-fold, and the block size limit (431).
 * - http-parser-js (HTTPParser) then parses the validated head: start line, methods, version,
 *   header pairs. It is lenient on its own (it silently drops `Name : v` lines, merges
 *   obs-folds, accepts `0x5` as a chunk size), hence the scan in front of it.
 * - Semantics of the parsed head are checked here: Content-Length plain digits (413 past 2^53)
 *   and consistent (identical duplicates merge), Transfer-Encoding ending in `chunked` (400)
 *   and holding no other coding (501: decoding gzip etc. is not supported), no
 *   Transfer-Encoding in HTTP/1.0, Content-Length with Transfer-Encoding refused (the SPEC
 *   allows refusing; re-framing would leave a stale Content-Length in the forwarded head),
 *   exactly one Host in HTTP/1.1 requests, request-target form, HTTP/1.0 or 1.1 only (505),
 *   methods http-parser-js does not know are 501. Bare LF line endings are refused too.
 * - The same rules apply to upstream responses; any violation there is a 502 for the client.
 * - Bodies are framed here, not by HTTPParser: its chunk parser is lenient and it cannot stop
 *   between pipelined messages. Body chunks are views into the caller's buffers, never copies
 *   and never buffered; chunked bodies arrive de-chunked; trailers are validated and dropped.
 *
 * Flow control (the contract lib/net relies on):
 * - After every complete message (a request, or a final response) the parser pauses itself
 *   just before calling onEnd. Bytes that follow (pipelined requests, early data) are kept,
 *   unparsed, until `resume()`. So the next request's onHead never fires before the proxy has
 *   answered the previous one and said it is ready.
 * - `pause()` may be called at any time, also inside a callback: no further callback fires
 *   until `resume()`; `execute()` meanwhile only queues (see `pendingBytes` to stop reading).
 * - Interim responses (1xx other than 101) fire onHead only, without onEnd, and parsing goes on
 *   to the final response of the same request.
 * - Upgrades: a 101 response, or a 2xx answer to CONNECT, fires onHead and onEnd and then the
 *   parser stops for good: every later byte belongs to the new protocol. For requests,
 *   `head.upgrade` is set (WebSocket handshake or CONNECT); the request ends and pauses as any
 *   other, and the proxy either calls `detach()` (the upstream agreed) or `resume()`.
 *   `detach()` returns every byte received but not parsed and retires the parser.
 * - `finish()` reports EOF: it ends a read-until-close response body (onEnd), is silent
 *   between messages (the proxy knows whether it still awaited a response), and otherwise
 *   reports a truncated message (onError), also after an interim response. While paused,
 *   EOF is handled once the queued bytes are parsed.
 * - After onError nothing else fires and later `execute()` calls are ignored; `execute()`
 *   after `detach()` or `finish()` throws (a caller bug: those bytes would be lost).
 */
import { HTTPParser } from 'http-parser-js';
import { equalsIgnoreCase, hasToken, listTokens, type HeaderPairs } from './headers.js';

// http-parser-js decodes header lines with the 'ascii' encoding, which in Node clears the high
// bit of each byte (the obs-text byte 0x8A would become "\n"). latin1 keeps every byte as one
// char, so values round-trip unchanged through lib/http/serialize. These statics are global;
// no other module of the gateway uses http-parser-js (autocannon does, in benchmark processes,
// where they are harmless).
HTTPParser.encoding = 'latin1';
// The scanner below enforces the header limit (with the right status). http-parser-js's own
// check must never fire first; it re-reads this static between messages, so an instance
// property would not stick.
HTTPParser.maxHeaderSize = Infinity;

export type MessageKind = 'request' | 'response';

/** How the body of a message is delimited. */
export type BodyFraming = 'none' | 'length' | 'chunked' | 'close';

export interface MessageHead {
  /** Request method (requests only). */
  method: string | null;
  /** Request target as received (requests only). */
  url: string | null;
  statusCode: number | null;
  statusMessage: string | null;
  versionMajor: number;
  versionMinor: number;
  /** Raw header pairs: names in their original case, values latin1, in wire order. */
  headers: HeaderPairs;
  contentLength: number | null;
  /** Body framed by the chunked coding (onBody receives de-chunked data). */
  chunked: boolean;
  /** The connection may carry another message after this one (Connection and version). */
  keepAlive: boolean;
  /** Request: WebSocket-style Upgrade or CONNECT. Response: 101, or 2xx to CONNECT. */
  upgrade: boolean;
  expectContinue: boolean;
  /** Bytes of the head on the wire: start line, fields and the blank line. */
  headerBytes: number;
  bodyFraming: BodyFraming;
}

export type FramingStatus = 400 | 413 | 431 | 501 | 502 | 505;

/** Stable error codes: match on these, not on messages. */
export const HttpErrorCode = {
  HEADER_TOO_LARGE: 'YORI_ERR_HTTP_HEADER_TOO_LARGE',
  BAD_LINE_ENDING: 'YORI_ERR_HTTP_BAD_LINE_ENDING',
  BAD_START_LINE: 'YORI_ERR_HTTP_BAD_START_LINE',
  BAD_TARGET: 'YORI_ERR_HTTP_BAD_TARGET',
  BAD_STATUS: 'YORI_ERR_HTTP_BAD_STATUS',
  METHOD_NOT_IMPLEMENTED: 'YORI_ERR_HTTP_METHOD_NOT_IMPLEMENTED',
  VERSION_NOT_SUPPORTED: 'YORI_ERR_HTTP_VERSION_NOT_SUPPORTED',
  BAD_FIELD_NAME: 'YORI_ERR_HTTP_BAD_FIELD_NAME',
  SPACE_BEFORE_COLON: 'YORI_ERR_HTTP_SPACE_BEFORE_COLON',
  OBS_FOLD: 'YORI_ERR_HTTP_OBS_FOLD',
  BAD_FIELD_VALUE: 'YORI_ERR_HTTP_BAD_FIELD_VALUE',
  BAD_CONTENT_LENGTH: 'YORI_ERR_HTTP_BAD_CONTENT_LENGTH',
  CONTENT_LENGTH_MISMATCH: 'YORI_ERR_HTTP_CONTENT_LENGTH_MISMATCH',
  CONTENT_LENGTH_TOO_LARGE: 'YORI_ERR_HTTP_CONTENT_LENGTH_TOO_LARGE',
  LENGTH_AND_CHUNKED: 'YORI_ERR_HTTP_LENGTH_AND_CHUNKED',
  BAD_TRANSFER_ENCODING: 'YORI_ERR_HTTP_BAD_TRANSFER_ENCODING',
  UNSUPPORTED_TRANSFER_CODING: 'YORI_ERR_HTTP_UNSUPPORTED_TRANSFER_CODING',
  BAD_HOST: 'YORI_ERR_HTTP_BAD_HOST',
  BAD_CHUNK: 'YORI_ERR_HTTP_BAD_CHUNK',
  CHUNK_SIZE_OVERFLOW: 'YORI_ERR_HTTP_CHUNK_SIZE_OVERFLOW',
  MALFORMED: 'YORI_ERR_HTTP_MALFORMED',
  TRUNCATED: 'YORI_ERR_HTTP_TRUNCATED',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/**
 * A message the proxy must not forward. `status` is what to answer the client: the request
 * status for request-side errors, always 502 for response-side ones.
 */
export class HttpFramingError extends Error {
  override readonly name = 'HttpFramingError';
  readonly status: FramingStatus;
  readonly code: HttpErrorCode;
  readonly side: MessageKind;

  constructor(status: FramingStatus, code: HttpErrorCode, message: string, side: MessageKind) {
    super(message);
    this.status = status;
    this.code = code;
    this.side = side;
  }
}

export interface MessageHandlers {
  /** A complete, validated head. Responses may return 'skip-body' (no body follows). */
  onHead(head: MessageHead): void | 'skip-body';
  /** Body bytes in arrival order: views into the caller's buffers, valid as long as those. */
  onBody(chunk: Buffer): void;
  /** The message is complete; the parser is paused (see the module comment). */
  onEnd(): void;
  /** Fired at most once; nothing fires after it. */
  onError(err: HttpFramingError): void;
}

export interface MessageParserOptions {
  /** Largest header block (and trailer section) in bytes; default 64 KiB (SPEC §1). */
  maxHeaderBytes?: number;
}

export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
/** Chunk-size line (size and extensions) limit: extensions are never used, only abused. */
const MAX_CHUNK_LINE_BYTES = 16 * 1024;
/** Largest chunk size that can take another hex digit without leaving the safe integers. */
const MAX_CHUNK_SIZE_PREFIX = Math.floor((Number.MAX_SAFE_INTEGER - 15) / 16);

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;
const SEMICOLON = 0x3b;

/** tchar (RFC 9110 §5.6.2). */
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;
/** field-vchar, SP, HTAB (RFC 9110 §5.5): allowed in field values, reason phrases, extensions. */
const FIELD_CHAR = new Uint8Array(256);
FIELD_CHAR[HTAB] = 1;
for (let c = 0x20; c <= 0x7e; c++) FIELD_CHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_CHAR[c] = 1;
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) {
  HEX['0123456789abcdef'.charCodeAt(c)] = c;
  HEX['0123456789ABCDEF'.charCodeAt(c)] = c;
}

const DIGITS = /^[0-9]+$/;
const AUTHORITY_FORM = /^[^/?#@]+:[0-9]+$/;
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]/;

// Parser states. Everything from S_UPGRADED on is terminal for HTTP parsing.
const S_HEAD = 0;
const S_LENGTH = 1;
const S_CLOSE = 2;
const S_CHUNK_SIZE = 3;
const S_CHUNK_BWS = 4;
const S_CHUNK_EXT = 5;
const S_CHUNK_SIZE_LF = 6;
const S_CHUNK_DATA = 7;
const S_CHUNK_DATA_CR = 8;
const S_CHUNK_DATA_LF = 9;
const S_TRAILERS = 10;
/** Message complete, onEnd not yet delivered (e.g. paused inside the last onBody). */
const S_DONE = 11;
const S_UPGRADED = 12;
const S_ENDED = 13;
const S_DEAD = 14;
const S_DETACHED = 15;

// Header-block scanner states.
const L_LEADING = 0; // before the start line: empty lines are ignored (RFC 9112 §2.2)
const L_LEADING_LF = 1;
const L_START = 2;
const L_START_LF = 3;
const L_LINE = 4; // start of a field line, or of the blank line ending the block
const L_NAME = 5;
const L_VALUE = 6;
const L_VALUE_LF = 7;
const L_END_LF = 8;

const NEED_MORE = -1;
const FAIL = -2;

const EMPTY = Buffer.alloc(0);

/** The parts of http-parser-js's head info used here. */
interface ParsedHead {
  versionMajor: number;
  versionMinor: number;
  headers: string[];
  method: number;
  url: string;
  statusCode: number;
  statusMessage: string;
}

export class MessageParser {
  readonly #kind: MessageKind;
  readonly #handlers: MessageHandlers;
  readonly #maxHeaderBytes: number;
  readonly #http: InstanceType<typeof HTTPParser>;
  #parsed: ParsedHead | null = null;

  #state = S_HEAD;
  #scan = L_LEADING;
  /** Bytes of the header block or trailer section being scanned. */
  #blockBytes = 0;
  #remaining = 0;
  #chunkSize = 0;
  #chunkDigits = 0;
  #chunkLineBytes = 0;
  /** The head just parsed is an interim (1xx) response: no onEnd, no pause after it. */
  #interim = false;
  /** An interim response was delivered; the final one has not started yet. */
  #awaitingFinal = false;
  /** The message just parsed switches protocols once complete. */
  #upgradeAfter = false;
  #requestMethod: string | null = null;

  /** Received, not yet parsed; `#pos` indexes into the first buffer. */
  #queue: Buffer[] = [];
  #pos = 0;
  #paused = false;
  /** Inside #drain: nested execute()/resume() calls only queue or flip flags. */
  #busy = false;
  #eof = false;

  constructor(kind: MessageKind, handlers: MessageHandlers, opts: MessageParserOptions = {}) {
    this.#kind = kind;
    this.#handlers = handlers;
    this.#maxHeaderBytes = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.#http = new HTTPParser(kind === 'request' ? HTTPParser.REQUEST : HTTPParser.RESPONSE);
    this.#http[HTTPParser.kOnHeadersComplete] = (info: ParsedHead) => {
      this.#parsed = info;
      return 1; // skip the body: bodies are framed here
    };
  }

  /** True while no callback will fire (after pause(), or after each complete message). */
  get paused(): boolean {
    return this.#paused;
  }

  /** Bytes received and held unparsed (while paused, or after an upgrade). */
  get pendingBytes(): number {
    let n = -this.#pos;
    for (const b of this.#queue) n += b.length;
    return n;
  }

  /** Response parsers: the method of the request the next response answers (HEAD, CONNECT). */
  setRequestMethod(method: string): void {
    this.#requestMethod = method;
  }

  /** Feeds bytes; parses at once unless paused. The buffer must not be modified afterwards. */
  execute(data: Buffer): void {
    if (this.#state === S_DEAD) return;
    if (this.#state === S_DETACHED || this.#eof) throw new Error('MessageParser.execute() after detach() or finish()');
    if (data.length === 0) return;
    this.#queue.push(data);
    if (!this.#busy && !this.#paused) this.#drain();
  }

  /** End of input (the peer closed its sending side). */
  finish(): void {
    if (this.#eof || this.#state === S_DETACHED) return;
    this.#eof = true;
    if (!this.#busy && !this.#paused) this.#drain();
  }

  pause(): void {
    this.#paused = true;
  }

  /** Continues with queued bytes (callbacks may fire before this returns). */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (!this.#busy) this.#drain();
  }

  /** Retires the parser and returns the bytes received but not parsed (after an upgrade). */
  detach(): Buffer {
    const queue = this.#queue;
    const pos = this.#pos;
    this.#queue = [];
    this.#pos = 0;
    this.#state = S_DETACHED;
    if (queue.length === 0) return EMPTY;
    queue[0] = queue[0]!.subarray(pos);
    return queue.length === 1 ? queue[0] : Buffer.concat(queue);
  }

  #drain(): void {
    this.#busy = true;
    try {
      for (;;) {
        if (this.#paused) return;
        if (this.#state === S_DONE) {
          this.#messageEnd();
          continue;
        }
        if (this.#state >= S_UPGRADED) return;
        const buf = this.#queue[0];
        if (buf === undefined) break;
        if (this.#pos >= buf.length) {
          this.#queue.shift();
          this.#pos = 0;
          continue;
        }
        this.#consume(buf);
      }
      if (this.#eof) this.#endOfInput();
    } finally {
      this.#busy = false;
    }
  }

  /** Advances through `buf` in the current state, firing at most one callback. */
  #consume(buf: Buffer): void {
    switch (this.#state) {
      case S_HEAD:
        this.#consumeHead(buf);
        return;
      case S_LENGTH:
      case S_CHUNK_DATA: {
        const start = this.#pos;
        const n = Math.min(this.#remaining, buf.length - start);
        this.#pos = start + n;
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = this.#state === S_LENGTH ? S_DONE : S_CHUNK_DATA_CR;
        this.#handlers.onBody(buf.subarray(start, start + n));
        return;
      }
      case S_CLOSE: {
        const start = this.#pos;
        this.#pos = buf.length;
        this.#handlers.onBody(start === 0 ? buf : buf.subarray(start));
        return;
      }
      case S_TRAILERS:
        this.#consumeTrailers(buf);
        return;
      default:
        this.#consumeChunkFraming(buf);
    }
  }

  #consumeHead(buf: Buffer): void {
    const start = this.#pos;
    const end = this.#scanLimited(buf, 'header block');
    if (end === FAIL) return;
    const stop = end === NEED_MORE ? buf.length : end;
    const r = this.#http.execute(buf, start, stop - start);
    this.#pos = stop;
    if (typeof r !== 'number') {
      this.#failFromHttpParser(r);
      return;
    }
    if (end !== NEED_MORE) this.#headComplete();
  }

  #consumeTrailers(buf: Buffer): void {
    const end = this.#scanLimited(buf, 'trailer section');
    if (end === FAIL) return;
    this.#pos = end === NEED_MORE ? buf.length : end;
    if (end !== NEED_MORE) this.#state = S_DONE;
  }

  /**
   * #scanBlock from #pos, counting #blockBytes against the limit (431). Never scans past the
   * limit, so a huge buffer of garbage costs no more than the limit. NEED_MORE means all of
   * `buf` was taken.
   */
  #scanLimited(buf: Buffer, what: 'header block' | 'trailer section'): number {
    const start = this.#pos;
    const scanEnd = Math.min(buf.length, start + this.#maxHeaderBytes - this.#blockBytes + 1);
    const end = this.#scanBlock(buf, start, scanEnd);
    if (end === FAIL) return FAIL;
    this.#blockBytes += (end === NEED_MORE ? scanEnd : end) - start;
    if (this.#blockBytes > this.#maxHeaderBytes) {
      return this.#fail(431, HttpErrorCode.HEADER_TOO_LARGE, `${what} over ${this.#maxHeaderBytes} bytes`);
    }
    return end;
  }

  /**
   * Validates header-block bytes from `i` to `end`. Returns the index just past the blank line
   * ending the block, NEED_MORE, or FAIL (after reporting). Keeps its state across calls.
   */
  #scanBlock(buf: Buffer, i: number, end: number): number {
    let s = this.#scan;
    while (i < end) {
      const c = buf[i]!;
      switch (s) {
        case L_LEADING:
          if (c === CR) s = L_LEADING_LF;
          else if (FIELD_CHAR[c] === 1) s = L_START;
          else return this.#failLineByte(c, 'start line');
          break;
        case L_START:
          if (c === CR) s = L_START_LF;
          else if (FIELD_CHAR[c] !== 1) return this.#failLineByte(c, 'start line');
          break;
        case L_VALUE_LF:
          if (c !== LF) return this.#fail(400, HttpErrorCode.BAD_FIELD_VALUE, 'bare CR in field value');
          s = L_LINE;
          break;
        case L_LEADING_LF:
        case L_START_LF:
          if (c !== LF) return this.#fail(400, HttpErrorCode.BAD_LINE_ENDING, 'CR not followed by LF');
          s = s === L_LEADING_LF ? L_LEADING : L_LINE;
          break;
        case L_LINE:
          if (c === CR) s = L_END_LF;
          else if (TCHAR[c] === 1) s = L_NAME;
          else if (c === SP || c === HTAB) return this.#fail(400, HttpErrorCode.OBS_FOLD, 'obsolete line folding (obs-fold) in header block');
          else if (c === COLON) return this.#fail(400, HttpErrorCode.BAD_FIELD_NAME, 'empty field name');
          else return this.#failLineByte(c, 'field name');
          break;
        case L_NAME:
          if (TCHAR[c] === 1) {
            while (i + 1 < end && TCHAR[buf[i + 1]!] === 1) i++;
          } else if (c === COLON) s = L_VALUE;
          else if (c === SP || c === HTAB) return this.#fail(400, HttpErrorCode.SPACE_BEFORE_COLON, 'whitespace between field name and colon');
          else if (c === CR || c === LF) return this.#fail(400, HttpErrorCode.BAD_FIELD_NAME, 'field line without a colon');
          else return this.#failLineByte(c, 'field name');
          break;
        case L_VALUE:
          while (i < end && FIELD_CHAR[buf[i]!] === 1) i++;
          if (i === end) continue;
          if (buf[i] === CR) s = L_VALUE_LF;
          else return this.#failLineByte(buf[i]!, 'field value');
          break;
        case L_END_LF:
          if (c !== LF) return this.#fail(400, HttpErrorCode.BAD_LINE_ENDING, 'CR not followed by LF');
          this.#scan = L_LEADING;
          return i + 1;
      }
      i++;
    }
    this.#scan = s;
    return NEED_MORE;
  }

  #failLineByte(c: number, where: 'start line' | 'field name' | 'field value'): typeof FAIL {
    if (c === LF) return this.#fail(400, HttpErrorCode.BAD_LINE_ENDING, `bare LF in ${where} (lines must end in CRLF)`);
    if (where === 'field name') return this.#fail(400, HttpErrorCode.BAD_FIELD_NAME, `invalid byte 0x${hex2(c)} in field name`);
    const code = where === 'start line' ? HttpErrorCode.BAD_START_LINE : HttpErrorCode.BAD_FIELD_VALUE;
    const what = c === 0 ? 'NUL' : c === CR ? 'bare CR' : `control byte 0x${hex2(c)}`;
    return this.#fail(400, code, `${what} in ${where}`);
  }

  #failFromHttpParser(err: Error): void {
    const code = (err as Error & { code?: string }).code;
    if (code === 'HPE_UNEXPECTED_CONTENT_LENGTH') {
      this.#fail(400, HttpErrorCode.CONTENT_LENGTH_MISMATCH, 'two different Content-Length values');
    } else if (err.message === 'invalid request method') {
      this.#fail(501, HttpErrorCode.METHOD_NOT_IMPLEMENTED, 'request method not implemented');
    } else if (code === 'HPE_INVALID_CONSTANT') {
      this.#fail(400, HttpErrorCode.BAD_START_LINE, `malformed ${this.#kind === 'request' ? 'request' : 'status'} line`);
    } else {
      this.#fail(400, HttpErrorCode.MALFORMED, `malformed message head (${err.message})`);
    }
  }

  #headComplete(): void {
    const p = this.#parsed!;
    this.#parsed = null;
    const isRequest = this.#kind === 'request';
    const minor = p.versionMinor;
    if (p.versionMajor !== 1 || minor > 1) {
      this.#fail(505, HttpErrorCode.VERSION_NOT_SUPPORTED, `HTTP/${p.versionMajor}.${minor} is not supported`);
      return;
    }
    let method: string | null = null;
    let url: string | null = null;
    let status = 0;
    if (isRequest) {
      method = HTTPParser.methods[p.method]!;
      url = p.url;
      if (!isValidTarget(method, url)) {
        this.#fail(400, HttpErrorCode.BAD_TARGET, 'malformed request target');
        return;
      }
    } else {
      status = p.statusCode;
      if (status < 100 || status > 599) {
        this.#fail(502, HttpErrorCode.BAD_STATUS, `status code ${status} out of range`);
        return;
      }
    }

    const raw = p.headers;
    const headers: HeaderPairs = new Array(raw.length >> 1);
    let contentLength: number | null = null;
    let codings: string[] | null = null;
    let hosts = 0;
    let close = false;
    let keepAliveToken = false;
    let connectionUpgrade = false;
    let upgradeField = false;
    let expectContinue = false;
    for (let i = 0, j = 0; i < raw.length; i += 2, j++) {
      const name = raw[i]!;
      const value = raw[i + 1]!;
      headers[j] = [name, value];
      // Dispatch on length first so that most fields cost one comparison.
      switch (name.length) {
        case 4:
          if (equalsIgnoreCase(name, 'host')) hosts++;
          break;
        case 6:
          if (equalsIgnoreCase(name, 'expect') && equalsIgnoreCase(value, '100-continue')) expectContinue = true;
          break;
        case 7:
          if (equalsIgnoreCase(name, 'upgrade')) upgradeField = true;
          break;
        case 10:
          if (equalsIgnoreCase(name, 'connection')) {
            close ||= hasToken(value, 'close');
            keepAliveToken ||= hasToken(value, 'keep-alive');
            connectionUpgrade ||= hasToken(value, 'upgrade');
          }
          break;
        case 14:
          if (equalsIgnoreCase(name, 'content-length')) {
            if (!DIGITS.test(value)) {
              this.#fail(400, HttpErrorCode.BAD_CONTENT_LENGTH, 'Content-Length is not plain digits');
              return;
            }
            const n = Number(value);
            if (!Number.isSafeInteger(n)) {
              this.#fail(413, HttpErrorCode.CONTENT_LENGTH_TOO_LARGE, 'Content-Length too large');
              return;
            }
            // http-parser-js refuses this first; checked here too so the rule does not
            // depend on that library's leniencies.
            if (contentLength !== null && n !== contentLength) {
              this.#fail(400, HttpErrorCode.CONTENT_LENGTH_MISMATCH, 'two different Content-Length values');
              return;
            }
            contentLength = n;
          }
          break;
        case 17:
          if (equalsIgnoreCase(name, 'transfer-encoding')) (codings ??= []).push(...listTokens(value));
          break;
      }
    }

    if (codings !== null && !this.#checkTransferCodings(codings, contentLength, minor)) return;
    if (isRequest && (hosts > 1 || (hosts === 0 && minor === 1))) {
      this.#fail(400, HttpErrorCode.BAD_HOST, hosts > 1 ? 'more than one Host header' : 'missing Host header');
      return;
    }

    let keepAlive = minor === 1 ? !close : keepAliveToken && !close;
    let upgrade: boolean;
    let framing: BodyFraming;
    if (isRequest) {
      upgrade = method === 'CONNECT' || (upgradeField && connectionUpgrade);
      framing = codings !== null ? 'chunked' : contentLength ? 'length' : 'none';
    } else {
      const reqMethod = this.#requestMethod;
      upgrade = status === 101 || (reqMethod === 'CONNECT' && status >= 200 && status < 300);
      if (upgrade || status < 200 || status === 204 || status === 304 || reqMethod === 'HEAD') framing = 'none';
      else if (codings !== null) framing = 'chunked';
      else if (contentLength !== null) framing = contentLength > 0 ? 'length' : 'none';
      else {
        framing = 'close';
        keepAlive = false;
      }
    }

    const head: MessageHead = {
      method,
      url,
      statusCode: isRequest ? null : status,
      statusMessage: isRequest ? null : p.statusMessage,
      versionMajor: 1,
      versionMinor: minor,
      headers,
      contentLength,
      chunked: framing === 'chunked',
      keepAlive,
      upgrade,
      expectContinue,
      headerBytes: this.#blockBytes,
      bodyFraming: framing,
    };
    this.#interim = !isRequest && status < 200 && !upgrade;
    this.#upgradeAfter = !isRequest && upgrade;
    const verdict = this.#handlers.onHead(head);
    if (this.#state !== S_HEAD) return; // detached or failed inside the callback
    if (verdict === 'skip-body' && !isRequest) {
      framing = 'none';
      head.bodyFraming = 'none';
      head.chunked = false;
    }
    switch (framing) {
      case 'none':
        this.#state = S_DONE;
        break;
      case 'length':
        this.#state = S_LENGTH;
        this.#remaining = contentLength!;
        break;
      case 'chunked':
        this.#state = S_CHUNK_SIZE;
        this.#resetChunkLine();
        break;
      case 'close':
        this.#state = S_CLOSE;
        break;
    }
  }

  /** RFC 9112 §6.1 / §6.3 on a Transfer-Encoding list; reports and returns false on refusal. */
  #checkTransferCodings(codings: string[], contentLength: number | null, minor: number): boolean {
    if (contentLength !== null) {
      this.#fail(400, HttpErrorCode.LENGTH_AND_CHUNKED, 'both Content-Length and Transfer-Encoding');
    } else if (minor === 0) {
      this.#fail(400, HttpErrorCode.BAD_TRANSFER_ENCODING, 'Transfer-Encoding in an HTTP/1.0 message');
    } else if (codings[codings.length - 1] !== 'chunked') {
      this.#fail(400, HttpErrorCode.BAD_TRANSFER_ENCODING, 'Transfer-Encoding does not end in chunked');
    } else if (codings.length > 1) {
      if (codings.indexOf('chunked') < codings.length - 1) {
        this.#fail(400, HttpErrorCode.BAD_TRANSFER_ENCODING, 'chunked applied more than once');
      } else {
        // Decoding gzip/deflate transfer codings is not supported; forwarding the body without
        // them would corrupt it once Transfer-Encoding is dropped as hop-by-hop.
        this.#fail(501, HttpErrorCode.UNSUPPORTED_TRANSFER_CODING, `unsupported transfer coding ${codings[0]}`);
      }
    } else {
      return true;
    }
    return false;
  }

  #resetChunkLine(): void {
    this.#chunkSize = 0;
    this.#chunkDigits = 0;
    this.#chunkLineBytes = 0;
  }

  /** Chunk-size lines and the CRLF after chunk data, byte by byte. */
  #consumeChunkFraming(buf: Buffer): void {
    let i = this.#pos;
    const n = buf.length;
    while (i < n) {
      const c = buf[i++]!;
      switch (this.#state) {
        case S_CHUNK_SIZE: {
          const d = HEX[c]!;
          if (d >= 0) {
            if (this.#chunkSize > MAX_CHUNK_SIZE_PREFIX) {
              this.#fail(400, HttpErrorCode.CHUNK_SIZE_OVERFLOW, 'chunk size overflow');
              return;
            }
            this.#chunkSize = this.#chunkSize * 16 + d;
            this.#chunkDigits++;
          } else if (this.#chunkDigits === 0) {
            this.#fail(400, HttpErrorCode.BAD_CHUNK, 'missing chunk size');
            return;
          } else if (c === CR) this.#state = S_CHUNK_SIZE_LF;
          else if (c === SEMICOLON) this.#state = S_CHUNK_EXT;
          else if (c === SP || c === HTAB) this.#state = S_CHUNK_BWS;
          else {
            this.#fail(400, HttpErrorCode.BAD_CHUNK, 'invalid chunk size');
            return;
          }
          break;
        }
        case S_CHUNK_BWS:
          if (c === SEMICOLON) this.#state = S_CHUNK_EXT;
          else if (c !== SP && c !== HTAB) {
            this.#fail(400, HttpErrorCode.BAD_CHUNK, 'invalid chunk size');
            return;
          }
          break;
        case S_CHUNK_EXT:
          if (c === CR) this.#state = S_CHUNK_SIZE_LF;
          else if (FIELD_CHAR[c] !== 1) {
            this.#fail(400, HttpErrorCode.BAD_CHUNK, `control byte 0x${hex2(c)} in chunk extension`);
            return;
          }
          break;
        case S_CHUNK_SIZE_LF:
          if (c !== LF) {
            this.#fail(400, HttpErrorCode.BAD_CHUNK, 'chunk size line not terminated by CRLF');
            return;
          }
          this.#pos = i;
          if (this.#chunkSize === 0) {
            this.#state = S_TRAILERS;
            this.#scan = L_LINE;
            this.#blockBytes = 0;
          } else {
            this.#state = S_CHUNK_DATA;
            this.#remaining = this.#chunkSize;
          }
          return;
        case S_CHUNK_DATA_CR:
        case S_CHUNK_DATA_LF:
          if (c !== (this.#state === S_CHUNK_DATA_CR ? CR : LF)) {
            this.#fail(400, HttpErrorCode.BAD_CHUNK, 'chunk data not followed by CRLF');
            return;
          }
          if (this.#state === S_CHUNK_DATA_CR) this.#state = S_CHUNK_DATA_LF;
          else {
            this.#state = S_CHUNK_SIZE;
            this.#resetChunkLine();
          }
          break;
      }
      if (++this.#chunkLineBytes > MAX_CHUNK_LINE_BYTES) {
        this.#fail(400, HttpErrorCode.BAD_CHUNK, 'chunk size line too long');
        return;
      }
    }
    this.#pos = i;
  }

  #messageEnd(): void {
    this.#blockBytes = 0;
    if (this.#interim) {
      this.#interim = false;
      this.#awaitingFinal = true;
      this.#state = S_HEAD;
      return;
    }
    this.#awaitingFinal = false;
    this.#state = this.#upgradeAfter ? S_UPGRADED : S_HEAD;
    this.#requestMethod = null;
    this.#paused = true;
    this.#handlers.onEnd();
  }

  #endOfInput(): void {
    const state = this.#state;
    if (state >= S_UPGRADED) return;
    if (state === S_HEAD && this.#scan === L_LEADING && !this.#awaitingFinal) {
      this.#state = S_ENDED; // EOF between messages
      return;
    }
    if (state === S_CLOSE) {
      this.#state = S_ENDED;
      this.#paused = true;
      this.#handlers.onEnd();
      return;
    }
    this.#fail(400, HttpErrorCode.TRUNCATED, 'connection closed before the message was complete');
  }

  /** Reports `err` once and stops for good. Response-side errors are 502 for the client. */
  #fail(status: FramingStatus, code: HttpErrorCode, message: string): typeof FAIL {
    const isResponse = this.#kind === 'response';
    this.#state = S_DEAD;
    this.#queue = [];
    this.#pos = 0;
    this.#handlers.onError(
      new HttpFramingError(isResponse ? 502 : status, code, isResponse ? `invalid upstream response: ${message}` : message, this.#kind),
    );
    return FAIL;
  }
}

function hex2(c: number): string {
  return c.toString(16).padStart(2, '0');
}

/** request-target forms (RFC 9112 §3.2): origin, absolute, authority (CONNECT), asterisk (OPTIONS). */
function isValidTarget(method: string, url: string): boolean {
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  if (method === 'CONNECT') return AUTHORITY_FORM.test(url);
  if (url.charCodeAt(0) === 0x2f) return true;
  if (url === '*') return method === 'OPTIONS';
  return ABSOLUTE_FORM.test(url);
}
