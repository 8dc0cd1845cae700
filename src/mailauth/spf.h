/* spf.h - SPF (RFC 7208): is this client allowed to send mail for the
 * MAIL FROM (or HELO) domain?
 *
 *   struct spf_request rq = { .client_ip = "192.0.2.1", .helo = "mx.ex",
 *	.mail_from = "a@example.com", .receiver = "mx.tern.example" };
 *   c = spf_check(resolver, &rq, done, session);
 *   ... done(session, &outcome) runs later; spf_cancel(c) before that
 *   (a client that disconnects) and done never runs.
 *
 * Every DNS question goes through the resolver (mauth-dns.h); the
 * evaluation is a state machine resumed by its callbacks, so nothing
 * blocks and nothing recurses as deep as the input asks. */
#ifndef TERN_SPF_H
#define TERN_SPF_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "mailauth/mauth-dns.h"

enum spf_result {
	SPF_NONE = 0,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
};

/* "none", "neutral", "pass", ... (RFC 8601 spelling) */
const char *spf_result_name(enum spf_result r);

enum spf_identity {
	SPF_ID_MAILFROM = 0,	/* MAIL FROM (postmaster@HELO when empty) */
	SPF_ID_HELO,		/* the HELO/EHLO name itself (RFC 7208 2.3) */
};

/* RFC 7208 4.6.4 and 5.5 limits; 0 in a field means the RFC's value. */
struct spf_limits {
	unsigned dns_terms;	/* mechanisms/modifiers that ask DNS: 10 */
	unsigned void_lookups;	/* NXDOMAIN/NODATA answers: 2 */
	unsigned mx_ptr_names;	/* names looked at per mx/ptr: 10 */
	unsigned max_lookups;	/* every question of one check: 250 */
	unsigned record_max;	/* bytes of one SPF record: 65536 */
};

struct spf_request {
	const char *client_ip;	/* "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1" */
	const char *helo;	/* as the client sent it (may be NULL) */
	const char *mail_from;	/* reverse-path without <>; "" or NULL: null sender */
	const char *receiver;	/* our host name, for %{r} (NULL: "unknown") */
	enum spf_identity identity;
	time_t now;		/* %{t}; 0: time(NULL) */
	const struct spf_limits *limits;	/* NULL: the RFC's */
};

struct spf_outcome {
	enum spf_result result;
	const char *domain;	/* the domain checked (NULL if none could be) */
	const char *sender;	/* local-part@domain that was checked */
	/* fail only: the exp= text, or the default (for a 550 reply,
	 * printable ASCII) */
	const char *explanation;
	/* for logs: the mechanism that matched or what went wrong */
	const char *reason;
};

/* valid only during the callback */
typedef void spf_cb(void *arg, const struct spf_outcome *o);

struct spf_check;

/* Start a check. Normally the callback runs later, from a resolver
 * callback, and the handle stays valid until then. When the check ends
 * without waiting for an answer (a malformed domain: none; a bad
 * client_ip: permerror; a first question the resolver cannot ask:
 * temperror) the callback runs inside this call and NULL is returned. */
struct spf_check *spf_check(const struct mauth_resolver *res,
			    const struct spf_request *rq, spf_cb *cb, void *arg);

/* Stop a running check: its outstanding DNS question is cancelled and
 * the callback never runs. Not to be called from the callback. */
void spf_cancel(struct spf_check *c);

#endif
