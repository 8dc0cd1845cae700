/* test-imap-seqset.c - sequence sets and modified UTF-7 */
#include "test.h"

#include <stdlib.h>

#include "imap/imap-seqset.h"
#include "imap/imap-utf7.h"

TEST(imap_seqset_parse_resolve)
{
	struct imap_seqset s;
	char *f;

	CHECK(imap_seqset_parse("2,4:7,9,12:*", &s));
	CHECK_INT(s.n, 4);
	CHECK_INT(s.v[3].hi, IMAP_SEQ_STAR);
	imap_seqset_resolve(&s, 15);
	f = imap_seqset_format(&s);
	CHECK_STR(f, "2,4:7,9,12:15");
	free(f);
	CHECK(imap_seqset_contains(&s, 5));
	CHECK(!imap_seqset_contains(&s, 8));
	imap_seqset_free(&s);

	CHECK(imap_seqset_parse("*:4,5:7,1", &s));
	imap_seqset_resolve(&s, 3);
	f = imap_seqset_format(&s);
	CHECK_STR(f, "1,3:7");
	free(f);
	imap_seqset_free(&s);

	CHECK(imap_seqset_parse("$", &s));
	CHECK(s.dollar);
	imap_seqset_free(&s);
	CHECK(!imap_seqset_parse("0", &s));
	CHECK(!imap_seqset_parse("1:", &s));
	CHECK(!imap_seqset_parse("1,,2", &s));
	CHECK(!imap_seqset_parse("", &s));
	CHECK(!imap_seqset_parse("1,$", &s));
	CHECK(!imap_seqset_parse("4294967296", &s));
	/* the largest nz-number is a number, not "*" */
	CHECK(imap_seqset_parse("4294967295", &s));
	CHECK_INT(s.v[0].lo, 4294967295u);
	CHECK(!s.v[0].lo_star);
	imap_seqset_resolve(&s, 7);
	f = imap_seqset_format(&s);
	CHECK_STR(f, "4294967295");
	free(f);
	imap_seqset_free(&s);
	CHECK(imap_seqset_parse("3:*", &s));
	CHECK(s.v[0].hi_star && !s.v[0].lo_star);
	imap_seqset_free(&s);
	CHECK(imap_seqset_parse("4294967294", &s));
	imap_seqset_free(&s);

	uint32_t v[] = { 1, 2, 3, 5, 7, 8 };

	imap_seqset_from_sorted(&s, v, 6);
	f = imap_seqset_format(&s);
	CHECK_STR(f, "1:3,5,7:8");
	free(f);
	imap_seqset_free(&s);
}

static void
roundtrip(const char *utf8, const char *mutf7)
{
	struct buf b = BUF_INIT;

	CHECK(imap_utf7_encode(&b, utf8, strlen(utf8)));
	CHECK_STR(buf_cstr(&b), mutf7);
	buf_reset(&b);
	CHECK(imap_utf7_decode(&b, mutf7, strlen(mutf7)));
	CHECK_STR(buf_cstr(&b), utf8);
	buf_free(&b);
}

TEST(imap_utf7)
{
	struct buf b = BUF_INIT;

	/* RFC 3501 5.1.3 example */
	roundtrip("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac"
		  "\xe8\xaa\x9e", "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	roundtrip("A&B", "A&-B");
	roundtrip("Entw\xc3\xbcrfe", "Entw&APw-rfe");
	roundtrip("\xf0\x9f\x98\x80", "&2D3eAA-");
	roundtrip("plain", "plain");
	const char *bad[] = { "&", "&U,BTFw", "&-&", "&AGE-", "a\xc3\xa9",
			      "&2D0-", "&3gA-", "&U,BTFx-", "&*-", NULL };

	for (int i = 0; bad[i]; i++) {
		buf_reset(&b);
		if (imap_utf7_decode(&b, bad[i], strlen(bad[i])))
			test_fail(__FILE__, __LINE__, "decoded %s", bad[i]);
	}
	buf_reset(&b);
	CHECK(!imap_utf7_encode(&b, "\xff", 1));
	buf_free(&b);
}
