/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core), against a real
 * gateway: log in, the overview draws its charts from seeded data, a request proxied during the
 * test shows up in the live feed, the CA downloads parse, and a phone-sized screen never
 * scrolls sideways. Screenshots go to test-artifacts/web/ (git-ignored).
 */
import t from 'tap';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AlertDispatcher } from '../../lib/alerts/dispatcher.js';
import { ALERT_MIGRATIONS, AlertStore } from '../../lib/alerts/store.js';
import { rowFromExchange } from '../../lib/audit/row.js';
import { auditDbPath, openAuditDb } from '../../lib/audit/store.js';
import { AuditWriter } from '../../lib/audit/writer.js';
import { DeviceDirectory } from '../../lib/devices/directory.js';
import { getHeader } from '../../lib/http/headers.js';
import { createLogger } from '../../lib/log.js';
import { extractRequest } from '../../lib/providers/extract.js';
import { createUsageObserver } from '../../lib/providers/usage.js';
import { loadCA } from '../../lib/tls/ca.js';
import { hashPassword } from '../../lib/web/auth.js';
import { registerDashboard } from '../../lib/web/dashboard.js';
import { gatewayRequest, startOrigin, startTestGateway } from '../net/fixtures.js';
import { policyStatus, seedRows, tempDir, writeRows } from './fixtures/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/web/', import.meta.url));
const PASSWORD = 'family rules';

