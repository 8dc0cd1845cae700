/* dns-route.c - a mail route: MX lookup, then AAAA and A per host */
#include "dns/dns-private.h"
#include "lib/buf.h"
#include "lib/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define DNS_T_A 1
#define DNS_T_MX 15
#define DNS_T_AAAA 28

void
dns_route_free(struct dns_route *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->hosts[i].name);
		free(r->hosts[i].addrs);
	}
	free(r->hosts);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

static void
dns_query_unlink(struct dns_query *q)
{
	if (q->pprev == NULL)
		return;
	*q->pprev = q->next;
	if (q->next)
		q->next->pprev = q->pprev;
	q->next = NULL;
	q->pprev = NULL;
}

static void
dns_query_free(struct dns_query *q)
{
	dns_query_unlink(q);
	dns_route_free(&q->route);
	free(q->slots);
	free(q->domain);
	free(q);
}

void
dns_cancel(struct dns_query *q)
{
	if (q == NULL)
		return;
	dns_resolver_cancel(q->dns, &q->mx_slot);
	for (size_t i = 0; i < q->nslots; i++)
		dns_resolver_cancel(q->dns, &q->slots[i]);
	dns_query_free(q);
}

static void
dns_query_finish(struct dns_query *q)
{
	q->done = true;
	dns_route_arm_defer(q->dns);
}

static void dns_route_set_error(struct dns_route *r, enum dns_status st,
				const char *fmt, const char *name)
	__attribute__((format(printf, 3, 0)));

static void
dns_route_set_error(struct dns_route *r, enum dns_status st,
		    const char *fmt, const char *name)
{
	r->status = st;
	free(r->error);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	r->error = xasprintf(fmt, name);
#pragma GCC diagnostic pop
}

/* all lookups answered: keep hosts with addresses, decide the status */
static void
dns_route_conclude(struct dns_query *q)
{
	struct dns_route *r = &q->route;
	bool temp = false, all_nx = true;
	size_t j = 0;

	for (size_t i = 0; i < r->n; i++) {
		struct dns_host *h = &r->hosts[i];

		if (h->a_rcode == DNS_R_TEMPFAIL ||
		    h->aaaa_rcode == DNS_R_TEMPFAIL)
			temp = true;
		if (h->naddr == 0 && !(h->a_rcode == DNS_R_NXDOMAIN &&
				       h->aaaa_rcode == DNS_R_NXDOMAIN))
			all_nx = false;
		if (h->naddr > 0) {
			r->hosts[j++] = *h;
		} else {
			free(h->name);
			free(h->addrs);
		}
	}
	r->n = j;
	if (j > 0) {
		r->status = DNS_OK;
		return;
	}
	if (temp || !q->mx)
		dns_route_set_error(r, DNS_TEMPFAIL,
				    "temporary DNS failure: no address for "
				    "the mail hosts of %s", q->domain);
	else if (r->implicit_mx)
		dns_route_set_error(r, DNS_PERMFAIL, all_nx ?
				    "domain %s not found" :
				    "domain %s has no MX and no address",
				    q->domain);
	else
		dns_route_set_error(r, DNS_TEMPFAIL,
				    "no address for any MX host of %s",
				    q->domain);
}

static void
dns_route_add_addrs(struct dns_host *h, int type, struct ub_result *res)
{
	for (size_t i = 0; res->data[i] && i < DNS_MAX_ADDRS; i++) {
		struct dns_addr a;

		memset(&a, 0, sizeof(a));
		if (type == DNS_T_A && res->len[i] == 4) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&a.ss;

			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, res->data[i], 4);
			a.len = sizeof(*s4);
			inet_ntop(AF_INET, &s4->sin_addr, a.text,
				  sizeof(a.text));
		} else if (type == DNS_T_AAAA && res->len[i] == 16) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a.ss;

			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, res->data[i], 16);
			a.len = sizeof(*s6);
			inet_ntop(AF_INET6, &s6->sin6_addr, a.text,
				  sizeof(a.text));
		} else {
			continue;
		}
		h->addrs = xrealloc(h->addrs, (h->naddr + 1) * sizeof(a));
		if (type == DNS_T_AAAA) {
			/* IPv6 before IPv4 */
			size_t k = 0;

			while (k < h->naddr &&
			       h->addrs[k].ss.ss_family == AF_INET6)
				k++;
			memmove(&h->addrs[k + 1], &h->addrs[k],
				(h->naddr - k) * sizeof(a));
			h->addrs[k] = a;
		} else {
			h->addrs[h->naddr] = a;
		}
		h->naddr++;
	}
}

static void
dns_route_start_hosts(struct dns_query *q)
{
	struct dns_route *r = &q->route;

	q->nslots = 2 * r->n;
	q->slots = xcalloc(q->nslots ? q->nslots : 1, sizeof(*q->slots));
	for (size_t i = 0; i < r->n; i++) {
		for (int k = 0; k < 2; k++) {
			struct dns_slot *s = &q->slots[2 * i + k];

			s->q = q;
			s->host = i;
			s->type = k == 0 ? DNS_T_AAAA : DNS_T_A;
			if (dns_resolver_start(q->dns, s, r->hosts[i].name) < 0) {
				if (k == 0)
					r->hosts[i].aaaa_rcode = DNS_R_TEMPFAIL;
				else
					r->hosts[i].a_rcode = DNS_R_TEMPFAIL;
				continue;
			}
			q->pending++;
		}
	}
	if (q->pending == 0) {
		dns_route_conclude(q);
		dns_query_finish(q);
	}
}

