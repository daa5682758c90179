// Training: start a job for a line from a server folder (under one of the server's folder roots) or from uploaded good
// images, and follow it: stage, images embedded, coreset progress, ETA; when it is done, the version it made and its
// calibration figures and the score histogram of the held-out images it was calibrated on.
'use strict';

async function showTraining(container, signal) {
  const views = await api('/lines');
  showStatus(signedIn() ? '' : 'Sign in to train: training changes a line, so it needs an API key.');
  const line = element('input', { id: 'training-line', list: 'known-lines', placeholder: 'line name', required: '' });
  const known = element('datalist', { id: 'known-lines' }, ...views.map(v => element('option', { value: v.name })));
  const folder = element('input', { id: 'training-folder', placeholder: 'server folder in MVTec layout (train/good/...)' });
  const files = element('input', { id: 'training-files', type: 'file', multiple: '', accept: 'image/png,image/jpeg,image/bmp' });
  const size = element('input', { id: 'training-image-size', placeholder: 'as the line has it: 256, 640x256 (height x width) or auto' });
  const mode = element('select', { id: 'training-mode' },
    element('option', { value: '' }, 'as the line has it'),
    element('option', { value: 'resized' }, 'whole images, resized to the image size'),
    element('option', { value: 'tiled' }, 'tiles of the image size (large images)'));
  const start = element('button', { type: 'submit', id: 'start-training' }, 'Start training');
  start.disabled = !signedIn();
  const job = element('section', { class: 'job', 'data-testid': 'job', hidden: '' });
  const form = element('form', { class: 'training-form' },
    element('label', {}, 'Line', line), known,
    element('label', {}, 'Folder on the server', folder),
    element('label', {}, 'or good images to upload', files),
    element('label', {}, 'Image size (optional)', size),
    element('label', {}, 'Images', mode), start);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const name = encodeURIComponent(line.value.trim());
      const path = `/lines/${name}/training`;
      // A size or mode given here becomes the line's setting first (a number is a square; "640x256" and "auto[:PIXELS]" are text).
      const asked = size.value.trim();
      const settings = {};
      if (asked) settings.imageSize = /^\d+$/.test(asked) ? Number(asked) : asked;
      if (mode.value) settings.tiled = mode.value === 'tiled';
      if (Object.keys(settings).length > 0) await api(`/lines/${name}`, { method: 'PUT', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(settings) });
      let accepted;
      if (files.files.length > 0) {
        const body = new FormData();
        for (const file of files.files) body.append('images', file);
        accepted = await api(path, { method: 'POST', body });
      } else {
        accepted = await api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ folder: folder.value.trim() }) });
      }
      await followJob(job, accepted.jobId, signal, line.value.trim());
    } catch (e) { showStatus(e.message, true); }
  });
  container.replaceChildren(element('div', { class: 'title' }, element('h1', {}, 'Training'), element('a', { href: '#/' }, '← all lines')), form, job);
}

/** Shows a job once a second until it ends or the page is left. */
async function followJob(section, id, signal, line) {
  section.hidden = false;
  const bar = element('progress', { max: '1', value: '0', 'data-testid': 'job-progress' });
  const facts = element('dl', { class: 'figures wide' });
  const state = element('p', { class: 'rate', 'data-testid': 'job-state' });
  const calibration = element('div', { 'data-testid': 'job-calibration' });
  section.replaceChildren(element('h2', {}, `job ${id}`), state, bar, facts, calibration);
  const figure = (label, text, testid) => element('div', {}, element('dt', {}, label), element('dd', testid ? { 'data-testid': testid } : {}, text));
  while (!signal.aborted) {
    const view = await api(`/jobs/${encodeURIComponent(id)}`, { signal });
    state.textContent = `${view.line}: ${view.state}${view.stage ? ` (${view.stage})` : ''}${view.error ? `: ${view.error}` : ''}`;
    bar.value = view.progress;
    facts.replaceChildren(
      figure('images embedded', `${view.imagesEmbedded} of ${view.imagesTotal}`),
      figure('coreset steps', `${view.coresetSteps} of ${view.coresetTotal}`),
      figure('progress', percent.format(view.progress), 'job-percent'),
      figure('time left', view.etaSeconds === null ? '–' : `${Math.ceil(view.etaSeconds)} s`));
    if (view.state === 'succeeded' && view.calibration) {
      const c = view.calibration;
      const trained = line ? await api(`/lines/${encodeURIComponent(line)}`, { signal }).catch(() => null) : null;
      calibration.replaceChildren(element('h3', {}, `version ${view.version}: ${view.bankSize} bank vectors`,
          trained?.inputSize ? element('span', { 'data-testid': 'input-size' },
            `, ${trained.tiled ? 'tiles of' : 'input'} ${trained.inputSize} (height x width)`) : ''),
        element('dl', { class: 'figures wide' },
          figure('image threshold', show(c.imageThreshold), 'calibration-threshold'), figure('image score range', `${show(c.imageMin)} – ${show(c.imageMax)}`),
          figure('pixel threshold', show(c.pixelThreshold))),
        c.heldOutGood.length + c.heldOutDefective.length > 0 ? heldOutHistogram(c.heldOutGood, c.heldOutDefective, c.imageThreshold) : '');
    }
    if (['succeeded', 'failed', 'cancelled'].includes(view.state)) return;
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

/**
 * The raw scores of the held-out images, good in blue and defective in red, stacked per bin, with the threshold dashed:
 * how far the good images stay below it and the defective ones above it.
 */
function heldOutHistogram(good, defective, threshold) {
  const width = 600, height = 110, bins = 30;
  const all = good.concat(defective);
  const low = Math.min(threshold, ...all), high = Math.max(threshold, ...all);
  const span = (high - low) * 1.1 || 1, start = low - (high - low) * 0.05;
  const bin = s => Math.min(bins - 1, Math.max(0, Math.floor(((s - start) / span) * bins)));
  const goodCounts = new Array(bins).fill(0), defectCounts = new Array(bins).fill(0);
  for (const s of good) goodCounts[bin(s)] += 1;
  for (const s of defective) defectCounts[bin(s)] += 1;
  const most = Math.max(1, ...goodCounts.map((g, i) => g + defectCounts[i]));
  const x = s => ((s - start) / span) * width;
  const chart = svg('svg', { class: 'histogram held-out', viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img',
    'aria-label': 'Scores of the held-out images against the threshold', 'data-testid': 'held-out-histogram' });
  for (let i = 0; i < bins; i++) {
    const goodHeight = (goodCounts[i] / most) * (height - 10), defectHeight = (defectCounts[i] / most) * (height - 10);
    const left = (i * width) / bins + 1, barWidth = width / bins - 2;
    if (goodCounts[i]) chart.append(svg('rect', { class: 'good', x: left, width: barWidth, y: height - goodHeight, height: goodHeight, 'data-count': goodCounts[i] }));
    if (defectCounts[i]) chart.append(svg('rect', { class: 'defective', x: left, width: barWidth, y: height - goodHeight - defectHeight, height: defectHeight, 'data-count': defectCounts[i] }));
  }
  chart.append(svg('line', { class: 'threshold', x1: x(threshold), x2: x(threshold), y1: 0, y2: height }));
  return element('figure', { class: 'distribution' }, chart, element('figcaption', {},
    `scores of the ${good.length} held-out good images (blue)` + (defective.length ? ` and ${defective.length} defective images (red)` : '') +
    ` from ${show(low)} to ${show(high)}; dashed: the threshold ${show(threshold)}`));
}
