// The operator dashboard, its shared part: plain JavaScript, no build step. Every figure comes from the same /api/v1 routes any client
// uses, with the same API key rules: the key is kept in this browser tab's sessionStorage (never in a URL) and sent as
// X-Api-Key. Results arrive live from each line's Server-Sent Events stream, read with fetch so that the key can go in
// a header (EventSource cannot send one).
'use strict';

const KEY = 'inspection.apiKey';

class AccessError extends Error {
  constructor(status) {
    super(status === 401 ? 'Sign in with an API key to see this server.' : 'That API key is not accepted by this server.');
    this.status = status;
  }
}

function authHeaders() {
  const key = sessionStorage.getItem(KEY);
  return key ? { 'X-Api-Key': key } : {};
}

async function api(path, options = {}) {
  const response = await fetch('/api/v1' + path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  if (response.status === 401 || response.status === 403) throw new AccessError(response.status);
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch { /* not a problem document */ }
    throw new Error(`${path}: ${response.status} ${detail}`);
  }
  return response.json();
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attributes = {}) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function showStatus(text, problem = false) {
  const status = document.getElementById('status');
  status.textContent = text;
  status.classList.toggle('problem', problem);
  status.hidden = text === '';
}

/** Whether a key was given in this tab: the actions that change something need one. */
const signedIn = () => sessionStorage.getItem(KEY) !== null;

function showSignedIn() {
  document.getElementById('signin').hidden = signedIn();
  document.getElementById('signedin').hidden = !signedIn();
}

const number = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });
const count = (n, one, many = one + 's') => `${n} ${n === 1 ? one : many}`;
const MB = 1024 * 1024;
const show = (value, format = number) => (value === null || value === undefined ? '–' : format.format(value));


/** An image route's PNG as an object URL: fetched with the key, since an <img src> cannot send a header. */
async function imageUrl(path) {
  const response = await fetch(path, { headers: authHeaders() });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return URL.createObjectURL(await response.blob());
}

document.getElementById('signin').addEventListener('submit', event => {
  event.preventDefault();
  const key = document.getElementById('key').value.trim();
  if (key === '') return;
  sessionStorage.setItem(KEY, key);
  location.reload(); // streams opened without the key start again with it
});
document.getElementById('signout').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  location.reload();
});
