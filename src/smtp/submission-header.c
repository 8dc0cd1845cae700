/* submission-header.c - the end of a submitted message's header: the
 * From:, Sender:, Resent-From: and Resent-Sender: addresses must be the
 * account's (else 553 5.7.1 once the whole message is in), and missing
 * Date, Message-ID and From fields are added
 * (RFC 6409 8.2, 8.3; RFC 5322 3.6 requires Date and From, and says a
 * message SHOULD have a Message-ID) */
#include "smtp/submission-private.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store.h"

/* one reply per kept field (smtp_hdr_addr order) */
static const struct smtp_status submission_addr_refused[SMTP_HDR_ADDR_N] = {
	{ 553, "5.7.1", "From: header address not owned by the authenticated user" },
	{ 553, "5.7.1", "Sender: header address not owned by the authenticated user" },
	{ 553, "5.7.1", "Resent-From: header address not owned by the authenticated user" },
	{ 553, "5.7.1", "Resent-Sender: header address not owned by the authenticated user" },
};
static const struct smtp_status submission_from_tempfail = {
	451, "4.3.0", "Temporary lookup failure"
};

/* the field names only the account's addresses (the From: rule serves
 * Sender: and the Resent- fields too: each names who sent the message);
 * else the message is refused at its end (set txn.failed) */
static bool
submission_header_addr(struct smtp_session *s, enum smtp_hdr_addr which)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	const struct smtp_header_addr *a = &s->txn.hdr.addr[which];
	struct buf b = BUF_INIT, name = BUF_INIT;
	char *bad = NULL;
	int rc;

	if (a->over)
		rc = 0;		/* longer than we keep: unchecked is refused */
	else
		rc = submit_from_owned(s->env->store,
					   conf->store.plus_separator,
					   s->auth_account_id, s->auth_address,
					   a->v, a->len, &bad);
	if (rc == 1)
		return true;
	if (bad != NULL)
		buf_append_escaped(&b, bad, strlen(bad), 256);
	else
		buf_append_escaped(&b, a->v, a->len, 256);
	buf_append_str(&name, smtp_header_addr_name(which));
	for (size_t i = 0; i < name.len; i++)
		if (name.data[i] >= 'A' && name.data[i] <= 'Z')
			name.data[i] += 'a' - 'A';
	if (rc < 0)
		log_error(s->id, "submission %s lookup failed id=%s user=%s "
			  "error=%s", which == SMTP_HDR_ADDR_FROM ? "from" :
			  "sender-field", s->txn.id, s->auth_address,
			  store_strerror(rc));
	else if (which == SMTP_HDR_ADDR_FROM)
		log_info(s->id, "submission from refused id=%s user=%s "
			 "from=\"%s\"%s", s->txn.id, s->auth_address,
			 buf_cstr(&b), a->over ? " reason=too-long" : "");
	else
		log_info(s->id, "submission sender-field refused id=%s user=%s "
			 "field=%s value=\"%s\"%s", s->txn.id, s->auth_address,
			 buf_cstr(&name), buf_cstr(&b),
			 a->over ? " reason=too-long" : "");
	s->txn.failed = rc < 0 ? &submission_from_tempfail :
			&submission_addr_refused[which];
	buf_free(&b);
	buf_free(&name);
	free(bad);
	return false;
}

void
submission_header_end(struct smtp_session *s, unsigned seen,
		      struct buf *hdr)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	struct buf added = BUF_INIT;

	for (int i = 0; i < SMTP_HDR_ADDR_N; i++)
		if ((seen & smtp_header_addr_bit(i)) &&
		    !conf->smtp.allow_sender_mismatch &&
		    !submission_header_addr(s, i))
			return;
	if (!(seen & SMTP_HDR_DATE)) {
		submit_date_field(hdr, time(NULL));
		buf_append_str(&added, ",date");
	}
	if (!(seen & SMTP_HDR_MESSAGE_ID)) {
		submit_message_id_field(hdr, s->txn.id, conf->hostname);
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
