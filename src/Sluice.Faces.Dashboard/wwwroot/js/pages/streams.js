// Streams: each stream's length, size and append rate (GET /v1/streams and GET /v1/streams/{name}), with a chart.
import { api, seg } from '../api.js';
import { h, fill, table, num, bytes, time, link, section } from '../dom.js';
import { lineChart, rateMeter } from '../charts.js';

export async function render(ctx) {
  const length = lineChart('Entries (all streams)', ['entries']);
  const rates = lineChart('Appended (all streams, per second)', ['appended'], { unit: '/s' });
  ctx.onLeave(() => { length.destroy(); rates.destroy(); });
  const rate = rateMeter();
  const list = h('div', { id: 'stream-list' });
  fill(ctx.main, h('h1', null, 'Streams'),
    h('div', { class: 'grid' }, h('div', { class: 'card' }, length.element), h('div', { class: 'card' }, rates.element)),
    section('All streams', list));

  async function refresh() {
    const { streams } = await api('GET', '/v1/streams');
    // entriesAdded (a counter that trimming does not lower) is in the single-stream answer only.
    const details = await Promise.all(streams.slice(0, 50).map(s => api('GET', `/v1/streams/${seg(s.name)}`)));
    if (!ctx.alive()) return;
    const added = new Map(details.map(d => [d.name, d.entriesAdded]));
    length.push([streams.reduce((t, s) => t + s.length, 0)]);
    rates.push([rate('all', details.reduce((t, d) => t + (d.entriesAdded ?? 0), 0))]);
    fill(list, table([
      { title: 'Stream', cell: s => link(`#/streams/${seg(s.name)}`, s.name) },
      { title: 'Entries', num: true, cell: s => num(s.length) },
      { title: 'Appended/s', num: true, cell: s => added.has(s.name) ? num(rate(`s:${s.name}`, added.get(s.name))) : '–' },
      { title: 'Bytes', num: true, cell: s => bytes(s.bytes) },
      { title: 'First id', cell: s => s.firstEntryId ? h('code', null, s.firstEntryId) : '–' },
      { title: 'Last id', cell: s => s.lastEntryId ? h('code', null, s.lastEntryId) : '–' },
      { title: 'Groups', num: true, cell: s => num(s.groups) },
      { title: 'Created', cell: s => time(s.createdAt) },
    ], streams, { empty: 'No streams.', key: s => s.name, label: 'Streams' }));
  }

  await ctx.every(refresh);
}
