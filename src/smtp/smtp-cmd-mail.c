/* smtp-cmd-mail.c - MAIL FROM: the start of a transaction */
#include "smtp/smtp-session.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deliver/deliver.h"
#include "lib/log.h"
#include "mailauth/dkim.h"
#include "smtp/smtp-arc.h"
#include "smtp/smtp-auth.h"
#include "smtp/smtp-milter.h"

void
smtp_txn_clear(struct smtp_txn *t)
{
	for (size_t i = 0; i < t->n_rcpts; i++) {
		free(t->rcpts[i].addr);
		store_resolved_free(&t->rcpts[i].targets);
	}
	free(t->rcpts);
	store_blob_abort(&t->blob);
	buf_free(&t->chunk);
	buf_free(&t->prefixes);
	free(t->srcpts);
	deliver_sieve_free(&t->sieve);
	buf_free(&t->field);
	buf_free(&t->front);
	smtp_auth_free(&t->auth);
	smtp_arc_free(&t->arc);
	if (t->signer)
		dkim_sign_free(t->signer);
	if (t->dkim_keys)
		dkim_keys_free(t->dkim_keys);
	memset(t, 0, sizeof(*t));
}

/* 8 hex digits of seconds, 5 of microseconds, 3 of the session id:
 * sortable by time, unique unless one session starts two in a µs */
static void
smtp_txn_new_id(struct smtp_session *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(s->txn.id, sizeof(s->txn.id), "%08" PRIX32 "%05" PRIX32 "%03X",
		 (uint32_t)ts.tv_sec, (uint32_t)(ts.tv_nsec / 1000),
		 (unsigned)((s->id + s->n_txns) & 0xfff));
}

/* check: state, syntax, parameters, limits, policy */
static bool
smtp_check_mail(struct smtp_session *s, struct slice args,
		struct smtp_path *from, struct smtp_mail_params *p)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	const struct smtp_status *st;
	struct slice rest;
	enum smtp_addr_result r;

	if (s->state != SMTP_S_HELO) {
		smtp_session_reply(s, 503, "5.5.1", "Nested MAIL command");
		return false;
	}
	if (s->policy->require_auth && !smtp_session_may_relay(s)) {
		smtp_session_reply(s, 530, "5.7.0", "Authentication required");
		return false;
	}
	if (!smtp_cmd_strip_prefix(args, "FROM:", &rest)) {
		smtp_session_reply(s, 501, "5.5.2", "Syntax: MAIL FROM:<address>");
		return false;
	}
	r = smtp_addr_parse_path(rest, true, true, from, &rest);
	if (r != SMTP_ADDR_OK) {
		smtp_session_reply(s, 501, "5.1.7", "Bad sender address: %s",
				   smtp_addr_strerror(r));
		return false;
	}
	st = smtp_param_mail(rest, true, p);
	if (st != NULL) {
		smtp_session_status(s, st);
		return false;
	}
	if (from->utf8 && !p->smtputf8) {
		smtp_session_reply(s, 553, "5.6.7",
				   "Non-ASCII sender address needs SMTPUTF8");
		return false;
	}
	if (p->has_size && conf->smtp.max_message_size &&
	    p->size > conf->smtp.max_message_size) {
		smtp_session_reply(s, 552, "5.3.4",
				   "Message size exceeds fixed maximum message size");
		return false;
	}
	if (s->policy->check_mail && !s->policy->check_mail(s, from, p))
		return false;
	return true;
}

/* a milter refused the sender */
static void
smtp_cmd_mail_undo(struct smtp_session *s)
{
	s->state = SMTP_S_HELO;
	smtp_session_reset(s);
}

bool
smtp_cmd_mail(struct smtp_session *s, struct slice args)
{
	struct smtp_path from;
	struct smtp_mail_params p;
	char arg[SMTP_ADDR_MAX + 3];

	if (!smtp_check_mail(s, args, &from, &p))
		return false;
	/* proceed */
	smtp_txn_clear(&s->txn);
	s->txn.from = from;
	s->txn.from.domain = s->txn.from.addr + (from.domain - from.addr);
	s->txn.mail = p;
	smtp_txn_new_id(s);
	s->n_txns++;
	s->state = SMTP_S_MAIL;
	smtp_deliver_mail(s);
	snprintf(arg, sizeof(arg), "<%s>", s->txn.from.addr);
	if (smtp_milter_command(s, MILTER_STAGE_MAIL, arg, args, 250, "2.1.0", "Ok",
				smtp_cmd_mail_undo))
		return true;
	smtp_session_reply(s, 250, "2.1.0", "Ok");
	return true;
}
