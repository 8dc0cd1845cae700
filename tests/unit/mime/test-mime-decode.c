/* test-mime-decode.c - quoted-printable and base64, whole and streamed */
#include "test.h"
#include "mime/mime.h"

static void
check_qp(const char *in, const char *want, int line)
{
	struct buf out = BUF_INIT;
	size_t len = strlen(in);

	mime_decode_qp((const unsigned char *)in, len, &out);
	if (out.len != strlen(want) || (out.len && memcmp(out.data, want, out.len)))
		test_fail(__FILE__, line, "qp(%s) == \"%s\", want \"%s\"", in,
			  buf_cstr(&out), want);
	/* one byte at a time gives the same */
	for (size_t chunk = 1; chunk <= 3; chunk++) {
		struct mime_decoder d;
		struct buf s = BUF_INIT;

		mime_decoder_init(&d, MIME_CTE_QP);
		for (size_t i = 0; i < len; i += chunk)
			mime_decoder_feed(&d, (const unsigned char *)in + i,
					  len - i < chunk ? len - i : chunk, &s);
		mime_decoder_finish(&d, &s);
		if (s.len != out.len || (s.len && memcmp(s.data, out.data, s.len)))
			test_fail(__FILE__, line, "qp(%s) in chunks of %zu == \"%s\"",
				  in, chunk, buf_cstr(&s));
		buf_free(&s);
	}
	if (mime_decoded_size(MIME_CTE_QP, (const unsigned char *)in, len) !=
	    out.len)
		test_fail(__FILE__, line, "decoded size of %s", in);
	buf_free(&out);
}

#define QP(in, want) check_qp(in, want, __LINE__)

TEST(mime_decode_qp_cases)
{
	QP("Gr=C3=BC=C3=9Fe", "Gr\xc3\xbc\xc3\x9f" "e");
	QP("soft=\r\nbreak", "softbreak");
	QP("soft=\nbreak", "softbreak");
	QP("soft=  \r\nbreak", "softbreak");        /* whitespace after '=' */
	QP("trailing   \r\nspace\t\r\n", "trailing\r\nspace\r\n");
	QP("inner  space", "inner  space");
	QP("lower =c3=a9", "lower \xc3\xa9");
	QP("bad =ZZ and =4", "bad =ZZ and =4");
	QP("end=", "end");
	QP("=3D=3d", "==");
	QP("a\rb", "a\rb");
	QP("=\r", "");
	QP("", "");
}

TEST(mime_decode_base64_streamed)
{
	const char *in = "SGVs\r\nbG8s\r\nIHdv cmxk IQ==\r\nignored";
	struct buf whole = BUF_INIT;

	mime_decode(MIME_CTE_BASE64, (const unsigned char *)in, strlen(in),
		    &whole);
	CHECK_MEM(whole.data, whole.len, "Hello, world!");
	for (size_t chunk = 1; chunk < 6; chunk++) {
		struct mime_decoder d;
		struct buf s = BUF_INIT;

		mime_decoder_init(&d, MIME_CTE_BASE64);
		for (size_t i = 0; i < strlen(in); i += chunk)
			mime_decoder_feed(&d, (const unsigned char *)in + i,
					  strlen(in) - i < chunk ? strlen(in) - i
								 : chunk, &s);
		mime_decoder_finish(&d, &s);
		CHECK_MEM(s.data, s.len, "Hello, world!");
		buf_free(&s);
	}
	CHECK_INT(mime_decoded_size(MIME_CTE_BASE64, (const unsigned char *)in,
				    strlen(in)), 13);
	CHECK_INT(mime_decoded_size(MIME_CTE_7BIT, (const unsigned char *)in,
				    strlen(in)), strlen(in));
	buf_free(&whole);
}

TEST(mime_decode_cte_names)
{
	CHECK_INT(mime_cte_parse((const unsigned char *)" Base64 ", 8),
		  MIME_CTE_BASE64);
	CHECK_INT(mime_cte_parse((const unsigned char *)"QUOTED-PRINTABLE", 16),
		  MIME_CTE_QP);
	CHECK_INT(mime_cte_parse((const unsigned char *)"", 0), MIME_CTE_7BIT);
	CHECK_INT(mime_cte_parse((const unsigned char *)"x-uuencode", 10),
		  MIME_CTE_UNKNOWN);
	CHECK_STR(mime_cte_name(MIME_CTE_8BIT), "8bit");
}

