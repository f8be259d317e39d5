/**
 * The CA install portal (SPEC §6; no login): `/ca.pem`, `/ca.der`, `/ca.mobileconfig` (never
 * the key), `/install` with the fingerprint, a QR code that opens the page on a phone and short
 * steps per platform, and `/install/check`, which tells the device that opens it whether YORI
 * has seen its AI traffic.
 *
 * What the check can know: the address this device reaches the admin server from, and the
 * audit rows recorded for that address lately. It cannot see a TLS handshake that failed
 * because the certificate is not trusted (nothing is recorded then), so the page offers a test
 * that makes the browser contact an AI API and looks again, and says what each outcome means.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '../audit/store.js';
import { isLoopback } from '../config/schema.js';
import type { CertificateAuthority } from '../tls/ca.js';
import { buildMobileconfig, MOBILECONFIG_CONTENT_TYPE } from '../tls/mobileconfig.js';
import { clientAddress, hostName } from './access.js';
import { sendJson, type AdminRouter } from './admin-server.js';
import { DEFAULT_CSP, escapeHtml, sendHtml } from './html.js';
import { PLATFORMS } from './install-steps.js';
import { Query, withErrors } from './params.js';
import type { Labeler } from './usage.js';

/** The AI API the check's test contacts: any intercepted host works; this one answers 401 fast. */
export const CHECK_TEST_URL = 'https://api.openai.com/v1/models';
export const CHECK_WINDOW_MS = 15 * 60_000;

export type CheckVerdict = 'reading' | 'observing' | 'not_seen';

export interface DeviceCheck {
  client_ip: string;
  name: string | null;
  person: string | null;
  /** The gateway itself (loopback): its own traffic does not pass pf's redirect. */
  local: boolean;
  since: number;
  /** Intercepted exchanges (content visible) and observed app connections since `since`. */
  intercepted: number;
  observed: number;
  last: { ts: number; host: string; provider: string; mode: string } | null;
  verdict: CheckVerdict;
}

export function checkDevice(db: Db, ip: string, now: number, label: Labeler): DeviceCheck {
  const since = now - CHECK_WINDOW_MS;
  const counts = db.prepare(`SELECT mode, count(*) AS n FROM audit_events WHERE client_ip = ? AND ts >= ? GROUP BY mode`).all(ip, since) as { mode: string; n: number }[];
  const last = (db.prepare(`SELECT ts, host, provider, mode FROM audit_events WHERE client_ip = ? AND ts >= ? ORDER BY ts DESC, id DESC LIMIT 1`).get(ip, since) as DeviceCheck['last'] | undefined) ?? null;
  const intercepted = counts.find((c) => c.mode === 'intercept')?.n ?? 0;
  const observed = counts.find((c) => c.mode === 'observe')?.n ?? 0;
  const verdict: CheckVerdict = intercepted > 0 ? 'reading' : observed > 0 ? 'observing' : 'not_seen';
  return { client_ip: ip, ...label(ip), local: isLoopback(ip), since, intercepted, observed, last, verdict };
}

function download(res: ServerResponse, body: string | Buffer, type: string, filename: string): void {
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'content-disposition': `attachment; filename="${filename}"`,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/** The Host the browser used, if it is a plain host[:port] (it goes into the QR code and links). */
function requestHost(req: IncomingMessage): string | null {
  const host = req.headers.host ?? '';
  return /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(:\d{1,5})?$/.test(host) ? host : null;
}

function page(title: string, body: string, script?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · YORI</title><link rel="icon" href="/static/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/static/app.css">${script ? `<script type="module" src="${script}"></script>` : ''}</head>
<body class="portal"><header class="topbar"><a class="brand" href="/install"><span class="logo" aria-hidden="true">Y</span>YORI</a></header>
<main class="portal-main">${body}</main></body></html>`;
}

const BUTTONS = {
  mobileconfig: '<a class="button primary" href="/ca.mobileconfig" download>Profile for iPhone, iPad and Mac</a>',
  der: '<a class="button" href="/ca.der" download>Certificate (.cer)</a>',
  pem: '<a class="button" href="/ca.pem" download>Certificate (.pem)</a>',
};

function fingerprintHtml(ca: CertificateAuthority): string {
  return `<p class="fingerprint"><span class="muted">SHA-256 fingerprint</span><br><code>${escapeHtml(ca.fingerprintSha256)}</code></p>`;
}

/** The platforms whose steps open by themselves, guessed from the browser's User-Agent. */
export function platformsFor(userAgent: string): Set<string> {
  const open = new Set<string>();
  if (/iPhone|iPad|iPod/.test(userAgent)) open.add('ios');
  else if (/Android/.test(userAgent)) open.add('android');
  else if (/CrOS/.test(userAgent)) open.add('chromeos');
  else if (/Windows/.test(userAgent)) open.add('windows');
  else if (/Macintosh|Mac OS X/.test(userAgent)) open.add('macos');
  else if (/Linux|X11/.test(userAgent)) open.add('linux');
  if (/Firefox\//.test(userAgent) && !open.has('ios') && !open.has('android')) open.add('firefox');
  return open;
}

async function installPage(req: IncomingMessage, ca: CertificateAuthority): Promise<string> {
  const open = platformsFor(req.headers['user-agent'] ?? '');
  const host = requestHost(req);
  const url = host ? `http://${host}/install` : null;
  const local = host !== null && isLoopback(hostName(host));
  // qrcode is loaded when the install page is first asked for, not at start.
  const qr = url ? await (await import('qrcode')).default.toString(url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }) : '';
  const platforms = PLATFORMS.map((p) => `<details class="card platform" id="${p.id}"${open.has(p.id) ? ' open' : ''}><summary>${p.title}</summary>
<p>${BUTTONS[p.download]}</p><ol>${p.steps.map((s) => `<li>${s}</li>`).join('')}</ol>${p.note ? `<p class="note">${p.note}</p>` : ''}</details>`).join('\n');
  return page('Install the YORI certificate', `
<h1>Let this device trust YORI</h1>
<p class="lead">YORI keeps an eye on AI services for your family. To see what is asked of AI APIs, each device needs to trust YORI's own certificate once. It stays on your network; YORI only reads connections to AI services.</p>
<section class="card downloads"><h2>Download</h2>
<p class="buttons">${BUTTONS.mobileconfig} ${BUTTONS.der} ${BUTTONS.pem}</p>
${fingerprintHtml(ca)}
<p class="muted">Compare the fingerprint with what your device shows while installing. Valid until ${escapeHtml(ca.notAfter.toISOString().slice(0, 10))}.</p></section>
<section class="card qr"><h2>On a phone?</h2>
${url ? `<div class="qr-code" role="img" aria-label="QR code for ${escapeHtml(url)}">${qr}</div><p>Scan this with the phone's camera to open <code>${escapeHtml(url)}</code> there.</p>` : '<p>Open this page on the phone using the router\'s address.</p>'}
${local ? '<p class="note">This address only works on the router itself. Open the page through the router\'s network address (for example <code>http://192.168.1.1:8081/install</code>) to get a QR code that works on a phone.</p>' : ''}</section>
<h2>Steps for each device</h2>
${platforms}
<section class="card"><h2>Did it work?</h2><p>Open <a href="/install/check">the check page</a> on the device: it tells you whether YORI sees that device's AI traffic.</p></section>`);
}

