/**
 * Combines the `deny` and `warn` sets of every package under `yori` into one decision
 * (SPEC §5): reasons are the deny reasons followed by the warn reasons; in enforce mode a deny
 * blocks, in advisory mode it alerts; a warn only ever alerts.
 */
import type { PolicyMode } from '../config/schema.js';
import type { Decision } from '../hooks.js';

/** A deny/warn entry is a string, or an object whose `message` is the reason. */
export function reasonText(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (entry && typeof entry === 'object' && typeof (entry as { message?: unknown }).message === 'string') {
    return (entry as { message: string }).message;
  }
  return JSON.stringify(entry);
}

export function combineDecision(deny: readonly unknown[], warn: readonly unknown[], mode: PolicyMode): Decision {
  const reasons = [...deny.map(reasonText), ...warn.map(reasonText)];
  const action = deny.length > 0 ? (mode === 'enforce' ? 'block' : 'alert') : warn.length > 0 ? 'alert' : 'allow';
  return { action, reasons };
}

/** The 403 body a blocked request gets (SPEC §5). */
export function blockedBody(decision: Decision): string {
  return JSON.stringify({ error: { type: 'policy_blocked', message: decision.reasons.join('; ') || 'blocked by policy' } });
}
