/**
 * Request extraction (SPEC §5 `request.model/stream/messages/prompt`, §4 `model`): reads the
 * body of one intercepted request by the API shape its path names. Pure and total: unknown
 * paths, non-JSON or malformed bodies give nulls, never an exception.
 *
 * A body cut at `limits.max_body_bytes` cannot be parsed; its `model` and `stream` are then
 * recovered by a bounded textual scan of the body's head (best effort, marked by the caller's
 * `body_truncated`). Multipart bodies (image edits, transcriptions) are read field by field.
 */
import type { RequestInfo, Route } from '../hooks.js';
import { extractChatGpt, extractClaudeApp, extractHuggingFace } from './apps.js';
import { extractMessages } from './anthropic.js';
import { extractCohere } from './cohere.js';
import { isObject, type JsonObject } from './collect.js';
import { classifyEndpoint, type EndpointInfo } from './endpoints.js';
import { extractGemini } from './gemini.js';
import { readMultipart } from './multipart.js';
import { extractChat, extractResponses, extractTextFields } from './openai.js';

function byEndpoint(body: JsonObject, ep: EndpointInfo): RequestInfo | null {
  switch (ep.endpoint) {
    case 'openai.chat': return extractChat(body);
    case 'openai.responses': return extractResponses(body);
    case 'openai.completions': return extractTextFields(body, ['prompt', 'suffix']);
    case 'openai.embeddings': return extractTextFields(body, ['input']);
    case 'openai.images':
    case 'openai.transcription': return extractTextFields(body, ['prompt']);
    case 'openai.speech': return extractTextFields(body, ['instructions', 'input']);
    case 'anthropic.messages':
    case 'anthropic.count_tokens': return extractMessages(body);
    case 'gemini': return extractGemini(body, ep);
    case 'cohere.chat.v1':
    case 'cohere.chat.v2':
    case 'cohere.generate':
    case 'cohere.embed': return extractCohere(body, ep.endpoint);
    case 'huggingface.inference': return extractHuggingFace(body, ep);
    case 'chatgpt.conversation': return extractChatGpt(body);
    case 'claude.completion': return extractClaudeApp(body);
    default: return null;
  }
}

const SALVAGE_BYTES = 64 * 1024;

/** `"model": "…"` and `"stream": true` from the head of a JSON body too large to parse. */
function salvage(body: Buffer): { model: string | null; stream: boolean } {
  const head = body.toString('utf8', 0, Math.min(body.length, SALVAGE_BYTES));
  const model = /(?<!\\)"model"\s*:\s*"([^"\\]{1,256})"/.exec(head)?.[1] ?? null;
  return { model, stream: /(?<!\\)"stream"\s*:\s*true\b/.test(head) };
}

function firstByte(body: Buffer): number {
  let i = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
  return i;
}

function parseObject(body: Buffer, start: number): JsonObject | null {
  try {
    const v: unknown = JSON.parse(body.toString('utf8', start));
    return isObject(v) ? v : null;
  } catch {
    return null;
  }
}

function extract(route: Route, method: string, path: string, contentType: string | null, body: Buffer, truncated: boolean): RequestInfo {
  const ep = classifyEndpoint(route, path);
  const info: RequestInfo = { model: ep.pathModel, stream: ep.pathStream, messages: null, prompt: null, attachments: 0 };
  if (method !== 'POST' || ep.endpoint === 'other' || body.length === 0) return info;

  let found: RequestInfo | null = null;
  if (contentType !== null && /^\s*multipart\/form-data/i.test(contentType)) {
    const form = readMultipart(body, contentType);
    if (form) {
      found = byEndpoint(form.fields, ep);
      if (found) found.attachments += form.files;
    }
  } else {
    const start = firstByte(body);
    if (body[start] !== 0x7b) return info; // not a JSON object: form-encoded, binary, …
    const parsed = parseObject(body, start);
    if (parsed) found = byEndpoint(parsed, ep);
    else if (truncated) {
      const head = salvage(body);
      info.model ??= head.model;
      info.stream ||= head.stream;
    }
  }
  if (!found) return info;
  // The path names the model where it routes the request (Gemini, Azure deployment, HF).
  found.model = ep.pathModel ?? found.model;
  found.stream ||= ep.pathStream;
  return found;
}

/** What an intercepted request asks for. Never throws. */
export function extractRequest(
  route: Route,
  method: string,
  path: string,
  contentType: string | null,
  body: Buffer,
  truncated: boolean,
): RequestInfo {
  try {
    return extract(route, method, path, contentType, body, truncated);
  } catch {
    return { model: null, stream: false, messages: null, prompt: null, attachments: 0 };
  }
}
