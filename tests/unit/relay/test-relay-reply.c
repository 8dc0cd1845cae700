/* test-relay-reply.c - SMTP client reply parser and EHLO keywords */
#include "test.h"
#include "relay/smtp-client-reply.h"

static enum smtp_reply_result
parse(const char *s, struct smtp_reply *r, size_t *used)
{
	return smtp_reply_parse((const unsigned char *)s, strlen(s), r, used);
}

TEST(relay_reply_single)
{
	struct smtp_reply r;
	size_t used = 0;

	smtp_reply_init(&r);
	CHECK_INT(parse("250 2.1.5 Ok\r\nNEXT", &r, &used), SMTP_REPLY_OK);
	CHECK_INT(used, 14);
	CHECK_INT(r.code, 250);
	CHECK_STR(r.enh, "2.1.5");
	CHECK_MEM(r.text.data, r.text.len, "Ok");
	CHECK_INT(smtp_reply_class(&r), 2);
	/* bare code, bare LF */
	CHECK_INT(parse("354\n", &r, &used), SMTP_REPLY_OK);
	CHECK_INT(r.code, 354);
	CHECK_INT(r.text.len, 0);
	/* no enhanced code; a class mismatch is text */
	CHECK_INT(parse("550 5.1.1\r\n", &r, &used), SMTP_REPLY_OK);
	CHECK_STR(r.enh, "5.1.1");
	CHECK_INT(parse("550 2.1.1 x\r\n", &r, &used), SMTP_REPLY_OK);
	CHECK_STR(r.enh, "");
	CHECK_MEM(r.text.data, r.text.len, "2.1.1 x");
	CHECK_INT(parse("421 4.4.2 timeout\r\n", &r, &used), SMTP_REPLY_OK);
	CHECK_INT(smtp_reply_class(&r), 4);
	smtp_reply_free(&r);
}

TEST(relay_reply_multiline)
{
	struct smtp_reply r;
	struct buf f = BUF_INIT;
	size_t used = 0;
	const char *s = "550-5.7.1 first line\r\n550-5.7.1 second\r\n"
			"550 5.7.1 third\r\n";

	smtp_reply_init(&r);
	CHECK_INT(parse(s, &r, &used), SMTP_REPLY_OK);
	CHECK_INT(used, strlen(s));
	CHECK_INT(r.nlines, 3);
	CHECK_STR(r.enh, "5.7.1");
	CHECK_MEM(r.text.data, r.text.len, "first line\nsecond\nthird");
	smtp_reply_format(&r, &f);
	CHECK_MEM(f.data, f.len, "550 5.7.1 first line second third");
	buf_free(&f);
	smtp_reply_free(&r);
}

TEST(relay_reply_incomplete_consumes_nothing)
{
	const char *s = "250-mx.b.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n";
	struct smtp_reply r;
	size_t used = 99, n = strlen(s);

	smtp_reply_init(&r);
	/* every proper prefix is MORE, one byte at a time */
	for (size_t i = 0; i < n; i++) {
		used = 99;
		CHECK_INT(smtp_reply_parse((const unsigned char *)s, i, &r,
					   &used), SMTP_REPLY_MORE);
		CHECK_INT(used, 99);
	}
	CHECK_INT(smtp_reply_parse((const unsigned char *)s, n, &r, &used),
		  SMTP_REPLY_OK);
	CHECK_INT(used, n);
	smtp_reply_free(&r);
}

TEST(relay_reply_malformed)
{
	struct smtp_reply r;
	size_t used;
	char big[SMTP_REPLY_MAX_LINE + 10];

	smtp_reply_init(&r);
	CHECK_INT(parse("25 ok\r\n", &r, &used), SMTP_REPLY_ERROR);
	CHECK_INT(parse("abc ok\r\n", &r, &used), SMTP_REPLY_ERROR);
	CHECK_INT(parse("650 ok\r\n", &r, &used), SMTP_REPLY_ERROR);
	CHECK_INT(parse("150 ok\r\n", &r, &used), SMTP_REPLY_ERROR);
	CHECK_INT(parse("250xok\r\n", &r, &used), SMTP_REPLY_ERROR);
	/* codes differ between lines */
	CHECK_INT(parse("250-a\r\n251 b\r\n", &r, &used), SMTP_REPLY_ERROR);
	/* endless line */
	memset(big, 'x', sizeof(big));
	memcpy(big, "250 ", 4);
	CHECK_INT(smtp_reply_parse((unsigned char *)big, sizeof(big), &r,
				   &used), SMTP_REPLY_ERROR);
	/* too many lines */
	{
		struct buf b = BUF_INIT;

		for (int i = 0; i < SMTP_REPLY_MAX_LINES + 1; i++)
			buf_append_str(&b, "250-x\r\n");
		buf_append_str(&b, "250 x\r\n");
		CHECK_INT(smtp_reply_parse(b.data, b.len, &r, &used),
			  SMTP_REPLY_ERROR);
		buf_free(&b);
	}
	smtp_reply_free(&r);
}

TEST(relay_reply_ehlo_keywords)
{
	struct smtp_reply r;
	struct smtp_ehlo e;
	size_t used;
	const char *s = "250-mx.b.test greets you\r\n250-PIPELINING\r\n"
			"250-SIZE 10240000\r\n250-8bitmime\r\n"
			"250-STARTTLS\r\n250-AUTH LOGIN PLAIN\r\n"
			"250-ENHANCEDSTATUSCODES\r\n250-DSN\r\n"
			"250 SMTPUTF8\r\n";

	smtp_reply_init(&r);
	CHECK_INT(parse(s, &r, &used), SMTP_REPLY_OK);
	smtp_ehlo_parse(&r, &e);
	CHECK(e.ext & SMTP_EXT_PIPELINING);
	CHECK(e.ext & SMTP_EXT_8BITMIME);
	CHECK(e.ext & SMTP_EXT_STARTTLS);
	CHECK(e.ext & SMTP_EXT_DSN);
	CHECK(e.ext & SMTP_EXT_SMTPUTF8);
	CHECK(e.ext & SMTP_EXT_ENHANCED);
	CHECK(!(e.ext & SMTP_EXT_CHUNKING));
	CHECK_INT(e.size, 10240000);
	CHECK(e.auth_plain && e.auth_login);

	/* greeting name looks like a keyword: not taken */
	CHECK_INT(parse("250-PIPELINING\r\n250 SIZE\r\n", &r, &used),
		  SMTP_REPLY_OK);
	smtp_ehlo_parse(&r, &e);
	CHECK(!(e.ext & SMTP_EXT_PIPELINING));
	CHECK(e.ext & SMTP_EXT_SIZE);
	CHECK_INT(e.size, 0);
	/* AUTH=PLAIN old form; a single-line EHLO has no keywords */
	CHECK_INT(parse("250-x\r\n250 AUTH=PLAIN\r\n", &r, &used),
		  SMTP_REPLY_OK);
	smtp_ehlo_parse(&r, &e);
	CHECK(e.auth_plain && !e.auth_login);
	CHECK_INT(parse("250 x\r\n", &r, &used), SMTP_REPLY_OK);
	smtp_ehlo_parse(&r, &e);
	CHECK_INT(e.ext, 0);
	smtp_reply_free(&r);
}
