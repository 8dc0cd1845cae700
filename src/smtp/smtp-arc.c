/* smtp-arc.c - the ARC set of forwarded port-25 mail (contract in
 * smtp-arc.h) */
#include "smtp/smtp-arc.h"
#include "submit/submit-dkim-keys.h"
#include "smtp/smtp-auth.h"
#include "smtp/smtp-session.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "mailauth/arc.h"
#include "mailauth/dkim.h"

struct smtp_arc {
	struct dkim_keyset *ks;
	struct arc_sealer *sealer;
	char *domain;		/* the alias's: whose key seals */
	char *set;		/* the ARC set, once made */
};

/* the domain of the first recipient that is an alias with a remote
 * target (all remote targets share one queued copy, so one seal) */
static const char *
smtp_arc_domain(const struct smtp_txn *t)
{
	for (size_t i = 0; i < t->n_rcpts; i++) {
		const struct smtp_rcpt *rc = &t->rcpts[i];
		const char *at = strrchr(rc->addr, '@');

		if (rc->remote || at == NULL)
			continue;
		for (size_t j = 0; j < rc->targets.n; j++)
			if (rc->targets.v[j].kind == STORE_TARGET_REMOTE)
				return at + 1;
	}
	return NULL;
}

struct smtp_arc *
smtp_arc_begin(struct smtp_session *s)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	struct dkim_keyset *ks = NULL;
	struct smtp_arc *a;
	const char *domain;

	if (s->txn.auth == NULL || !conf->auth_checks.arc_seal ||
	    (domain = smtp_arc_domain(&s->txn)) == NULL)
		return NULL;
	/* the keys in memory, as submission signing: no file on the loop */
	ks = submit_dkim_keys_get(s->env->dkim_keys, domain);
	if (ks == NULL) {
		log_debug(s->id, "smtp arc no keys domain=%s id=%s", domain,
			  s->txn.id);
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->ks = ks;
	a->domain = xstrdup(domain);
	a->sealer = arc_seal_new(ks, 0);
	return a;
}

void
smtp_arc_field(struct smtp_arc *a, const char *field, size_t len)
{
	if (a)
		arc_seal_header(a->sealer, field, len);
}

void
smtp_arc_end_header(struct smtp_arc *a)
{
	if (a)
		arc_seal_end_header(a->sealer);
}

void
smtp_arc_body(struct smtp_arc *a, const void *p, size_t len)
{
	if (a)
		arc_seal_body(a->sealer, p, len);
}

void
smtp_arc_seal(struct smtp_session *s, struct smtp_arc *a, const char *ar)
{
	const struct arc_verdict *v;
	char *err = NULL;

	if (a == NULL || a->set || ar == NULL ||
	    (v = smtp_auth_arc(s->txn.auth)) == NULL)
		return;
	a->set = arc_seal_finish(a->sealer, v->result, ar, &err);
	if (a->set)
		log_info(s->id, "smtp arc sealed id=%s i=%u cv=%s domain=%s",
			 s->txn.id, v->instance + 1, arc_result_name(v->result),
			 a->domain);
	else if (err)
		log_error(s->id, "smtp arc seal failed id=%s error=\"%s\"",
			  s->txn.id, err);
	else
		log_info(s->id, "smtp arc not sealed id=%s arc=%s i=%u",
			 s->txn.id, arc_result_name(v->result), v->instance);
	free(err);
}

void
smtp_arc_prefix(const struct smtp_arc *a, struct buf *prefix)
{
	if (a && a->set)
		buf_append_str(prefix, a->set);
}

void
smtp_arc_free(struct smtp_arc **ap)
{
	struct smtp_arc *a = *ap;

	if (a == NULL)
		return;
	*ap = NULL;
	arc_seal_free(a->sealer);
	dkim_keys_free(a->ks);
	free(a->set);
	free(a->domain);
	free(a);
}
