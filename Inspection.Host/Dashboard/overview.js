// The lines overview: a card per line with its model, frames/s, pass and fail counts and rates, latency, a sparkline of
// recent scores against the threshold and the last verdicts; live from each line's event stream.
'use strict';

const REFRESH_MS = 30000; // windows age and latencies are recomputed by the server this often; results arrive live
const SETTLE_MS = 5000;   // and this long after results arrived, for the latencies they bring
const RECENT = 60;
const lines = new Map(); // line name -> { view, element, summary, known: ids it counts, pending: results before it }

// One result stored since the summary was read: counted in every window, appended to the recent scores.
function apply(line, result) {
  const entry = lines.get(line);
  if (!entry) return;
  if (!entry.summary) { entry.pending.push(result); return; } // arrived before the first summary
  if (entry.known.has(result.id)) return;
  entry.known.add(result.id);
  for (const window of entry.summary.windows) {
    window.frames += 1;
    if (result.verdict === 'pass') window.passed += 1;
    else if (result.verdict === 'fail') window.failed += 1;
    else window.errors += 1;
    const scored = window.passed + window.failed;
    window.failRate = scored > 0 ? window.failed / scored : null;
    window.framesPerSecond = window.frames / (window.minutes * 60);
  }
  entry.summary.recent.push({ id: result.id, verdict: result.verdict, score: result.score, normalisedScore: result.normalisedScore });
  if (entry.summary.recent.length > RECENT) entry.summary.recent.splice(0, entry.summary.recent.length - RECENT);
  if (result.modelVersion) entry.summary.modelVersion = result.modelVersion;
  render(line);
  // Latency percentiles need the window's latencies, which the server has: read its summary once things settle.
  if (!entry.settle) entry.settle = setTimeout(() => { entry.settle = null; refresh(line).catch(e => showStatus(e.message, true)); }, SETTLE_MS);
}

