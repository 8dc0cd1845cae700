// list.js - the message list: Email/query windows by position, only the
// rows in view are in the DOM (virtual scrolling over any number of
// messages), threads collapsed or not, sort, search snippets, and the
// cursor/selection the keyboard and the reader act on.
import * as jmap from './jmap.js';

export const ROW_H = 56;		// px; app.css .row has the same height
const PAGE = 100;			// ids fetched per Email/query window
const OVERSCAN = 10;
const PROPS = ['threadId', 'mailboxIds', 'keywords', 'from', 'to', 'subject',
	'receivedAt', 'size', 'preview', 'hasAttachment'];

const $ = (id) => document.getElementById(id);

let q = null;		// {filter, sort, collapseThreads, key}
let total = 0;
let queryState = null;
let pages = new Map();	// page number -> ids | Promise
export const emails = new Map();	// id -> Email (list properties)
const threadSize = new Map();	// threadId -> number of emails
const snippets = new Map();	// id -> {subject, preview} (HTML with <mark>)
let cursor = -1;		// position of the keyboard cursor
let openId = null;		// the email shown in the reader
let generation = 0;		// drops answers of an outdated query
let listeners = [];

export function onOpen(fn) { listeners.push(fn); }

export function init() {
	$('list-scroll').addEventListener('scroll', () => requestAnimationFrame(render));
	window.addEventListener('resize', () => requestAnimationFrame(render));
	$('sort-select').addEventListener('change', () => reshow());
	$('threads-toggle').addEventListener('change', () => reshow());
}

let lastRoute = null;
function reshow() { if (lastRoute) show(lastRoute, true); }

// parse the search box: from:x subject:y to:z, the rest is full text
export function searchFilter(text) {
	const f = {};
	const rest = text.replace(/\b(from|to|subject):("[^"]*"|\S+)/gi, (m, k, v) => {
		f[k.toLowerCase()] = v.replace(/^"|"$/g, '');
		return '';
	}).trim();
	if (rest) f.text = rest;
	return f;
}

function sortOf() {
	const p = $('sort-select').value;
	return [{property: p, isAscending: p === 'from' || p === 'subject'}];
}

// show the list for a route {mailboxId} or {search}
export async function show(r, force) {
	lastRoute = r;
	const filter = r.search !== undefined ? searchFilter(r.search)
		: {inMailbox: r.mailboxId};
	const collapseThreads = $('threads-toggle').checked;
	const sort = sortOf();
	const key = JSON.stringify([filter, sort, collapseThreads]);
	openId = r.emailId || null;
	if (!force && q && q.key === key) { render(); return; }
	q = {filter, sort, collapseThreads, key, search: r.search !== undefined};
	$('list-title').textContent = r.search !== undefined ? `Search: ${r.search}` : '';
	reset();
	$('list-scroll').scrollTop = 0;
	cursor = -1;
	await loadPage(0);
	render();
}

function reset() {
	generation++;
	pages = new Map();
	total = 0;
	queryState = null;
	$('list-rows').replaceChildren();
}

// fetch one window of ids and their emails (+ thread sizes, snippets)
function loadPage(n) {
	if (pages.has(n)) return pages.get(n);
	const gen = generation;
	const p = (async () => {
		const calls = [
			['Email/query', {accountId: jmap.accountId, filter: q.filter, sort: q.sort,
				collapseThreads: q.collapseThreads, position: n * PAGE, limit: PAGE,
				calculateTotal: true}, 'q'],
			['Email/get', {accountId: jmap.accountId, properties: PROPS,
				'#ids': {resultOf: 'q', name: 'Email/query', path: '/ids'}}, 'g'],
			['Thread/get', {accountId: jmap.accountId,
				'#ids': {resultOf: 'g', name: 'Email/get', path: '/list/*/threadId'}}, 't'],
		];
		if (q.search)
			calls.push(['SearchSnippet/get', {accountId: jmap.accountId, filter: q.filter,
				'#emailIds': {resultOf: 'q', name: 'Email/query', path: '/ids'}}, 's']);
		const res = await jmap.call(calls);
		if (gen !== generation) return [];
		for (const [name, a] of res) {
			if (name === 'error') throw new Error(`${a.type}: ${a.description || ''}`);
			if (name === 'Email/query') { total = a.total; queryState = a.queryState; }
			if (name === 'Email/get') for (const e of a.list) emails.set(e.id, e);
			if (name === 'Thread/get') for (const t of a.list) threadSize.set(t.id, t.emailIds.length);
			if (name === 'SearchSnippet/get') for (const s of a.list) snippets.set(s.emailId, s);
		}
		const ids = res[0][1].ids;
		pages.set(n, ids);
		return ids;
	})();
	pages.set(n, p);
	p.catch(() => { if (pages.get(n) === p) pages.delete(n); });
	return p;
}

function idAt(pos) {
	const ids = pages.get(Math.floor(pos / PAGE));
	return Array.isArray(ids) ? ids[pos % PAGE] : undefined;
}

export function current() { return openId; }
export function cursorId() { return idAt(cursor) || openId; }
export function total_() { return total; }

