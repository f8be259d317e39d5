/**
 * Who may use the admin API (SPEC §6): login with the admin password, a session cookie, CSRF
 * protection on every mutation, and a rate limit on login attempts.
 *
 * - With a password configured, every `/api/*` route but `/api/session` and `/api/login` needs a
 *   live session. Without one, the admin listener must be on loopback (anything else refuses to
 *   start) and no login is needed; requests must then name a loopback Host, so that a web page
 *   that rebinds its own DNS name to 127.0.0.1 cannot read the API.
 * - Mutations (POST, PUT, PATCH, DELETE) and the live-feed WebSocket need an Origin (or Referer)
 *   equal to the Host when a browser sends one, and mutations need the session's CSRF token in
 *   `x-csrf-token` (a per-process token when there is no login). Another site can neither read
 *   the token nor set that header without a CORS preflight, which this server never grants.
 * - Login: at most 5 wrong passwords per client address per 15 minutes (then 429 with
 *   Retry-After), and at most MAX_CONCURRENT_LOGINS scrypt checks at once, so a flood of
 *   guesses cannot exhaust the router's memory.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopback } from '../config/schema.js';
import { normalizeClientIp } from '../devices/address.js';
import type { Logger } from '../log.js';
import { sendJson, type AdminHandler, type AdminRouter } from './admin-server.js';
import { verifyPassword, type PasswordHash } from './auth.js';
import { HttpError, readJsonBody, withErrors } from './params.js';
import { clearedSessionCookie, LoginLimiter, randomToken, readCookie, SESSION_COOKIE, sessionCookie, SessionStore } from './session.js';

export interface AccessOptions {
  /** The configured admin password; null for none. */
  password: PasswordHash | null;
  /** `listen.admin` host: without a password it must be loopback. */
  adminHost: string;
  logger: Logger;
}

/** scrypt checks allowed at once (each holds 32 MiB with the default cost). */
const MAX_CONCURRENT_LOGINS = 2;

/** What an authorized request may do next. */
export interface Grant {
  csrf: string;
  /** The session token, or null when no login is needed. */
  token: string | null;
}

export type ProtectedHandler = (req: IncomingMessage, res: ServerResponse, url: URL, grant: Grant) => void | Promise<void>;

const MUTATIONS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function unauthorized(message = 'log in first'): HttpError {
  return new HttpError(401, 'unauthorized', message);
}

function forbidden(message: string): HttpError {
  return new HttpError(403, 'forbidden', message);
}

/** Equal strings in time that does not depend on where they differ. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** The host part of a Host header (`[::1]:8081` → `::1`). */
export function hostName(host: string): string {
  const m = /^\[([^\]]*)\](?::\d+)?$/.exec(host) ?? /^([^:]*)(?::\d+)?$/.exec(host);
  return (m?.[1] ?? '').toLowerCase();
}

