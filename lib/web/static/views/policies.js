// Rules: which policy files are loaded, whether YORI only warns (advisory) or also blocks
// (enforce), and whether the last reload worked.
import { api } from '../api.js';
import { card, empty, h } from '../dom.js';
import { ago, dateTime } from '../format.js';

const MODES = {
  advisory: ['Advisory', 'YORI tells you when a rule is broken but never blocks anything.'],
  enforce: ['Enforce', 'YORI blocks requests that break a rule, and tells you.'],
};

export async function render(root) {
  const s = await api('/api/policies');
  const [mode, explain] = MODES[s.mode] ?? [s.mode, ''];
  const reload = s.lastReload;
  root.append(
    h('div', { class: 'view-head' }, h('h1', null, 'Rules')),
    h('div', { class: 'grid two' },
      card('Mode', h('p', { class: 'mode' }, h('span', { class: `badge mode-${s.mode}` }, mode)), h('p', null, explain),
        h('p', { class: 'muted' }, 'Change it with policy.mode in yori.conf.')),
      card('Status',
        reload
          ? h('p', { class: `verdict ${reload.ok ? 'ok' : 'none'}` }, reload.ok ? `Rules loaded ${ago(reload.at)}` : `The last reload failed ${ago(reload.at)}`)
          : h('p', { class: 'verdict partial' }, s.loadedAt ? `Rules loaded ${ago(s.loadedAt)}` : 'No rules loaded yet'),
        reload?.error ? h('pre', { class: 'error-text' }, reload.error) : null,
        reload && !reload.ok ? h('p', { class: 'muted' }, 'YORI keeps using the last rules that worked, and never blocks because of a broken rule.') : null,
        s.loadedAt ? h('p', { class: 'muted' }, `Active since ${dateTime(s.loadedAt)}`) : null)),
    card('Rule files', h('p', { class: 'muted' }, s.dir),
      s.files.length ? h('ul', { class: 'files' }, s.files.map((f) => h('li', null, h('code', null, f.name), f.kind === 'wasm' ? ' (compiled)' : ''))) : empty('No rule files in this folder.')),
    card('What the rules check', s.packages.length ? h('ul', { class: 'chips' }, s.packages.map((p) => h('li', null, p))) : empty('No rules that warn or block.')));
}