// draw the rows in view; ask for the windows they need
export function render() {
	if (!q) return;
	const scroll = $('list-scroll');
	$('list-spacer').style.height = (total * ROW_H) + 'px';
	$('list-empty').hidden = total > 0 || !pages.has(0) || !Array.isArray(pages.get(0));
	const first = Math.max(0, Math.floor(scroll.scrollTop / ROW_H) - OVERSCAN);
	const last = Math.min(total, Math.ceil((scroll.scrollTop + scroll.clientHeight) / ROW_H) + OVERSCAN);
	const rows = [];
	// page 0 also gives the total: without it nothing is known
	const missing = new Set(pages.has(0) ? [] : [0]);
	for (let pos = first; pos < last; pos++) {
		const id = idAt(pos);
		if (id === undefined) { missing.add(Math.floor(pos / PAGE)); rows.push(placeholder(pos)); continue; }
		rows.push(row(pos, emails.get(id)));
	}
	$('list-rows').replaceChildren(...rows);
	const gen = generation;
	for (const n of missing)
		loadPage(n).then(() => { if (gen === generation) render(); }, (e) => console.error(e));
}

function placeholder(pos) {
	const d = document.createElement('div');
	d.className = 'row loading';
	d.style.top = (pos * ROW_H) + 'px';
	return d;
}

// text with <mark> from a SearchSnippet (HTML) -> safe nodes
function marked(html) {
	const doc = new DOMParser().parseFromString(`<p>${html}</p>`, 'text/html');
	const out = [];
	for (const n of doc.body.firstChild.childNodes) {
		if (n.nodeType === 3) out.push(document.createTextNode(n.textContent));
		else if (n.nodeName === 'MARK') {
			const m = document.createElement('mark');
			m.textContent = n.textContent;
			out.push(m);
		} else out.push(document.createTextNode(n.textContent));
	}
	return out;
}

export function formatDate(iso) {
	const d = new Date(iso), now = new Date();
	if (d.toDateString() === now.toDateString())
		return d.toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});
	if (d.getFullYear() === now.getFullYear())
		return d.toLocaleDateString([], {month: 'short', day: 'numeric'});
	return d.toLocaleDateString();
}

export function addrText(list) {
	if (!list || !list.length) return '';
	return list.map((a) => a.name || a.email).join(', ');
}

function span(cls, text) {
	const s = document.createElement('span');
	s.className = cls;
	if (text !== undefined) s.textContent = text;
	return s;
}

function row(pos, e) {
	const d = document.createElement('div');
	d.className = 'row';
	d.setAttribute('role', 'listitem');
	d.style.top = (pos * ROW_H) + 'px';
	if (!e) { d.classList.add('loading'); return d; }
	d.dataset.id = e.id;
	d.dataset.pos = pos;
	const kw = e.keywords || {};
	if (!kw.$seen) d.classList.add('unread');
	if (kw.$flagged) d.classList.add('flagged');
	if (pos === cursor) d.classList.add('cursor');
	if (e.id === openId) d.classList.add('open');
	const star = span('star', kw.$flagged ? '\u2605' : '\u2606');
	star.title = 'Star (s)';
	star.dataset.action = 'star';
	const from = span('from', addrText(e.from) || '(no sender)');
	const n = q.collapseThreads ? threadSize.get(e.threadId) : 0;
	if (n > 1) from.append(span('count', ` ${n}`));
	const subj = span('subject');
	const sn = snippets.get(e.id);
	if (sn && sn.subject) subj.append(...marked(sn.subject));
	else subj.textContent = e.subject || '(no subject)';
	const prev = span('preview');
	if (sn && sn.preview) prev.append(...marked(sn.preview));
	else prev.textContent = e.preview || '';
	const date = span('date', formatDate(e.receivedAt));
	if (e.hasAttachment) date.prepend(span('clip', '\uD83D\uDCCE'));
	d.append(star, from, date, subj, prev);
	d.draggable = true;
	d.addEventListener('dragstart', (ev) => {
		ev.dataTransfer.setData('application/x-tern-emails', JSON.stringify([e.id]));
		ev.dataTransfer.effectAllowed = 'move';
	});
	d.addEventListener('click', (ev) => {
		cursor = pos;
		for (const fn of listeners) fn(e.id, ev.target.dataset.action || 'open');
	});
	return d;
}

// move the keyboard cursor by delta rows and keep it in view
export function moveCursor(delta) {
	if (!total) return null;
	if (cursor < 0) {
		const p = openId ? findPos(openId) : -1;
		cursor = p >= 0 ? p : 0;
		if (p >= 0) cursor += delta;
	} else cursor += delta;
	cursor = Math.max(0, Math.min(total - 1, cursor));
	const scroll = $('list-scroll');
	const top = cursor * ROW_H;
	if (top < scroll.scrollTop) scroll.scrollTop = top;
	else if (top + ROW_H > scroll.scrollTop + scroll.clientHeight)
		scroll.scrollTop = top + ROW_H - scroll.clientHeight;
	render();
	return idAt(cursor) || null;
}

function findPos(id) {
	for (const [n, ids] of pages)
		if (Array.isArray(ids)) { const i = ids.indexOf(id); if (i >= 0) return n * PAGE + i; }
	return -1;
}

// a push changed emails: refetch the windows in view (the query's order
// and the counts may have changed), keep the scroll position
export async function refresh(changed) {
	if (!q || !changed.Email) return;
	const scroll = $('list-scroll');
	const firstPage = Math.floor(scroll.scrollTop / ROW_H / PAGE);
	const lastPage = Math.floor((scroll.scrollTop + scroll.clientHeight) / ROW_H / PAGE);
	generation++;
	pages = new Map();
	snippets.clear();
	for (let n = firstPage; n <= lastPage; n++) await loadPage(n);
	render();
}

// update a cached email in place (after a flag change) and redraw
export function patch(id, fn) {
	const e = emails.get(id);
	if (e) { fn(e); render(); }
}
