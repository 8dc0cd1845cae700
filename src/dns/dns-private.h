/* dns-private.h - shared between the dns files only */
#ifndef TERN_DNS_PRIVATE_H
#define TERN_DNS_PRIVATE_H

#include <unbound.h>
#include <uv.h>

#include "dns/dns.h"

#define DNS_MAX_HOSTS 10	/* MX hosts tried per domain */
#define DNS_MAX_ADDRS 16	/* addresses per host and family */

struct dns {
	uv_loop_t *loop;
	struct ub_ctx *ub;
	uv_poll_t poll;
	uv_timer_t defer;	/* runs finished queries outside any call */
	size_t inflight;	/* libunbound lookups outstanding */
	struct dns_query *queries;	/* every live route query */
	struct dns_lookup *lookups;	/* every live dns_lookup */
	size_t max_records, max_bytes;	/* of one dns_lookup answer */
	bool closing;
};

struct dns_slot {
	struct dns_query *q;
	size_t host;		/* index in q->route.hosts */
	int type;		/* 1 A, 28 AAAA, 15 MX */
	int id;			/* libunbound async id */
	bool live;
};

struct dns_query {
	struct dns *dns;
	struct dns_query *next, **pprev;
	char *domain;
	bool mx;
	dns_route_cb *cb;
	void *arg;
	struct dns_slot mx_slot;
	struct dns_slot *slots;	/* 2 per host */
	size_t nslots;
	size_t pending;
	bool done;		/* waiting for the defer timer */
	struct dns_route route;
};

/* dns-resolver.c: one libunbound lookup; the slot says who gets it */
/* ub_resolve_async for name (an IDN in A-labels); -1 failed (logged) */
int dns_ub_ask(struct dns *dns, const char *name, int type, void *arg,
	       ub_callback_type cb, int *id);
int dns_resolver_start(struct dns *dns, struct dns_slot *slot,
		       const char *name);
void dns_resolver_cancel(struct dns *dns, struct dns_slot *slot);
/* run dns_route_run_done on the next loop turn */
void dns_route_arm_defer(struct dns *dns);
/* map an answer to an rcode */
enum dns_rcode dns_resolver_rcode(int err, const struct ub_result *res);

/* dns-lookup.c: cancel every dns_lookup (dns_destroy) */
void dns_lookup_cancel_all(struct dns *dns);

/* dns-route.c: called by the resolver with each answer */
void dns_route_answer(struct dns_slot *slot, enum dns_rcode rc,
		      struct ub_result *res);
void dns_route_run_done(struct dns *dns);

#endif
