// The only way the dashboard reaches the server: the REST API under /v1 (docs/rest-api.md), with the API key the
// user signed in with as "Authorization: Bearer <key>". The key lives in sessionStorage (gone when the tab closes).

const KEY_NAME = 'sluice.apiKey';

/** The server's root path: the dashboard is served at <root>/ui/. */
export const root = location.pathname.replace(/\/ui(\/.*)?$/, '');

/** An error answer of the API (application/problem+json: code, detail, field). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `the server answered ${status}`);
    this.status = status;
    this.code = problem?.code ?? null;
    this.field = problem?.field ?? null;
  }
}

let signInNeeded = () => {};

/** Registers what to do when the server answers 401 (show the sign-in form with the server's reason). */
export function onSignInNeeded(handler) {
  signInNeeded = handler;
}

export function apiKey() {
  return sessionStorage.getItem(KEY_NAME);
}

export function setApiKey(key) {
  sessionStorage.setItem(KEY_NAME, key);
}

export function clearApiKey() {
  sessionStorage.removeItem(KEY_NAME);
}

/** One path segment, percent-escaped once (RFC 3986), with '.' and '..' escaped too (docs/rest-api.md, Streams). */
export function seg(name) {
  if (name === '.') return '%2E';
  if (name === '..') return '%2E%2E';
  return encodeURIComponent(name);
}

async function problemOf(response) {
  try {
    const type = response.headers.get('content-type') || '';
    if (type.includes('json')) return await response.json();
    const text = await response.text();
    return text ? { detail: text } : null;
  } catch {
    return null;
  }
}

/**
 * Calls the API: api('GET', '/v1/queues'), api('POST', '/v1/queues', { name: 'jobs' }). Resolves to the parsed JSON
 * answer (null for 204; text for a text answer); rejects with ApiError. A 401 also calls the sign-in handler.
 * `key` overrides the stored key (the sign-in form checks a key before keeping it); `key: null` sends none.
 */
export async function api(method, path, body, { key = apiKey() } = {}) {
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  const init = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(root + path, init);
  } catch (e) {
    throw new ApiError(0, { code: 'unreachable', detail: `the server cannot be reached (${e.message})` });
  }
  if (!response.ok) {
    const problem = await problemOf(response);
    const error = new ApiError(response.status, problem);
    if (response.status === 401) signInNeeded(error);
    throw error;
  }
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  return type.includes('json') ? response.json() : response.text();
}

/** GET /healthz as text (no key needed). */
export async function health() {
  const response = await fetch(`${root}/healthz`, { cache: 'no-store', credentials: 'omit' });
  return { ok: response.ok, status: response.status, text: (await response.text()).trim() };
}