static void
dns_route_add_host(struct dns_route *r, const char *name, uint16_t pref)
{
	struct dns_host *h;

	r->hosts = xrealloc(r->hosts, (r->n + 1) * sizeof(*r->hosts));
	h = &r->hosts[r->n++];
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(name);
	h->pref = pref;
	h->a_rcode = h->aaaa_rcode = DNS_R_NODATA;
}

static void
dns_route_mx_answer(struct dns_query *q, enum dns_rcode rc,
		    struct ub_result *res)
{
	struct dns_route *r = &q->route;
	struct dns_mx mx[64];
	size_t n = 0;

	switch (rc) {
	case DNS_R_TEMPFAIL:
		dns_route_set_error(r, DNS_TEMPFAIL,
				    "temporary DNS failure looking up MX "
				    "for %s", q->domain);
		dns_query_finish(q);
		return;
	case DNS_R_NXDOMAIN:
		dns_route_set_error(r, DNS_PERMFAIL, "domain %s not found",
				    q->domain);
		dns_query_finish(q);
		return;
	case DNS_R_NODATA:
		r->implicit_mx = true;
		dns_route_add_host(r, q->domain, 0);
		dns_route_start_hosts(q);
		return;
	case DNS_R_DATA:
		break;
	}
	for (size_t i = 0; res->data[i] && n < 64; i++)
		if (dns_mx_parse((const unsigned char *)res->data[i],
				 (size_t)res->len[i], &mx[n]))
			n++;
	if (dns_mx_order(mx, &n, NULL, NULL)) {
		dns_route_set_error(r, DNS_NULLMX, "domain %s does not "
				    "accept mail (null MX)", q->domain);
		dns_query_finish(q);
		return;
	}
	if (n == 0) {
		dns_route_set_error(r, DNS_TEMPFAIL,
				    "malformed MX records for %s", q->domain);
		dns_query_finish(q);
		return;
	}
	for (size_t i = 0; i < n && i < DNS_MAX_HOSTS; i++)
		dns_route_add_host(r, mx[i].name, mx[i].pref);
	dns_route_start_hosts(q);
}

void
dns_route_answer(struct dns_slot *slot, enum dns_rcode rc,
		 struct ub_result *res)
{
	struct dns_query *q = slot->q;
	struct dns_host *h;

	if (slot->type == DNS_T_MX) {
		dns_route_mx_answer(q, rc, res);
		return;
	}
	h = &q->route.hosts[slot->host];
	if (slot->type == DNS_T_A)
		h->a_rcode = rc;
	else
		h->aaaa_rcode = rc;
	if (rc == DNS_R_DATA)
		dns_route_add_addrs(h, slot->type, res);
	if (--q->pending == 0) {
		dns_route_conclude(q);
		dns_query_finish(q);
	}
}

void
dns_route_run_done(struct dns *dns)
{
	struct dns_query *q = dns->queries, *next;

	for (; q; q = next) {
		next = q->next;
		if (!q->done)
			continue;
		struct dns_route *out = xmalloc(sizeof(*out));

		*out = q->route;
		memset(&q->route, 0, sizeof(q->route));
		dns_route_cb *cb = q->cb;
		void *arg = q->arg;

		dns_query_free(q);
		/* the callback may start or cancel queries: restart */
		cb(arg, out);
		next = dns->queries;
	}
}

struct dns_query *
dns_route_lookup(struct dns *dns, const char *domain, bool mx,
		 dns_route_cb *cb, void *arg)
{
	struct dns_query *q = xcalloc(1, sizeof(*q));
	struct dns_addr lit;
	size_t len = strlen(domain);

	q->dns = dns;
	q->domain = xstrdup(domain);
	if (len > 0 && q->domain[len - 1] == '.')
		q->domain[len - 1] = '\0';
	for (char *p = q->domain; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	q->mx = mx;
	q->cb = cb;
	q->arg = arg;
	q->next = dns->queries;
	if (q->next)
		q->next->pprev = &q->next;
	q->pprev = &dns->queries;
	dns->queries = q;

	if (dns_parse_literal(domain, &lit)) {
		dns_route_add_host(&q->route, lit.text, 0);
		q->route.hosts[0].addrs = xmalloc(sizeof(lit));
		q->route.hosts[0].addrs[0] = lit;
		q->route.hosts[0].naddr = 1;
		q->route.status = DNS_OK;
		dns_query_finish(q);
	} else if (q->domain[0] == '\0' || q->domain[0] == '[') {
		dns_route_set_error(&q->route, DNS_PERMFAIL,
				    "bad domain \"%s\"", q->domain);
		dns_query_finish(q);
	} else if (mx) {
		q->mx_slot.q = q;
		q->mx_slot.type = DNS_T_MX;
		if (dns_resolver_start(dns, &q->mx_slot, q->domain) < 0) {
			dns_route_set_error(&q->route, DNS_TEMPFAIL,
					    "DNS resolver error for %s",
					    q->domain);
			dns_query_finish(q);
		}
	} else {
		dns_route_add_host(&q->route, q->domain, 0);
		dns_route_start_hosts(q);
	}
	return q;
}
