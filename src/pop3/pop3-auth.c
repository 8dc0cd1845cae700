/* pop3-auth.c - AUTHORIZATION commands: USER/PASS (RFC 1939), AUTH
 * (RFC 5034) with the shared SASL mechanisms (src/auth/sasl.h), STLS
 * (RFC 2595). Each attempt is run by pop3-login.c. */
#include "pop3/pop3-login.h"

#include <stdlib.h>
#include <string.h>

#include "auth/auth-sasl.h"
#include "auth/auth.h"
#include "auth/sasl.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "store/store.h"

/* --- USER / PASS --- */

void
pop3_auth_user(struct pop3_session *s, const struct pop3_command *cmd)
{
	if (!pop3_session_plaintext_ok(s)) {
		pop3_session_reply(s, "-ERR Plaintext authentication needs TLS "
			   "first (STLS)");
		return;
	}
	free(s->user);
	s->user = slice_dup(cmd->args[0]);
	pop3_session_reply(s, "+OK Send PASS");
}

static void
pop3_auth_pass_checked(void *arg, struct auth_check_result *r)
{
	struct pop3_session *s = arg;

	s->auth_req = NULL;
	if (r->ok)
		pop3_login_succeeded(s, r->account_id, r->address);
	else if (r->blocked)
		pop3_login_blocked(s);
	else if (r->tempfail)
		pop3_login_temp_fail(s, "account lookup");
	else if (r->disabled)
		pop3_login_disabled(s, s->login);
	else
		pop3_login_failed(s, s->login, r->reason);
	pop3_session_flush(s);
}

void
pop3_auth_pass(struct pop3_session *s, const struct pop3_command *cmd)
{
	char *pw;

	if (s->user == NULL) {
		pop3_commands_bad(s, "-ERR Send USER first");
		return;
	}
	if (!pop3_session_plaintext_ok(s)) {
		pop3_session_reply(s, "-ERR Plaintext authentication needs TLS "
			   "first (STLS)");
		return;
	}
	s->mech = "USER";
	free(s->login);
	s->login = auth_normalize_username(s->user, strlen(s->user));
	pw = xstrndup((const char *)cmd->args[0].p, cmd->args[0].len);
	s->wait = POP3_WAIT_AUTH;
	s->auth_req = auth_check_password_start(pop3_login_env(s),
						conn_peer_ip(s->conn), s->user,
						pw, cmd->args[0].len,
						pop3_auth_pass_checked, s);
	explicit_bzero(pw, cmd->args[0].len);
	free(pw);
	free(s->user);
	s->user = NULL;
}

/* --- AUTH (RFC 5034): the exchange is auth-sasl.h's --- */

static void
pop3_auth_challenge(void *arg, const char *b64)
{
	struct pop3_session *s = arg;

	pop3_session_reply(s, "+ %s", b64);
	s->sasl_waiting_line = true;
	if (s->wait != POP3_WAIT_NONE) {	/* after a check */
		pop3_session_done_waiting(s);
		pop3_session_flush(s);
	}
}

static void
pop3_auth_done(void *arg, const struct auth_sasl_outcome *o)
{
	struct pop3_session *s = arg;

	s->sasl_waiting_line = false;
	switch (o->end) {
	case AUTH_SASL_OK:
		pop3_login_succeeded(s, o->account_id, o->address);
		break;
	case AUTH_SASL_BLOCKED:
		pop3_login_blocked(s);
		break;
	case AUTH_SASL_TEMPFAIL:
		pop3_login_temp_fail(s, "account lookup");
		break;
	case AUTH_SASL_CANCELLED:
		log_info(s->id, "pop3 auth cancelled method=%s", s->mech);
		auth_sasl_free(&s->sasl);
		pop3_session_reply(s, "-ERR Authentication cancelled");
		pop3_session_done_waiting(s);
		break;
	case AUTH_SASL_FAILED:
	case AUTH_SASL_MALFORMED:
		pop3_login_failed(s, o->username, o->reason);
		break;
	}
	pop3_session_flush(s);
}

static const struct auth_sasl_ops pop3_auth_sasl_ops = {
	.challenge = pop3_auth_challenge,
	.done = pop3_auth_done,
};

void
pop3_auth_auth(struct pop3_session *s, const struct pop3_command *cmd)
{
	bool plain = pop3_session_plaintext_ok(s);
	struct buf ir = BUF_INIT;
	char *mech;

	if (cmd->nargs == 0) {
		/* RFC 1734 clients ask for the list this way */
		const char *m = plain ? sasl_mechanisms() : "";

		pop3_session_reply(s, "+OK");
		while (*m) {
			size_t n = strcspn(m, " ");

			pop3_session_reply(s, "%.*s", (int)n, m);
			m += n;
			m += *m == ' ';
		}
		pop3_session_reply(s, ".");
		return;
	}
	mech = slice_dup(cmd->args[0]);
	if (!sasl_mech_supported(mech)) {
		free(mech);
		pop3_commands_bad(s, "-ERR Unsupported authentication "
				  "mechanism");
		return;
	}
	if (!plain) {
		/* every mechanism is a password one (sasl.h) */
		free(mech);
		pop3_session_reply(s, "-ERR Authentication needs TLS first "
				   "(STLS)");
		return;
	}
	if (cmd->nargs == 2 && !(cmd->args[1].len == 1 &&
				 cmd->args[1].p[0] == '=') &&
	    !base64_decode(&ir, cmd->args[1].p, cmd->args[1].len)) {
		free(mech);
		pop3_commands_bad(s, "-ERR Invalid base64 data");
		return;
	}
	auth_sasl_free(&s->sasl);
	s->sasl = auth_sasl_new(pop3_login_env(s), conn_peer_ip(s->conn), mech,
				&pop3_auth_sasl_ops, s);
	free(mech);
	s->mech = auth_sasl_mech(s->sasl);
	s->wait = POP3_WAIT_AUTH;
	auth_sasl_start(s->sasl, cmd->nargs == 2, ir.data, ir.len);
	if (ir.len)
		explicit_bzero(ir.data, ir.len);
	buf_free(&ir);
}

/* pop3_auth_sasl_line - the client's answer to a "+ " challenge;
 * line.p NULL: the line was too long */
void
pop3_auth_sasl_line(struct pop3_session *s, struct slice line)
{
	s->sasl_waiting_line = false;
	s->wait = POP3_WAIT_AUTH;
	if (line.p == NULL) {
		pop3_login_failed(s, NULL, "line too long");
		return;
	}
	auth_sasl_line(s->sasl, (const char *)line.p, line.len);
}

/* --- STLS (RFC 2595 section 4) --- */

void
pop3_auth_stls(struct pop3_session *s, const struct pop3_command *cmd)
{
	if (!pop3_session_stls_ok(s)) {
		pop3_session_reply(s, conn_is_tls(s->conn) ?
			   "-ERR Already using "
					"TLS" : "-ERR STLS not available");
		return;
	}
	pop3_session_reply(s, "+OK Begin TLS negotiation");
	free(s->user);
	s->user = NULL;
	if (!conn_starttls(s->conn)) {
		log_error(s->id, "pop3 stls failed to start");
		pop3_session_close(s, "tls");
		return;
	}
	log_info(s->id, "pop3 stls");
}
