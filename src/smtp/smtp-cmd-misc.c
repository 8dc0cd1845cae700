/* smtp-cmd-misc.c - RSET, NOOP, QUIT, HELP, VRFY, EXPN, STARTTLS, AUTH */
#include "smtp/smtp-session.h"

#include <string.h>

#include "lib/log.h"

bool
smtp_cmd_rset(struct smtp_session *s, struct slice args)
{
	smtp_session_reset(s);
	smtp_session_reply(s, 250, "2.0.0", "Ok");
	return true;
}

bool
smtp_cmd_noop(struct smtp_session *s, struct slice args)
{
	smtp_session_reply(s, 250, "2.0.0", "Ok");
	return true;
}

bool
smtp_cmd_quit(struct smtp_session *s, struct slice args)
{
	smtp_session_reset(s);
	smtp_session_reply(s, 221, "2.0.0", "%s Bye",
			   smtp_session_conf(s)->hostname);
	s->state = SMTP_S_QUIT;
	conn_close(s->conn, "quit");
	return true;
}

bool
smtp_cmd_help(struct smtp_session *s, struct slice args)
{
	smtp_session_reply(s, 214, "2.0.0",
			   "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP "
			   "QUIT HELP VRFY STARTTLS\n"
			   "See RFC 5321");
	return true;
}

bool
smtp_cmd_vrfy(struct smtp_session *s, struct slice args)
{
	/* no address probing (RFC 5321 3.5.3) */
	smtp_session_reply(s, 252, "2.5.2",
			   "Cannot VRFY user, but will accept message and attempt delivery");
	return true;
}

bool
smtp_cmd_expn(struct smtp_session *s, struct slice args)
{
	smtp_session_reply(s, 502, "5.5.1", "EXPN not available");
	return false;
}

bool
smtp_cmd_starttls(struct smtp_session *s, struct slice args)
{
	if (conn_is_tls(s->conn)) {
		smtp_session_reply(s, 503, "5.5.1", "TLS already active");
		return false;
	}
	if (!conn_tls_available(s->conn)) {
		smtp_session_reply(s, 454, "4.7.0", "TLS not available");
		return false;
	}
	if (s->txn.rcpts || s->state > SMTP_S_HELO) {
		smtp_session_reply(s, 503, "5.5.1", "STARTTLS inside a transaction");
		return false;
	}
	smtp_session_reply(s, 220, "2.0.0", "Ready to start TLS");
	if (!conn_starttls(s->conn)) {
		smtp_session_close(s, "4.7.0", "TLS failed", "tls");
		return true;
	}
	/* RFC 3207 4.2: forget everything learned before TLS */
	smtp_session_reset(s);
	s->helo[0] = '\0';
	s->esmtp = false;
	s->state = SMTP_S_CONNECTED;
	smtp_session_set_auth(s, 0, NULL);
	log_debug(s->id, "smtp starttls");
	return true;
}

bool
smtp_cmd_auth(struct smtp_session *s, struct slice args)
{
	if (s->policy->cmd_auth == NULL) {
		smtp_session_reply(s, 502, "5.5.1", "AUTH not available");
		return false;
	}
	if (s->auth_account_id != 0) {
		smtp_session_reply(s, 503, "5.5.1", "Already authenticated");
		return false;
	}
	if (s->state > SMTP_S_HELO) {
		smtp_session_reply(s, 503, "5.5.1", "AUTH not allowed inside a transaction");
		return false;
	}
	return s->policy->cmd_auth(s, args);
}
