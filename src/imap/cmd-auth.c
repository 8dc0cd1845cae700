/* cmd-auth.c - STARTTLS, LOGIN, AUTHENTICATE (RFC 9051 6.2, SASL-IR
 * RFC 4959), UNAUTHENTICATE (RFC 8437). Credentials are checked by auth-check.h: throttled, off
 * the loop. */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/auth-sasl.h"
#include "auth/sasl.h"
#include "lib/base64.h"
#include "lib/log.h"

void
imap_auth_cleanup(struct imap_session *s)
{
	auth_check_cancel(&s->auth_req);
	auth_sasl_free(&s->sasl);
}

static const struct auth_check_env *
imap_auth_env(struct imap_session *s)
{
	auth_check_env_for(&s->aenv, s->env);
	s->aenv.metrics = s->conn ? conn_metrics(s->conn) : NULL;
	return &s->aenv;
}

enum imap_cmd_ret
cmd_starttls(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;

	if (cmd->args[0].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "STARTTLS takes no arguments");
	if (conn_is_tls(s->conn))
		return imap_cmd_bad(cmd, "TLS is already active");
	if (conn_listener(s->conn)->tls != TLS_MODE_STARTTLS ||
	    !conn_tls_available(s->conn))
		return imap_cmd_reply(cmd, "NO", "TLS is not available");
	imap_printf(s, "%s OK Begin TLS negotiation now\r\n", cmd->tag);
	if (!conn_starttls(s->conn))
		imap_session_close(s, "tls");
	return IMAP_CMD_DONE;
}

/* the end of a login attempt: reply, maybe disconnect, next command */
static void
imap_auth_done(struct imap_session *s, bool ok, bool blocked, bool tempfail,
	       int64_t account_id, const char *address)
{
	struct imap_cmd *cmd = s->cmd;
	struct buf b = BUF_INIT;

	if (ok) {
		imap_session_login(s, account_id, address);
		imap_session_capability(s, &b);
		imap_printf(s, "%s OK [CAPABILITY %s] Logged in\r\n",
			    cmd->tag, buf_cstr(&b));
		buf_free(&b);
	} else if (blocked) {
		imap_printf(s, "%s NO [UNAVAILABLE] Too many failed logins\r\n"
			    "* BYE Too many failed logins\r\n", cmd->tag);
		imap_session_close(s, "auth-blocked");
	} else if (tempfail) {
		imap_printf(s, "%s NO [UNAVAILABLE] Temporary failure, try "
			    "again later\r\n", cmd->tag);
	} else {
		imap_printf(s, "%s NO [AUTHENTICATIONFAILED] Authentication "
			    "failed\r\n", cmd->tag);
		if (++s->auth_failures >= s->env->conf->auth.max_failures) {
			imap_printf(s, "* BYE Too many failed logins\r\n");
			imap_session_close(s, "auth-failures");
		}
	}
	/* last: a SASL outcome's address lives in it */
	auth_sasl_free(&s->sasl);
	imap_cmd_end(cmd);
}

static void
imap_login_checked(void *arg, struct auth_check_result *r)
{
	struct imap_session *s = arg;

	s->auth_req = NULL;
	if (!r->ok)
		log_info(s->id, "imap login failed reason=%s",
			 r->reason ? r->reason : "-");
	imap_auth_done(s, r->ok, r->blocked, r->tempfail, r->account_id,
		       r->address);
}

enum imap_cmd_ret
cmd_login(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;

	if (!imap_arg_is_astring(&a[0]) || !imap_arg_is_astring(&a[1]) ||
	    a[2].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "LOGIN needs a user name and a "
				    "password");
	if (!imap_session_plaintext_ok(s))
		return imap_cmd_reply(cmd, "NO", "[PRIVACYREQUIRED] Use "
				      "STARTTLS first");
	s->auth_req = auth_check_password_start(imap_auth_env(s),
						conn_peer_ip(s->conn),
						a[0].u.str, a[1].u.str,
						a[1].len, imap_login_checked, s);
	return IMAP_CMD_WAIT;
}

/* --- AUTHENTICATE: the exchange is auth-sasl.h's --- */

