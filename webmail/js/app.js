// app.js - boot, the login view, the layout, routing by location.hash
// and the keyboard shortcut registry. Views live in their own modules.
import * as jmap from './jmap.js';
import * as mailboxes from './mailboxes.js';
import * as list from './list.js';
import * as reader from './reader.js';
import * as actions from './actions.js';
import * as search from './search.js';

const $ = (id) => document.getElementById(id);

// ---- keyboard shortcuts: registerKey(key, fn, help) ----
const keys = new Map();
export function registerKey(key, fn, help) {
	keys.set(key, {fn, help});
}

function onKey(ev) {
	if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
	const t = ev.target;
	if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) {
		if (ev.key === 'Escape') t.blur();
		return;
	}
	if ($('app-view').hidden) return;
	// Enter on a focused button or link is that control's own
	if (ev.key === 'Enter' && t && /^(BUTTON|A)$/.test(t.tagName)) return;
	const k = keys.get(ev.key);
	if (!k) return;
	ev.preventDefault();
	k.fn(ev);
}

function showHelp() {
	const dl = $('help-list');
	dl.replaceChildren();
	for (const [key, {help}] of keys) {
		const dt = document.createElement('dt');
		dt.textContent = key === ' ' ? 'Space' : key;
		const dd = document.createElement('dd');
		dd.textContent = help;
		dl.append(dt, dd);
	}
	$('help-dialog').showModal();
}

// ---- status line ----
let statusTimer = null;
export function status(text, isError) {
	const s = $('status');
	s.textContent = text;
	s.classList.toggle('error', !!isError);
	clearTimeout(statusTimer);
	if (text) statusTimer = setTimeout(() => { s.textContent = ''; }, 5000);
}
export function fail(e) {
	console.error(e);
	if (e && e.status === 401) { showLogin(); return; }
	status(String(e && e.message || e), true);
}

// ---- routing: #m/<mailboxId>[/<emailId>] and #search/<text> ----
export function route() {
	const h = decodeURIComponent(location.hash.slice(1));
	const parts = h.split('/');
	if (parts[0] === 'search') return {search: parts.slice(1).join('/')};
	if (parts[0] === 'm' && parts[1]) return {mailboxId: parts[1], emailId: parts[2] || null};
	return {};
}
export function go(r) {
	let h;
	if (r.search !== undefined) h = 'search/' + r.search;
	else h = 'm/' + r.mailboxId + (r.emailId ? '/' + r.emailId : '');
	if (location.hash.slice(1) !== h) location.hash = h;
	else onRoute();
}

async function onRoute() {
	const r = route();
	if (!r.mailboxId && r.search === undefined) {
		const inbox = mailboxes.byRole('inbox');
		if (inbox) go({mailboxId: inbox.id});
		return;
	}
	document.body.classList.toggle('reading', !!r.emailId);
	document.body.classList.remove('menu-open');
	mailboxes.select(r.mailboxId || null);
	try {
		await list.show(r);
		if (r.emailId) { if (reader.shownId() !== r.emailId) await reader.open(r.emailId); }
		else reader.close();
	} catch (e) { fail(e); }
}

// ---- what the keys and buttons do ----
function open(emailId) {
	if (!emailId) return;
	// a draft is opened to go on writing it, not to read it
	const drafts = mailboxes.byRole('drafts');
	if (drafts && route().mailboxId === drafts.id) {
		import('./compose.js').then((m) => m.openCompose({mode: 'draft', emailId}))
			.catch(fail);
		return;
	}
	go({...currentPlace(), emailId});
}
function currentPlace() {
	const r = route();
	return r.search !== undefined ? {search: r.search} : {mailboxId: r.mailboxId};
}
function backToList() { go(currentPlace()); }
// the messages an action applies to: the open one, else the cursor's
function targets() {
	const id = reader.shownId() || list.cursorId();
	return id ? [id] : [];
}
async function compose(mode) {
	const emailId = reader.shownId() || list.cursorId();
	if (mode !== 'new' && !emailId) return;
	try {
		const m = await import('./compose.js');
		m.openCompose({mode, emailId: mode === 'new' ? undefined : emailId});
	} catch (e) { fail(e); }
}
async function act(action, ev) {
	const ids = targets();
	if (!ids.length && action !== 'back') return;
	const leave = () => { if (reader.shownId()) backToList(); };
	try {
		switch (action) {
		case 'back': backToList(); break;
		case 'star': await actions.toggleStar(ids); break;
		case 'unread': await actions.toggleSeen(ids); leave(); break;
		case 'delete': await actions.remove(ids, route().mailboxId); leave(); status('Deleted.'); break;
		case 'archive': await actions.archive(ids); leave(); status('Archived.'); break;
		case 'spam': await actions.spam(ids); leave(); status('Moved to Junk.'); break;
		case 'move': {
			const rect = ev && ev.target && ev.target.getBoundingClientRect
				? ev.target.getBoundingClientRect() : {left: 200, bottom: 100};
			const to = await actions.chooseMailbox(rect.left, rect.bottom, route().mailboxId);
			if (to) { await actions.moveTo(ids, to); leave(); status('Moved.'); }
			break;
		}
		case 'reply': case 'replyAll': case 'forward': await compose(action); break;
		}
	} catch (e) { fail(e); }
}

