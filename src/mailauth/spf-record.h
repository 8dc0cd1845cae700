/* spf-record.h - an SPF record's text parsed into terms (RFC 7208 4.6,
 * 5, 6, 12). Internal to the SPF evaluator (spf-eval.c) and its tests.
 *
 * Parsing checks the whole record before anything is evaluated (4.6: a
 * syntax error anywhere is a permerror); domain-specs stay as text
 * (offset + length into the record) and are macro-expanded later. */
#ifndef TERN_SPF_RECORD_H
#define TERN_SPF_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mailauth/spf.h"

enum spf_mech {
	SPF_M_ALL,
	SPF_M_INCLUDE,
	SPF_M_A,
	SPF_M_MX,
	SPF_M_PTR,
	SPF_M_IP4,
	SPF_M_IP6,
	SPF_M_EXISTS,
};

/* a domain-spec: text[off .. off+len) of the record; len 0: none given */
struct spf_spec {
	size_t off, len;
};

struct spf_term {
	enum spf_mech mech;
	enum spf_result qual;	/* the result when the mechanism matches */
	struct spf_spec spec;
	uint8_t cidr4, cidr6;	/* prefix lengths (32 and 128 when absent) */
	uint8_t addr[16];	/* ip4 (first 4 bytes) and ip6 */
	size_t off, len;	/* the whole term, for reasons in logs */
};

struct spf_record {
	char *text;		/* NUL-terminated copy */
	size_t len;
	struct spf_term *terms;
	size_t n;
	struct spf_spec redirect, exp;	/* len 0: absent */
};

/* "v=spf1" alone or followed by a space, in any case (4.5) */
bool spf_record_is_spf(const char *txt, size_t len);

/* Parse; false on a syntax error with *err a static description and
 * *err_off where it is. The record is freed with spf_record_free either
 * way. */
bool spf_record_parse(struct spf_record *r, const char *txt, size_t len,
		      const char **err, size_t *err_off);
void spf_record_free(struct spf_record *r);

/* domain-spec syntax (12: macro-string domain-end) */
bool spf_domain_spec_valid(const char *s, size_t len);

#endif
