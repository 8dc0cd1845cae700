/* test-base64.c - RFC 4648 section 10 vectors and malformed input */
#include "test.h"
#include "lib/base64.h"

TEST(base64_rfc4648_vectors)
{
	static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };

	for (size_t i = 0; i < 7; i++) {
		struct buf b = BUF_INIT, d = BUF_INIT;

		base64_encode(&b, plain[i], strlen(plain[i]));
		CHECK_MEM(b.data, b.len, enc[i]);
		CHECK(base64_decode(&d, enc[i], strlen(enc[i])));
		CHECK_MEM(d.data, d.len, plain[i]);
		buf_free(&b);
		buf_free(&d);
	}
}

TEST(base64_strict_rejects_malformed)
{
	static const char *bad[] = { "Zg=", "Zg=a", "Z===", "Zm9v!A==", "Zg==Zg==", "Zm 9v" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf d = BUF_INIT;

		CHECK(!base64_decode(&d, bad[i], strlen(bad[i])));
		CHECK_INT(d.len, 0);
		buf_free(&d);
	}
}

TEST(base64_lenient_skips_line_breaks)
{
	struct buf d = BUF_INIT;
	const char *in = "Zm9v\r\nYmFy\r\n";

	base64_decode_lenient(&d, in, strlen(in));
	CHECK_MEM(d.data, d.len, "foobar");
	buf_free(&d);
}