function sparkline(recent, threshold) {
  const width = 400, height = 56, pad = 4;
  const chart = svg('svg', { class: 'spark', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': 'Recent scores against the threshold' });
  const scores = recent.filter(r => r.score !== null && r.score !== undefined);
  const top = Math.max(threshold || 0, ...scores.map(r => r.score)) * 1.1 || 1;
  const y = value => height - pad - (value / top) * (height - 2 * pad);
  const x = i => pad + (scores.length < 2 ? 0 : (i / (scores.length - 1)) * (width - 2 * pad));
  if (threshold) chart.append(svg('line', { class: 'threshold', x1: 0, x2: width, y1: y(threshold), y2: y(threshold) }));
  chart.append(svg('polyline', { points: scores.map((r, i) => `${x(i)},${y(r.score)}`).join(' ') }));
  scores.forEach((r, i) => { if (r.verdict === 'fail') chart.append(svg('circle', { cx: x(i), cy: y(r.score), r: 2.5 })); });
  return chart;
}

// What the line keeps (results and bytes, against its size limit), under which ages, and what retention removed.
function storage(kept) {
  if (!kept) return '';
  const used = kept.keepMegabytes > 0 ? kept.keptBytes / (kept.keepMegabytes * MB) : 0;
  return element('div', { class: 'storage', 'data-testid': 'storage' },
    element('div', { class: 'storage-bar', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '1', 'aria-valuenow': used.toFixed(3),
      'aria-label': 'Storage used of the line\u2019s limit' }, element('span', { style: `width: ${Math.min(100, used * 100).toFixed(1)}%` })),
    element('p', { class: 'caption', 'data-testid': 'storage-text' },
      `storage: ${show(kept.keptBytes / MB)} of ${show(kept.keepMegabytes)} MB, ${count(kept.keptResults, 'result')} ` +
      `(passing kept ${show(kept.keepDays)} d, flagged ${show(kept.keepFlaggedDays)} d); removed ${count(kept.removedResults, 'result')}, ` +
      `${show(kept.removedBytes / MB)} MB`));
}

function render(line) {
  const { summary, element: card } = lines.get(line);
  const [minute, five, hour] = summary.windows;
  const figure = (label, value, id) => element('div', {}, element('dt', {}, label), element('dd', { 'data-testid': id }, value));
  const row = window => element('tr', {},
    element('td', {}, `last ${window.minutes} min`),
    element('td', { 'data-testid': `frames-${window.minutes}` }, String(window.frames)),
    element('td', { 'data-testid': `passed-${window.minutes}` }, String(window.passed)),
    element('td', { 'data-testid': `failed-${window.minutes}` }, String(window.failed)),
    element('td', {}, String(window.errors)),
    element('td', { 'data-testid': `fail-rate-${window.minutes}` }, show(window.failRate, percent)));
  card.replaceChildren(
    element('header', {}, element('h2', {}, line), element('span', { class: 'version', 'data-testid': 'model-version' },
      summary.modelVersion ? `model ${summary.modelVersion}` : 'not trained')),
    element('nav', { class: 'card-links' },
      element('a', { href: `#/lines/${encodeURIComponent(line)}` }, 'Frames'),
      element('a', { href: `#/lines/${encodeURIComponent(line)}/review` }, 'Review queue'),
      element('a', { href: `#/lines/${encodeURIComponent(line)}/threshold` }, 'Threshold')),
    element('dl', { class: 'figures' },
      figure('frames/s', show(minute.framesPerSecond), 'frames-per-second'),
      figure('threshold', show(summary.threshold), 'threshold'),
      figure('p50 latency', five.p50LatencyMs === null ? '–' : `${show(five.p50LatencyMs)} ms`, 'p50'),
      figure('p99 latency', five.p99LatencyMs === null ? '–' : `${show(five.p99LatencyMs)} ms`, 'p99')),
    storage(lines.get(line).view.storage),
    element('table', { class: 'windows' },
      element('thead', {}, element('tr', {}, ...['', 'frames', 'pass', 'fail', 'error', 'fail rate'].map(h => element('th', {}, h)))),
      element('tbody', {}, row(five), row(hour))),
    sparkline(summary.recent, summary.threshold),
    element('p', { class: 'caption' }, `last ${summary.recent.length} scores; dashed: the threshold`),
    element('div', { class: 'verdicts', 'aria-label': 'Last verdicts', 'data-testid': 'verdicts' },
      ...summary.recent.slice(-30).map(r => element('span', { class: r.verdict, title: `${r.verdict} ${show(r.score)}` }))));
}

// Reads the event stream of every line (one connection: a browser holds only a few per server) until it ends or
// fails, then opens it again after a pause, until the view closes.
async function follow(signal) {
  while (!signal.aborted) {
    try {
      const response = await fetch('/api/v1/events', { headers: authHeaders(), signal });
      if (response.status === 401 || response.status === 403) return;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter(l => l.startsWith('data: ')).map(l => l.slice(6)).join('\n');
          if (block.includes('event: result') && data) { const result = JSON.parse(data); apply(result.line, result); }
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      console.warn('events:', e);
    }
    await new Promise(resolve => setTimeout(resolve, 2000));
  }
}

async function refresh(line) {
  const [summary, view] = await Promise.all([api(`/lines/${encodeURIComponent(line)}/summary`), api(`/lines/${encodeURIComponent(line)}`)]);
  const entry = lines.get(line);
  if (!entry) return; // the overview was left meanwhile
  entry.summary = summary;
  entry.view = view;
  entry.known = new Set(summary.recent.map(r => r.id));
  render(line);
  for (const result of entry.pending.splice(0)) apply(line, result);
}

/** The overview, in container; its streams and timers stop when signal aborts. */
async function showOverview(container, signal) {
  lines.clear();
  let views;
  try {
    views = await api('/lines');
  } catch (e) {
    showStatus(e.message, true);
    return;
  }
  showStatus(views.length === 0 ? 'No lines yet: create one with PUT /api/v1/lines/{line} and train it.' : '');
  const grid = element('section', { class: 'lines', id: 'lines', 'aria-label': 'Lines' });
  container.replaceChildren(grid);
  for (const view of views) {
    const card = element('article', { class: 'line', 'data-line': view.name }, element('header', {}, element('h2', {}, view.name)));
    grid.append(card);
    lines.set(view.name, { view, element: card, summary: null, known: new Set(), pending: [], settle: null });
  }
  follow(signal); // opened before the first summaries; results they already hold are skipped by id
  // Every line at once, and one that cannot be read says why on its own card without holding up the others.
  await Promise.all(views.map(async view => {
    try {
      await refresh(view.name);
    } catch (e) {
      lines.get(view.name)?.element.append(element('p', { class: 'status problem' }, e.message));
    }
  }));
  const timer = setInterval(() => { for (const line of lines.keys()) refresh(line).catch(e => showStatus(e.message, true)); }, REFRESH_MS);
  signal.addEventListener('abort', () => {
    clearInterval(timer);
    for (const entry of lines.values()) clearTimeout(entry.settle);
  });
}
