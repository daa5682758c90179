// The cameras: every camera of the cluster with its status, frames/s, last frame, reconnects and counts, its PLC block
// and handshake counts, and each node's PLC handshake. Read from GET /cameras every few seconds (nodes report every 2 s).
'use strict';

const CAMERAS_MS = 2000;

async function showCameras(container, signal) {
  const cameras = element('tbody', { 'data-testid': 'cameras' });
  const plcs = element('tbody', { 'data-testid': 'plcs' });
  const head = (...names) => element('thead', {}, element('tr', {}, ...names.map(n => element('th', {}, n))));
  container.replaceChildren(
    element('div', { class: 'title' }, element('h1', {}, 'Cameras'), element('a', { href: '#/' }, '← all lines')),
    element('table', { class: 'grid' }, head('line', 'camera', 'status', 'frames/s', 'last frame', 'reconnects', 'results', 'dropped', 'failed',
      'PLC block', 'parts', 'OK / NG / hold', 'timeouts', 'late', 'refused', 'source'), cameras),
    element('h2', { class: 'section' }, 'PLC handshakes'),
    element('table', { class: 'grid' }, head('node', 'Modbus TCP', 'requests', 'last request', 'PLC', 'MQTT triggers'), plcs));
  const cell = (text, attributes = {}) => element('td', attributes, text);
  const when = at => at ? new Date(at).toLocaleTimeString() : '–';
  while (!signal.aborted) {
    try {
      const view = await api('/cameras', { signal });
      showStatus(view.items.length === 0 ? 'No cameras: start a node with --camera line=source (a folder, a stream, gige://...).' : '');
      cameras.replaceChildren(...view.items.map(c => {
        const status = c.stale ? 'not reporting' : c.connected ? 'connected' : 'away';
        const plc = c.plc;
        return element('tr', { 'data-camera': `${c.line}/${c.camera}` },
          cell(c.line), cell(c.camera), cell(status, { class: c.connected ? 'pass-text' : 'fail-text', title: c.lastError ?? '' }),
          cell(show(c.framesPerSecond)), cell(when(c.lastFrameAt)), cell(String(c.reconnects)), cell(String(c.results)), cell(String(c.dropped)),
          cell(String(c.failed)), cell(plc ? String(plc.block) : '–'), cell(plc ? String(plc.parts) : '–'),
          cell(plc ? `${plc.ok} / ${plc.ng} / ${plc.hold}` : '–'), cell(plc ? String(plc.timeouts) : '–'), cell(plc ? String(plc.late) : '–'),
          cell(plc ? String(plc.refused) : '–'), cell(c.source ?? '–'));
      }));
      plcs.replaceChildren(...view.plcs.map(p => element('tr', { 'data-node': p.node },
        cell(p.node), cell(p.endpoint ?? 'none'), cell(String(p.requests)), cell(when(p.lastRequestAt)),
        cell(p.silent ? 'silent' : 'polling', { class: p.silent ? 'fail-text' : 'pass-text' }), cell(p.mqtt ?? '–'))));
    } catch (e) {
      if (signal.aborted) return;
      showStatus(e.message, true);
    }
    await new Promise(resolve => setTimeout(resolve, CAMERAS_MS));
  }
}
