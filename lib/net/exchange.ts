/**
 * The flow object of one intercepted request/response pair (the `Exchange` of lib/hooks.ts).
 * Every field is set in the constructor, so all exchanges share one hidden class and the
 * addons reading them stay monomorphic (fastify's same-shape rule).
 */
import { ALLOW, type Client, type Decision, type Exchange, type RequestInfo, type Route, type Usage } from '../hooks.js';
import type { HeaderPairs } from '../http/headers.js';

const EMPTY = Buffer.alloc(0);

export class ExchangeRecord implements Exchange {
  requestBody: Buffer = EMPTY;
  bodyTruncated = false;
  requestBytes = 0;
  info: RequestInfo | null = null;
  decision: Decision = ALLOW;
  status = 0;
  responseHeaders: HeaderPairs = [];
  responseBytes = 0;
  ttfbMs: number | null = null;
  durationMs: number | null = null;
  streamed = false;
  usage: Usage | null = null;
  error: string | null = null;
  upgrade: string | null = null;

  constructor(
    readonly id: number,
    readonly client: Client,
    readonly route: Route,
    readonly startedAt: number,
    public method: string,
    public path: string,
    public requestHeaders: HeaderPairs,
  ) {}
}
