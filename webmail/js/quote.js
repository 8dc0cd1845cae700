// quote.js - what a reply or a forward starts with, from the original
// Email: recipients, subject, threading headers and the quoted text.
import { without } from './addresses.js';

export const ORIGINAL_PROPS = ['id', 'blobId', 'messageId', 'inReplyTo', 'references', 'from', 'to', 'cc', 'bcc',
  'replyTo', 'subject', 'sentAt', 'receivedAt', 'textBody', 'bodyValues', 'attachments', 'size', 'keywords', 'mailboxIds'];

function prefixed(subject, prefix) {
  const s = (subject || '').trim();
  return new RegExp('^' + prefix + ':', 'i').test(s) ? s : `${prefix}: ${s}`;
}

function who(list) {
  return (list || []).map((a) => (a.name ? `${a.name} <${a.email}>` : a.email)).join(', ');
}

// the original's plain text (textBody parts from bodyValues), with the
// line ends a textarea keeps (LF), so the text can be found in it again
export function originalText(e) {
  return (e.textBody || []).map((p) => (e.bodyValues && e.bodyValues[p.partId] ? e.bodyValues[p.partId].value : ''))
    .join('\n').replace(/\r\n?/g, '\n');
}

function when(e) {
  const d = new Date(e.sentAt || e.receivedAt);
  return isNaN(d) ? '' : d.toLocaleString();
}

export function replyOf(e, all, ownEmails) {
  const mine = new Set(ownEmails.map((x) => x.toLowerCase()));
  let back = (e.replyTo && e.replyTo.length ? e.replyTo : e.from) || [];
  // answering one's own message (from Sent): to whom it went
  if (back.length && back.every((a) => mine.has(a.email.toLowerCase())) && e.to && e.to.length) back = e.to;
  let to = back, cc = [];
  if (all) {
    to = without([...back, ...(e.to || [])], ownEmails);
    cc = without(e.cc || [], [...ownEmails, ...to.map((a) => a.email)]);
    // all of them were ours (a note to self): answer the sender anyway
    if (to.length === 0) to = back;
  }
  const quoted = originalText(e).replace(/\s+$/, '').split('\n').map((l) => (l.startsWith('>') ? '>' + l : '> ' + l)).join('\n');
  const ids = e.messageId || [];
  return {
    to, cc,
    subject: prefixed(e.subject, 'Re'),
    inReplyTo: ids,
    references: [...(e.references || (e.inReplyTo || [])), ...ids],
    text: `\n\n${when(e) ? 'On ' + when(e) + ', ' : ''}${who(e.from)} wrote:\n${quoted}\n`,
    answering: e.id,
  };
}

export function forwardOf(e, asAttachment) {
  const base = { to: [], cc: [], subject: prefixed(e.subject, 'Fwd'), references: e.messageId || [] };
  if (asAttachment) {
    return { ...base, text: '\n',
      attachments: [{ blobId: e.blobId, type: 'message/rfc822', name: (e.subject || 'message').replace(/[\\/:*?"<>|]/g, '_') + '.eml', size: e.size }] };
  }
  const head = ['-------- Forwarded message --------', `From: ${who(e.from)}`, `Date: ${when(e)}`,
    `Subject: ${e.subject || ''}`, `To: ${who(e.to)}`];
  if (e.cc && e.cc.length) head.push(`Cc: ${who(e.cc)}`);
  return { ...base, text: `\n\n${head.join('\n')}\n\n${originalText(e)}\n`,
    attachments: (e.attachments || []).map((a) => ({ blobId: a.blobId, type: a.type, name: a.name || 'attachment', size: a.size })) };
}
