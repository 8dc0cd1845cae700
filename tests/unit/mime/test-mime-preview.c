/* test-mime-preview.c - PREVIEW text (RFC 8970): decoding, HTML,
 * whitespace, quotes, the 256-character cut */
#include "test.h"

#include <stdlib.h>

#include "lib/buf.h"
#include "mime/mime.h"

static char *
pv(const char *raw, enum mime_cte cte, const char *charset, bool html)
{
	struct buf out = BUF_INIT;

	mime_preview_make((const unsigned char *)raw, strlen(raw), cte,
			  (const unsigned char *)charset, strlen(charset),
			  html, &out);
	return (char *)buf_steal(&out);
}

#define CHECK_PV(raw, cte, cs, html, want)                                \
	do {                                                              \
		char *got_ = pv(raw, cte, cs, html);                      \
		CHECK_STR(got_, want);                                    \
		free(got_);                                               \
	} while (0)

TEST(preview_plain_whitespace_and_quotes)
{
	CHECK_PV("  Hello   there\r\n\r\n  world\t!\r\n", MIME_CTE_7BIT, "",
		 false, "Hello there world !");
	CHECK_PV("", MIME_CTE_7BIT, "", false, "");
	CHECK_PV(" \r\n\t \r\n", MIME_CTE_7BIT, "", false, "");
	/* quoted lines of the message replied to are left out */
	CHECK_PV("Yes.\r\n\r\nOn Monday Bob wrote:\r\n> old text\r\n>> "
		 "older\r\nBye\r\n", MIME_CTE_7BIT, "us-ascii", false,
		 "Yes. On Monday Bob wrote: Bye");
	/* a '>' inside a line is text */
	CHECK_PV("a > b\r\n", MIME_CTE_7BIT, "", false, "a > b");
	/* control characters are whitespace */
	CHECK_PV("a\x01\x02" "b\x7f" "c", MIME_CTE_7BIT, "", false, "a b c");
}

TEST(preview_decodes_cte_and_charset)
{
	/* quoted-printable latin-1 */
	CHECK_PV("Gr=FC=DFe aus K=F6ln=\r\n, sch=F6n\r\n",
		 MIME_CTE_QP, "iso-8859-1", false,
		 "Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln, sch\xc3\xb6n");
	/* base64 UTF-8 */
	CHECK_PV("4pyTIGRvbmUg8J+YgA==\r\n", MIME_CTE_BASE64, "utf-8", false,
		 "\xe2\x9c\x93 done \xf0\x9f\x98\x80");
	/* ISO-2022-JP (stateful) */
	CHECK_PV("\x1b$B$3$s$K$A$O\x1b(B", MIME_CTE_7BIT, "iso-2022-jp",
		 false, "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1"
		 "\xe3\x81\xaf");
	/* invalid UTF-8 becomes U+FFFD, never passes through */
	CHECK_PV("a\xff" "b", MIME_CTE_8BIT, "utf-8", false,
		 "a\xef\xbf\xbd" "b");
	/* NBSP (in windows-1252 as 0xA0) is whitespace */
	CHECK_PV("a\xa0\xa0" "b", MIME_CTE_8BIT, "windows-1252", false,
		 "a b");
}

TEST(preview_html)
{
	CHECK_PV("<html><head><title>T</title><style>p{color:red}</style>"
		 "</head><body><p>Hello <b>bold</b>&nbsp;world</p>"
		 "<script>alert('x<y')</script><div>next&amp;last &lt;3"
		 "</div><!-- a <p> comment --> &#169; &#x263A; &bogus; "
		 "<br/>end</body></html>", MIME_CTE_7BIT, "", true,
		 "Hello bold world next&last <3 \xc2\xa9 \xe2\x98\xba "
		 "&bogus; end");
	/* attributes with '>' in quotes; a '<' that starts no tag */
	CHECK_PV("<a href=\"x>y\" title='>'>link</a> 1 < 2 <3",
		 MIME_CTE_7BIT, "", true, "link 1 < 2 <3");
	/* unclosed comment or tag: nothing after it */
	CHECK_PV("a<!-- never closed", MIME_CTE_7BIT, "", true, "a");
	CHECK_PV("a<p class=\"x", MIME_CTE_7BIT, "", true, "a");
	CHECK_PV("<STYLE>x</STYLE>Up<BR>Case", MIME_CTE_7BIT, "", true,
		 "Up Case");
}

/* number of code points */
static size_t
u8len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

TEST(preview_cut_at_256_characters)
{
	struct buf in = BUF_INIT;
	char *got;
	size_t i;

	/* 300 two-byte characters: 256 of them, never half of one */
	for (i = 0; i < 300; i++)
		buf_append_str(&in, "\xc3\xa9");
	buf_append_byte(&in, '\0');
	got = pv((const char *)in.data, MIME_CTE_8BIT, "utf-8", false);
	CHECK_INT(u8len(got), 256);
	CHECK_INT(strlen(got), 512);
	free(got);
	/* four-byte characters, with spaces: the cut leaves no space at
	 * the end */
	buf_reset(&in);
	for (i = 0; i < 200; i++)
		buf_append_str(&in, "\xf0\x9f\x98\x80 ");
	buf_append_byte(&in, '\0');
	got = pv((const char *)in.data, MIME_CTE_8BIT, "utf-8", false);
	CHECK_INT(u8len(got), 255);
	CHECK(got[strlen(got) - 1] != ' ');
	CHECK(((unsigned char)got[strlen(got) - 4] & 0xf8) == 0xf0);
	free(got);
	/* exactly 256 ASCII */
	buf_reset(&in);
	for (i = 0; i < 256; i++)
		buf_append_byte(&in, 'a' + i % 26);
	buf_append_str(&in, " tail");
	buf_append_byte(&in, '\0');
	got = pv((const char *)in.data, MIME_CTE_7BIT, "", false);
	CHECK_INT(strlen(got), 256);
	free(got);
	/* a base64 body cut inside a multibyte character (the part read
	 * is only a prefix): U+FFFD at the end at most, never a torn byte */
	got = pv("w6nDqcOpw6", MIME_CTE_BASE64, "utf-8", false);
	CHECK(strncmp(got, "\xc3\xa9\xc3\xa9\xc3\xa9", 6) == 0);
	free(got);
	buf_free(&in);
}

