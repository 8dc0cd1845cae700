// complete.js - the suggestion list under an address field: as the user
// types the piece after the last comma, past correspondents that match
// are offered; arrows move, Enter or Tab or a click takes one.
import { lastPiece, formatOne } from './addresses.js';
import { suggest } from './contacts.js';

export function attachCompletion(input, getContacts) {
  const box = document.createElement('ul');
  box.className = 'compose-suggest';
  box.setAttribute('role', 'listbox');
  box.hidden = true;
  input.setAttribute('autocomplete', 'off');
  input.setAttribute('aria-autocomplete', 'list');
  input.insertAdjacentElement('afterend', box);
  let items = [], sel = -1;

  function render() {
    box.replaceChildren(...items.map((c, i) => {
      const li = document.createElement('li');
      li.textContent = c.label;
      li.setAttribute('role', 'option');
      li.className = i === sel ? 'selected' : '';
      // mousedown, not click: keep the focus in the field
      li.addEventListener('mousedown', (ev) => { ev.preventDefault(); take(i); });
      return li;
    }));
    box.hidden = items.length === 0;
  }

  function take(i) {
    const { head } = lastPiece(input.value);
    input.value = head + formatOne(items[i]) + ', ';
    items = []; sel = -1;
    render();
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }

  async function update() {
    const { piece } = lastPiece(input.value);
    let list = [];
    try { list = await getContacts(); } catch (e) { /* no completion */ }
    // the field may have changed while the list was loading
    if (lastPiece(input.value).piece !== piece) return;
    items = suggest(list, piece);
    sel = items.length ? 0 : -1;
    render();
  }

  input.addEventListener('input', (ev) => { if (ev.isTrusted !== false) update(); });
  input.addEventListener('blur', () => { items = []; render(); });
  input.addEventListener('keydown', (ev) => {
    if (box.hidden) return;
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      sel = (sel + (ev.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      render();
      ev.preventDefault();
    } else if ((ev.key === 'Enter' || ev.key === 'Tab') && sel >= 0) {
      take(sel);
      ev.preventDefault();
    } else if (ev.key === 'Escape') {
      items = []; render();
      ev.preventDefault();
      ev.stopPropagation();
    }
  });
}
