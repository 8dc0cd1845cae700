/* test-imap-parser.c - the IMAP command parser, fed one byte at a time */
#include "test.h"

#include <stdlib.h>

#include "imap/imap-parser.h"
#include "lib/buf.h"

static const struct imap_parser_limits lim = {
	.max_line = 1024, .max_literal = 100, .max_args = 50, .max_depth = 4,
};

/* Feed s one byte at a time (or all at once), accepting literals unless
 * refuse_literals. Returns the final result (DONE or ERROR seen first);
 * *errors counts ERROR results, *literals LITERAL results. */
static enum imap_parse_result
feed(struct imap_parser *p, const char *s, size_t len, bool bytewise,
     int *errors, int *literals, bool refuse_literals)
{
	struct buf in = BUF_INIT;
	size_t i = 0, used;
	enum imap_parse_result r = IMAP_PARSE_NEED_MORE;

	*errors = *literals = 0;
	while (r != IMAP_PARSE_DONE) {
		if (i < len) {
			size_t n = bytewise ? 1 : len - i;

			buf_append(&in, s + i, n);
			i += n;
		} else if (r == IMAP_PARSE_NEED_MORE) {
			break;
		}
		r = imap_parser_feed(p, in.data, in.len, &used);
		CHECK(used <= in.len);
		buf_consume(&in, used);
		if (r == IMAP_PARSE_ERROR) {
			(*errors)++;
			r = IMAP_PARSE_NEED_MORE;
			/* the rest is skipped: try again at once */
			r = imap_parser_feed(p, in.data, in.len, &used);
			buf_consume(&in, used);
		}
		while (r == IMAP_PARSE_LITERAL) {
			(*literals)++;
			if (refuse_literals)
				imap_parser_fail(p, "TOOBIG", "no");
			else if (!imap_parser_literal_accept(p))
				(*errors)++;
			r = imap_parser_feed(p, in.data, in.len, &used);
			buf_consume(&in, used);
		}
		if (r == IMAP_PARSE_ERROR) {
			(*errors)++;
			r = imap_parser_feed(p, in.data, in.len, &used);
			buf_consume(&in, used);
		}
	}
	CHECK_INT(in.len, 0);
	buf_free(&in);
	return r;
}

static struct imap_parser *
parse_ok(const char *s, bool bytewise)
{
	struct imap_parser *p = imap_parser_create(&lim);
	int errors, literals;

	CHECK_INT(feed(p, s, strlen(s), bytewise, &errors, &literals, false),
		  IMAP_PARSE_DONE);
	CHECK_INT(errors, 0);
	CHECK(!imap_parser_failed(p));
	return p;
}

TEST(imap_parser_simple)
{
	for (int bw = 0; bw < 2; bw++) {
		struct imap_parser *p = parse_ok("a001 LOGIN smith sesame\r\n",
						 bw);
		const struct imap_arg *a = imap_parser_args(p);

		CHECK_STR(imap_parser_tag(p), "a001");
		CHECK_STR(imap_parser_name(p), "LOGIN");
		CHECK_INT(imap_args_count(a), 2);
		CHECK_INT(a[0].type, IMAP_ARG_ATOM);
		CHECK_STR(a[0].u.str, "smith");
		CHECK_STR(a[1].u.str, "sesame");
		CHECK_INT(a[2].type, IMAP_ARG_EOL);
		imap_parser_destroy(&p);
		CHECK(p == NULL);
	}
}

TEST(imap_parser_no_args)
{
	struct imap_parser *p = parse_ok("a NOOP\r\n", true);

	CHECK_STR(imap_parser_name(p), "NOOP");
	CHECK_INT(imap_parser_args(p)[0].type, IMAP_ARG_EOL);
	imap_parser_reset(p);
	/* bare LF accepted, empty lines ignored */
	int e, l;

	CHECK_INT(feed(p, "\r\n\nb CAPABILITY\n", 16, true, &e, &l, false),
		  IMAP_PARSE_DONE);
	CHECK_STR(imap_parser_tag(p), "b");
	CHECK_STR(imap_parser_name(p), "CAPABILITY");
	imap_parser_destroy(&p);
}

