// Dead letters: the dead-letter queues, and for one of them its failure groups (GET .../dead-letters/groups) with a
// bulk redrive of the groups chosen: a dry run first (dryRun: true changes nothing and says how many would move),
// then the redrive itself (one redrive task per group, followed on the Redrives page), and the dead letters (a peek).
import { api, seg } from '../api.js';
import { h, fill, table, num, time, link, field, section } from '../dom.js';
import { messageTable } from './queue.js';

export async function render(ctx) {
  const [queue] = ctx.params;
  return queue === undefined ? renderList(ctx) : renderQueue(ctx, queue);
}

async function renderList(ctx) {
  const list = h('div', { id: 'dlq-list' });
  fill(ctx.main, h('h1', null, 'Dead letters'),
    section('Dead-letter queues', h('p', { class: 'hint' }, 'Queues that another queue names as its dead-letter queue.'), list));
  await ctx.every(async () => {
    const [{ queues }, { queues: stats }] = await Promise.all([api('GET', '/v1/queues'), api('GET', '/v1/stats')]);
    if (!ctx.alive()) return;
    const byName = new Map(stats.map(s => [s.queue, s]));
    const dlqs = [...new Set(queues.map(q => q.deadLetterQueue).filter(Boolean))].sort();
    fill(list, table([
      { title: 'Dead-letter queue', cell: d => link(`#/dead-letters/${seg(d)}`, d) },
      { title: 'Dead letters', num: true, cell: d => num(byName.get(d)?.ready) },
      { title: 'Sources', cell: d => queues.filter(q => q.deadLetterQueue === d).map(q => `${q.name} (${num(byName.get(q.name)?.deadLettered)})`).join(', ') },
    ], dlqs, { empty: 'No queue has a dead-letter queue.', key: d => d, label: 'Dead-letter queues' }));
  });
}

