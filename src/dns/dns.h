/* dns.h - asynchronous DNS on libunbound, driven by the libuv loop:
 * MX routing for the outbound relay, and single questions (dns_lookup)
 * for the mail checks (SPF, DKIM, DMARC through src/mailauth/mauth-dns.h).
 * One struct dns per server loop: the relay and the SMTP checks share it
 * (struct service_env.dns).
 *
 * A route for a mail domain is the ordered list of hosts to try, each
 * with its addresses (IPv6 first, then IPv4):
 *   - MX records sorted by preference, random order among equal ones;
 *   - a null MX (RFC 7505: one MX "0 .") is a permanent failure;
 *   - no MX record (NOERROR, no data): the domain itself is the host
 *     (RFC 5321 5.1 implicit MX), looked up as AAAA and A;
 *   - an address literal "[192.0.2.1]" / "[IPv6:2001:db8::1]" is used
 *     as it is, without DNS.
 * Temporary failures (SERVFAIL, timeouts, network) are DNS_TEMPFAIL so
 * the caller retries; NXDOMAIN and "no address anywhere" are
 * DNS_PERMFAIL so the caller bounces.
 *
 * Threads: everything runs on the loop thread. */
#ifndef TERN_DNS_H
#define TERN_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/conf.h"

struct dns;
struct dns_query;
struct uv_loop_s;

enum dns_status {
	DNS_OK = 0,
	DNS_TEMPFAIL = -1,	/* retry later */
	DNS_PERMFAIL = -2,	/* NXDOMAIN, no address at all */
	DNS_NULLMX = -3,	/* RFC 7505: the domain accepts no mail */
};

/* one answer of a single lookup (internal and for tests) */
enum dns_rcode {
	DNS_R_DATA = 0,		/* NOERROR with records */
	DNS_R_NODATA = 1,	/* NOERROR, no record of that type */
	DNS_R_NXDOMAIN = 2,
	DNS_R_TEMPFAIL = 3,	/* SERVFAIL, timeout, bogus, network */
};

struct dns_addr {
	struct sockaddr_storage ss;	/* port 0: the caller sets it */
	socklen_t len;
	char text[48];			/* "192.0.2.1", "2001:db8::1" */
};

struct dns_host {
	char *name;		/* lowercase, no trailing dot */
	uint16_t pref;
	size_t naddr;
	struct dns_addr *addrs;	/* IPv6 first, then IPv4 */
	enum dns_rcode a_rcode, aaaa_rcode;
};

struct dns_route {
	enum dns_status status;
	char *error;		/* text for logs and DSNs when status != OK */
	bool implicit_mx;	/* no MX: the domain itself */
	bool loop;		/* set by the relay: every host is us */
	size_t n;
	struct dns_host *hosts;	/* only hosts with addresses when OK */
};
void dns_route_free(struct dns_route *r);

/* The route is the callee's to keep (free with dns_route_free and
 * free()). */
typedef void dns_route_cb(void *arg, struct dns_route *route);

/* Resolver from conf->dns: dns.resolver "ip[@port]" forwards every
 * query there (else /etc/resolv.conf), dns.unbound_config is read as a
 * libunbound config file. "test." is made a transparent local zone so
 * RFC 2606 test names resolve. NULL with *error_r (malloc'd) on error. */
struct dns *dns_create(struct uv_loop_s *loop, const struct tern_conf *conf,
		       char **error_r);
/* a libunbound context set up from conf->dns as dns_create's (the
 * forwarder or /etc/resolv.conf, dns.unbound_config, "test." names),
 * for a synchronous user such as `tern dns check`; -1 with *error_r */
struct ub_ctx;
int dns_ub_configure(struct ub_ctx *ub, const struct tern_conf *conf,
		     char **error_r);
/* cancel every lookup (no callback runs), close; *dns = NULL; NULL-safe */
void dns_destroy(struct dns **dns);
/* the limits of one dns_lookup answer (tests; dns_create sets them
 * from dns.max_answer_records and dns.max_answer_size) */
void dns_set_answer_limits(struct dns *dns, size_t max_records,
			   size_t max_bytes);
/* lookups in flight */
size_t dns_pending(const struct dns *dns);

/* Route mail for domain. mx false: address lookup only (a smarthost
 * name). cb always runs later on the loop, never inside this call.
 * Returns a handle for dns_cancel (valid until cb runs). */
struct dns_query *dns_route_lookup(struct dns *dns, const char *domain,
				   bool mx, dns_route_cb *cb, void *arg);
/* cb is not called; NULL-safe */
void dns_cancel(struct dns_query *q);

/* ---- single questions (dns-lookup.c) ---- */

struct dns_lookup;

/* one decoded record (dns_rdata_decode) */
struct dns_rr {
	char *text;		/* NUL-terminated; TXT may hold a NUL */
	size_t len;		/* bytes of text */
	uint16_t pref;		/* MX only */
};

struct dns_answer {
	enum dns_rcode rcode;
	size_t n;
	struct dns_rr *rr;
	bool secure;		/* DNSSEC-validated */
};

/* the answer is valid only during the callback */
typedef void dns_lookup_cb(void *arg, const struct dns_answer *a);

/* Ask one question: type 1 A, 28 AAAA, 15 MX, 16 TXT, 12 PTR. Records
 * are decoded by dns_rdata_decode; an answer with more than
 * dns.max_answer_records records or more than dns.max_answer_size
 * decoded bytes, or with a malformed record, comes as DNS_R_TEMPFAIL
 * (logged). cb runs later on the loop, never inside this call. NULL
 * when the question could not be asked (cb never runs). */
struct dns_lookup *dns_lookup(struct dns *dns, const char *name, int type,
			      dns_lookup_cb *cb, void *arg);
/* cb is not called; NULL-safe; only before cb ran */
void dns_lookup_cancel(struct dns_lookup *l);

/* Decode one record's rdata to text (pure, dns-rdata.c):
 *   TXT   its character-strings joined without separator
 *   A     "192.0.2.1"        AAAA  "2001:db8::1"
 *   MX    pref + host name (lowercase, no trailing dot)
 *   PTR   the name (lowercase, no trailing dot)
 * out->text is malloc'd. false on malformed rdata or another type. */
bool dns_rdata_decode(int type, const unsigned char *rdata, size_t len,
		      struct dns_rr *out);

/* ---- pure helpers (dns-mx.c), unit-tested ---- */

/* Wire-format domain name (uncompressed labels) to text: lowercase,
 * no trailing dot, "" for the root. false on malformed input or a name
 * longer than 253 characters. */
bool dns_name_to_text(const unsigned char *p, size_t len, char *out,
		      size_t outsize);

struct dns_mx {
	uint16_t pref;
	char name[256];
};
/* Parse MX rdata (2-byte preference + name). false if malformed. */
bool dns_mx_parse(const unsigned char *rdata, size_t len, struct dns_mx *mx);
/* Sort by preference, shuffle equal preferences with rnd (NULL: a
 * random source). Returns true when the set is a null MX (RFC 7505:
 * exactly one record, name "."). Records named "." among others are
 * removed (*n updated). */
bool dns_mx_order(struct dns_mx *v, size_t *n,
		  uint32_t (*rnd)(void *arg, uint32_t bound), void *arg);
/* "[192.0.2.1]" or "[IPv6:2001:db8::1]" -> address; false otherwise */
bool dns_parse_literal(const char *domain, struct dns_addr *out);
/* "ip[@port]" -> address and port (53 default); false on junk */
bool dns_parse_forwarder(const char *s, char *ip, size_t ipsize, int *port);

#endif
