/* test-imap-fetch-body.c - FETCH BODY[]/BINARY[] rendering of messages
 * held in memory (store_reader_mem), through fetch_body_section and
 * fetch_binary_size as FETCH uses them */
#include "test.h"

#include <stdlib.h>

#include "imap/imap-fetch.h"
#include "mime/mime.h"

static const struct imap_parser_limits lim = {
	.max_line = 4096, .max_literal = 4096, .max_args = 100, .max_depth = 8,
};

/* the FETCH response data of items for message msg, as the client
 * would read it (streamed segments read from the reader) */
static void
render(const char *msg, size_t len, const char *items, struct buf *out)
{
	char line[512];
	struct imap_parser *p = imap_parser_create(&lim);
	struct fetch_items fi;
	struct mime_summary ms;
	struct store_msg m;
	struct store_reader *r = store_reader_mem(NULL, 0, msg, len);
	struct fetch_out o = { 0 };
	const char *err;
	size_t used;

	snprintf(line, sizeof(line), "t FETCH 1 %s\r\n", items);
	CHECK_INT(imap_parser_feed(p, (const unsigned char *)line,
				   strlen(line), &used), IMAP_PARSE_DONE);
	CHECK(fetch_items_parse(&imap_parser_args(p)[1], &fi, &err));
	mime_summary_init(&ms);
	mime_summarize((const unsigned char *)msg, len, NULL, &ms);
	memset(&m, 0, sizeof(m));
	m.size = len;
	m.parse.header_len = ms.header_len;
	m.parse.partmap = ms.partmap.data;
	m.parse.partmap_len = ms.partmap.len;
	for (size_t i = 0; i < fi.n; i++) {
		if (i > 0)
			fetch_out_text(&o, " ", 1);
		if (fi.v[i].kind == FETCH_BINARY_SIZE)
			fetch_binary_size(&o, &fi.v[i], &m, r);
		else
			fetch_body_section(&o, &fi.v[i], &m, r);
	}
	for (size_t i = 0; i < o.n; i++) {
		uint64_t off = o.v[i].off, n = o.v[i].len;

		buf_append(out, o.v[i].text.data, o.v[i].text.len);
		while (n > 0) {
			unsigned char *d = buf_reserve(out, (size_t)n);
			ssize_t got = store_reader_pread(r, d, (size_t)n, off);

			CHECK(got > 0);
			if (got <= 0)
				break;
			out->len += (size_t)got;
			off += (uint64_t)got;
			n -= (uint64_t)got;
		}
	}
	fetch_out_clear(&o);
	mime_summary_free(&ms);
	store_reader_close(&r);
	fetch_items_free(&fi);
	imap_parser_destroy(&p);
}

static void
check_render(const char *msg, const char *items, const char *want)
{
	struct buf out = BUF_INIT;

	render(msg, strlen(msg), items, &out);
	buf_append_byte(&out, '\0');
	CHECK_STR((const char *)out.data, want);
	buf_free(&out);
}

#define EMPTY_PARTS							\
	"Subject: empty\r\nMIME-Version: 1.0\r\n"			\
	"Content-Type: multipart/mixed; boundary=B\r\n\r\n"		\
	"--B\r\nContent-Type: application/octet-stream\r\n"		\
	"Content-Transfer-Encoding: base64\r\n\r\n"			\
	"--B\r\nContent-Type: text/plain\r\n"				\
	"Content-Transfer-Encoding: quoted-printable\r\n\r\n"		\
	"--B--\r\n"

/* issue 11 item 7: an empty base64 (or QP) part decodes to nothing;
 * its BINARY[] must not hand memchr a NULL pointer (UBSan abort) */
TEST(imap_fetch_binary_empty_part)
{
	check_render(EMPTY_PARTS, "(BINARY.PEEK[1] BINARY.PEEK[2])",
		     "BINARY[1] {0}\r\n BINARY[2] {0}\r\n");
	check_render(EMPTY_PARTS, "(BINARY.PEEK[1]<0.5> BINARY.SIZE[1])",
		     "BINARY[1]<0> {0}\r\n BINARY.SIZE[1] 0");
	check_render(EMPTY_PARTS, "(BODY.PEEK[1] BODY.PEEK[1.MIME])",
		     "BODY[1] {0}\r\n BODY[1.MIME] {77}\r\n"
		     "Content-Type: application/octet-stream\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\n");
	/* a missing part and an empty header filter */
	check_render(EMPTY_PARTS, "(BINARY.PEEK[7] BODY.PEEK[HEADER.FIELDS (X)])",
		     "BINARY[7] {0}\r\n BODY[HEADER.FIELDS (X)] {2}\r\n\r\n");
}

/* issue 11 item 8 (and fuzz-imap-fetch-render): a NUL never goes into
 * an ordinary literal; BINARY sends it in a literal8 */
TEST(imap_fetch_nul_bytes)
{
	static const char msg[] = "Subject: a\0b\r\n\r\nx\0y\r\n";
	struct buf out = BUF_INIT;
	static const char want[] =
		"BODY[] {21}\r\nSubject: a\x80" "b\r\n\r\nx\x80y\r\n "
		"BINARY[] ~{21}\r\nSubject: a\0b\r\n\r\nx\0y\r\n "
		"BODY[HEADER.FIELDS (SUBJECT)] {16}\r\nSubject: a\x80" "b\r\n\r\n "
		"BINARY[1] ~{5}\r\nx\0y\r\n BINARY[1]<2> {3}\r\ny\r\n "
		"BODY[TEXT]<0> {2}\r\nx\x80";

	render(msg, sizeof(msg) - 1, "(BODY.PEEK[] BINARY.PEEK[] "
	       "BODY.PEEK[HEADER.FIELDS (SUBJECT)] BINARY.PEEK[1] "
	       "BINARY.PEEK[1]<2.10> BODY.PEEK[TEXT]<0.2>)", &out);
	CHECK_INT(out.len, sizeof(want) - 1);
	CHECK(out.len == sizeof(want) - 1 &&
	      memcmp(out.data, want, out.len) == 0);
	buf_free(&out);
}
