// actions.js - what the user does to messages: read/unread, star, move,
// delete (to Trash; in Trash: destroy), archive, spam (to Junk). One
// Email/set each; the list and counts follow from the push that the
// change causes, the cached row is patched at once for feedback.
import * as jmap from './jmap.js';
import * as mailboxes from './mailboxes.js';
import * as list from './list.js';

async function set(args) {
	const [[name, r]] = await jmap.call([['Email/set',
		{accountId: jmap.accountId, ...args}, 's']]);
	if (name === 'error') throw new Error(`${r.type}: ${r.description || ''}`);
	const bad = r.notUpdated || r.notDestroyed;
	if (bad && Object.keys(bad).length) {
		const e = Object.values(bad)[0];
		throw new Error(`${e.type}: ${e.description || ''}`);
	}
	return r;
}

function updateAll(ids, patch) {
	const update = {};
	for (const id of ids) update[id] = patch;
	return set({update});
}

export async function setKeyword(ids, keyword, on) {
	for (const id of ids) list.patch(id, (e) => {
		e.keywords = {...e.keywords};
		if (on) e.keywords[keyword] = true; else delete e.keywords[keyword];
	});
	return updateAll(ids, {[`keywords/${keyword}`]: on ? true : null});
}

function has(id, keyword) {
	const e = list.emails.get(id);
	return !!(e && e.keywords && e.keywords[keyword]);
}
export const toggleSeen = (ids) => setKeyword(ids, '$seen', !ids.every((id) => has(id, '$seen')));
export const toggleStar = (ids) => setKeyword(ids, '$flagged', !ids.every((id) => has(id, '$flagged')));

export function moveTo(ids, mailboxId, extra = {}) {
	return updateAll(ids, {mailboxIds: {[mailboxId]: true}, ...extra});
}

function roleOrFail(role) {
	const m = mailboxes.byRole(role);
	if (!m) throw new Error(`there is no ${role} folder`);
	return m;
}

// in Trash (or Junk): gone for good; elsewhere: into Trash
export async function remove(ids, currentMailboxId) {
	const cur = mailboxes.get(currentMailboxId);
	if (cur && (cur.role === 'trash' || cur.role === 'junk'))
		return set({destroy: ids});
	return moveTo(ids, roleOrFail('trash').id);
}
export const archive = (ids) => moveTo(ids, roleOrFail('archive').id);
export const spam = (ids) => moveTo(ids, roleOrFail('junk').id,
	{'keywords/$junk': true, 'keywords/$notjunk': null});

// a small menu of folders at (x, y); resolves to a mailbox id or null
export function chooseMailbox(x, y, exceptId) {
	return new Promise((resolve) => {
		const menu = document.createElement('div');
		menu.className = 'menu';
		menu.setAttribute('role', 'menu');
		menu.style.left = Math.min(x, window.innerWidth - 200) + 'px';
		menu.style.top = Math.min(y, window.innerHeight - 40) + 'px';
		const done = (v) => { menu.remove(); document.removeEventListener('keydown', esc, true); resolve(v); };
		const esc = (ev) => { if (ev.key === 'Escape') { ev.stopPropagation(); done(null); } };
		for (const m of [...mailboxes.all.values()].sort((a, b) => a.name.localeCompare(b.name))) {
			if (m.id === exceptId) continue;
			const b = document.createElement('button');
			b.type = 'button';
			b.textContent = m.name;
			b.dataset.id = m.id;
			b.addEventListener('click', () => done(m.id));
			menu.append(b);
		}
		const cancel = document.createElement('button');
		cancel.type = 'button';
		cancel.textContent = 'Cancel';
		cancel.addEventListener('click', () => done(null));
		menu.append(cancel);
		document.addEventListener('keydown', esc, true);
		document.body.append(menu);
		menu.querySelector('button').focus();
	});
}
