// One stream: its retention and ids, its consumer groups with their consumers and pending entries (XPENDING).
import { api, seg } from '../api.js';
import { h, fill, table, num, bytes, seconds, time, link, section } from '../dom.js';
import { lineChart } from '../charts.js';

export async function render(ctx) {
  const [name] = ctx.params;
  const path = `/v1/streams/${seg(name)}`;
  const chart = lineChart('Entries and pending', ['entries', 'pending (all groups)']);
  ctx.onLeave(() => chart.destroy());
  const info = h('dl', { class: 'props' });
  const groups = h('div', { id: 'groups' });
  fill(ctx.main,
    h('p', { class: 'crumbs' }, link('#/streams', 'Streams'), ' / '),
    h('h1', null, name),
    h('div', { class: 'grid' }, section('Stream', info), h('div', { class: 'card' }, chart.element)),
    h('div', { id: 'group-details' }, groups));

  async function refresh() {
    const [stream, { groups: list }] = await Promise.all([api('GET', path), api('GET', `${path}/groups`)]);
    const perGroup = await Promise.all(list.map(async g => {
      const gp = `${path}/groups/${seg(g.name)}`;
      const [{ consumers }, { entries }] = await Promise.all([
        api('GET', `${gp}/consumers`), api('GET', `${gp}/pending/entries?from=-&to=%2B&count=100`)]);
      return { group: g, consumers, entries };
    }));
    if (!ctx.alive()) return;
    chart.push([stream.length, list.reduce((t, g) => t + g.pending, 0)]);
    const rows = [['Entries', num(stream.length)], ['Bytes', bytes(stream.bytes)], ['Entries added', num(stream.entriesAdded)],
      ['Last generated id', h('code', null, stream.lastGeneratedId)], ['Consumer groups', num(stream.groups)],
      ['Max length', num(stream.retention?.maxLength)], ['Max bytes', bytes(stream.retention?.maxBytes)],
      ['Max age', seconds(stream.retention?.maxAgeSeconds)], ['Created', time(stream.createdAt)]];
    fill(info, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
    fill(groups,
      section('Consumer groups', table([
        { title: 'Group', cell: g => g.name },
        { title: 'Consumers', num: true, cell: g => num(g.consumers) },
        { id: 'pending', title: 'Pending', num: true, cell: g => num(g.pending) },
        { title: 'Last delivered', cell: g => h('code', null, g.lastDeliveredId) },
        { title: 'Lag', num: true, cell: g => num(g.lag) },
        { title: 'Max deliveries', num: true, cell: g => num(g.maxDeliveries) },
        { title: 'Dead-letter stream', cell: g => g.deadLetterStream ? link(`#/streams/${seg(g.deadLetterStream)}`, g.deadLetterStream) : '–' },
      ], list, { empty: 'No consumer groups.', key: g => g.name, label: 'Consumer groups' })),
      perGroup.map(({ group, consumers, entries }) => h('section', { class: 'card', 'data-group': group.name },
        h('h2', null, `Group ${group.name}`),
        h('h3', null, 'Consumers'),
        table([
          { title: 'Consumer', cell: c => c.name },
          { title: 'Pending', num: true, cell: c => num(c.pending) },
          { title: 'Idle', num: true, cell: c => seconds(c.idleSeconds) },
          { title: 'Inactive', num: true, cell: c => seconds(c.inactiveSeconds) },
        ], consumers, { empty: 'No consumers.', key: c => c.name, label: `Consumers of ${group.name}` }),
        h('h3', null, 'Pending entries'),
        table([
          { title: 'Entry', cell: e => h('code', null, e.id) },
          { title: 'Consumer', cell: e => e.consumer },
          { title: 'Deliveries', num: true, cell: e => num(e.deliveryCount) },
          { title: 'Idle', num: true, cell: e => seconds(e.idleSeconds) },
          { title: 'Delivered', cell: e => time(e.deliveredAt) },
        ], entries, { empty: 'No pending entries.', key: e => e.id, label: `Pending entries of ${group.name}` }))));
  }

  await ctx.every(refresh);
}
