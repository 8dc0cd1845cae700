/* test-imap-date.c - INTERNALDATE text (date-time of RFC 9051), and
 * the FETCH number formatting */
#include "test.h"

#include "imap/imap-fetch.h"

static void
check_date(int64_t t, int32_t tz, const char *want)
{
	struct buf b = BUF_INIT;

	imap_append_date(&b, t, tz);
	CHECK_STR(buf_cstr(&b), want);
	buf_free(&b);
}

TEST(imap_date_text)
{
	/* 2025-01-05 09:11:12 UTC */
	check_date(1736068272, 60, "\" 5-Jan-2025 10:11:12 +0100\"");
	check_date(1736068272, 0, "\" 5-Jan-2025 09:11:12 +0000\"");
	check_date(1736068272, -480, "\" 5-Jan-2025 01:11:12 -0800\"");
	check_date(1736068272, -570, "\" 4-Jan-2025 23:41:12 -0930\"");
	/* 1994-02-07 21:52:25 -0800 */
	check_date(760686745, -480, "\" 7-Feb-1994 21:52:25 -0800\"");
	check_date(0, 0, "\" 1-Jan-1970 00:00:00 +0000\"");
	check_date(1767225599, 0, "\"31-Dec-2025 23:59:59 +0000\"");
}

TEST(fetch_number_text)
{
	struct buf b = BUF_INIT;

	fetch_buf_u64(&b, 0);
	buf_append_byte(&b, ' ');
	fetch_buf_u64(&b, 4294967295u);
	buf_append_byte(&b, ' ');
	fetch_buf_u64(&b, UINT64_MAX);
	CHECK_STR(buf_cstr(&b), "0 4294967295 18446744073709551615");
	buf_free(&b);
}
