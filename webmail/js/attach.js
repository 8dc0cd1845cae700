// attach.js - the attachments of the message being written: files the
// user picks or drops are uploaded at once (shown with their progress),
// forwarded ones are kept by blobId; each can be removed.
import { upload } from './jmap.js';

function human(n) {
  if (n == null) return '';
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}

export class Attachments {
  // ul: the list element; changed(): called when the set of done ones changes
  constructor(ul, changed) {
    this.ul = ul;
    this.changed = changed;
    this.items = [];       // {name, type, size, blobId?, pending, error?, li}
  }

  done() { return this.items.filter((a) => a.blobId).map(({ name, type, size, blobId }) => ({ name, type, size, blobId })); }
  pending() { return this.items.some((a) => a.pending); }
  failed() { return this.items.filter((a) => a.error); }

  addBlob(a) {
    const item = { ...a, pending: false };
    this.items.push(item);
    this.row(item);
  }

  addFile(file) {
    const item = { name: file.name || 'attachment', type: file.type || 'application/octet-stream', size: file.size, pending: true };
    this.items.push(item);
    this.row(item);
    // upload(file, onProgress): the bar shows the bytes sent as jmap.js
    // reports them (an XMLHttpRequest upload)
    upload(file, (sent, total) => {
      if (item.bar && total) { item.bar.max = total; item.bar.value = sent; }
    }).then((r) => {
      item.blobId = r.blobId;
      item.size = r.size;
      item.type = file.type || r.type;
    }, (e) => {
      item.error = e.message;
    }).finally(() => {
      item.pending = false;
      if (this.items.includes(item)) { this.row(item); this.changed(); }
    });
  }

  remove(item) {
    this.items = this.items.filter((x) => x !== item);
    item.li.remove();
    this.changed();
  }

  row(item) {
    const li = item.li || document.createElement('li');
    const name = document.createElement('span');
    name.className = 'att-name';
    name.textContent = item.name;
    const info = document.createElement('span');
    info.className = 'att-info';
    info.textContent = item.error ? 'upload failed: ' + item.error : human(item.size);
    const parts = [name, info];
    if (item.pending) {
      const p = document.createElement('progress');
      p.setAttribute('aria-label', 'uploading ' + item.name);
      item.bar = p;
      parts.push(p);
    }
    const rm = document.createElement('button');
    rm.type = 'button';
    rm.className = 'att-remove';
    rm.textContent = '×';
    rm.title = 'Remove ' + item.name;
    rm.addEventListener('click', () => this.remove(item));
    parts.push(rm);
    li.replaceChildren(...parts);
    li.className = item.pending ? 'pending' : item.error ? 'failed' : 'done';
    if (!item.li) { item.li = li; this.ul.append(li); }
  }
}
