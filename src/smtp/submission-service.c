/* submission-service.c - the "submission" (587, STARTTLS) and
 * "submissions" (465, implicit TLS) services: the port-25 session with
 * the submission policy (contract in submission.h) */
#include "smtp/submission.h"
#include "smtp/submission-private.h"

#include <stdlib.h>

#include "auth/sasl.h"

bool
submission_auth_allowed(struct smtp_session *s)
{
	return conn_is_tls(s->conn) ||
	       !smtp_session_conf(s)->smtp.require_tls_for_auth;
}

bool
submission_plaintext_ok(struct smtp_session *s)
{
	return conn_is_tls(s->conn) || conn_peer_is_loopback(s->conn) ||
	       smtp_session_conf(s)->server.allow_plaintext_auth;
}

/* RFC 4954 3: AUTH with the mechanisms that may be used now. None
 * before STARTTLS when TLS must come first: a client that sees AUTH
 * would try it (and send a password in the clear). */
static void
submission_ehlo_keywords(struct smtp_session *s, struct buf *kw)
{
	if (!submission_auth_allowed(s))
		return;
	buf_printf(kw, "AUTH %s\n",
		   sasl_mechanisms(submission_plaintext_ok(s)));
}

static void
submission_free(struct smtp_session *s)
{
	struct submission_session *d = s->policy_data;

	if (d == NULL)
		return;
	submission_auth_free(d);
	free(d);
	s->policy_data = NULL;
}

static const struct smtp_policy submission_policy = {
	.name = "submission",
	/* RFC 6409 4.3, 6.1: MAIL only once authenticated */
	.require_auth = true,
	.ehlo_keywords = submission_ehlo_keywords,
	.cmd_auth = submission_cmd_auth,
	.check_mail = submission_check_mail,
	.header_end = submission_header_end,
	.free = submission_free,
};

static void *
submission_accept(struct conn *c, struct service_env *env)
{
	return smtp_session_create(c, env, &submission_policy);
}

const struct service submission_service = {
	.proto = "submission",
	.default_tls = TLS_MODE_STARTTLS,
	.accept = submission_accept,
	.ops = &smtp_session_ops,
	.busy_reply = "421 4.7.0 Too many connections, try again later\r\n",
};

/* RFC 8314 3.3: TLS from the first byte; the session (and its
 * greeting) starts once the handshake is over */
const struct service submissions_service = {
	.proto = "submissions",
	.default_tls = TLS_MODE_IMPLICIT,
	.accept = submission_accept,
	.ops = &smtp_session_ops,
	.busy_reply = "421 4.7.0 Too many connections, try again later\r\n",
};
