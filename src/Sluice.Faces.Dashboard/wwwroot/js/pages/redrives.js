// Redrive tasks: every task (GET /v1/redrives) with its progress; a running one can be cancelled (DELETE /v1/redrives/{id}).
import { api, seg } from '../api.js';
import { h, fill, table, num, time, link, pill, section } from '../dom.js';

export async function render(ctx) {
  const list = h('div', { id: 'redrive-list' });
  fill(ctx.main, h('h1', null, 'Redrive tasks'), section('Tasks (newest first)', list));

  async function refresh() {
    const { redrives } = await api('GET', '/v1/redrives');
    if (!ctx.alive()) return;
    fill(list, table([
      { title: 'Task', cell: r => h('code', null, r.id) },
      { title: 'From', cell: r => link(`#/dead-letters/${seg(r.deadLetterQueue)}`, r.deadLetterQueue) },
      { title: 'To', cell: r => r.destination ? link(`#/queues/${seg(r.destination)}`, r.destination) : 'source queues' },
      { id: 'state', title: 'State', cell: r => pill(r.state) },
      { id: 'progress', title: 'Progress', cell: r => h('span', null,
          h('progress', { max: Math.max(r.total ?? 0, 1), value: r.moved, 'aria-label': `moved ${r.moved} of ${r.total}` }), ` ${num(r.moved)} / ${num(r.total)}`) },
      { title: 'Max/s', num: true, cell: r => num(r.maxPerSecond) },
      { title: 'Started', cell: r => time(r.startedAt) },
      { title: 'Finished', cell: r => time(r.finishedAt) },
      { title: 'Error', cell: r => r.error ?? '' },
      { title: '', cell: r => r.state === 'running' ? h('button', { type: 'button', class: 'danger', on: { click: () => cancel(r.id) } }, 'Cancel') : '' },
    ], redrives, { empty: 'No redrive tasks.', key: r => r.id, label: 'Redrive tasks' }));
  }

  async function cancel(id) {
    try {
      const task = await api('DELETE', `/v1/redrives/${seg(id)}`);
      ctx.notify(`Task ${task.id} is ${task.state}.`, 'ok');
      await refresh();
    } catch (e) {
      ctx.notify(e.message, 'error');
    }
  }

  await ctx.every(refresh);
}
