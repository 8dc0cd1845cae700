/* test-mime-parser.c - BODYSTRUCTURE per RFC 3501, section lookup in the
 * part map, limits (depth, parts, header bytes), big messages, SEARCH text */
#include "test.h"
#include "mime-testlib.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

static void
parse_str(const char *msg, struct mime_summary *s)
{
	mime_summary_init(s);
	mime_summarize((const unsigned char *)msg, strlen(msg), NULL, s);
}

/* add n lines making exactly size bytes, each with its CRLF (the CRLF
 * before a following boundary is the boundary's, not one of these) */
static void
lines_of(struct buf *b, unsigned n, size_t size)
{
	size_t line = (size - 2 * n) / n;
	size_t last = size - (n - 1) * (line + 2) - 2;

	for (unsigned i = 0; i + 1 < n; i++) {
		for (size_t k = 0; k < line; k++)
			buf_append_byte(b, 'A' + (i % 26));
		buf_append(b, "\r\n", 2);
	}
	for (size_t k = 0; k < last; k++)
		buf_append_byte(b, 'z');
	buf_append(b, "\r\n", 2);
}

TEST(mime_parser_rfc3501_bodystructure_example)
{
	/* the FETCH BODYSTRUCTURE example of RFC 3501 section 7.4.2 */
	struct buf m = BUF_INIT;
	struct mime_summary s;

	buf_append_str(&m, "From: a@example.org\r\nMIME-Version: 1.0\r\n"
		       "Content-Type: MULTIPART/MIXED; BOUNDARY=\"xyz\"\r\n\r\n"
		       "--xyz\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n");
	lines_of(&m, 23, 1152);
	buf_append_str(&m, "\r\n--xyz\r\n"
		       "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff\r\n"
		       "Content-ID: <960723163407.20117h@cac.washington.edu>\r\n"
		       "Content-Description: Compiler diff\r\n"
		       "Content-Transfer-Encoding: BASE64\r\n\r\n");
	lines_of(&m, 73, 4554);
	buf_append_str(&m, "\r\n--xyz--\r\n");
	mime_summary_init(&s);
	mime_summarize(m.data, m.len, NULL, &s);
	CHECK_STR(buf_cstr(&s.body),
		  "((\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit\" 1152 23)"
		  "(\"text\" \"plain\" (\"charset\" \"US-ASCII\" \"name\" \"cc.diff\") "
		  "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" "
		  "\"base64\" 4554 73) \"mixed\")");
	CHECK_STR(buf_cstr(&s.bodystructure),
		  "((\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit\" 1152 23 NIL NIL NIL NIL)"
		  "(\"text\" \"plain\" (\"charset\" \"US-ASCII\" \"name\" \"cc.diff\") "
		  "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" "
		  "\"base64\" 4554 73 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"xyz\") NIL NIL NIL)");
	mime_summary_free(&s);
	buf_free(&m);
}

static bool
find(const struct mime_summary *s, struct mime_part_loc *loc, size_t depth,
     ...)
{
	uint32_t path[16];
	va_list ap;

	va_start(ap, depth);
	for (size_t i = 0; i < depth; i++)
		path[i] = va_arg(ap, uint32_t);
	va_end(ap);
	return mime_part_find(s->partmap.data, s->partmap.len, path, depth, loc);
}

#define CHECK_RAW(m, a, b, want) CHECK_MEM((m).data + (a), (size_t)((b) - (a)), want)

