// A line's model versions, on its page: every kept version with when, by whom and from what it was made, its bank and
// its own threshold, a button that serves it again without retraining (POST .../models/{version}/activate, a job
// followed here until the line has switched) and one that makes it the line's shadow (PUT .../shadow, shadow.js).
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
      const action = element('span', { class: 'actions' });
      if (v.active) action.append(element('span', { class: 'badge', 'data-testid': 'active-version' }, 'active'));
      else {
        const activating = element('button', { type: 'button', 'data-activate': v.version }, 'Activate');
        activating.addEventListener('click', () => activate(v.version, activating).catch(e => showStatus(e.message, true)));
        action.append(activating);
        if (v.version === view.shadow) action.append(element('span', { class: 'badge shadowing', 'data-testid': 'shadow-version' }, 'shadow'));
        else {
          const shadowing = element('button', { type: 'button', class: 'secondary', 'data-shadow': v.version }, 'Shadow');
          shadowing.addEventListener('click', () => shadow(v.version).catch(e => showStatus(e.message, true)));
          action.append(shadowing);
        }
        if (!signedIn()) action.querySelectorAll('button').forEach(b => b.setAttribute('disabled', ''));
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
    await waitForJob(accepted.jobId, signal);
    await (onSwitched ? onSwitched() : render());
    showStatus(`The line now serves ${version}.`);
  };

  const shadow = async version => {
    await api(`/lines/${encodeURIComponent(line)}/shadow`, { method: 'PUT', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ version, sample: 1 }) });
    await (onSwitched ? onSwitched() : render());
    showStatus(`${version} now shadows the line.`);
  };

  await render();
  return panel;
}