const VERDICT_TEXT: Record<CheckVerdict, (c: DeviceCheck) => string> = {
  reading: (c) => `<p class="verdict ok">Yes: YORI reads this device's AI requests.</p><p>In the last 15 minutes it recorded ${c.intercepted} request${c.intercepted === 1 ? '' : 's'} to AI APIs${c.observed ? ` and ${c.observed} app connection${c.observed === 1 ? '' : 's'}` : ''} from here. The certificate works.</p>`,
  observing: (c) => `<p class="verdict partial">YORI sees this device's AI apps, by name and time.</p><p>In the last 15 minutes it recorded ${c.observed} connection${c.observed === 1 ? '' : 's'} to AI apps from here, but no AI API requests yet. Run the test below to check the certificate.</p>`,
  not_seen: () => `<p class="verdict none">YORI has not seen AI traffic from this device in the last 15 minutes.</p>
<p>That is normal if nobody used AI here lately. Run the test below. If it fails, the usual reasons are:</p>
<ul><li>the certificate is not installed or not trusted yet (on iPhone: the Certificate Trust Settings switch);</li>
<li>this device's traffic does not pass through the router: mobile data, a VPN, or iCloud Private Relay;</li>
<li>the router's redirect rules for YORI are not enabled for this network.</li></ul>`,
};

function checkPage(c: DeviceCheck): string {
  const who = c.name ? `${escapeHtml(c.name)}${c.person ? ` (${escapeHtml(c.person)})` : ''}, ${escapeHtml(c.client_ip)}` : escapeHtml(c.client_ip);
  return page('Check this device', `
<h1>Does YORI see this device?</h1>
<section class="card check" data-verdict="${c.verdict}"><p class="muted">This device: ${who}</p>
${c.local ? '<p class="note">You opened this page on the router itself; its own traffic does not go through YORI. Open it on the device you want to check.</p>' : ''}
${VERDICT_TEXT[c.verdict](c)}</section>
<section class="card"><h2>Test now</h2>
<p>This asks your browser to contact <code>${escapeHtml(new URL(CHECK_TEST_URL).host)}</code> (nothing is sent but the address), then looks again.</p>
<p><button class="button primary" id="run-check" type="button">Run the test</button></p><p id="check-result" role="status"></p></section>
<p><a href="/install">← Back to the install steps</a></p>`, '/static/install.js');
}

/** The check page may contact the test host; everything else is as strict as the other pages. */
const CHECK_CSP = DEFAULT_CSP.replace("connect-src 'self'", `connect-src 'self' ${new URL(CHECK_TEST_URL).origin}`);

export function registerInstall(router: AdminRouter, deps: { ca: CertificateAuthority; db: Db; label: Labeler; now: () => number }): void {
  const { ca } = deps;
  const mobileconfig = buildMobileconfig(ca);
  router.get('/ca.pem', (_req, res) => download(res, ca.certPem, 'application/x-pem-file', 'yori-ca.pem'));
  router.get('/ca.der', (_req, res) => download(res, ca.certDer, 'application/x-x509-ca-cert', 'yori-ca.cer'));
  router.get('/ca.mobileconfig', (_req, res) => download(res, mobileconfig, MOBILECONFIG_CONTENT_TYPE, 'yori-ca.mobileconfig'));
  // The pages ignore query strings (a shared link may carry any); the JSON endpoint is strict.
  router.get('/install', async (req, res) => sendHtml(res, await installPage(req, ca)));
  const check = (req: IncomingMessage) => checkDevice(deps.db, clientAddress(req), deps.now(), deps.label);
  router.get('/install/check', (req, res) => sendHtml(res, checkPage(check(req)), CHECK_CSP));
  router.get('/install/check.json', withErrors((req, res, url) => {
    new Query(url, []);
    sendJson(res, 200, check(req));
  }));
}
