/* pop3-auth.c - AUTHORIZATION commands: USER/PASS (RFC 1939), AUTH
 * (RFC 5034) with the shared SASL mechanisms (src/auth/sasl.h), STLS
 * (RFC 2595). Each attempt is run by pop3-login.c. */
#include "pop3/pop3-login.h"

#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/sasl.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "store/store.h"

static void pop3_auth_sasl_result(struct pop3_session *s, enum sasl_result r,
				  struct buf *challenge);

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
pop3_auth_pass_done(struct pop3_login_job *job)
{
	struct pop3_session *s = job->s;

	if (job->lookup_rc != 0 && job->lookup_rc != STORE_ENOTFOUND) {
		pop3_login_temp_fail(s, job->lookup_rc, "account lookup");
		return;
	}
	if (!job->verified) {
		pop3_login_failed(s, job->login, job->login ? "password" :
				 "bad-username");
		return;
	}
	pop3_login_succeeded(s, job);
}

void
pop3_auth_pass(struct pop3_session *s, const struct pop3_command *cmd)
{
	struct pop3_login_job *job;
	char *login;

	if (s->user == NULL) {
		pop3_commands_bad(s, "-ERR Send USER first");
		return;
	}
	if (!pop3_session_plaintext_ok(s)) {
		pop3_session_reply(s, "-ERR Plaintext authentication needs TLS "
			   "first (STLS)");
		return;
	}
	if (pop3_login_blocked(s))
		return;
	login = auth_normalize_username(s->user, strlen(s->user));
	free(s->user);
	s->user = NULL;
	s->mech = "USER";
	job = pop3_login_job_new(s, login);
	free(login);
	job->password = xstrndup((const char *)cmd->args[0].p,
				 cmd->args[0].len);
	job->password_len = cmd->args[0].len;
	job->done = pop3_auth_pass_done;
	pop3_login_start(s, job);
}

/* --- AUTH (RFC 5034) --- */

static void
pop3_auth_sasl_verified(struct pop3_login_job *job)
{
	struct pop3_session *s = job->s;
	struct buf chal = BUF_INIT;
	enum sasl_result r;

	if (job->lookup_rc != 0 && job->lookup_rc != STORE_ENOTFOUND) {
		pop3_login_temp_fail(s, job->lookup_rc, "account lookup");
		return;
	}
	if (job->want_scram)
		r = sasl_set_scram_secret(s->sasl, job->scram, &chal);
	else
		r = sasl_set_password_result(s->sasl, job->verified);
	pop3_auth_sasl_result(s, r, &chal);
	buf_free(&chal);
}

/* pop3_auth_sasl_result - act on what the mechanism asks for */
static void
pop3_auth_sasl_result(struct pop3_session *s, enum sasl_result r,
		      struct buf *challenge)
{
	struct pop3_login_job *job;
	struct buf b = BUF_INIT;
	size_t pwlen;
	const char *pw;

	switch (r) {
	case SASL_CONTINUE:
		base64_encode(&b, challenge->data, challenge->len);
		pop3_session_reply(s, "+ %s", buf_cstr(&b));
		buf_free(&b);
		s->sasl_waiting_line = true;
		if (s->wait != POP3_WAIT_NONE)	/* after a worker step */
			pop3_session_done_waiting(s);
		return;
	case SASL_NEED_PASSWORD:
		job = pop3_login_job_new(s, sasl_username(s->sasl));
		pw = sasl_password(s->sasl, &pwlen);
		job->password = xmalloc(pwlen + 1);
		memcpy(job->password, pw, pwlen);
		job->password[pwlen] = '\0';
		job->password_len = pwlen;
		job->done = pop3_auth_sasl_verified;
		pop3_login_start(s, job);
		return;
	case SASL_NEED_SCRAM_SECRET:
		job = pop3_login_job_new(s, sasl_username(s->sasl));
		job->want_scram = true;
		job->done = pop3_auth_sasl_verified;
		pop3_login_start(s, job);
		return;
	case SASL_OK:
		job = s->auth_job;
		if (job == NULL || job->lookup_rc != 0) {
			pop3_login_failed(s, sasl_username(s->sasl),
					  "no-account");
			return;
		}
		pop3_login_succeeded(s, job);
		return;
	case SASL_FAIL:
		log_debug(s->id, "pop3 sasl error=\"%s\"",
			  sasl_error(s->sasl) ? sasl_error(s->sasl) : "");
		pop3_login_failed(s, sasl_username(s->sasl), "sasl");
		return;
	}
}

/* pop3_auth_decode - "=" or "" is empty; else strict base64 */
static bool
pop3_auth_decode(struct slice in, struct buf *out)
{
	if (in.len == 0 || (in.len == 1 && in.p[0] == '='))
		return true;
	return base64_decode(out, in.p, in.len);
}

void
pop3_auth_auth(struct pop3_session *s, const struct pop3_command *cmd)
{
	bool plain = pop3_session_plaintext_ok(s);
	struct buf ir = BUF_INIT, chal = BUF_INIT;
	char *mech;
	enum sasl_result r;

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
	if (cmd->nargs == 2 && !pop3_auth_decode(cmd->args[1], &ir)) {
		free(mech);
		pop3_commands_bad(s, "-ERR Invalid base64 data");
		return;
	}
	if (pop3_login_blocked(s)) {
		free(mech);
		buf_free(&ir);
		return;
	}
	sasl_destroy(&s->sasl);
	s->sasl = sasl_create(mech);
	free(mech);
	s->mech = sasl_mech_name(s->sasl);
	pop3_login_cleanup(s);
	r = sasl_start(s->sasl, cmd->nargs == 2, ir.data, ir.len, &chal);
	if (ir.len)
		explicit_bzero(ir.data, ir.len);
	buf_free(&ir);
	pop3_auth_sasl_result(s, r, &chal);
	buf_free(&chal);
}

/* pop3_auth_sasl_line - the client's answer to a "+ " challenge;
 * line.p NULL: the line was too long */
void
pop3_auth_sasl_line(struct pop3_session *s, struct slice line)
{
	struct buf data = BUF_INIT, chal = BUF_INIT;
	enum sasl_result r;

	s->sasl_waiting_line = false;
	if (line.p != NULL && line.len == 1 && line.p[0] == '*') {
		log_info(s->id, "pop3 auth cancelled method=%s", s->mech);
		sasl_destroy(&s->sasl);
		pop3_login_cleanup(s);
		pop3_session_reply(s, "-ERR Authentication cancelled");
		return;
	}
	if (line.p == NULL || !pop3_auth_decode(line, &data)) {
		buf_free(&data);
		pop3_login_failed(s, sasl_username(s->sasl), line.p == NULL ?
				 "line-too-long" : "bad-base64");
		return;
	}
	r = sasl_step(s->sasl, data.data, data.len, &chal);
	if (data.len)
		explicit_bzero(data.data, data.len);
	buf_free(&data);
	pop3_auth_sasl_result(s, r, &chal);
	buf_free(&chal);
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
