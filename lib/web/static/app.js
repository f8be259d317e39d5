// The dashboard shell: checks the session, shows the login form or the app, and swaps views on
// hash changes (#/overview, #/events?provider=openai, …). Each view module exports
// render(main, ctx) and may return a cleanup function.
import { api, onUnauthorized, setCsrf } from './api.js';
import { h, errorBox } from './dom.js';
import { LiveClient } from './live.js';

const VIEWS = {
  overview: () => import('./views/overview.js'),
  live: () => import('./views/live.js'),
  events: () => import('./views/events.js'),
  devices: () => import('./views/devices.js'),
  alerts: () => import('./views/alerts.js'),
  policies: () => import('./views/policies.js'),
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const logout = document.getElementById('logout');
let live = null;
let cleanup = null;
let generation = 0;

function parseHash() {
  const [path, q] = location.hash.replace(/^#\/?/, '').split('?');
  return { name: VIEWS[path] ? path : 'overview', params: new URLSearchParams(q ?? '') };
}

export function navigate(name, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '')).toString();
  location.hash = `#/${name}${q ? `?${q}` : ''}`;
}

async function show() {
  const { name, params } = parseHash();
  const mine = ++generation;
  cleanup?.();
  cleanup = null;
  for (const a of nav.querySelectorAll('a[data-view]')) a.classList.toggle('active', a.dataset.view === name);
  main.replaceChildren(h('p', { class: 'muted loading' }, 'Loading…'));
  main.dataset.view = name;
  try {
    const view = await VIEWS[name]();
    if (mine !== generation) return;
    const container = h('div', { class: `view view-${name}` });
    const done = await view.render(container, { live, params, navigate });
    if (mine !== generation) {
      done?.();
      return;
    }
    cleanup = done ?? null;
    main.replaceChildren(container);
    main.dataset.ready = name;
  } catch (err) {
    if (mine === generation) main.replaceChildren(errorBox(err));
  }
}

function showLogin(message) {
  generation++; // a view still loading must not draw over the form
  live?.close();
  live = null;
  cleanup?.();
  cleanup = null;
  nav.hidden = true;
  logout.hidden = true;
  const input = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, 'aria-label': 'Password' });
  const status = h('p', { class: 'error', role: 'alert', hidden: !message }, message ?? '');
  const button = h('button', { class: 'button primary', type: 'submit' }, 'Log in');
  const form = h('form', { class: 'card login', onsubmit: async (e) => {
    e.preventDefault();
    button.disabled = true;
    try {
      const s = await api('/api/login', { method: 'POST', body: { password: input.value } });
      setCsrf(s.csrf);
      startApp(s.required);
    } catch (err) {
      status.textContent = err.status === 401 ? 'That password is not right.' : err.message;
      status.hidden = false;
      input.select();
    } finally {
      button.disabled = false;
    }
  } },
  h('h1', null, 'Welcome to YORI'),
  h('p', { class: 'muted' }, 'Enter the admin password to see how your family uses AI.'),
  input, status, button);
  main.replaceChildren(form);
  main.dataset.view = 'login';
  main.dataset.ready = 'login';
  input.focus();
}

function startApp(required) {
  nav.hidden = false;
  logout.hidden = !required;
  live ??= new LiveClient(document.getElementById('live-dot'));
  show();
}

onUnauthorized(() => showLogin('Your session ended. Please log in again.'));
logout.addEventListener('click', async () => {
  await api('/api/logout', { method: 'POST' }).catch(() => {});
  showLogin();
});
window.addEventListener('hashchange', () => {
  if (!nav.hidden) show();
});

try {
  const s = await api('/api/session');
  if (s.authenticated) {
    setCsrf(s.csrf);
    startApp(s.required);
  } else {
    showLogin();
  }
} catch (err) {
  main.replaceChildren(errorBox(err));
}
