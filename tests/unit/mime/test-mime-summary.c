/* test-mime-summary.c - SORT keys: RFC 5256 base subject, display names */
#include "test.h"
#include "mime/mime.h"

static void
check_base(const char *in, const char *want, int line)
{
	struct buf out = BUF_INIT;

	mime_summary_base_subject((const unsigned char *)in, strlen(in), &out);
	if (strcmp(buf_cstr(&out), want) != 0)
		test_fail(__FILE__, line, "base(%s) == \"%s\", want \"%s\"", in,
			  buf_cstr(&out), want);
	buf_free(&out);
}

#define BASE(in, want) check_base(in, want, __LINE__)

TEST(mime_summary_base_subject_rfc5256)
{
	BASE("Hello", "Hello");
	BASE("Re: Hello", "Hello");
	BASE("RE: re: Re:Hello", "Hello");
	BASE("Fwd: Hello", "Hello");
	BASE("FW: Hello", "Hello");
	BASE("Re[2]: Hello", "Hello");
	BASE("Re [2]: Hello", "Hello");
	BASE("[list] Re: Hello", "Hello");
	BASE("Re: [list] Re: Hello", "Hello");
	BASE("[list] Hello", "Hello");
	BASE("[list]", "[list]");                 /* (4): not when empty after */
	BASE("Hello (fwd)", "Hello");
	BASE("Hello (fwd) (FWD)  ", "Hello");
	BASE("[Fwd: Re: Hello]", "Hello");
	BASE("Re: [Fwd: Hello (fwd)]", "Hello");
	BASE("  Hello \t  world  ", "Hello world");
	BASE("Re:", "");
	BASE("Reply to all", "Reply to all");
	BASE("Ref: thing", "Ref: thing");
	BASE("=?utf-8?q?Re=3A_=C3=9Cber?=", "\xc3\x9c" "ber");
	BASE("", "");
}

TEST(mime_summary_sort_keys)
{
	struct mime_summary s;
	const char *msg =
		"From: =?utf-8?q?J=C3=BCrgen?= <JUERGEN@Example.DE>, b@example.org\r\n"
		"To: Group: ; x@example.org\r\n"
		"Cc: (comment only) , <cc1@example.org>\r\n"
		"Subject: Re: [tern] Fwd: status\r\n"
		"\r\n";

	mime_summary_init(&s);
	mime_summarize((const unsigned char *)msg, strlen(msg), NULL, &s);
	CHECK_STR(buf_cstr(&s.sort_from), "JUERGEN");
	CHECK_STR(buf_cstr(&s.display_from), "J\xc3\xbcrgen");
	/* RFC 5256: the first address is the group, its key its name */
	CHECK_STR(buf_cstr(&s.sort_to), "Group");
	CHECK_STR(buf_cstr(&s.display_to), "Group");
	CHECK_STR(buf_cstr(&s.sort_cc), "cc1");
	CHECK_STR(buf_cstr(&s.sort_subject), "status");
	CHECK_STR(buf_cstr(&s.from),
		  "J\xc3\xbcrgen <JUERGEN@Example.DE>\nb@example.org");
	CHECK(s.date == INT64_MIN);
	CHECK_INT(s.header_len, strlen(msg));
	mime_summary_free(&s);
}

TEST(mime_summary_search_addresses)
{
	/* SEARCH FROM/TO/CC/BCC see the addresses as ENVELOPE shows them:
	 * display name, local part and domain, one address a line; not
	 * comments, group names or the raw (encoded) header text */
	struct mime_summary s;
	const char *msg =
		"From: Heidi (the (nested) comment) <heidi@example.test>,\r\n"
		" =?UTF-8?Q?J=C3=B6rg?= <joerg@example.test>\r\n"
		"To: Team: carol@example.test, \"Dave, D.\" <dave@example.test>;,"
		" \"quoted local\"@example.test\r\n"
		"Cc: bob@example.test (Bob the builder), heidi\r\n"
		"Bcc: undisclosed-recipients:;\r\n"
		"\r\n";

	mime_summary_init(&s);
	mime_summarize((const unsigned char *)msg, strlen(msg), NULL, &s);
	CHECK_STR(buf_cstr(&s.from),
		  "Heidi <heidi@example.test>\nJ\xc3\xb6rg <joerg@example.test>");
	CHECK_STR(buf_cstr(&s.to),
		  "carol@example.test\nDave, D. <dave@example.test>\n"
		  "quoted local@example.test");
	/* a comment after an addr-spec is the ENVELOPE's display name */
	CHECK_STR(buf_cstr(&s.cc), "Bob the builder <bob@example.test>\nheidi");
	CHECK_STR(buf_cstr(&s.bcc), "");
	mime_summary_free(&s);
}
