/**
 * Alerts as the dashboard serves them (`/api/alerts` and the live feed): the stored alert with
 * today's device name and person, and delivery errors scrubbed of anything shaped like a
 * credential (an e-mail server or webhook may echo one back).
 */
import type { Alert, AlertKind } from '../alerts/alert.js';
import type { AlertStore, StoredDelivery } from '../alerts/store.js';
import { redactSecrets } from '../providers/secrets.js';
import { Query } from './params.js';
import type { Labeler } from './usage.js';

export interface AlertView extends Alert {
  device_name: string | null;
  device_person: string | null;
  deliveries?: StoredDelivery[];
}

export function alertView(alert: Alert & { deliveries?: StoredDelivery[] }, label: Labeler): AlertView {
  const l = alert.client_ip ? label(alert.client_ip, { name: alert.client_name, person: alert.person }) : { name: alert.client_name, person: alert.person };
  const view: AlertView = { ...alert, device_name: l.name, device_person: l.person };
  if (alert.deliveries) view.deliveries = alert.deliveries.map((d) => ({ ...d, error: d.error === null ? null : redactSecrets(d.error) }));
  return view;
}

const KINDS: readonly AlertKind[] = ['policy', 'new_device', 'policy_error', 'system', 'test'];

/** `/api/alerts?limit&before&since&kind&device`: newest first; `next` is the `before` of the next page. */
export function alertsResponse(store: Pick<AlertStore, 'list'>, url: URL, label: Labeler): { alerts: AlertView[]; next: number | null } {
  const q = new Query(url, ['limit', 'before', 'since', 'kind', 'device']);
  const limit = q.int('limit', 1, 500) ?? 50;
  const list = store.list({
    limit,
    before: q.int('before', 1, Number.MAX_SAFE_INTEGER),
    since: q.time('since'),
    kind: q.oneOf('kind', KINDS),
    client_ip: q.string('device', 100),
  });
  return { alerts: list.map((a) => alertView(a, label)), next: list.length === limit ? list[list.length - 1]!.id : null };
}
