/* dmarc.h - DMARC (RFC 7489): the policy record, the organizational
 * domain, identifier alignment and the verdict for one message.
 *
 * The check asks DNS only through mauth-dns.h: _dmarc.<From domain>,
 * then, when that has no DMARC record, _dmarc.<organizational domain>.
 * The organizational domain comes from the Public Suffix List (libpsl,
 * Debian's publicsuffix data, ICANN and private sections alike).
 *
 * Header From (RFC 7489 6.6.1): dmarc_author_domains() turns the From
 * fields of a message into the domains to check. No From field, several
 * From fields, or a From without a usable address: DMARC_PERMERROR with
 * the policy reject (RFC 5322 requires exactly one; 6.6.1 "typically
 * rejected"). One From field with several addresses: every distinct
 * domain is checked and the strictest policy among the failing checks
 * is the verdict's (6.6.1). */
#ifndef TERN_MAILAUTH_DMARC_H
#define TERN_MAILAUTH_DMARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailauth/mauth-dns.h"

enum dmarc_result {
	DMARC_NONE = 0,		/* no DMARC record for the From domain */
	DMARC_PASS,
	DMARC_FAIL,
	DMARC_TEMPERROR,	/* DNS failed: try again later */
	DMARC_PERMERROR,	/* unusable record or From field */
};

enum dmarc_policy {
	DMARC_POLICY_NONE = 0,
	DMARC_POLICY_QUARANTINE,
	DMARC_POLICY_REJECT,
};

enum dmarc_align {
	DMARC_ALIGN_RELAXED = 0,
	DMARC_ALIGN_STRICT,
};

/* A parsed record. Values not given, or given but invalid, keep their
 * RFC 7489 6.3 defaults; unknown tags are ignored. */
struct dmarc_record {
	enum dmarc_policy p;
	bool p_valid;		/* p= present with a valid value */
	enum dmarc_policy sp;	/* = p when sp= is absent */
	bool sp_given;
	enum dmarc_align adkim, aspf;
	unsigned pct;		/* 0..100, default 100 */
	char **rua, **ruf;	/* syntactically valid URIs, "!size" kept */
	size_t n_rua, n_ruf;
	char fo[16];		/* default "0" */
	char rf[16];		/* default "afrf" */
	unsigned long ri;	/* default 86400 */
};

/* Parse one TXT record. Returns 0 when it is a DMARC record (starts with
 * "v=DMARC1"; p= may still be invalid, see p_valid), -1 when it is not
 * one (then r holds nothing to free). */
int dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *r);
/* Split a kept rua/ruf entry "mailto:a@example.com!10m" into the URI
 * (malloc'd) and its size limit in bytes (0: none; k/m/g/t are powers
 * of 1024, RFC 7489 6.4). */
char *dmarc_uri_split(const char *entry, uint64_t *max_bytes);
void dmarc_record_free(struct dmarc_record *r);

/* The organizational domain of a domain name (lowercase, no trailing
 * dot), malloc'd; a public suffix itself is its own. NULL for an empty
 * or invalid name. */
char *dmarc_org_domain(const char *domain);
/* "libpsl X (file F)" or "(built-in)": where the list came from */
const char *dmarc_psl_source(void);

/* Whether two domains align (RFC 7489 3.1): strict = equal (case
 * insensitive), relaxed = same organizational domain. */
bool dmarc_aligned(const char *from_domain, const char *id_domain,
		   enum dmarc_align mode);

/* pct sampling (RFC 7489 6.6.4): roll is 0..99; a message outside the
 * sample gets the next weaker policy (reject -> quarantine -> none). */
enum dmarc_policy dmarc_apply_pct(enum dmarc_policy p, unsigned pct,
				  unsigned roll);

enum dmarc_from_status {
	DMARC_FROM_OK = 0,
	DMARC_FROM_NONE,	/* no From field */
	DMARC_FROM_SEVERAL,	/* several From fields */
	DMARC_FROM_BAD,		/* no address with a domain */
};

/* The distinct domains (lowercase) of the From fields' values (raw,
 * unfolded or not, without the "From:" name). *domains is malloc'd
 * strings in a malloc'd array, NULL on errors. */
enum dmarc_from_status dmarc_author_domains(const char *const *values,
					    const size_t *lens, size_t n_fields,
					    char ***domains, size_t *n_domains);
void dmarc_domains_free(char **domains, size_t n);

struct dmarc_dkim_in {
	const char *domain;	/* the signature's d= */
	bool pass;
};

struct dmarc_request {
	/* dmarc_author_domains(): when not OK the verdict is PERMERROR,
	 * policy reject, without DNS (dmarc_verdict_unstarted) */
	enum dmarc_from_status from_status;
	const char *const *from_domains;
	size_t n_from;
	const char *spf_domain;	/* MAIL FROM domain (or HELO for <>) */
	bool spf_pass;
	const struct dmarc_dkim_in *dkim;
	size_t n_dkim;
	int pct_roll;		/* 0..99 for tests; -1: random */
};

struct dmarc_verdict {
	enum dmarc_result result;
	enum dmarc_policy policy;	/* p= or sp= of the record used */
	enum dmarc_policy applied;	/* policy after pct: what to do
					   (also set on PERMERROR for an
					   unusable From: reject) */
	unsigned pct;
	bool subdomain;			/* sp= applied (From below org) */
	bool spf_aligned, dkim_aligned;
	const char *from_domain;	/* the domain this verdict is for */
	const char *org_domain;		/* its organizational domain */
	const char *record_domain;	/* where the record was, or NULL */
	const struct dmarc_record *record;	/* NULL when none */
	const char *reason;		/* for logs and A-R comments */
};

/* The verdict is valid only during the callback. */
typedef void dmarc_cb(void *arg, const struct dmarc_verdict *v);

struct dmarc_check;

/* Start a check; the request's strings are copied. The callback runs
 * once, never inside this call. NULL when no check started: the From
 * fields were unusable (from_status not OK, or no domain) or the
 * resolver refused the first question; dmarc_verdict_unstarted() then
 * gives the verdict at once. */
struct dmarc_check *dmarc_check(const struct mauth_resolver *res,
				const struct dmarc_request *req,
				dmarc_cb *cb, void *arg);
/* PERMERROR + policy reject for an unusable From (not OK, or OK with no
 * domain), TEMPERROR when OK (the resolver refused). */
void dmarc_verdict_unstarted(const struct dmarc_request *req,
			     struct dmarc_verdict *v);
/* cancel an unfinished check: its callback will not run */
void dmarc_cancel(struct dmarc_check *c);

const char *dmarc_result_name(enum dmarc_result r);	/* "pass" ... */
const char *dmarc_policy_name(enum dmarc_policy p);	/* "reject" ... */

#endif
