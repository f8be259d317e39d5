import t from 'tap';
import http from 'node:http';
import { hashPassword } from '../../lib/web/auth.js';
import { Client, startDashboard } from './fixtures/helpers.js';

const FAST = { N: 1024, r: 8, p: 1 };
const hash = await hashPassword('correct horse', FAST);

/** A POST /api/login from a chosen loopback source address (the rate limit is per address). */
function loginFrom(port: number, source: string, password: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify({ password });
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/login', localAddress: source, agent: false,
      headers: { 'content-type': 'application/json', host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

t.test('with a password: login, session cookie, CSRF on mutations, logout', async (t) => {
  const f = await startDashboard(t, { passwordHash: hash });
  const c = new Client(f.port);
  t.same((await c.get('/api/session')).json, { required: true, authenticated: false });
  for (const path of ['/api/stats', '/api/events', '/api/events.csv', '/api/alerts', '/api/devices', '/api/policies']) {
    const r = await c.get(path);
    t.equal(r.status, 401, path);
    t.same(r.json, { error: { type: 'unauthorized', message: 'log in first' } });
  }
  t.equal((await c.request('POST', '/api/devices', { body: { key: '10.0.0.1', name: 'x' } })).status, 401);
  // Public without login: health, the page shell, the CA and the install portal.
  for (const path of ['/health', '/', '/static/app.js', '/ca.pem', '/ca.der', '/ca.mobileconfig', '/install', '/install/check', '/install/check.json']) {
    t.equal((await c.get(path)).status, 200, path);
  }

  const wrong = await c.login('Correct horse');
  t.equal(wrong.status, 401);
  t.same(wrong.json, { error: { type: 'unauthorized', message: 'wrong password' } });
  t.equal(wrong.headers['set-cookie'], undefined);
  t.equal((await c.request('POST', '/api/login', { body: { password: '' } })).status, 400);
  t.equal((await c.request('POST', '/api/login', { body: { pass: 'x' } })).status, 400);

  const ok = await c.login('correct horse');
  t.equal(ok.status, 200);
  t.equal(ok.json.authenticated, true);
  t.match(ok.json.csrf, /^[A-Za-z0-9_-]{43}$/);
  const cookie = ok.headers['set-cookie']![0]!;
  t.match(cookie, /^yori_session=[A-Za-z0-9_-]{43}; /);
  t.match(cookie, /; HttpOnly/);
  t.match(cookie, /; SameSite=Strict/);
  t.match(cookie, /; Path=\//);
  t.notMatch(cookie, /Secure/, 'plain HTTP on the LAN');
  t.notMatch(cookie, new RegExp(ok.json.csrf), 'the CSRF token is not the session token');
  t.equal((await c.get('/api/stats')).status, 200);
  t.same((await c.get('/api/session')).json, { required: true, authenticated: true, csrf: ok.json.csrf });

  // Mutations: the token in x-csrf-token and a same-origin Origin (or none, for scripts).
  const name = (headers: Record<string, string>) => c.request('POST', '/api/devices', { body: { key: '10.0.0.9', name: 'tv' }, headers });
  const csrf = c.csrf!;
  c.csrf = null;
  t.same((await name({})).json.error, { type: 'forbidden', message: 'missing or wrong x-csrf-token' });
  t.equal((await name({ 'x-csrf-token': 'guess' })).status, 403);
  c.csrf = csrf;
  t.same((await name({ origin: 'http://evil.example' })).json.error, { type: 'forbidden', message: 'cross-site request refused' });
  t.equal((await name({ origin: 'null' })).status, 403);
  t.equal((await c.request('POST', '/api/devices', { body: { key: '10.0.0.9', name: 'tv' }, headers: { referer: 'http://evil.example/page' } })).status, 200, 'Origin wins over Referer');
  const noOrigin = new Client(f.port, null);
  noOrigin.cookie = c.cookie;
  noOrigin.csrf = csrf;
  t.equal((await noOrigin.request('POST', '/api/devices', { body: { key: '10.0.0.9', name: 'tv' }, headers: { referer: 'http://evil.example/x' } })).status, 403, 'Referer checked without Origin');
  t.equal((await noOrigin.request('POST', '/api/devices', { body: { key: '10.0.0.9', name: 'tv' } })).status, 200, 'a script without Origin needs only the token');
  t.equal((await name({})).status, 200);
  t.equal(f.devices.resolve('10.0.0.9').name, 'tv');
  t.equal((await c.request('POST', '/api/login', { body: { password: 'correct horse' }, headers: { origin: 'http://evil.example' } })).status, 403, 'no login CSRF');

  const other = new Client(f.port);
  t.equal((await other.login('correct horse')).status, 200, 'a second session');
  const out = await c.request('POST', '/api/logout');
  t.equal(out.status, 200);
  t.match(out.headers['set-cookie']![0], /^yori_session=; .*Max-Age=0/);
  t.equal(c.cookie, null);
  t.equal((await c.get('/api/stats')).status, 401);
  t.equal((await other.get('/api/stats')).status, 200, 'only that session ended');
  t.equal((await c.request('POST', '/api/logout')).status, 401);
});

t.test('login attempts are rate-limited per client address', async (t) => {
  const f = await startDashboard(t, { passwordHash: hash });
  for (let i = 0; i < 5; i++) t.equal((await loginFrom(f.port, '127.0.0.2', 'nope')).status, 401);
  const locked = await loginFrom(f.port, '127.0.0.2', 'correct horse');
  t.equal(locked.status, 429, 'even the right password waits');
  t.equal(locked.body.error.type, 'too_many_requests');
  t.match(locked.body.error.message, /too many wrong passwords; try again in 15 min/);
  t.ok(Number(locked.headers['retry-after']) > 800 && Number(locked.headers['retry-after']) <= 900);
  t.equal((await loginFrom(f.port, '127.0.0.3', 'correct horse')).status, 200, 'another address is not affected');
  // A success clears the address's failures.
  for (let i = 0; i < 4; i++) await loginFrom(f.port, '127.0.0.4', 'nope');
  t.equal((await loginFrom(f.port, '127.0.0.4', 'correct horse')).status, 200);
  for (let i = 0; i < 4; i++) t.equal((await loginFrom(f.port, '127.0.0.4', 'nope')).status, 401);
});

t.test('only a few password checks run at once', async (t) => {
  const f = await startDashboard(t, { passwordHash: await hashPassword('pw', { N: 2 ** 14, r: 8, p: 1 }) });
  const replies = await Promise.all(['127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9', '127.0.0.10'].map((ip) => loginFrom(f.port, ip, 'wrong')));
  const busy = replies.filter((r) => r.status === 429);
  t.ok(busy.length >= 1, `${busy.length} of 6 turned away while two checks ran`);
  t.ok(replies.filter((r) => r.status === 401).length >= 2);
  for (const r of busy) t.match(r.body.error.message, /too many logins at once/);
});

t.test('a plain admin.password works like a hash', async (t) => {
  const f = await startDashboard(t, { password: 'hunter2' });
  const c = new Client(f.port);
  t.equal((await c.login('hunter')).status, 401);
  t.equal((await c.login('hunter2')).status, 200);
  t.equal((await c.get('/api/policies')).status, 200);
});

t.test('without a password: loopback only, no login, CSRF still required', async (t) => {
  const f = await startDashboard(t);
  const c = new Client(f.port);
  const s = await c.session();
  t.match(s.json, { required: false, authenticated: true });
  t.equal((await c.get('/api/stats')).status, 200);
  t.match((await c.request('POST', '/api/login', { body: {} })).json, { required: false, authenticated: true, csrf: s.json.csrf });
  for (const host of ['localhost', `localhost:${f.port}`, `[::1]:${f.port}`, `127.0.0.1:${f.port}`]) {
    t.equal((await c.get('/api/policies', { host })).status, 200, host);
  }
  // A page on another site that rebinds its name to 127.0.0.1 sends its own name as Host.
  for (const host of [`rebind.evil.example:${f.port}`, `192.168.1.1:${f.port}`, '127.0.0.1.evil.example']) {
    const r = await c.get('/api/policies', { host });
    t.equal(r.status, 403, host);
    t.match(r.json.error.message, /answers only to localhost/);
  }
  t.equal((await c.get('/api/session', { host: `rebind.evil.example:${f.port}` })).status, 403, 'not even the CSRF token');
  t.equal((await c.get('/install', { host: `rebind.evil.example:${f.port}` })).status, 200, 'the portal is public');
  const csrf = c.csrf;
  c.csrf = null;
  t.equal((await c.request('POST', '/api/devices', { body: { key: '10.0.0.1', name: 'x' } })).status, 403);
  c.csrf = csrf;
  t.equal((await c.request('POST', '/api/devices', { body: { key: '10.0.0.1', name: 'x' } })).status, 200);
  t.equal((await c.request('POST', '/api/logout')).status, 200);
  t.equal((await c.get('/api/stats')).status, 200, 'nothing to log out of');
});

t.test('refuses to start without a password off loopback, or with a bad hash', async (t) => {
  await t.rejects(startDashboard(t, { adminHost: '0.0.0.0' }),
    /config: admin\.password: required when listen\.admin \(0\.0\.0\.0\) is not on loopback/);
  await t.rejects(startDashboard(t, { adminHost: '192.168.1.1' }), /admin\.password/);
  await t.rejects(startDashboard(t, { passwordHash: 'scrypt$1$8$1$c2FsdHNhbHQ=$aGFzaA==' }), /config: admin\.password_hash: N must be a power of two/);
  const f = await startDashboard(t, { adminHost: '0.0.0.0', passwordHash: hash });
  t.equal((await new Client(f.port).get('/api/stats')).status, 401);
});
