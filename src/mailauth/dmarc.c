/* dmarc.c - the DMARC check of one message (RFC 7489 6.6).
 *
 * For each author domain: ask _dmarc.<domain> TXT; without a DMARC
 * record there, ask _dmarc.<organizational domain> (6.6.3). Several
 * DMARC records at one name, or one whose p=/sp= is unusable and has no
 * valid rua=, is a PERMERROR (6.6.3 "no DMARC processing": policy none).
 * A record with an unusable p= but a valid rua= counts as p=none.
 * The SPF identifier aligns when SPF passed for it; DKIM when one
 * passing signature's d= aligns. Several author domains are checked one
 * after the other; the verdict is the strictest (6.6.1). */
#include "mailauth/dmarc.h"
#include "lib/buf.h"
#include "mime/mime.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct dmarc_dom {
	char *from, *org;
	struct dmarc_record rec;
	bool has_rec;
	const char *record_domain;	/* from or org */
	enum dmarc_result result;
	enum dmarc_policy policy, applied;
	bool subdomain, spf_aligned, dkim_aligned;
	char reason[160];
};

struct dmarc_check {
	const struct mauth_resolver *res;
	dmarc_cb *cb;
	void *arg;
	char *spf_domain;
	bool spf_pass;
	struct dmarc_dkim_in *dkim;
	size_t n_dkim;
	unsigned roll;
	struct dmarc_dom *doms;
	size_t n, cur;
	bool at_org;
	void *handle;
};

/* ---- author domains (6.6.1) ------------------------------------------- */

/* letters, digits, '-', '.' (and UTF-8), not starting with '.' */
static bool
host_name(const char *h)
{
	if (*h == '\0' || *h == '.')
		return false;
	for (; *h; h++)
		if (!isalnum((unsigned char)*h) && *h != '-' && *h != '.' &&
		    (unsigned char)*h < 0x80)
			return false;
	return true;
}

enum dmarc_from_status
dmarc_author_domains(const char *const *values, const size_t *lens,
		     size_t n_fields, char ***domains, size_t *n_domains)
{
	struct mime_address_list l = { 0 };
	char **out = NULL;
	size_t n = 0;

	*domains = NULL;
	*n_domains = 0;
	if (n_fields == 0)
		return DMARC_FROM_NONE;
	if (n_fields > 1)
		return DMARC_FROM_SEVERAL;
	mime_address_parse((const unsigned char *)values[0], lens[0], &l);
	for (size_t i = 0; i < l.n && n < 16; i++) {
		const char *h = l.v[i].host;
		char *d;
		bool dup = false;

		/* group markers, domain literals and the parser's
		 * MISSING_DOMAIN have no DMARC domain */
		if (h == NULL || !host_name(h))
			continue;
		d = xstrdup(h);
		for (char *p = d; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		for (size_t k = 0; k < n; k++)
			dup = dup || strcmp(out[k], d) == 0;
		if (dup) {
			free(d);
			continue;
		}
		out = xrealloc(out, (n + 1) * sizeof(char *));
		out[n++] = d;
	}
	mime_address_list_free(&l);
	if (n == 0)
		return DMARC_FROM_BAD;
	*domains = out;
	*n_domains = n;
	return DMARC_FROM_OK;
}

void
dmarc_domains_free(char **domains, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(domains[i]);
	free(domains);
}

/* ---- the check --------------------------------------------------------- */

static void on_answer(void *arg, const struct mauth_dns_answer *a);

static void
check_free(struct dmarc_check *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->doms[i].from);
		free(c->doms[i].org);
		if (c->doms[i].has_rec)
			dmarc_record_free(&c->doms[i].rec);
	}
	for (size_t i = 0; i < c->n_dkim; i++)
		free((char *)c->dkim[i].domain);
	free(c->dkim);
	free(c->doms);
	free(c->spf_domain);
	free(c);
}

static bool
ask(struct dmarc_check *c)
{
	struct dmarc_dom *d = &c->doms[c->cur];
	char *name = xasprintf("_dmarc.%s", c->at_org ? d->org : d->from);

	c->handle = c->res->lookup(c->res->ctx, name, MAUTH_DNS_TXT, on_answer, c);
	free(name);
	if (c->handle == NULL) {
		d->result = DMARC_TEMPERROR;
		snprintf(d->reason, sizeof d->reason, "DNS lookup not started");
	}
	return c->handle != NULL;
}

