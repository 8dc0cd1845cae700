/* test-casefold.c - i;unicode-casemap (RFC 5051) with full case folding */
#include "test.h"
#include "lib/buf.h"
#include "lib/casefold.h"

static void
check_fold(const char *in, size_t len, const char *want)
{
	struct buf b = BUF_INIT;

	casefold(in, len, &b);
	CHECK_MEM(b.data, b.len, want);
	buf_free(&b);
}

#define FOLD(in, want) check_fold(in, sizeof(in) - 1, want)

TEST(casefold_ascii_and_latin)
{
	FOLD("Hello WORLD 123", "hello world 123");
	/* RFC 5051 step 2, NFKD: é is e + U+0301 (CC 81) */
	FOLD("\xc3\x89t\xc3\xa9", "e\xcc\x81te\xcc\x81");
	/* compatibility decomposition: the fi ligature, fullwidth A */
	FOLD("\xef\xac\x81", "fi");
	FOLD("\xef\xbc\xa1", "a");
}

TEST(casefold_full_folding)
{
	/* ß and ẞ fold to ss (CaseFolding.txt status F) */
	FOLD("Stra\xc3\x9f" "e", "strasse");
	FOLD("STRA\xe1\xba\x9e" "E", "strasse");
	FOLD("STRASSE", "strasse");
}

TEST(casefold_turkish_i)
{
	/* RFC 5051 maps to titlecase first: ı (U+0131) titlecases to I,
	 * so it matches i and I; İ (U+0130) decomposes to I + U+0307 */
	FOLD("\xc4\xb1", "i");
	FOLD("I", "i");
	FOLD("\xc4\xb0", "i\xcc\x87");
}

TEST(casefold_greek_sigma)
{
	/* σ, ς (final) and Σ are one letter under titlecase */
	FOLD("\xcf\x83", "\xcf\x83");
	FOLD("\xcf\x82", "\xcf\x83");
	FOLD("\xce\xa3", "\xcf\x83");
	FOLD("\xce\x9f\xce\x94\xce\x9f\xce\xa3", "\xce\xbf\xce\xb4\xce\xbf\xcf\x83");
}

TEST(casefold_invalid_utf8)
{
	/* bytes that are not UTF-8 stay as they are; text around them
	 * is still folded */
	FOLD("A\xff" "B", "a\xff" "b");
	FOLD("\xc3", "\xc3");
	FOLD("\xed\xa0\x80X", "\xed\xa0\x80x");	/* a surrogate */
	FOLD("\xc0\xaf", "\xc0\xaf");		/* overlong */
	FOLD("\xc3\x89\x80", "e\xcc\x81\x80");
}

TEST(casefold_canonical_order)
{
	/* NFKD orders combining marks: dot below (220) before acute (230) */
	FOLD("a\xcc\x81\xcc\xa3", "a\xcc\xa3\xcc\x81");
}

TEST(casefold_contains_one_rule)
{
	CHECK(casefold_contains("Stra\xc3\x9f" "e", 7, "STRASS"));
	CHECK(casefold_contains("\xce\x9f\xce\x94\xce\x9f\xcf\x82", 8,
				"\xce\xbf\xce\xb4\xce\xbf\xce\xa3"));
	CHECK(!casefold_contains("abc", 3, "abd"));
	CHECK(casefold_contains(NULL, 0, ""));
	CHECK(!casefold_contains(NULL, 0, "a"));
}