async function renderQueue(ctx, queue) {
  const path = `/v1/queues/${seg(queue)}`;
  const groupsArea = h('div', { id: 'failure-groups' });
  const letters = h('div', { id: 'dead-letters' });
  const outcome = h('div', { class: 'result', hidden: true, role: 'status', id: 'redrive-outcome' });
  const selected = new Set();
  let plan = null; // the dry run the Redrive button would carry out: { key, destination, groups }

  const destination = h('input', { name: 'destination', placeholder: 'each message\'s source queue', autocomplete: 'off' });
  const rate = h('input', { name: 'maxPerSecond', type: 'number', min: 1, step: 1, value: 100 });
  const dryRun = h('button', { type: 'button', id: 'dry-run' }, 'Dry run');
  const redrive = h('button', { type: 'button', class: 'primary', id: 'redrive', disabled: true }, 'Redrive');
  const chosen = () => [...selected];
  const planKey = () => JSON.stringify([chosen().sort(), destination.value.trim(), rate.value]);
  const invalidate = () => { plan = null; redrive.disabled = true; };
  destination.addEventListener('input', invalidate);
  rate.addEventListener('input', invalidate);

  function request(dry) {
    const body = { dryRun: dry, maxPerSecond: Number(rate.value) || 100 };
    if (destination.value.trim() !== '') body.destination = destination.value.trim();
    return body;
  }

  dryRun.addEventListener('click', async () => {
    const groups = chosen();
    if (groups.length === 0) { show('error', 'Choose one or more failure groups first.'); return; }
    dryRun.disabled = true;
    try {
      const answers = await Promise.all(groups.map(g => api('POST', `${path}/dead-letters/groups/${seg(g)}/redrive`, request(true))));
      const affected = answers.reduce((t, a) => t + a.affected, 0);
      const leased = answers.reduce((t, a) => t + a.skippedLeased, 0);
      const unmovable = answers.reduce((t, a) => t + a.skippedUnmovable, 0);
      const to = destination.value.trim() || [...new Set(answers.flatMap(a => a.sourceQueues.map(s => s.queue)))].join(', ') || 'their source queues';
      plan = { key: planKey(), groups };
      redrive.disabled = affected === 0;
      redrive.textContent = `Redrive ${affected} message${affected === 1 ? '' : 's'}`;
      show('info', `Dry run: ${affected} message${affected === 1 ? '' : 's'} of ${groups.length} group${groups.length === 1 ? '' : 's'} would move to ${to}` +
        `${leased ? `; ${leased} leased now would be skipped` : ''}${unmovable ? `; ${unmovable} cannot move` : ''}. Nothing was changed.`);
    } catch (e) {
      show('error', e.field ? `${e.field}: ${e.message}` : e.message);
    } finally {
      dryRun.disabled = false;
    }
  });

  redrive.addEventListener('click', async () => {
    if (!plan || plan.key !== planKey()) { invalidate(); show('error', 'Run the dry run again: the choice changed.'); return; }
    redrive.disabled = true;
    try {
      const answers = await Promise.all(plan.groups.map(g => api('POST', `${path}/dead-letters/groups/${seg(g)}/redrive`, request(false))));
      const affected = answers.reduce((t, a) => t + a.affected, 0);
      show('ok', `Redrive started for ${affected} message${affected === 1 ? '' : 's'}: `,
        answers.filter(a => a.redrive).map((a, i) => [i ? ', ' : '', link('#/redrives', `task ${a.redrive.id}`)]), '.');
      selected.clear();
      invalidate();
      redrive.textContent = 'Redrive';
      await refresh();
    } catch (e) {
      show('error', e.field ? `${e.field}: ${e.message}` : e.message);
    }
  });

  function show(kind, ...content) {
    outcome.className = kind === 'error' ? 'result error' : 'result';
    fill(outcome, ...content);
    outcome.hidden = false;
  }

  fill(ctx.main,
    h('p', { class: 'crumbs' }, link('#/dead-letters', 'Dead letters'), ' / '),
    h('h1', null, `Dead letters of ${queue}`),
    section('Failure groups',
      h('p', { class: 'hint' }, 'Dead letters grouped by failure (exception type, top frames, masked message). Choose groups, run a dry run, then redrive.'),
      groupsArea,
      h('div', { class: 'actions' }, field('Destination', destination), field('Max per second', rate), dryRun, redrive),
      outcome),
    section('Dead letters', h('p', { class: 'hint' }, 'A peek at the queue: nothing is leased.'), letters));

  async function refresh() {
    const [groups, peek] = await Promise.all([api('GET', `${path}/dead-letters/groups?max=100`), api('GET', `${path}/messages?max=100`)]);
    if (!ctx.alive()) return;
    for (const id of [...selected]) if (!groups.groups.some(g => g.groupId === id)) selected.delete(id);
    fill(groupsArea, table([
      { title: 'Choose', cell: g => h('input', { type: 'checkbox', 'aria-label': `Choose group ${g.groupId}`, checked: selected.has(g.groupId),
          dataset: { group: g.groupId }, on: { change: e => { if (e.target.checked) selected.add(g.groupId); else selected.delete(g.groupId); invalidate(); } } }) },
      { id: 'count', title: 'Messages', num: true, cell: g => num(g.count) },
      { title: 'Failure', cell: g => h('div', null, h('strong', null, g.exceptionType ?? (g.source === 'body' ? 'Failure read from the message body' : 'Error text')),
          h('div', { class: 'body-preview' }, g.sample?.failure?.message ?? g.sample?.deadLetter?.lastError ?? g.sample?.bodyPreview ?? ''),
          g.frames?.length ? h('div', { class: 'hint mono' }, g.frames.join(' ← ')) : null) },
      { title: 'Sources', cell: g => g.sourceQueues.map(s => `${s.queue} (${num(s.count)})`).join(', ') },
      { title: 'First', cell: g => time(g.firstDeadLetteredAt) },
      { title: 'Last', cell: g => time(g.lastDeadLetteredAt) },
      { title: 'Group', cell: g => h('code', null, g.groupId) },
    ], groups.groups, { empty: 'No dead letters.', key: g => g.groupId, label: 'Failure groups' }),
    groups.truncated ? h('p', { class: 'hint' }, `Showing the ${groups.groups.length} largest of ${groups.totalGroups} groups.`) : null);
    fill(letters, messageTable(peek.messages));
  }

  await ctx.every(refresh);
}