/** False when a browser says the request comes from a page of another origin. */
export function sameOrigin(req: IncomingMessage): boolean {
  const claimed = req.headers.origin ?? req.headers.referer;
  if (claimed === undefined) return true; // not a browser (curl, scripts): the CSRF token still applies
  try {
    const u = new URL(claimed);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === (req.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

export function clientAddress(req: IncomingMessage): string {
  return normalizeClientIp(req.socket.remoteAddress ?? '');
}

export class AdminAccess {
  readonly required: boolean;
  readonly #sessions = new SessionStore();
  readonly #limiter = new LoginLimiter();
  readonly #password: PasswordHash | null;
  readonly #log: Logger;
  /** Without a login, one token per process guards mutations. */
  readonly #processCsrf = randomToken();
  #verifying = 0;

  constructor(opts: AccessOptions) {
    if (opts.password === null && !isLoopback(opts.adminHost)) {
      throw new Error(`config: admin.password: required when listen.admin (${opts.adminHost}) is not on loopback; set admin.password or admin.password_hash (\`yori admin hash-password\`)`);
    }
    this.required = opts.password !== null;
    this.#password = opts.password;
    this.#log = opts.logger;
  }

  /** The grant for a request to a protected route; throws 401/403 HttpError otherwise. */
  authorize(req: IncomingMessage): Grant {
    if (!this.required) {
      if (!isLoopback(hostName(req.headers.host ?? ''))) throw forbidden('without an admin password the dashboard answers only to localhost addresses');
      return { csrf: this.#processCsrf, token: null };
    }
    const session = this.#sessions.get(readCookie(req, SESSION_COOKIE));
    if (!session) throw unauthorized();
    return { csrf: session.csrf, token: session.token };
  }

  /** Origin and CSRF token checks for a state-changing request. */
  checkMutation(req: IncomingMessage, grant: Grant): void {
    if (!sameOrigin(req)) throw forbidden('cross-site request refused');
    const token = req.headers['x-csrf-token'];
    if (typeof token !== 'string' || !sameSecret(token, grant.csrf)) throw forbidden('missing or wrong x-csrf-token');
  }

  /** Wraps a handler: login (and for mutations the CSRF checks) first, HttpErrors as JSON. */
  protect(handler: ProtectedHandler): AdminHandler {
    return withErrors((req, res, url) => {
      const grant = this.authorize(req);
      if (MUTATIONS.has(req.method ?? 'GET')) this.checkMutation(req, grant);
      return handler(req, res, url, grant);
    });
  }

  /** `/api/session`, `/api/login`, `/api/logout`. */
  register(router: AdminRouter): void {
    router.get('/api/session', withErrors((req, res) => this.#session(req, res)));
    router.add('POST', '/api/login', withErrors((req, res) => this.#login(req, res)));
    router.add('POST', '/api/logout', this.protect((_req, res, _url, grant) => {
      if (grant.token) this.#sessions.delete(grant.token);
      sendJson(res, 200, { required: this.required, authenticated: !this.required }, { 'set-cookie': clearedSessionCookie() });
    }));
  }

  #session(req: IncomingMessage, res: ServerResponse): void {
    try {
      const grant = this.authorize(req);
      sendJson(res, 200, { required: this.required, authenticated: true, csrf: grant.csrf });
    } catch (e) {
      if (!(e instanceof HttpError) || e.status !== 401) throw e;
      sendJson(res, 200, { required: true, authenticated: false });
    }
  }

  async #login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!sameOrigin(req)) throw forbidden('cross-site request refused');
    if (!this.required) {
      const grant = this.authorize(req);
      sendJson(res, 200, { required: false, authenticated: true, csrf: grant.csrf });
      return;
    }
    const ip = clientAddress(req);
    const wait = this.#limiter.retryAfterMs(ip);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      throw new HttpError(429, 'too_many_requests', `too many wrong passwords; try again in ${Math.ceil(seconds / 60)} min`, { 'retry-after': String(seconds) });
    }
    const body = await readJsonBody(req, 4096);
    if (typeof body.password !== 'string' || body.password === '') throw new HttpError(400, 'bad_request', 'password must be a non-empty string');
    if (this.#verifying >= MAX_CONCURRENT_LOGINS) {
      throw new HttpError(429, 'too_many_requests', 'too many logins at once; try again in a moment', { 'retry-after': '1' });
    }
    this.#verifying++;
    let ok: boolean;
    try {
      ok = await verifyPassword(body.password, this.#password!);
    } finally {
      this.#verifying--;
    }
    if (!ok) {
      this.#limiter.fail(ip);
      this.#log.warn({ client: ip }, 'admin: wrong password');
      throw unauthorized('wrong password');
    }
    this.#limiter.succeed(ip);
    const session = this.#sessions.create();
    this.#log.info({ client: ip }, 'admin: logged in');
    sendJson(res, 200, { required: true, authenticated: true, csrf: session.csrf }, { 'set-cookie': sessionCookie(session.token, this.#sessions.maxAgeMs) });
  }
}
