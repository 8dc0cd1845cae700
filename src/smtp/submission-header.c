/* submission-header.c - the end of a submitted message's header: the
 * From: addresses must be the account's (else 553 5.7.1 once the whole
 * message is in), and missing Date, Message-ID and From fields are added
 * (RFC 6409 8.2, 8.3; RFC 5322 3.6 requires Date and From, and says a
 * message SHOULD have a Message-ID) */
#include "smtp/submission-private.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store.h"

static const struct smtp_status submission_from_refused = {
	553, "5.7.1", "From: header address not owned by the authenticated user"
};
static const struct smtp_status submission_from_tempfail = {
	451, "4.3.0", "Temporary lookup failure"
};

/* the From: field names only the account's addresses; else the message
 * is refused at its end (set txn.failed) */
static bool
submission_header_from(struct smtp_session *s)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	const struct smtp_header *h = &s->txn.hdr;
	struct buf b = BUF_INIT;
	char *bad = NULL;
	int rc;

	if (h->from_over)
		rc = 0;		/* longer than we keep: unchecked is refused */
	else
		rc = submission_from_owned(s->env->store,
					   conf->store.plus_separator,
					   s->auth_account_id, s->auth_address,
					   h->from, h->from_len, &bad);
	if (rc == 1)
		return true;
	if (bad != NULL)
		buf_append_escaped(&b, bad, strlen(bad), 256);
	else
		buf_append_escaped(&b, h->from, h->from_len, 256);
	if (rc < 0)
		log_error(s->id, "submission from lookup failed id=%s user=%s "
			  "error=%s", s->txn.id, s->auth_address,
			  store_strerror(rc));
	else
		log_info(s->id, "submission from refused id=%s user=%s "
			 "from=\"%s\"%s", s->txn.id, s->auth_address,
			 buf_cstr(&b), h->from_over ? " reason=too-long" : "");
	s->txn.failed = rc < 0 ? &submission_from_tempfail :
			&submission_from_refused;
	buf_free(&b);
	free(bad);
	return false;
}

void
submission_header_end(struct smtp_session *s, unsigned seen,
		      struct buf *hdr)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	struct buf added = BUF_INIT;

	if ((seen & SMTP_HDR_FROM) && !conf->smtp.allow_sender_mismatch &&
	    !submission_header_from(s))
		return;
	if (!(seen & SMTP_HDR_DATE)) {
		submission_date_field(hdr, time(NULL));
		buf_append_str(&added, ",date");
	}
	if (!(seen & SMTP_HDR_MESSAGE_ID)) {
		submission_message_id_field(hdr, s->txn.id, conf->hostname);
		buf_append_str(&added, ",message-id");
	}
	if (!(seen & SMTP_HDR_FROM)) {
		/* Exim's submission mode does the same: the author is
		 * whoever logged in */
		buf_printf(hdr, "From: <%s>\r\n", s->auth_address);
		buf_append_str(&added, ",from");
	}
	log_info(s->id, "submission message id=%s user=%s added=%s",
		 s->txn.id, s->auth_address,
		 added.len ? buf_cstr(&added) + 1 : "-");
	buf_free(&added);
}
