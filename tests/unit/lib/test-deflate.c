/* test-deflate.c - lib/deflate: round trips, bounded inflation, a
 * corrupt stream, input split at every byte */
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lib/deflate.h"

TEST(deflate_round_trip_split)
{
	struct deflate_pair *a = deflate_pair_new(), *b = deflate_pair_new();
	struct buf z = BUF_INIT, src = BUF_INIT, out = BUF_INIT;
	const char *msg = "a1 NOOP\r\na2 FETCH 1:* (FLAGS)\r\n";

	CHECK(a != NULL && b != NULL);
	if (a == NULL || b == NULL)
		return;
	/* a deflates, b inflates: one byte at a time */
	CHECK(deflate_pair_deflate(a, msg, strlen(msg), &z));
	for (size_t i = 0; i < z.len; i++) {
		buf_append(&src, z.data + i, 1);
		CHECK(deflate_pair_inflate(b, &src, &out, 1 << 20));
	}
	CHECK_MEM(out.data, out.len, msg);
	CHECK_INT(src.len, 0);
	buf_free(&z);
	buf_free(&src);
	buf_free(&out);
	deflate_pair_free(a);
	deflate_pair_free(b);
}

TEST(deflate_inflate_is_bounded)
{
	struct deflate_pair *a = deflate_pair_new(), *b = deflate_pair_new();
	struct buf z = BUF_INIT, out = BUF_INIT;
	size_t n = 32u << 20, total = 0;
	char *big = malloc(n);

	memset(big, 'x', n);
	CHECK(deflate_pair_deflate(a, big, n, &z));
	CHECK(z.len < n / 500);		/* a bomb: tiny in, huge out */
	/* never more than the limit (+ one 16 KiB chunk) at a time */
	while (z.len > 0) {
		CHECK(deflate_pair_inflate(b, &z, &out, 64 * 1024));
		CHECK(out.len <= 64 * 1024 + 16384);
		total += out.len;
		buf_reset(&out);
	}
	CHECK_INT(total, n);
	free(big);
	buf_free(&z);
	buf_free(&out);
	deflate_pair_free(a);
	deflate_pair_free(b);
}

TEST(deflate_corrupt_stream)
{
	struct deflate_pair *b = deflate_pair_new();
	struct buf src = BUF_INIT, out = BUF_INIT;

	buf_append(&src, "\xff\xff\xff\xff garbage", 12);
	CHECK(!deflate_pair_inflate(b, &src, &out, 1 << 20));
	buf_free(&src);
	buf_free(&out);
	deflate_pair_free(b);
}
