/**
 * HTML replies of the admin server: escaping for server-rendered pages and the security headers
 * every page carries. The Content-Security-Policy allows only this server's own scripts, styles
 * and connections (YORI works offline and loads nothing from elsewhere); pages that need more
 * say so explicitly.
 */
import type { ServerResponse } from 'node:http';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export const DEFAULT_CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export function pageHeaders(csp = DEFAULT_CSP): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}

export function sendHtml(res: ServerResponse, html: string, csp?: string): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    ...pageHeaders(csp),
  });
  res.end(html);
}
