// The dashboard's calls to /api: JSON in and out, the CSRF token on every change, and one
// place that notices an expired session.

let csrf = null;
let unauthorized = () => {};

export class ApiError extends Error {
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

export function setCsrf(token) {
  csrf = token;
}

export function onUnauthorized(fn) {
  unauthorized = fn;
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/login') unauthorized();
    throw new ApiError(res.status, data?.error?.type ?? 'error', data?.error?.message ?? `${res.status} ${res.statusText}`);
  }
  return data;
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
