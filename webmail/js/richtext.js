// richtext.js - the optional rich-text body: a contenteditable next to
// the plain textarea, with bold/italic/underline/list. What it produces
// goes through DOMPurify (loaded only when rich text is turned on); a
// paste is taken as plain text so nothing foreign enters the editor.
import { el } from './compose-ui.js';

let purify = null;
async function sanitizer() {
  if (!purify) purify = (await import('../vendor/purify.es.mjs')).default;
  return purify;
}

function textToHtml(text) {
  const d = document.createElement('div');
  d.textContent = text;
  return d.innerHTML.replace(/\n/g, '<br>');
}

const ALLOWED = { ALLOWED_TAGS: ['b', 'strong', 'i', 'em', 'u', 'br', 'p', 'div', 'ul', 'ol', 'li', 'blockquote', 'span', 'a'],
  ALLOWED_ATTR: ['href'], ALLOWED_URI_REGEXP: /^(?:https?|mailto):/i };

export class RichEditor {
  constructor(textarea, changed) {
    this.textarea = textarea;
    this.changed = changed;
    this.on = false;
    this.editor = el('div', { id: 'compose-rich', class: 'compose-rich', contenteditable: 'true', role: 'textbox', 'aria-multiline': 'true', 'aria-label': 'Message', hidden: true });
    this.editor.addEventListener('paste', (ev) => {
      ev.preventDefault();
      document.execCommand('insertText', false, ev.clipboardData.getData('text/plain'));
    });
    this.editor.addEventListener('drop', (ev) => { if (!ev.dataTransfer.files.length) ev.preventDefault(); });
    const cmd = (name, label, title) => el('button', { type: 'button', class: 'fmt', title, text: label, 'data-cmd': name,
      onmousedown: (ev) => { ev.preventDefault(); document.execCommand(name); this.changed(); } });
    this.buttons = el('span', { class: 'compose-fmt', hidden: true },
      cmd('bold', 'B', 'Bold'), cmd('italic', 'I', 'Italic'), cmd('underline', 'U', 'Underline'), cmd('insertUnorderedList', '•', 'List'));
    this.toggle = el('input', { type: 'checkbox', id: 'compose-rich-toggle' });
    this.toggle.addEventListener('change', () => (this.toggle.checked ? this.enable() : this.disable()));
    this.toolbar = el('div', { class: 'compose-toolbar' },
      el('label', { for: 'compose-rich-toggle' }, this.toggle, ' Rich text'), this.buttons);
  }

  async enable(html) {
    try {
      const p = await sanitizer();
      this.clean = (h) => p.sanitize(h, ALLOWED);
    } catch (e) {
      this.toggle.checked = false;
      throw e;
    }
    this.editor.innerHTML = this.clean(html != null ? html : textToHtml(this.textarea.value));
    this.on = true;
    this.toggle.checked = true;
    this.textarea.hidden = true;
    this.editor.hidden = false;
    this.buttons.hidden = false;
    this.changed();
  }

  disable() {
    this.textarea.value = this.editor.innerText;
    this.on = false;
    this.toggle.checked = false;
    this.textarea.hidden = false;
    this.editor.hidden = true;
    this.buttons.hidden = true;
    this.changed();
  }

  focus() { (this.on ? this.editor : this.textarea).focus(); }

  // {text, html}: html null for a plain-text message
  value() {
    if (!this.on) return { text: this.textarea.value, html: null };
    return { text: this.editor.innerText, html: '<!DOCTYPE html><html><body>' + this.clean(this.editor.innerHTML) + '</body></html>' };
  }
}
