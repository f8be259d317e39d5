/**
 * OpenAI's API shapes, also spoken by Azure OpenAI, Mistral, Groq, DeepSeek, xAI, OpenRouter,
 * Together, Perplexity, the Hugging Face router and the OpenAI-compatible paths of Gemini and
 * Cohere: request extraction for chat completions, Responses, legacy completions, embeddings,
 * images and audio, and the usage tally for their JSON and SSE responses.
 */
import type { RequestInfo } from '../hooks.js';
import { arr, count, isObject, obj, PromptCollector, str, type JsonObject } from './collect.js';
import { UsageTally } from './tally.js';

/** Roles whose text is the user's (or the app's instructions): assistant and tool output are not. */
const PROMPT_ROLES = new Set(['system', 'developer', 'user']);

/** `stream: true`, also the string form multipart bodies carry. */
export function flag(v: unknown): boolean {
  return v === true || v === 'true';
}

function result(body: JsonObject, pc: PromptCollector, messages: number | null): RequestInfo {
  return { model: str(body.model), stream: flag(body.stream), messages, prompt: pc.prompt, attachments: pc.attachments };
}

export function extractChat(body: JsonObject): RequestInfo {
  const pc = new PromptCollector();
  const messages = arr(body.messages);
  for (const m of messages ?? []) {
    if (isObject(m) && PROMPT_ROLES.has(m.role as string)) pc.content(m.content);
  }
  return result(body, pc, messages ? messages.length : null);
}

/** Responses API: `instructions`, and `input` as a string or a list of items. */
export function extractResponses(body: JsonObject): RequestInfo {
  const pc = new PromptCollector();
  pc.text(body.instructions);
  let messages: number | null = null;
  if (typeof body.input === 'string') {
    pc.text(body.input);
    messages = 1;
  } else if (Array.isArray(body.input)) {
    messages = body.input.length;
    for (const item of body.input) {
      // Message items carry a role; function-call outputs and item references do not.
      if (isObject(item) && PROMPT_ROLES.has(item.role as string)) pc.content(item.content);
    }
  }
  return result(body, pc, messages);
}

/**
 * Endpoints whose prompt is one or a few text fields (strings or lists of strings): legacy
 * and fill-in-the-middle completions (`prompt`, `suffix`), embeddings (`input`), images and
 * transcriptions (`prompt`; edits and transcriptions arrive as multipart fields), speech
 * (`instructions`, `input`).
 */
export function extractTextFields(body: JsonObject, fields: readonly string[]): RequestInfo {
  const pc = new PromptCollector();
  for (const f of fields) pc.textOrTexts(body[f]);
  return result(body, pc, null);
}

/** Usage objects of every OpenAI shape: chat/completions/embeddings, Responses, images, audio. */
function usageNumbers(u: JsonObject): [number | null, number | null] {
  return [count(u.prompt_tokens) ?? count(u.input_tokens), count(u.completion_tokens) ?? count(u.output_tokens)];
}

const TERMINAL_RESPONSE_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export class OpenAiTally extends UsageTally {
  readonly keys: ReadonlySet<string> = new Set(['prompt_tokens', 'completion_tokens', 'input_tokens', 'output_tokens']);

  wants(data: string): boolean {
    return data.includes('usage');
  }

  record(rec: JsonObject, event: string | null, whole: boolean): void {
    const type = str(rec.type) ?? event;
    if (type !== null && TERMINAL_RESPONSE_EVENTS.has(type)) {
      // Responses API stream: usage only in the terminal event, inside `response`.
      const u = obj(obj(rec.response)?.usage);
      if (u) this.set(...usageNumbers(u), true);
      return;
    }
    // Groq reports stream usage under `x_groq`.
    const u = obj(rec.usage) ?? obj(obj(rec.x_groq)?.usage);
    if (!u) return;
    this.set(...usageNumbers(u), whole || isFinalChunk(rec, type));
  }
}

/**
 * A chunk whose usage is final: OpenAI's `include_usage` chunk has no choices; APIs that repeat
 * running usage on every chunk (xAI, Perplexity) finish with a `finish_reason`; image and
 * transcription streams end with a `*.completed` / `*.done` event.
 */
function isFinalChunk(rec: JsonObject, type: string | null): boolean {
  if (type !== null && (type.endsWith('.completed') || type.endsWith('.done'))) return true;
  const choices = arr(rec.choices);
  if (!choices) return false;
  return choices.length === 0 || choices.some((c) => isObject(c) && c.finish_reason != null);
}
