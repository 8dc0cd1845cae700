/* test-dns-rdata.c - dns_lookup's record decoding: TXT strings joined,
 * names lowercase without the trailing dot, malformed rdata refused */
#include "test.h"
#include "dns/dns.h"

#include <stdlib.h>
#include <string.h>

static bool
decode(int type, const char *rdata, size_t len, struct dns_rr *rr)
{
	return dns_rdata_decode(type, (const unsigned char *)rdata, len, rr);
}

TEST(dns_rdata_txt_joined)
{
	struct dns_rr rr;

	/* "v=spf1 " "-all": two strings, no separator added */
	CHECK(decode(16, "\x07v=spf1 \x04-all", 13, &rr));
	CHECK_INT(rr.len, 11);
	CHECK_STR(rr.text, "v=spf1 -all");
	free(rr.text);
	/* empty strings count for nothing; a NUL inside is kept */
	CHECK(decode(16, "\x00\x03" "a\0b\x00", 6, &rr));
	CHECK_INT(rr.len, 3);
	CHECK(memcmp(rr.text, "a\0b", 3) == 0);
	free(rr.text);
	/* a 255-byte string */
	{
		char buf[256];

		buf[0] = (char)255;
		for (int i = 1; i < 256; i++)
			buf[i] = 'x';
		CHECK(decode(16, buf, 256, &rr));
		CHECK_INT(rr.len, 255);
		free(rr.text);
	}
}

TEST(dns_rdata_txt_malformed)
{
	struct dns_rr rr;

	/* a length byte past the end */
	CHECK(!decode(16, "\x05" "abc", 4, &rr));
	CHECK(!decode(16, "\x03" "abc\x02" "d", 6, &rr));
	/* no string at all */
	CHECK(!decode(16, "", 0, &rr));
}

TEST(dns_rdata_names)
{
	struct dns_rr rr;

	CHECK(decode(15, "\x00\x0a\x02MX\x07" "Example\x03" "ORG\x00", 18, &rr));
	CHECK_INT(rr.pref, 10);
	CHECK_STR(rr.text, "mx.example.org");
	free(rr.text);
	CHECK(decode(12, "\x04mail\x04test\x00", 11, &rr));
	CHECK_STR(rr.text, "mail.test");
	CHECK_INT(rr.len, 9);
	free(rr.text);
	/* the root name: "" */
	CHECK(decode(15, "\x00\x00\x00", 3, &rr));
	CHECK_STR(rr.text, "");
	free(rr.text);
	/* truncated, trailing junk, a compression pointer, no name */
	CHECK(!decode(12, "\x04mail\x04te", 8, &rr));
	CHECK(!decode(12, "\x04mail\x00x", 7, &rr));
	CHECK(!decode(12, "\xc0\x0c", 2, &rr));
	CHECK(!decode(15, "\x00\x01", 2, &rr));
}

TEST(dns_rdata_addresses)
{
	struct dns_rr rr;

	CHECK(decode(1, "\xc0\x00\x02\x01", 4, &rr));
	CHECK_STR(rr.text, "192.0.2.1");
	free(rr.text);
	CHECK(decode(28, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16, &rr));
	CHECK_STR(rr.text, "2001:db8::1");
	free(rr.text);
	CHECK(!decode(1, "\xc0\x00\x02", 3, &rr));
	CHECK(!decode(28, "\xc0\x00\x02\x01", 4, &rr));
	/* a type we do not decode */
	CHECK(!decode(99, "x", 1, &rr));
}
