// reader.js - the reading pane: the opened message (and the rest of its
// thread, collapsed), plain text as text, HTML sanitized into a
// sandboxed iframe, remote images only after "Show images", cid: images
// from their blobs, attachments with download links, and the buttons.
import * as jmap from './jmap.js';
import * as list from './list.js';
import {sanitizeMail} from './sanitize.js';

const PROPS = ['threadId', 'mailboxIds', 'keywords', 'from', 'to', 'cc',
	'replyTo', 'subject', 'receivedAt', 'sentAt', 'size', 'preview',
	'textBody', 'htmlBody', 'attachments', 'bodyValues', 'hasAttachment'];
const BODY_PROPS = ['partId', 'blobId', 'size', 'name', 'type', 'charset',
	'disposition', 'cid'];

const $ = (id) => document.getElementById(id);
const allowed = new Set();	// email ids whose remote images the user allowed
let shown = null;		// the email id in the pane
let buttonsHandler = null;

export function onButton(fn) { buttonsHandler = fn; }
export function shownId() { return shown; }

function el(tag, cls, text) {
	const e = document.createElement(tag);
	if (cls) e.className = cls;
	if (text !== undefined) e.textContent = text;
	return e;
}
function addrs(list_) {
	return (list_ || []).map((a) => a.name ? `${a.name} <${a.email}>` : a.email).join(', ');
}

export function close() {
	shown = null;
	$('reader').hidden = true;
	$('reader').replaceChildren();
}

// show emailId and its thread; marks it read
export async function open(emailId) {
	shown = emailId;
	const [[, g], [, t]] = await jmap.call([
		['Email/get', {accountId: jmap.accountId, ids: [emailId], properties: ['threadId']}, 'a'],
		['Thread/get', {accountId: jmap.accountId,
			'#ids': {resultOf: 'a', name: 'Email/get', path: '/list/*/threadId'}}, 'b'],
	]);
	if (!g.list.length) { close(); throw new Error('this message is gone'); }
	const ids = t.list.length ? t.list[0].emailIds : [emailId];
	const [[name, r]] = await jmap.call([['Email/get', {accountId: jmap.accountId,
		ids, properties: PROPS, bodyProperties: BODY_PROPS,
		fetchHTMLBodyValues: true, fetchTextBodyValues: true,
		maxBodyValueBytes: 2000000}, 'c']]);
	if (name === 'error') throw new Error(r.type);
	if (shown !== emailId) return;
	const byId = new Map(r.list.map((e) => [e.id, e]));
	const pane = $('reader');
	pane.replaceChildren(toolbar(), ...await Promise.all(ids.filter((id) => byId.has(id))
		.map((id) => message(byId.get(id), id !== emailId))));
	pane.hidden = false;
	pane.scrollTop = 0;
	const cur = byId.get(emailId);
	if (cur && !(cur.keywords || {}).$seen)
		jmap.call([['Email/set', {accountId: jmap.accountId,
			update: {[emailId]: {'keywords/$seen': true}}}, 's']]).catch(console.error);
	list.patch(emailId, (e) => { e.keywords = {...e.keywords, $seen: true}; });
}

function toolbar() {
	const bar = el('div', 'reader-bar');
	const buttons = [['back', '\u2190 Back', 'Escape'], ['reply', 'Reply', 'r'],
		['replyAll', 'Reply all', 'a'], ['forward', 'Forward', 'f'],
		['archive', 'Archive', 'e'], ['delete', 'Delete', '#'], ['spam', 'Spam', '!'],
		['move', 'Move\u2026', 'm'], ['unread', 'Mark unread', 'u'], ['star', 'Star', 's']];
	for (const [action, label, key] of buttons) {
		const b = el('button', '', label);
		b.type = 'button';
		b.dataset.action = action;
		b.title = `${label} (${key})`;
		b.addEventListener('click', (ev) => buttonsHandler && buttonsHandler(action, shown, ev));
		bar.append(b);
	}
	return bar;
}

