/* submission-private.h - the parts of the submission policy (see
 * submission.h), one file each:
 *
 *   submission-service.c  services, policy table, EHLO keywords, teardown
 *   submission-auth.c     the AUTH command and its SASL exchange
 *   submission-sender.c   MAIL FROM: the account's address or alias
 *   submission-header.c   end of header: From:, Sender:, Resent-From:,
 *                         Resent-Sender: checks, added fields
 *   submission-owner.c    which addresses an account owns (no session)
 *   submission-fields.c   Date and Message-ID fields (no session) */
#ifndef TERN_SUBMISSION_PRIVATE_H
#define TERN_SUBMISSION_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth/auth-check.h"
#include "smtp/smtp-session.h"

struct auth_sasl;

/* the session's policy_data, made by the first AUTH */
struct submission_session {
	struct auth_check_env aenv;
	struct auth_sasl *sasl;		/* an exchange is running */
	bool answered;			/* the driver challenged or ended */
	bool waiting;			/* suspended on a check in flight */
	bool bad_line;			/* "*" or bad base64: an error */
	unsigned failures;		/* failed AUTHs (auth.max_failures) */
};

/* submission_auth_allowed - may AUTH be used now? Not before TLS while
 * smtp.require_tls_for_auth (RFC 8314 3.3 wants TLS first) */
bool submission_auth_allowed(struct smtp_session *s);
/* submission_plaintext_ok - may password mechanisms (all of sasl.h's)
 * be used? The IMAP/POP3 rule: over TLS, from loopback, or with
 * server.allow_plaintext_auth */
bool submission_plaintext_ok(struct smtp_session *s);

/* the policy hooks */
bool submission_cmd_auth(struct smtp_session *s, struct slice args);
bool submission_check_mail(struct smtp_session *s,
			   const struct smtp_path *from,
			   const struct smtp_mail_params *p);
void submission_header_end(struct smtp_session *s, unsigned seen,
			   struct buf *hdr);
/* submission_auth_free - drop an exchange and a pending check */
void submission_auth_free(struct submission_session *d);

/* submission_sender_owned - does addr belong to the account (id,
 * normalised address)? Its own address, the same with a "+tag"
 * (plus_sep: store.plus_separator, "" for none), or an alias (exact,
 * not the domain's catch-all) that expands to the account. Returns 1
 * yes, 0 no (malformed, other domains included), or a negative
 * STORE_E* store error. Synchronous store reads. */
int submission_sender_owned(struct store *store, const char *plus_sep,
			    int64_t account_id, const char *account,
			    const char *addr);

/* submission_from_owned - is every address in a From: value (unfolded
 * bytes, as smtp-header.h keeps it) the account's? 0 also when it holds
 * no address, or '@' signs outside quotes and comments that are no part
 * of a parsed address (what a reader would see is not what we checked).
 * Returns 1, 0 or a negative store error; *bad_r (may be NULL) gets the
 * first refused address (malloc'd) when 0 and there is one. */
int submission_from_owned(struct store *store, const char *plus_sep,
			  int64_t account_id, const char *account,
			  const unsigned char *value, size_t len,
			  char **bad_r);

/* submission_date_field - "Date: Fri, 27 Nov 2026 04:05:06 +0100\r\n"
 * (RFC 5322 3.3, local time) appended to out */
void submission_date_field(struct buf *out, time_t now);
/* submission_message_id_field - "Message-ID: <unique@hostname>\r\n"
 * (RFC 5322 3.6.4) appended to out: txn_id, then random bytes */
void submission_message_id_field(struct buf *out, const char *txn_id,
				 const char *hostname);

#endif
