// The cluster: its nodes with roles, status and reachability, and every replica of every shard of every line with its node, rows and
// device. Read from GET /cluster every few seconds, so a node that leaves or joins shows within seconds.
'use strict';

const CLUSTER_MS = 2000;

async function showCluster(container, signal) {
  const members = element('tbody', { 'data-testid': 'members' });
  const shards = element('tbody', { 'data-testid': 'shards' });
  const notes = element('ul', { class: 'notes' });
  const head = (...names) => element('thead', {}, element('tr', {}, ...names.map(n => element('th', {}, n))));
  container.replaceChildren(
    element('div', { class: 'title' }, element('h1', {}, 'Cluster'), element('a', { href: '#/' }, '← all lines')),
    element('h2', { class: 'section' }, 'Nodes'),
    element('table', { class: 'grid' }, head('address', 'roles', 'status', 'reachable', 'shards', ''), members),
    element('h2', { class: 'section' }, 'Shards'),
    element('table', { class: 'grid' }, head('line', 'version', 'shard', 'replica', 'node', 'rows', 'device', 'state'), shards), notes);
  const cell = (text, attributes = {}) => element('td', attributes, text);
  while (!signal.aborted) {
    try {
      const view = await api('/cluster', { signal });
      showStatus('');
      members.replaceChildren(...view.members.map(m => element('tr', { 'data-address': m.address },
        cell(m.address), cell(m.roles.join(', ')), cell(m.status, { class: `state ${m.status.toLowerCase()}` }),
        cell(m.reachable ? 'yes' : 'no', { class: m.reachable ? 'pass-text' : 'fail-text' }), cell(String(m.shards)),
        cell([m.leader ? 'leader' : '', m.self ? 'this node' : ''].filter(Boolean).join(', ')))));
      shards.replaceChildren(...view.lines.flatMap(l => l.shards.map(s => element('tr', { 'data-entity': s.entity },
        cell(l.line), cell(l.version), cell(String(s.index)), cell(String(s.replica)), cell(s.node ?? '–'), cell(String(s.rows)), cell(s.device ?? '–'), cell(s.state)))));
      notes.replaceChildren(...view.notes.map(n => element('li', { class: 'caption' }, n)));
    } catch (e) {
      if (signal.aborted) return;
      showStatus(e.message, true);
    }
    await new Promise(resolve => setTimeout(resolve, CLUSTER_MS));
  }
}