TEST(mime_parser_sections_nested)
{
	struct buf m = BUF_INIT;
	struct mime_summary s;
	struct mime_part_loc l;

	if (!mime_test_load("tests/data/mime/nested.eml", &m)) {
		CHECK(!"tests/data/mime/nested.eml");
		return;
	}
	mime_summary_init(&s);
	mime_summarize(m.data, m.len, NULL, &s);

	CHECK(find(&s, &l, 0));
	CHECK_INT(l.header_start, 0);
	CHECK_INT(l.body_start, s.header_len);
	CHECK_INT(l.body_end, m.len);
	CHECK(l.is_multipart && l.nchildren == 3);

	CHECK(find(&s, &l, 1, 1));
	CHECK(l.is_multipart && slice_eq_cstr(l.subtype, "alternative"));
	CHECK(find(&s, &l, 2, 1, 1));
	CHECK(slice_eq_cstr(l.type, "text") && slice_eq_cstr(l.charset, "utf-8"));
	CHECK_INT(l.cte, MIME_CTE_QP);
	CHECK_RAW(m, l.body_start, l.body_end,
		  "Gr=C3=BC=C3=9Fe aus M=C3=BCnchen");
	CHECK_RAW(m, l.header_start, l.body_start,
		  "Content-Type: text/plain; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	CHECK(find(&s, &l, 2, 1, 2));
	CHECK_RAW(m, l.body_start, l.body_end, "<p>Hello</p>");
	CHECK(!find(&s, &l, 2, 1, 3));
	CHECK(!find(&s, &l, 3, 1, 1, 1));

	CHECK(find(&s, &l, 1, 2));
	CHECK(slice_eq_cstr(l.type, "application") &&
	      slice_eq_cstr(l.subtype, "pdf"));
	CHECK_INT(l.cte, MIME_CTE_BASE64);
	CHECK_RAW(m, l.body_start, l.body_end, "JVBERi0xLjQK");
	/* BINARY.SIZE */
	CHECK_INT(mime_decoded_size(l.cte, m.data + l.body_start,
				    l.body_end - l.body_start), 9);
	CHECK(!find(&s, &l, 2, 2, 1));

	/* 3 is message/rfc822: 3.HEADER, 3.TEXT, 3.1, 3.2 */
	CHECK(find(&s, &l, 1, 3));
	CHECK(l.is_message && !l.is_multipart);
	CHECK_RAW(m, l.body_start, l.msg_body_start,
		  "From: Carol <carol@example.net>\r\nTo: Dave <dave@example.net>\r\n"
		  "Subject: inner message\r\nDate: Sun, 1 Jan 2006 10:00:00 -0500\r\n"
		  "Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n");
	CHECK(l.body_end - l.msg_body_start > 4 &&
	      memcmp(m.data + l.msg_body_start, "--x\r\n", 5) == 0);
	CHECK(memcmp(m.data + l.body_end - 5, "--x--", 5) == 0);
	CHECK(find(&s, &l, 2, 3, 1));
	CHECK_RAW(m, l.body_start, l.body_end, "inner text\r\ntwo lines");
	CHECK_INT(l.lines, 1);  /* the last CRLF is the boundary's */
	CHECK(find(&s, &l, 2, 3, 2));
	CHECK(slice_eq_cstr(l.subtype, "png"));
	CHECK(!find(&s, &l, 2, 3, 3));
	CHECK(!find(&s, &l, 1, 4));
	CHECK(!find(&s, &l, 1, 0));

	/* a broken map is refused, not read */
	CHECK(!mime_part_find(s.partmap.data, 3, NULL, 0, &l));
	CHECK(!mime_part_find(s.partmap.data, s.partmap.len / 2,
			      (uint32_t[]){ 3, 2 }, 2, &l));
	mime_summary_free(&s);
	buf_free(&m);
}

TEST(mime_parser_sections_single_part)
{
	struct mime_summary s;
	struct mime_part_loc l;
	const char *msg = "Subject: x\r\n\r\nbody\r\n";

	parse_str(msg, &s);
	CHECK(find(&s, &l, 1, 1));
	CHECK_INT(l.body_start, 14);
	CHECK_INT(l.body_end, strlen(msg));
	CHECK(!find(&s, &l, 2, 1, 1));
	CHECK(!find(&s, &l, 1, 2));
	mime_summary_free(&s);

	/* message/rfc822 inside: 2.1 is the body of the attached message */
	parse_str("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n"
		  "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\n"
		  "inner body\r\n--b--\r\n", &s);
	CHECK(find(&s, &l, 2, 2, 1));
	CHECK(slice_eq_cstr(l.type, "text"));
	CHECK_INT(l.body_end - l.body_start, 10);
	CHECK(!find(&s, &l, 3, 2, 1, 1));
	mime_summary_free(&s);
}

TEST(mime_parser_deep_nesting_cut)
{
	struct buf m = BUF_INIT;
	struct mime_summary s, c;
	size_t open = 0;

	for (int i = 0; i < 150; i++)
		buf_printf(&m, "Content-Type: multipart/mixed; boundary=\"=_%03d_=\"\r\n\r\n"
			   "--=_%03d_=\r\n", i, i);
	buf_append_str(&m, "Content-Type: text/plain\r\n\r\ndeep\r\n");
	for (int i = 149; i >= 0; i--)
		buf_printf(&m, "--=_%03d_=--\r\n", i);
	mime_summary_init(&s);
	mime_summarize(m.data, m.len, NULL, &s);
	CHECK(s.truncated);
	CHECK_INT(s.nparts, 101);      /* depths 0..100, the last one cut */
	/* the output is still well formed: parentheses balance */
	for (size_t i = 0; i < s.bodystructure.len; i++) {
		if (s.bodystructure.data[i] == '(')
			open++;
		else if (s.bodystructure.data[i] == ')')
			open--;
	}
	CHECK_INT(open, 0);
	CHECK(strstr(buf_cstr(&s.bodystructure), "\"application\" \"octet-stream\"") != NULL);
	mime_summary_init(&c);
	mime_test_parse(m.data, m.len, 1, NULL, &c);
	CHECK(mime_test_same(&s, &c));
	mime_summary_free(&c);
	mime_summary_free(&s);

	/* message/rfc822 inside message/rfc822, 300 deep, with a small limit */
	buf_reset(&m);
	for (int i = 0; i < 300; i++)
		buf_append_str(&m, "Content-Type: message/rfc822\r\n\r\n");
	buf_append_str(&m, "Subject: bottom\r\n\r\nx\r\n");
	{
		struct mime_limits lim;

		mime_limits_default(&lim);
		lim.max_depth = 10;
		mime_summary_init(&s);
		mime_summarize(m.data, m.len, &lim, &s);
		CHECK(s.truncated);
		CHECK_INT(s.nparts, 11);
		mime_summary_free(&s);
	}
	buf_free(&m);
}

TEST(mime_parser_max_parts)
{
	struct buf m = BUF_INIT;
	struct mime_summary s, c;
	struct mime_part_loc l;
	struct mime_limits lim;

	buf_append_str(&m, "Content-Type: multipart/mixed; boundary=p\r\n\r\n");
	for (int i = 0; i < 20000; i++)
		buf_printf(&m, "--p\r\n\r\npart %d\r\n", i);
	buf_append_str(&m, "--p--\r\n");
	mime_summary_init(&s);
	mime_summarize(m.data, m.len, NULL, &s);
	CHECK(s.truncated);
	CHECK_INT(s.nparts, 10000);
	CHECK(find(&s, &l, 1, 9999));
	CHECK(!find(&s, &l, 1, 10000));
	/* the last part keeps the rest of the message */
	CHECK(l.body_end > m.len - 100);
	mime_summary_free(&s);

	mime_limits_default(&lim);
	lim.max_parts = 3;
	mime_summary_init(&s);
	mime_summarize(m.data, m.len, &lim, &s);
	CHECK_INT(s.nparts, 3);
	mime_summary_init(&c);
	mime_test_parse(m.data, m.len, 7, &lim, &c);
	CHECK(mime_test_same(&s, &c));
	mime_summary_free(&c);
	mime_summary_free(&s);
	buf_free(&m);
}

TEST(mime_parser_absurd_headers)
{
	struct buf m = BUF_INIT;
	struct mime_summary s;
	struct mime_limits lim;

	/* a 2 MB unknown header, a 1 MB subject, then the Content-Type */
	buf_append_str(&m, "X-Junk: ");
	for (int i = 0; i < 2 * 1024 * 1024; i++)
		buf_append_byte(&m, 'j');
	buf_append_str(&m, "\r\nSubject: ");
	for (int i = 0; i < 1024 * 1024; i++)
		buf_append_byte(&m, i % 1000 == 999 ? ' ' : 's');
	buf_append_str(&m, "\r\nContent-Type: text/html; charset=utf-8\r\n\r\nbody\r\n");
	mime_limits_default(&lim);
	lim.max_header_bytes = 4096;
	mime_summary_init(&s);
	mime_summarize(m.data, m.len, &lim, &s);
	CHECK(s.truncated);
	/* one field gets at most an eighth of the budget: the subject is
	 * cut, the Content-Type after it is still seen */
	CHECK(s.subject.len > 256 && s.subject.len <= 512);
	CHECK(strstr(buf_cstr(&s.body), "\"text\" \"html\"") != NULL);
	mime_summary_free(&s);

	/* with the default budget everything interesting is kept */
	mime_summary_init(&s);
	mime_summarize(m.data, m.len, NULL, &s);
	CHECK(strstr(buf_cstr(&s.body), "\"text\" \"html\"") != NULL);
	CHECK(s.truncated);
	CHECK(s.subject.len > 16 * 1024 && s.subject.len <= 32 * 1024);
	CHECK_INT(s.header_len, m.len - 6);
	mime_summary_free(&s);
	buf_free(&m);
}

#if defined(__SANITIZE_ADDRESS__)
#define MIME_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MIME_ASAN 1
#endif
#endif

TEST(mime_parser_big_message_streams)
{
	/* 50 MB fed in 64 KB chunks: memory does not follow the size */
	struct mime_parser *p = mime_parser_create(NULL);
	struct mime_summary s;
	unsigned char chunk[65536];
	const char *head = "Subject: big\r\nContent-Type: multipart/mixed; boundary=B\r\n"
			   "\r\n--B\r\nContent-Type: text/plain\r\n\r\n";
	uint64_t total = 0, lines = 0;
	size_t before = 0;
	struct mime_part_loc l;

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (i % 78 == 77) ? '\n' : (i % 78 == 76) ? '\r' : 'x';
	mime_parser_feed(p, head, strlen(head));
	total += strlen(head);
#ifndef MIME_ASAN
	before = mallinfo2().uordblks;
#endif
	for (int i = 0; i < 800; i++) {
		mime_parser_feed(p, chunk, sizeof(chunk));
		total += sizeof(chunk);
	}
#ifndef MIME_ASAN
	CHECK(mallinfo2().uordblks < before + 64 * 1024);
#else
	(void)before;
#endif
	mime_parser_feed(p, "\r\n--B--\r\n", 9);
	total += 9;
	mime_summary_init(&s);
	mime_parser_finish(p, &s);
	mime_parser_destroy(&p);
	CHECK(p == NULL);
	CHECK_INT(s.size, total);
	CHECK(find(&s, &l, 1, 1));
	for (size_t i = 0; i < sizeof(chunk); i++)
		lines += chunk[i] == '\n';
	lines = 800 * lines;   /* the last line, without CRLF, does not count */
	CHECK_INT(l.lines, lines);
	CHECK_INT(l.body_end - l.body_start, 800ULL * sizeof(chunk));
	mime_summary_free(&s);
}

struct text_acc {
	struct buf all;
	char sections[256];
};

static bool
text_cb(void *ctx, const uint32_t *section, size_t depth,
	const unsigned char *utf8, size_t len)
{
	struct text_acc *t = ctx;
	size_t n = strlen(t->sections);

	for (size_t i = 0; i < depth && n + 12 < sizeof(t->sections); i++)
		n += (size_t)snprintf(t->sections + n, sizeof(t->sections) - n,
				      "%s%u", i ? "." : (n ? " " : ""), section[i]);
	buf_append(&t->all, utf8, len);
	buf_append_byte(&t->all, '|');
	return true;
}

TEST(mime_parser_search_text)
{
	struct buf m = BUF_INIT;
	struct mime_summary s;
	struct text_acc t = { BUF_INIT, "" };

	if (!mime_test_load("tests/data/mime/nested.eml", &m)) {
		CHECK(!"nested.eml");
		return;
	}
	mime_summary_init(&s);
	mime_summarize(m.data, m.len, NULL, &s);
	mime_body_text(s.partmap.data, s.partmap.len, m.data, m.len, text_cb, &t);
	CHECK_STR(buf_cstr(&t.all),
		  "Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\xbcnchen|<p>Hello</p>|"
		  "inner text\r\ntwo lines|");
	CHECK_STR(t.sections, "1.1 1.2 3.1");
	mime_summary_free(&s);
	buf_reset(&m);
	buf_reset(&t.all);
	t.sections[0] = '\0';

	if (!mime_test_load("tests/data/mime/encoded-words.eml", &m)) {
		CHECK(!"encoded-words.eml");
		return;
	}
	mime_summary_init(&s);
	mime_summarize(m.data, m.len, NULL, &s);
	mime_body_text(s.partmap.data, s.partmap.len, m.data, m.len, text_cb, &t);
	CHECK_STR(buf_cstr(&t.all), "Привет\r\n|");
	mime_summary_free(&s);
	buf_free(&t.all);
	buf_free(&m);
}

TEST(mime_parser_envelope_fields)
{
	struct mime_summary s;

	parse_str("Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n"
		  "From: Fred Foobar <foobar@Blurdybloop.example>\r\n"
		  "Subject: afternoon meeting\r\n"
		  "To: mooch@owatagu.siam.edu.example\r\n"
		  "Message-Id: <B27397-0100000@Blurdybloop.example>\r\n"
		  "In-Reply-To: <parent@example>\r\n"
		  "References: <a@example>\r\n <parent@example>\r\n"
		  "Sender: \r\n"
		  "MIME-Version: 1.0\r\n"
		  "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n"
		  "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n", &s);
	CHECK_STR(buf_cstr(&s.envelope),
		  "(\"Mon, 7 Feb 1994 21:52:25 -0800 (PST)\" \"afternoon meeting\" "
		  "((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) "
		  "((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) "
		  "((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) "
		  "((NIL NIL \"mooch\" \"owatagu.siam.edu.example\")) NIL NIL "
		  "\"<parent@example>\" \"<B27397-0100000@Blurdybloop.example>\")");
	CHECK_STR(buf_cstr(&s.references), "<a@example> <parent@example>");
	CHECK_STR(buf_cstr(&s.message_id), "<B27397-0100000@Blurdybloop.example>");
	CHECK_STR(buf_cstr(&s.sort_to), "mooch");
	CHECK_STR(buf_cstr(&s.display_from), "Fred Foobar");
	CHECK_INT(s.date, 760686745);
	CHECK_INT(s.date_tz, -480);
	mime_summary_free(&s);
}

TEST(mime_parser_encoded_message_rfc822)
{
	struct mime_summary s;
	struct mime_part_loc l;

	/* never a basic body typed message/rfc822: clients would expect an
	 * envelope after it */
	parse_str("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
		  "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
		  "U3ViamVjdDogeA0KDQp5DQo=\r\n--b--\r\n", &s);
	CHECK_STR(buf_cstr(&s.body),
		  "((\"application\" \"octet-stream\" NIL NIL NIL \"base64\" 24) \"mixed\")");
	CHECK(!s.truncated);
	CHECK(find(&s, &l, 1, 1));
	CHECK(!l.is_message && l.cte == MIME_CTE_BASE64);
	mime_summary_free(&s);
}

TEST(mime_parser_total_header_budget)
{
	/* 2000 parts with 30 KB descriptions: 60 MB of headers, but only
	 * the total budget is kept, and every part keeps its type */
	struct buf m = BUF_INIT, desc = BUF_INIT;
	struct mime_summary s;
	struct mime_part_loc l;

	for (int i = 0; i < 30 * 1024; i++)
		buf_append_byte(&desc, 'd');
	buf_append_str(&m, "Content-Type: multipart/mixed; boundary=q\r\n\r\n");
	for (int i = 0; i < 2000; i++) {
		buf_append_str(&m, "--q\r\nContent-Description: ");
		buf_append(&m, desc.data, desc.len);
		buf_append_str(&m, "\r\nContent-Type: image/gif\r\n\r\nGIF89a\r\n");
	}
	buf_append_str(&m, "--q--\r\n");
	mime_summary_init(&s);
	mime_summarize(m.data, m.len, NULL, &s);
	CHECK(s.truncated);
	CHECK_INT(s.nparts, 2001);
	CHECK(s.bodystructure.len < 5 * 1024 * 1024);
	CHECK(find(&s, &l, 1, 2000));
	CHECK(slice_eq_cstr(l.type, "image") && slice_eq_cstr(l.subtype, "gif"));
	CHECK(find(&s, &l, 1, 1));
	CHECK(slice_eq_cstr(l.type, "image"));
	mime_summary_free(&s);
	buf_free(&m);
	buf_free(&desc);
}

TEST(mime_parser_control_bytes_in_type)
{
	/* found by the fuzzer: "m\0ultipart" must not print as a basic
	 * "multipart" body (clients would read it as a multipart) */
	struct mime_summary s;
	const unsigned char msg[] = "Content-Type: m\0ultipart/x\r\n\r\nbody\r\n";

	mime_summary_init(&s);
	mime_summarize(msg, sizeof(msg) - 1, NULL, &s);
	CHECK(strstr(buf_cstr(&s.body), "(\"multipart\" \"x\" NIL") == NULL);
	CHECK_STR(buf_cstr(&s.body),
		  "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"x\")");
	mime_summary_free(&s);
}

TEST(mime_parser_boundary_prefixes)
{
	/* RFC 2046 5.1.1: the boundary only has to begin the line; when an
	 * outer and an inner boundary both begin it, the longest wins */
	struct mime_summary s;
	struct mime_part_loc l;

	parse_str("Content-Type: multipart/mixed; boundary=abcdef\r\n\r\n"
		  "--abcdef\r\nContent-Type: multipart/mixed; boundary=abc\r\n\r\n"
		  "--abc\r\n\r\ninner\r\n"
		  "--abcdef\r\n\r\nsecond outer\r\n"
		  "--abcdef--\r\n", &s);
	CHECK(find(&s, &l, 1, 2));
	CHECK(!l.is_multipart);
	CHECK(find(&s, &l, 2, 1, 1));
	CHECK_INT(l.body_end - l.body_start, 5);
	mime_summary_free(&s);

	/* trailing text after the boundary: still a boundary line */
	parse_str("Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		  "--b   trailing junk\r\n\r\none\r\n--b--junk\r\nepilogue\r\n", &s);
	CHECK(find(&s, &l, 1, 1));
	CHECK_INT(l.body_end - l.body_start, 3);
	CHECK(!find(&s, &l, 1, 2));
	mime_summary_free(&s);
}

TEST(mime_parser_lines_count_line_ends)
{
	/* RFC 3501 body-fld-lines: the CRLF before a boundary belongs to the
	 * boundary, so a part ending "text\r\n--b" has no line end at all;
	 * a text without a final CRLF is not one more line (as Dovecot) */
	struct mime_summary s;
	struct mime_part_loc l;

	parse_str("Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		  "--b\r\n\r\nabc\r\n"
		  "--b\r\n\r\nabc\r\n\r\n"
		  "--b\r\n\r\none\r\ntwo\r\n"
		  "--b\r\nContent-Transfer-Encoding: base64\r\n\r\nYWJj\r\n"
		  "--b--\r\n", &s);
	CHECK(find(&s, &l, 1, 1));
	CHECK_INT(l.lines, 0);
	CHECK(find(&s, &l, 1, 2));
	CHECK_INT(l.lines, 1);
	CHECK(find(&s, &l, 1, 3));
	CHECK_INT(l.lines, 1);
	CHECK(find(&s, &l, 1, 4));
	CHECK_INT(l.lines, 0);
	CHECK_STR(buf_cstr(&s.body),
		  "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 0)"
		  "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 1)"
		  "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 8 1)"
		  "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"base64\" 4 0)"
		  " \"mixed\")");
	mime_summary_free(&s);

	/* the end of the message: a last line without CRLF does not count */
	parse_str("Subject: x\r\n\r\nline\r\nlast", &s);
	CHECK(find(&s, &l, 1, 1));
	CHECK_INT(l.lines, 1);
	mime_summary_free(&s);
}

TEST(mime_parser_multipart_without_parts_is_empty)
{
	/* a multipart where no part was found (only a close delimiter, or
	 * no delimiter at all: everything is preamble, RFC 2046 5.1.1) is
	 * shown with one empty text/plain part, as Dovecot does */
	static const char *const bodies[] = {
		"--b--\r\n",
		"preamble\r\n--b--\r\nepilogue\r\n",
		"no delimiter at all\r\n",
	};
	struct mime_summary s;
	struct mime_part_loc l;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct buf m = BUF_INIT;

		buf_append_str(&m, "Content-Type: multipart/mixed; boundary=b\r\n\r\n");
		buf_append_str(&m, bodies[i]);
		parse_str(buf_cstr(&m), &s);
		CHECK_STR(buf_cstr(&s.body),
			  "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
			  " \"7bit\" 0 0) \"mixed\")");
		CHECK(find(&s, &l, 1, 1));
		CHECK_INT(l.body_end - l.body_start, 0);
		CHECK_INT(l.lines, 0);
		mime_summary_free(&s);
		buf_free(&m);
	}
}

TEST(mime_parser_language_is_a_list)
{
	/* body-fld-lang: one language is sent as a list too, as Dovecot */
	struct mime_summary s;

	parse_str("MIME-Version: 1.0\r\nContent-Language: en\r\n\r\nx\r\n", &s);
	CHECK_STR(buf_cstr(&s.bodystructure),
		  "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1"
		  " NIL NIL (\"en\") NIL)");
	mime_summary_free(&s);
}
