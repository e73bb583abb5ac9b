// Topics: each topic's counters and rates (GET /v1/topics), a chart of publish and delivery rates, and subscriptions.
import { api, seg } from '../api.js';
import { h, fill, table, num, time, link, section } from '../dom.js';
import { lineChart, rateMeter } from '../charts.js';

export async function render(ctx) {
  const rates = lineChart('Rates (all topics, per second)', ['published', 'delivered', 'unrouted'], { unit: '/s' });
  ctx.onLeave(() => rates.destroy());
  const rate = rateMeter();
  const list = h('div', { id: 'topic-list' });
  const subs = h('div', { id: 'subscriptions' });
  fill(ctx.main, h('h1', null, 'Topics'), h('div', { class: 'card' }, rates.element), section('All topics', list), section('Subscriptions', subs));

  async function refresh() {
    const { topics } = await api('GET', '/v1/topics');
    const subscriptions = await Promise.all(topics.slice(0, 50).map(t => api('GET', `/v1/topics/${seg(t.name)}/subscriptions`)));
    if (!ctx.alive()) return;
    const sum = key => topics.reduce((total, t) => total + (t[key] ?? 0), 0);
    rates.push([rate('published', sum('published')), rate('delivered', sum('delivered')), rate('unrouted', sum('unrouted'))]);
    fill(list, table([
      { title: 'Topic', cell: t => t.name },
      { title: 'Subscriptions', num: true, cell: t => num(t.subscriptions) },
      { title: 'Published', num: true, cell: t => num(t.published) },
      { title: 'Published/s', num: true, cell: t => num(rate(`t:${t.name}`, t.published)) },
      { title: 'Delivered', num: true, cell: t => num(t.delivered) },
      { title: 'Unrouted', num: true, cell: t => num(t.unrouted) },
      { title: 'Created', cell: t => time(t.createdAt) },
    ], topics, { empty: 'No topics.', key: t => t.name, label: 'Topics' }));
    fill(subs, table([
      { title: 'Topic', cell: s => s.topic },
      { title: 'Queue', cell: s => link(`#/queues/${seg(s.queue)}`, s.queue) },
      { title: 'Routing key pattern', cell: s => s.routingKeyPattern ? h('code', null, s.routingKeyPattern) : '–' },
      { title: 'Filter policy', cell: s => s.filterPolicy ? h('code', null, JSON.stringify(s.filterPolicy)) : '–' },
      { title: 'Created', cell: s => time(s.createdAt) },
    ], subscriptions.flatMap(s => s.subscriptions), { empty: 'No subscriptions.', label: 'Subscriptions' }));
  }

  await ctx.every(refresh);
}