static void
evaluate(struct dmarc_check *c, struct dmarc_dom *d)
{
	struct dmarc_record *r = &d->rec;

	d->record_domain = c->at_org ? d->org : d->from;
	if (!r->p_valid) {
		if (r->n_rua == 0) {
			d->result = DMARC_PERMERROR;
			snprintf(d->reason, sizeof d->reason,
				 "no valid p= or sp= in _dmarc.%s", d->record_domain);
			return;
		}
		r->p = r->sp = DMARC_POLICY_NONE;	/* 6.6.3 step 6 */
	}
	d->subdomain = c->at_org;
	d->policy = d->subdomain ? r->sp : r->p;
	d->spf_aligned = c->spf_pass && c->spf_domain &&
		dmarc_aligned(d->from, c->spf_domain, r->aspf);
	for (size_t i = 0; i < c->n_dkim && !d->dkim_aligned; i++)
		d->dkim_aligned = c->dkim[i].pass &&
			dmarc_aligned(d->from, c->dkim[i].domain, r->adkim);
	if (d->spf_aligned || d->dkim_aligned) {
		d->result = DMARC_PASS;
		d->applied = DMARC_POLICY_NONE;
	} else {
		d->result = DMARC_FAIL;
		d->applied = dmarc_apply_pct(d->policy, r->pct, c->roll);
	}
	snprintf(d->reason, sizeof d->reason, "p=%s sp=%s pct=%u dis=%s",
		 dmarc_policy_name(r->p), dmarc_policy_name(r->sp), r->pct,
		 dmarc_policy_name(d->applied));
}

/* the strictest domain: temperror, then the harshest fail, permerror,
 * pass, none */
static size_t
strictest(const struct dmarc_check *c)
{
	static const int rank[] = { [DMARC_NONE] = 0, [DMARC_PASS] = 1,
		[DMARC_PERMERROR] = 2, [DMARC_FAIL] = 3, [DMARC_TEMPERROR] = 10 };
	size_t best = 0;

	for (size_t i = 1; i < c->n; i++) {
		const struct dmarc_dom *a = &c->doms[i], *b = &c->doms[best];
		int ra = rank[a->result] + (a->result == DMARC_FAIL ? (int)a->applied : 0);
		int rb = rank[b->result] + (b->result == DMARC_FAIL ? (int)b->applied : 0);

		if (ra > rb)
			best = i;
	}
	return best;
}

static void
finish(struct dmarc_check *c)
{
	const struct dmarc_dom *d = &c->doms[strictest(c)];
	struct dmarc_verdict v = {
		.result = d->result,
		.policy = d->policy,
		.applied = d->applied,
		.pct = d->has_rec ? d->rec.pct : 100,
		.subdomain = d->subdomain,
		.spf_aligned = d->spf_aligned,
		.dkim_aligned = d->dkim_aligned,
		.from_domain = d->from,
		.org_domain = d->org,
		.record_domain = d->has_rec ? d->record_domain : NULL,
		.record = d->has_rec ? &d->rec : NULL,
		.reason = d->reason,
	};

	c->cb(c->arg, &v);
	check_free(c);
}

/* the current domain is decided: on to the next, or the verdict */
static void
next(struct dmarc_check *c)
{
	while (++c->cur < c->n) {
		c->at_org = false;
		if (ask(c))
			return;
	}
	finish(c);
}

