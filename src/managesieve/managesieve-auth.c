/* managesieve-auth.c - CAPABILITY, STARTTLS, AUTHENTICATE (RFC 5804
 * 2.1, the shared SASL driver auth-sasl.h: the same mechanisms,
 * throttle and plaintext rules as IMAP and POP3), UNAUTHENTICATE */
#include "managesieve/managesieve-private.h"

#include <stdlib.h>
#include <string.h>

#include "auth/auth-sasl.h"
#include "auth/sasl.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "sieve/sieve.h"

void
ms_auth_cleanup(struct ms_session *s)
{
	auth_sasl_free(&s->sasl);
	s->sasl_waiting = false;
}

static void
ms_cap(struct ms_session *s, const char *name, const char *value)
{
	ms_write_string(s, name, strlen(name));
	if (value != NULL) {
		ms_write(s, " ");
		ms_write_string(s, value, strlen(value));
	}
	ms_write(s, "\r\n");
}

/* RFC 5804 1.7 */
void
ms_write_capabilities(struct ms_session *s)
{
	char redirects[24];

	ms_cap(s, "IMPLEMENTATION", "tern");
	/* every mechanism is a password one: none before TLS unless
	 * plaintext logins are allowed here */
	ms_cap(s, "SASL", s->state == MS_NONAUTH && ms_plaintext_ok(s) ?
	       sasl_mechanisms() : "");
	ms_cap(s, "SIEVE", sieve_extensions());
	if (ms_starttls_ok(s))
		ms_cap(s, "STARTTLS", NULL);
	snprintf(redirects, sizeof(redirects), "%llu",
		 (unsigned long long)s->env->conf->sieve.max_redirects);
	ms_cap(s, "MAXREDIRECTS", redirects);
	if (s->state == MS_AUTH)
		ms_cap(s, "OWNER", s->address);
	ms_cap(s, "UNAUTHENTICATE", NULL);
	ms_cap(s, "VERSION", "1.0");
}

void
ms_cmd_capability(struct ms_session *s)
{
	ms_write_capabilities(s);
	ms_reply(s, "OK", NULL, "Capability completed");
}

/* RFC 5804 2.2: after the handshake the capabilities again (held by
 * conn until TLS is up) */
void
ms_cmd_starttls(struct ms_session *s)
{
	if (!ms_starttls_ok(s)) {
		ms_commands_bad(s, conn_is_tls(s->conn) ? "Already using TLS" :
				"STARTTLS not available");
		return;
	}
	ms_reply(s, "OK", NULL, "Begin TLS negotiation now");
	if (!conn_starttls(s->conn)) {
		log_error(s->id, "managesieve starttls failed to start");
		ms_close(s, "tls");
		return;
	}
	log_info(s->id, "managesieve starttls");
	ms_write_capabilities(s);
	ms_reply(s, "OK", NULL, "TLS negotiation successful");
}

static const struct auth_check_env *
ms_auth_env(struct ms_session *s)
{
	auth_check_env_for(&s->aenv, s->env);
	s->aenv.metrics = s->conn_gone ? NULL : conn_metrics(s->conn);
	return &s->aenv;
}

/* RFC 5804 2.1: a challenge is a string on its own line */
static void
ms_auth_challenge(void *arg, const char *b64)
{
	struct ms_session *s = arg;

	ms_write_string(s, b64, strlen(b64));
	ms_write(s, "\r\n");
	s->sasl_waiting = true;
	ms_parser_reset(&s->parser, true);
	if (s->wait != MS_WAIT_NONE) {		/* after a check */
		ms_session_done_waiting(s);
		if (!s->conn_gone)
			conn_flush(s->conn);
	}
}

static void
ms_auth_log_failed(struct ms_session *s, const char *user,
		   const char *reason)
{
	struct buf u = BUF_INIT;

	if (user != NULL)
		buf_append_escaped(&u, user, strlen(user), 100);
	log_info(s->id, "managesieve login failed user=\"%s\" method=%s "
		 "reason=\"%s\" failures=%u", buf_cstr(&u), s->mech,
		 reason ? reason : "-", s->auth_failures);
	buf_free(&u);
}

