/* smtp-cmd-rcpt.c - RCPT TO: resolve through the store, refuse what we
 * would not deliver (unknown users, relaying) before the data comes */
#include "smtp/smtp-session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "smtp/smtp-milter.h"
#include "smtp/smtp-srs.h"

/* "<Postmaster>" (RFC 5321 4.5.1): our hostname's postmaster, else the
 * first local domain's */
static int
smtp_rcpt_resolve_postmaster(struct smtp_session *s, struct store_resolved *r)
{
	struct store *store = s->env->store;
	struct store_strlist domains = { 0 };
	char addr[SMTP_ADDR_MAX + 1];
	int rc;

	snprintf(addr, sizeof(addr), "postmaster@%s",
		 smtp_session_conf(s)->hostname);
	rc = store_resolve(store, addr, r);
	if (rc != STORE_ENOTLOCAL)
		return rc;
	if (store_domain_list(store, &domains) == 0 && domains.n > 0) {
		snprintf(addr, sizeof(addr), "postmaster@%s", domains.v[0]);
		rc = store_resolve(store, addr, r);
	} else {
		rc = STORE_ENOTFOUND;
	}
	store_strlist_free(&domains);
	return rc == STORE_ENOTLOCAL ? STORE_ENOTFOUND : rc;
}

/* postmaster@ our own hostname is the same mailbox as <Postmaster>
 * (RFC 5321 4.5.1), also when the hostname is no mail domain */
static bool
smtp_rcpt_is_host_postmaster(struct smtp_session *s, const struct smtp_path *to)
{
	return to->local_len == 10 &&
	       strncasecmp(to->addr, "postmaster", 10) == 0 &&
	       strcasecmp(to->domain, smtp_session_conf(s)->hostname) == 0;
}

/* false when every local target is over quota for the declared SIZE
 * (or already full when none was declared) */
static bool
smtp_rcpt_quota_ok(struct smtp_session *s, const struct store_resolved *r)
{
	uint64_t size = s->txn.mail.has_size ? s->txn.mail.size : 0;
	bool any_local = false;

	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].kind != STORE_TARGET_LOCAL)
			return true;
		any_local = true;
		if (store_quota_check(s->env->store, r->v[i].account_id,
				      size) == 0)
			return true;
	}
	return !any_local;
}

/* check: state, syntax, limits; then resolution decides the reply */
static bool
smtp_check_rcpt(struct smtp_session *s, struct slice args,
		struct smtp_path *to, struct smtp_rcpt_params *p)
{
	const struct smtp_status *st;
	struct slice rest;
	enum smtp_addr_result r;

	if ((s->state != SMTP_S_MAIL && s->state != SMTP_S_RCPT) || s->txn.bdat) {
		smtp_session_reply(s, 503, "5.5.1", "Need MAIL before RCPT");
		return false;
	}
	if (!smtp_cmd_strip_prefix(args, "TO:", &rest)) {
		smtp_session_reply(s, 501, "5.5.2", "Syntax: RCPT TO:<address>");
		return false;
	}
	r = smtp_addr_parse_path(rest, false, true, to, &rest);
	if (r != SMTP_ADDR_OK) {
		smtp_session_reply(s, 501, "5.1.3", "Bad recipient address: %s",
				   smtp_addr_strerror(r));
		return false;
	}
	st = smtp_param_rcpt(rest, true, p);
	if (st != NULL) {
		smtp_session_status(s, st);
		return false;
	}
	if (to->utf8 && !s->txn.mail.smtputf8) {
		smtp_session_reply(s, 553, "5.6.7",
				   "Non-ASCII recipient address needs SMTPUTF8");
		return false;
	}
	return true;
}

static void
smtp_rcpt_log_refused(struct smtp_session *s, const char *addr,
		      const char *why)
{
	struct buf b = BUF_INIT;

	buf_append_escaped(&b, addr, strlen(addr), 256);
	log_info(s->id, "smtp rcpt refused id=%s to=\"%s\" reason=%s",
		 s->txn.id, buf_cstr(&b), why);
	buf_free(&b);
	s->txn.n_rejected++;
}

