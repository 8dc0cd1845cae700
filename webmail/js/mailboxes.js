// mailboxes.js - the folder tree with unread counts (Mailbox/get, then
// Mailbox/changes on push) and drop targets for moving messages.
import * as jmap from './jmap.js';

const PROPS = ['name', 'parentId', 'role', 'sortOrder', 'totalEmails',
	'unreadEmails', 'totalThreads', 'unreadThreads', 'myRights'];
const ROLE_ORDER = ['inbox', 'drafts', 'sent', 'archive', 'junk', 'trash'];

export const all = new Map();	// id -> Mailbox
let state = null;
let selected = null;
let dropHandler = null;

export function byRole(role) {
	for (const m of all.values()) if (m.role === role) return m;
	return null;
}
export function get(id) { return all.get(id) || null; }

// called with (mailboxId, emailIdsJson) when rows are dropped on a folder
export function onDrop(fn) { dropHandler = fn; }

export async function load() {
	const [[, r]] = await jmap.call([['Mailbox/get',
		{accountId: jmap.accountId, ids: null, properties: PROPS}, '0']]);
	all.clear();
	for (const m of r.list) all.set(m.id, m);
	state = r.state;
	render();
}

// a push named a new Mailbox state: apply the changes
export async function refresh(changed) {
	if (!changed.Mailbox || changed.Mailbox === state) return;
	const res = await jmap.call([
		['Mailbox/changes', {accountId: jmap.accountId, sinceState: state}, 'c'],
		['Mailbox/get', {accountId: jmap.accountId, properties: PROPS,
			'#ids': {resultOf: 'c', name: 'Mailbox/changes', path: '/created'}}, 'g1'],
		['Mailbox/get', {accountId: jmap.accountId, properties: PROPS,
			'#ids': {resultOf: 'c', name: 'Mailbox/changes', path: '/updated'}}, 'g2'],
	]);
	if (res[0][0] === 'error') { await load(); return; }
	const ch = res[0][1];
	for (const id of ch.destroyed) all.delete(id);
	for (const [name, r] of res.slice(1))
		if (name === 'Mailbox/get') for (const m of r.list) all.set(m.id, m);
	state = ch.newState;
	render();
	if (ch.hasMoreChanges) await refresh({Mailbox: 'more'});
}

export function select(id) {
	selected = id;
	for (const a of document.querySelectorAll('#mailboxes a'))
		a.classList.toggle('selected', a.dataset.id === id);
}

function sortKey(m) {
	const i = ROLE_ORDER.indexOf(m.role);
	return [i < 0 ? ROLE_ORDER.length : i, m.sortOrder || 0, m.name.toLowerCase()];
}
function cmp(a, b) {
	const x = sortKey(a), y = sortKey(b);
	for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
	return 0;
}

function render() {
	const kids = new Map();
	for (const m of all.values()) {
		const p = m.parentId && all.has(m.parentId) ? m.parentId : null;
		if (!kids.has(p)) kids.set(p, []);
		kids.get(p).push(m);
	}
	const build = (parent) => {
		const ul = document.createElement('ul');
		for (const m of (kids.get(parent) || []).sort(cmp)) {
			const li = document.createElement('li');
			const a = document.createElement('a');
			a.href = '#m/' + encodeURIComponent(m.id);
			a.dataset.id = m.id;
			if (m.role) a.dataset.role = m.role;
			a.className = m.id === selected ? 'selected' : '';
			const name = document.createElement('span');
			name.className = 'name';
			name.textContent = m.name;
			a.append(name);
			if (m.unreadEmails > 0) {
				const n = document.createElement('span');
				n.className = 'unread';
				n.textContent = m.unreadEmails;
				a.append(n);
			}
			a.addEventListener('dragover', (ev) => { ev.preventDefault(); a.classList.add('drop'); });
			a.addEventListener('dragleave', () => a.classList.remove('drop'));
			a.addEventListener('drop', (ev) => {
				ev.preventDefault();
				a.classList.remove('drop');
				const ids = ev.dataTransfer.getData('application/x-tern-emails');
				if (ids && dropHandler) dropHandler(m.id, JSON.parse(ids));
			});
			li.append(a);
			if (kids.has(m.id)) li.append(build(m.id));
			ul.append(li);
		}
		return ul;
	};
	document.getElementById('mailboxes').replaceChildren(build(null));
}