TEST(imap_parser_quoted)
{
	struct imap_parser *p = parse_ok(
		"a LOGIN \"fred \\\"x\\\\\" \"\"\r\n", true);
	const struct imap_arg *a = imap_parser_args(p);

	CHECK_INT(a[0].type, IMAP_ARG_QUOTED);
	CHECK_STR(a[0].u.str, "fred \"x\\");
	CHECK_INT(a[0].len, 8);
	CHECK_INT(a[1].type, IMAP_ARG_QUOTED);
	CHECK_INT(a[1].len, 0);
	imap_parser_destroy(&p);
}

TEST(imap_parser_lists)
{
	struct imap_parser *p = parse_ok(
		"A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)]<0.100> "
		"(a (b) ()) NIL)\r\n", true);
	const struct imap_arg *a = imap_parser_args(p), *l, *l2;

	CHECK_INT(imap_args_count(a), 2);
	CHECK_STR(a[0].u.str, "2:4");
	CHECK_INT(a[1].type, IMAP_ARG_LIST);
	l = a[1].u.list;
	CHECK_INT(a[1].len, 4);
	CHECK_STR(l[0].u.str, "FLAGS");
	CHECK_STR(l[1].u.str, "BODY[HEADER.FIELDS (DATE FROM)]<0.100>");
	CHECK_INT(l[2].type, IMAP_ARG_LIST);
	CHECK_INT(l[3].type, IMAP_ARG_NIL);
	CHECK_INT(l[4].type, IMAP_ARG_EOL);
	l2 = l[2].u.list;
	CHECK_INT(l[2].len, 3);
	CHECK_STR(l2[0].u.str, "a");
	CHECK_INT(l2[1].type, IMAP_ARG_LIST);
	CHECK_STR(l2[1].u.list[0].u.str, "b");
	CHECK_INT(l2[2].type, IMAP_ARG_LIST);
	CHECK_INT(l2[2].len, 0);
	CHECK_INT(l2[2].u.list[0].type, IMAP_ARG_EOL);
	imap_parser_destroy(&p);
}

TEST(imap_parser_literals)
{
	for (int bw = 0; bw < 2; bw++) {
		struct imap_parser *p = imap_parser_create(&lim);
		int e, l;
		const char *s = "A003 APPEND saved-messages (\\Seen) {5}\r\n"
			"ab\0cd\r\n";

		CHECK_INT(feed(p, s, 47, bw, &e, &l, false), IMAP_PARSE_DONE);
		/* NUL in a plain literal is an error */
		CHECK_INT(e, 1);
		CHECK(imap_parser_failed(p));
		imap_parser_reset(p);
		s = "A003 APPEND box {5}\r\nabcde ~{3}\r\nx\0y {2+}\r\nhi\r\n";
		CHECK_INT(feed(p, s, strlen("A003 APPEND box {5}\r\nabcde ~{3}"
					    "\r\n") + 3 + 11, bw, &e, &l,
			       false), IMAP_PARSE_DONE);
		CHECK_INT(e, 0);
		CHECK_INT(l, 3);
		const struct imap_arg *a = imap_parser_args(p);

		CHECK_INT(imap_args_count(a), 4);
		CHECK_INT(a[1].type, IMAP_ARG_LITERAL);
		CHECK_MEM(a[1].u.str, a[1].len, "abcde");
		CHECK(a[2].literal8);
		CHECK_INT(a[2].len, 3);
		CHECK(memcmp(a[2].u.str, "x\0y", 3) == 0);
		CHECK_MEM(a[3].u.str, a[3].len, "hi");
		imap_parser_destroy(&p);
	}
}

