/* dns-resolver.c - libunbound context polled by the libuv loop */
#include "dns/dns-private.h"
#include "lib/buf.h"
#include "lib/idn.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

static void
dns_resolver_update_ref(struct dns *dns)
{
	/* the poll handle keeps the loop alive only while lookups run */
	if (dns->inflight > 0)
		uv_ref((uv_handle_t *)&dns->poll);
	else
		uv_unref((uv_handle_t *)&dns->poll);
}

static void
dns_resolver_on_poll(uv_poll_t *h, int status, int events)
{
	struct dns *dns = h->data;

	/* callbacks (dns_resolver_on_answer) run inside ub_process */
	if (ub_poll(dns->ub))
		ub_process(dns->ub);
}

enum dns_rcode
dns_resolver_rcode(int err, const struct ub_result *res)
{
	if (err != 0 || res == NULL || res->bogus)
		return DNS_R_TEMPFAIL;
	if (res->rcode == 3 || res->nxdomain)
		return DNS_R_NXDOMAIN;
	if (res->rcode != 0)
		return DNS_R_TEMPFAIL;	/* SERVFAIL, REFUSED, ... */
	return res->havedata ? DNS_R_DATA : DNS_R_NODATA;
}

static void
dns_resolver_on_answer(void *arg, int err, struct ub_result *res)
{
	struct dns_slot *slot = arg;
	struct dns *dns = slot->q->dns;
	enum dns_rcode rc = dns_resolver_rcode(err, res);

	if (err != 0)
		log_debug(0, "dns lookup failed name=%s type=%d error=\"%s\"",
			  slot->q->domain, slot->type, ub_strerror(err));
	slot->live = false;
	dns->inflight--;
	dns_resolver_update_ref(dns);
	dns_route_answer(slot, rc, res);
	if (res != NULL)
		ub_resolve_free(res);
}

/* every question goes out here: an IDN (a recipient's or a From
 * domain in U-labels) is asked for in its A-label form, the only one
 * DNS holds */
int
dns_ub_ask(struct dns *dns, const char *name, int type, void *arg,
	   ub_callback_type cb, int *id)
{
	char *ascii = NULL;
	int ret;

	if (idn_is_idn(name) && (ascii = idn_to_ascii(name)) == NULL) {
		log_info(0, "dns name=\"%s\" is not a valid IDN", name);
		return -1;
	}
	ret = ub_resolve_async(dns->ub, ascii ? ascii : name, type, 1, arg,
			       cb, id);
	if (ret != 0)
		log_warn(0, "dns ub_resolve_async(%s) failed: %s", name,
			 ub_strerror(ret));
	free(ascii);
	return ret != 0 ? -1 : 0;
}

int
dns_resolver_start(struct dns *dns, struct dns_slot *slot, const char *name)
{
	if (dns_ub_ask(dns, name, slot->type, slot, dns_resolver_on_answer,
		       &slot->id) < 0)
		return -1;
	slot->live = true;
	dns->inflight++;
	dns_resolver_update_ref(dns);
	return 0;
}

void
dns_resolver_cancel(struct dns *dns, struct dns_slot *slot)
{
	if (!slot->live)
		return;
	ub_cancel(dns->ub, slot->id);
	slot->live = false;
	dns->inflight--;
	dns_resolver_update_ref(dns);
}

static void
dns_on_defer(uv_timer_t *t)
{
	dns_route_run_done(t->data);
}

