/**
 * The per-API usage state the response observer feeds with JSON records (one SSE event's
 * data, one element of a streamed JSON array, one NDJSON line, or a whole JSON body). Each API
 * module subclasses it with its own reading of `usage`; the rule for cut-short streams lives
 * here once: numbers count only when the stream completed or the API's final usage was seen.
 */
import type { Usage } from '../hooks.js';
import type { JsonObject } from './collect.js';

export const NO_USAGE: Readonly<Usage> = Object.freeze({ prompt_tokens: null, completion_tokens: null });

export abstract class UsageTally {
  /**
   * Leaf keys a streamed JSON body must keep for `record` (the scanner rebuilds records from
   * these keys only; SSE records arrive whole). Strings such as `finishReason` included.
   */
  abstract readonly keys: ReadonlySet<string>;

  #prompt: number | null = null;
  #completion: number | null = null;
  #final = false;

  /**
   * One record. `whole` is true when it is the complete body of a non-streamed response.
   * `event` is the SSE event name, if any.
   */
  abstract record(rec: JsonObject, event: string | null, whole: boolean): void;

  /** Cheap filter on SSE data before JSON.parse: false skips the event. */
  abstract wants(data: string, event: string | null): boolean;

  /** End of the API's stream (SSE `[DONE]`, Anthropic `message_stop`): usage seen so far is final. */
  done(): void {
    if (this.#prompt !== null || this.#completion !== null) this.#final = true;
  }

  /** Records the latest usage numbers (APIs report running totals: the last one wins). */
  protected set(prompt: number | null, completion: number | null, final: boolean): void {
    if (prompt === null && completion === null) return;
    this.#prompt = prompt;
    this.#completion = completion;
    this.#final = final;
  }

  result(complete: boolean): Usage {
    if (this.#prompt === null && this.#completion === null) return { ...NO_USAGE };
    if (!complete && !this.#final) return { ...NO_USAGE };
    return { prompt_tokens: this.#prompt, completion_tokens: this.#completion };
  }
}
