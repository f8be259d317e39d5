/**
 * Writing HTTP/1.1 messages: request and response heads from raw header pairs, hop-by-hop
 * header removal (RFC 9110 §7.6.1), chunked transfer coding, and the JSON error replies YORI
 * itself sends (403 policy block, 502 upstream failure, 4xx framing errors).
 *
 * Heads are built as one latin1 string and converted once: header values arrive from the
 * parser as latin1 strings (one char per byte), so the bytes round-trip unchanged. A value
 * holding a control character (CR, LF, NUL, …) or a char above U+00FF (latin1 encoding would
 * truncate U+010A to LF) is refused with a TypeError: it could inject a header or split the
 * message, and only a bug in YORI can put one there (the parser refuses them on input).
 */
import { STATUS_CODES } from 'node:http';
import { equalsIgnoreCase, listTokens, type HeaderPairs } from './headers.js';

/** Anything but field-vchar, SP and HTAB (RFC 9110 §5.5). */
const NOT_FIELD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REQUEST_TARGET = /^[\x21-\x7e]+$/;

function appendFields(head: string, headers: HeaderPairs): string {
  for (let i = 0; i < headers.length; i++) {
    const [name, value] = headers[i]!;
    if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
    if (NOT_FIELD_VALUE.test(value)) throw new TypeError(`header ${name} holds a control or non-latin1 character`);
    head += name + ': ' + value + '\r\n';
  }
  return head + '\r\n';
}

/** `METHOD target HTTP/1.1` + fields + blank line. */
export function serializeRequestHead(method: string, target: string, headers: HeaderPairs): Buffer {
  if (!TOKEN.test(method)) throw new TypeError(`invalid method ${JSON.stringify(method)}`);
  if (!REQUEST_TARGET.test(target)) throw new TypeError(`invalid request target ${JSON.stringify(target)}`);
  return Buffer.from(appendFields(method + ' ' + target + ' HTTP/1.1\r\n', headers), 'latin1');
}

/** `HTTP/1.1 status reason` + fields + blank line. An empty reason is allowed. */
export function serializeResponseHead(status: number, reason: string, headers: HeaderPairs): Buffer {
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new TypeError(`invalid status ${status}`);
  if (NOT_FIELD_VALUE.test(reason)) throw new TypeError('reason phrase holds a control or non-latin1 character');
  return Buffer.from(appendFields('HTTP/1.1 ' + status + ' ' + reason + '\r\n', headers), 'latin1');
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * The end-to-end fields of a message: drops Connection, Keep-Alive, TE, Trailer,
 * Transfer-Encoding, Upgrade, every `Proxy-*` field and every field named in Connection.
 * With `keepUpgrade` (a WebSocket upgrade being forwarded), Upgrade stays and one
 * `Connection: Upgrade` is appended in place of the Connection fields.
 * The caller adds its own framing (Content-Length is end-to-end and kept).
 */
export function removeHopByHop(headers: HeaderPairs, opts: { keepUpgrade?: boolean } = {}): HeaderPairs {
  let named: string[] | null = null;
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (equalsIgnoreCase(h[0], 'connection')) (named ??= []).push(...listTokens(h[1]));
  }
  const keepUpgrade = opts.keepUpgrade === true;
  const out: HeaderPairs = [];
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i]!;
    if (keepUpgrade && equalsIgnoreCase(h[0], 'upgrade')) out.push(h);
    else if (!isHopByHop(h[0], named)) out.push(h);
  }
  if (keepUpgrade) out.push(['Connection', 'Upgrade']);
  return out;
}

function isHopByHop(name: string, named: string[] | null): boolean {
  if (hasProxyPrefix(name)) return true;
  for (const h of HOP_BY_HOP) if (equalsIgnoreCase(name, h)) return true;
  if (named !== null) for (const n of named) if (equalsIgnoreCase(name, n)) return true;
  return false;
}

function hasProxyPrefix(name: string): boolean {
  if (name.length <= 6) return false;
  for (let i = 0; i < 6; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== 'proxy-'.charCodeAt(i)) return false;
  }
  return true;
}

const CRLF = Buffer.from('\r\n');

/** The chunked terminator: last-chunk, no trailers, blank line. */
export const LAST_CHUNK: Buffer = Buffer.from('0\r\n\r\n');

/**
 * One chunk of the chunked coding as buffers to write in order (size line, the data itself
 * uncopied, CRLF). Empty data gives no buffers: a zero-size chunk would end the body.
 */
export function encodeChunk(data: Buffer): Buffer[] {
  if (data.length === 0) return [];
  return [Buffer.from(data.length.toString(16) + '\r\n', 'latin1'), data, CRLF];
}

/**
 * A complete response with body `{"error":{"type":…,"message":…}}` (UTF-8 JSON), Content-Length
 * and, unless `close: false`, `Connection: close`.
 */
export function jsonErrorResponse(status: number, type: string, message: string, opts: { close?: boolean } = {}): Buffer {
  const body = Buffer.from(JSON.stringify({ error: { type, message } }), 'utf8');
  const headers: HeaderPairs = [
    ['Content-Type', 'application/json'],
    ['Content-Length', String(body.length)],
    ['Cache-Control', 'no-store'],
  ];
  if (opts.close !== false) headers.push(['Connection', 'close']);
  return Buffer.concat([serializeResponseHead(status, STATUS_CODES[status] ?? '', headers), body]);
}