TEST(imap_parser_literal_decision)
{
	struct imap_parser *p = imap_parser_create(&lim);
	const char *s = "t1 APPEND INBOX (\\Seen) {10}\r\n";
	size_t used;

	/* fed in pieces, the literal header is reported once complete */
	for (size_t i = 0; i < strlen(s); i++) {
		enum imap_parse_result r = imap_parser_feed(
			p, (const unsigned char *)s, i, &used);

		CHECK_INT(r, IMAP_PARSE_NEED_MORE);
		imap_parser_reset(p);
	}
	CHECK_INT(imap_parser_feed(p, (const unsigned char *)s, strlen(s),
				   &used), IMAP_PARSE_LITERAL);
	CHECK_INT(used, strlen(s));
	CHECK_INT(imap_parser_literal_size(p), 10);
	CHECK(imap_parser_literal_sync(p));
	CHECK_INT(imap_parser_literal_depth(p), 0);
	CHECK_INT(imap_parser_arg_count(p), 2);
	const struct imap_arg *pa = imap_parser_partial_args(p);

	CHECK_STR(pa[0].u.str, "INBOX");
	CHECK_INT(pa[1].type, IMAP_ARG_LIST);
	/* undecided: nothing more is consumed */
	CHECK_INT(imap_parser_feed(p, (const unsigned char *)"0123456789\r\n",
				   12, &used), IMAP_PARSE_LITERAL);
	CHECK_INT(used, 0);
	imap_parser_literal_extern(p);
	/* the caller read the 10 bytes; the command ends */
	CHECK_INT(imap_parser_feed(p, (const unsigned char *)"\r\n", 2, &used),
		  IMAP_PARSE_DONE);
	CHECK_INT(imap_args_count(imap_parser_args(p)), 3);
	CHECK_INT(imap_parser_args(p)[2].type, IMAP_ARG_EXTERN);
	CHECK_INT(imap_parser_args(p)[2].len, 10);
	imap_parser_destroy(&p);
}

TEST(imap_parser_literal_refused)
{
	struct imap_parser *p = imap_parser_create(&lim);
	int e, l;

	/* a refused sync literal: the client never sends it, the command
	 * ends with its header line; the next command parses */
	CHECK_INT(feed(p, "a APPEND x {99999}\r\n", 20, true, &e, &l, true),
		  IMAP_PARSE_DONE);
	CHECK(imap_parser_failed(p));
	CHECK_STR(imap_parser_error_code(p), "TOOBIG");
	imap_parser_reset(p);
	/* a refused non-sync literal is skipped, and so is the rest */
	const char *s = "a APPEND x {5+}\r\nab\r\nc {3+}\r\nxyz rest\r\n";

	CHECK_INT(feed(p, s, strlen(s), true, &e, &l, true), IMAP_PARSE_DONE);
	CHECK(imap_parser_failed(p));
	imap_parser_reset(p);
	CHECK_INT(feed(p, "b NOOP\r\n", 8, true, &e, &l, true),
		  IMAP_PARSE_DONE);
	CHECK(!imap_parser_failed(p));
	CHECK_STR(imap_parser_tag(p), "b");
	/* too big for max_literal when accepted */
	imap_parser_reset(p);
	CHECK_INT(feed(p, "a LOGIN {101}\r\n", 15, true, &e, &l, false),
		  IMAP_PARSE_DONE);
	CHECK(imap_parser_failed(p));
	imap_parser_destroy(&p);
}

static void
expect_error(const char *s, const char *why)
{
	for (int bw = 0; bw < 2; bw++) {
		struct imap_parser *p = imap_parser_create(&lim);
		int e, l;
		struct buf b = BUF_INIT;

		buf_append_str(&b, s);
		buf_append_str(&b, "z NOOP\r\n");
		CHECK_INT(feed(p, (const char *)b.data, strlen(s), bw, &e, &l,
			       false), IMAP_PARSE_DONE);
		if (e != 1 || !imap_parser_failed(p))
			test_fail(__FILE__, __LINE__, "no error for %s (%s)",
				  why, s);
		/* and the parser recovers on the next line */
		imap_parser_reset(p);
		CHECK_INT(feed(p, "z NOOP\r\n", 8, bw, &e, &l, false),
			  IMAP_PARSE_DONE);
		CHECK_STR(imap_parser_tag(p), "z");
		buf_free(&b);
		imap_parser_destroy(&p);
	}
}

