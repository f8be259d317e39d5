/**
 * A minimal multipart/form-data reader for the request extractors (OpenAI image edits, audio
 * transcriptions): text fields by name, file parts counted and never decoded. Works on
 * truncated bodies (the parts that arrived are read) and bounds its work.
 */
import type { JsonObject } from './collect.js';

export interface MultipartForm {
  /** Text fields (first value per name), each cut at MAX_FIELD_BYTES. */
  fields: JsonObject;
  /** Parts with a filename: images, masks, audio. */
  files: number;
}

const MAX_PARTS = 256;
const MAX_FIELD_BYTES = 256 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

export function boundaryOf(contentType: string): string | null {
  const m = /;\s*boundary=(?:"([^"]{1,200})"|([^;\s]{1,200}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!) : null;
}

export function readMultipart(body: Buffer, contentType: string): MultipartForm | null {
  const boundary = boundaryOf(contentType);
  if (!boundary) return null;
  const first = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(first);
  if (pos < 0) return null;
  pos += first.length;
  const form: MultipartForm = { fields: Object.create(null) as JsonObject, files: 0 };
  for (let n = 0; n < MAX_PARTS; n++) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing delimiter "--"
    const headerEnd = body.indexOf(CRLF2, pos);
    if (headerEnd < 0) break;
    const headers = body.toString('latin1', pos, headerEnd);
    const start = headerEnd + CRLF2.length;
    const end = body.indexOf(next, start);
    const disposition = /^content-disposition:(.*)$/im.exec(headers)?.[1] ?? '';
    const name = /(?<![\w*])name="([^"]*)"/i.exec(disposition)?.[1];
    if (/(?<![\w])filename\*?=/i.test(disposition)) form.files++;
    else if (name !== undefined && !(name in form.fields)) {
      const stop = Math.min(end < 0 ? body.length : end, start + MAX_FIELD_BYTES);
      form.fields[name] = body.toString('utf8', start, stop);
    }
    if (end < 0) break;
    pos = end + next.length;
  }
  return form;
}
