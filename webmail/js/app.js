// app.js - boot, the login view, the layout, routing by location.hash
// and the keyboard shortcut registry. Views live in their own modules.
import * as jmap from './jmap.js';
import * as mailboxes from './mailboxes.js';
import * as list from './list.js';

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
	mailboxes.select(r.mailboxId || null);
	try {
		await list.show(r);
	} catch (e) { fail(e); }
}

// ---- login / logout ----
function showLogin() {
	$('app-view').hidden = true;
	$('login-view').hidden = false;
	$('login-user').focus();
}

async function startApp() {
	$('login-view').hidden = true;
	$('app-view').hidden = false;
	$('whoami').textContent = jmap.username;
	await mailboxes.load();
	jmap.onStateChange((changed) => {
		mailboxes.refresh(changed).catch(fail);
		list.refresh(changed).catch(fail);
	});
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
	$('login-form').addEventListener('submit', onLogin);
	$('logout-button').addEventListener('click', onLogout);
	$('menu-toggle').addEventListener('click', () => document.body.classList.toggle('menu-open'));
	window.addEventListener('hashchange', onRoute);
	document.addEventListener('keydown', onKey);
	registerKey('?', showHelp, 'show this help');
	list.init();
	try {
		if (await jmap.restore()) { await startApp(); return; }
	} catch (e) { console.error(e); }
	showLogin();
}

boot();
