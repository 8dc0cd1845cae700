/* submission-sender.c - MAIL FROM on submission: the authenticated
 * account's own address or one of its aliases (RFC 6409 6.1: the MSA
 * may refuse a sender the user is not authorized to use) */
#include "smtp/submission-private.h"

#include <string.h>

#include "lib/log.h"
#include "store/store.h"

/* MAIL FROM: the account's, or 553 5.7.1 (RFC 6409 6.1) */
bool
submission_check_mail(struct smtp_session *s, const struct smtp_path *from,
		      const struct smtp_mail_params *p)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	struct buf b = BUF_INIT;
	int rc = 0;

	if (conf->smtp.allow_sender_mismatch)
		return true;
	/* "<>" is for bounces, which users do not send */
	if (!from->null)
		rc = submit_sender_owned(s->env->store,
					     conf->store.plus_separator,
					     s->auth_account_id,
					     s->auth_address, from->addr);
	if (rc == 1)
		return true;
	buf_append_escaped(&b, from->addr, strlen(from->addr), 256);
	if (rc < 0) {
		log_error(s->id, "submission sender lookup failed user=%s "
			  "from=<%s> error=%s", s->auth_address, buf_cstr(&b),
			  store_strerror(rc));
		smtp_session_reply(s, 451, "4.3.0", "Temporary lookup failure");
	} else {
		log_info(s->id, "submission sender refused user=%s from=<%s>",
			 s->auth_address, buf_cstr(&b));
		smtp_session_reply(s, 553, "5.7.1", "Sender address <%s> not "
				   "owned by user %s", buf_cstr(&b),
				   s->auth_address);
	}
	buf_free(&b);
	return false;
}
