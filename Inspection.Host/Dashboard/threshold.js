// Threshold tuning: a slider over the line's recent scores, showing as it moves how many of the recent frames and of the
// reviewed ones would flip at the new value (the server's own count, GET /lines/{line}/threshold/preview), and a button
// that applies it through PUT /lines/{line}/threshold, which records who set it and when. Beside them, the false-reject
// rate now and at the new value: expected from the model's held-out good images, and live among the reviewed good frames.
'use strict';

/** A rate as a percentage with one decimal; a dash where there is none yet. */
function rate(value) {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(1)} %`;
}

async function showThreshold(container, line, signal) {
  const path = `/lines/${encodeURIComponent(line)}`;
  const view = await api(path);
  if (!view.threshold) throw new Error(`line '${line}' is not trained yet: it has no threshold to tune`);
  const first = await api(`${path}/threshold/preview?score=${view.threshold.score}`);
  showStatus(signedIn() ? '' : 'Sign in to apply a threshold: it changes the line, so it needs an API key.');
  const top = Math.max(view.threshold.score, ...first.recentScores) * 1.2 || 1;
  const slider = element('input', { type: 'range', id: 'threshold', min: '0', max: String(top), step: String(top / 1000),
    value: String(view.threshold.score), 'aria-label': 'Threshold' });
  const value = element('output', { for: 'threshold', 'data-testid': 'candidate' });
  const figures = element('dl', { class: 'figures wide' });
  const setBy = element('p', { class: 'caption', 'data-testid': 'set-by' });
  const apply = element('button', { type: 'button', id: 'apply' }, 'Apply');
  apply.disabled = !signedIn();
  const chart = element('div', { class: 'tuning-chart' });
  const showSetBy = threshold => {
    setBy.textContent = `threshold ${show(threshold.score)} (${threshold.source}` +
      (threshold.setBy ? `, set by ${threshold.setBy} at ${new Date(threshold.setAt).toLocaleString()})` : ')');
  };
  showSetBy(view.threshold);
  const render = preview => {
    value.textContent = show(preview.candidate);
    const figure = (label, text, id) => element('div', {}, element('dt', {}, label), element('dd', { 'data-testid': id }, text));
    figures.replaceChildren(
      figure('recent frames that flip', `${preview.recentFlips} of ${preview.recent}`, 'recent-flips'),
      figure('flagged now → then', `${preview.recentFlaggedNow} → ${preview.recentFlaggedAtCandidate}`, 'recent-flagged'),
      figure('reviewed frames that flip', `${preview.reviewedFlips} of ${preview.reviewed}`, 'reviewed-flips'),
      figure('agree with reviews now → then', `${preview.reviewedAgreeNow} → ${preview.reviewedAgreeAtCandidate}`, 'reviewed-agree'),
      figure('expected false-reject rate now → then',
        `${rate(preview.expectedFalseRejectRateNow)} → ${rate(preview.expectedFalseRejectRateAtCandidate)}`, 'expected-frr'),
      figure(`false-reject rate among ${preview.reviewedGood} frames reviewed good, now → then`,
        `${rate(preview.liveFalseRejectRateNow)} → ${rate(preview.liveFalseRejectRateAtCandidate)}`, 'live-frr'));
    chart.replaceChildren(distribution(preview.recentScores, preview.current, preview.candidate,
      `the line's last ${preview.recent} scores; dashed: the threshold in force, solid: the one previewed`));
  };
  render(first);
  let pending = null;
  slider.addEventListener('input', () => {
    clearTimeout(pending);
    pending = setTimeout(async () => {
      try {
        const preview = await api(`${path}/threshold/preview?score=${slider.value}`, { signal });
        if (Number(slider.value) === preview.candidate || Math.abs(Number(slider.value) - preview.candidate) < 1e-4 * top) render(preview);
      } catch (e) { if (!signal.aborted) showStatus(e.message, true); }
    }, 100);
  });
  apply.addEventListener('click', async () => {
    try {
      const threshold = await api(`${path}/threshold`, {
        method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ score: Number(slider.value) }) });
      showSetBy(threshold);
      render(await api(`${path}/threshold/preview?score=${slider.value}`));
    } catch (e) { showStatus(e.message, true); }
  });
  container.replaceChildren(
    element('div', { class: 'title' },
      element('h1', {}, `${line}: threshold`), element('a', { href: '#/' }, '← all lines'),
      element('a', { href: `#/lines/${encodeURIComponent(line)}` }, 'Frames')),
    element('div', { class: 'tuning' }, slider, value, apply), setBy, figures, chart, policyForm(path, view.settings));
}

// The line's threshold policy (f1, false-reject-rate with its target, manual), saved with PUT /lines/{line}; it
// chooses the threshold of the next version trained.
function policyForm(path, settings) {
  const policy = element('select', { name: 'thresholdPolicy', 'data-testid': 'policy' },
    ...[['f1', 'f1 (anomalib: F1 with defects, else the highest good score)'], ['false-reject-rate', 'false-reject rate at most the target'],
      ['manual', 'manual (the operator\u2019s threshold stays)']].map(([v, label]) => element('option', { value: v }, label)));
  policy.value = settings.thresholdPolicy;
  const target = element('input', { type: 'number', name: 'falseRejectTarget', min: '0.000001', max: '0.5', step: 'any', 'data-testid': 'target',
    value: String(settings.falseRejectTarget ?? 0.01) });
  const shown = () => { target.parentElement.hidden = policy.value !== 'false-reject-rate'; };
  const save = element('button', { type: 'submit' }, 'Save policy');
  if (!signedIn()) save.setAttribute('disabled', '');
  const form = element('form', { class: 'retention', 'data-testid': 'policy-form' }, element('h2', { class: 'section' }, 'Threshold policy'),
    element('label', {}, 'policy ', policy), element('label', {}, 'target ', target), save,
    element('span', { class: 'caption' }, 'applies to the next version trained'));
  policy.addEventListener('change', shown);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    try {
      const body = { thresholdPolicy: policy.value };
      if (policy.value === 'false-reject-rate') body.falseRejectTarget = Number(target.value);
      const saved = await api(path, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      showStatus(`Threshold policy ${saved.settings.thresholdPolicy}` + (saved.settings.falseRejectTarget ? ` (target ${saved.settings.falseRejectTarget})` : '') + ' saved.');
    } catch (e) { showStatus(e.message, true); }
  });
  queueMicrotask(shown);
  return form;
}
