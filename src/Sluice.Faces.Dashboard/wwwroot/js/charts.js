// Live line charts on uPlot (vendor/uplot, loaded as a classic script before the modules: globalThis.uPlot).
import { h } from './dom.js';

const palette = ['#2563eb', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#0891b2'];

/** How many samples a chart keeps (at one poll every few seconds: a few minutes). */
const MAX_POINTS = 120;

/**
 * A chart of a few series over time. Returns { element, push(values), destroy() }: push adds one sample (an array of
 * numbers, one per series, taken now). The element carries a text summary of the last sample for screen readers.
 */
export function lineChart(title, seriesNames, { unit = '' } = {}) {
  const plotArea = h('div', { class: 'plot' });
  const summary = h('p', { class: 'chart-summary' });
  const element = h('figure', { class: 'chart', 'data-chart': title }, h('figcaption', null, title), plotArea, summary);
  const data = [[], ...seriesNames.map(() => [])];
  let plot = null;
  const UPlot = globalThis.uPlot;

  function create() {
    if (!UPlot || plot) return;
    const width = Math.max(plotArea.clientWidth || 0, 240);
    plot = new UPlot({
      width,
      height: 180,
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: '#64748b', grid: { stroke: '#e2e8f0' } },
        { stroke: '#64748b', grid: { stroke: '#e2e8f0' }, size: 60, values: (u, ticks) => ticks.map(t => `${fmt(t)}${unit}`) },
      ],
      series: [{}, ...seriesNames.map((label, i) => ({ label, stroke: palette[i % palette.length], width: 2 }))],
    }, data, plotArea);
  }

  const observer = typeof ResizeObserver === 'function'
    ? new ResizeObserver(() => {
        if (plot && plotArea.clientWidth > 0) plot.setSize({ width: plotArea.clientWidth, height: 180 });
      })
    : null;
  observer?.observe(plotArea);

  return {
    element,
    push(values) {
      data[0].push(Date.now() / 1000);
      values.forEach((v, i) => data[i + 1].push(v ?? null));
      if (data[0].length > MAX_POINTS) data.forEach(series => series.shift());
      summary.textContent = seriesNames.map((name, i) => `${name}: ${fmt(values[i])}${unit}`).join(' · ');
      if (!plot) create();
      else plot.setData(data);
      // At least the last minute on the time axis, so the first samples do not spread over years.
      const last = data[0][data[0].length - 1];
      plot?.setScale('x', { min: Math.min(data[0][0], last - 60), max: last });
    },
    destroy() {
      observer?.disconnect();
      plot?.destroy();
      plot = null;
    },
  };
}

function fmt(value) {
  if (value === null || value === undefined) return '–';
  return Math.abs(value) >= 100 || Number.isInteger(value) ? Math.round(value).toLocaleString('en') : value.toFixed(2);
}

/**
 * Turns counters into per-second rates between two polls: rate(key, counter) answers null the first time a key is
 * seen, then (counter - previous) / elapsed seconds.
 */
export function rateMeter() {
  const last = new Map();
  return (key, counter) => {
    const now = performance.now();
    const previous = last.get(key);
    last.set(key, { now, counter });
    if (!previous || now <= previous.now) return null;
    return Math.max(0, (counter - previous.counter) / ((now - previous.now) / 1000));
  };
}
