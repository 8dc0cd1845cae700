/* test-smtp-data.c - DATA/BDAT receivers: unstuffing, end of data,
 * smuggling variants, limits; every input also fed one byte at a time */
#include "test.h"
#include "smtp/smtp-data.h"

#include <string.h>

struct result {
	bool done;
	size_t used;
	unsigned errors;
	uint64_t size;
	struct buf out;
};

/* feed in pieces of step bytes (0: all at once) */
static void
feed(const char *in, size_t len, size_t step, uint64_t max_size,
     size_t max_line, struct result *r)
{
	struct smtp_data d;
	size_t pos = 0;

	memset(r, 0, sizeof(*r));
	smtp_data_init(&d, max_size, max_line);
	while (pos < len) {
		size_t n = step ? step : len, used;

		if (n > len - pos)
			n = len - pos;
		r->done = smtp_data_feed(&d, (const unsigned char *)in + pos, n,
					 &r->out, &used);
		pos += used;
		if (r->done)
			break;
		if (used != n)
			test_fail(__FILE__, __LINE__, "consumed %zu of %zu", used, n);
	}
	r->used = pos;
	r->errors = d.errors;
	r->size = d.size;
}

static void
check_data(const char *in, const char *want_out, size_t want_used,
	   unsigned want_errors, bool want_done)
{
	size_t steps[] = { 0, 1, 2, 3, 7 };

	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct result r;

		feed(in, strlen(in), steps[s], 0, 0, &r);
		if (r.done != want_done || r.used != want_used ||
		    r.errors != want_errors ||
		    (want_out && (r.out.len != strlen(want_out) ||
				  (r.out.len &&
				   memcmp(r.out.data, want_out, r.out.len)))))
			test_fail(__FILE__, __LINE__,
				  "input \"%s\" step %zu: done=%d used=%zu errors=%u out=\"%.*s\"",
				  in, steps[s], r.done, r.used, r.errors,
				  (int)r.out.len, (const char *)r.out.data);
		buf_free(&r.out);
	}
}

TEST(smtp_data_simple)
{
	check_data("Subject: x\r\n\r\nhello\r\n.\r\n",
		   "Subject: x\r\n\r\nhello\r\n", 24, 0, true);
	check_data(".\r\n", "", 3, 0, true);
	check_data("a\r\n.\r\nMAIL FROM:<x>\r\n", "a\r\n", 6, 0, true);
	check_data("a\r\n", "a\r\n", 3, 0, false);
}

TEST(smtp_data_unstuffing)
{
	check_data("..\r\n.\r\n", ".\r\n", 7, 0, true);
	check_data("..x\r\n...\r\n.\r\n", ".x\r\n..\r\n", 13, 0, true);
	check_data("a.\r\n.b\r\n.\r\n", "a.\r\nb\r\n", 11, 0, true);
	/* ". " is not the end */
	check_data(". \r\n.\r\n", " \r\n", 7, 0, true);
}

TEST(smtp_data_smuggling)
{
	/* none of these ends the message; the real end comes later */
	check_data("a\n.\nMAIL FROM:<evil>\r\n.\r\n", NULL, 25,
		   SMTP_DATA_BARE_LF, true);
	check_data("a\r.\rMAIL FROM:<evil>\r\n.\r\n", NULL, 25,
		   SMTP_DATA_BARE_CR, true);
	check_data("a\n.\r\nMAIL FROM:<evil>\r\n.\r\n", NULL, 26,
		   SMTP_DATA_BARE_LF, true);
	check_data("a\r\n.\nMAIL FROM:<evil>\r\n.\r\n", NULL, 26,
		   SMTP_DATA_BARE_LF, true);
	check_data("a\r\n.\rMAIL\r\n.\r\n", NULL, 14, SMTP_DATA_BARE_CR, true);
	check_data("a\r\r\n.\r\n", NULL, 7, SMTP_DATA_BARE_CR, true);
	check_data("bare\rcr\r\n.\r\n", NULL, 12, SMTP_DATA_BARE_CR, true);
	check_data("bare\nlf\r\n.\r\n", NULL, 12, SMTP_DATA_BARE_LF, true);
	check_data("\n.\r\n.\r\n", NULL, 7, SMTP_DATA_BARE_LF, true);
	check_data(".\r.\r\n.\r\n", NULL, 8, SMTP_DATA_BARE_CR, true);
	check_data(".\r\r\n.\r\n", NULL, 7, SMTP_DATA_BARE_CR, true);
	/* incomplete: still waiting */
	check_data("a\n.\n", NULL, 4, SMTP_DATA_BARE_LF, false);
	check_data("a\r.\r", NULL, 4, SMTP_DATA_BARE_CR, false);
}

