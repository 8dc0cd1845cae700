// addresses.js - the address fields of the compose view as text and as
// JMAP EmailAddress objects ({name, email}): "Ann <a@x>, b@y" and back.

// split on commas outside quotes and angle brackets
function splitList(text) {
  const out = [];
  let cur = '', quoted = false, angle = false;
  for (const ch of text) {
    if (ch === '"' ) quoted = !quoted;
    else if (ch === '<' && !quoted) angle = true;
    else if (ch === '>' && !quoted) angle = false;
    if ((ch === ',' || ch === ';') && !quoted && !angle) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

// one "Name <addr>" or "addr" -> {name, email}, or null when it is no address
export function parseOne(s) {
  const m = /^(.*?)<([^<>]*)>\s*$/.exec(s);
  let name = null, email = s.trim();
  if (m) {
    name = m[1].trim().replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1') || null;
    email = m[2].trim();
  }
  return EMAIL.test(email) ? { name, email } : null;
}

// the whole field -> {list, bad}: the addresses and the pieces that are not
export function parseList(text) {
  const list = [], bad = [];
  for (const piece of splitList(text || '')) {
    const a = parseOne(piece);
    if (a) list.push(a); else bad.push(piece);
  }
  return { list, bad };
}

export function formatOne(a) {
  if (!a.name) return a.email;
  const name = /[",;<>@()]/.test(a.name) ? '"' + a.name.replace(/(["\\])/g, '\\$1') + '"' : a.name;
  return `${name} <${a.email}>`;
}

export function formatList(list) {
  return (list || []).map(formatOne).join(', ');
}

// the text before the last separator and the piece being typed after it
export function lastPiece(text) {
  const i = Math.max(text.lastIndexOf(','), text.lastIndexOf(';'));
  return { head: i < 0 ? '' : text.slice(0, i + 1) + ' ', piece: text.slice(i + 1).trim() };
}

// drop duplicates and the given own addresses (case-insensitive)
export function without(list, own) {
  const seen = new Set((own || []).map((e) => e.toLowerCase()));
  return list.filter((a) => {
    const k = a.email.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
