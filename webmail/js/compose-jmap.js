// compose-jmap.js - how the compose side talks JMAP: requests on the
// user's account, answers with method errors as exceptions, and the ids
// of the mailboxes it needs by role (drafts, sent), asked once.
import { call, accountId } from './jmap.js';

// call() with the account filled in on every method call
export function request(calls) {
  return call(calls.map(([name, args, tag]) => [name, { accountId, ...args }, tag]));
}

let roles = null;

export async function mailboxRoles() {
  if (roles) return roles;
  const [[name, res]] = await request([['Mailbox/get', { properties: ['role', 'name'] }, 'r']]);
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
