// contacts.js - completion of the address fields from past
// correspondents: the recipients of the Sent mailbox and the senders of
// mail the user answered ($answered), most frequent first. Asked with
// one JMAP request (queries plus back-referenced gets), kept a few minutes.
import { request, mailboxRoles, answer } from './compose-jmap.js';
import { formatOne } from './addresses.js';

const SCAN = 300;            // recent messages looked at in each source
const KEEP_MS = 5 * 60 * 1000;
let cache = null, cachedAt = 0;

function tally(map, a, weight) {
  if (!a || !a.email) return;
  const k = a.email.toLowerCase();
  const c = map.get(k) || { name: null, email: a.email, n: 0 };
  if (!c.name && a.name) c.name = a.name;
  c.n += weight;
  map.set(k, c);
}

export async function loadContacts() {
  if (cache && Date.now() - cachedAt < KEEP_MS) return cache;
  const roles = await mailboxRoles();
  const calls = [
    ['Email/query', { filter: { hasKeyword: '$answered' }, sort: [{ property: 'receivedAt', isAscending: false }], limit: SCAN }, 'qa'],
    ['Email/get', { '#ids': { resultOf: 'qa', name: 'Email/query', path: '/ids' }, properties: ['from', 'replyTo'] }, 'ga'],
  ];
  if (roles.sent) {
    calls.push(
      ['Email/query', { filter: { inMailbox: roles.sent }, sort: [{ property: 'receivedAt', isAscending: false }], limit: SCAN }, 'qs'],
      ['Email/get', { '#ids': { resultOf: 'qs', name: 'Email/query', path: '/ids' }, properties: ['to', 'cc', 'bcc'] }, 'gs']);
  }
  const resp = await request(calls);
  const map = new Map();
  for (const e of answer(resp, 'ga').list)
    for (const a of (e.replyTo || e.from || [])) tally(map, a, 1);
  if (roles.sent)
    for (const e of answer(resp, 'gs').list)
      for (const a of [...(e.to || []), ...(e.cc || []), ...(e.bcc || [])]) tally(map, a, 2);
  cache = [...map.values()].sort((x, y) => y.n - x.n);
  cachedAt = Date.now();
  return cache;
}

// forget the list (after sending, the new recipients count)
export function forgetContacts() { cache = null; }

// the correspondents whose name or address starts (by word) with text
export function suggest(list, text, max = 8) {
  const t = text.trim().toLowerCase();
  if (t === '') return [];
  const hit = (s) => s && (s.toLowerCase().startsWith(t) || s.toLowerCase().split(/[\s.@_-]+/).some((w) => w.startsWith(t)));
  return list.filter((c) => hit(c.email) || hit(c.name)).slice(0, max).map((c) => ({ ...c, label: formatOne(c) }));
}
