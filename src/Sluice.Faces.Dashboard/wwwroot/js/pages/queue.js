// One queue: its options, live stats and chart, a publish form and its messages (peek: GET .../messages, never a lease).
import { api, seg } from '../api.js';
import { h, fill, table, num, bytes, seconds, time, link, field, pill, section } from '../dom.js';
import { lineChart } from '../charts.js';

export async function render(ctx) {
  const [name] = ctx.params;
  const path = `/v1/queues/${seg(name)}`;
  const depth = lineChart('Messages', ['ready', 'in flight', 'delayed']);
  ctx.onLeave(() => depth.destroy());
  const props = h('dl', { class: 'props' });
  const statsList = h('dl', { class: 'props', id: 'queue-stats' });
  const messages = h('div', { id: 'messages' });
  const result = h('p', { class: 'result', hidden: true, role: 'status' });
  const max = h('select', { name: 'max', 'aria-label': 'Messages to show' }, [10, 50, 100, 1000].map(n => h('option', { value: n, selected: n === 50 }, `${n} messages`)));

  const queue = await api('GET', path);
  if (!ctx.alive()) return;

  const body = h('textarea', { name: 'body', required: true, placeholder: 'message body (text)' });
  const priority = h('input', { name: 'priority', type: 'number', min: 0, max: 9, step: 1, placeholder: '0' });
  const delay = h('input', { name: 'delaySeconds', type: 'number', min: 0, step: 'any', placeholder: '0' });
  const group = h('input', { name: 'messageGroupId', placeholder: queue.fifo ? 'required' : 'FIFO only', autocomplete: 'off', disabled: !queue.fifo });
  const form = h('form', { class: 'inline', id: 'publish', 'aria-label': 'Publish a message' },
    field('Body', body), field('Priority', priority), field('Delay (s)', delay), field('Message group', group),
    h('button', { type: 'submit', class: 'primary' }, 'Publish'));
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const message = { body: body.value };
    if (priority.value !== '') message.priority = Number(priority.value);
    if (delay.value !== '') message.delaySeconds = Number(delay.value);
    if (queue.fifo && group.value !== '') message.messageGroupId = group.value;
    try {
      const answer = await api('POST', `${path}/messages`, message);
      const sent = answer.messages[0];
      result.className = 'result';
      fill(result, `Published message ${sent.messageId}${sent.duplicate ? ' (a duplicate: not enqueued again)' : ''}.`);
      result.hidden = false;
      body.value = '';
      await refresh();
    } catch (e) {
      result.className = 'result error';
      fill(result, e.field ? `${e.field}: ${e.message}` : e.message);
      result.hidden = false;
    }
  });
  max.addEventListener('change', () => refresh());

  const options = [
    ['Kind', queue.fifo ? 'FIFO' : 'standard'], ['Created', time(queue.createdAt)],
    ['Visibility timeout', seconds(queue.visibilityTimeoutSeconds)], ['Delivery delay', seconds(queue.deliveryDelaySeconds)],
    ['Retention', seconds(queue.retentionPeriodSeconds)], ['Max message size', bytes(queue.maxMessageSize)],
    ['Max receive count', num(queue.maxReceiveCount)],
    ['Dead-letter queue', queue.deadLetterQueue ? link(`#/queues/${seg(queue.deadLetterQueue)}`, queue.deadLetterQueue) : '–'],
    ['Max length', num(queue.maxLength)], ['Max bytes', bytes(queue.maxLengthBytes)], ['Overflow', queue.overflowPolicy],
  ];
  fill(props, options.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));

  fill(ctx.main,
    h('p', { class: 'crumbs' }, link('#/queues', 'Queues'), ' / '),
    h('h1', null, name),
    h('div', { class: 'grid' }, section('Stats', statsList), h('div', { class: 'card' }, depth.element), section('Options', props)),
    section('Publish a message', form, result),
    section('Messages', h('p', { class: 'hint' }, 'A peek: the messages stay where they are, no lease is taken. ',
      link(`#/dead-letters/${seg(name)}`, 'Dead-letter view of this queue')), h('div', { class: 'actions' }, max), messages));

  async function refresh() {
    const [stats, peek] = await Promise.all([api('GET', `${path}/stats`), api('GET', `${path}/messages?max=${max.value}`)]);
    if (!ctx.alive()) return;
    depth.push([stats.ready, stats.inFlight, stats.delayed]);
    const rows = [['Ready', num(stats.ready)], ['In flight', num(stats.inFlight)], ['Delayed', num(stats.delayed)],
      ['Dead-lettered', num(stats.deadLettered)], ['Bytes', bytes(stats.bytes)], ['Oldest', seconds(stats.oldestAgeSeconds)],
      ['Published/s', num(stats.publishRate)], ['Acked/s', num(stats.ackRate)], ['Waiting receivers', num(stats.waitingReceivers)]];
    fill(statsList, rows.map(([k, v]) => [h('dt', null, k), h('dd', { 'data-stat': k }, v)]));
    fill(messages, messageTable(peek.messages));
  }

  await ctx.every(refresh);
}

/** The peeked messages as a table (shared with the dead-letter page). */
export function messageTable(messages) {
  return table([
    { title: 'Message', cell: m => h('code', null, m.messageId) },
    { id: 'state', title: 'State', cell: m => pill(m.state) },
    { title: 'Priority', num: true, cell: m => num(m.priority) },
    { title: 'Sent', cell: m => time(m.sentAt) },
    { title: 'Receives', num: true, cell: m => num(m.receiveCount) },
    { id: 'body', title: 'Body', cell: m => h('div', { class: 'body-preview' }, m.body !== undefined && m.body !== null ? preview(m.body) : h('em', null, `binary, base64 ${preview(m.bodyBase64 ?? '')}`)) },
    { title: 'Dead letter', cell: m => m.deadLetter ? h('span', null, `from ${m.deadLetter.sourceQueue}: ${m.deadLetter.reason}`,
        m.deadLetter.lastError ? h('div', { class: 'hint' }, preview(m.deadLetter.lastError)) : null) : '–' },
  ], messages, { empty: 'No messages.', key: m => m.messageId, label: 'Messages' });
}

function preview(text) {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