/* a milter refused the last recipient */
static void
smtp_cmd_rcpt_undo(struct smtp_session *s)
{
	struct smtp_rcpt *rc = &s->txn.rcpts[--s->txn.n_rcpts];

	smtp_rcpt_log_refused(s, rc->addr, "milter");
	free(rc->addr);
	store_resolved_free(&rc->targets);
	s->state = s->txn.n_rcpts ? SMTP_S_RCPT : SMTP_S_MAIL;
}

bool
smtp_cmd_rcpt(struct smtp_session *s, struct slice args)
{
	char arg[SMTP_ADDR_MAX + 3];

	const struct tern_conf *conf = smtp_session_conf(s);
	struct smtp_path to;
	struct smtp_rcpt_params p;
	struct store_resolved r = { 0 };
	struct smtp_rcpt *rc;
	bool remote = false;
	int ret;

	if (!smtp_check_rcpt(s, args, &to, &p))
		return false;
	if (conf->smtp.max_recipients &&
	    s->txn.n_rcpts >= conf->smtp.max_recipients) {
		/* RFC 5321 4.5.3.1.10: not an error, the client sends the
		 * rest in another transaction */
		smtp_session_reply(s, 452, "4.5.3", "Too many recipients");
		return true;
	}
	if (to.postmaster || smtp_rcpt_is_host_postmaster(s, &to))
		ret = smtp_rcpt_resolve_postmaster(s, &r);
	else if (to.literal)
		ret = STORE_ENOTLOCAL;
	else if (!smtp_srs_resolve(s, to.addr, &r, &ret))
		ret = store_resolve(s->env->store, to.addr, &r);
	switch (ret) {
	case 0:
		break;
	case STORE_ENOTLOCAL:
		if (smtp_session_may_relay(s)) {
			remote = true;
			break;
		}
		smtp_rcpt_log_refused(s, to.addr, "relay");
		smtp_session_reply(s, 554, "5.7.1", "Relay access denied");
		return false;
	case STORE_ENOTFOUND:
		smtp_rcpt_log_refused(s, to.addr, "unknown");
		smtp_session_reply(s, 550, "5.1.1", "User unknown");
		return false;
	case STORE_EBADADDR:
		smtp_rcpt_log_refused(s, to.addr, "bad-address");
		smtp_session_reply(s, 501, "5.1.3", "Bad recipient address syntax");
		return false;
	case STORE_ELOOP:
		smtp_rcpt_log_refused(s, to.addr, "alias-loop");
		smtp_session_reply(s, 550, "5.4.6", "Alias expansion loop");
		return false;
	default:
		smtp_rcpt_log_refused(s, to.addr, "lookup-failed");
		smtp_session_reply(s, 451, "4.3.0", "Temporary lookup failure");
		return true;
	}
	if (!remote && !smtp_rcpt_quota_ok(s, &r)) {
		store_resolved_free(&r);
		smtp_rcpt_log_refused(s, to.addr, "quota");
		smtp_session_reply(s, 452, "4.2.2", "Mailbox full");
		return true;
	}
	/* proceed */
	if (s->txn.n_rcpts == s->txn.cap_rcpts) {
		s->txn.cap_rcpts = s->txn.cap_rcpts ? s->txn.cap_rcpts * 2 : 4;
		s->txn.rcpts = xrealloc(s->txn.rcpts,
					s->txn.cap_rcpts * sizeof(*s->txn.rcpts));
	}
	rc = &s->txn.rcpts[s->txn.n_rcpts++];
	memset(rc, 0, sizeof(*rc));
	rc->addr = xstrdup(to.addr);
	rc->remote = remote;
	rc->targets = r;
	rc->params = p;
	s->state = SMTP_S_RCPT;
	snprintf(arg, sizeof(arg), "<%s>", rc->addr);
	if (smtp_milter_command(s, MILTER_STAGE_RCPT, arg, args, 250, "2.1.5", "Ok",
				smtp_cmd_rcpt_undo))
		return true;
	smtp_session_reply(s, 250, "2.1.5", "Ok");
	return true;
}
