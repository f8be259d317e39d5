// Activity: the audit log with filters (device, person, provider, action, kind, model, time,
// text in the prompt), newest first, "Show more" pages, and the same selection as CSV.
import { api, query } from '../api.js';
import { card, empty, h } from '../dom.js';
import { compact, dateTime, deviceName, providerName } from '../format.js';
import { badge, serviceLabel } from './common.js';

const FILTERS = ['device', 'person', 'provider', 'action', 'mode', 'model', 'since', 'until', 'q'];
const PROVIDERS = ['openai', 'anthropic', 'google', 'mistral', 'cohere', 'groq', 'perplexity', 'deepseek', 'xai', 'openrouter', 'together', 'huggingface', 'azure-openai', 'microsoft', 'characterai', 'poe', 'meta', 'inflection'];
const PAGE = 50;

function select(name, label, options, value) {
  return h('label', null, label, h('select', { name },
    h('option', { value: '' }, 'Any'),
    options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))));
}

/** datetime-local value (local time) ↔ unix ms */
function toLocalInput(ms) {
  if (!ms) return '';
  const d = new Date(Number(ms));
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function row(e) {
  const tokens = e.prompt_tokens === null && e.completion_tokens === null ? '' : compact((e.prompt_tokens ?? 0) + (e.completion_tokens ?? 0));
  return h('tr', { 'data-id': e.id },
    h('td', { 'data-label': 'When' }, h('time', { datetime: new Date(e.ts).toISOString() }, dateTime(e.ts))),
    h('td', { 'data-label': 'Device' }, h('strong', null, deviceName(e)), (e.device_person ?? e.person) ? h('span', { class: 'person' }, e.device_person ?? e.person) : null),
    h('td', { 'data-label': 'Service' }, serviceLabel(e)),
    h('td', { 'data-label': 'Tokens', class: 'num' }, tokens),
    h('td', { 'data-label': 'Action' }, badge(e.policy_action), e.policy_reasons.length ? h('span', { class: 'reasons' }, e.policy_reasons.join(' · ')) : null),
    h('td', { 'data-label': 'Prompt', class: 'preview-cell' }, e.prompt_preview ?? '', e.prompt_cut ? h('span', { class: 'muted' }, ' (cut; the CSV has it all)') : null));
}

export async function render(root, ctx) {
  const p = Object.fromEntries(FILTERS.map((k) => [k, ctx.params.get(k) ?? '']));
  const devices = await api('/api/devices');
  const filters = Object.fromEntries(Object.entries(p).filter(([, v]) => v !== ''));

  const form = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const next = {};
    for (const k of FILTERS) {
      let v = String(data.get(k) ?? '').trim();
      if ((k === 'since' || k === 'until') && v) v = String(new Date(v).getTime());
      if (v) next[k] = v;
    }
    ctx.navigate('events', next);
  } },
  select('device', 'Device', devices.devices.filter((d) => d.ip).map((d) => [d.ip, d.name ? `${d.name} (${d.ip})` : d.ip]), p.device),
  select('person', 'Person', devices.people.map((x) => [x, x]), p.person),
  select('provider', 'Service', PROVIDERS.map((x) => [x, providerName(x)]), p.provider),
  select('action', 'Outcome', [['allow', 'Allowed'], ['alert', 'Alert'], ['block', 'Blocked']], p.action),
  select('mode', 'Kind', [['intercept', 'API requests'], ['observe', 'App connections']], p.mode),
  h('label', null, 'Model', h('input', { name: 'model', value: p.model, placeholder: 'e.g. gpt-4o' })),
  h('label', null, 'From', h('input', { type: 'datetime-local', name: 'since', value: toLocalInput(p.since) })),
  h('label', null, 'To', h('input', { type: 'datetime-local', name: 'until', value: toLocalInput(p.until) })),
  h('label', { class: 'wide' }, 'Words in the prompt', h('input', { type: 'search', name: 'q', value: p.q, placeholder: 'homework, password, …' })),
  h('div', { class: 'actions' },
    h('button', { class: 'button primary', type: 'submit' }, 'Show'),
    h('a', { class: 'button', href: '#/events' }, 'Clear'),
    h('a', { class: 'button', id: 'csv', href: `/api/events.csv${query(filters)}`, download: true }, 'Download CSV')));

  const body = h('tbody');
  const table = h('table', { class: 'events-table' },
    h('thead', null, h('tr', null, ['When', 'Device', 'Service', 'Tokens', 'Action', 'Prompt'].map((t) => h('th', null, t)))), body);
  const more = h('button', { class: 'button', type: 'button', hidden: true }, 'Show more');
  const note = h('p', { class: 'muted' });
  let next = null;

  async function load() {
    more.disabled = true;
    let added = 0;
    // Text and model filters scan in steps: keep asking until a page has rows or the log ends.
    for (let steps = 0; steps < 20; steps++) {
      const page = await api(`/api/events${query({ ...filters, limit: PAGE, before: next })}`);
      for (const e of page.events) body.append(row(e));
      added += page.events.length;
      next = page.next;
      if (added > 0 || !next) break;
    }
    more.hidden = !next;
    more.disabled = false;
    note.textContent = body.children.length ? `${body.children.length} shown${next ? '' : ', that is all'}.` : '';
    if (!body.children.length) table.replaceWith(empty('Nothing matches these filters.'));
  }
  more.addEventListener('click', load);
  root.append(
    h('div', { class: 'view-head' }, h('h1', null, 'Activity')),
    card(null, form),
    card(null, h('div', { class: 'table-wrap' }, table), note, more));
  await load();
}
