/**
 * Response usage (SPEC §4 `prompt_tokens`/`completion_tokens`, §7): an observer the data path
 * feeds each response body chunk after the chunk went to the client. It frames the body —
 * SSE events through `SseParser`, anything else through the incremental JSON record scanner —
 * and hands each JSON record to the API's tally (OpenAI, Anthropic, Gemini, Cohere rules).
 *
 * Bounded and total: no body is buffered except a compressed one (gzip/deflate/br, up to
 * MAX_COMPRESSED_BYTES, decoded once at the end up to MAX_DECODED_BYTES, since zlib offers no
 * synchronous incremental API); any failure yields NULL tokens, never an exception. Non-2xx
 * responses and bodies without usage (audio, images, app traffic) get no observer at all.
 */
import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { RequestInfo, ResponseObserver, Route, Usage } from '../hooks.js';
import { SseParser, type SseEvent } from '../http/sse.js';
import { AnthropicTally } from './anthropic.js';
import { CohereTally } from './cohere.js';
import { isObject } from './collect.js';
import { classifyEndpoint, type Endpoint } from './endpoints.js';
import { GeminiTally } from './gemini.js';
import { JsonRecordScanner } from './json-scan.js';
import { OpenAiTally } from './openai.js';
import { NO_USAGE, type UsageTally } from './tally.js';

/** One SSE event may carry a whole Responses API output (`response.completed`). */
const MAX_SSE_EVENT_BYTES = 8 * 1024 * 1024;
export const MAX_COMPRESSED_BYTES = 4 * 1024 * 1024;
export const MAX_DECODED_BYTES = 16 * 1024 * 1024;

function tallyFor(endpoint: Endpoint): UsageTally | null {
  switch (endpoint) {
    case 'openai.chat':
    case 'openai.responses':
    case 'openai.completions':
    case 'openai.embeddings':
    case 'openai.images':
    case 'openai.transcription':
      return new OpenAiTally();
    case 'anthropic.messages':
      return new AnthropicTally();
    case 'gemini':
      return new GeminiTally();
    case 'cohere.chat.v1':
    case 'cohere.chat.v2':
    case 'cohere.generate':
    case 'cohere.embed':
      return new CohereTally();
    default:
      return null; // speech audio, token counting, app traffic: no usage to read
  }
}

function header(headers: [string, string][], name: string): string | null {
  for (const [k, v] of headers) if (k.length === name.length && k.toLowerCase() === name) return v;
  return null;
}

type Encoding = 'identity' | 'gzip' | 'deflate' | 'br';

