// A line's model versions, on its page: every kept version with when, by whom and from what it was made, its bank and
// its own threshold, and a button that serves it again without retraining (POST .../models/{version}/activate, a job
// followed here until the line has switched).
'use strict';

async function versionsPanel(line, signal, onSwitched) {
  const path = `/lines/${encodeURIComponent(line)}/models`;
  const rows = element('tbody', { 'data-testid': 'versions' });
  const caption = element('p', { class: 'caption', 'data-testid': 'versions-caption' });
  const head = element('thead', {}, element('tr', {},
    ...['version', 'made', 'by', 'from', 'images', 'bank', 'threshold', 'expected false rejects', ''].map(n => element('th', {}, n))));
  const panel = element('section', { class: 'versions' }, element('h2', { class: 'section' }, 'Model versions'),
    element('table', { class: 'grid' }, head, rows), caption);
  const cell = (text, attributes = {}) => element('td', attributes, text);

  const render = async () => {
    const view = await api(path, { signal });
    caption.textContent = `keeps the ${count(view.keep, 'version')} most recently served; older versions' banks are deleted`;
    rows.replaceChildren(...view.versions.map(v => {
      const action = v.active ? element('span', { class: 'badge', 'data-testid': 'active-version' }, 'active')
        : element('button', { type: 'button', 'data-activate': v.version }, 'Activate');
      if (!v.active) {
        if (!signedIn()) action.setAttribute('disabled', '');
        action.addEventListener('click', () => activate(v.version, action).catch(e => showStatus(e.message, true)));
      }
      return element('tr', { 'data-version': v.version, class: v.active ? 'active' : '' },
        cell(v.version), cell(v.createdAt ? new Date(v.createdAt).toLocaleString() : '–'), cell(v.createdBy ?? '–'), cell(v.source ?? '–'),
        cell(String(v.trainingImages)), cell(String(v.bankSize)), cell(show(v.threshold), { title: v.thresholdMethod ?? '' }),
        cell(v.expectedFalseRejectRate === null ? '–' : show(v.expectedFalseRejectRate, percent)), cell(action));
    }));
  };

  const activate = async (version, button) => {
    button.setAttribute('disabled', '');
    const accepted = await api(`${path}/${encodeURIComponent(version)}/activate`, { method: 'POST' });
    showStatus(`Activating ${version} (job ${accepted.jobId})…`);
    while (!signal.aborted) {
      const job = await api(`/jobs/${encodeURIComponent(accepted.jobId)}`, { signal });
      if (job.state === 'succeeded') {
        showStatus(`The line now serves ${version}.`);
        await render();
        onSwitched?.();
        return;
      }
      if (job.state === 'failed' || job.state === 'cancelled') throw new Error(`activating ${version}: ${job.state}${job.error ? `: ${job.error}` : ''}`);
      await new Promise(resolve => setTimeout(resolve, 500));
    }
  };

  await render();
  return panel;
}
