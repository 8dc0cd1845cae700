// compose.js - the compose view: new mail, reply, reply-all, forward
// (inline or as an attachment) and reopened drafts. From is chosen among
// the Identities, To/Cc/Bcc complete from past correspondents, the body
// is plain text or simple rich text (sanitized by DOMPurify), the draft
// is saved in Drafts as the user types, and Send submits it.
import { el, useStyles, toast } from './compose-ui.js';
import { parseList, formatList, formatOne } from './addresses.js';
import { loadContacts, forgetContacts } from './contacts.js';
import { attachCompletion } from './complete.js';
import { loadIdentities, pickIdentity, signatureText } from './identities.js';
import { saveDraft, sendDraft, destroyDraft } from './drafts.js';
import { ORIGINAL_PROPS, replyOf, forwardOf, originalText } from './quote.js';
import { request, answer } from './compose-jmap.js';
import { Attachments } from './attach.js';
import { RichEditor } from './richtext.js';

export { openSettings } from './settings.js';

const AUTOSAVE_MS = 1500;
let current = null;      // the one open compose view

async function fetchEmail(id, html) {
  const props = html ? [...ORIGINAL_PROPS, 'htmlBody'] : ORIGINAL_PROPS;
  const resp = await request([['Email/get', { ids: [id], properties: props, fetchTextBodyValues: true, fetchHTMLBodyValues: html }, 'g']]);
  const e = answer(resp, 'g').list[0];
  if (!e) throw new Error('the message is gone');
  return e;
}

// the starting state of the view for a mode
async function initial(mode, emailId, identities) {
  const own = identities.map((i) => i.email);
  if (mode === 'new' || !emailId) return { to: [], cc: [], bcc: [], subject: '', text: '', attachments: [], identity: pickIdentity(identities, []) };
  const e = await fetchEmail(emailId, mode === 'draft');
  const addressed = [...(e.to || []), ...(e.cc || []), ...(e.bcc || [])];
  if (mode === 'draft') {
    const fromId = pickIdentity(identities, e.from || []);
    let html = null;
    if (e.htmlBody && e.htmlBody.length && e.htmlBody[0].type === 'text/html')
      html = e.bodyValues[e.htmlBody[0].partId] ? e.bodyValues[e.htmlBody[0].partId].value : null;
    return { to: e.to || [], cc: e.cc || [], bcc: e.bcc || [], subject: e.subject || '', text: originalText(e), html,
      attachments: (e.attachments || []).map((a) => ({ blobId: a.blobId, type: a.type, name: a.name || 'attachment', size: a.size })),
      inReplyTo: e.inReplyTo, references: e.references, identity: fromId, draftId: e.id };
  }
  if (mode === 'forward' || mode === 'forwardAttached') {
    const fwd = { inline: forwardOf(e, false), attached: forwardOf(e, true) };
    const start = mode === 'forward' ? fwd.inline : fwd.attached;
    return { bcc: [], ...start, fwd, identity: pickIdentity(identities, addressed) };
  }
  return { bcc: [], attachments: [], ...replyOf(e, mode === 'replyAll', own), identity: pickIdentity(identities, addressed) };
}

class Compose {
  constructor(state, identities) {
    this.identities = identities;
    this.draftId = state.draftId || null;
    this.inReplyTo = state.inReplyTo || null;
    this.references = state.references || null;
    this.answering = state.answering || null;
    this.dirty = false;
    this.saving = null;          // the save in flight
    this.timer = null;
    this.closed = false;
    this.build(state);
  }

  field(name, label, value) {
    // type text, not email: "Name <addr>, ..." is checked by parseList
    const input = el('input', { id: 'compose-' + name, type: 'text', value: value || '', 'aria-label': label });
    const row = el('div', { class: 'compose-row', 'data-field': name }, el('label', { for: input.id, text: label }), el('div', { class: 'compose-input' }, input));
    return { input, row };
  }