int
dns_ub_configure(struct ub_ctx *ub, const struct tern_conf *conf,
		 char **error_r)
{
	int ret;

	/* RFC 2606 test names resolve through the forwarder instead of
	 * libunbound's built-in NXDOMAIN zone */
	ret = ub_ctx_set_option(ub, "local-zone:", "test. transparent");
	if (ret == 0)
		ret = ub_ctx_set_option(ub, "do-not-query-localhost:",
					"no");
	if (ret != 0) {
		*error_r = xasprintf("dns: option: %s", ub_strerror(ret));
		return -1;
	}
	if (conf->dns.unbound_config && conf->dns.unbound_config[0]) {
		ret = ub_ctx_config(ub, conf->dns.unbound_config);
		if (ret != 0) {
			*error_r = xasprintf("dns: %s: %s",
					     conf->dns.unbound_config,
					     ub_strerror(ret));
			return -1;
		}
	}
	if (conf->dns.resolver && conf->dns.resolver[0]) {
		char ip[64], fwd[80];
		int port;

		if (!dns_parse_forwarder(conf->dns.resolver, ip, sizeof(ip),
					 &port)) {
			*error_r = xasprintf("dns.resolver: not ip[@port]: %s",
					     conf->dns.resolver);
			return -1;
		}
		snprintf(fwd, sizeof(fwd), "%s@%d", ip, port);
		ret = ub_ctx_set_fwd(ub, fwd);
		if (ret != 0) {
			*error_r = xasprintf("dns: forwarder %s: %s", fwd,
					     ub_strerror(ret));
			return -1;
		}
	} else if (!conf->dns.unbound_config || !conf->dns.unbound_config[0]) {
		ret = ub_ctx_resolvconf(ub, NULL);
		if (ret != 0)
			log_warn(0, "dns: /etc/resolv.conf: %s (resolving "
				 "from the root)", ub_strerror(ret));
	}
	return 0;
}

static int
dns_configure(struct dns *dns, const struct tern_conf *conf, char **error_r)
{
	int ret;

	if (dns_ub_configure(dns->ub, conf, error_r) < 0)
		return -1;
	ret = ub_ctx_async(dns->ub, 1);
	if (ret != 0) {
		*error_r = xasprintf("dns: async: %s", ub_strerror(ret));
		return -1;
	}
	return 0;
}

struct dns *
dns_create(uv_loop_t *loop, const struct tern_conf *conf, char **error_r)
{
	struct dns *dns = xcalloc(1, sizeof(*dns));

	dns->loop = loop;
	dns->ub = ub_ctx_create();
	if (dns->ub == NULL) {
		*error_r = xstrdup("dns: ub_ctx_create failed");
		free(dns);
		return NULL;
	}
	if (dns_configure(dns, conf, error_r) < 0) {
		ub_ctx_delete(dns->ub);
		free(dns);
		return NULL;
	}
	uv_poll_init(loop, &dns->poll, ub_fd(dns->ub));
	dns->poll.data = dns;
	uv_poll_start(&dns->poll, UV_READABLE, dns_resolver_on_poll);
	uv_unref((uv_handle_t *)&dns->poll);
	uv_timer_init(loop, &dns->defer);
	dns->defer.data = dns;
	dns_set_answer_limits(dns, (size_t)conf->dns.max_answer_records,
			      (size_t)conf->dns.max_answer_size);
	return dns;
}

size_t
dns_pending(const struct dns *dns)
{
	size_t n = 0;

	for (const struct dns_query *q = dns->queries; q; q = q->next)
		n++;
	return n;
}

static void
dns_on_closed(uv_handle_t *h)
{
	struct dns *dns = h->data;

	if (h == (uv_handle_t *)&dns->poll)
		dns->poll.data = NULL;
	else
		dns->defer.data = NULL;
	if (dns->poll.data == NULL && dns->defer.data == NULL)
		free(dns);
}

void
dns_destroy(struct dns **dnsp)
{
	struct dns *dns = *dnsp;

	if (dns == NULL)
		return;
	*dnsp = NULL;
	while (dns->queries)
		dns_cancel(dns->queries);
	dns_lookup_cancel_all(dns);
	dns->closing = true;
	uv_poll_stop(&dns->poll);
	ub_ctx_delete(dns->ub);
	dns->ub = NULL;
	uv_close((uv_handle_t *)&dns->poll, dns_on_closed);
	uv_close((uv_handle_t *)&dns->defer, dns_on_closed);
}

void
dns_route_arm_defer(struct dns *dns)
{
	if (!dns->closing)
		uv_timer_start(&dns->defer, dns_on_defer, 0, 0);
}
