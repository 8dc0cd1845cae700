/* gzip.h - whole gzip members (RFC 1952) in memory: DMARC aggregate
 * reports are sent and read as .xml.gz attachments */
#ifndef TERN_GZIP_H
#define TERN_GZIP_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

/* compress p..n as one gzip member onto out; false: zlib failed */
bool gzip_compress(const void *p, size_t n, struct buf *out);
/* Decompress a gzip member onto out, never more than limit bytes:
 * 0 done, -1 corrupt or truncated, -2 over limit. */
int gzip_decompress(const void *p, size_t n, size_t limit, struct buf *out);
/* The first file of a zip archive (some receivers send .zip reports):
 * stored or deflated, same results as gzip_decompress. */
int zip_first_file(const void *p, size_t n, size_t limit, struct buf *out);

#endif
