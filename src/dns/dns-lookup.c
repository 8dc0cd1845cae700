/* dns-lookup.c - one question on the shared libunbound context, the
 * answer decoded (dns_rdata_decode) and bounded; for the mail checks */
#include "dns/dns-private.h"
#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

struct dns_lookup {
	struct dns *dns;
	struct dns_lookup *next, **pprev;
	char *name;
	int type;
	int id;			/* libunbound async id */
	dns_lookup_cb *cb;
	void *arg;
};

static void
dns_lookup_unlink(struct dns_lookup *l)
{
	if (l->next)
		l->next->pprev = l->pprev;
	*l->pprev = l->next;
	l->dns->inflight--;
	if (l->dns->inflight == 0)
		uv_unref((uv_handle_t *)&l->dns->poll);
}

static void
dns_lookup_free_rrs(struct dns_answer *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->rr[i].text);
	free(a->rr);
	a->rr = NULL;
	a->n = 0;
}

/* decode every record within the limits; false: over a limit or
 * malformed (the reason in *why) */
static bool
dns_lookup_decode(struct dns_lookup *l, const struct ub_result *res,
		  struct dns_answer *a, const char **why)
{
	size_t n = 0, bytes = 0;

	while (res->data[n])
		n++;
	if (n > l->dns->max_records) {
		*why = "too many records";
		return false;
	}
	a->rr = xcalloc(n ? n : 1, sizeof(*a->rr));
	for (size_t i = 0; i < n; i++) {
		if (!dns_rdata_decode(l->type, (unsigned char *)res->data[i],
				      (size_t)res->len[i], &a->rr[a->n])) {
			*why = "malformed record";
			return false;
		}
		bytes += a->rr[a->n++].len;
		if (bytes > l->dns->max_bytes) {
			*why = "answer too large";
			return false;
		}
	}
	return true;
}

static void
dns_lookup_on_answer(void *arg, int err, struct ub_result *res)
{
	struct dns_lookup *l = arg;
	struct dns_answer a;
	const char *why = NULL;

	dns_lookup_unlink(l);
	memset(&a, 0, sizeof(a));
	a.rcode = (enum dns_rcode)dns_resolver_rcode(err, res);
	if (err != 0)
		why = ub_strerror(err);
	else if (res != NULL && res->bogus)
		why = "DNSSEC bogus";
	if (a.rcode == DNS_R_DATA) {
		a.secure = res->secure != 0;
		if (!dns_lookup_decode(l, res, &a, &why)) {
			dns_lookup_free_rrs(&a);
			a.rcode = DNS_R_TEMPFAIL;
			a.secure = false;
		}
	}
	if (why)
		log_info(0, "dns lookup name=%s type=%d tempfail reason=\"%s\"",
			 l->name, l->type, why);
	if (res != NULL)
		ub_resolve_free(res);
	l->cb(l->arg, &a);
	dns_lookup_free_rrs(&a);
	free(l->name);
	free(l);
}

struct dns_lookup *
dns_lookup(struct dns *dns, const char *name, int type, dns_lookup_cb *cb,
	   void *arg)
{
	struct dns_lookup *l;
	int ret;

	if (dns == NULL || dns->closing)
		return NULL;
	l = xcalloc(1, sizeof(*l));
	l->dns = dns;
	l->name = xstrdup(name);
	l->type = type;
	l->cb = cb;
	l->arg = arg;
	/* in async mode the answer comes through ub_process only (the
	 * poll callback): never inside this call */
	ret = dns_ub_ask(dns, name, type, l, dns_lookup_on_answer, &l->id);
	if (ret != 0) {
		free(l->name);
		free(l);
		return NULL;
	}
	l->next = dns->lookups;
	if (l->next)
		l->next->pprev = &l->next;
	l->pprev = &dns->lookups;
	dns->lookups = l;
	dns->inflight++;
	uv_ref((uv_handle_t *)&dns->poll);
	return l;
}

void
dns_lookup_cancel(struct dns_lookup *l)
{
	if (l == NULL)
		return;
	ub_cancel(l->dns->ub, l->id);
	dns_lookup_unlink(l);
	free(l->name);
	free(l);
}

void
dns_lookup_cancel_all(struct dns *dns)
{
	while (dns->lookups)
		dns_lookup_cancel(dns->lookups);
}

void
dns_set_answer_limits(struct dns *dns, size_t max_records, size_t max_bytes)
{
	dns->max_records = max_records;
	dns->max_bytes = max_bytes;
}
