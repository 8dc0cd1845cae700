// drafts.js - the message being written as a JMAP Email: saved in the
// Drafts mailbox with $draft as the user types (each save creates the new
// version and destroys the previous one in the same request), and sent
// with EmailSubmission/set, which moves it to Sent and drops $draft.
import { request, mailboxRoles, answer, setError } from './compose-jmap.js';

// the Email/set create object of a draft from the compose state
async function emailObject(d) {
  const roles = await mailboxRoles();
  if (!roles.drafts) throw new Error('no Drafts mailbox');
  const e = {
    mailboxIds: { [roles.drafts]: true },
    keywords: { $draft: true, $seen: true },
    from: d.from ? [d.from] : undefined,
    // an empty list would make an empty header field
    to: d.to.length ? d.to : undefined, cc: d.cc.length ? d.cc : undefined, bcc: d.bcc.length ? d.bcc : undefined,
    replyTo: d.replyTo && d.replyTo.length ? d.replyTo : undefined,
    subject: d.subject,
    sentAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    bodyValues: { t: { value: d.text } },
    textBody: [{ partId: 't', type: 'text/plain' }],
  };
  if (d.html != null) {
    e.bodyValues.h = { value: d.html };
    e.htmlBody = [{ partId: 'h', type: 'text/html' }];
  }
  if (d.inReplyTo && d.inReplyTo.length) e.inReplyTo = d.inReplyTo;
  if (d.references && d.references.length) e.references = d.references;
  if (d.attachments.length)
    e.attachments = d.attachments.map((a) => ({ blobId: a.blobId, type: a.type, name: a.name, size: a.size }));
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return { roles, e };
}

// save a new version of the draft; returns its id (the previous is destroyed)
export async function saveDraft(d, previousId) {
  const { e } = await emailObject(d);
  const args = { create: { draft: e } };
  if (previousId) args.destroy = [previousId];
  const res = answer(await request([['Email/set', args, 'd']]), 'd');
  const err = setError(res, 'Created', 'draft');
  if (err) throw new Error('saving the draft: ' + err);
  return res.created.draft.id;
}

// send: the final version created, the old draft destroyed, submitted,
// and on success moved from Drafts to Sent without $draft
export async function sendDraft(d, identityId, previousId) {
  const { roles, e } = await emailObject(d);
  const move = { 'keywords/$draft': null };
  if (roles.sent) {
    move['mailboxIds/' + roles.drafts] = null;
    move['mailboxIds/' + roles.sent] = true;
  }
  const set = { create: { send: e } };
  if (previousId) set.destroy = [previousId];
  const calls = [
    ['Email/set', set, 'e'],
    ['EmailSubmission/set', { create: { sub: { identityId, emailId: '#send' } }, onSuccessUpdateEmail: { '#sub': move } }, 's'],
  ];
  const resp = await request(calls);
  const er = answer(resp, 'e');
  const err = setError(er, 'Created', 'send');
  if (err) throw new Error('the message: ' + err);
  const sr = answer(resp, 's');
  const serr = setError(sr, 'Created', 'sub');
  if (serr) {
    // not sent: what was created stays as the draft, so nothing is lost
    return { sent: false, draftId: er.created.send.id, error: serr };
  }
  // the original is marked answered only once the answer went out
  if (d.answering)
    await request([['Email/set', { update: { [d.answering]: { 'keywords/$answered': true } } }, 'a']]).catch(() => {});
  return { sent: true, emailId: er.created.send.id };
}

export async function destroyDraft(id) {
  if (!id) return;
  answer(await request([['Email/set', { destroy: [id] }, 'x']]), 'x');
}
