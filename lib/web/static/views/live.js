// Live: every request and app connection as YORI records it, newest on top, plus alerts as they
// are raised. Starts with the latest recorded events so the page is never blank.
import { api } from '../api.js';
import { card, empty, h } from '../dom.js';
import { alertItem, eventItem } from './common.js';

const KEEP = 200;

export async function render(root, ctx) {
  const first = await api('/api/events?limit=30');
  const list = h('ul', { class: 'events', id: 'live-events' }, first.events.map((e) => eventItem(e)));
  const none = first.events.length ? null : empty('Waiting for the first AI request…');
  const status = h('p', { class: 'muted live-status' });
  const paused = h('input', { type: 'checkbox', id: 'pause' });
  const queue = [];
  const setStatus = () => {
    status.textContent = ctx.live?.connected ? 'Connected: new activity appears here as it happens.' : 'Connecting…';
  };
  setStatus();
  const statusTimer = setInterval(setStatus, 1000);

  const add = (node) => {
    none?.remove();
    list.prepend(node);
    while (list.children.length > KEEP) list.lastElementChild.remove();
  };
  paused.addEventListener('change', () => {
    if (!paused.checked) while (queue.length) add(queue.shift());
  });
  const unsubscribe = ctx.live?.subscribe((msg) => {
    const node = msg.type === 'event' ? eventItem(msg.event, { fresh: true }) : msg.type === 'alert' ? alertItem(msg.alert) : null;
    if (!node) return;
    if (paused.checked) queue.push(node);
    else add(node);
  });

  root.append(
    h('div', { class: 'view-head' }, h('h1', null, 'Live'), h('label', { class: 'toggle' }, paused, ' Pause')),
    card(null, status, none, list));
  return () => {
    unsubscribe?.();
    clearInterval(statusTimer);
  };
}
