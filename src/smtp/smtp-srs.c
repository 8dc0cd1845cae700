/* smtp-srs.c - SRS where SMTP meets the store: which sender the queued
 * copy carries, and what an SRS address of ours resolves to */
#include "smtp/smtp-srs.h"
#include "smtp/smtp-session.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "deliver/deliver.h"
#include "lib/log.h"

/* the domain rewritten senders take: srs.domain, else the domain of the
 * first recipient (an alias of ours) that has a remote target */
static const char *
smtp_srs_domain(const struct smtp_session *s)
{
	const struct smtp_txn *t = &s->txn;
	const char *d = smtp_session_conf(s)->srs.domain, *at;

	if (d[0])
		return d;
	for (size_t i = 0; i < t->n_rcpts; i++) {
		const struct smtp_rcpt *rc = &t->rcpts[i];

		if (rc->remote)
			continue;
		for (size_t j = 0; j < rc->targets.n; j++)
			if (rc->targets.v[j].kind == STORE_TARGET_REMOTE &&
			    (at = strrchr(rc->addr, '@')) != NULL)
				return at + 1;
	}
	/* else a Sieve redirect's: the redirecting account's domain */
	return t->sieve ? deliver_sieve_srs_domain(t->sieve) : NULL;
}

const char *
smtp_srs_queue_sender(struct smtp_session *s, char *buf, size_t len)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	const struct smtp_txn *t = &s->txn;
	const struct srs_secrets *sec = s->env->srs;
	const char *domain;
	int rc;

	if (t->from.null)
		return "";	/* <> stays <>: nothing to bounce to */
	/* a quoted local part inside SRS0=... would not be an address */
	if (!s->policy->mail_checks || !conf->srs.enable || t->from.literal ||
	    t->from.addr[0] == '"' || (domain = smtp_srs_domain(s)) == NULL ||
	    store_is_local_domain(s->env->store, t->from.domain))
		return t->from.addr;
	if (sec == NULL || sec->n == 0) {
		log_error(s->id, "smtp srs id=%s error=\"no secret\"", t->id);
		return t->from.addr;
	}
	rc = srs_forward(sec->v[0], time(NULL), t->from.addr, domain, buf, len);
	if (rc != SRS_OK) {
		/* sent with the sender as it came rather than not at all */
		log_warn(s->id, "smtp srs not rewritten id=%s from=<%s> reason=%s",
			 t->id, t->from.addr, srs_strerror(rc));
		return t->from.addr;
	}
	log_info(s->id, "smtp srs id=%s from=<%s> sender=<%s>", t->id,
		 t->from.addr, buf);
	return buf;
}

static bool smtp_srs_reverse(struct smtp_session *s, const char *address,
			     struct store_resolved *r, int *ret, int depth);

/* the original is an address: ours again (resolved by the store; an
 * SRS0 of ours when we forwarded twice), or remote (one remote target,
 * queued to it) */
static int
smtp_srs_target(struct smtp_session *s, const char *orig,
		struct store_resolved *r, int depth)
{
	int ret;

	if (depth < 2 && smtp_srs_reverse(s, orig, r, &ret, depth + 1))
		return ret;
	ret = store_resolve(s->env->store, orig, r);

	if (ret != STORE_ENOTLOCAL)
		return ret;
	r->n = 1;
	r->v = xcalloc(1, sizeof(*r->v));
	r->v[0].kind = STORE_TARGET_REMOTE;
	r->v[0].address = xstrdup(orig);
	return 0;
}

static bool
smtp_srs_reverse(struct smtp_session *s, const char *address,
		 struct store_resolved *r, int *ret, int depth)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	const struct srs_secrets *sec = s->env->srs;
	const char *at = strrchr(address, '@');
	char orig[SRS_ADDR_MAX + 1];
	int rc;

	if (!conf->srs.enable || at == NULL || !srs_is_srs(address) ||
	    !store_is_local_domain(s->env->store, at + 1))
		return false;
	if (sec == NULL || sec->n == 0) {
		log_error(s->id, "smtp srs id=%s error=\"no secret\"",
			  s->txn.id);
		*ret = STORE_EIO;
		return true;
	}
	rc = srs_reverse((const char *const *)sec->v, sec->n, time(NULL),
			 (unsigned)conf->srs.max_age, address, orig,
			 sizeof(orig));
	if (rc != SRS_OK) {
		log_info(s->id, "smtp srs refused id=%s to=<%s> reason=%s",
			 s->txn.id, address, srs_strerror(rc));
		*ret = STORE_ENOTFOUND;
		return true;
	}
	log_info(s->id, "smtp srs id=%s to=<%s> original=<%s>", s->txn.id,
		 address, orig);
	*ret = smtp_srs_target(s, orig, r, depth);
	return true;
}

bool
smtp_srs_resolve(struct smtp_session *s, const char *address,
		 struct store_resolved *r, int *ret)
{
	return smtp_srs_reverse(s, address, r, ret, 0);
}
