/**
 * Incremental Server-Sent Events parser (WHATWG HTML "event stream interpretation"), fed with
 * raw response body chunks as they pass through the proxy. Provider usage extractors
 * (lib/providers) use it on a copy of the stream's events; it never touches sockets and never
 * delays a chunk.
 *
 * Why bytes first: CR and LF never occur inside a multi-byte UTF-8 sequence, so lines are split
 * on the raw bytes and only complete lines are decoded. A character or a CRLF split across two
 * chunks therefore needs no decoder state beyond the partial line and one "last byte was CR"
 * flag. Memory is bounded by `maxEventBytes`: an event that grows past it is dropped (counted
 * in `droppedEvents`) and skipped up to its terminating blank line, never buffered.
 *
 * Semantics follow the spec: `data` lines are joined with "\n"; a blank line dispatches the
 * event only when some `data` was seen; `event` is null when absent or empty (the spec's
 * "message"); `id` is the last event ID, which persists across events (null until an `id`
 * field was seen; a value containing NUL is ignored); comments (`:` lines) and `retry` and
 * unknown fields are ignored; a leading BOM is stripped; an event left incomplete at `end()`
 * is discarded.
 */

export interface SseEvent {
  event: string | null;
  data: string;
  id: string | null;
}

export interface SseParserOptions {
  /** Bytes of field lines one event may hold before it is dropped (default 4 MiB). */
  maxEventBytes?: number;
}

/** Large enough for an OpenAI Responses `response.completed` event carrying a long output. */
export const DEFAULT_MAX_SSE_EVENT_BYTES = 4 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const FIELD_DATA = Buffer.from('data');
const FIELD_EVENT = Buffer.from('event');
const FIELD_ID = Buffer.from('id');

export class SseParser {
  readonly #onEvent: (ev: SseEvent) => void;
  readonly #maxEventBytes: number;
  /** Copies of the bytes of a line not yet terminated (empty while skipping). */
  #partial: Buffer[] = [];
  /** Length of the unterminated line, counted even while skipping. */
  #partialBytes = 0;
  /** Field-line bytes of the event being assembled. */
  #eventBytes = 0;
  #data = '';
  #hasData = false;
  #eventType = '';
  #lastId: string | null = null;
  /** Dropping an oversized event: ignore lines until the blank line that ends it. */
  #skipping = false;
  /** The previous chunk ended in CR: an LF opening the next chunk completes that CRLF. */
  #afterCR = false;
  #atStreamStart = true;
  #droppedEvents = 0;

  constructor(onEvent: (ev: SseEvent) => void, opts: SseParserOptions = {}) {
    this.#onEvent = onEvent;
    this.#maxEventBytes = opts.maxEventBytes ?? DEFAULT_MAX_SSE_EVENT_BYTES;
  }

  /** Events dropped because they exceeded `maxEventBytes`. */
  get droppedEvents(): number {
    return this.#droppedEvents;
  }

  push(chunk: Buffer): void {
    const n = chunk.length;
    let i = 0;
    if (this.#afterCR && n > 0) {
      this.#afterCR = false;
      if (chunk[0] === LF) i = 1;
    }
    // Next CR / LF positions, cached so that a chunk with many lines but no CR (or no LF)
    // is searched once per byte, not once per line. -2: not searched yet; -1: none left.
    let cr = -2;
    let lf = -2;
    while (i < n) {
      if (cr !== -1 && cr < i) cr = chunk.indexOf(CR, i);
      if (lf !== -1 && lf < i) lf = chunk.indexOf(LF, i);
      const eol = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      if (eol === -1) {
        this.#keepPartial(chunk, i, n);
        return;
      }
      this.#line(chunk, i, eol);
      if (chunk[eol] === CR) {
        if (eol + 1 === n) {
          this.#afterCR = true;
          return;
        }
        i = chunk[eol + 1] === LF ? eol + 2 : eol + 1;
      } else {
        i = eol + 1;
      }
    }
  }

  /** End of stream: an incomplete event is discarded (spec). The parser can then be reused. */
  end(): void {
    this.#partial = [];
    this.#partialBytes = 0;
    this.#resetEvent();
    this.#skipping = false;
    this.#afterCR = false;
    this.#atStreamStart = true;
    this.#lastId = null;
  }

  #keepPartial(chunk: Buffer, start: number, end: number): void {
    this.#partialBytes += end - start;
    if (this.#skipping) return;
    if (this.#eventBytes + this.#partialBytes > this.#maxEventBytes) {
      this.#drop();
      return;
    }
    // A copy, so a small tail does not pin the caller's whole chunk in memory.
    this.#partial.push(Buffer.from(chunk.subarray(start, end)));
  }

  #line(chunk: Buffer, start: number, end: number): void {
    const continued = this.#partialBytes > 0;
    let buf = chunk;
    if (continued) {
      this.#partialBytes = 0;
      if (this.#skipping) return; // the tail of a dropped line; the line was not blank
      this.#partial.push(chunk.subarray(start, end));
      buf = Buffer.concat(this.#partial);
      this.#partial = [];
      start = 0;
      end = buf.length;
    }
    if (this.#atStreamStart) {
      this.#atStreamStart = false;
      if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    }
    if (start === end) {
      if (this.#skipping) this.#skipping = false;
      else this.#dispatch();
      return;
    }
    if (this.#skipping) return;
    this.#eventBytes += end - start;
    if (this.#eventBytes > this.#maxEventBytes) {
      this.#drop();
      return;
    }
    if (buf[start] === COLON) return; // comment
    let colon = start;
    while (colon < end && buf[colon] !== COLON) colon++;
    let valueStart = colon + 1;
    if (valueStart < end && buf[valueStart] === SPACE) valueStart++;
    const nameLength = colon - start;
    if (nameLength === 4 && buf.compare(FIELD_DATA, 0, 4, start, colon) === 0) {
      const value = valueStart < end ? buf.toString('utf8', valueStart, end) : '';
      if (this.#hasData) this.#data = this.#data + '\n' + value;
      else {
        this.#data = value;
        this.#hasData = true;
      }
    } else if (nameLength === 5 && buf.compare(FIELD_EVENT, 0, 5, start, colon) === 0) {
      this.#eventType = valueStart < end ? buf.toString('utf8', valueStart, end) : '';
    } else if (nameLength === 2 && buf.compare(FIELD_ID, 0, 2, start, colon) === 0) {
      const value = valueStart < end ? buf.toString('utf8', valueStart, end) : '';
      if (!value.includes('\0')) this.#lastId = value;
    }
  }

  #dispatch(): void {
    if (!this.#hasData) {
      this.#resetEvent();
      return;
    }
    const ev: SseEvent = { event: this.#eventType === '' ? null : this.#eventType, data: this.#data, id: this.#lastId };
    this.#resetEvent();
    this.#onEvent(ev);
  }

  #drop(): void {
    this.#droppedEvents++;
    this.#partial = [];
    this.#resetEvent();
    this.#skipping = true;
  }

  #resetEvent(): void {
    this.#data = '';
    this.#hasData = false;
    this.#eventType = '';
    this.#eventBytes = 0;
  }
}
