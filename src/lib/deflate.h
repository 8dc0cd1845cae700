/* deflate.h - a raw DEFLATE stream in each direction (RFC 1951, as IMAP
 * COMPRESS=DEFLATE wants it, RFC 4978), over buf */
#ifndef TERN_DEFLATE_H
#define TERN_DEFLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

struct deflate_pair;

/* NULL if zlib cannot start (out of memory) */
struct deflate_pair *deflate_pair_new(void);
void deflate_pair_free(struct deflate_pair *d);
/* Inflate from src (consumed as used) into dst until src is empty or
 * dst holds limit bytes or more, so that a small compressed input never
 * becomes more than limit (+16 KiB) in memory. false: corrupt stream. */
bool deflate_pair_inflate(struct deflate_pair *d, struct buf *src,
			  struct buf *dst, size_t limit);
/* Compress p..n onto dst and flush (Z_SYNC_FLUSH: the peer can read all
 * of it now). false: zlib failed. */
bool deflate_pair_deflate(struct deflate_pair *d, const void *p, size_t n,
			  struct buf *dst);

#endif
