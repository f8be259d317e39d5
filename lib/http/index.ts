/** Public surface of lib/http: strict HTTP/1.1 framing, serialization, SSE. */
export {
  DEFAULT_MAX_HEADER_BYTES,
  HttpErrorCode,
  HttpFramingError,
  MessageParser,
  type BodyFraming,
  type FramingStatus,
  type MessageHandlers,
  type MessageHead,
  type MessageKind,
  type MessageParserOptions,
} from './parser.js';
export { encodeChunk, jsonErrorResponse, LAST_CHUNK, removeHopByHop, serializeRequestHead, serializeResponseHead } from './serialize.js';
export { equalsIgnoreCase, getHeader, hasToken, listTokens, type HeaderPairs } from './headers.js';
export { DEFAULT_MAX_SSE_EVENT_BYTES, SseParser, type SseEvent, type SseParserOptions } from './sse.js';
