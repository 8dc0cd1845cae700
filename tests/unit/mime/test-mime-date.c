/* test-mime-date.c - RFC 5322 dates, obsolete forms, junk */
#include "test.h"
#include "mime/mime.h"

static void
check_date(const char *in, int64_t want, int want_tz, int line)
{
	int64_t t = 0;
	int tz = 0;

	if (!mime_date_parse((const unsigned char *)in, strlen(in), &t, &tz)) {
		test_fail(__FILE__, line, "date(%s) failed", in);
		return;
	}
	if (t != want || tz != want_tz)
		test_fail(__FILE__, line, "date(%s) == %lld tz %d, want %lld tz %d",
			  in, (long long)t, tz, (long long)want, want_tz);
}

static void
check_bad(const char *in, int line)
{
	int64_t t;
	int tz;

	if (mime_date_parse((const unsigned char *)in, strlen(in), &t, &tz))
		test_fail(__FILE__, line, "date(%s) parsed, want failure", in);
}

#define DATE(in, t, tz) check_date(in, t, tz, __LINE__)
#define BAD(in) check_bad(in, __LINE__)

TEST(mime_date_rfc5322_examples)
{
	/* A.1.1: 1997-11-21 15:55:06 UTC */
	DATE("Fri, 21 Nov 1997 09:55:06 -0600", 880127706, -360);
	/* A.1.3: 1969-02-14 03:02:54 UTC, before the epoch */
	DATE("Thu, 13 Feb 1969 23:32:54 -0330", -27723426, -210);
	/* A.5: folded, comments, no seconds */
	DATE("Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n"
	     "               -0330 (Newfoundland Time)", -27723480, -210);
	/* A.6.2 obsolete: 2-digit year, alphabetic zone */
	DATE("21 Nov 97 09:55:06 GMT", 880106106, 0);
	DATE("Tue, 1 Jul 2003 10:52:37 +0200", 1057049557, 120);
}

TEST(mime_date_obsolete_zones_and_years)
{
	DATE("Fri, 21 Nov 1997 09:55:06 EST", 880106106 + 5 * 3600, -300);
	DATE("Fri, 21 Nov 1997 09:55:06 PDT", 880106106 + 7 * 3600, -420);
	DATE("Fri, 21 Nov 1997 09:55:06 UT", 880106106, 0);
	/* military and unknown zones count as +0000 (RFC 5322 4.3) */
	DATE("Fri, 21 Nov 1997 09:55:06 Q", 880106106, 0);
	DATE("Fri, 21 Nov 1997 09:55:06 XYZ", 880106106, 0);
	DATE("21 Nov 1997 09:55:06", 880106106, 0);
	DATE("21 Nov 49 00:00:00 +0000", 2521065600LL, 0);  /* 2049 */
	DATE("21 Nov 50 09:55:06 +0000", -603122694LL, 0);  /* 1950 */
	DATE("21 Nov 097 09:55:06 +0000", 880106106, 0);   /* 3 digits: +1900 */
	DATE("Fri, 21 nov 1997 09:55:06 +0000", 880106106, 0);
	DATE("Fri,21 Nov 1997 09:55:06+0000", 880106106, 0);
	DATE("Sat, 31 Dec 2016 23:59:60 +0000", 1483228800, 0);  /* leap second */
}

TEST(mime_date_bad)
{
	BAD("");
	BAD("yesterday");
	BAD("Fri, 32 Nov 1997 09:55:06 -0600");
	BAD("Fri, 21 Foo 1997 09:55:06 -0600");
	BAD("Fri, 21 Nov 1997 25:55:06 -0600");
	BAD("Fri, 21 Nov 1997 09:61:06 -0600");
	BAD("Fri, 21 Nov 1997");
	BAD("Fri, 21 Nov 1997 09:55:06 +0099");
}