TEST(imap_parser_errors)
{
	expect_error("a+b NOOP\r\n", "bad tag");
	expect_error("* NOOP\r\n", "bad tag");
	expect_error("NOOP\r\n", "no name");
	expect_error("a FETCH 1 (FLAGS\r\n", "unclosed list");
	expect_error("a FETCH 1 FLAGS)\r\n", "stray paren");
	expect_error("a LOGIN \"abc\r\n", "unterminated quoted");
	expect_error("a LOGIN \"a\\bc\"\r\n", "bad escape");
	expect_error("a LOGIN \"a\"\"b\"\r\n", "missing space");
	expect_error("a LOGIN {x}\r\n", "bad literal");
	expect_error("a LOGIN {99999999999999999999999}\r\n", "huge literal");
	expect_error("a X ((((((x))))))\r\n", "too deep");
	expect_error("a X a\rb\r\n", "stray CR");
	expect_error("a FETCH 1 BODY[HEADER\r\n", "missing ]");
	expect_error("a X \x01\r\n", "control char");
}

TEST(imap_parser_limits)
{
	struct imap_parser *p = imap_parser_create(&lim);
	struct buf b = BUF_INIT;
	int e, l;

	buf_append_str(&b, "a X");
	for (int i = 0; i < 60; i++)
		buf_append_str(&b, " x");
	buf_append_str(&b, "\r\n");
	CHECK_INT(feed(p, (const char *)b.data, b.len, true, &e, &l, false),
		  IMAP_PARSE_DONE);
	CHECK_INT(e, 1);
	CHECK_STR(imap_parser_error(p), "Too many arguments");
	imap_parser_reset(p);
	buf_reset(&b);
	buf_append_str(&b, "a X ");
	for (int i = 0; i < 2000; i++)
		buf_append_byte(&b, 'y');
	buf_append_str(&b, "\r\n");
	CHECK_INT(feed(p, (const char *)b.data, b.len, true, &e, &l, false),
		  IMAP_PARSE_DONE);
	CHECK_INT(e, 1);
	CHECK_STR(imap_parser_error(p), "Command line too long");
	buf_free(&b);
	imap_parser_destroy(&p);
}

TEST(imap_parser_literal_in_open_list)
{
	/* RFC 6855 APPEND box UTF8 (~{n}: the literal sits in an open list */
	struct imap_parser *p = imap_parser_create(&lim);
	const char *s = "t APPEND box UTF8 (~{4}\r\n";
	size_t used;
	const struct imap_arg *a;

	for (size_t i = 0; i < strlen(s); i++) {
		CHECK_INT(imap_parser_feed(p, (const unsigned char *)s, i,
					   &used), IMAP_PARSE_NEED_MORE);
		imap_parser_reset(p);
	}
	CHECK_INT(imap_parser_feed(p, (const unsigned char *)s, strlen(s),
				   &used), IMAP_PARSE_LITERAL);
	CHECK(imap_parser_literal_binary(p));
	CHECK_INT(imap_parser_literal_depth(p), 1);
	CHECK_INT(imap_parser_arg_count(p), 3);
	a = imap_parser_partial_args(p);
	CHECK_STR(a[1].u.str, "UTF8");
	CHECK_INT(a[2].type, IMAP_ARG_LIST);
	CHECK_INT(a[2].len, 0);
	imap_parser_literal_extern(p);
	CHECK_INT(imap_parser_feed(p, (const unsigned char *)")\r\n", 3, &used),
		  IMAP_PARSE_DONE);
	a = imap_parser_args(p);
	CHECK_INT(a[2].len, 1);
	CHECK_INT(a[2].u.list[0].type, IMAP_ARG_EXTERN);
	CHECK_INT(a[2].u.list[0].len, 4);
	imap_parser_destroy(&p);
}

TEST(imap_parser_tilde_atom)
{
	/* "~" is an ATOM-CHAR: only "~{" opens a literal8 (RFC 3516) */
	for (int bw = 0; bw < 2; bw++) {
		struct imap_parser *p = parse_ok("a LOGIN ~smith ~\r\n", bw);
		const struct imap_arg *a = imap_parser_args(p);

		CHECK_INT(imap_args_count(a), 2);
		CHECK_INT(a[0].type, IMAP_ARG_ATOM);
		CHECK_STR(a[0].u.str, "~smith");
		CHECK_INT(a[1].type, IMAP_ARG_ATOM);
		CHECK_STR(a[1].u.str, "~");
		imap_parser_destroy(&p);
	}
}
