/* submission-private.h - the parts of the submission policy (see
 * submission.h), one file each:
 *
 *   submission-service.c  services, policy table, EHLO keywords, teardown
 *   submission-auth.c     the AUTH command and its SASL exchange
 *   submission-sender.c   MAIL FROM: the account's address or alias
 *   submission-header.c   end of header: From:, Sender:, Resent-From:,
 *                         Resent-Sender: checks, added fields
 * and, shared with JMAP (src/submit/submit.h): which addresses an
 * account owns, the Date and Message-ID fields, the DKIM keys */
#ifndef TERN_SUBMISSION_PRIVATE_H
#define TERN_SUBMISSION_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth/auth-check.h"
#include "smtp/smtp-session.h"
#include "submit/submit.h"

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

#endif
