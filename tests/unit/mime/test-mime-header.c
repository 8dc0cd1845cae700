/* test-mime-header.c - BODY[HEADER.FIELDS (...)] and .NOT, field lookup */
#include "test.h"
#include "mime/mime.h"

static const char hdr[] =
	"From: a@example.org\r\n"
	"Subject: a folded\r\n"
	" subject line\r\n"
	"\tand more\r\n"
	"To: b@example.org\r\n"
	"X-Long:\r\n"
	"  value\r\n"
	"subject : second subject\r\n"
	"no colon line\r\n"
	"\r\n";

TEST(mime_header_fields)
{
	struct buf out = BUF_INIT;
	struct slice names[] = { SLICE("SUBJECT"), SLICE("x-long") };

	mime_header_filter((const unsigned char *)hdr, sizeof(hdr) - 1, names,
			   2, false, &out);
	CHECK_STR(buf_cstr(&out),
		  "Subject: a folded\r\n subject line\r\n\tand more\r\n"
		  "X-Long:\r\n  value\r\n"
		  "subject : second subject\r\n"
		  "\r\n");
	buf_free(&out);
}

TEST(mime_header_fields_not)
{
	struct buf out = BUF_INIT;
	struct slice names[] = { SLICE("subject"), SLICE("x-long") };

	mime_header_filter((const unsigned char *)hdr, sizeof(hdr) - 1, names,
			   2, true, &out);
	CHECK_STR(buf_cstr(&out),
		  "From: a@example.org\r\nTo: b@example.org\r\n"
		  "no colon line\r\n\r\n");
	buf_free(&out);
}

TEST(mime_header_fields_edge)
{
	struct buf out = BUF_INIT;
	struct slice names[] = { SLICE("from") };
	const char *nohdr = "\r\nbody";
	const char *noend = "From: x\r\nTo: y";
	const char *lf = "From: x\nSubject: s\n\nbody\n";

	mime_header_filter((const unsigned char *)nohdr, strlen(nohdr), names,
			   1, false, &out);
	CHECK_STR(buf_cstr(&out), "\r\n");
	buf_reset(&out);
	mime_header_filter((const unsigned char *)noend, strlen(noend), names,
			   1, true, &out);
	CHECK_STR(buf_cstr(&out), "To: y\r\n\r\n");
	buf_reset(&out);
	mime_header_filter((const unsigned char *)lf, strlen(lf), names, 1,
			   false, &out);
	CHECK_STR(buf_cstr(&out), "From: x\n\r\n");
	buf_reset(&out);
	CHECK(mime_header_get((const unsigned char *)hdr, sizeof(hdr) - 1,
			      "subject", &out));
	CHECK_STR(buf_cstr(&out), " a folded\r\n subject line\r\n\tand more");
	buf_reset(&out);
	CHECK(!mime_header_get((const unsigned char *)hdr, sizeof(hdr) - 1,
			       "cc", &out));
	buf_free(&out);
}
