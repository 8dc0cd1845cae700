/* mauth-dns.h - the DNS that the mail checks (SPF, DKIM, DMARC, ARC)
 * ask: one question, one answer, asynchronously.
 *
 * The checks see only this interface: the server answers it from
 * libunbound on the loop (src/dns, dns_lookup), the unit tests and the
 * RFC test suites from tables. A callback never runs inside the lookup
 * call that asked for it; it runs later, on the same thread.
 *
 * Answers are already decoded:
 *   TXT   one string per record, its character-strings joined without
 *         separator (RFC 7208 3.3, RFC 6376 3.6.2.2); len counts bytes
 *         (a record may hold a NUL: text is NUL-terminated for
 *         convenience only)
 *   A     "192.0.2.1"        AAAA  "2001:db8::1"
 *   MX    the host name (lowercase, no trailing dot), pref set
 *   PTR   the name (lowercase, no trailing dot) */
#ifndef TERN_MAUTH_DNS_H
#define TERN_MAUTH_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mauth_dns_type {
	MAUTH_DNS_A = 1,
	MAUTH_DNS_PTR = 12,
	MAUTH_DNS_MX = 15,
	MAUTH_DNS_TXT = 16,
	MAUTH_DNS_AAAA = 28,
};

enum mauth_dns_rcode {
	MAUTH_DNS_DATA = 0,	/* NOERROR with records */
	MAUTH_DNS_NODATA,	/* NOERROR, no record of that type */
	MAUTH_DNS_NXDOMAIN,
	MAUTH_DNS_TEMPFAIL,	/* SERVFAIL, timeout, bogus, network */
};

struct mauth_rr {
	char *text;
	size_t len;
	uint16_t pref;		/* MX only */
};

struct mauth_dns_answer {
	enum mauth_dns_rcode rcode;
	size_t n;
	struct mauth_rr *rr;
	bool secure;		/* DNSSEC-validated */
};

/* The answer is valid only during the callback. */
typedef void mauth_dns_cb(void *arg, const struct mauth_dns_answer *a);

struct mauth_resolver {
	void *ctx;
	/* Ask; returns a handle for cancel, or NULL when the question
	 * could not be asked (then cb is never called: treat as
	 * TEMPFAIL). */
	void *(*lookup)(void *ctx, const char *name, enum mauth_dns_type type,
			mauth_dns_cb *cb, void *arg);
	/* the callback of an unanswered handle will not run */
	void (*cancel)(void *ctx, void *handle);
};

#endif
