import t from 'tap';
import type { IncomingMessage } from 'node:http';
import { clearedSessionCookie, LoginLimiter, readCookie, sessionCookie, SessionStore } from '../../lib/web/session.js';

t.test('sessions: random tokens, sliding idle expiry, absolute expiry, bounded store', async (t) => {
  let now = 0;
  const store = new SessionStore({ idleMs: 100, maxAgeMs: 1000, maxSessions: 3, now: () => now });
  const a = store.create();
  t.match(a.token, /^[A-Za-z0-9_-]{43}$/);
  t.not(a.token, a.csrf);
  t.equal(store.get(a.token), a);
  t.equal(store.get(undefined), null);
  t.equal(store.get('nope'), null);
  for (let i = 0; i < 11; i++) {
    now += 90;
    t.ok(store.get(a.token), 'used within the idle time: still alive');
  }
  now += 90;
  t.equal(store.get(a.token), null, 'past the absolute limit, though not idle');
  const b = store.create();
  now += 101;
  t.equal(store.get(b.token), null, 'idle too long');
  t.equal(store.get(b.token), null, 'and gone');

  now = 5000;
  const [c, d, e] = [store.create(), store.create(), store.create()];
  store.get(c.token); // c is now the most recently used
  const f = store.create();
  t.equal(store.size, 3);
  t.equal(store.get(d.token), null, 'the least recently used went');
  t.ok(store.get(c.token) && store.get(e.token) && store.get(f.token));
  store.delete(c.token);
  t.equal(store.get(c.token), null);
});

t.test('login limiter: failures per address in a sliding window', async (t) => {
  let now = 0;
  const lim = new LoginLimiter({ maxFailures: 3, windowMs: 1000, now: () => now });
  for (let i = 0; i < 3; i++) {
    t.equal(lim.retryAfterMs('a'), 0);
    lim.fail('a');
    now += 100;
  }
  t.equal(lim.retryAfterMs('a'), 700, 'until the oldest failure leaves the window');
  t.equal(lim.retryAfterMs('b'), 0);
  now = 1001;
  t.equal(lim.retryAfterMs('a'), 0);
  lim.fail('a');
  lim.fail('a');
  lim.succeed('a');
  lim.fail('a');
  t.equal(lim.retryAfterMs('a'), 0, 'a success forgets earlier failures');
  for (let i = 0; i < 10_050; i++) lim.fail(`10.0.${i >> 8}.${i & 255}`);
  t.equal(lim.retryAfterMs('a'), 0);
});

t.test('cookies', async (t) => {
  const req = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie } }) as IncomingMessage;
  t.equal(readCookie(req('a=1; yori_session=abc; b=2'), 'yori_session'), 'abc');
  t.equal(readCookie(req('xyori_session=abc'), 'yori_session'), undefined);
  t.equal(readCookie(req(), 'yori_session'), undefined);
  t.equal(readCookie(req('broken; =x'), 'yori_session'), undefined);
  t.equal(sessionCookie('tok', 7 * 86_400_000), 'yori_session=tok; HttpOnly; SameSite=Strict; Path=/; Max-Age=604800');
  t.equal(clearedSessionCookie(), 'yori_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0');
});
