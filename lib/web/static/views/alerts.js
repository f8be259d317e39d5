// Alerts: everything YORI raised (policy alerts and blocks, new devices, policy errors), newest
// first, with "Show more".
import { api, query } from '../api.js';
import { card, empty, h } from '../dom.js';
import { alertItem } from './common.js';

const KINDS = [['policy', 'Rules'], ['new_device', 'New devices'], ['policy_error', 'Rule errors'], ['system', 'System'], ['test', 'Tests']];

export async function render(root, ctx) {
  const kind = ctx.params.get('kind') ?? '';
  const list = h('ul', { class: 'alerts' });
  const more = h('button', { class: 'button', type: 'button', hidden: true }, 'Show more');
  let before = null;
  async function load() {
    const page = await api(`/api/alerts${query({ limit: 50, before, kind })}`);
    for (const a of page.alerts) list.append(alertItem(a));
    before = page.next;
    more.hidden = !before;
  }
  more.addEventListener('click', load);
  await load();
  const filter = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Kind of alert' },
    [['', 'All'], ...KINDS].map(([k, label]) => h('button', { type: 'button', 'aria-pressed': String(k === kind), onclick: () => ctx.navigate('alerts', { kind: k }) }, label)));
  root.append(
    h('div', { class: 'view-head' }, h('h1', null, 'Alerts'), filter),
    card(null, list.children.length ? list : empty('No alerts here. All quiet.'), more));
  const unsubscribe = ctx.live?.subscribe((msg) => {
    if (msg.type === 'alert' && (!kind || msg.alert.kind === kind)) list.prepend(alertItem(msg.alert));
  });
  return () => unsubscribe?.();
}
