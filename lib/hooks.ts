/**
 * The named events of YORI's data path, and the flow objects they carry (mitmproxy's addon
 * model): the data path (lib/net, lib/http) creates one `Exchange` per intercepted HTTP
 * request and one `ObservedConnection` per observe-mode connection, and calls the hooks at
 * fixed points. Providers, policy and audit are wired in by the composition root
 * (lib/gateway.ts) as addons; each addon may fill the fields it owns.
 *
 * Contract (every hook):
 * - `request` runs once per exchange, after the whole request body (up to
 *   limits.max_body_bytes) was read and before any byte of it goes upstream. A hook that
 *   cannot block (advisory policy) returns a `DeferredDecision`: the request goes upstream
 *   at once and `settle` runs when the exchange ends, just before `exchangeDone`.
 * - `response` runs once when the response head is known; the observer it returns sees every
 *   body chunk after the chunk was written to the client (it can never delay a chunk).
 * - `exchangeDone` runs exactly once per exchange, whether it ended in a response, a block,
 *   an upstream error or a client abort (`error` set). Nothing runs after it.
 * - Hooks never throw into the data path: a throwing addon is logged and treated as
 *   `allow` / no-op (see `safeCall` in lib/gateway.ts).
 */

export type ProviderKind = 'api' | 'app';
export type RouteMode = 'intercept' | 'observe';
export type PolicyAction = 'allow' | 'alert' | 'block';

/** What the provider registry says about a host. */
export interface Route {
  host: string;
  provider: string;
  kind: ProviderKind;
  mode: RouteMode;
}

export interface Client {
  ip: string;
  port: number;
}

export interface Decision {
  action: PolicyAction;
  reasons: string[];
}

export const ALLOW: Decision = Object.freeze({ action: 'allow', reasons: [] }) as Decision;

/**
 * A decision that can never block, worked out after the fact: the data path forwards the
 * request without waiting and calls `settle` once the response is through, so the policy's
 * work never sits between the client and the AI service.
 */
export interface DeferredDecision {
  settle(): Decision;
}

export function isDeferred(d: Decision | DeferredDecision): d is DeferredDecision {
  return typeof (d as DeferredDecision).settle === 'function';
}

/** What a provider extractor found in a request body (SPEC §7); NULL-able like the DB. */
export interface RequestInfo {
  model: string | null;
  stream: boolean;
  messages: number | null;
  /** All user and system text of the request, concatenated. */
  prompt: string | null;
  /** Images, audio and files attached to the request: counted, never stored. */
  attachments: number;
}

export interface Usage {
  prompt_tokens: number | null;
  completion_tokens: number | null;
}

/** Sees a response body chunk by chunk after each chunk went to the client. */
export interface ResponseObserver {
  chunk(data: Buffer): void;
  /** `complete` is false when the stream was cut short. */
  end(complete: boolean): Usage;
}

/** One intercepted HTTP request/response pair: the "flow". */
export interface Exchange {
  readonly id: number;
  readonly client: Client;
  readonly route: Route;
  readonly startedAt: number;
  method: string;
  /** Request target as sent upstream (API keys in the query are redacted for hooks only). */
  path: string;
  /** Raw header pairs as received (names in original case). */
  requestHeaders: [string, string][];
  requestBody: Buffer;
  bodyTruncated: boolean;
  requestBytes: number;

  // Filled by addons:
  info: RequestInfo | null;
  decision: Decision;

  // Filled by the data path as the response passes:
  status: number;
  responseHeaders: [string, string][];
  responseBytes: number;
  ttfbMs: number | null;
  durationMs: number | null;
  streamed: boolean;
  usage: Usage | null;
  /** Set when the exchange ended without a complete response (upstream failure, client abort). */
  error: string | null;
  /** 'websocket' for an upgraded exchange audited as one event. */
  upgrade: string | null;
}

/** One observe-mode connection (a consumer AI app, spliced untouched). */
export interface ObservedConnection {
  readonly client: Client;
  readonly route: Route;
  readonly startedAt: number;
  decision: Decision;
  bytesUp: number;
  bytesDown: number;
  durationMs: number | null;
  error: string | null;
}

export interface GatewayHooks {
  /** Observe-mode app connection about to be spliced; `block` closes it. */
  connection(conn: ObservedConnection): Decision | Promise<Decision>;
  /** Request fully read; decide before anything goes upstream (`block` answers 403), or defer. */
  request(ex: Exchange): Decision | DeferredDecision | Promise<Decision>;
  /** Response head known; may return an observer for the body (usage extraction). */
  response(ex: Exchange): ResponseObserver | null;
  exchangeDone(ex: Exchange): void;
  connectionDone(conn: ObservedConnection): void;
}

/** Default hooks: allow everything, record nothing (the core works without any addon). */
export const noopHooks: GatewayHooks = {
  connection: () => ALLOW,
  request: () => ALLOW,
  response: () => null,
  exchangeDone: () => {},
  connectionDone: () => {},
};
