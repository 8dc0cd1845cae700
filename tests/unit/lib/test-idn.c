/* test-idn.c - domain names between U-labels and A-labels (RFC 5890,
 * RFC 3492's punycode through libidn2), and names that are not IDNs */
#include "test.h"
#include "lib/idn.h"

#include <stdlib.h>
#include <string.h>

static void
check_pair(const char *in, const char *uni, const char *ascii)
{
	char *u = idn_to_unicode(in), *a = idn_to_ascii(in);

	CHECK(u != NULL && a != NULL);
	if (u != NULL)
		CHECK_STR(u, uni);
	if (a != NULL)
		CHECK_STR(a, ascii);
	free(u);
	free(a);
}

TEST(idn_both_forms_of_one_name)
{
	check_pair("bücher.example", "bücher.example", "xn--bcher-kva.example");
	check_pair("xn--bcher-kva.example", "bücher.example",
		   "xn--bcher-kva.example");
	check_pair("XN--BCHER-KVA.Example", "bücher.example",
		   "xn--bcher-kva.example");
	/* case folded (UTS #46) */
	check_pair("BÜCHER.example", "bücher.example", "xn--bcher-kva.example");
	/* NFC: u + combining diaeresis is ü */
	check_pair("bu\xcc\x88" "cher.example", "bücher.example",
		   "xn--bcher-kva.example");
	/* non-transitional: ß stays ß (IDNA2008), not "ss" */
	check_pair("faß.de", "faß.de", "xn--fa-hia.de");
	check_pair("例え.テスト", "例え.テスト", "xn--r8jz45g.xn--zckzah");
}

TEST(idn_label_over_63_octets_refused)
{
	char name[64 * 2 + 16] = "";
	char *a;

	for (int i = 0; i < 60; i++)
		strcat(name, "\xc3\xbc");	/* ü: punycode makes it > 63 */
	strcat(name, ".example");
	a = idn_to_ascii(name);
	CHECK(a == NULL);
	free(a);
}

/* UTS #46 drops a zero-width space: the name is "ab.example" */
TEST(idn_ignored_code_points_mapped_away)
{
	check_pair("a\xe2\x80\x8b" "b.example", "ab.example", "ab.example");
}

TEST(idn_plain_ascii_is_lowercased_only)
{
	check_pair("Example.TEST", "example.test", "example.test");
	check_pair("a-b.c", "a-b.c", "a-b.c");
	CHECK(!idn_is_idn("example.test"));
	CHECK(idn_is_idn("mail.xn--bcher-kva.example"));
	CHECK(idn_is_idn("bücher.example"));
}

TEST(idn_invalid_names_refused)
{
	/* not punycode, not UTF-8, a truncated UTF-8 sequence, an
	 * A-label that also holds a non-ASCII byte */
	static const char *bad[] = {
		"xn--.example", "xn--a-ecp.example.\xff", "\xc3",
		"xn--bcher-kva\xc3\xbc.example",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *a = idn_to_ascii(bad[i]), *u = idn_to_unicode(bad[i]);

		CHECK(a == NULL);
		CHECK(u == NULL);
		free(a);
		free(u);
	}
}
