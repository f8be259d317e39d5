/**
 * Google Gemini (generativelanguage.googleapis.com, Vertex AI): `models/{model}:method`
 * requests and `usageMetadata` in responses. The REST API accepts camelCase and snake_case
 * field names alike, so both are read.
 *
 * Completion tokens are `candidatesTokenCount` plus `thoughtsTokenCount`: thinking models bill
 * their thoughts as output, as OpenAI counts reasoning tokens in `completion_tokens`.
 */
import type { RequestInfo } from '../hooks.js';
import type { EndpointInfo } from './endpoints.js';
import { arr, count, isObject, obj, PromptCollector, str, sumCounts, type JsonObject } from './collect.js';
import { UsageTally } from './tally.js';

function parts(pc: PromptCollector, content: unknown): void {
  if (typeof content === 'string') return pc.text(content);
  const c = obj(content);
  if (!c) return;
  const list = Array.isArray(c.parts) ? c.parts : [c.parts];
  for (const p of list) {
    if (!isObject(p)) continue;
    if (typeof p.text === 'string') {
      if (p.thought !== true) pc.text(p.text);
    } else if (p.inlineData ?? p.inline_data ?? p.fileData ?? p.file_data) pc.attachments++;
  }
}

/** The user turns of a `contents` list (a missing role means user). */
function contents(pc: PromptCollector, list: unknown[] | null): void {
  for (const c of list ?? []) {
    if (isObject(c) && (c.role === undefined || c.role === 'user')) parts(pc, c);
  }
}

export function extractGemini(body: JsonObject, ep: EndpointInfo): RequestInfo {
  const pc = new PromptCollector();
  parts(pc, body.systemInstruction ?? body.system_instruction);
  const generate = obj(body.generateContentRequest ?? body.generate_content_request) ?? body;
  const list = arr(generate.contents);
  contents(pc, list);
  parts(pc, body.content); // embedContent
  for (const r of arr(body.requests) ?? []) parts(pc, obj(r)?.content); // batchEmbedContents
  for (const i of arr(body.instances) ?? []) pc.text(obj(i)?.prompt); // Imagen predict
  return {
    model: ep.pathModel ?? str(body.model),
    stream: ep.pathStream,
    messages: list ? list.length : null,
    prompt: pc.prompt,
    attachments: pc.attachments,
  };
}

export class GeminiTally extends UsageTally {
  readonly keys: ReadonlySet<string> = new Set(['promptTokenCount', 'candidatesTokenCount', 'thoughtsTokenCount', 'finishReason']);

  wants(data: string): boolean {
    return data.includes('usageMetadata');
  }

  record(rec: JsonObject, _event: string | null, whole: boolean): void {
    const u = obj(rec.usageMetadata);
    if (!u) return;
    // Streams repeat running usage; the frame that carries a finishReason has the totals.
    const final = whole || (arr(rec.candidates) ?? []).some((c) => isObject(c) && c.finishReason != null);
    this.set(count(u.promptTokenCount), sumCounts(u.candidatesTokenCount, u.thoughtsTokenCount), final);
  }
}