TEST(smtp_data_size_limit)
{
	struct result r;
	const char *msg = "0123456789\r\n.\r\n";

	feed(msg, strlen(msg), 1, 12, 0, &r);
	CHECK(r.done);
	CHECK_INT(r.errors, 0);
	CHECK_INT(r.size, 12);
	buf_free(&r.out);
	feed(msg, strlen(msg), 1, 11, 0, &r);
	CHECK(r.done);
	CHECK_INT(r.errors, SMTP_DATA_TOO_BIG);
	CHECK_INT(r.size, 12);
	CHECK_INT(r.used, strlen(msg));
	/* nothing past the limit is kept */
	CHECK(r.out.len <= 11);
	buf_free(&r.out);
}

TEST(smtp_data_line_limit)
{
	struct result r;

	feed("12345678\r\n.\r\n", 13, 1, 0, 10, &r);
	CHECK(r.done);
	CHECK_INT(r.errors, 0);
	buf_free(&r.out);
	feed("123456789\r\n.\r\n", 14, 1, 0, 10, &r);
	CHECK(r.done);
	CHECK_INT(r.errors, SMTP_DATA_LINE_TOO_LONG);
	buf_free(&r.out);
}

TEST(smtp_data_status_codes)
{
	struct smtp_data d;

	smtp_data_init(&d, 0, 0);
	CHECK(smtp_data_status(&d) == NULL);
	d.errors = SMTP_DATA_BARE_LF;
	CHECK_INT(smtp_data_status(&d)->code, 554);
	CHECK_STR(smtp_data_status(&d)->enh, "5.6.11");
	d.errors |= SMTP_DATA_TOO_BIG;
	CHECK_INT(smtp_data_status(&d)->code, 552);
	CHECK_STR(smtp_data_status(&d)->enh, "5.3.4");
}

static unsigned
bdat_run(const char *const *chunks, size_t n, size_t step, uint64_t max,
	 size_t max_line, struct buf *out)
{
	struct smtp_data d;

	smtp_data_init(&d, max, max_line);
	for (size_t k = 0; k < n; k++) {
		size_t len = strlen(chunks[k]), pos = 0, used;
		bool done = len == 0;

		smtp_bdat_chunk(&d, len);
		while (pos < len) {
			size_t m = step ? step : len - pos;

			if (m > len - pos)
				m = len - pos;
			/* give more than the chunk: the reader stops at its end */
			done = smtp_bdat_feed(&d, (const unsigned char *)chunks[k] + pos,
					      m, out, &used);
			pos += used;
		}
		CHECK(done);
	}
	smtp_bdat_finish(&d);
	return d.errors;
}

TEST(smtp_bdat_chunks)
{
	const char *ok[] = { "Subject: a\r", "\n\r\nbody\r\n", ".\r\n" };
	const char *bare_lf[] = { "a\n", "b\r\n" };
	const char *bare_cr[] = { "a\r", "b\r\n" };
	const char *end_cr[] = { "a\r\n", "b\r" };
	struct buf out = BUF_INIT;

	for (size_t step = 0; step < 4; step++) {
		buf_reset(&out);
		CHECK_INT(bdat_run(ok, 3, step, 0, 0, &out), 0);
		CHECK_MEM(out.data, out.len, "Subject: a\r\n\r\nbody\r\n.\r\n");
		CHECK_INT(bdat_run(bare_lf, 2, step, 0, 0, &out), SMTP_DATA_BARE_LF);
		CHECK_INT(bdat_run(bare_cr, 2, step, 0, 0, &out), SMTP_DATA_BARE_CR);
		CHECK_INT(bdat_run(end_cr, 2, step, 0, 0, &out), SMTP_DATA_BARE_CR);
		CHECK_INT(bdat_run(ok, 3, step, 10, 0, &out), SMTP_DATA_TOO_BIG);
		CHECK_INT(bdat_run(ok, 3, step, 0, 12, &out), 0);
		CHECK_INT(bdat_run(ok, 3, step, 0, 11, &out), SMTP_DATA_LINE_TOO_LONG);
	}
	buf_free(&out);
}

TEST(smtp_bdat_stops_at_chunk_end)
{
	struct smtp_data d;
	struct buf out = BUF_INIT;
	size_t used;

	smtp_data_init(&d, 0, 0);
	smtp_bdat_chunk(&d, 3);
	CHECK(smtp_bdat_feed(&d, (const unsigned char *)"ab\r\nQUIT\r\n", 10,
			     &out, &used));
	CHECK_INT(used, 3);
	CHECK_MEM(out.data, out.len, "ab\r");
	buf_free(&out);
}