TEST(mime_decode_charset_to_utf8)
{
	struct buf out = BUF_INIT;

	CHECK(mime_charset_to_utf8((const unsigned char *)"KOI8-R", 6,
				   (const unsigned char *)"\xf0\xd2\xc9", 3, &out));
	CHECK_STR(buf_cstr(&out), "При");
	buf_reset(&out);
	CHECK(!mime_charset_to_utf8((const unsigned char *)"x-nonsense", 10,
				    (const unsigned char *)"ok\xff", 3, &out));
	CHECK_STR(buf_cstr(&out), "ok\xef\xbf\xbd");
	buf_reset(&out);
	/* invalid sequences in a known charset: U+FFFD, the rest kept */
	CHECK(mime_charset_to_utf8((const unsigned char *)"shift_jis", 9,
				   (const unsigned char *)"a\x82\xff" "b", 4, &out));
	CHECK(out.len >= 5 && out.data[0] == 'a' && out.data[out.len - 1] == 'b');
	buf_reset(&out);
	mime_charset_utf8_sanitize((const unsigned char *)"a\0b\xed\xa0\x80", 6,
				   &out);
	CHECK_STR(buf_cstr(&out),
		  "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	buf_free(&out);
}

TEST(mime_decode_imap_strings)
{
	struct buf out = BUF_INIT;

	mime_imap_string(&out, (const unsigned char *)"a \"q\" \\", 7);
	CHECK_STR(buf_cstr(&out), "\"a \\\"q\\\" \\\\\"");
	buf_reset(&out);
	mime_imap_string(&out, (const unsigned char *)"line\r\nbreak", 11);
	CHECK_STR(buf_cstr(&out), "{11}\r\nline\r\nbreak");
	buf_reset(&out);
	mime_imap_string(&out, (const unsigned char *)"caf\xc3\xa9", 5);
	CHECK_STR(buf_cstr(&out), "{5}\r\ncaf\xc3\xa9");
	buf_reset(&out);
	mime_imap_nstring(&out, NULL, 0);
	CHECK_STR(buf_cstr(&out), "NIL");
	buf_reset(&out);
	mime_imap_nstring(&out, (const unsigned char *)"", 0);
	CHECK_STR(buf_cstr(&out), "\"\"");
	buf_free(&out);
}

TEST(mime_decode_charset_stream_chunks)
{
	static const struct {
		const char *cs, *in, *want;
	} t[] = {
		{ "shift_jis", "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd", "こんにちは" },
		{ "iso-2022-jp", "\x1b$BF|K\\8l\x1b(B abc", "日本語 abc" },
		{ "utf-8", "\xe2\x82\xac \xf0\x9f\x98\x80 end", "€ 😀 end" },
		{ "utf-16le", "A\0\xac\x20", "A€" },
		{ "koi8-r", "\xf0\xd2\xc9", "При" },
		{ "utf-8", "cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len = strlen(t[i].in);

		if (strcmp(t[i].cs, "utf-16le") == 0)
			len = 4;
		for (size_t chunk = 1; chunk <= len; chunk++) {
			struct mime_charset_stream *s;
			struct buf out = BUF_INIT;
			bool known = false;

			s = mime_charset_stream_create((const unsigned char *)t[i].cs,
						       strlen(t[i].cs), &known);
			CHECK(known);
			for (size_t off = 0; off < len; off += chunk)
				mime_charset_stream_feed(s,
				    (const unsigned char *)t[i].in + off,
				    len - off < chunk ? len - off : chunk, &out);
			mime_charset_stream_finish(&s, &out);
			CHECK(s == NULL);
			if (strcmp(buf_cstr(&out), t[i].want) != 0)
				test_fail(__FILE__, __LINE__,
					  "%s in chunks of %zu: \"%s\"", t[i].cs,
					  chunk, buf_cstr(&out));
			buf_free(&out);
		}
	}
}
