// Chart.js (served from the package as /static/vendor/chart.umd.js) with the dashboard's look.
// Charts are made with animations off: the data is what matters, and phones stay cool.
import { h } from './dom.js';

const Chart = window.Chart;
if (Chart) {
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#475569';
  Chart.defaults.borderColor = '#e2e8f0';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
}

/** A canvas in a sized box, and the chart on it; returns {el, chart}. */
export function chart(config, { height = 240, label } = {}) {
  const canvas = h('canvas', { role: 'img', 'aria-label': label ?? '' });
  const el = h('div', { class: 'chart-box', style: { height: `${height}px` } }, canvas);
  const made = Chart ? new Chart(canvas, config) : null;
  return { el, chart: made };
}

export function stackedBars(labels, datasets, opts = {}) {
  return chart({
    type: 'bar',
    data: { labels, datasets },
    options: {
      interaction: { mode: 'index', intersect: false },
      scales: { x: { stacked: true, grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 8 } }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  }, opts);
}

export function doughnut(labels, data, colors, opts = {}) {
  return chart({
    type: 'doughnut',
    data: { labels, datasets: [{ data, backgroundColor: colors, borderWidth: 1 }] },
    options: { cutout: '62%', plugins: { legend: { position: 'bottom' } } },
  }, opts);
}

export function horizontalBars(labels, data, color, opts = {}) {
  return chart({
    type: 'bar',
    data: { labels, datasets: [{ label: opts.series ?? '', data, backgroundColor: color, borderRadius: 4 }] },
    options: { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } }, plugins: { legend: { display: false } } },
  }, opts);
}

export function destroyAll(charts) {
  for (const c of charts) c?.destroy();
}
