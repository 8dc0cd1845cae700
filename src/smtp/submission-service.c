/* submission-service.c - the "submission" (587, STARTTLS) and
 * "submissions" (465, implicit TLS) services: the port-25 session with
 * the submission policy (contract in submission.h) */
#include "smtp/submission.h"
#include "smtp/submission-private.h"

#include <stdlib.h>
#include <string.h>

#include "auth/sasl.h"
#include "lib/log.h"

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
	if (!submission_auth_allowed(s) || !submission_plaintext_ok(s))
		return;
	buf_printf(kw, "AUTH %s\n", sasl_mechanisms());
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
	.dkim_sign = true,
	.ehlo_keywords = submission_ehlo_keywords,
	.cmd_auth = submission_cmd_auth,
	.check_mail = submission_check_mail,
	.header_end = submission_header_end,
	.free = submission_free,
};

/* a 587 listener without TLS while TLS must come before AUTH: nobody
 * could ever submit there; say so once at startup */
static int
submission_init(struct service_env *env)
{
	const struct tern_conf *conf = env->conf;

	for (size_t i = 0; i < conf->n_listeners; i++) {
		const struct listener_conf *l = &conf->listeners[i];

		if (strcmp(l->proto, "submission") == 0 &&
		    l->tls == TLS_MODE_NONE && conf->smtp.require_tls_for_auth)
			log_warn(0, "submission listener without TLS: nobody "
				 "can authenticate while "
				 "smtp.require_tls_for_auth is set address=%s "
				 "port=%d line=%d", l->address, l->port,
				 l->line);
	}
	return 0;
}

static void *
submission_accept(struct conn *c, struct service_env *env)
{
	return smtp_session_create(c, env, &submission_policy);
}

const struct service submission_service = {
	.proto = "submission",
	.default_tls = TLS_MODE_STARTTLS,
	.init = submission_init,
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
