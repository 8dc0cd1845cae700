// mailroles.js - the ids of the mailboxes compose needs by role (drafts,
// sent), asked once per session.
import { call } from './jmap.js';

let roles = null;

export async function mailboxRoles() {
  if (roles) return roles;
  const [[name, res]] = await call([['Mailbox/get', { properties: ['role', 'name'] }, 'r']]);
  if (name === 'error') throw new Error('Mailbox/get: ' + res.type);
  const found = {};
  for (const m of res.list) if (m.role && !found[m.role]) found[m.role] = m.id;
  roles = found;
  return roles;
}

// the answer of the call named tag, or an Error for a method error
export function answer(responses, tag) {
  const r = responses.find((x) => x[2] === tag);
  if (!r) throw new Error('no answer for ' + tag);
  if (r[0] === 'error') throw new Error(`${tag}: ${r[1].type}${r[1].description ? ' (' + r[1].description + ')' : ''}`);
  return r[1];
}

// the SetError of one create/update/destroy, as a message
export function setError(res, kind, key) {
  const e = res && res['not' + kind] && res['not' + kind][key];
  if (!e) return null;
  return e.type + (e.description ? ': ' + e.description : '') +
    (e.properties ? ' [' + e.properties.join(', ') + ']' : '');
}
