/**
 * The audit events as the dashboard serves them: `/api/events` (filters, keyset pagination,
 * newest first) and `/api/events.csv` (the same filters, every match, streamed oldest first),
 * and `eventView`, the one shape an event has in the API and the live feed.
 *
 * Filters: device (IP, MAC or recorded name), person, provider, action, model, mode, since and
 * until (unix ms or ISO 8601), q (text in the prompt preview); `limit` and `before` (the `next`
 * cursor of the previous page) page through the results.
 */
import type { ServerResponse } from 'node:http';
import { writeCsv } from '../audit/export.js';
import { decodeCursor, eventsPage, exportEvents, MAX_PAGE, type EventFilters } from '../audit/queries.js';
import type { AuditRow } from '../audit/row.js';
import type { Db } from '../audit/store.js';
import type { Logger } from '../log.js';
import { badRequest, Query } from './params.js';
import type { Labeler } from './usage.js';

export interface EventView extends Omit<AuditRow, 'policy_reasons'> {
  policy_reasons: string[];
  /** True when prompt_preview was cut to PREVIEW_MAX characters (the CSV export has it whole). */
  prompt_cut: boolean;
  /** Today's name and person for the device (the recorded ones are client_name and person). */
  device_name: string | null;
  device_person: string | null;
}

function reasons(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.map(String) : [String(v)];
  } catch {
    return [json];
  }
}

/**
 * Prompts longer than this are cut in the API and the live feed: with `audit.prompts: full` one
 * pasted document could otherwise make a page of events (or one live message) megabytes long.
 */
export const PREVIEW_MAX = 2000;

export function eventView(row: AuditRow, label: Labeler): EventView {
  const l = label(row.client_ip, { name: row.client_name, person: row.person });
  const preview = row.prompt_preview;
  const cut = preview !== null && preview.length > PREVIEW_MAX;
  // Never end on the first half of a surrogate pair.
  const end = cut && /[\ud800-\udbff]/.test(preview[PREVIEW_MAX - 1]!) ? PREVIEW_MAX - 1 : PREVIEW_MAX;
  return {
    ...row,
    prompt_preview: cut ? preview.slice(0, end) + '…' : preview,
    prompt_cut: cut,
    policy_reasons: reasons(row.policy_reasons),
    device_name: l.name,
    device_person: l.person,
  };
}

const FILTER_PARAMS = ['device', 'person', 'provider', 'action', 'model', 'mode', 'since', 'until', 'q'] as const;
const EVENTS_PARAMS = [...FILTER_PARAMS, 'limit', 'before'] as const;

export function eventFilters(q: Query): EventFilters {
  const f: EventFilters = {
    device: q.string('device', 100),
    person: q.string('person', 100),
    provider: q.string('provider', 100),
    action: q.oneOf('action', ['allow', 'alert', 'block'] as const),
    model: q.string('model', 200),
    mode: q.oneOf('mode', ['intercept', 'observe'] as const),
    since: q.time('since'),
    until: q.time('until'),
    text: q.string('q', 200),
  };
  if (f.since !== undefined && f.until !== undefined && f.since >= f.until) throw badRequest('since must be before until');
  return f;
}

export interface EventsPageView {
  events: EventView[];
  next: string | null;
}

export function eventsResponse(db: Db, url: URL, label: Labeler): EventsPageView {
  const q = new Query(url, EVENTS_PARAMS);
  const filters = eventFilters(q);
  const limit = q.int('limit', 1, MAX_PAGE) ?? 50;
  const before = q.string('before', 40);
  if (before !== undefined) {
    try {
      decodeCursor(before);
    } catch (e) {
      throw badRequest(`before: ${(e as Error).message}`);
    }
  }
  const page = eventsPage(db, filters, { limit, before });
  return { events: page.events.map((r) => eventView(r, label)), next: page.next };
}

/** Streams every matching event as CSV; a BOM first, so spreadsheet apps read names as UTF-8. */
export async function sendEventsCsv(db: Db, url: URL, res: ServerResponse, now: number, logger: Logger): Promise<void> {
  const filters = eventFilters(new Query(url, FILTER_PARAMS));
  const day = new Date(now).toISOString().slice(0, 10);
  res.writeHead(200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="yori-events-${day}.csv"`,
    'cache-control': 'no-store',
  });
  res.write('\ufeff');
  try {
    await writeCsv(exportEvents(db, filters), res);
    res.end();
  } catch (e) {
    // The download was cut (client gone) or the DB failed mid-way: end the response short.
    logger.warn({ err: (e as Error).message }, 'admin: CSV export stopped');
    res.destroy();
  }
}