static void
on_answer(void *arg, const struct mauth_dns_answer *a)
{
	struct dmarc_check *c = arg;
	struct dmarc_dom *d = &c->doms[c->cur];
	const char *name = c->at_org ? d->org : d->from;
	size_t found = 0;

	c->handle = NULL;
	if (a->rcode == MAUTH_DNS_TEMPFAIL) {
		d->result = DMARC_TEMPERROR;
		snprintf(d->reason, sizeof d->reason,
			 "DNS temporary failure for _dmarc.%s", name);
		next(c);
		return;
	}
	for (size_t i = 0; a->rcode == MAUTH_DNS_DATA && i < a->n; i++) {
		struct dmarc_record r;

		if (dmarc_record_parse(a->rr[i].text, a->rr[i].len, &r) != 0)
			continue;
		if (found++ == 0) {
			d->rec = r;
			d->has_rec = true;
		} else {
			dmarc_record_free(&r);
		}
	}
	if (found > 1) {
		/* 6.6.3 step 5: no policy; reported as permerror */
		dmarc_record_free(&d->rec);
		d->has_rec = false;
		d->result = DMARC_PERMERROR;
		snprintf(d->reason, sizeof d->reason,
			 "%zu DMARC records at _dmarc.%s", found, name);
	} else if (found == 1) {
		evaluate(c, d);
	} else if (!c->at_org && strcmp(d->org, d->from) != 0) {
		c->at_org = true;
		if (ask(c))
			return;
	} else {
		d->result = DMARC_NONE;
		snprintf(d->reason, sizeof d->reason, "no DMARC record");
	}
	next(c);
}

struct dmarc_check *
dmarc_check(const struct mauth_resolver *res, const struct dmarc_request *req,
	    dmarc_cb *cb, void *arg)
{
	struct dmarc_check *c;

	if (req->from_status != DMARC_FROM_OK || req->n_from == 0)
		return NULL;
	c = xcalloc(1, sizeof *c);
	c->res = res;
	c->cb = cb;
	c->arg = arg;
	c->spf_domain = req->spf_domain ? xstrdup(req->spf_domain) : NULL;
	c->spf_pass = req->spf_pass;
	c->dkim = xcalloc(req->n_dkim + 1, sizeof *c->dkim);
	for (size_t i = 0; i < req->n_dkim; i++) {
		if (req->dkim[i].domain == NULL)
			continue;
		c->dkim[c->n_dkim].domain = xstrdup(req->dkim[i].domain);
		c->dkim[c->n_dkim++].pass = req->dkim[i].pass;
	}
	c->roll = req->pct_roll >= 0 && req->pct_roll < 100 ?
		(unsigned)req->pct_roll : randombytes_uniform(100);
	c->doms = xcalloc(req->n_from, sizeof *c->doms);
	for (size_t i = 0; i < req->n_from; i++) {
		struct dmarc_dom *d = &c->doms[c->n];

		d->org = dmarc_org_domain(req->from_domains[i]);
		if (d->org == NULL)
			continue;
		d->from = xstrdup(req->from_domains[i]);
		for (char *p = d->from; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (d->from[0] && d->from[strlen(d->from) - 1] == '.')
			d->from[strlen(d->from) - 1] = '\0';
		c->n++;
	}
	if (c->n == 0 || !ask(c)) {
		check_free(c);
		return NULL;
	}
	return c;
}

void
dmarc_cancel(struct dmarc_check *c)
{
	if (c == NULL)
		return;
	if (c->handle != NULL && c->res->cancel != NULL)
		c->res->cancel(c->res->ctx, c->handle);
	check_free(c);
}

void
dmarc_verdict_unstarted(const struct dmarc_request *req, struct dmarc_verdict *v)
{
	static const char *const why[] = {
		[DMARC_FROM_OK] = "DNS lookup not started",
		[DMARC_FROM_NONE] = "no From field",
		[DMARC_FROM_SEVERAL] = "several From fields",
		[DMARC_FROM_BAD] = "no domain in the From field",
	};
	bool dns = false;

	/* started only for a usable domain: then the resolver refused */
	for (size_t i = 0; req->from_status == DMARC_FROM_OK && i < req->n_from; i++) {
		char *org = dmarc_org_domain(req->from_domains[i]);

		dns = dns || org != NULL;
		free(org);
	}

	memset(v, 0, sizeof *v);
	v->pct = 100;
	if (dns) {
		v->result = DMARC_TEMPERROR;
		v->reason = why[DMARC_FROM_OK];
		v->from_domain = req->from_domains[0];
		return;
	}
	/* RFC 5322 wants exactly one From; 6.6.1: typically rejected */
	v->result = DMARC_PERMERROR;
	v->policy = v->applied = DMARC_POLICY_REJECT;
	v->reason = (unsigned)req->from_status <= DMARC_FROM_BAD ?
		why[req->from_status] : "unusable From field";
	if (req->from_status == DMARC_FROM_OK)
		v->reason = why[DMARC_FROM_BAD];
}
