/**
 * Admin sessions and the login rate limit, both in memory: a restart logs everyone out, which
 * costs a parent one password entry and keeps no session secret on disk.
 *
 * A session is a random 256-bit token (the `yori_session` cookie) with its own CSRF token, an
 * idle expiry that slides on use and an absolute one that does not. The store is bounded; when
 * full, the session used least recently goes.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'yori_session';

export interface Session {
  readonly token: string;
  readonly csrf: string;
  readonly createdAt: number;
  lastUsed: number;
}

export interface SessionOptions {
  idleMs?: number;
  maxAgeMs?: number;
  maxSessions?: number;
  now?: () => number;
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export class SessionStore {
  readonly idleMs: number;
  readonly maxAgeMs: number;
  readonly #max: number;
  readonly #now: () => number;
  /** Insertion order is use order: `get` moves a session to the end. */
  readonly #sessions = new Map<string, Session>();

  constructor(opts: SessionOptions = {}) {
    this.idleMs = opts.idleMs ?? 24 * 3_600_000;
    this.maxAgeMs = opts.maxAgeMs ?? 7 * 24 * 3_600_000;
    this.#max = opts.maxSessions ?? 256;
    this.#now = opts.now ?? Date.now;
  }

  create(): Session {
    const now = this.#now();
    const session: Session = { token: randomToken(), csrf: randomToken(), createdAt: now, lastUsed: now };
    this.#sessions.set(session.token, session);
    if (this.#sessions.size > this.#max) this.#sessions.delete(this.#sessions.keys().next().value!);
    return session;
  }

  /** The live session for `token`, marked as used; null when unknown or expired. */
  get(token: string | undefined): Session | null {
    if (!token) return null;
    const s = this.#sessions.get(token);
    if (!s) return null;
    const now = this.#now();
    this.#sessions.delete(token);
    if (now - s.lastUsed > this.idleMs || now - s.createdAt > this.maxAgeMs) return null;
    s.lastUsed = now;
    this.#sessions.set(token, s);
    return s;
  }

  delete(token: string): void {
    this.#sessions.delete(token);
  }

  get size(): number {
    return this.#sessions.size;
  }
}

/** Failed logins per client address in a sliding window; `retryAfterMs` > 0 means locked out. */
export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #max: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(opts: { maxFailures?: number; windowMs?: number; now?: () => number } = {}) {
    this.#max = opts.maxFailures ?? 5;
    this.#windowMs = opts.windowMs ?? 15 * 60_000;
    this.#now = opts.now ?? Date.now;
  }

  #recent(ip: string, now: number): number[] {
    const list = (this.#failures.get(ip) ?? []).filter((ts) => now - ts < this.#windowMs);
    if (list.length === 0) this.#failures.delete(ip);
    else this.#failures.set(ip, list);
    return list;
  }

  /** Milliseconds until `ip` may try again; 0 when it may now. */
  retryAfterMs(ip: string): number {
    const now = this.#now();
    const list = this.#recent(ip, now);
    return list.length < this.#max ? 0 : list[list.length - this.#max]! + this.#windowMs - now;
  }

  fail(ip: string): void {
    const now = this.#now();
    const list = this.#recent(ip, now);
    list.push(now);
    this.#failures.set(ip, list);
    // Bounded memory under a spray of addresses: forget the oldest address first.
    if (this.#failures.size > 10_000) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeed(ip: string): void {
    this.#failures.delete(ip);
  }
}

/** The value of cookie `name` in the request, if any. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it),
 * Path=/. Not `Secure`: the admin listener speaks plain HTTP on the LAN, where a Secure cookie
 * would never be sent back.
 */
export function sessionCookie(token: string, maxAgeMs: number): string {
  return `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(maxAgeMs / 1000)}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
}
