/**
 * Small typed accessors for untrusted JSON and the accumulator the request extractors fill:
 * prompt text pieces and attachment counts. Extractors read bodies defensively through these
 * so a wrong type anywhere yields "absent", never an exception.
 */

export type JsonObject = { [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown): JsonObject | null {
  return isObject(v) ? v : null;
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A finite, non-negative number (token counts), else null. */
export function count(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

export function arr(v: unknown): unknown[] | null {
  return Array.isArray(v) ? v : null;
}

/** Sum of the counts present; null when none is. */
export function sumCounts(...values: unknown[]): number | null {
  let total: number | null = null;
  for (const v of values) {
    const n = count(v);
    if (n !== null) total = (total ?? 0) + n;
  }
  return total;
}

/** Content-part types that carry media or files: counted, never stored. */
const ATTACHMENT_TYPES = new Set([
  'image', 'image_url', 'input_image', 'image_file',
  'audio', 'input_audio', 'audio_url',
  'file', 'input_file', 'document', 'document_url',
  'video', 'video_url',
]);

export function isAttachmentType(type: unknown): boolean {
  return typeof type === 'string' && ATTACHMENT_TYPES.has(type);
}

/** Collects the prompt text (user and system) and counts attachments of one request. */
export class PromptCollector {
  readonly #texts: string[] = [];
  attachments = 0;

  text(v: unknown): void {
    if (typeof v === 'string' && v !== '') this.#texts.push(v);
  }

  /** A string, or an array of strings (legacy completions, embeddings inputs). */
  textOrTexts(v: unknown): void {
    if (Array.isArray(v)) for (const x of v) this.text(x);
    else this.text(v);
  }

  /**
   * One OpenAI-style content value: a string, or an array of parts (`{type: 'text', text}`,
   * `{type: 'input_text', text}`, media parts counted as attachments).
   */
  content(v: unknown): void {
    if (typeof v === 'string') {
      this.text(v);
      return;
    }
    if (!Array.isArray(v)) return;
    for (const part of v) {
      if (typeof part === 'string') this.text(part);
      else if (isObject(part)) {
        if (part.type === 'text' || part.type === 'input_text') this.text(part.text);
        else if (isAttachmentType(part.type)) this.attachments++;
      }
    }
  }

  get prompt(): string | null {
    return this.#texts.length === 0 ? null : this.#texts.join('\n');
  }
}
