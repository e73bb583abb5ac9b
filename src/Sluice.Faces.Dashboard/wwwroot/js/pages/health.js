// Server health: GET /healthz and the cluster's nodes (GET /v1/cluster).
import { api, health } from '../api.js';
import { h, fill, table, time, pill, section } from '../dom.js';

export async function render(ctx) {
  const live = h('p', { id: 'healthz' });
  const nodes = h('div', { id: 'nodes' });
  fill(ctx.main, h('h1', null, 'Server health'), section('Health check (/healthz)', live), section('Nodes', nodes));

  async function refresh() {
    const [check, cluster] = await Promise.all([
      health().catch(e => ({ ok: false, status: 0, text: e.message })),
      api('GET', '/v1/cluster'),
    ]);
    if (!ctx.alive()) return;
    fill(live, pill(check.ok ? 'ok' : 'failing', check.ok ? 'ok' : 'bad'), ` ${check.status || 'unreachable'}: ${check.text}`);
    fill(nodes, h('p', null, `Store: ${cluster.store}. Answered by node `, h('code', null, cluster.answeredBy), '.'),
      table([
        { title: 'Node', cell: n => h('span', null, h('code', null, n.nodeId), n.self ? [' ', pill('this node', 'self')] : null) },
        { title: 'Host', cell: n => n.hostName },
        { title: 'Process', num: true, cell: n => String(n.processId) },
        { title: 'Addresses', cell: n => (n.urls ?? []).join(' ') },
        { title: 'Version', cell: n => n.version },
        { title: 'Started', cell: n => time(n.startedAt) },
        { title: 'Last heartbeat', cell: n => time(n.lastHeartbeat) },
        { title: 'Expires', cell: n => time(n.expiresAt) },
      ], cluster.nodes, { empty: 'No nodes.', key: n => n.nodeId, label: 'Nodes' }));
  }

  await ctx.every(refresh);
}
