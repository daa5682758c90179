// A line's latest frames: thumbnails of their overlays with score and verdict, a filter to failures, and for the frame
// clicked the image as sent, its overlay, the mask of pixels over the threshold and where its score falls among the
// line's recent scores; above them its retention, its model versions (versions.js) and its shadow (shadow.js).
'use strict';

const FRAMES = 24;

async function showLine(container, line, signal, failuresOnly = false) {
  const summary = await api(`/lines/${encodeURIComponent(line)}/summary`);
  const page = await api(`/results?line=${encodeURIComponent(line)}&limit=${FRAMES}${failuresOnly ? '&verdict=fail' : ''}`);
  showStatus('');
  const filter = element('input', { type: 'checkbox', id: 'failures-only' });
  filter.checked = failuresOnly;
  filter.addEventListener('change', () => showLine(container, line, signal, filter.checked).catch(e => showStatus(e.message, true)));
  const grid = element('div', { class: 'frames', 'data-testid': 'frames', 'data-filter': failuresOnly ? 'fail' : 'all' });
  const detail = element('section', { class: 'detail', 'data-testid': 'detail', hidden: '' });
  const reload = () => showLine(container, line, signal, failuresOnly).catch(e => showStatus(e.message, true));
  container.replaceChildren(
    element('div', { class: 'title' },
      element('h1', {}, line), element('a', { href: '#/' }, '← all lines'),
      element('a', { href: `#/lines/${encodeURIComponent(line)}/review` }, 'Review queue'),
      element('a', { href: `#/lines/${encodeURIComponent(line)}/threshold` }, 'Threshold'),
      element('label', { class: 'filter' }, filter, ' failures only')),
    await retentionForm(line), await versionsPanel(line, signal, reload),
    await shadowPanel(line, signal, async id => showDetail(detail, await api(`/results/${encodeURIComponent(id)}`), summary), reload), grid, detail);
  if (page.items.length === 0) grid.append(element('p', { class: 'status' }, failuresOnly ? 'No failed frames yet.' : 'No frames yet.'));
  for (const result of page.items) {
    const thumb = element('button', { class: `thumb ${result.verdict}`, type: 'button', 'data-result': result.id },
      element('span', { class: 'score' }, `${show(result.score)} · ${result.verdict}`));
    if (result.warning) thumb.append(element('span', { class: 'warning', title: result.warning, 'data-testid': 'thumb-warning' }, '⚠ aspect'));
    if (result.part) thumb.append(element('span', { class: 'part', 'data-testid': 'thumb-part' }, `part ${result.part}${result.late ? ' · late' : ''}`));
    if (result.links.overlay) {
      const img = element('img', { alt: `overlay of ${result.frameId}`, loading: 'lazy' });
      thumb.prepend(img);
      imageUrl(result.links.overlay).then(url => { if (!signal.aborted) img.src = url; }).catch(() => img.replaceWith(element('span', { class: 'missing' }, 'no image')));
    }
    thumb.addEventListener('click', () => showDetail(detail, result, summary).catch(e => showStatus(e.message, true)));
    grid.append(thumb);
  }
}

// The line's retention (its own limits; empty: the server's default) and what it keeps now, saved with PUT.
async function retentionForm(line) {
  const path = `/lines/${encodeURIComponent(line)}`;
  const view = await api(path);
  const field = (name, label, value, step) => element('label', {}, `${label} `,
    element('input', { type: 'number', name, min: '0', step, value: value > 0 ? String(value) : '', placeholder: 'server default', 'data-testid': name }));
  const kept = element('span', { class: 'caption', 'data-testid': 'retention-kept' });
  const describe = storage => {
    kept.textContent = `keeps ${count(storage.keptResults, 'result')}, ${show(storage.keptBytes / MB)} of ${show(storage.keepMegabytes)} MB; ` +
      `passing ${show(storage.keepDays)} d, flagged ${show(storage.keepFlaggedDays)} d; removed ${show(storage.removedResults)}`;
  };
  describe(view.storage);
  const form = element('form', { class: 'retention', 'data-testid': 'retention' },
    field('keepDays', 'keep passing (days)', view.settings.keepDays, 'any'),
    field('keepFlaggedDays', 'flagged (days)', view.settings.keepFlaggedDays, 'any'),
    field('keepMegabytes', 'at most (MB)', view.settings.keepMegabytes, '1'),
    element('button', { type: 'submit' }, 'Save retention'), kept);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const number = name => Number(form.elements[name].value || 0);
    try {
      const saved = await api(path, { method: 'PUT', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ keepDays: number('keepDays'), keepFlaggedDays: number('keepFlaggedDays'), keepMegabytes: number('keepMegabytes') }) });
      describe(saved.storage);
      showStatus('Retention saved.');
    } catch (e) {
      showStatus(e.message, true);
    }
  });
  return form;
}

async function showDetail(detail, result, summary) {
  const picture = (label, path, id) => {
    const img = element('img', { alt: `${label} of ${result.frameId}`, 'data-testid': id });
    if (path) imageUrl(path).then(url => { img.src = url; }).catch(() => img.replaceWith(element('span', { class: 'missing' }, `no ${label}`)));
    return element('figure', {}, img, element('figcaption', {}, label));
  };
  detail.hidden = false;
  detail.replaceChildren(
    element('h2', {}, `${result.frameId} · ${result.verdict} · score ${show(result.score)}`),
    result.part ? element('p', { 'data-testid': 'detail-part' }, `Part ${result.part}` +
      (result.late ? ': the result came after the part\u2019s deadline; the PLC got a timeout verdict instead' : '')) : '',
    result.warning ? element('p', { class: 'warning', 'data-testid': 'detail-warning' }, `Warning: ${result.warning}`) : '',
    element('div', { class: 'pictures' },
      picture('frame', result.links.image, 'detail-image'), picture('overlay', result.links.overlay, 'detail-overlay'),
      picture('mask over the threshold', result.links.mask, 'detail-mask')),
    distribution(summary.recent.map(r => r.score).filter(s => s !== null && s !== undefined), summary.threshold, result.score,
      `this frame (solid) among the line's last ${summary.recent.length} scores; dashed: the threshold`));
  detail.scrollIntoView({ block: 'nearest' });
}

/** A histogram of the line's recent scores, the threshold dashed and one score marked (solid). */
function distribution(scores, threshold, score, caption) {
  const width = 600, height = 90, bins = 30;
  const chart = svg('svg', { class: 'histogram', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': 'Where the score falls among the line\u2019s recent scores' });
  const top = Math.max(threshold || 0, score || 0, ...scores) * 1.05 || 1;
  const counts = new Array(bins).fill(0);
  for (const s of scores) counts[Math.min(bins - 1, Math.floor((s / top) * bins))] += 1;
  const most = Math.max(1, ...counts);
  counts.forEach((count, i) => chart.append(svg('rect', {
    x: (i * width) / bins + 1, width: width / bins - 2, y: height - (count / most) * (height - 10), height: (count / most) * (height - 10) })));
  if (threshold) chart.append(svg('line', { class: 'threshold', x1: (threshold / top) * width, x2: (threshold / top) * width, y1: 0, y2: height }));
  if (score !== null && score !== undefined) chart.append(svg('line', { class: 'marker', x1: (score / top) * width, x2: (score / top) * width, y1: 0, y2: height }));
  return element('figure', { class: 'distribution' }, chart,
    element('figcaption', {}, caption));
}
