/**
 * An incremental JSON scanner for response bodies that are not SSE: a whole JSON document, a
 * JSON array streamed element by element (Gemini without `alt=sse`), or NDJSON lines (Cohere
 * v1 streams). It never holds the body: it tracks the open containers and current keys, skips
 * strings with `indexOf`, and rebuilds each record (a top-level value, or each element of a
 * top-level array) as a sparse object holding only the scalar values under wanted keys — the
 * usage numbers and a few markers. Memory stays bounded whatever the body size, and any byte
 * split gives the same records.
 *
 * Strings under wanted keys are kept up to MAX_STRING_BYTES; keys longer than MAX_KEY_BYTES
 * or containing escapes are never wanted. Invalid JSON stops the scan (`failed`).
 */
import type { JsonObject } from './collect.js';

const MAX_DEPTH = 256;
const MAX_KEY_BYTES = 128;
const MAX_STRING_BYTES = 256;
const MAX_TOKEN_BYTES = 64;
/** Wanted values per record; beyond it further values are dropped. */
const MAX_VALUES = 1024;

const enum State {
  Value,
  AfterValue,
  Key,
  Colon,
  String,
  Token,
  Failed,
}

const OBJECT = 0;
const ARRAY = 1;

type PathItem = string | number;

export type RecordSink = (record: JsonObject, whole: boolean) => void;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export class JsonRecordScanner {
  readonly #wanted: ReadonlySet<string>;
  readonly #sink: RecordSink;
  #state: State = State.Value;
  /** Container kinds and, per container, the current key or index. */
  readonly #kinds: number[] = [];
  readonly #path: PathItem[] = [];
  /** Depth of the record's root container, or -1 outside a record. */
  #recordDepth = -1;
  #record: JsonObject | null = null;
  #values = 0;

  // String in progress.
  #inKey = false;
  #capture = false;
  #escape = false;
  #escaped = false;
  #parts: Buffer[] = [];
  #partBytes = 0;
  // Number or literal in progress (text kept only when wanted).
  #token = '';
  #tokenWanted = false;
  // Next backslash in the current chunk (-2: unknown).
  #backslash = -2;

  constructor(wantedKeys: ReadonlySet<string>, sink: RecordSink) {
    this.#wanted = wantedKeys;
    this.#sink = sink;
  }

  get failed(): boolean {
    return this.#state === State.Failed;
  }

  push(buf: Buffer): void {
    this.#backslash = -2;
    let i = 0;
    const n = buf.length;
    while (i < n) {
      switch (this.#state) {
        case State.String:
          i = this.#string(buf, i);
          break;
        case State.Token: {
          const start = i;
          while (i < n && isTokenByte(buf[i]!)) i++;
          // Only wanted values are decoded; the embeddings' thousands of floats are just skipped.
          if (this.#tokenWanted && this.#token.length < MAX_TOKEN_BYTES) this.#token += buf.toString('latin1', start, i);
          if (i < n) this.#endToken();
          break;
        }
        case State.Failed:
          return;
        default:
          this.#structural(buf[i]!);
          i++;
      }
    }
  }

  #fail(): void {
    this.#state = State.Failed;
    this.#record = null;
  }

  #structural(b: number): void {
    if (isSpace(b)) return;
    const depth = this.#kinds.length;
    switch (this.#state) {
      case State.Value:
        if (b === 0x7b /* { */) return this.#open(OBJECT);
        if (b === 0x5b /* [ */) return this.#open(ARRAY);
        if (b === 0x22 /* " */) return this.#startString(false);
        if (b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e) {
          this.#tokenWanted = this.#wantsValue();
          this.#token = this.#tokenWanted ? String.fromCharCode(b) : '';
          this.#state = State.Token;
          return;
        }
        // `]` right after `[` or a trailing comma.
        if (b === 0x5d && depth > 0 && this.#kinds[depth - 1] === ARRAY) return this.#close();
        return this.#fail();
      case State.Key:
        if (b === 0x22) return this.#startString(true);
        if (b === 0x7d /* } */) return this.#close();
        return this.#fail();
      case State.Colon:
        if (b === 0x3a /* : */) this.#state = State.Value;
        else this.#fail();
        return;
      case State.AfterValue:
        if (depth === 0) {
          // Next top-level value (NDJSON, concatenated JSON).
          this.#state = State.Value;
          return this.#structural(b);
        }
        if (b === 0x2c /* , */) {
          if (this.#kinds[depth - 1] === OBJECT) this.#state = State.Key;
          else {
            (this.#path[depth - 1] as number)++;
            this.#state = State.Value;
          }
          return;
        }
        if ((b === 0x7d && this.#kinds[depth - 1] === OBJECT) || (b === 0x5d && this.#kinds[depth - 1] === ARRAY)) {
          return this.#close();
        }
        return this.#fail();
    }
  }

  #open(kind: number): void {
    const depth = this.#kinds.length;
    if (depth >= MAX_DEPTH) return this.#fail();
    // A record is a top-level object, or an object element of a top-level array.
    if (kind === OBJECT && this.#recordDepth < 0 && (depth === 0 || (depth === 1 && this.#kinds[0] === ARRAY))) {
      this.#recordDepth = depth;
      this.#record = {};
      this.#values = 0;
    }
    this.#kinds.push(kind);
    this.#path.push(kind === OBJECT ? '' : 0);
    this.#state = kind === OBJECT ? State.Key : State.Value;
  }

  #close(): void {
    this.#kinds.pop();
    this.#path.pop();
    const depth = this.#kinds.length;
    if (depth === this.#recordDepth) {
      const record = this.#record!;
      this.#recordDepth = -1;
      this.#record = null;
      this.#sink(record, depth === 0);
    }
    this.#state = State.AfterValue;
  }

  #startString(isKey: boolean): void {
    this.#inKey = isKey;
    this.#capture = isKey || this.#wantsValue();
    this.#escaped = false;
    this.#parts = [];
    this.#partBytes = 0;
    this.#state = State.String;
  }

  /** Inside a record, directly in an object, under a wanted key. */
  #wantsValue(): boolean {
    const depth = this.#kinds.length;
    return (
      this.#record !== null &&
      depth > this.#recordDepth &&
      this.#kinds[depth - 1] === OBJECT &&
      this.#wanted.has(this.#path[depth - 1] as string)
    );
  }

  #keep(buf: Buffer, from: number, to: number): void {
    if (!this.#capture || to <= from) return;
    const limit = this.#inKey ? MAX_KEY_BYTES : MAX_STRING_BYTES;
    if (this.#partBytes + (to - from) > limit) {
      this.#capture = false; // too long to be wanted
      return;
    }
    this.#parts.push(buf.subarray(from, to));
    this.#partBytes += to - from;
  }

  /** Consumes string bytes from `i`; returns the next index. */
  #string(buf: Buffer, i: number): number {
    const n = buf.length;
    if (this.#escape) {
      this.#escape = false;
      this.#keep(buf, i, i + 1);
      i++;
    }
    for (;;) {
      const quote = buf.indexOf(0x22, i);
      const stop = quote < 0 ? n : quote;
      const bs = this.#nextBackslash(buf, i);
      if (bs >= 0 && bs < stop) {
        this.#escaped = true;
        if (bs + 1 >= n) {
          this.#keep(buf, i, n);
          this.#escape = true;
          return n;
        }
        this.#keep(buf, i, bs + 2);
        i = bs + 2;
        continue;
      }
      this.#keep(buf, i, stop);
      if (quote < 0) return n;
      this.#endString();
      return quote + 1;
    }
  }

  #nextBackslash(buf: Buffer, from: number): number {
    if (this.#backslash === -1 || this.#backslash >= from) return this.#backslash;
    this.#backslash = buf.indexOf(0x5c, from);
    return this.#backslash;
  }

  #text(): string | null {
    if (!this.#capture) return null;
    const raw = this.#parts.length === 1 ? this.#parts[0]!.toString('utf8') : Buffer.concat(this.#parts).toString('utf8');
    if (!this.#escaped) return raw;
    if (this.#inKey) return null; // escaped keys are never wanted
    try {
      return JSON.parse(`"${raw}"`) as string;
    } catch {
      return null;
    }
  }

  #endString(): void {
    const text = this.#text();
    this.#parts = [];
    if (this.#inKey) {
      this.#path[this.#kinds.length - 1] = text ?? '';
      this.#state = State.Colon;
      return;
    }
    if (text !== null) this.#set(text);
    this.#state = State.AfterValue;
  }

  #endToken(): void {
    this.#state = State.AfterValue;
    const t = this.#token;
    if (!this.#tokenWanted || t.length >= MAX_TOKEN_BYTES) return;
    let value: number | boolean | null;
    if (t === 'true') value = true;
    else if (t === 'false') value = false;
    else if (t === 'null') value = null;
    else {
      value = Number(t);
      if (Number.isNaN(value)) return this.#fail();
    }
    this.#set(value);
  }

  #set(value: string | number | boolean | null): void {
    if (!this.#wantsValue() || this.#values >= MAX_VALUES) return;
    const last = this.#kinds.length - 1;
    for (let d = this.#recordDepth; d <= last; d++) if (this.#path[d] === '__proto__') return;
    let node: Record<PathItem, unknown> = this.#record!;
    for (let d = this.#recordDepth + 1; d <= last; d++) {
      const key = this.#path[d - 1]!;
      let child = node[key] as Record<PathItem, unknown> | undefined;
      if (typeof child !== 'object' || child === null) {
        child = (this.#kinds[d] === ARRAY ? [] : {}) as Record<PathItem, unknown>;
        node[key] = child;
      }
      node = child;
    }
    node[this.#path[last]!] = value;
    this.#values++;
  }
}

/** Bytes of numbers and of true/false/null. */
function isTokenByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || b === 0x2d || b === 0x2b || b === 0x2e || (b >= 0x61 && b <= 0x7a) || b === 0x45;
}
