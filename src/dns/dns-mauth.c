/* dns-mauth.c - struct mauth_resolver over dns_lookup: the answer's
 * records handed on as they are (same decoding, see mauth-dns.h) */
#include "dns/dns-mauth.h"
#include "lib/buf.h"

#include <stdlib.h>

struct dns_mauth_q {
	mauth_dns_cb *cb;
	void *arg;
	struct dns_lookup *l;
};

static void
dns_mauth_on_answer(void *arg, const struct dns_answer *a)
{
	struct dns_mauth_q *q = arg;
	struct mauth_dns_answer m = { .n = a->n, .secure = a->secure };
	struct mauth_rr *rr = xcalloc(a->n ? a->n : 1, sizeof(*rr));

	switch (a->rcode) {
	case DNS_R_DATA: m.rcode = MAUTH_DNS_DATA; break;
	case DNS_R_NODATA: m.rcode = MAUTH_DNS_NODATA; break;
	case DNS_R_NXDOMAIN: m.rcode = MAUTH_DNS_NXDOMAIN; break;
	default: m.rcode = MAUTH_DNS_TEMPFAIL; break;
	}
	for (size_t i = 0; i < a->n; i++) {
		rr[i].text = a->rr[i].text;
		rr[i].len = a->rr[i].len;
		rr[i].pref = a->rr[i].pref;
	}
	m.rr = rr;
	q->cb(q->arg, &m);
	free(rr);
	free(q);
}

static void *
dns_mauth_lookup(void *ctx, const char *name, enum mauth_dns_type type,
		 mauth_dns_cb *cb, void *arg)
{
	struct dns_mauth_q *q = xcalloc(1, sizeof(*q));

	q->cb = cb;
	q->arg = arg;
	q->l = dns_lookup(ctx, name, (int)type, dns_mauth_on_answer, q);
	if (q->l == NULL) {
		free(q);
		return NULL;
	}
	return q;
}

static void
dns_mauth_cancel(void *ctx, void *handle)
{
	struct dns_mauth_q *q = handle;

	if (q == NULL)
		return;
	dns_lookup_cancel(q->l);
	free(q);
}

void
dns_mauth_resolver(struct dns *dns, struct mauth_resolver *r)
{
	r->ctx = dns;
	r->lookup = dns_mauth_lookup;
	r->cancel = dns_mauth_cancel;
}