  build(s) {
    const from = el('select', { id: 'compose-from', 'aria-label': 'From' },
      ...this.identities.map((i) => el('option', { value: i.id, text: formatOne({ name: i.name || null, email: i.email }) })));
    from.value = s.identity ? s.identity.id : '';
    this.from = from;
    this.lastSig = signatureText(s.identity);
    from.addEventListener('change', () => this.identityChanged());

    const to = this.field('to', 'To', formatList(s.to));
    const cc = this.field('cc', 'Cc', formatList(s.cc));
    const bcc = this.field('bcc', 'Bcc', formatList(s.bcc));
    const subject = this.field('subject', 'Subject', s.subject);
    Object.assign(this, { to: to.input, cc: cc.input, bcc: bcc.input, subject: subject.input });
    const contacts = () => loadContacts();
    for (const f of [to, cc, bcc]) attachCompletion(f.input, contacts);
    cc.row.hidden = !(s.cc && s.cc.length);
    bcc.row.hidden = !(s.bcc && s.bcc.length);
    const showCc = el('button', { type: 'button', class: 'link', text: 'Cc', onclick: () => { cc.row.hidden = false; cc.input.focus(); showCc.hidden = true; } });
    const showBcc = el('button', { type: 'button', class: 'link', text: 'Bcc', onclick: () => { bcc.row.hidden = false; bcc.input.focus(); showBcc.hidden = true; } });
    showCc.hidden = !cc.row.hidden;
    showBcc.hidden = !bcc.row.hidden;

    let text = s.text || '';
    if (this.lastSig && s.draftId == null) text = '\n\n' + this.lastSig + text;
    this.body = el('textarea', { id: 'compose-body', 'aria-label': 'Message', spellcheck: 'true' });
    this.body.value = text;
    this.rich = new RichEditor(this.body, () => this.changed());

    const file = el('input', { id: 'compose-file', type: 'file', multiple: true, hidden: true });
    file.addEventListener('change', () => { for (const f of file.files) this.atts.addFile(f); file.value = ''; this.changed(); });
    const attList = el('ul', { id: 'compose-attachments', class: 'compose-attachments' });
    this.atts = new Attachments(attList, () => this.changed());
    for (const a of s.attachments || []) this.atts.addBlob(a);

    const fwdToggle = s.fwd ? this.forwardToggle(s.fwd, s.mode === 'forwardAttached') : null;
    this.status = el('span', { id: 'compose-status', class: 'compose-status', role: 'status' });
    this.sendBtn = el('button', { id: 'compose-send', type: 'button', class: 'primary', text: 'Send', title: 'Send (Ctrl+Enter)', onclick: () => this.send() });
    const title = { new: 'New message', reply: 'Reply', replyAll: 'Reply all', forward: 'Forward', forwardAttached: 'Forward', draft: 'Draft' }[s.mode] || 'New message';

    this.root = el('section', { class: 'compose', id: 'compose', role: 'dialog', 'aria-label': title },
      el('header', { class: 'compose-head' },
        el('h2', { text: title }),
        el('button', { type: 'button', class: 'compose-close', title: 'Close (the draft is kept)', 'aria-label': 'Close', text: '×', onclick: () => this.close() })),
      el('div', { class: 'compose-row' }, el('label', { for: 'compose-from', text: 'From' }), el('div', { class: 'compose-input' }, from)),
      to.row, cc.row, bcc.row,
      el('div', { class: 'compose-more' }, showCc, showBcc),
      subject.row,
      this.rich.toolbar, fwdToggle,
      el('div', { class: 'compose-body' }, this.body, this.rich.editor),
      attList,
      el('footer', { class: 'compose-foot' },
        this.sendBtn,
        el('label', { class: 'button', for: 'compose-file', title: 'Attach files', text: 'Attach' }), file,
        this.status,
        el('button', { id: 'compose-discard', type: 'button', class: 'danger', text: 'Discard', onclick: () => this.discard() })));

    this.root.addEventListener('input', () => this.changed());
    this.root.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); this.send(); }
      else if (ev.key === 'Escape') { ev.preventDefault(); this.close(); }
      // the app's one-key shortcuts must not fire while writing
      ev.stopPropagation();
    });
    this.root.addEventListener('dragover', (ev) => { if (ev.dataTransfer.types.includes('Files')) ev.preventDefault(); });
    this.root.addEventListener('drop', (ev) => {
      if (!ev.dataTransfer.files.length) return;
      ev.preventDefault();
      for (const f of ev.dataTransfer.files) this.atts.addFile(f);
    });
    if (s.html != null) this.rich.enable(s.html).catch((e) => toast("Rich text unavailable: " + e.message, true));
  }

  // forward inline (quoted text and the original's attachments) or as
  // an attachment (the whole original as message/rfc822): switchable
  forwardToggle(fwd, attached) {
    const box = el('input', { type: 'checkbox', id: 'compose-fwd-attached', checked: attached });
    box.addEventListener('change', () => {
      const [from, to] = box.checked ? [fwd.inline, fwd.attached] : [fwd.attached, fwd.inline];
      if (!this.rich.on) this.body.value = this.body.value.replace(from.text, to.text);
      const gone = new Set(from.attachments.map((a) => a.blobId));
      for (const item of [...this.atts.items]) if (gone.has(item.blobId)) this.atts.remove(item);
      for (const a of to.attachments) this.atts.addBlob(a);
      this.changed();
    });
    return el('div', { class: 'compose-toolbar' }, el('label', { for: 'compose-fwd-attached' }, box, ' Forward as attachment'));
  }

  show() {
    useStyles();
    document.body.append(this.root);
    (this.to.value ? this.rich.focus() : this.to.focus());
    if (this.rich.on) return;
    // a reply starts at the top, above the quote
    this.body.setSelectionRange(0, 0);
    this.body.scrollTop = 0;
  }

  identity() { return this.identities.find((i) => i.id === this.from.value); }

  // another From: its signature replaces the previous one
  identityChanged() {
    const sig = signatureText(this.identity());
    if (!this.rich.on) {
      const v = this.body.value;
      if (this.lastSig && v.includes(this.lastSig)) this.body.value = v.replace(this.lastSig, sig);
      else if (sig) this.body.value = v.replace(/^\n*/, '\n\n' + sig + '\n');
    }
    this.lastSig = sig;
    this.changed();
  }

  // the message as the draft functions take it, with the fields' errors
  message() {
    const to = parseList(this.to.value), cc = parseList(this.cc.value), bcc = parseList(this.bcc.value);
    const ident = this.identity();
    const body = this.rich.value();
    return {
      bad: [...to.bad, ...cc.bad, ...bcc.bad],
      d: {
        from: ident ? { name: ident.name || null, email: ident.email } : null,
        replyTo: ident && ident.replyTo ? ident.replyTo : null,
        to: to.list, cc: cc.list, bcc: bcc.list,
        subject: this.subject.value,
        text: body.text, html: body.html,
        attachments: this.atts.done(),
        inReplyTo: this.inReplyTo, references: this.references, answering: this.answering,
      },
    };
  }

  changed() {
    if (this.closed) return;
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), AUTOSAVE_MS);
  }

  // save now unless a save runs; the one running saves again if needed
  async save() {
    clearTimeout(this.timer);
    // one save at a time: each must destroy the version the last one made
    while (this.saving) await this.saving;
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    this.saving = (async () => {
      try {
        this.draftId = await saveDraft(this.message().d, this.draftId);
        this.status.textContent = 'Draft saved ' + new Date().toLocaleTimeString();
        this.status.classList.remove('error');
      } catch (e) {
        this.dirty = true;
        this.status.textContent = 'Draft not saved: ' + e.message;
        this.status.classList.add('error');
      }
    })();
    await this.saving;
    this.saving = null;
  }

  async send() {
    if (this.sending) return;
    const { bad, d } = this.message();
    const problem = bad.length ? 'Not an address: ' + bad.join(', ')
      : d.to.length + d.cc.length + d.bcc.length === 0 ? 'Say who the message is for'
      : this.atts.pending() ? 'Wait for the attachments to upload'
      : this.atts.failed().length ? 'Remove the attachments that failed to upload'
      : !d.from ? 'No identity to send from' : null;
    if (problem) { this.status.textContent = problem; this.status.classList.add('error'); return; }
    this.sending = true;
    this.sendBtn.disabled = true;
    this.status.textContent = 'Sending…';
    this.status.classList.remove('error');
    clearTimeout(this.timer);
    while (this.saving) await this.saving;
    try {
      const r = await sendDraft(d, this.identity().id, this.draftId);
      if (!r.sent) {
        this.draftId = r.draftId;
        throw new Error(r.error);
      }
      this.dirty = false;
      this.closed = true;
      this.root.remove();
      current = null;
      forgetContacts();
      toast('Message sent');
    } catch (e) {
      this.status.textContent = 'Not sent: ' + e.message;
      this.status.classList.add('error');
    } finally {
      this.sending = false;
      this.sendBtn.disabled = false;
    }
  }

  // close keeping what was written as a draft
  async close() {
    if (this.closed) return;
    clearTimeout(this.timer);
    await this.save();
    this.closed = true;
    this.root.remove();
    if (current === this) current = null;
    if (this.draftId) toast('Draft saved in Drafts');
  }

  async discard() {
    this.closed = true;
    clearTimeout(this.timer);
    while (this.saving) await this.saving;
    this.root.remove();
    if (current === this) current = null;
    try { await destroyDraft(this.draftId); } catch (e) { toast('The draft could not be deleted: ' + e.message, true); }
  }
}

// open the compose view; mode 'new' | 'reply' | 'replyAll' | 'forward' |
// 'forwardAttached' | 'draft', emailId the message replied to,
// forwarded or the draft reopened
export async function openCompose({ mode = 'new', emailId = null } = {}) {
  if (current) await current.close();
  try {
    const identities = await loadIdentities();
    const state = await initial(mode, emailId, identities);
    current = new Compose({ ...state, mode }, identities);
    current.show();
    loadContacts().catch(() => {});   // warm the completion list
    return current;
  } catch (e) {
    toast('Cannot compose: ' + e.message, true);
    return null;
  }
}
