// A line's shadow, on its page: which kept version scores the line's frames beside the active one, how their verdicts
// compare (both pass, both fail, flips each way), the latest frames that flipped (a click opens the frame), and the
// buttons that promote the shadow or end it. Set from the versions table (versions.js).
'use strict';

async function shadowPanel(line, signal, openResult, onChanged) {
  const path = `/lines/${encodeURIComponent(line)}/shadow`;
  const view = await api(path, { signal });
  const panel = element('section', { class: 'shadow', 'data-testid': 'shadow' });
  if (!view.version) {
    panel.append(element('p', { class: 'caption' }, 'No shadow: a kept version can score this line\u2019s frames beside the active one (Shadow in the table above).'));
    return panel;
  }
  const a = view.agreement.find(x => x.version === view.version) ?? { compared: 0, bothPass: 0, bothFail: 0, passToFail: 0, failToPass: 0, errors: 0, waiting: 0, agreementRate: null };
  const figure = (label, value, id) => element('div', { class: 'figure' }, element('span', { class: 'caption' }, label), element('strong', { 'data-testid': id }, String(value)));
  const promote = element('button', { type: 'button', 'data-testid': 'promote' }, `Promote ${view.version}`);
  const end = element('button', { type: 'button', class: 'secondary', 'data-testid': 'end-shadow' }, 'End shadow');
  if (!signedIn()) { promote.setAttribute('disabled', ''); end.setAttribute('disabled', ''); }
  promote.addEventListener('click', async () => {
    try {
      promote.setAttribute('disabled', '');
      const accepted = await api(`${path}/promote`, { method: 'POST' });
      await waitForJob(accepted.jobId, signal);
      await onChanged();
      showStatus(`The line now serves ${view.version}.`);
    } catch (e) { showStatus(e.message, true); }
  });
  end.addEventListener('click', async () => {
    try {
      const response = await fetch('/api/v1' + path, { method: 'DELETE', headers: authHeaders() });
      if (!response.ok) throw new Error(`${path}: ${response.status}`);
      await onChanged();
      showStatus(`${view.version} no longer shadows the line.`);
    } catch (e) { showStatus(e.message, true); }
  });
  const flips = element('ul', { class: 'flips', 'data-testid': 'flips' });
  for (const flip of view.flips) {
    const open = element('button', { type: 'button', class: 'link', 'data-result': flip.resultId },
      `${new Date(flip.completedAt).toLocaleTimeString()}: ${flip.activeVersion} ${flip.activeVerdict} (${show(flip.activeScore)}), ${view.version} ${flip.shadowVerdict} (${show(flip.shadowScore)})`);
    open.addEventListener('click', () => openResult(flip.resultId).catch(e => showStatus(e.message, true)));
    flips.append(element('li', {}, open));
  }
  if (view.flips.length === 0) flips.append(element('li', { class: 'caption' }, 'No frame flipped yet.'));
  panel.append(
    element('h2', { class: 'section' }, `Shadow: ${view.version} beside ${view.active} on ${show(view.sample, percent)} of frames`),
    element('div', { class: 'figures' },
      figure('compared', a.compared, 'shadow-compared'), figure('both pass', a.bothPass, 'shadow-both-pass'), figure('both fail', a.bothFail, 'shadow-both-fail'),
      figure(`pass \u2192 fail`, a.passToFail, 'shadow-pass-to-fail'), figure(`fail \u2192 pass`, a.failToPass, 'shadow-fail-to-pass'),
      figure('agreement', a.agreementRate === null ? '–' : show(a.agreementRate, percent), 'shadow-agreement')),
    element('p', { class: 'caption' }, 'Frames that flipped (latest first):'), flips, element('div', { class: 'actions' }, promote, end));
  return panel;
}

/** Waits for a job to end; throws unless it succeeded. */
async function waitForJob(id, signal) {
  while (!signal.aborted) {
    const job = await api(`/jobs/${encodeURIComponent(id)}`, { signal });
    if (job.state === 'succeeded') return job;
    if (job.state === 'failed' || job.state === 'cancelled') throw new Error(`job ${id} ${job.state}${job.error ? `: ${job.error}` : ''}`);
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}