static void
imap_auth_challenge(void *arg, const char *b64)
{
	struct imap_session *s = arg;

	imap_printf(s, "+ %s\r\n", b64);
	if (s->wait != IMAP_WAIT_SASL) {
		s->wait = IMAP_WAIT_SASL;
		if (!s->conn_gone)
			conn_resume(s->conn);
	}
}

static void
imap_auth_sasl_done(void *arg, const struct auth_sasl_outcome *o)
{
	struct imap_session *s = arg;
	struct imap_cmd *cmd = s->cmd;

	s->wait = IMAP_WAIT_CMD;
	if (o->end != AUTH_SASL_OK && o->end != AUTH_SASL_CANCELLED)
		log_info(s->id, "imap authenticate failed method=%s reason=%s",
			 o->mech, o->reason ? o->reason : "-");
	switch (o->end) {
	case AUTH_SASL_CANCELLED:
		auth_sasl_free(&s->sasl);
		imap_printf(s, "%s BAD Authentication cancelled\r\n",
			    cmd->tag);
		imap_cmd_end(cmd);
		return;
	case AUTH_SASL_MALFORMED:
		auth_sasl_free(&s->sasl);
		imap_printf(s, "%s BAD Invalid base64 response\r\n",
			    cmd->tag);
		imap_cmd_end(cmd);
		return;
	default:
		imap_auth_done(s, o->end == AUTH_SASL_OK,
			       o->end == AUTH_SASL_BLOCKED,
			       o->end == AUTH_SASL_TEMPFAIL, o->account_id,
			       o->address);
		return;
	}
}

static const struct auth_sasl_ops imap_auth_sasl_ops = {
	.challenge = imap_auth_challenge,
	.done = imap_auth_sasl_done,
};

void
imap_auth_sasl_line(struct imap_session *s, struct slice line)
{
	auth_sasl_line(s->sasl, (const char *)line.p, line.len);
}

enum imap_cmd_ret
cmd_authenticate(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	struct buf ir = BUF_INIT;
	bool has_ir = false;

	if (a[0].type != IMAP_ARG_ATOM ||
	    (a[1].type != IMAP_ARG_EOL &&
	     (a[1].type != IMAP_ARG_ATOM || a[2].type != IMAP_ARG_EOL)))
		return imap_cmd_bad(cmd, "AUTHENTICATE needs a mechanism");
	if (!sasl_mech_supported(a[0].u.str))
		return imap_cmd_reply(cmd, "NO", "[CANNOT] Unsupported "
				      "mechanism");
	if (!imap_session_plaintext_ok(s))
		return imap_cmd_reply(cmd, "NO", "[PRIVACYREQUIRED] Use "
				      "STARTTLS first");
	if (a[1].type == IMAP_ARG_ATOM) {
		has_ir = true;
		if (strcmp(a[1].u.str, "=") != 0 &&
		    !base64_decode(&ir, a[1].u.str, a[1].len)) {
			buf_free(&ir);
			return imap_cmd_bad(cmd, "Invalid base64 initial "
					    "response");
		}
	}
	s->wait = IMAP_WAIT_CMD;
	auth_sasl_free(&s->sasl);
	s->sasl = auth_sasl_new(imap_auth_env(s), conn_peer_ip(s->conn),
				a[0].u.str, &imap_auth_sasl_ops, s);
	auth_sasl_start(s->sasl, has_ir, ir.data, ir.len);
	if (ir.data != NULL)
		explicit_bzero(ir.data, ir.len);
	buf_free(&ir);
	return IMAP_CMD_WAIT;
}

/* RFC 8437 3: the selected mailbox is closed without expunge (as
 * UNSELECT; the \Recent it claimed stays claimed: those messages were
 * told to a session), its watcher goes, and the session is as after the
 * greeting, but for TLS and COMPRESS, which stay */
enum imap_cmd_ret
cmd_unauthenticate(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;

	if (cmd->args[0].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "UNAUTHENTICATE takes no arguments");
	imap_view_close(s);
	imap_session_unlogin(s);
	return imap_cmd_reply(cmd, "OK", "Unauthenticate completed");
}
