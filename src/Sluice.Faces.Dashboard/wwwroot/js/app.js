// The dashboard's shell: sign-in, navigation (hash routes), polling and the pages' lifecycle.
import { api, apiKey, setApiKey, clearApiKey, onSignInNeeded, ApiError } from './api.js';
import { h, fill } from './dom.js';
import * as queues from './pages/queues.js';
import * as queue from './pages/queue.js';
import * as topics from './pages/topics.js';
import * as streams from './pages/streams.js';
import * as stream from './pages/stream.js';
import * as deadLetters from './pages/deadletters.js';
import * as redrives from './pages/redrives.js';
import * as health from './pages/health.js';

/** How often pages poll the API, in milliseconds (?poll=<ms> in the page address overrides it, at least 250). */
const POLL_MS = Math.max(250, Number(new URLSearchParams(location.search).get('poll')) || 3000);

const routes = [
  { pattern: /^\/queues$/, page: queues, nav: 'queues' },
  { pattern: /^\/queues\/([^/]+)$/, page: queue, nav: 'queues' },
  { pattern: /^\/topics$/, page: topics, nav: 'topics' },
  { pattern: /^\/streams$/, page: streams, nav: 'streams' },
  { pattern: /^\/streams\/([^/]+)$/, page: stream, nav: 'streams' },
  { pattern: /^\/dead-letters$/, page: deadLetters, nav: 'dead-letters' },
  { pattern: /^\/dead-letters\/([^/]+)$/, page: deadLetters, nav: 'dead-letters' },
  { pattern: /^\/redrives$/, page: redrives, nav: 'redrives' },
  { pattern: /^\/health$/, page: health, nav: 'health' },
];

const main = document.getElementById('main');
const shell = document.getElementById('shell');
const signIn = document.getElementById('sign-in');
const signInForm = document.getElementById('sign-in-form');
const signInMessage = document.getElementById('sign-in-message');
const keyInput = document.getElementById('api-key');
const status = document.getElementById('status');

let current = null; // { cleanups: [] } of the page shown

function leavePage() {
  if (!current) return;
  for (const cleanup of current.cleanups) {
    try { cleanup(); } catch { /* a page's cleanup must not stop the next page */ }
  }
  current = null;
}

/** Shows a short message in the status line (announced to screen readers). */
export function notify(message, kind = 'info') {
  status.className = `status status-${kind}`;
  status.textContent = message;
}

function showSignIn(message, neutral = false) {
  leavePage();
  shell.hidden = true;
  signIn.hidden = false;
  signInMessage.textContent = message ?? '';
  signInMessage.hidden = !message;
  signInMessage.className = neutral ? 'message neutral' : 'message';
  keyInput.value = '';
  keyInput.focus();
}

onSignInNeeded(error => {
  clearApiKey();
  showSignIn(`Signed out: the server refused the request (${error.message}). Sign in with a valid API key.`);
});

signInForm.addEventListener('submit', async event => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) {
    signInMessage.textContent = 'Enter an API key.';
    signInMessage.hidden = false;
    return;
  }
  const button = signInForm.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    // A key the server refuses answers 401 here and is not kept.
    await api('GET', '/v1/queues', undefined, { key });
    setApiKey(key);
    signIn.hidden = true;
    shell.hidden = false;
    if (!location.hash || location.hash === '#/' || location.hash === '#') location.hash = '#/queues';
    else route();
  } catch (e) {
    clearApiKey();
    showSignIn(e instanceof ApiError && e.status === 401
      ? `The server refused this key (${e.message}).`
      : `Could not sign in: ${e.message}`);
  } finally {
    button.disabled = false;
  }
});

document.getElementById('sign-out').addEventListener('click', () => {
  clearApiKey();
  showSignIn('Signed out.', true);
});

function route() {
  if (!apiKey()) {
    showSignIn();
    return;
  }
  const path = location.hash.replace(/^#/, '') || '/queues';
  const match = routes.map(r => ({ r, m: r.pattern.exec(path) })).find(x => x.m);
  leavePage();
  shell.hidden = false;
  signIn.hidden = true;
  for (const a of document.querySelectorAll('nav a[data-nav]')) {
    if (match && a.dataset.nav === match.r.nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  fill(main);
  notify('');
  if (!match) {
    main.append(h('h1', null, 'Not found'), h('p', null, 'No page here. ', h('a', { href: '#/queues' }, 'Go to the queues.')));
    return;
  }
  const page = { cleanups: [] };
  current = page;
  const params = match.m.slice(1).map(decodeURIComponent);
  const ctx = {
    main,
    params,
    notify,
    alive: () => current === page,
    onLeave: fn => page.cleanups.push(fn),
    /** Runs fn now and every poll interval while the page is shown; errors show in the status line. */
    every: fn => {
      let running = false;
      const tick = async () => {
        if (running || current !== page) return;
        running = true;
        try { await fn(); } catch (e) { if (current === page && e.status !== 401) notify(e.message, 'error'); } finally { running = false; }
      };
      const id = setInterval(tick, POLL_MS);
      page.cleanups.push(() => clearInterval(id));
      return tick();
    },
  };
  Promise.resolve(match.r.page.render(ctx)).catch(e => {
    if (current === page && e.status !== 401) notify(e.message, 'error');
  });
  main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', route);
route();
