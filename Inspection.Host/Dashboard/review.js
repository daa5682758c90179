// The review queue: a line's flagged frames not yet reviewed, oldest first, each confirmed as a defect or rejected as a
// false alarm with one click or a key press (D or F, on the first frame of the queue). A false alarm can join the
// line's model through the incremental path; the page then follows that job to the version it makes. The page shows the
// line's reviewed false-alarm rate.
'use strict';

async function showReview(container, line, signal) {
  const [page, view] = await Promise.all([
    api(`/results?line=${encodeURIComponent(line)}&verdict=fail&limit=200`), api(`/lines/${encodeURIComponent(line)}`)]);
  showStatus(signedIn() ? '' : 'Sign in to review: reviewing changes the line, so it needs an API key.');
  const queue = page.items.filter(r => !r.review).reverse();
  const rate = element('p', { class: 'rate', 'data-testid': 'false-alarm-rate' });
  const showRate = reviews => {
    const judged = reviews.falseAlarms + reviews.confirmedDefects;
    rate.textContent = `reviewed false-alarm rate: ${judged === 0 ? '–' : percent.format(reviews.falseAlarms / judged)} ` +
      `(${count(reviews.falseAlarms, 'false alarm')}, ${count(reviews.confirmedDefects, 'confirmed defect')}, ${count(reviews.misses, 'miss', 'misses')})`;
  };
  showRate(view.reviews);
  const addToModel = element('input', { type: 'checkbox', id: 'add-to-model' });
  const list = element('ol', { class: 'queue', 'data-testid': 'queue' });
  const additions = element('ul', { class: 'additions', 'data-testid': 'additions' });
  container.replaceChildren(
    element('div', { class: 'title' },
      element('h1', {}, `${line}: review queue`), element('a', { href: '#/' }, '← all lines'),
      element('a', { href: `#/lines/${encodeURIComponent(line)}` }, 'Frames'),
      element('label', { class: 'filter' }, addToModel, ' add false alarms to the model')),
    rate, element('p', { class: 'caption' }, 'Keys: D confirms the first frame as a defect, F marks it a false alarm.'), additions, list);

  const judge = async (item, result, label) => {
    const answer = await api(`/results/${encodeURIComponent(result.id)}/review`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ label, addToModel: label === 'good' && addToModel.checked }),
    });
    item.remove();
    if (answer.jobId) followAddition(additions, result, answer.jobId, signal);
    if (list.children.length === 0) list.append(element('li', { class: 'status' }, 'Nothing left to review.'));
    showRate((await api(`/lines/${encodeURIComponent(line)}`)).reviews);
  };
  if (queue.length === 0) list.append(element('li', { class: 'status' }, 'Nothing to review: no flagged frame is waiting.'));
  for (const result of queue) {
    const defect = element('button', { type: 'button', class: 'defect', 'data-action': 'defect' }, 'Defect (D)');
    const falseAlarm = element('button', { type: 'button', class: 'false-alarm', 'data-action': 'good' }, 'False alarm (F)');
    const img = element('img', { alt: `overlay of ${result.frameId}` });
    const item = element('li', { 'data-result': result.id }, img,
      element('div', { class: 'facts' }, element('strong', {}, result.frameId), element('span', {}, `score ${show(result.score)}`),
        result.part ? element('span', {}, `part ${result.part}`) : '',
        element('span', { class: 'muted' }, new Date(result.completedAt).toLocaleString())),
      element('div', { class: 'actions' }, defect, falseAlarm));
    if (result.links.overlay) imageUrl(result.links.overlay).then(url => { if (!signal.aborted) img.src = url; }).catch(() => img.remove());
    for (const button of [defect, falseAlarm]) {
      button.disabled = !signedIn();
      button.addEventListener('click', () => judge(item, result, button.dataset.action).catch(e => showStatus(e.message, true)));
    }
    list.append(item);
  }
  const keys = event => {
    if (event.target instanceof HTMLInputElement || !signedIn()) return;
    const first = list.querySelector('li[data-result]');
    const action = { d: 'defect', f: 'good' }[event.key.toLowerCase()];
    if (first && action) first.querySelector(`button[data-action="${action}"]`).click();
  };
  document.addEventListener('keydown', keys);
  signal.addEventListener('abort', () => document.removeEventListener('keydown', keys));
}

/** One line per frame added to the model: its job's state, then the version it made, read every second until it ends. */
async function followAddition(additions, result, jobId, signal) {
  const entry = element('li', { 'data-job': jobId }, `${result.frameId}: adding to the model (job ${jobId})`);
  additions.append(entry);
  while (!signal.aborted) {
    const job = await api(`/jobs/${encodeURIComponent(jobId)}`, { signal });
    const done = ['succeeded', 'failed', 'cancelled'].includes(job.state);
    entry.textContent = job.state === 'succeeded'
      ? `${result.frameId} joined the model: the line now serves ${job.version} (${job.bankSize} bank vectors)`
      : `${result.frameId}: adding to the model, ${job.state}${job.error ? `: ${job.error}` : ''} (job ${jobId})`;
    entry.className = job.state === 'succeeded' ? 'done' : done ? 'problem' : '';
    if (done) return;
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}
