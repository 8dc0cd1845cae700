// search.js - the search box: "/" focuses it, Enter shows the results
// (Email/query with text/from:/to:/subject: filters, see list.js), an
// empty search returns to the folder.
import {registerKey, go, route} from './app.js';
import * as mailboxes from './mailboxes.js';

export function init() {
	const input = document.getElementById('search-input');
	document.getElementById('search-form').addEventListener('submit', (ev) => {
		ev.preventDefault();
		const text = input.value.trim();
		input.blur();
		if (text) go({search: text});
		else go({mailboxId: (mailboxes.byRole('inbox') || {}).id});
	});
	registerKey('/', () => { input.focus(); input.select(); }, 'search');
	const r = route();
	if (r.search) input.value = r.search;
}