static void
ms_auth_done(void *arg, const struct auth_sasl_outcome *o)
{
	struct ms_session *s = arg;
	uint64_t max = s->env->conf->auth.max_failures;
	struct buf u = BUF_INIT;

	s->sasl_waiting = false;
	ms_parser_reset(&s->parser, false);
	switch (o->end) {
	case AUTH_SASL_OK:
		s->state = MS_AUTH;
		s->account_id = o->account_id;
		free(s->address);
		s->address = xstrdup(o->address);
		buf_append_escaped(&u, o->address, strlen(o->address), 100);
		log_info(s->id, "managesieve login user=\"%s\" method=%s "
			 "tls=%s", buf_cstr(&u), s->mech,
			 !s->conn_gone && conn_is_tls(s->conn) ? "yes" : "no");
		buf_free(&u);
		ms_reply(s, "OK", NULL, "Logged in");
		break;
	case AUTH_SASL_BLOCKED:
		log_info(s->id, "managesieve login refused ip=%s "
			 "reason=blocked",
			 s->conn_gone ? "-" : conn_peer_ip(s->conn));
		ms_reply(s, "BYE", "TRYLATER", "Too many failed logins, try "
			 "later");
		ms_close(s, "blocked");
		break;
	case AUTH_SASL_TEMPFAIL:
		log_error(s->id, "managesieve account lookup failed");
		ms_reply(s, "NO", "TRYLATER", "Temporary server error, try "
			 "again later");
		break;
	case AUTH_SASL_CANCELLED:
		log_info(s->id, "managesieve auth cancelled method=%s",
			 s->mech);
		ms_reply(s, "NO", NULL, "Authentication cancelled");
		break;
	case AUTH_SASL_FAILED:
	case AUTH_SASL_MALFORMED:
		s->auth_failures++;
		ms_auth_log_failed(s, o->username, o->reason);
		ms_reply(s, "NO", NULL, "Authentication failed");
		if (max > 0 && s->auth_failures >= max)
			ms_close(s, "auth-failures");
		break;
	}
	auth_sasl_free(&s->sasl);
	ms_session_done_waiting(s);
	if (!s->conn_gone)
		conn_flush(s->conn);
}

static const struct auth_sasl_ops ms_auth_sasl_ops = {
	.challenge = ms_auth_challenge,
	.done = ms_auth_done,
};

/* AUTHENTICATE mechanism [initial-response] */
void
ms_cmd_authenticate(struct ms_session *s)
{
	struct ms_command *c = &s->parser.cmd;
	const char *mech = ms_arg_cstr(c, 0);
	const char *ir = c->nargs == 2 ? ms_arg_cstr(c, 1) : NULL;
	struct buf dec = BUF_INIT;

	if (mech == NULL || !sasl_mech_supported(mech)) {
		ms_commands_bad(s, "Unsupported authentication mechanism");
		return;
	}
	if (!ms_plaintext_ok(s)) {
		/* every mechanism is a password one (sasl.h) */
		ms_reply(s, "NO", "ENCRYPT-NEEDED", "Authentication needs "
			 "TLS first (STARTTLS)");
		return;
	}
	if (c->nargs == 2 && (ir == NULL ||
			      !base64_decode(&dec, ir, strlen(ir)))) {
		ms_commands_bad(s, "Invalid base64 data");
		return;
	}
	auth_sasl_free(&s->sasl);
	s->sasl = auth_sasl_new(ms_auth_env(s), conn_peer_ip(s->conn), mech,
				&ms_auth_sasl_ops, s);
	s->mech = auth_sasl_mech(s->sasl);
	s->wait = MS_WAIT_AUTH;
	auth_sasl_start(s->sasl, c->nargs == 2, dec.data, dec.len);
	if (dec.len)
		explicit_bzero(dec.data, dec.len);
	buf_free(&dec);
}

/* the string answering a challenge; NULL: not a string */
void
ms_auth_response(struct ms_session *s, const char *b64)
{
	s->sasl_waiting = false;
	s->wait = MS_WAIT_AUTH;
	if (b64 == NULL) {
		/* a number, or a string with NUL: never base64, so the
		 * driver fails it as malformed */
		auth_sasl_line(s->sasl, "-", 1);
		return;
	}
	auth_sasl_line(s->sasl, b64, strlen(b64));
}

/* RFC 5804 2.14.1 */
void
ms_cmd_unauthenticate(struct ms_session *s)
{
	log_info(s->id, "managesieve unauthenticate");
	s->state = MS_NONAUTH;
	s->account_id = 0;
	free(s->address);
	s->address = NULL;
	ms_reply(s, "OK", NULL, "Unauthenticate completed");
}
