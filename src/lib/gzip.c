/* gzip.c - gzip members in memory through zlib (contract in gzip.h) */
#include "lib/gzip.h"

#include <zlib.h>

#define GZIP_WINDOW (15 + 16)	/* zlib's "gzip wrapper" flag */
#define GZIP_STEP 16384

bool
gzip_compress(const void *p, size_t n, struct buf *out)
{
	z_stream z = { 0 };
	int rc;

	if (deflateInit2(&z, 9, Z_DEFLATED, GZIP_WINDOW, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return false;
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = buf_reserve(out, GZIP_STEP);
		z.avail_out = GZIP_STEP;
		rc = deflate(&z, Z_FINISH);
		out->len += GZIP_STEP - z.avail_out;
	} while (rc == Z_OK);
	deflateEnd(&z);
	return rc == Z_STREAM_END;
}

int
gzip_decompress(const void *p, size_t n, size_t limit, struct buf *out)
{
	z_stream z = { 0 };
	size_t start = out->len;
	int rc;

	if (inflateInit2(&z, GZIP_WINDOW) != Z_OK)
		return -1;
	z.next_in = (Bytef *)p;
	z.avail_in = (uInt)n;
	do {
		size_t room = GZIP_STEP;

		if (out->len - start >= limit) {
			inflateEnd(&z);
			return -2;
		}
		if (room > limit - (out->len - start))
			room = limit - (out->len - start);
		z.next_out = buf_reserve(out, room);
		z.avail_out = (uInt)room;
		rc = inflate(&z, Z_NO_FLUSH);
		out->len += room - z.avail_out;
	} while (rc == Z_OK);
	inflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}