// one message of the thread; collapsed ones open on a click of the head
async function message(e, collapsed) {
	const box = el('article', 'msg' + (collapsed ? ' collapsed' : ''));
	box.dataset.id = e.id;
	const head = el('div', 'reader-head');
	head.append(el('h2', 'subject', e.subject || '(no subject)'));
	const meta = el('div', 'meta');
	const line = (label, v) => {
		if (!v) return;
		const d = el('div');
		d.append(el('b', '', label + ': '), document.createTextNode(v));
		meta.append(d);
	};
	line('From', addrs(e.from));
	line('To', addrs(e.to));
	line('Cc', addrs(e.cc));
	line('Date', new Date(e.sentAt || e.receivedAt).toLocaleString());
	head.append(meta);
	head.addEventListener('click', () => box.classList.remove('collapsed'));
	box.append(head);
	const body = el('div', 'body');
	box.append(body);
	await renderBody(e, body, box);
	box.append(attachmentList(e));
	return box;
}

function isHtml(e) {
	return (e.htmlBody || []).some((p) => p.type === 'text/html');
}

async function renderBody(e, body, box) {
	if (!isHtml(e)) {
		const pre = el('div', 'body-text');
		for (const p of e.textBody || []) {
			const v = e.bodyValues[p.partId];
			if (v) pre.append(...linkify(v.value));
		}
		body.replaceChildren(pre);
		return;
	}
	const html = (e.htmlBody || []).filter((p) => p.type === 'text/html')
		.map((p) => (e.bodyValues[p.partId] || {}).value || '').join('<hr>');
	const cids = await cidImages(e, html);
	const allow = allowed.has(e.id);
	const r = sanitizeMail(html, {allowRemote: allow, cids});
	e.usedCids = r.usedCids;
	const frame = document.createElement('iframe');
	// no allow-scripts: nothing in the mail can run; allow-same-origin only
	// so this page can size the frame to its content; links open outside
	frame.setAttribute('sandbox', 'allow-same-origin allow-popups allow-popups-to-escape-sandbox');
	frame.setAttribute('referrerpolicy', 'no-referrer');
	frame.setAttribute('title', 'Message body');
	frame.srcdoc = r.html;
	frame.addEventListener('load', () => {
		const d = frame.contentDocument;
		if (d && d.documentElement)
			frame.style.height = (d.documentElement.scrollHeight + 20) + 'px';
	});
	const nodes = [];
	if (r.blocked && !allow) {
		const n = el('div', 'notice remote-notice');
		n.append(document.createTextNode(`Remote images are blocked (${r.blocked}).`));
		const b = el('button', 'show-images', 'Show images');
		b.type = 'button';
		b.addEventListener('click', async (ev) => {
			ev.stopPropagation();
			allowed.add(e.id);
			await renderBody(e, body, box);
		});
		n.append(b);
		nodes.push(n);
	}
	nodes.push(frame);
	body.replaceChildren(...nodes);
}

// the inline parts an HTML body references by cid:, as data: URLs
async function cidImages(e, html) {
	const map = new Map();
	if (!/cid:/i.test(html)) return map;
	await Promise.all((e.attachments || []).filter((p) => p.cid && /^image\//.test(p.type))
		.map(async (p) => {
			const r = await fetch(jmap.downloadUrl(p.blobId, p.name || 'image', p.type),
				{credentials: 'same-origin'});
			if (!r.ok) return;
			const blob = await r.blob();
			map.set(p.cid.replace(/^<|>$/g, ''), await new Promise((res) => {
				const fr = new FileReader();
				fr.onload = () => res(fr.result);
				fr.readAsDataURL(blob);
			}));
		}));
	return map;
}

function size(n) {
	return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(0)} KB`
		: `${(n / 1048576).toFixed(1)} MB`;
}

function attachmentList(e) {
	const box = el('div', 'attachments');
	for (const p of e.attachments || []) {
		if (p.cid && e.usedCids && e.usedCids.has(p.cid.replace(/^<|>$/g, ''))) continue;
		const a = el('a', 'attachment', `${p.name || 'attachment'} (${size(p.size)})`);
		a.href = jmap.downloadUrl(p.blobId, p.name || 'attachment', p.type);
		a.download = p.name || 'attachment';
		a.rel = 'noopener';
		box.append(a);
	}
	return box;
}

// plain text with http(s) URLs as links (text nodes only, never HTML)
function linkify(text) {
	const out = [];
	const re = /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;
	let last = 0, m;
	while ((m = re.exec(text))) {
		out.push(document.createTextNode(text.slice(last, m.index)));
		const a = el('a', '', m[0]);
		a.href = m[0];
		a.target = '_blank';
		a.rel = 'noopener noreferrer';
		out.push(a);
		last = m.index + m[0].length;
	}
	out.push(document.createTextNode(text.slice(last)));
	return out;
}
