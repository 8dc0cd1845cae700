/* test-relay-dsn.c - RFC 3464 report generation and NOTIFY rules */
#include "test.h"
#include "relay/dsn.h"
#include "store/store.h"
#include "lib/utf8.h"

#include <string.h>

struct mem {
	const char *p;
	size_t len;
	size_t step;	/* bytes per read, to cross chunk boundaries */
};

static ssize_t
mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct mem *m = ctx;
	size_t n;

	if (off >= m->len)
		return 0;
	n = m->len - off;
	if (n > len)
		n = len;
	if (m->step && n > m->step)
		n = m->step;
	memcpy(buf, m->p + off, n);
	return (ssize_t)n;
}

static const char original[] =
	"From: alice@a.test\r\nTo: bob@b.test\r\nSubject: hello\r\n"
	"\r\nthe body line\r\n";

static bool
has(const struct buf *b, const char *s)
{
	return memmem(b->data, b->len, s, strlen(s)) != NULL;
}

TEST(relay_dsn_notify_rules)
{
	CHECK(dsn_wanted("a@a.test", STORE_NOTIFY_DEFAULT, DSN_FAILED));
	CHECK(dsn_wanted("a@a.test", STORE_NOTIFY_DEFAULT, DSN_DELAYED));
	CHECK(!dsn_wanted("a@a.test", STORE_NOTIFY_DEFAULT, DSN_RELAYED));
	CHECK(!dsn_wanted("", STORE_NOTIFY_FAILURE, DSN_FAILED));
	CHECK(!dsn_wanted(NULL, STORE_NOTIFY_DEFAULT, DSN_FAILED));
	CHECK(!dsn_wanted("a@a.test", STORE_NOTIFY_NEVER, DSN_FAILED));
	CHECK(!dsn_wanted("a@a.test", STORE_NOTIFY_SUCCESS, DSN_FAILED));
	CHECK(dsn_wanted("a@a.test", STORE_NOTIFY_SUCCESS, DSN_RELAYED));
	CHECK(!dsn_wanted("a@a.test", STORE_NOTIFY_FAILURE, DSN_DELAYED));
	CHECK(dsn_wanted("a@a.test", STORE_NOTIFY_FAILURE |
			 STORE_NOTIFY_DELAY, DSN_DELAYED));
}

TEST(relay_dsn_failed_headers_only)
{
	struct mem src = { original, sizeof(original) - 1, 7 };
	struct dsn_msg m = {
		"mail.a.test", "alice@a.test", "ENV+2B1", STORE_RET_DEFAULT,
		1795000000, 1795000100, sizeof(original) - 1, mem_read, &src
	};
	struct dsn_rcpt r[2] = {
		{ "bob@b.test", "rfc822;Bob@b.test", DSN_FAILED, "5.1.1",
		  "mx.b.test", "550 5.1.1 no such user", true, 1795000090, 0 },
		{ "carol@b.test", NULL, DSN_FAILED, "4.4.7", NULL,
		  "delivery time expired", false, 0, 0 },
	};
	struct buf out = BUF_INIT;

	CHECK_INT(dsn_build(&m, r, 2, &out), 0);
	CHECK(has(&out, "From: Mail Delivery System <MAILER-DAEMON@mail.a.test>\r\n"));
	CHECK(has(&out, "To: <alice@a.test>\r\n"));
	CHECK(has(&out, "Subject: Undelivered Mail Returned to Sender\r\n"));
	CHECK(has(&out, "Auto-Submitted: auto-replied\r\n"));
	CHECK(has(&out, "Content-Type: multipart/report; report-type=delivery-status;"));
	CHECK(has(&out, "Reporting-MTA: dns; mail.a.test\r\n"));
	CHECK(has(&out, "Original-Envelope-Id: ENV+2B1\r\n"));
	CHECK(has(&out, "Final-Recipient: rfc822; bob@b.test\r\n"
		  "Original-Recipient: rfc822;Bob@b.test\r\nAction: failed\r\n"
		  "Status: 5.1.1\r\nRemote-MTA: dns; mx.b.test\r\n"
		  "Diagnostic-Code: smtp; 550 5.1.1 no such user\r\n"));
	CHECK(has(&out, "Final-Recipient: rfc822; carol@b.test\r\n"
		  "Action: failed\r\nStatus: 4.4.7\r\n"));
	CHECK(has(&out, "Content-Type: text/rfc822-headers\r\n"));
	CHECK(has(&out, "Subject: hello\r\n"));
	CHECK(!has(&out, "the body line"));
	/* ends with the closing boundary */
	CHECK(out.len > 4 && memcmp(out.data + out.len - 4, "--\r\n", 4) == 0);
	/* no bare LF anywhere */
	for (size_t i = 0; i < out.len; i++)
		if (out.data[i] == '\n' && (i == 0 || out.data[i - 1] != '\r'))
			CHECK(!"bare LF");
	buf_free(&out);
}

