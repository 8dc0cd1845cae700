/* arc-private.h - what arc-verify.c and arc-seal.c share: the ARC
 * fields of a header sorted into sets (arc-chain.c). */
#ifndef TERN_ARC_PRIVATE_H
#define TERN_ARC_PRIVATE_H

#include "mailauth/arc.h"
#include "mailauth/dkim-private.h"

/* more ARC fields than a full chain has: the chain is refused unread */
#define ARC_MAX_FIELDS (3 * ARC_MAX_INSTANCE)

enum arc_kind {
	ARC_AAR = 0,	/* ARC-Authentication-Results */
	ARC_AMS,	/* ARC-Message-Signature */
	ARC_AS,		/* ARC-Seal */
};

struct arc_chain {
	size_t fields;		/* ARC fields in the header */
	unsigned n;		/* highest i= seen (may be out of range) */
	const char *err;	/* why the chain is malformed; NULL: sets
				   1..n are complete, one field of each */
	/* set[i].f[kind]: index in the dkim_fields, or -1 */
	struct {
		long f[3];
	} set[ARC_MAX_INSTANCE + 1];
};

/* which ARC field f is; -1: none */
int arc_field_kind(const char *f, size_t len);
/* Sort the ARC fields of fs into c (RFC 8617 5.2 steps 1, 2, 4: one
 * field of each kind per instance, instances 1..n with no gap,
 * 1 <= i <= 50). */
void arc_chain_parse(const struct dkim_fields *fs, struct arc_chain *c);
/* the text of set i's field of kind k (NULL when absent) */
const char *arc_chain_field(const struct dkim_fields *fs,
			    const struct arc_chain *c, unsigned i,
			    enum arc_kind k, size_t *len);
/* cv= of an ARC-Seal field: ARC_NONE, ARC_PASS, ARC_FAIL; -1 when it
 * has none or an unknown one */
int arc_seal_cv(const char *field, size_t len);
/* Append the relaxed canonical ARC sets 1..upto (each field CRLF-ended)
 * to out: the start of an ARC-Seal's hash input (RFC 8617 5.1.1). */
void arc_chain_input(const struct dkim_fields *fs, const struct arc_chain *c,
		     unsigned upto, struct buf *out);

#endif
