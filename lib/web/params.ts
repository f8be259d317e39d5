/**
 * Strict request input for the admin API: query parameters and JSON bodies are validated up
 * front, and anything unexpected (an unknown or repeated parameter, a bad number, a malformed
 * time, an oversized body) becomes an `HttpError` that `withErrors` turns into a JSON reply
 * such as `400 {"error":{"type":"bad_request","message":"…"}}`. Messages name the parameter and
 * never carry a stack trace.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson, type AdminHandler } from './admin-server.js';

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, 'bad_request', message);
}

function sendError(res: ServerResponse, e: HttpError): void {
  sendJson(res, e.status, { error: { type: e.type, message: e.message } }, e.headers);
}

/** Wraps a handler so that an HttpError it throws becomes its JSON reply (anything else stays a 500). */
export function withErrors(handler: AdminHandler): AdminHandler {
  return async (req, res, url) => {
    try {
      await handler(req, res, url);
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      if (res.headersSent) res.destroy();
      else sendError(res, e);
    }
  };
}

/** C0 controls and DEL: never part of a name, filter or label. */
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Text from a user for a label or filter: trimmed, bounded, printable. */
export function cleanText(name: string, value: unknown, max: number): string {
  if (typeof value !== 'string') throw badRequest(`${name} must be a string`);
  const s = value.trim();
  if (s.length > max) throw badRequest(`${name} is longer than ${max} characters`);
  if (CONTROL.test(s)) throw badRequest(`${name} contains control characters`);
  return s;
}

/** Accepts unix ms (digits) or an ISO 8601 date-time with a zone (or a plain date, read as UTC). */
function parseTime(name: string, s: string): number {
  if (/^-?\d{1,15}$/.test(s)) return Number(s);
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i.test(s)) {
    const ms = Date.parse(s);
    if (Number.isFinite(ms)) return ms;
  }
  throw badRequest(`${name} must be unix milliseconds or an ISO 8601 time with a zone (e.g. 2025-01-31T18:00:00Z)`);
}

/** The query string of one request, read against the parameters a route accepts. */
export class Query {
  readonly #params: URLSearchParams;

  constructor(url: URL, allowed: readonly string[]) {
    this.#params = url.searchParams;
    const seen = new Set<string>();
    for (const key of this.#params.keys()) {
      if (!allowed.includes(key)) {
        throw badRequest(`unknown query parameter ${JSON.stringify(key.slice(0, 40))}${allowed.length ? ` (known: ${allowed.join(', ')})` : ''}`);
      }
      if (seen.has(key)) throw badRequest(`query parameter ${key} is repeated`);
      seen.add(key);
    }
  }

  /** A non-empty string parameter (empty counts as absent). */
  string(name: string, max = 200): string | undefined {
    const v = this.#params.get(name);
    if (v === null || v.trim() === '') return undefined;
    return cleanText(name, v, max);
  }

  int(name: string, min: number, max: number): number | undefined {
    const v = this.string(name, 20);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) throw badRequest(`${name} must be a whole number from ${min} to ${max}`);
    return Number(v);
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.string(name, 40);
    if (v === undefined) return undefined;
    if (!values.includes(v as T)) throw badRequest(`${name} must be one of ${values.join(', ')}`);
    return v as T;
  }

  time(name: string): number | undefined {
    const v = this.string(name, 40);
    return v === undefined ? undefined : parseTime(name, v);
  }
}

/** Reads a small JSON object body (`content-type: application/json`). */
export async function readJsonBody(req: IncomingMessage, maxBytes = 16 * 1024): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw new HttpError(413, 'payload_too_large', `the body may be at most ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, 'payload_too_large', `the body may be at most ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badRequest('the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('the body must be a JSON object');
  return body as Record<string, unknown>;
}
