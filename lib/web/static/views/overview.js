// Overview: today at a glance, requests and tokens over 24 hours or 30 days, provider share,
// top devices, usage per person (API and apps), the latest activity (live) and recent alerts.
import { api } from '../api.js';
import { destroyAll, doughnut, horizontalBars, stackedBars } from '../charts.js';
import { card, empty, h } from '../dom.js';
import { appName, bucketLabels, colorFor, compact, duration, num, personName, providerName } from '../format.js';
import { alertItem, eventItem } from './common.js';

const LATEST = 6;
const REFRESH_MS = 60_000;

function kpi(label, value, hint) {
  return h('div', { class: 'kpi' }, h('span', { class: 'kpi-value' }, value), h('span', { class: 'kpi-label' }, label), hint ? h('span', { class: 'kpi-hint' }, hint) : null);
}

function sum(arrays, n) {
  const out = new Array(n).fill(0);
  for (const a of arrays) a.forEach((x, i) => (out[i] += x));
  return out;
}

/** Requests per provider and per device over the range (30 d: summed from the daily series). */
function rangeTotals(stats) {
  if (stats.range === '24h') {
    return {
      providers: stats.last_24h.providers.map((p) => ({ key: p.provider, requests: p.requests })),
      devices: stats.last_24h.devices.map((d) => ({ label: d.name ?? d.client_ip, requests: d.requests })),
    };
  }
  const s = stats.series;
  const total = (xs) => xs.reduce((a, b) => a + b, 0);
  return {
    providers: Object.entries(s.providers).map(([key, v]) => ({ key, requests: total(v.requests) })).sort((a, b) => b.requests - a.requests),
    devices: Object.entries(s.devices).map(([ip, v]) => ({ label: v.name ?? ip, requests: total(v.requests) })).sort((a, b) => b.requests - a.requests),
  };
}

function charts(stats) {
  const s = stats.series;
  const labels = bucketLabels(s.starts, stats.range, stats.tz);
  const providerSets = Object.entries(s.providers)
    .map(([p, v]) => ({ label: providerName(p), data: v.requests, backgroundColor: colorFor(p), borderRadius: 3 }))
    .sort((a, b) => b.data.reduce((x, y) => x + y, 0) - a.data.reduce((x, y) => x + y, 0));
  const peopleSets = Object.entries(s.people)
    .map(([p, v]) => ({ label: personName(p), data: v.tokens, backgroundColor: colorFor(`person:${p}`), borderRadius: 3 }));
  const totals = rangeTotals(stats);
  const top = totals.devices.slice(0, 8);
  const made = {
    requests: stackedBars(labels, providerSets.length ? providerSets : [{ label: 'Requests', data: sum([], labels.length) }], { label: 'Requests over time by provider' }),
    tokens: stackedBars(labels, peopleSets.length ? peopleSets : [{ label: 'Tokens', data: sum([], labels.length) }], { label: 'Tokens over time by person' }),
    share: doughnut(totals.providers.map((p) => providerName(p.key)), totals.providers.map((p) => p.requests), totals.providers.map((p) => colorFor(p.key)), { height: 220, label: 'Share of requests by provider' }),
    devices: horizontalBars(top.map((d) => d.label), top.map((d) => d.requests), '#4f46e5', { height: Math.max(120, 32 * top.length + 40), label: 'Top devices by requests', series: 'Requests' }),
  };
  const word = stats.range === '24h' ? 'last 24 hours' : 'last 30 days';
  const nodes = h('div', { class: 'grid charts' },
    card(`Requests, ${word}`, made.requests.el),
    card(`Tokens by person, ${word}`, made.tokens.el),
    card('Providers', totals.providers.length ? made.share.el : empty('No AI use in this period.')),
    card('Top devices', top.length ? made.devices.el : empty('No devices used AI in this period.')));
  return { nodes, list: Object.values(made).map((m) => m.chart) };
}

