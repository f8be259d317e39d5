// Pieces several views share: one event as a list item, one alert, the action badge.
import { h } from '../dom.js';
import { ACTION_LABEL, ago, appName, clock, compact, deviceName, duration, providerName } from '../format.js';

export function badge(action) {
  return h('span', { class: `badge ${action}` }, ACTION_LABEL[action] ?? action);
}

/** "ChatGPT (app)" for observed connections, "OpenAI · gpt-4o" for API requests. */
export function serviceLabel(e) {
  return e.mode === 'observe' ? `${appName(e.provider)} app` : `${providerName(e.provider)}${e.model ? ` · ${e.model}` : ''}`;
}

function tokens(e) {
  if (e.prompt_tokens === null && e.completion_tokens === null) return null;
  return `${compact((e.prompt_tokens ?? 0) + (e.completion_tokens ?? 0))} tokens`;
}

export function eventItem(e, { fresh = false } = {}) {
  const person = e.device_person ?? e.person;
  const details = e.mode === 'observe'
    ? [e.duration_ms ? `${duration(e.duration_ms)} open` : null]
    : [tokens(e), e.status ? `HTTP ${e.status}` : null, e.error ? `error: ${e.error}` : null];
  return h('li', { class: `event${fresh ? ' fresh' : ''}`, 'data-id': e.id },
    h('div', { class: 'event-head' },
      h('time', { datetime: new Date(e.ts).toISOString(), title: new Date(e.ts).toString() }, clock(e.ts)),
      h('strong', { class: 'who' }, deviceName(e)),
      person ? h('span', { class: 'person' }, person) : null,
      badge(e.policy_action)),
    h('div', { class: 'event-body' },
      h('span', { class: 'service' }, serviceLabel(e)),
      ...details.filter(Boolean).map((d) => h('span', { class: 'muted' }, d))),
    e.prompt_preview ? h('p', { class: 'preview', title: e.prompt_cut ? 'Cut here; the CSV download has the whole prompt' : null }, e.prompt_preview) : null,
    e.policy_reasons?.length ? h('p', { class: 'reasons' }, e.policy_reasons.join(' · ')) : null);
}

export function alertItem(a) {
  const who = a.device_name ?? a.client_name ?? a.client_ip;
  return h('li', { class: `alert ${a.severity}`, 'data-id': a.id },
    h('div', { class: 'event-head' },
      h('time', { datetime: new Date(a.ts).toISOString(), title: new Date(a.ts).toString() }, ago(a.ts)),
      h('strong', null, a.title),
      h('span', { class: `badge sev-${a.severity}` }, a.severity)),
    a.message ? h('p', null, a.message) : null,
    who ? h('p', { class: 'muted' }, `${who}${(a.device_person ?? a.person) ? ` · ${a.device_person ?? a.person}` : ''}${a.provider ? ` · ${providerName(a.provider)}` : ''}`) : null);
}
