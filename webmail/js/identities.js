// identities.js - the account's Identities (RFC 8621 6): who mail may be
// sent as, with the name, reply-to and signature each carries.
import { request, answer, setError } from './compose-jmap.js';

let cache = null;

export async function loadIdentities(fresh = false) {
  if (cache && !fresh) return cache;
  const resp = await request([['Identity/get', {}, 'i']]);
  cache = answer(resp, 'i').list.sort((a, b) => (a.mayDelete - b.mayDelete) || a.email.localeCompare(b.email));
  return cache;
}

// update one identity; returns the new list or throws with the SetError
export async function saveIdentity(id, patch) {
  const resp = await request([['Identity/set', { update: { [id]: patch } }, 's']]);
  const err = setError(answer(resp, 's'), 'Updated', id);
  if (err) throw new Error(err);
  return loadIdentities(true);
}

// the plain-text signature block of an identity, with its "-- " line
export function signatureText(ident) {
  const sig = (ident && ident.textSignature || '').replace(/\s+$/, '');
  if (sig === '') return '';
  return sig.startsWith('-- \n') ? sig : '-- \n' + sig;
}

// the identity to send from: the one whose address the original mail was
// sent to (reply), else the account's own address
export function pickIdentity(list, addressed) {
  const low = new Set((addressed || []).map((a) => a.email.toLowerCase()));
  return list.find((i) => low.has(i.email.toLowerCase())) || list.find((i) => !i.mayDelete) || list[0];
}
