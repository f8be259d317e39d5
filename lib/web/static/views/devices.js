// Devices & people: every device YORI knows, grouped by the person it belongs to. A parent gives
// a device a readable name and a person here; YORI uses them everywhere from the next request on.
import { api } from '../api.js';
import { append, card, empty, errorBox, h } from '../dom.js';
import { ago, compact, num, personName } from '../format.js';

const SOURCE = {
  dashboard: 'named here',
  config: 'named in yori.conf',
  dhcp: 'name from the router (DHCP)',
  audit: 'name as recorded',
};

function deviceCard(d, onSaved) {
  const name = h('input', { name: 'name', value: d.name ?? '', maxlength: 64, placeholder: 'e.g. Emma\'s iPad', 'aria-label': 'Device name' });
  const person = h('input', { name: 'person', value: d.person ?? '', maxlength: 64, list: 'people-list', placeholder: 'e.g. Emma', 'aria-label': 'Person' });
  const status = h('span', { class: 'save-status', role: 'status' });
  const form = h('form', { class: 'device-form', onsubmit: async (e) => {
    e.preventDefault();
    status.textContent = 'Saving…';
    try {
      await api('/api/devices', { method: 'POST', body: { key: d.key, name: name.value, person: person.value } });
      status.textContent = 'Saved';
      onSaved();
    } catch (err) {
      status.replaceChildren(errorBox(err));
    }
  } },
  h('label', null, 'Name', name),
  h('label', null, 'Person', person),
  h('div', { class: 'actions' }, h('button', { class: 'button primary', type: 'submit' }, 'Save'), status));
  return h('article', { class: 'device-card', 'data-key': d.key },
    h('header', null,
      h('h3', null, d.name ?? d.ip ?? d.mac),
      h('p', { class: 'muted' }, [d.ip ?? 'not on the network now', d.mac].filter(Boolean).join(' · '))),
    h('p', { class: 'facts-line' },
      h('span', null, `${num(d.requests_24h)} requests, ${compact(d.tokens_24h)} tokens in 24 h`),
      h('span', { class: 'muted' }, d.last_seen ? `last AI use ${ago(d.last_seen)}` : 'no AI use recorded'),
      d.source ? h('span', { class: 'muted' }, SOURCE[d.source]) : null),
    form,
    d.ip ? h('p', null, h('a', { href: `#/events?device=${encodeURIComponent(d.ip)}` }, 'See activity →')) : null);
}

export async function render(root, ctx) {
  const data = await api('/api/devices');
  const groups = new Map();
  for (const d of data.devices) {
    const k = d.person ?? '';
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(d);
  }
  // Unassigned devices first: they are the ones a parent still has to sort out.
  const order = [...groups.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  const reload = () => ctx.navigate('devices', { t: Date.now() });

  append(root, [
    h('div', { class: 'view-head' }, h('h1', null, 'Devices & people')),
    h('p', { class: 'lead' }, 'Give each device a name and the person it belongs to. The overview then shows usage per person.'),
    h('datalist', { id: 'people-list' }, data.people.map((p) => h('option', { value: p }))),
    data.devices.length ? null : card(null, empty('No devices yet. They appear here after their first AI request.')),
    h('div', { class: 'group-grid' }, order.map((k) => card(`${personName(k)} (${groups.get(k).length})`,
      h('div', { class: 'device-list' }, groups.get(k).map((d) => deviceCard(d, reload))))))]);
}
