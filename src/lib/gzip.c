/* gzip.c - gzip members in memory through zlib (contract in gzip.h) */
#include "lib/gzip.h"

#include <string.h>
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

static int
inflate_limited(const void *p, size_t n, int window, size_t limit,
		struct buf *out)
{
	z_stream z = { 0 };
	size_t start = out->len;
	int rc;

	if (inflateInit2(&z, window) != Z_OK)
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

int
gzip_decompress(const void *p, size_t n, size_t limit, struct buf *out)
{
	return inflate_limited(p, n, GZIP_WINDOW, limit, out);
}

static size_t
le16(const unsigned char *p)
{
	return (size_t)p[0] | (size_t)p[1] << 8;
}

int
zip_first_file(const void *p, size_t n, size_t limit, struct buf *out)
{
	const unsigned char *h = p;
	size_t method, csize, off;

	/* the local file header (APPNOTE 4.3.7): 30 bytes, name, extra */
	if (n < 30 || memcmp(h, "PK\x03\x04", 4) != 0)
		return -1;
	method = le16(h + 8);
	csize = le16(h + 18) | le16(h + 20) << 16;
	off = 30 + le16(h + 26) + le16(h + 28);
	if (off > n)
		return -1;
	if (method == 8)	/* raw deflate: its end marks the end */
		return inflate_limited(h + off, n - off, -15, limit, out);
	if (method != 0 || (le16(h + 6) & 8) != 0 || csize > n - off)
		return -1;
	if (csize > limit)
		return -2;
	buf_append(out, h + off, csize);
	return 0;
}
