/**
 * Builds the policy input document (SPEC §5) from an exchange or an observed connection.
 * Pure: the clock, the device directory's answer and the usage counters are parameters.
 */
import { localParts } from '../audit/time.js';
import type { Exchange, ObservedConnection } from '../hooks.js';
import type { PiiDetection } from './pii.js';
import type { ClientUsage } from './usage.js';

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

export interface TimeInput {
  unix_ms: number;
  /** Local wall time with its offset, e.g. 2026-11-25T21:05:00+01:00. */
  iso: string;
  date: string;
  hour: number;
  minute: number;
  weekday: (typeof WEEKDAYS)[number];
  tz: string;
}

export interface ClientInput {
  ip: string;
  mac: string | null;
  name: string | null;
  person: string | null;
}

export interface RequestInput {
  host: string;
  provider: string;
  kind: string;
  mode: string;
  method?: string;
  path?: string;
  model?: string | null;
  stream?: boolean;
  prompt?: string | null;
  messages?: number | null;
  attachments?: number;
  bytes?: number;
  body_truncated?: boolean;
}

export interface PolicyInput {
  time: TimeInput;
  client: ClientInput;
  request: RequestInput;
  usage: { client: ClientUsage };
  detections: { pii: PiiDetection[] };
}

const pad = (n: number) => String(n).padStart(2, '0');

export function timeInput(now: number, tz: string): TimeInput {
  const p = localParts(now, tz);
  const localAsUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  const offsetMin = Math.round((localAsUtc - (now - (now % 60_000))) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const date = `${p.year}-${pad(p.month)}-${pad(p.day)}`;
  const seconds = Math.floor((now % 60_000) / 1000);
  return {
    unix_ms: now,
    iso: `${date}T${pad(p.hour)}:${pad(p.minute)}:${pad(seconds)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`,
    date,
    hour: p.hour,
    minute: p.minute,
    weekday: WEEKDAYS[new Date(localAsUtc).getUTCDay()]!,
    tz,
  };
}

/** Input for an intercepted request: everything the extractors found, plus detections. */
export function exchangeInput(
  ex: Exchange,
  client: ClientInput,
  usage: ClientUsage,
  pii: PiiDetection[],
  now: number,
  tz: string,
): PolicyInput {
  const info = ex.info;
  return {
    time: timeInput(now, tz),
    client,
    request: {
      host: ex.route.host,
      provider: ex.route.provider,
      kind: ex.route.kind,
      mode: ex.route.mode,
      method: ex.method,
      path: ex.path,
      model: info?.model ?? null,
      stream: info?.stream ?? false,
      prompt: info?.prompt ?? null,
      messages: info?.messages ?? null,
      attachments: info?.attachments ?? 0,
      bytes: ex.requestBytes,
      body_truncated: ex.bodyTruncated,
    },
    usage: { client: usage },
    detections: { pii },
  };
}

/** Input for an observe-mode connection: no content, so `request` names only the service. */
export function connectionInput(conn: ObservedConnection, client: ClientInput, usage: ClientUsage, now: number, tz: string): PolicyInput {
  return {
    time: timeInput(now, tz),
    client,
    request: { host: conn.route.host, provider: conn.route.provider, kind: conn.route.kind, mode: conn.route.mode },
    usage: { client: usage },
    detections: { pii: [] },
  };
}
