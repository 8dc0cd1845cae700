// jmap.js - the one JMAP client of the webmail: every other module talks
// to the server through these exports. Auth is the HttpOnly session
// cookie set by /webmail/login; a POST also carries X-CSRF-Token (the
// server refuses a cookie-authenticated POST without it).

const USING = ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail',
	'urn:ietf:params:jmap:submission'];

export let session = null;	// the JMAP Session object once loaded
export let accountId = null;
export let username = null;
let csrfToken = null;

// a request-level failure (HTTP status or a JMAP problem document)
export class JmapError extends Error {
	constructor(message, status, type) {
		super(message);
		this.status = status;
		this.type = type;
	}
}

async function postJson(url, body) {
	const r = await fetch(url, {
		method: 'POST', credentials: 'same-origin',
		headers: {'Content-Type': 'application/json',
			'X-CSRF-Token': csrfToken || ''},
		body: JSON.stringify(body),
	});
	return r;
}

async function problem(r) {
	let type = null, detail = r.statusText;
	try {
		const j = await r.json();
		type = j.type || null;
		detail = j.detail || j.description || j.error || detail;
	} catch (e) { /* not JSON */ }
	return new JmapError(`${r.status} ${detail}`, r.status, type);
}

// the session resource names the account and the URLs we use
async function loadSession(who) {
	csrfToken = who.csrfToken;
	username = who.username;
	const r = await fetch('/.well-known/jmap', {credentials: 'same-origin'});
	if (!r.ok) throw await problem(r);
	session = await r.json();
	// this page talks to its own origin only (CSP connect-src 'self'):
	// keep the paths of the session's URLs
	for (const k of ['apiUrl', 'uploadUrl', 'downloadUrl', 'eventSourceUrl'])
		session[k] = session[k].replace(/^https?:\/\/[^/]*/i, '');
	accountId = session.primaryAccounts['urn:ietf:params:jmap:mail'];
	return session;
}

export async function login(user, password) {
	const r = await postJson('/webmail/login', {username: user, password});
	if (!r.ok) throw await problem(r);
	return loadSession(await r.json());
}

// a page reload: the cookie may still name a live session
export async function restore() {
	const r = await fetch('/webmail/session', {credentials: 'same-origin'});
	if (r.status === 401) return null;
	if (!r.ok) throw await problem(r);
	return loadSession(await r.json());
}

export async function logout() {
	stopPush();
	try {
		await postJson('/webmail/logout', {});
	} finally {
		session = accountId = username = csrfToken = null;
	}
}

// one API request; returns methodResponses (method-level errors are
// left in them as ["error", {...}, id] for the caller)
export async function call(methodCalls) {
	if (!session) throw new JmapError('not logged in', 401, null);
	const r = await postJson(session.apiUrl, {using: USING, methodCalls});
	if (!r.ok) throw await problem(r);
	const j = await r.json();
	if (!Array.isArray(j.methodResponses))
		throw new JmapError('bad response', r.status, null);
	return j.methodResponses;
}

function fill(template, vars) {
	return template.replace(/\{(\w+)\}/g,
		(m, k) => (k in vars ? encodeURIComponent(vars[k]) : m));
}

// XMLHttpRequest, not fetch: only it reports the bytes sent, which
// onProgress(sent, total) gets as they go
export function upload(file, onProgress) {
	if (!session) return Promise.reject(new JmapError('not logged in', 401, null));
	return new Promise((resolve, reject) => {
		const x = new XMLHttpRequest();
		x.open('POST', fill(session.uploadUrl, {accountId}));
		x.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
		x.setRequestHeader('X-CSRF-Token', csrfToken || '');
		if (onProgress)
			x.upload.onprogress = (ev) => onProgress(ev.loaded, ev.total || file.size);
		x.onerror = () => reject(new JmapError('upload failed: network error', 0, null));
		x.onload = () => {
			let j = null;
			try { j = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
			if (x.status < 200 || x.status > 299) {
				const detail = (j && (j.detail || j.description)) || x.statusText;
				reject(new JmapError(`${x.status} ${detail}`, x.status, (j && j.type) || null));
				return;
			}
			resolve({blobId: j.blobId, type: j.type, size: j.size});
		};
		x.send(file);
	});
}

export function downloadUrl(blobId, name, type) {
	return fill(session.downloadUrl, {accountId, blobId,
		name: name || 'download',
		type: type || 'application/octet-stream'});
}

// push: one EventSource for the whole app, reconnecting with backoff
const listeners = new Set();
let source = null, retryTimer = null, retryDelay = 1000;

function stopPush() {
	if (source) source.close();
	source = null;
	clearTimeout(retryTimer);
	retryTimer = null;
}

function startPush() {
	if (source || !session) return;
	const url = fill(session.eventSourceUrl,
		{types: '*', closeafter: 'no', ping: '60'});
	source = new EventSource(url, {withCredentials: true});
	source.addEventListener('state', (ev) => {
		retryDelay = 1000;
		let change;
		try { change = JSON.parse(ev.data); } catch (e) { return; }
		const changed = (change.changed || {})[accountId];
		if (!changed) return;
		for (const fn of listeners) {
			try { fn(changed); } catch (e) { console.error(e); }
		}
	});
	source.onopen = () => { retryDelay = 1000; };
	source.onerror = () => {
		// the browser retries by itself unless the source is CLOSED
		if (source.readyState !== EventSource.CLOSED) return;
		source = null;
		if (!session) return;
		retryTimer = setTimeout(startPush, retryDelay);
		retryDelay = Math.min(retryDelay * 2, 30000);
	};
}

// fn({Mailbox: state, Email: state, ...}) on every change of the account
export function onStateChange(fn) {
	listeners.add(fn);
	startPush();
	return () => listeners.delete(fn);
}
