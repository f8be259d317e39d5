/**
 * Request shapes of consumer chat apps, read only when a household opted into intercepting
 * them (`providers.intercept_apps`), and of the Hugging Face inference API. Best effort: these
 * are private web APIs that change without notice; an unknown shape yields nulls, and the
 * audit row still has host, path and sizes.
 *
 * - chatgpt.com `POST /backend-api/conversation` (and `/backend-api/f/conversation`):
 *   `messages[].content.parts` (strings; asset pointers counted as attachments), `model`.
 * - claude.ai `POST /api/organizations/{org}/chat_conversations/{id}/completion`: `prompt`,
 *   `attachments` and `files` (counted).
 * - Hugging Face `POST /models/{model}` (api-inference, router `/hf-inference/models/…`):
 *   `inputs` (string or strings), model from the path.
 */
import type { RequestInfo } from '../hooks.js';
import type { EndpointInfo } from './endpoints.js';
import { arr, isObject, obj, PromptCollector, str, type JsonObject } from './collect.js';
import { flag } from './openai.js';

export function extractChatGpt(body: JsonObject): RequestInfo {
  const pc = new PromptCollector();
  const messages = arr(body.messages);
  for (const m of messages ?? []) {
    if (!isObject(m)) continue;
    const role = obj(m.author)?.role;
    if (role !== 'user' && role !== 'system') continue;
    let media = 0;
    for (const part of arr(obj(m.content)?.parts) ?? []) {
      if (typeof part === 'string') pc.text(part);
      else if (isObject(part)) media++;
    }
    // Uploaded files appear in metadata, images also as asset-pointer parts: count each once.
    pc.attachments += Math.max(media, arr(obj(m.metadata)?.attachments)?.length ?? 0);
  }
  return { model: str(body.model), stream: true, messages: messages ? messages.length : null, prompt: pc.prompt, attachments: pc.attachments };
}

export function extractClaudeApp(body: JsonObject): RequestInfo {
  const pc = new PromptCollector();
  pc.text(body.prompt);
  pc.attachments = (arr(body.attachments)?.length ?? 0) + (arr(body.files)?.length ?? 0);
  return { model: str(body.model), stream: true, messages: 1, prompt: pc.prompt, attachments: pc.attachments };
}

export function extractHuggingFace(body: JsonObject, ep: EndpointInfo): RequestInfo {
  const pc = new PromptCollector();
  pc.textOrTexts(body.inputs);
  return { model: ep.pathModel, stream: flag(body.stream), messages: null, prompt: pc.prompt, attachments: pc.attachments };
}
