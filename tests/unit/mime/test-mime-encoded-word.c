/* test-mime-encoded-word.c - RFC 2047 encoded words (section 8 examples,
 * many charsets, malformed words), unfolding */
#include "test.h"
#include "mime/mime.h"

static void
check_decode(const char *in, const char *want, int line)
{
	struct buf out = BUF_INIT;

	mime_header_decode((const unsigned char *)in, strlen(in), &out);
	if (out.len != strlen(want) || memcmp(out.data ? (void *)out.data : "",
					      want, out.len) != 0)
		test_fail(__FILE__, line, "decode(%s) == \"%s\", want \"%s\"",
			  in, buf_cstr(&out), want);
	buf_free(&out);
}

#define DECODE(in, want) check_decode(in, want, __LINE__)

TEST(mime_ew_rfc2047_section8)
{
	DECODE("(=?ISO-8859-1?Q?a?=)", "(a)");
	DECODE("(=?ISO-8859-1?Q?a?= b)", "(a b)");
	DECODE("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)");
	DECODE("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)");
	DECODE("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)");
	DECODE("(=?ISO-8859-1?Q?a_b?=)", "(a b)");
	DECODE("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)");
	DECODE("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
	       "Keith Moore <moore@cs.utk.edu>");
	DECODE("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
	       "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>");
	DECODE("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
	       "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>");
	DECODE("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
	       "    =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
	       "If you can read this you understand the example.");
	DECODE("=?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>",
	       "Olle J\xc3\xa4rnefors <ojarnef@admin.kth.se>");
	DECODE("Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n"
	       "    (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
	       "Nathaniel Borenstein <nsb@thumper.bellcore.com>    ("
	       "\xd7\x9d\xd7\x95\xd7\x9c\xd7\xa9 \xd7\x9f\xd7\x91 "
	       "\xd7\x99\xd7\x9c\xd7\x98\xd7\xa4\xd7\xa0)");
}

TEST(mime_ew_many_charsets)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "=?iso-2022-jp?B?GyRCRnxLXDhsJE4lRiUtJTklSBsoQg==?=", "日本語のテキスト" },
		{ "=?shift_jis?B?grGC8YLJgr+CzQ==?=", "こんにちは" },
		{ "=?euc-jp?B?tMG7+g==?=", "漢字" },
		{ "=?koi8-r?B?8NLJ18XUIM3J0g==?=", "Привет мир" },
		{ "=?gb2312?B?1tDOxNPKvP4=?=", "中文邮件" },
		{ "=?big5?B?wWPF6aSkpOU=?=", "繁體中文" },
		{ "=?windows-1251?B?x+Tw4OLx8uLz6fLl?=", "Здравствуйте" },
		{ "=?iso-8859-7?B?yuHr5+zd8eE=?=", "Καλημέρα" },
		{ "=?utf-7?B?SGkgTW9tIC0rSmpvLS0h?=", "Hi Mom -☺-!" },
		{ "=?euc-kr?B?vsiz58fPvLy/5A==?=", "안녕하세요" },
		{ "=?ks_c_5601-1987?B?vsiz58fPvLy/5A==?=", "안녕하세요" },
		{ "=?iso-8859-15?B?pHVybw==?=", "€uro" },
		{ "=?utf-16be?B?A6kiSADn?=", "Ω≈ç" },
		{ "=?UTF-8?Q?=E2=82=AC?=", "€" },
		{ "=?utf-8*en?q?hello?=", "hello" },          /* RFC 2231 language */
		{ "=?windows-1252?q?=80?=", "€" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		check_decode(t[i].in, t[i].want, __LINE__);
}

TEST(mime_ew_split_multibyte_across_words)
{
	/* "€" (E2 82 AC) split over two B words of the same charset */
	DECODE("=?utf-8?B?4oI=?= =?utf-8?B?rA==?=", "€");
	/* and over Q words */
	DECODE("=?utf-8?Q?=E2?= =?UTF-8?Q?=82=AC?=x", "€x");
}

TEST(mime_ew_malformed_kept)
{
	DECODE("=?utf-8?Q?unterminated", "=?utf-8?Q?unterminated");
	DECODE("=?utf-8?X?bad_encoding?=", "=?utf-8?X?bad_encoding?=");
	DECODE("=??Q?no_charset?=", "=??Q?no_charset?=");
	DECODE("a =? b ?= c", "a =? b ?= c");
	DECODE("=?no-such-charset?Q?abc?=", "abc");
	/* invalid bytes in an unknown or broken charset: U+FFFD */
	DECODE("=?no-such-charset?Q?=FF?=", "\xef\xbf\xbd");
	DECODE("=?utf-8?Q?=C3?=", "\xef\xbf\xbd");
	/* text between words that is not only whitespace is kept */
	DECODE("=?utf-8?Q?a?= - =?utf-8?Q?b?=", "a - b");
	/* raw 8-bit outside words: UTF-8 kept, else read as windows-1252 */
	DECODE("caf\xc3\xa9", "caf\xc3\xa9");
	DECODE("caf\xe9", "caf\xc3\xa9");
	DECODE("", "");
}

TEST(mime_ew_unfold)
{
	struct buf out = BUF_INIT;
	const char *in = "  Subject text\r\n\tcontinued\r\n ";

	mime_header_unfold((const unsigned char *)in, strlen(in), &out);
	CHECK_STR(buf_cstr(&out), "Subject text\tcontinued");
	buf_free(&out);
}
