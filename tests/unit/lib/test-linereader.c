/* test-linereader.c - line limits: over-long lines reported, never buffered */
#include "test.h"
#include "lib/linereader.h"

static enum line_result
feed(struct linereader *lr, struct buf *in, const char *s, size_t max,
     struct buf *out, bool *bare)
{
	buf_append_str(in, s);
	return linereader_next(lr, in, max, out, bare);
}

TEST(linereader_crlf_and_bare_lf)
{
	struct linereader lr = { 0 };
	struct buf in = BUF_INIT, out = BUF_INIT;
	bool bare = true;

	CHECK_INT(feed(&lr, &in, "EHLO a\r\nNOOP\nQU", 100, &out, &bare), LINE_OK);
	CHECK_MEM(out.data, out.len, "EHLO a");
	CHECK(!bare);
	CHECK_INT(linereader_next(&lr, &in, 100, &out, &bare), LINE_OK);
	CHECK_MEM(out.data, out.len, "NOOP");
	CHECK(bare);
	CHECK_INT(linereader_next(&lr, &in, 100, &out, &bare), LINE_NONE);
	CHECK_INT(feed(&lr, &in, "IT\r\n", 100, &out, &bare), LINE_OK);
	CHECK_MEM(out.data, out.len, "QUIT");
	buf_free(&in);
	buf_free(&out);
}

TEST(linereader_byte_at_a_time)
{
	const char *text = "A1 LOGIN x y\r\nA2 NOOP\r\n";
	struct linereader lr = { 0 };
	struct buf in = BUF_INIT, out = BUF_INIT;
	int lines = 0;

	for (size_t i = 0; text[i]; i++) {
		buf_append_byte(&in, (unsigned char)text[i]);
		if (linereader_next(&lr, &in, 64, &out, NULL) == LINE_OK) {
			lines++;
			CHECK_MEM(out.data, out.len, lines == 1 ? "A1 LOGIN x y" : "A2 NOOP");
		}
	}
	CHECK_INT(lines, 2);
	buf_free(&in);
	buf_free(&out);
}

TEST(linereader_limit_counts_terminator)
{
	struct linereader lr = { 0 };
	struct buf in = BUF_INIT, out = BUF_INIT;

	/* 8 bytes + CRLF = 10 = max: accepted */
	CHECK_INT(feed(&lr, &in, "12345678\r\n", 10, &out, NULL), LINE_OK);
	/* 9 bytes + CRLF = 11 > 10: refused */
	CHECK_INT(feed(&lr, &in, "123456789\r\nNEXT\r\n", 10, &out, NULL), LINE_TOO_LONG);
	CHECK_INT(linereader_next(&lr, &in, 10, &out, NULL), LINE_OK);
	CHECK_MEM(out.data, out.len, "NEXT");
	buf_free(&in);
	buf_free(&out);
}

TEST(linereader_overlong_dropped_as_it_arrives)
{
	struct linereader lr = { 0 };
	struct buf in = BUF_INIT, out = BUF_INIT;
	char chunk[1000];

	memset(chunk, 'x', sizeof(chunk) - 1);
	chunk[sizeof(chunk) - 1] = '\0';
	/* a megabyte without a newline never grows the buffer past max */
	for (int i = 0; i < 1000; i++) {
		CHECK_INT(feed(&lr, &in, chunk, 512, &out, NULL), LINE_NONE);
		CHECK(in.len < 512 + sizeof(chunk));
	}
	CHECK_INT(feed(&lr, &in, "tail\r\nNOOP\r\n", 512, &out, NULL), LINE_TOO_LONG);
	CHECK_INT(linereader_next(&lr, &in, 512, &out, NULL), LINE_OK);
	CHECK_MEM(out.data, out.len, "NOOP");
	buf_free(&in);
	buf_free(&out);
}

TEST(linereader_empty_line_and_nul)
{
	struct linereader lr = { 0 };
	struct buf in = BUF_INIT, out = BUF_INIT;

	CHECK_INT(feed(&lr, &in, "\r\n", 10, &out, NULL), LINE_OK);
	CHECK_INT(out.len, 0);
	buf_append(&in, "a\0b\r\n", 5);
	CHECK_INT(linereader_next(&lr, &in, 10, &out, NULL), LINE_OK);
	CHECK_INT(out.len, 3);
	CHECK(out.data[1] == '\0');
	buf_free(&in);
	buf_free(&out);
}
