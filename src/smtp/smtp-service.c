/* smtp-service.c - the port 25 service: inbound mail for local domains.
 * Submission (587/465) defines its own service and policy on top of
 * smtp-session.h (issue 7). */
#include "smtp/smtp.h"
#include "smtp/smtp-auth.h"
#include "smtp/smtp-session.h"

#include <stdlib.h>

#include "lib/log.h"
#include "smtp/smtp-milter.h"

/* MX: no AUTH, no relaying, ever */
static const struct smtp_policy smtp_service_policy = {
	.name = "smtp",
	.mail_checks = true,
};

static void *
smtp_service_accept(struct conn *c, struct service_env *env)
{
	return smtp_session_create(c, env, &smtp_service_policy);
}

/* a bad milter list stops the start (a reload keeps tempfailing) */
static int
smtp_service_init(struct service_env *env)
{
	char *err = smtp_milter_check_conf(env->conf->milter.smtp, env->conf);

	if (err == NULL)
		err = smtp_milter_check_conf(env->conf->milter.submission,
					     env->conf);
	if (err == NULL)
		return 0;
	log_error(0, "milter config: %s", err);
	free(err);
	return -1;
}

/* sessions still waiting for their checks end before the DNS goes */
static void
smtp_service_deinit(struct service_env *env)
{
	smtp_auth_shutdown();
}

const struct service smtp_service = {
	.proto = "smtp",
	.init = smtp_service_init,
	.deinit = smtp_service_deinit,
	.default_tls = TLS_MODE_STARTTLS,
	.accept = smtp_service_accept,
	.ops = &smtp_session_ops,
	.busy_reply = "421 4.7.0 Too many connections, try again later\r\n",
};
