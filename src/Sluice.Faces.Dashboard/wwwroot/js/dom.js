// DOM helpers. Everything the server sends reaches the page as text (textContent, attribute values through
// setAttribute): never through innerHTML, so a queue named "<img onerror=...>" is shown as those characters.

/**
 * Creates an element: h('a', { href: '#/queues', class: 'x' }, 'text', otherNode).
 * Attributes named on* are refused (handlers go through the `on` object: { on: { click: fn } }).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'on') {
        for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn);
      } else if (name === 'dataset') {
        Object.assign(el.dataset, value);
      } else if (name.startsWith('on')) {
        throw new Error(`attribute ${name}: pass handlers through 'on'`);
      } else if (name === 'value' && 'value' in el) {
        el.value = String(value);
      } else if (name === 'checked' || name === 'disabled' || name === 'hidden' || name === 'required' || name === 'selected') {
        el[name] = Boolean(value);
      } else {
        el.setAttribute(name, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else el.append(document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * A table: columns = [{ title, cell: row => text or Node, num: bool }]; rows = array. `empty` is the text shown for
 * no rows. `key` gives each row's data-key (for tests and for keeping focus).
 */
export function table(columns, rows, { empty = 'Nothing here yet.', caption, key, label } = {}) {
  const head = h('tr', null, columns.map(c => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.title)));
  const body = rows.length === 0
    ? [h('tr', { class: 'empty' }, h('td', { colspan: columns.length }, empty))]
    : rows.map(row => h('tr', { 'data-key': key ? key(row) : null },
        columns.map(c => h('td', { class: c.num ? 'num' : null, 'data-col': c.id ?? null }, c.cell(row)))));
  return h('table', { 'aria-label': label ?? null },
    caption ? h('caption', null, caption) : null, h('thead', null, head), h('tbody', null, body));
}

const numberFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

/** A number for display ("1,234.5"); '–' for null. */
export function num(value) {
  return value === null || value === undefined ? '–' : numberFormat.format(value);
}

/** Bytes for display ("1.5 KiB"). */
export function bytes(value) {
  if (value === null || value === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = value, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** Seconds for display ("42 s", "3 min", "2 h"). */
export function seconds(value) {
  if (value === null || value === undefined) return '–';
  if (value < 120) return `${numberFormat.format(value)} s`;
  if (value < 7200) return `${Math.round(value / 60)} min`;
  if (value < 172800) return `${Math.round(value / 3600)} h`;
  return `${Math.round(value / 86400)} d`;
}

/** An ISO time as a <time> element showing the local time, with the exact value as its title. */
export function time(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return h('time', { datetime: iso, title: iso }, d.toLocaleString('sv-SE'));
}

/** A link inside the dashboard. */
export function link(href, text, attrs = {}) {
  return h('a', { href, ...attrs }, text);
}

/** A labelled form field. */
export function field(label, input, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, label), input, hint ? h('span', { class: 'hint' }, hint) : null);
}

/** A status pill ("ready", "in-flight", "running", ...). */
export function pill(text, kind = text) {
  return h('span', { class: `pill pill-${String(kind).replace(/[^a-z-]/g, '')}` }, text);
}

/** A <section> with a heading. */
export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}
