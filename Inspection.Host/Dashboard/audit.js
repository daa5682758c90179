// The audit trail: every change made through the API (settings, thresholds, models, shadows, reviews, and the versions
// jobs activated), newest first, with who made it (the API key's name), when, and the value before and after; filtered
// by line and kind (GET /audit).
'use strict';

const AUDIT_KINDS = ['settings', 'line-deleted', 'threshold', 'training', 'good-images', 'model-upload', 'activate', 'model-activated', 'shadow', 'review'];

async function showAudit(container, signal) {
  document.querySelector('.bar nav a[href="/#/audit"]')?.setAttribute('aria-current', 'page');
  const line = element('input', { type: 'text', name: 'line', placeholder: 'all lines', 'data-testid': 'audit-line' });
  const kind = element('select', { name: 'kind', 'data-testid': 'audit-kind' }, element('option', { value: '' }, 'every kind'),
    ...AUDIT_KINDS.map(k => element('option', { value: k }, k)));
  const rows = element('tbody', { 'data-testid': 'audit' });
  const form = element('form', { class: 'retention', 'data-testid': 'audit-filter' }, element('label', {}, 'line ', line), element('label', {}, 'kind ', kind),
    element('button', { type: 'submit' }, 'Show'));
  // Of two objects only what differs is shown (a settings change names the settings changed); the API has them whole.
  const changed = (v, other) => v && other && typeof v === 'object' && typeof other === 'object'
    ? Object.fromEntries(Object.entries(v).filter(([k, x]) => JSON.stringify(x) !== JSON.stringify(other[k]))) : v;
  const value = v => v === null || v === undefined ? '–' : typeof v === 'object' ? Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', ') : String(v);
  const cell = (text, attributes = {}) => element('td', attributes, text);
  const load = async () => {
    const query = new URLSearchParams({ limit: '200' });
    if (line.value.trim()) query.set('line', line.value.trim());
    if (kind.value) query.set('kind', kind.value);
    const page = await api(`/audit?${query}`, { signal });
    showStatus(page.items.length === 0 ? 'No change recorded yet.' : '');
    rows.replaceChildren(...page.items.map(e => element('tr', { 'data-kind': e.kind },
      cell(new Date(e.at).toLocaleString()), cell(e.line ?? '–'), cell(e.kind), cell(e.by, { 'data-testid': 'audit-by' }),
      cell(value(changed(e.old, e.new))), cell(value(changed(e.new, e.old))), cell(e.detail ?? ''))));
  };
  form.addEventListener('submit', event => { event.preventDefault(); load().catch(e => showStatus(e.message, true)); });
  container.replaceChildren(
    element('div', { class: 'title' }, element('h1', {}, 'Audit trail'), element('a', { href: '#/' }, '← all lines')), form,
    element('table', { class: 'grid' }, element('thead', {}, element('tr', {},
      ...['when', 'line', 'kind', 'by', 'before', 'after', 'detail'].map(n => element('th', {}, n)))), rows));
  await load();
}
