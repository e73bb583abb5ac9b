// Queues: every queue with its live depth and rates (GET /v1/queues, GET /v1/stats), two charts, and a create form.
import { api, seg } from '../api.js';
import { h, fill, table, num, seconds, link, field, section } from '../dom.js';
import { lineChart } from '../charts.js';

export async function render(ctx) {
  const depth = lineChart('Messages (all queues)', ['ready', 'in flight', 'delayed']);
  const rates = lineChart('Rates (all queues, per second)', ['published', 'acked'], { unit: '/s' });
  ctx.onLeave(() => { depth.destroy(); rates.destroy(); });
  const list = h('div', { id: 'queue-list' });
  const result = h('p', { class: 'result', hidden: true, role: 'status' });

  const name = h('input', { name: 'name', required: true, maxlength: 80, placeholder: 'jobs', autocomplete: 'off' });
  const fifo = h('input', { type: 'checkbox', name: 'fifo' });
  const maxReceive = h('input', { name: 'maxReceiveCount', type: 'number', min: 1, step: 1, placeholder: 'none' });
  const dlq = h('input', { name: 'deadLetterQueue', placeholder: 'none', autocomplete: 'off' });
  const visibility = h('input', { name: 'visibilityTimeoutSeconds', type: 'number', min: 0, max: 43200, step: 'any', placeholder: '30' });
  const form = h('form', { class: 'inline', id: 'create-queue', 'aria-label': 'Create a queue' },
    field('Name', name),
    field('Visibility timeout (s)', visibility),
    field('Max receive count', maxReceive),
    field('Dead-letter queue', dlq),
    h('label', { class: 'field check' }, fifo, 'FIFO'),
    h('button', { type: 'submit', class: 'primary' }, 'Create queue'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const body = { name: name.value.trim() };
    if (fifo.checked) body.fifo = true;
    if (visibility.value !== '') body.visibilityTimeoutSeconds = Number(visibility.value);
    if (maxReceive.value !== '') body.maxReceiveCount = Number(maxReceive.value);
    if (dlq.value.trim() !== '') body.deadLetterQueue = dlq.value.trim();
    try {
      const created = await api('POST', '/v1/queues', body);
      result.className = 'result';
      fill(result, 'Queue ', link(`#/queues/${seg(created.name)}`, created.name), ' is ready.');
      result.hidden = false;
      form.reset();
      await refresh();
    } catch (e) {
      result.className = 'result error';
      fill(result, e.field ? `${e.field}: ${e.message}` : e.message);
      result.hidden = false;
    }
  });

  fill(ctx.main,
    h('h1', null, 'Queues'),
    h('div', { class: 'grid' }, h('div', { class: 'card' }, depth.element), h('div', { class: 'card' }, rates.element)),
    section('All queues', list),
    section('Create a queue', form,
      h('p', { class: 'hint' }, 'A name is 1-80 characters from A-Z a-z 0-9 - _ (a FIFO queue\'s ends in .fifo). Empty fields take the server\'s defaults.'), result));

  async function refresh() {
    const [{ queues }, { queues: stats }] = await Promise.all([api('GET', '/v1/queues'), api('GET', '/v1/stats')]);
    if (!ctx.alive()) return;
    const byName = new Map(stats.map(s => [s.queue, s]));
    const sum = key => stats.reduce((total, s) => total + (s[key] ?? 0), 0);
    depth.push([sum('ready'), sum('inFlight'), sum('delayed')]);
    rates.push([sum('publishRate'), sum('ackRate')]);
    const dlqs = new Set(queues.map(q => q.deadLetterQueue).filter(Boolean));
    const rows = queues.map(q => ({ q, s: byName.get(q.name) ?? {} }));
    fill(list, table([
      { title: 'Queue', cell: r => h('span', null, link(`#/queues/${seg(r.q.name)}`, r.q.name),
          r.q.fifo ? h('span', { class: 'pill' }, ' FIFO') : null, dlqs.has(r.q.name) ? h('span', { class: 'pill pill-bad' }, ' dead-letter queue') : null) },
      { id: 'ready', title: 'Ready', num: true, cell: r => num(r.s.ready) },
      { id: 'inFlight', title: 'In flight', num: true, cell: r => num(r.s.inFlight) },
      { id: 'delayed', title: 'Delayed', num: true, cell: r => num(r.s.delayed) },
      { id: 'deadLettered', title: 'Dead-lettered', num: true, cell: r => num(r.s.deadLettered) },
      { title: 'Oldest', num: true, cell: r => seconds(r.s.oldestAgeSeconds) },
      { title: 'Published/s', num: true, cell: r => num(r.s.publishRate) },
      { title: 'Acked/s', num: true, cell: r => num(r.s.ackRate) },
      { title: 'Waiting receivers', num: true, cell: r => num(r.s.waitingReceivers) },
    ], rows, { empty: 'No queues yet: create one below.', key: r => r.q.name, label: 'Queues' }));
  }

  await ctx.every(refresh);
}