if (!existsSync(CHROMIUM)) {
  t.plan(0, `${CHROMIUM} is missing (apt-get install chromium); the browser tests need it`);
} else {
  mkdirSync(ARTIFACTS, { recursive: true });
  const logger = createLogger('silent');
  const dataDir = tempDir(t, 'yori-browser-');
  const dbPath = auditDbPath(dataDir);
  await writeRows(dbPath, seedRows(Date.now()));

  const origin = await startOrigin(t, (req, res) => {
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ id: 'chatcmpl-1', choices: [{ message: { content: 'hi' } }], usage: { prompt_tokens: 12, completion_tokens: 3 } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.end(body);
    });
  });
  const writer = new AuditWriter({ path: dbPath, logger, migrations: [ALERT_MIGRATIONS] });
  const db = openAuditDb(dbPath, { migrations: [ALERT_MIGRATIONS] });
  const store = new AlertStore(db);
  const dispatcher = new AlertDispatcher({ channels: [], sink: store, logger, dedupeMs: 0, ratePerMinute: 100 });
  const devicesConfig = { '127.0.0.1': { name: 'test-laptop', person: 'tester' } };
  const devices = new DeviceDirectory({ devices: devicesConfig, leases: [], db, logger });
  const gw = await startTestGateway(t, {
    overrides: { 'api.openai.com': origin.port },
    configure: (c) => {
      c.data_dir = dataDir;
      c.devices = devicesConfig;
      c.timezone = 'Europe/Berlin';
    },
    hooks: {
      // What the provider addon does: model, prompt and token usage, so the feed can show them.
      request: (ex) => {
        ex.info = extractRequest(ex.route, ex.method, ex.path, getHeader(ex.requestHeaders, 'content-type') ?? null, ex.requestBody, ex.bodyTruncated);
        return { action: 'allow', reasons: [] };
      },
      response: (ex) => createUsageObserver(ex.route, ex.path, ex.info, ex.responseHeaders, ex.status),
      exchangeDone: (ex) => writer.enqueue(rowFromExchange(ex, devices.resolve(ex.client.ip), 'truncated', 500)),
    },
  });
  gw.config.admin.password_hash = await hashPassword(PASSWORD, { N: 1024, r: 8, p: 1 });
  const dash = registerDashboard(gw.admin, gw.adminServer, {
    config: gw.config, db, alerts: store, feed: { writer, dispatcher }, devices, policies: () => policyStatus(), ca: loadCA(gw.config.ca.dir)!, logger,
  });
  const base = `http://127.0.0.1:${gw.adminAddress.port}`;

  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(async () => {
    await browser.close();
    dash.close();
    await gw.close();
    await writer.close();
    db.close();
  });

  /** A page that records console errors and failed CSP checks. */
  async function open(viewport: { width: number; height: number }, mobile = false) {
    const context = await browser.newContext({ viewport, isMobile: mobile, hasTouch: mobile, acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    return { page, problems, context };
  }

  async function login(page: Page) {
    await page.goto(`${base}/`);
    await page.waitForSelector('main[data-ready="login"]');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('main[data-ready="overview"]');
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  t.test('log in; the overview draws its charts from the seeded data', async (t) => {
    const { page, problems, context } = await open({ width: 1280, height: 900 });
    t.teardown(() => context.close());
    await page.goto(`${base}/`);
    await page.waitForSelector('main[data-ready="login"]');
    await page.fill('input[name=password]', 'wrong');
    await page.click('button[type=submit]');
    await page.waitForSelector('form.login .error:not([hidden])');
    t.match(await page.textContent('form.login .error'), /not right/);
    problems.length = 0; // the 401 of the wrong password is expected
    await login(page);
    const cookies = await context.cookies();
    t.match(cookies.find((c) => c.name === 'yori_session'), { httpOnly: true, sameSite: 'Strict' });

    // These callbacks run in the page (DOM globals there, not in this file's types).
    const charts = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('canvas')].map((c: any) => {
      const chart = (globalThis as any).Chart.getChart(c);
      return { type: chart?.config.type, total: chart ? chart.data.datasets.flatMap((d: any) => d.data).reduce((a: number, b: number) => a + b, 0) : 0, width: c.clientWidth };
    }));
    t.equal(charts.length, 4, 'requests, tokens, providers, devices');
    t.same(charts.map((c) => c.type), ['bar', 'bar', 'doughnut', 'bar']);
    t.ok(charts.every((c) => c.total > 0 && c.width > 100), 'each chart has data and is drawn');
    t.match(await page.textContent('.kpis'), /AI requests today/);
    t.match(await page.textContent('.people'), /alice/);
    t.match(await page.textContent('.people'), /ChatGPT · 35 min · 2 sessions/);
    await page.click('.segmented button[data-range="30d"]');
    await page.waitForSelector('.view-overview[data-range="30d"]');
    t.equal(await page.evaluate(() => (globalThis as any).Chart.getChart((globalThis as any).document.querySelector('canvas')).data.labels.length), 30);
    await shot(page, 'overview-desktop');
    for (const view of ['events', 'devices', 'alerts', 'policies']) {
      await page.click(`nav a[data-view="${view}"]`);
      await page.waitForSelector(`main[data-ready="${view}"]`);
    }
    await shot(page, 'policies-desktop');
    t.same(problems, [], 'no script errors or CSP violations');
  });

  t.test('a request proxied now appears in the live feed within 2 s', async (t) => {
    const { page, problems, context } = await open({ width: 1280, height: 900 });
    t.teardown(() => context.close());
    await login(page);
    await page.click('nav a[data-view="live"]');
    await page.waitForSelector('main[data-ready="live"]');
    await page.waitForSelector('.live-dot.up');
    const prompt = `is the live feed live? ${Date.now()}`;
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });
    const res = await gatewayRequest(gw, { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test-not-real' }, body });
    t.equal(res.status, 200);
    const started = Date.now();
    const item = await page.waitForSelector(`#live-events li.event:has-text("${prompt}")`, { timeout: 2000 });
    t.ok(Date.now() - started <= 2000);
    const text = await item.textContent();
    t.match(text, /test-laptop/, 'the device by its name');
    t.match(text, /OpenAI · gpt-4o-mini/);
    t.match(text, /15 tokens/);
    await shot(page, 'live-desktop');
    t.same(problems, []);
  });

  t.test('the CA downloads from /install as valid PEM and DER', async (t) => {
    const { page, context } = await open({ width: 1280, height: 900 });
    t.teardown(() => context.close());
    await page.goto(`${base}/install`);
    const ca = loadCA(gw.config.ca.dir)!;
    t.match(await page.textContent('.fingerprint'), ca.fingerprintSha256);
    for (const [selector, check] of [
      ['.downloads a[href="/ca.pem"]', (b: Buffer) => new X509Certificate(b.toString('utf8'))],
      ['.downloads a[href="/ca.der"]', (b: Buffer) => new X509Certificate(b)],
    ] as const) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
      const file = readFileSync((await download.path())!);
      const cert = check(file);
      t.equal(cert.fingerprint256, ca.fingerprintSha256, download.suggestedFilename());
    }
    await shot(page, 'install-desktop');
  });

  t.test('a phone-sized screen never scrolls sideways', async (t) => {
    const { page, problems, context } = await open({ width: 390, height: 844 }, true);
    t.teardown(() => context.close());
    await login(page);
    const wide = () => page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth - (globalThis as any).innerWidth);
    for (const view of ['overview', 'live', 'events', 'devices', 'alerts', 'policies']) {
      await page.goto(`${base}/#/${view}`);
      await page.waitForSelector(`main[data-ready="${view}"]`);
      t.equal(await wide(), 0, view);
      if (view === 'overview' || view === 'events') await shot(page, `${view}-phone`);
    }
    for (const path of ['/install', '/install/check']) {
      await page.goto(`${base}${path}`);
      t.equal(await wide(), 0, path);
    }
    await shot(page, 'install-check-phone');
    t.same(problems, []);
  });
}
