/* deflate.c - raw DEFLATE both ways for IMAP COMPRESS (RFC 4978). The
 * outgoing side uses a 4 KiB window and small hash tables: about 40 KiB
 * per connection instead of zlib's default 256 KiB; the incoming side
 * must accept the 32 KiB window any peer may use. */
#include "lib/deflate.h"

#include <stdlib.h>
#include <zlib.h>

#define CHUNK 16384

struct deflate_pair {
	z_stream in, out;
};

struct deflate_pair *
deflate_pair_new(void)
{
	struct deflate_pair *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	if (inflateInit2(&d->in, -15) != Z_OK) {
		free(d);
		return NULL;
	}
	if (deflateInit2(&d->out, 6, Z_DEFLATED, -12, 5,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		inflateEnd(&d->in);
		free(d);
		return NULL;
	}
	return d;
}

void
deflate_pair_free(struct deflate_pair *d)
{
	if (d == NULL)
		return;
	inflateEnd(&d->in);
	deflateEnd(&d->out);
	free(d);
}

bool
deflate_pair_inflate(struct deflate_pair *d, struct buf *src,
		     struct buf *dst, size_t limit)
{
	while (src->len > 0 && dst->len < limit) {
		unsigned char *p = buf_reserve(dst, CHUNK);
		size_t used, made;
		int rc;

		d->in.next_in = src->data;
		d->in.avail_in = (uInt)(src->len > CHUNK ? CHUNK : src->len);
		used = d->in.avail_in;
		d->in.next_out = p;
		d->in.avail_out = CHUNK;
		rc = inflate(&d->in, Z_SYNC_FLUSH);
		used -= d->in.avail_in;
		made = CHUNK - d->in.avail_out;
		dst->len += made;
		buf_consume(src, used);
		if (rc == Z_STREAM_END || (rc != Z_OK && rc != Z_BUF_ERROR))
			return false;	/* RFC 4978: the stream never ends */
		if (used == 0 && made == 0)
			break;		/* more input needed */
	}
	return true;
}

bool
deflate_pair_deflate(struct deflate_pair *d, const void *p, size_t n,
		     struct buf *dst)
{
	const unsigned char *q = p;

	do {
		size_t part = n > (1u << 30) ? (1u << 30) : n;

		d->out.next_in = (unsigned char *)q;
		d->out.avail_in = (uInt)part;
		do {
			unsigned char *o = buf_reserve(dst, CHUNK);

			d->out.next_out = o;
			d->out.avail_out = CHUNK;
			if (deflate(&d->out, Z_SYNC_FLUSH) == Z_STREAM_ERROR)
				return false;
			dst->len += CHUNK - d->out.avail_out;
		} while (d->out.avail_out == 0 || d->out.avail_in > 0);
		q += part;
		n -= part;
	} while (n > 0);
	return true;
}
