/**
 * The audit row (one `audit_events` record, SPEC §4) and the pure projections of the data
 * path's flow objects onto it. Rows are built from the fields the data path and the addons
 * filled in; request and response headers are never read here, so Authorization, x-api-key and
 * cookies cannot reach the database. Prompt text and error text go through the providers'
 * secret scrubber first.
 */
import type { Exchange, ObservedConnection, PolicyAction, ProviderKind, RouteMode } from '../hooks.js';
import type { PromptStorage } from '../config/schema.js';
import type { DeviceInfo } from '../devices/types.js';
import { redactPath, redactSecrets } from '../providers/secrets.js';

export interface AuditRow {
  /** Set once the row is written. */
  id: number | null;
  ts: number;
  client_ip: string;
  client_name: string | null;
  person: string | null;
  mode: RouteMode;
  host: string;
  provider: string;
  method: string | null;
  path: string | null;
  model: string | null;
  stream: 0 | 1;
  status: number | null;
  request_bytes: number;
  response_bytes: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  duration_ms: number | null;
  ttfb_ms: number | null;
  policy_action: PolicyAction;
  /** JSON array of strings. */
  policy_reasons: string;
  prompt_preview: string | null;
  // Beyond SPEC §4:
  client_mac: string | null;
  kind: ProviderKind;
  /** Messages in the request (intercept), from the provider extractor. */
  messages: number | null;
  /** Images, audio and files attached to the request: counted, never stored. */
  attachments: number | null;
  body_truncated: 0 | 1;
  /** `websocket` for an upgraded exchange. */
  upgrade: string | null;
  /** Why the exchange or connection ended without a complete response. */
  error: string | null;
}

/** Every column of `audit_events` but `id`, in insert order. */
export const AUDIT_COLUMNS = [
  'ts', 'client_ip', 'client_name', 'person', 'mode', 'host', 'provider', 'method', 'path', 'model', 'stream',
  'status', 'request_bytes', 'response_bytes', 'prompt_tokens', 'completion_tokens', 'duration_ms', 'ttfb_ms',
  'policy_action', 'policy_reasons', 'prompt_preview', 'client_mac', 'kind', 'messages', 'attachments',
  'body_truncated', 'upgrade', 'error',
] as const satisfies readonly Exclude<keyof AuditRow, 'id'>[];

/**
 * Room past the cut for a secret that straddles it: the scrubber sees the whole key before the
 * preview is cut, so no recognisable prefix of a key survives truncation.
 */
const SCRUB_MARGIN = 256;

/** The stored form of a prompt under `audit.prompts`; secrets scrubbed, NULL for `none`. */
export function promptPreview(prompt: string | null, storage: PromptStorage, chars: number): string | null {
  if (prompt === null || storage === 'none') return null;
  if (storage === 'full' || prompt.length <= chars) return redactSecrets(prompt);
  const scrubbed = redactSecrets(prompt.slice(0, chars + SCRUB_MARGIN));
  if (scrubbed.length <= chars) return scrubbed;
  // Never end on half a surrogate pair.
  const end = isHighSurrogate(scrubbed.charCodeAt(chars - 1)) ? chars - 1 : chars;
  return scrubbed.slice(0, end) + '…';
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function nonNegative(n: number | null | undefined): number | null {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
}

function scrubError(error: string | null): string | null {
  return error === null ? null : redactSecrets(error);
}

/** One intercepted exchange, as stored. */
export function rowFromExchange(ex: Exchange, dev: DeviceInfo, prompts: PromptStorage, promptChars: number): AuditRow {
  const info = ex.info;
  return {
    id: null,
    ts: ex.startedAt,
    client_ip: dev.ip,
    client_name: dev.name,
    person: dev.person,
    mode: ex.route.mode,
    host: ex.route.host,
    provider: ex.route.provider,
    method: ex.method,
    path: redactPath(ex.path),
    model: info?.model ?? null,
    stream: ex.streamed ? 1 : 0,
    status: ex.status > 0 ? ex.status : null,
    request_bytes: nonNegative(ex.requestBytes) ?? 0,
    response_bytes: nonNegative(ex.responseBytes) ?? 0,
    prompt_tokens: nonNegative(ex.usage?.prompt_tokens),
    completion_tokens: nonNegative(ex.usage?.completion_tokens),
    duration_ms: nonNegative(ex.durationMs),
    ttfb_ms: nonNegative(ex.ttfbMs),
    policy_action: ex.decision.action,
    policy_reasons: JSON.stringify(ex.decision.reasons),
    prompt_preview: promptPreview(info?.prompt ?? null, prompts, promptChars),
    client_mac: dev.mac,
    kind: ex.route.kind,
    messages: nonNegative(info?.messages),
    attachments: info ? nonNegative(info.attachments) : null,
    body_truncated: ex.bodyTruncated ? 1 : 0,
    upgrade: ex.upgrade,
    error: scrubError(ex.error),
  };
}

/**
 * One observe-mode connection, as stored: no method, path, model, tokens or prompt; bytes up
 * are `request_bytes`, bytes down `response_bytes`.
 */
export function rowFromConnection(conn: ObservedConnection, dev: DeviceInfo): AuditRow {
  return {
    id: null,
    ts: conn.startedAt,
    client_ip: dev.ip,
    client_name: dev.name,
    person: dev.person,
    mode: 'observe',
    host: conn.route.host,
    provider: conn.route.provider,
    method: null,
    path: null,
    model: null,
    stream: 0,
    status: null,
    request_bytes: nonNegative(conn.bytesUp) ?? 0,
    response_bytes: nonNegative(conn.bytesDown) ?? 0,
    prompt_tokens: null,
    completion_tokens: null,
    duration_ms: nonNegative(conn.durationMs),
    ttfb_ms: null,
    policy_action: conn.decision.action,
    policy_reasons: JSON.stringify(conn.decision.reasons),
    prompt_preview: null,
    client_mac: dev.mac,
    kind: conn.route.kind,
    messages: null,
    attachments: null,
    body_truncated: 0,
    upgrade: null,
    error: scrubError(conn.error),
  };
}