function registerKeys() {
	const step = (d) => () => {
		const id = list.moveCursor(d);
		if (id && reader.shownId()) open(id);
	};
	registerKey('j', step(1), 'next message');
	registerKey('k', step(-1), 'previous message');
	registerKey('o', () => open(list.cursorId()), 'open the message');
	registerKey('Enter', () => open(list.cursorId()), 'open the message');
	registerKey('Escape', () => act('back'), 'back to the list');
	registerKey('u', () => act('unread'), 'mark read / unread');
	registerKey('s', () => act('star'), 'star / unstar');
	registerKey('#', () => act('delete'), 'delete (to Trash)');
	registerKey('e', () => act('archive'), 'archive');
	registerKey('!', () => act('spam'), 'mark as spam (to Junk)');
	registerKey('m', () => act('move', {target: document.querySelector('[data-action=move]') || document.body}), 'move to a folder');
	registerKey('c', () => compose('new'), 'compose');
	registerKey('r', () => act('reply'), 'reply');
	registerKey('a', () => act('replyAll'), 'reply to all');
	registerKey('f', () => act('forward'), 'forward');
}

// ---- login / logout ----
function showLogin() {
	$('app-view').hidden = true;
	$('login-view').hidden = false;
	$('login-user').focus();
}

// pushes come in bursts (a delivery changes Mailbox and Email): one
// refresh at a time, the changes that arrive meanwhile folded into one more
let refreshing = false, pending = null;
async function onChange(changed) {
	if (refreshing) { pending = {...pending, ...changed}; return; }
	refreshing = true;
	try {
		await mailboxes.refresh(changed);
		await list.refresh(changed);
	} catch (e) {
		fail(e);
	} finally {
		refreshing = false;
	}
	if (pending) {
		const next = pending;
		pending = null;
		onChange(next);
	}
}

async function startApp() {
	$('login-view').hidden = true;
	$('app-view').hidden = false;
	$('whoami').textContent = jmap.username;
	await mailboxes.load();
	jmap.onStateChange(onChange);
	await onRoute();
}

async function onLogin(ev) {
	ev.preventDefault();
	$('login-error').textContent = '';
	$('login-submit').disabled = true;
	try {
		await jmap.login($('login-user').value.trim(), $('login-pass').value);
		$('login-pass').value = '';
		await startApp();
	} catch (e) {
		$('login-error').textContent = e.status === 401 || e.status === 403
			? 'Wrong address or password.'
			: e.status === 429 ? 'Too many failed attempts; try again later.'
			: String(e.message);
	} finally {
		$('login-submit').disabled = false;
	}
}

async function onLogout() {
	try { await jmap.logout(); } catch (e) { console.error(e); }
	location.hash = '';
	location.reload();
}

async function boot() {
	$('login').addEventListener('submit', onLogin);
	$('logout-button').addEventListener('click', onLogout);
	$('menu-toggle').addEventListener('click', () => document.body.classList.toggle('menu-open'));
	window.addEventListener('hashchange', onRoute);
	document.addEventListener('keydown', onKey);
	$('compose-button').addEventListener('click', () => compose('new'));
	$('settings-button').addEventListener('click', () =>
		import('./compose.js').then((m) => m.openSettings()).catch(fail));
	list.init();
	list.onOpen((id, what) => {
		if (what === 'star') actions.toggleStar([id]).catch(fail); else open(id);
	});
	reader.onButton((action, id, ev) => act(action, ev));
	mailboxes.onDrop((mailboxId, ids) => actions.moveTo(ids, mailboxId)
		.then(() => status('Moved.'), fail));
	registerKeys();
	registerKey('?', showHelp, 'show this help');
	search.init();
	try {
		if (await jmap.restore()) { await startApp(); return; }
	} catch (e) { console.error(e); }
	showLogin();
}

boot();