TEST(preview_part_choice)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\nContent-Type: image/png\r\n\r\nxx\r\n"
		"--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n"
		"--c\r\nContent-Type: text/html\r\n\r\n<p>html first</p>\r\n"
		"--c\r\nContent-Type: text/plain\r\n\r\nplain\r\n--c--\r\n"
		"--b--\r\n";
	struct mime_summary ms;
	struct mime_part_loc loc;

	mime_summary_init(&ms);
	mime_summarize((const unsigned char *)msg, sizeof(msg) - 1, NULL, &ms);
	CHECK(mime_preview_part(ms.partmap.data, ms.partmap.len, 0, &loc));
	CHECK(slice_eq_cstr(loc.subtype, "html"));
	CHECK(mime_preview_part(ms.partmap.data, ms.partmap.len, 1, &loc));
	CHECK(slice_eq_cstr(loc.subtype, "plain"));
	CHECK(!mime_preview_part(ms.partmap.data, ms.partmap.len, 2, &loc));
	mime_summary_free(&ms);
	mime_summary_init(&ms);
	mime_summarize((const unsigned char *)"Content-Type: image/gif\r\n"
		       "\r\nGIF", 28, NULL, &ms);
	CHECK(!mime_preview_part(ms.partmap.data, ms.partmap.len, 0, &loc));
	mime_summary_free(&ms);
}

static ssize_t
mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const char *msg = ctx;
	size_t n = strlen(msg);

	if (off >= n)
		return 0;
	if (len > n - off)
		len = n - off;
	memcpy(buf, msg + off, len);
	return (ssize_t)len;
}

static char *
pv_msg(const char *msg)
{
	struct mime_summary ms;
	struct buf out = BUF_INIT;
	struct mime_preview_limits lim = { MIME_PREVIEW_PARTS,
					   MIME_PREVIEW_READ };

	mime_summary_init(&ms);
	mime_summarize((const unsigned char *)msg, strlen(msg), NULL, &ms);
	CHECK(mime_preview(ms.partmap.data, ms.partmap.len, &lim, mem_read,
			   (void *)msg, &out));
	mime_summary_free(&ms);
	buf_append_byte(&out, '\0');
	return (char *)buf_steal(&out);
}

TEST(preview_first_part_with_text)
{
	char *got;

	/* an empty multipart, a blank part and one of an unknown encoding
	 * are passed over; a text/calendar is no preview */
	got = pv_msg("Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		     "--b\r\nContent-Type: multipart/x-odd; boundary=c\r\n\r\n"
		     "--c--\r\n"
		     "--b\r\nContent-Type: text/plain\r\n\r\n \r\n\r\n"
		     "--b\r\nContent-Type: text/calendar\r\n\r\nBEGIN\r\n"
		     "--b\r\nContent-Type: text/plain\r\n"
		     "Content-Transfer-Encoding: x-gzip\r\n\r\nzz\r\n"
		     "--b\r\nContent-Type: text/plain\r\n\r\nthe text\r\n"
		     "--b--\r\n");
	CHECK_STR(got, "the text");
	free(got);
	/* no Content-Type: text/plain; us-ascii */
	got = pv_msg("Subject: x\r\n\r\nplain body\r\n");
	CHECK_STR(got, "plain body");
	free(got);
	got = pv_msg("Content-Type: application/pdf\r\n\r\n%PDF\r\n");
	CHECK_STR(got, "");
	free(got);
}

TEST(preview_limits)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\nContent-Type: text/plain\r\n\r\n \r\n"
		"--b\r\nContent-Type: text/plain\r\n\r\nabcdefgh\r\n"
		"--b--\r\n";
	struct mime_summary ms;
	struct buf out = BUF_INIT;
	struct mime_preview_limits one = { 1, 65536 }, few = { 8, 4 };

	mime_summary_init(&ms);
	mime_summarize((const unsigned char *)msg, sizeof(msg) - 1, NULL,
		       &ms);
	/* one part tried: the blank one, so no text */
	CHECK(mime_preview(ms.partmap.data, ms.partmap.len, &one, mem_read,
			   (void *)msg, &out));
	CHECK_INT(out.len, 0);
	/* 4 bytes of each part read */
	CHECK(mime_preview(ms.partmap.data, ms.partmap.len, &few, mem_read,
			   (void *)msg, &out));
	buf_append_byte(&out, '\0');
	CHECK_STR((char *)out.data, "abcd");
	buf_free(&out);
	mime_summary_free(&ms);
}
