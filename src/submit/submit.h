/* submit.h - the sending path shared by SMTP submission (src/smtp) and
 * JMAP EmailSubmission (src/jmap): protocol folders do not include each
 * other, so what both decide the same way lives here, one file each:
 *
 *   submit-owner.c      which addresses an account may send as
 *   submit-fields.c     the Date and Message-ID fields it adds
 *   submit-dkim-keys.c  the DKIM signing keys in memory
 *   submit-message.c    a whole message in memory (JMAP): the checks,
 *                       the fields, Bcc removal, DKIM, store_deliver
 *
 * SMTP streams its message through smtp-deliver.c (the body arrives in
 * pieces, checked field by field) and calls the same checks and fields;
 * JMAP has the whole message and calls submit_message(). */
#ifndef TERN_SUBMIT_H
#define TERN_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "lib/buf.h"

struct store;
struct tern_conf;
struct submit_dkim_keys;

/* submit_sender_owned - does addr belong to the account (id,
 * normalised address)? Its own address, the same with a "+tag"
 * (plus_sep: store.plus_separator, "" for none), or an alias (exact,
 * not the domain's catch-all) that expands to the account. Returns 1
 * yes, 0 no (malformed, other domains included), or a negative
 * STORE_E* store error. Synchronous store reads. */
int submit_sender_owned(struct store *store, const char *plus_sep,
			int64_t account_id, const char *account,
			const char *addr);

/* submit_from_owned - is every address in a From: value (unfolded
 * bytes) the account's? 0 also when it holds no address, or '@' signs
 * outside quotes and comments that are no part of a parsed address
 * (what a reader would see is not what we checked). Returns 1, 0 or a
 * negative store error; *bad_r (may be NULL) gets the first refused
 * address (malloc'd) when 0 and there is one. */
int submit_from_owned(struct store *store, const char *plus_sep,
		      int64_t account_id, const char *account,
		      const unsigned char *value, size_t len, char **bad_r);

/* submit_date_field - "Date: Fri, 27 Nov 2026 04:05:06 +0100\r\n"
 * (RFC 5322 3.3, local time) appended to out */
void submit_date_field(struct buf *out, time_t now);
/* submit_message_id_field - "Message-ID: <unique@hostname>\r\n"
 * (RFC 5322 3.6.4) appended to out: txn_id, then random bytes */
void submit_message_id_field(struct buf *out, const char *txn_id,
			     const char *hostname);
/* submit_delivery_prefix - a local copy's own fields: "Return-Path:
 * <sender>\r\nDelivered-To: to\r\n" (sender "" for the null sender) */
void submit_delivery_prefix(struct buf *out, const char *sender,
			    const char *to);

/* ---- a whole message (JMAP EmailSubmission) ---- */

struct submit_msg {
	int64_t account_id;
	const char *account;		/* the account's normalised address */
	const char *mail_from;		/* the envelope sender */
	const char *const *rcpts;	/* the envelope recipients */
	size_t n_rcpts;
	const unsigned char *data;	/* the RFC 5322 message, CRLF lines */
	size_t len;
	const char *id;			/* for the log and the Message-ID */
};

enum submit_status {
	SUBMIT_OK = 0,
	SUBMIT_FORBIDDEN_MAIL_FROM,	/* the envelope sender is not owned */
	SUBMIT_FORBIDDEN_FROM,		/* From:/Sender:/Resent-* not owned */
	SUBMIT_INVALID_EMAIL,		/* no header, or no From: */
	SUBMIT_NO_RECIPIENTS,
	SUBMIT_TOO_MANY_RECIPIENTS,	/* over smtp.max_recipients */
	SUBMIT_INVALID_RECIPIENTS,	/* unknown local user, bad address */
	SUBMIT_TOO_BIG,			/* over the message size limit */
	SUBMIT_TEMPFAIL,		/* a store error: try again */
};

struct submit_outcome {
	char *bad;		/* the refused address, malloc'd, or NULL */
	int64_t queue_msg_id;	/* remote recipients' queue entry, or 0 */
	size_t local, remote;	/* copies stored, queued */
	bool signed_dkim;
};
void submit_outcome_free(struct submit_outcome *o);

/* submit_message - send m as SMTP submission would: the envelope sender
 * and From:, Sender:, Resent-From:, Resent-Sender: must be the
 * account's (unless smtp.allow_sender_mismatch), Date and Message-ID
 * are added when missing, Bcc: fields are removed, the message is DKIM
 * signed with the keys of the envelope sender's domain
 * (auth_checks.sign), and one store_deliver() commit stores the local
 * copies and queues the remote ones. Blocking: call it off the loop. */
enum submit_status submit_message(struct store *store,
				  const struct tern_conf *conf,
				  struct submit_dkim_keys *keys,
				  const struct submit_msg *m,
				  struct submit_outcome *out);
const char *submit_status_name(enum submit_status st);

#endif
