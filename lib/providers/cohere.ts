/**
 * Cohere's native API (api.cohere.com): chat v1 (`message`, `preamble`, `chat_history`) and v2
 * (`messages`), generate and embed requests; usage from `meta` (v1), `usage` (v2) and the
 * stream's last event (v1 `stream-end` NDJSON line, v2 `message-end` SSE event). Actual
 * `tokens` are preferred over `billed_units` when both are present.
 */
import type { RequestInfo } from '../hooks.js';
import type { Endpoint } from './endpoints.js';
import { arr, count, isObject, obj, PromptCollector, str, type JsonObject } from './collect.js';
import { UsageTally } from './tally.js';

const V1_PROMPT_ROLES = new Set(['USER', 'SYSTEM']);
const V2_PROMPT_ROLES = new Set(['user', 'system']);

export function extractCohere(body: JsonObject, endpoint: Endpoint): RequestInfo {
  const pc = new PromptCollector();
  let messages: number | null = null;
  switch (endpoint) {
    case 'cohere.chat.v1': {
      pc.text(body.preamble);
      const history = arr(body.chat_history) ?? [];
      for (const m of history) if (isObject(m) && V1_PROMPT_ROLES.has(m.role as string)) pc.text(m.message);
      pc.text(body.message);
      messages = history.length + (typeof body.message === 'string' ? 1 : 0);
      break;
    }
    case 'cohere.chat.v2': {
      const list = arr(body.messages);
      for (const m of list ?? []) if (isObject(m) && V2_PROMPT_ROLES.has(m.role as string)) pc.content(m.content);
      messages = list ? list.length : null;
      break;
    }
    case 'cohere.generate':
      pc.text(body.prompt);
      break;
    default: // cohere.embed: v1/v2 `texts`, v2 `inputs` of content parts, `images` as data URIs
      pc.textOrTexts(body.texts);
      for (const i of arr(body.inputs) ?? []) pc.content(obj(i)?.content);
      pc.attachments += arr(body.images)?.length ?? 0;
  }
  pc.attachments += arr(body.documents)?.length ?? 0;
  return { model: str(body.model), stream: body.stream === true, messages, prompt: pc.prompt, attachments: pc.attachments };
}

function numbers(container: unknown): [number | null, number | null] | null {
  const c = obj(container);
  if (!c) return null;
  const u = obj(c.tokens) ?? obj(c.billed_units);
  if (!u) return null;
  return [count(u.input_tokens), count(u.output_tokens)];
}

export class CohereTally extends UsageTally {
  readonly keys: ReadonlySet<string> = new Set(['input_tokens', 'output_tokens', 'event_type']);

  wants(data: string): boolean {
    return data.includes('_units') || data.includes('"tokens"');
  }

  record(rec: JsonObject, _event: string | null, whole: boolean): void {
    const found =
      numbers(rec.usage) ?? numbers(rec.meta) ?? numbers(obj(rec.response)?.meta) ?? numbers(obj(rec.delta)?.usage);
    if (!found) return;
    const final = whole || rec.type === 'message-end' || rec.event_type === 'stream-end';
    this.set(found[0], found[1], final);
  }
}