function encodingOf(value: string | null): Encoding | null {
  const e = (value ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return 'identity';
  if (e === 'gzip' || e === 'x-gzip') return 'gzip';
  if (e === 'deflate' || e === 'br') return e;
  return null;
}

/** Decodes a (possibly cut-short) compressed body; throws past MAX_DECODED_BYTES. */
function decode(body: Buffer, encoding: Exclude<Encoding, 'identity'>): Buffer {
  const zlibOpts = { maxOutputLength: MAX_DECODED_BYTES, finishFlush: constants.Z_SYNC_FLUSH };
  if (encoding === 'gzip') return gunzipSync(body, zlibOpts);
  if (encoding === 'br') {
    return brotliDecompressSync(body, { maxOutputLength: MAX_DECODED_BYTES, finishFlush: constants.BROTLI_OPERATION_FLUSH });
  }
  try {
    return inflateSync(body, zlibOpts);
  } catch {
    return inflateRawSync(body, zlibOpts); // some servers send raw deflate
  }
}

/**
 * A non-streamed JSON body up to this size is kept and parsed once at the end (native
 * JSON.parse beats scanning byte by byte in JS); a bigger one falls back to the scanner.
 */
const WHOLE_JSON_BYTES = 64 * 1024;

class UsageObserver implements ResponseObserver {
  readonly #tally: UsageTally;
  readonly #sse: SseParser | null;
  readonly #json: JsonRecordScanner | null;
  readonly #encoding: Encoding;
  /** Chunks of a small non-streamed JSON body, until it ends or outgrows WHOLE_JSON_BYTES. */
  #whole: Buffer[] | null = null;
  #wholeBytes = 0;
  #compressed: Buffer[] = [];
  #compressedBytes = 0;
  #failed = false;
  #result: Usage | null = null;

  constructor(tally: UsageTally, sse: boolean, encoding: Encoding, streamed: boolean) {
    this.#tally = tally;
    this.#encoding = encoding;
    if (sse) {
      this.#sse = new SseParser((ev) => this.#event(ev), { maxEventBytes: MAX_SSE_EVENT_BYTES });
      this.#json = null;
    } else {
      this.#sse = null;
      // A top-level object is the whole response only when no stream was requested (Cohere
      // v1 streams are NDJSON objects).
      this.#json = new JsonRecordScanner(tally.keys, (rec, whole) => tally.record(rec, null, whole && !streamed));
      if (!streamed) this.#whole = [];
    }
  }

  #event(ev: SseEvent): void {
    if (ev.data === '[DONE]') return this.#tally.done();
    if (!this.#tally.wants(ev.data, ev.event)) return;
    let rec: unknown;
    try {
      rec = JSON.parse(ev.data);
    } catch {
      return; // keep-alive text, a truncated event: not usage
    }
    if (isObject(rec)) this.#tally.record(rec, ev.event, false);
  }

  #feed(data: Buffer): void {
    if (this.#sse) this.#sse.push(data);
    else if (this.#whole && this.#wholeBytes + data.length <= WHOLE_JSON_BYTES) {
      this.#whole.push(data);
      this.#wholeBytes += data.length;
    } else if (this.#json) {
      if (this.#whole) this.#scanWhole();
      this.#json.push(data);
      if (this.#json.failed) this.#failed = true;
    }
  }

  /** Hands what was kept to the scanner (too big, cut short, or not one JSON object). */
  #scanWhole(): void {
    const kept = this.#whole!;
    this.#whole = null;
    for (const b of kept) this.#feed(b);
  }

  /** The body ended: one JSON.parse for a complete object, else the scanner's reading. */
  #finishWhole(complete: boolean): void {
    if (complete) {
      let rec: unknown;
      try {
        rec = JSON.parse(Buffer.concat(this.#whole!, this.#wholeBytes).toString('utf8'));
      } catch {
        rec = undefined;
      }
      if (isObject(rec)) {
        this.#whole = null;
        this.#tally.record(rec, null, true);
        return;
      }
    }
    this.#scanWhole();
  }

  chunk(data: Buffer): void {
    if (this.#failed || this.#result) return;
    try {
      if (this.#encoding === 'identity') return this.#feed(data);
      this.#compressedBytes += data.length;
      if (this.#compressedBytes > MAX_COMPRESSED_BYTES) {
        this.#failed = true;
        this.#compressed = [];
      } else this.#compressed.push(data);
    } catch {
      this.#failed = true;
    }
  }

  end(complete: boolean): Usage {
    if (this.#result) return this.#result;
    try {
      if (!this.#failed && this.#encoding !== 'identity') {
        this.#feed(decode(Buffer.concat(this.#compressed), this.#encoding));
        this.#compressed = [];
      }
      this.#sse?.end();
      if (this.#whole) this.#finishWhole(complete);
      this.#result = this.#failed ? { ...NO_USAGE } : this.#tally.result(complete);
    } catch {
      this.#result = { ...NO_USAGE };
    }
    return this.#result;
  }
}

/**
 * An observer that extracts token usage from a response body, or null when the response
 * cannot carry usage (non-2xx, an endpoint without usage, a content type or encoding that is
 * not JSON/SSE). Never throws.
 */
export function createUsageObserver(
  route: Route,
  path: string,
  requestInfo: RequestInfo | null,
  responseHeaders: [string, string][],
  status: number,
): ResponseObserver | null {
  if (status < 200 || status > 299) return null;
  try {
    const tally = tallyFor(classifyEndpoint(route, path).endpoint);
    if (!tally) return null;
    const encoding = encodingOf(header(responseHeaders, 'content-encoding'));
    if (!encoding) return null;
    const type = (header(responseHeaders, 'content-type') ?? '').toLowerCase();
    const sse = type.includes('text/event-stream');
    if (!sse && type !== '' && !type.includes('json')) return null;
    return new UsageObserver(tally, sse, encoding, requestInfo?.stream === true);
  } catch {
    return null;
  }
}
