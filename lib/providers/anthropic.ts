/**
 * Anthropic Messages API (api.anthropic.com, and the `/anthropic/v1/messages` paths other
 * providers offer): request extraction and the usage tally.
 *
 * Prompt tokens are `input_tokens` plus the cache write and read tokens, which Anthropic
 * reports apart: together they are what the model read, as OpenAI's `prompt_tokens` is.
 */
import type { RequestInfo } from '../hooks.js';
import { arr, count, isAttachmentType, isObject, obj, PromptCollector, str, sumCounts, type JsonObject } from './collect.js';
import { UsageTally } from './tally.js';

/** `system` (string or text blocks) and the text of user turns; images and documents counted. */
export function extractMessages(body: JsonObject): RequestInfo {
  const pc = new PromptCollector();
  blocks(pc, body.system);
  const messages = arr(body.messages);
  for (const m of messages ?? []) {
    if (isObject(m) && m.role === 'user') blocks(pc, m.content);
  }
  return {
    model: str(body.model),
    stream: body.stream === true,
    messages: messages ? messages.length : null,
    prompt: pc.prompt,
    attachments: pc.attachments,
  };
}

function blocks(pc: PromptCollector, content: unknown): void {
  if (typeof content === 'string') return pc.text(content);
  for (const b of arr(content) ?? []) {
    if (!isObject(b)) continue;
    if (b.type === 'text') pc.text(b.text);
    else if (isAttachmentType(b.type)) pc.attachments++;
  }
}

const USAGE_EVENTS = new Set(['message_start', 'message_delta', 'message_stop']);

export class AnthropicTally extends UsageTally {
  readonly keys: ReadonlySet<string> = new Set([
    'input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens',
  ]);

  #input: number | null = null;
  #output: number | null = null;

  wants(data: string, event: string | null): boolean {
    return event !== null ? USAGE_EVENTS.has(event) : data.includes('"message_');
  }

  record(rec: JsonObject, event: string | null, whole: boolean): void {
    const type = str(rec.type) ?? event;
    if (type === 'message_stop') return this.done();
    // message_start carries the input count (and output so far); message_delta's usage is
    // cumulative, so each field present replaces the earlier value, never adds to it.
    const u = type === 'message_start' ? obj(obj(rec.message)?.usage) : obj(rec.usage);
    if (!u) return;
    const input = sumCounts(u.input_tokens, u.cache_creation_input_tokens, u.cache_read_input_tokens);
    if (input !== null) this.#input = input;
    const output = count(u.output_tokens);
    if (output !== null) this.#output = output;
    const final = whole || (type === 'message_delta' && obj(rec.delta)?.stop_reason != null);
    this.set(this.#input, this.#output, final);
  }
}
