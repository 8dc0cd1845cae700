/* publish.h - the DNS records a tern mail domain publishes (`tern dns`)
 * and how `tern dns check` compares what it finds with them.
 *
 * Names are absolute (trailing dot); data is zone-file presentation
 * ("10 mail.example.org.", TXT as quoted 255-byte strings). */
#ifndef TERN_MAILAUTH_PUBLISH_H
#define TERN_MAILAUTH_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/conf.h"

enum publish_check {
	PUBLISH_EXACT,		/* one record with this data (MX, A, SRV, PTR) */
	PUBLISH_SPF,		/* the one v=spf1 TXT equals value */
	PUBLISH_DKIM,		/* a v=DKIM1 TXT whose p= equals value's */
	PUBLISH_DMARC,		/* the one v=DMARC1 TXT has a valid p= */
	PUBLISH_PREFIX,		/* a TXT starting with value's first tag */
	PUBLISH_ALIAS,		/* CNAME to the host, or the host's addresses */
};

struct publish_rr {
	char *comment;		/* what it is for, or NULL */
	char *name;		/* "example.org." */
	const char *type;	/* "MX", "TXT", "SRV", ... */
	char *data;		/* presentation form */
	char *value;		/* TXT: the joined text; else = data */
	char *target;		/* MX/SRV/CNAME/PTR: the name pointed to, no dot */
	enum publish_check check;
};

struct publish_set {
	struct publish_rr *rr;
	size_t n;
	char **notes;		/* "; ..." comment lines with no record */
	size_t n_notes;
};

struct publish_dkim {
	const char *name;	/* "sel._domainkey.example.org" */
	const char *value;	/* "v=DKIM1; k=rsa; p=..." */
	const char *selector;
	bool active;
};

/* The records for domain: conf's hostname and listeners (loopback ones
 * do not count: nobody outside reaches them), the DKIM records, and the
 * host's public addresses (none: the A/AAAA and PTR records become
 * notes saying what to publish). */
void publish_records(const struct tern_conf *conf, const char *domain,
		     const struct publish_dkim *dkim, size_t n_dkim,
		     const char *const *addrs, size_t n_addrs,
		     struct publish_set *out);
void publish_set_free(struct publish_set *s);

/* the TXT presentation form: quoted 255-byte strings, '"' and '\'
 * escaped */
char *publish_txt_data(const char *value);

/* Is found (TXT: the joined text; others: presentation form with
 * absolute names) the record rr asks for? */
bool publish_matches(const struct publish_rr *rr, const char *found);

#endif
