// settings.js - the Settings view: each Identity's name, reply-to and
// plain-text signature, saved with Identity/set. The signature is what
// compose puts in new mail.
import { el, useStyles, toast } from './compose-ui.js';
import { loadIdentities, saveIdentity } from './identities.js';
import { parseList, formatList } from './addresses.js';

let open = null;

function identityForm(ident) {
  const n = ident.id;
  const name = el('input', { type: 'text', id: 'ident-name-' + n, class: 'ident-name', value: ident.name || '' });
  const replyTo = el('input', { type: 'text', id: 'ident-replyto-' + n, class: 'ident-replyto', value: formatList(ident.replyTo) });
  const sig = el('textarea', { id: 'ident-sig-' + n, class: 'ident-sig', rows: '4' });
  sig.value = ident.textSignature || '';
  const status = el('span', { class: 'compose-status', role: 'status' });
  const save = el('button', { type: 'submit', class: 'primary', text: 'Save' });
  const form = el('form', { class: 'identity', 'data-identity': ident.email },
    el('h3', { text: ident.email }),
    el('label', { for: name.id, text: 'Name' }), name,
    el('label', { for: replyTo.id, text: 'Reply-To' }), replyTo,
    el('label', { for: sig.id, text: 'Signature' }), sig,
    el('div', { class: 'compose-foot' }, save, status));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const rt = parseList(replyTo.value);
    if (rt.bad.length) {
      status.textContent = 'Not an address: ' + rt.bad.join(', ');
      status.classList.add('error');
      return;
    }
    save.disabled = true;
    try {
      await saveIdentity(ident.id, { name: name.value.trim(), replyTo: rt.list.length ? rt.list : null, textSignature: sig.value });
      status.textContent = 'Saved';
      status.classList.remove('error');
    } catch (e) {
      status.textContent = 'Not saved: ' + e.message;
      status.classList.add('error');
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

export async function openSettings() {
  useStyles();
  if (open) open.remove();
  let list;
  try {
    list = await loadIdentities(true);
  } catch (e) {
    toast('Cannot load the identities: ' + e.message, true);
    return;
  }
  const close = () => { root.remove(); open = null; };
  const root = el('section', { class: 'compose settings', id: 'settings', role: 'dialog', 'aria-label': 'Settings' },
    el('header', { class: 'compose-head' }, el('h2', { text: 'Settings — identities' }),
      el('button', { type: 'button', class: 'compose-close', 'aria-label': 'Close', text: '×', onclick: close })),
    el('div', { class: 'settings-body' }, ...list.map(identityForm)));
  root.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { ev.preventDefault(); close(); }
    ev.stopPropagation();
  });
  document.body.append(root);
  open = root;
  const first = root.querySelector('input');
  if (first) first.focus();
}
