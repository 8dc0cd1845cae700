/* cmd-auth.c - STARTTLS, LOGIN, AUTHENTICATE (RFC 9051 6.2, SASL-IR
 * RFC 4959). Credentials are checked by auth-check.h: throttled, off
 * the loop. */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/sasl.h"
#include "lib/base64.h"
#include "lib/log.h"

void
imap_auth_cleanup(struct imap_session *s)
{
	auth_check_cancel(&s->auth_req);
	sasl_destroy(&s->sasl);
	free(s->scram_address);
	s->scram_address = NULL;
}

static const struct auth_check_env *
imap_auth_env(struct imap_session *s)
{
	s->aenv.loop = s->env->loop;
	s->aenv.store = s->env->store;
	s->aenv.throttle = s->env->throttle;
	s->aenv.upgrade = true;
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

	sasl_destroy(&s->sasl);
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

/* --- AUTHENTICATE --- */

static void imap_auth_result(struct imap_session *s, enum sasl_result r,
			     struct buf *challenge);

static void
imap_auth_password_checked(void *arg, struct auth_check_result *r)
{
	struct imap_session *s = arg;
	struct buf ch = BUF_INIT;
	enum sasl_result sr;

	s->auth_req = NULL;
	if (r->blocked || r->tempfail) {
		imap_auth_done(s, false, r->blocked, r->tempfail, 0, NULL);
		return;
	}
	sr = sasl_set_password_result(s->sasl, r->ok);
	if (sr == SASL_OK || sr == SASL_FAIL) {
		/* the check already counted it in the throttle */
		if (sr == SASL_FAIL)
			log_info(s->id, "imap authenticate failed reason=%s",
				 r->reason ? r->reason : "-");
		imap_auth_done(s, sr == SASL_OK, false, false, r->account_id,
			       r->address);
		return;
	}
	imap_auth_result(s, sr, &ch);
	buf_free(&ch);
}

static void
imap_auth_scram_checked(void *arg, struct auth_check_result *r)
{
	struct imap_session *s = arg;
	struct buf ch = BUF_INIT;

	s->auth_req = NULL;
	if (r->blocked || r->tempfail) {
		imap_auth_done(s, false, r->blocked, r->tempfail, 0, NULL);
		return;
	}
	s->scram_account = r->account_id;
	free(s->scram_address);
	s->scram_address = r->address;
	r->address = NULL;
	imap_auth_result(s, sasl_set_scram_secret(s->sasl, r->scram_secret,
						  &ch), &ch);
	buf_free(&ch);
}

static void
imap_auth_result(struct imap_session *s, enum sasl_result r,
		 struct buf *challenge)
{
	const char *user = sasl_username(s->sasl);
	struct buf b = BUF_INIT;
	bool blocked;

	switch (r) {
	case SASL_CONTINUE:
		buf_append_str(&b, "+ ");
		base64_encode(&b, challenge->data, challenge->len);
		buf_append_str(&b, "\r\n");
		imap_write(s, b.data, b.len);
		buf_free(&b);
		if (s->wait != IMAP_WAIT_SASL) {
			s->wait = IMAP_WAIT_SASL;
			if (!s->conn_gone)
				conn_resume(s->conn);
		}
		return;
	case SASL_NEED_PASSWORD: {
		size_t len;
		const char *pw = sasl_password(s->sasl, &len);

		s->wait = IMAP_WAIT_CMD;
		s->auth_plain = true;
		s->auth_req = auth_check_password_start(
			imap_auth_env(s), conn_peer_ip(s->conn), user, pw, len,
			imap_auth_password_checked, s);
		return;
	}
	case SASL_NEED_SCRAM_SECRET:
		s->wait = IMAP_WAIT_CMD;
		s->auth_req = auth_check_scram_start(
			imap_auth_env(s), conn_peer_ip(s->conn), user,
			imap_auth_scram_checked, s);
		return;
	case SASL_OK:
		/* SCRAM: the secret lookup named the account */
		blocked = auth_check_report(imap_auth_env(s),
					    conn_peer_ip(s->conn), user, true);
		(void)blocked;
		if (s->scram_address == NULL) {
			imap_auth_done(s, false, false, false, 0, NULL);
			return;
		}
		imap_auth_done(s, true, false, false, s->scram_account,
			       s->scram_address);
		return;
	case SASL_FAIL:
		log_info(s->id, "imap authenticate failed reason=%s",
			 sasl_error(s->sasl) ? sasl_error(s->sasl) : "-");
		blocked = auth_check_report(imap_auth_env(s),
					    conn_peer_ip(s->conn), user, false);
		imap_auth_done(s, false, blocked, false, 0, NULL);
		return;
	}
}

void
imap_auth_sasl_line(struct imap_session *s, struct slice line)
{
	struct buf in = BUF_INIT, ch = BUF_INIT;

	if (line.len == 1 && line.p[0] == '*') {
		struct imap_cmd *cmd = s->cmd;

		sasl_destroy(&s->sasl);
		imap_printf(s, "%s BAD Authentication cancelled\r\n", cmd->tag);
		imap_cmd_end(cmd);
		return;
	}
	if (!base64_decode(&in, line.p, line.len)) {
		struct imap_cmd *cmd = s->cmd;

		sasl_destroy(&s->sasl);
		imap_printf(s, "%s BAD Invalid base64 response\r\n", cmd->tag);
		imap_cmd_end(cmd);
		buf_free(&in);
		return;
	}
	imap_auth_result(s, sasl_step(s->sasl, in.data, in.len, &ch), &ch);
	buf_free(&in);
	buf_free(&ch);
}

enum imap_cmd_ret
cmd_authenticate(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	struct buf ir = BUF_INIT, ch = BUF_INIT;
	bool has_ir = false;
	enum sasl_result r;

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
	s->sasl = sasl_create(a[0].u.str);
	s->scram_account = 0;
	free(s->scram_address);
	s->scram_address = NULL;
	s->wait = IMAP_WAIT_CMD;
	r = sasl_start(s->sasl, has_ir, ir.data, ir.len, &ch);
	buf_free(&ir);
	imap_auth_result(s, r, &ch);
	buf_free(&ch);
	return IMAP_CMD_WAIT;
}