TEST(relay_dsn_full_and_delayed)
{
	struct mem src = { original, sizeof(original) - 1, 0 };
	struct dsn_msg m = {
		"mail.a.test", "alice@a.test", NULL, STORE_RET_FULL,
		1795000000, 1795000100, sizeof(original) - 1, mem_read, &src
	};
	struct dsn_rcpt r = { "bob@b.test", NULL, DSN_DELAYED, "4.4.1",
			      NULL, "connect failed", false, 1795000090,
			      1795432000 };
	struct buf out = BUF_INIT;

	CHECK_INT(dsn_build(&m, &r, 1, &out), 0);
	CHECK(has(&out, "Subject: Delayed Mail (still being retried)\r\n"));
	CHECK(has(&out, "Action: delayed\r\n"));
	CHECK(has(&out, "Will-Retry-Until: "));
	CHECK(has(&out, "Content-Type: message/rfc822\r\n"));
	CHECK(has(&out, "the body line\r\n"));
	CHECK(!has(&out, "Original-Envelope-Id"));
	buf_free(&out);
	/* an unreadable original fails the build */
	m.read_ctx = &src;
	src.len = 0;
	src.p = NULL;
	{
		struct buf o2 = BUF_INIT;

		CHECK_INT(dsn_build(&m, &r, 1, &o2), 0);	/* empty is fine */
		buf_free(&o2);
	}
}

TEST(relay_dsn_date)
{
	char d[64];

	dsn_date(0, d, sizeof(d));
	CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	dsn_date(1795750863, d, sizeof(d));
	CHECK_STR(d, "Fri, 27 Nov 2026 03:41:03 +0000");
}

static bool
valid_utf8(const struct buf *b)
{
	uint32_t cp;

	for (size_t i = 0, k; i < b->len; i += k)
		if ((k = utf8_next(b->data + i, b->len - i, &cp)) == 0)
			return false;
	return true;
}

/* fuzz-dsn: text cut at its bound must not end inside a UTF-8
 * sequence (an SMTPUTF8 address may be 320 bytes, the bound is 300),
 * and bytes that are not UTF-8 do not reach the charset=utf-8 parts */
TEST(relay_dsn_utf8_bounded)
{
	char addr[400] = "xy@";
	struct mem src = { original, sizeof(original) - 1, 0 };
	struct dsn_msg m = {
		"mail.a.test", "alice@a.test", NULL, STORE_RET_HDRS,
		1795000000, 1795000100, sizeof(original) - 1, mem_read, &src
	};
	struct dsn_rcpt r[2] = {
		{ addr, NULL, DSN_FAILED, "5.1.1", "mx.b.test",
		  "550 no", true, 0, 0 },
		{ "bob@b.test", NULL, DSN_FAILED, "5.1.1", "mx\xff\xc3.test",
		  "550 \xe2\x82", true, 0, 0 },
	};
	struct buf out = BUF_INIT;

	for (int i = 0; i < 150; i++)
		strcat(addr, "\xc3\xa9");
	CHECK_INT(dsn_build(&m, r, 2, &out), 0);
	CHECK(valid_utf8(&out));
	CHECK(has(&out, "Final-Recipient: rfc822; xy@\xc3\xa9\xc3\xa9"));
	CHECK(has(&out, "Remote-MTA: dns; mx??.test\r\n"));
	buf_free(&out);
}
