/**
 * Raises alerts and gets them to the parents without ever delaying a proxied request:
 * `raise` is synchronous and O(1) (dedupe check, store, emit); deliveries run in the
 * background with a per-channel rate limit and retries with exponential backoff, and every
 * outcome is recorded.
 */
import { EventEmitter } from 'node:events';
import type { Logger } from '../log.js';
import { dedupeKey, makeAlert, type Alert, type AlertInput } from './alert.js';
import type { AlertChannel, ChannelName } from './channels.js';

export type DeliveryOutcome = 'sent' | 'failed' | 'rate_limited';

export interface Delivery {
  alert: Alert;
  channel: ChannelName;
  outcome: DeliveryOutcome;
  attempts: number;
  error: string | null;
}

/** Persistence for the `web` channel and delivery outcomes (lib/alerts/store.ts). */
export interface AlertSink {
  insert(alert: Alert): number;
  recordDelivery(d: Delivery): void;
}

export interface DispatcherOptions {
  channels: AlertChannel[];
  sink: AlertSink | null;
  logger: Logger;
  dedupeMs: number;
  ratePerMinute: number;
  /** Attempts per delivery (first try included) and the first retry delay; doubles each time ×4. */
  attempts?: number;
  retryBaseMs?: number;
  now?: () => number;
}

export interface DispatcherEvents {
  alert: [Alert];
  delivery: [Delivery];
}

export class AlertDispatcher extends EventEmitter<DispatcherEvents> {
  private readonly lastRaised = new Map<string, number>();
  private readonly sent = new Map<ChannelName, number[]>();
  private readonly pending = new Set<Promise<void>>();
  /** Pending retry waits: cancelling one clears its timer and resolves it with false. */
  private readonly waits = new Set<() => void>();
  private readonly attempts: number;
  private readonly retryBaseMs: number;
  private readonly now: () => number;
  private closed = false;
  private counts = { raised: 0, deduped: 0, sent: 0, failed: 0, rate_limited: 0 };

  constructor(private readonly opts: DispatcherOptions) {
    super();
    this.attempts = opts.attempts ?? 4;
    this.retryBaseMs = opts.retryBaseMs ?? 2_000;
    this.now = opts.now ?? Date.now;
  }

  /** Records and delivers an alert; returns it, or null when deduped. Never throws. */
  raise(input: AlertInput): Alert | null {
    if (this.closed) return null;
    const now = this.now();
    const alert = makeAlert(input, now);
    const key = dedupeKey(alert);
    const last = this.lastRaised.get(key);
    if (last !== undefined && now - last < this.opts.dedupeMs) {
      this.counts.deduped++;
      return null;
    }
    this.lastRaised.set(key, now);
    if (this.lastRaised.size > 10_000) this.pruneDedupe(now);
    this.counts.raised++;
    try {
      if (this.opts.sink) alert.id = this.opts.sink.insert(alert);
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message }, 'alert: could not store alert');
    }
    this.emit('alert', alert);
    for (const ch of this.opts.channels) this.track(this.deliver(ch, alert));
    return alert;
  }

  /** Resolves when every delivery started so far has finished (tests, shutdown). */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Stops raising, cancels pending retries and waits up to `graceMs` for in-flight sends. */
  async close(graceMs = 5_000): Promise<void> {
    this.closed = true;
    for (const cancel of this.waits) cancel();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise((r) => (timer = setTimeout(r, graceMs).unref()))]);
    clearTimeout(timer);
    for (const ch of this.opts.channels) ch.close?.();
  }

  stats() {
    return { ...this.counts, pending: this.pending.size };
  }

  private track(p: Promise<void>) {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  private allowRate(channel: ChannelName, now: number): boolean {
    const window = (this.sent.get(channel) ?? []).filter((ts) => now - ts < 60_000);
    if (window.length >= this.opts.ratePerMinute) {
      this.sent.set(channel, window);
      return false;
    }
    window.push(now);
    this.sent.set(channel, window);
    return true;
  }

  private async deliver(ch: AlertChannel, alert: Alert): Promise<void> {
    if (!this.allowRate(ch.name, this.now())) return this.record({ alert, channel: ch.name, outcome: 'rate_limited', attempts: 0, error: null });
    let error = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        await ch.send(alert);
        return this.record({ alert, channel: ch.name, outcome: 'sent', attempts: attempt, error: null });
      } catch (e) {
        error = (e as Error).message || String(e);
        if (attempt < this.attempts && !(await this.sleep(this.retryBaseMs * 4 ** (attempt - 1)))) break;
      }
    }
    this.opts.logger.warn({ channel: ch.name, error }, 'alert: delivery failed');
    this.record({ alert, channel: ch.name, outcome: 'failed', attempts: this.attempts, error });
  }

  /** Resolves true after `ms`, or false at once when the dispatcher closed meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.waits.delete(cancel);
        resolve(ok);
      };
      const cancel = () => done(false);
      const timer = setTimeout(() => done(!this.closed), ms);
      this.waits.add(cancel);
    });
  }

  private record(d: Delivery) {
    this.counts[d.outcome]++;
    try {
      this.opts.sink?.recordDelivery(d);
    } catch (e) {
      this.opts.logger.error({ err: (e as Error).message }, 'alert: could not record delivery');
    }
    this.emit('delivery', d);
  }

  private pruneDedupe(now: number) {
    for (const [k, ts] of this.lastRaised) if (now - ts >= this.opts.dedupeMs) this.lastRaised.delete(k);
  }
}
