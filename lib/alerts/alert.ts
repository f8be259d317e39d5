/**
 * What an alert is and how it reads to a parent. Pure: channels format with these helpers so
 * an e-mail, a push notification and a webhook say the same thing.
 */

export type AlertKind = 'policy' | 'new_device' | 'policy_error' | 'system' | 'test';
export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface Alert {
  /** Row id once stored (web channel); null before. */
  id: number | null;
  ts: number;
  kind: AlertKind;
  severity: AlertSeverity;
  title: string;
  message: string;
  reasons: string[];
  client_ip: string | null;
  client_name: string | null;
  person: string | null;
  host: string | null;
  provider: string | null;
  /** The audit event that raised it, when there is one. */
  event_id: number | null;
}

export type AlertInput = Partial<Alert> & Pick<Alert, 'kind' | 'title'>;

export function makeAlert(input: AlertInput, now = Date.now()): Alert {
  return {
    id: null,
    ts: input.ts ?? now,
    kind: input.kind,
    severity: input.severity ?? (input.kind === 'policy_error' ? 'critical' : 'warning'),
    title: input.title,
    message: input.message ?? '',
    reasons: input.reasons ?? [],
    client_ip: input.client_ip ?? null,
    client_name: input.client_name ?? null,
    person: input.person ?? null,
    host: input.host ?? null,
    provider: input.provider ?? null,
    event_id: input.event_id ?? null,
  };
}

/** "alice's kids-ipad (192.168.1.23)", or the best part of it that is known. */
export function deviceLabel(a: Pick<Alert, 'client_ip' | 'client_name' | 'person'>): string {
  const name = a.client_name ?? a.client_ip ?? 'unknown device';
  const who = a.person ? `${a.person}'s ${name}` : name;
  return a.client_name && a.client_ip ? `${who} (${a.client_ip})` : who;
}

/** Subject line: short enough for a phone's lock screen. */
export function alertSubject(a: Alert): string {
  const device = a.client_name ?? a.client_ip;
  return `YORI: ${a.title}${device ? ` — ${device}` : ''}`;
}

/** Plain-text body shared by e-mail and push channels. */
export function alertText(a: Alert, timeZone: string): string {
  const when = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(a.ts));
  const lines = [a.title, ''];
  if (a.message) lines.push(a.message, '');
  lines.push(`When: ${when} (${timeZone})`);
  if (a.client_ip || a.client_name) lines.push(`Device: ${deviceLabel(a)}`);
  if (a.host) lines.push(`Service: ${a.provider ? `${a.provider} (${a.host})` : a.host}`);
  if (a.reasons.length) {
    lines.push('', 'Why:');
    for (const r of a.reasons) lines.push(`- ${r}`);
  }
  return lines.join('\n');
}

/**
 * Dedupe key: same device and same reason within the window raise one alert. The severity is
 * part of it, so a block (critical) still gets through after an alert for the same reason.
 * Numbers in a reason do not make it new: "121 requests in the last hour" and "122 requests…"
 * are one ongoing condition, not an alert per request.
 */
export function dedupeKey(a: Alert): string {
  const reason = a.reasons.length ? a.reasons.join('|') : a.title;
  return `${a.kind}|${a.severity}|${a.client_ip ?? ''}|${reason.replace(/\d+(?:\.\d+)?/g, '#')}`;
}
