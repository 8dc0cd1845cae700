/* imap-seqset.h - sequence sets: "1:4,7,10:*", "$" (RFC 9051 9, 5182) */
#ifndef TERN_IMAP_SEQSET_H
#define TERN_IMAP_SEQSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "*" before resolution: the value is kept apart from the flags below,
 * since 4294967295 is also a valid number (RFC 9051 nz-number) */
#define IMAP_SEQ_STAR UINT32_MAX

struct imap_seq_range {
	uint32_t lo, hi;	/* inclusive, lo <= hi once resolved */
	bool lo_star, hi_star;	/* before resolution: lo/hi was "*" */
};

struct imap_seqset {
	size_t n;
	struct imap_seq_range *v;
	bool dollar;		/* "$": the saved search result (SEARCHRES) */
};

/* imap_seqset_parse - parse s; false on syntax error (0 is an error,
 * "$" may only stand alone). Ranges are kept as given, "*" as
 * IMAP_SEQ_STAR with lo_star/hi_star set; lo > hi is swapped. */
bool imap_seqset_parse(const char *s, struct imap_seqset *out);
void imap_seqset_free(struct imap_seqset *set);
/* imap_seqset_resolve - replace "*" by max (the last sequence number
 * or the highest uid), swap reversed ranges, sort and merge. With
 * max 0 a set still holding "*" becomes empty. */
void imap_seqset_resolve(struct imap_seqset *set, uint32_t max);
bool imap_seqset_contains(const struct imap_seqset *set, uint32_t v);
/* imap_seqset_from_sorted - ranges from ascending values */
void imap_seqset_from_sorted(struct imap_seqset *out, const uint32_t *v,
			     size_t n);
/* imap_seqset_format - append "1:3,5" (for COPYUID, ESEARCH ALL) to a
 * NUL-terminated malloc'd string */
char *imap_seqset_format(const struct imap_seqset *set);

#endif
