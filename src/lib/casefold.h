/* casefold.h - the one case folding of every case-insensitive SEARCH
 * comparison (IMAP header keys, BODY/TEXT scans and the full-text index):
 * i;unicode-casemap (RFC 5051) with full case folding, from utf8proc */
#ifndef TERN_CASEFOLD_H
#define TERN_CASEFOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

/* Append the folded form of s[0..len) to out. Each code point is mapped
 * to its simple titlecase (RFC 5051 step 1; so ı and i are one letter),
 * then fully case folded (CaseFolding.txt C+F: ß = ss, which RFC 5051's
 * titlecase alone leaves apart), then the run is decomposed to NFKD
 * (step 2). Folding is per code point but for NFKD's reordering of
 * combining marks, which never crosses an ASCII byte: fold(a + b) =
 * fold(a) + fold(b) when b starts with ASCII. Bytes that are not UTF-8
 * (RFC 3629, strict) are copied unchanged: they match only themselves,
 * and a folded valid needle never matches across one. */
void casefold(const void *s, size_t len, struct buf *out);
/* the same, but every byte that is not UTF-8 and every NUL becomes
 * U+FFFD: the full-text index's form (SQLite text must be UTF-8); a
 * needle whose fold holds U+FFFD or a non-UTF-8 byte cannot use it */
void casefold_index(const void *s, size_t len, struct buf *out);
/* does folded needle (len nlen) occur in the fold of hay[0..hlen)?
 * hay NULL is "" */
bool casefold_find(const void *hay, size_t hlen, const void *needle,
		   size_t nlen);
/* casefold_find with needle folded here (NUL-terminated) */
bool casefold_contains(const void *hay, size_t hlen, const char *needle);

#endif