function peopleCards(stats) {
  const apps = new Map(stats.apps.people.map((p) => [p.person ?? '', p]));
  const people = new Map(stats.last_24h.people.map((p) => [p.person ?? '', p]));
  const keys = [...new Set([...people.keys(), ...apps.keys()])];
  if (!keys.length) return empty('Nobody used AI in the last 24 hours.');
  return h('div', { class: 'people' }, keys.map((k) => {
    const p = people.get(k);
    const a = apps.get(k);
    return h('article', { class: 'person-card' },
      h('h3', null, h('span', { class: 'avatar', style: { background: colorFor(`person:${k}`) } }, personName(k).slice(0, 1).toUpperCase()), personName(k)),
      h('dl', { class: 'facts' },
        h('div', null, h('dt', null, 'AI requests'), h('dd', null, num(p?.requests ?? 0))),
        h('div', null, h('dt', null, 'Tokens'), h('dd', null, compact(p?.tokens ?? 0))),
        h('div', null, h('dt', null, 'Time in AI apps'), h('dd', null, duration(a?.time_ms ?? 0)))),
      a?.apps.length
        ? h('ul', { class: 'chips' }, a.apps.map((app) => h('li', null, `${appName(app.provider)} · ${duration(app.time_ms)} · ${app.sessions} session${app.sessions === 1 ? '' : 's'}`)))
        : null,
      p?.blocked ? h('p', { class: 'muted' }, `${p.blocked} blocked`) : null);
  }));
}

export async function render(root, ctx) {
  let range = ctx.params.get('range') === '30d' ? '30d' : '24h';
  const [stats, alerts, latest] = await Promise.all([api(`/api/stats?range=${range}`), api('/api/alerts?limit=5'), api(`/api/events?limit=${LATEST}`)]);
  let current = stats;
  let made = [];
  const reload = async () => {
    current = await api(`/api/stats?range=${range}`);
    drawKpis();
    drawCharts();
    peopleSlot.replaceChildren(peopleCards(current));
  };

  const kpis = h('div', { class: 'kpis' });
  const chartsSlot = h('div');
  const peopleSlot = h('div');
  const latestList = h('ul', { class: 'events compact' }, latest.events.map((e) => eventItem(e)));
  const alertList = h('ul', { class: 'alerts' }, alerts.alerts.map(alertItem));
  const latestEmpty = latest.events.length ? null : empty('Nothing recorded yet.');
  const alertsEmpty = alerts.alerts.length ? null : empty('No alerts. All quiet.');
  const toggle = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Time range' },
    ['24h', '30d'].map((r) => h('button', { type: 'button', 'data-range': r, 'aria-pressed': String(r === range), onclick: async () => {
      range = r;
      for (const b of toggle.children) b.setAttribute('aria-pressed', String(b.dataset.range === r));
      await reload().catch(() => {});
    } }, r === '24h' ? '24 hours' : '30 days')));

  function drawKpis() {
    const t = current.today.totals;
    kpis.replaceChildren(
      kpi('AI requests today', num(t.requests)),
      kpi('Tokens today', compact(t.tokens)),
      kpi('Time in AI apps', duration(current.apps.people.reduce((a, p) => a + p.time_ms, 0)), 'last 24 h'),
      kpi('Alerts', num(current.alerts.last_24h), 'last 24 h'),
      kpi('Blocked today', num(t.blocked)));
  }
  function drawCharts() {
    destroyAll(made);
    const c = charts(current);
    made = c.list;
    chartsSlot.replaceChildren(c.nodes);
    root.dataset.range = current.range;
  }
  drawKpis();
  drawCharts();
  peopleSlot.replaceChildren(peopleCards(current));

  root.append(
    h('div', { class: 'view-head' }, h('h1', null, 'Overview'), toggle),
    kpis,
    chartsSlot,
    card('People, last 24 hours', peopleSlot),
    h('div', { class: 'grid two' },
      card('Latest activity', latestEmpty, latestList, h('p', null, h('a', { href: '#/live' }, 'Open the live feed →'))),
      card('Recent alerts', alertsEmpty, alertList, h('p', null, h('a', { href: '#/alerts' }, 'All alerts →')))));

  const unsubscribe = ctx.live?.subscribe((msg) => {
    if (msg.type === 'event') {
      latestEmpty?.remove();
      latestList.prepend(eventItem(msg.event, { fresh: true }));
      while (latestList.children.length > LATEST) latestList.lastElementChild.remove();
    } else if (msg.type === 'alert') {
      alertsEmpty?.remove();
      alertList.prepend(alertItem(msg.alert));
      while (alertList.children.length > 5) alertList.lastElementChild.remove();
    }
  });
  const timer = setInterval(() => {
    // A failed refresh waits for the next tick; a lost session is handled by api().
    if (!document.hidden) reload().catch(() => {});
  }, REFRESH_MS);
  return () => {
    unsubscribe?.();
    clearInterval(timer);
    destroyAll(made);
  };
}
