/**
 * Delivery channels: SMTP e-mail (nodemailer), a JSON webhook and ntfy's HTTP publish API.
 * Each `send` resolves when the far end accepted the alert and rejects with a short reason
 * otherwise; retries, rate limits and dedupe live in the dispatcher, not here.
 */
import type { Transporter } from 'nodemailer';
import type { EmailChannel, NtfyChannel, WebhookChannel, AlertsConfig } from '../config/schema.js';
import { alertSubject, alertText, type Alert } from './alert.js';

export type ChannelName = 'email' | 'webhook' | 'ntfy';

export interface AlertChannel {
  readonly name: ChannelName;
  send(alert: Alert): Promise<void>;
  close?(): void;
}

const HTTP_TIMEOUT_MS = 10_000;

export function emailChannel(cfg: EmailChannel, timeZone: string): AlertChannel {
  // nodemailer is loaded on the first alert mail, not at start: most homes never send one
  // in a process's lifetime, and it is the biggest module YORI would otherwise keep resident.
  let transport: Promise<Transporter> | null = null;
  const connect = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    return nodemailer.createTransport({
      host: cfg.host,
      port: cfg.port,
      secure: cfg.secure,
      requireTLS: !cfg.secure && cfg.starttls,
      ignoreTLS: !cfg.secure && !cfg.starttls,
      auth: cfg.user ? { user: cfg.user, pass: cfg.password ?? '' } : undefined,
      connectionTimeout: HTTP_TIMEOUT_MS,
      greetingTimeout: HTTP_TIMEOUT_MS,
      socketTimeout: HTTP_TIMEOUT_MS,
    });
  };
  return {
    name: 'email',
    async send(alert) {
      transport ??= connect();
      const t = await transport.catch((e: unknown) => {
        transport = null; // the next alert tries again
        throw e;
      });
      await t.sendMail({
        from: cfg.from,
        to: cfg.to.join(', '),
        subject: alertSubject(alert),
        text: alertText(alert, timeZone),
      });
    },
    close: () => void transport?.then((t) => t.close(), () => {}),
  };
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  // Drain the body so the connection can be reused or closed.
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${new URL(url).host}`);
}

/** The webhook gets the alert as JSON: `{"type": "yori.alert", "alert": {...}}`. */
export function webhookChannel(cfg: WebhookChannel): AlertChannel {
  return {
    name: 'webhook',
    send: (alert) =>
      post(cfg.url, JSON.stringify({ type: 'yori.alert', alert }), { 'content-type': 'application/json', ...cfg.headers }),
  };
}

/** ntfy publish: POST the message to <url>/<topic> with title/priority/tags headers. */
export function ntfyChannel(cfg: NtfyChannel, timeZone: string): AlertChannel {
  const target = `${cfg.url.replace(/\/+$/, '')}/${encodeURIComponent(cfg.topic)}`;
  return {
    name: 'ntfy',
    send(alert) {
      const headers: Record<string, string> = {
        // Header values must be ISO-8859-1; ntfy decodes RFC 2047 encoded words.
        title: `=?UTF-8?B?${Buffer.from(alertSubject(alert)).toString('base64')}?=`,
        priority: String(alert.severity === 'critical' ? 5 : alert.severity === 'info' ? Math.min(cfg.priority, 3) : cfg.priority),
        tags: alert.kind === 'policy' ? 'warning' : alert.kind === 'new_device' ? 'new' : 'information_source',
        'content-type': 'text/plain; charset=utf-8',
      };
      if (cfg.token) headers.authorization = `Bearer ${cfg.token}`;
      return post(target, alertText(alert, timeZone), headers);
    },
  };
}

/** Every channel configured under `alerts` (web is not a delivery channel: it is the store). */
export function channelsFromConfig(cfg: AlertsConfig, timeZone: string): AlertChannel[] {
  const out: AlertChannel[] = [];
  if (cfg.email) out.push(emailChannel(cfg.email, timeZone));
  if (cfg.webhook) out.push(webhookChannel(cfg.webhook));
  if (cfg.ntfy) out.push(ntfyChannel(cfg.ntfy, timeZone));
  return out;
}
