/* fuzz-mime-values.c - libFuzzer harness for the header-value parsers of
 * src/mime: addresses, dates, RFC 2047 words, RFC 2231 parameters, base
 * subject, message-ids, header filtering, quoted-printable and base64,
 * charset conversion (whole and streamed).
 *
 * Checks: decoded text is valid UTF-8 without NUL; group markers of an
 * address list pair up and every address has a mailbox and a host; a
 * parsed date is in range; HEADER.FIELDS and HEADER.FIELDS.NOT split the
 * fields between them; streamed decoding equals one-shot decoding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_utf8(const struct buf *b)
{
	struct buf s = BUF_INIT;

	mime_charset_utf8_sanitize(b->data, b->len, &s);
	if (s.len != b->len || (s.len && memcmp(s.data, b->data, s.len) != 0))
		abort();
	buf_free(&s);
}

static void
check_addresses(const uint8_t *p, size_t len)
{
	struct mime_address_list l = { NULL, 0 };
	bool in_group = false;

	mime_address_parse(p, len, &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct mime_address *a = &l.v[i];

		if (a->host == NULL) {
			/* group start (mailbox = name) or end (all NIL) */
			if (a->mailbox != NULL) {
				if (in_group || a->name || a->route)
					abort();
				in_group = true;
			} else {
				if (!in_group || a->name || a->route)
					abort();
				in_group = false;
			}
		} else if (a->mailbox == NULL) {
			abort();
		}
	}
	if (in_group)
		abort();
	mime_address_list_free(&l);
}

static void
check_decoders(const uint8_t *p, size_t len, size_t step)
{
	for (int cte = MIME_CTE_QP; cte <= MIME_CTE_BASE64; cte++) {
		struct buf a = BUF_INIT, b = BUF_INIT;
		struct mime_decoder d;

		mime_decode((enum mime_cte)cte, p, len, &a);
		mime_decoder_init(&d, (enum mime_cte)cte);
		for (size_t off = 0; off < len; off += step)
			mime_decoder_feed(&d, p + off,
					  len - off < step ? len - off : step, &b);
		mime_decoder_finish(&d, &b);
		if (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len)))
			abort();
		if (a.len > len)
			abort();
		buf_free(&a);
		buf_free(&b);
	}
}

static void
check_filter(const uint8_t *p, size_t len)
{
	struct slice names[] = { SLICE("subject"), SLICE("from"), SLICE("x") };
	struct buf yes = BUF_INIT, no = BUF_INIT, all = BUF_INIT;

	mime_header_filter(p, len, names, 3, false, &yes);
	mime_header_filter(p, len, names, 3, true, &no);
	mime_header_filter(p, len, NULL, 0, true, &all);
	/* each ends with the blank line; together they hold every field */
	if (yes.len < 2 || no.len < 2 || all.len < 2 ||
	    (yes.len - 2) + (no.len - 2) != all.len - 2)
		abort();
	buf_free(&yes);
	buf_free(&no);
	buf_free(&all);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT, v = BUF_INIT;
	struct mime_params ps = { NULL, 0 };
	int64_t t;
	int tz;

	if (size < 1)
		return 0;

	mime_header_decode(data + 1, size - 1, &out);
	check_utf8(&out);
	buf_reset(&out);
	mime_decode_words(data + 1, size - 1, &out);
	check_utf8(&out);
	buf_reset(&out);
	mime_summary_base_subject(data + 1, size - 1, &out);
	check_utf8(&out);
	buf_reset(&out);

	mime_rfc2231_parse(data + 1, size - 1, &v, &ps);
	for (size_t i = 0; i < ps.n; i++) {
		check_utf8(&ps.v[i].value);
		for (size_t k = 0; k < ps.v[i].name.len; k++)
			if (ps.v[i].name.data[k] >= 'A' &&
			    ps.v[i].name.data[k] <= 'Z')
				abort();
	}
	mime_params_free(&ps);

	check_addresses(data + 1, size - 1);
	{
		struct mime_msgids ids = { NULL, 0 };

		mime_msgid_parse(data + 1, size - 1, &ids);
		for (size_t i = 0; i < ids.n; i++)
			if (strchr(ids.v[i], '@') == NULL ||
			    strchr(ids.v[i], '<') || strchr(ids.v[i], '>'))
				abort();
		mime_msgid_free(&ids);
	}
	if (mime_date_parse(data + 1, size - 1, &t, &tz) &&
	    (tz < -99 * 60 - 59 || tz > 99 * 60 + 59 ||
	     t < -2300000000LL || t > 253402400000LL))
		abort();
	check_decoders(data + 1, size - 1, (data[0] & 7) + 1);
	check_filter(data + 1, size - 1);
	{
		struct buf cs = BUF_INIT;

		/* byte 0 picks a charset for a conversion of the rest */
		static const char *const charsets[] = {
			"utf-8", "iso-8859-1", "shift_jis", "iso-2022-jp",
			"utf-16", "utf-7", "gb2312", "koi8-r",
		};
		const char *c = charsets[(data[0] >> 3) & 7];

		struct buf st = BUF_INIT;
		struct mime_charset_stream *s;
		size_t step = (data[0] & 7) + 1;

		mime_charset_to_utf8((const unsigned char *)c, strlen(c),
				     data + 1, size - 1, &cs);
		check_utf8(&cs);
		/* streamed in chunks: the same text (stateless charsets;
		 * a shift state reset after an error may differ in
		 * iso-2022-jp and utf-7) */
		s = mime_charset_stream_create((const unsigned char *)c,
					       strlen(c), NULL);
		for (size_t off = 1; off < size; off += step)
			mime_charset_stream_feed(s, data + off,
						 size - off < step ? size - off : step,
						 &st);
		mime_charset_stream_finish(&s, &st);
		check_utf8(&st);
		if (strcmp(c, "iso-2022-jp") != 0 && strcmp(c, "utf-7") != 0 &&
		    (st.len != cs.len || (st.len && memcmp(st.data, cs.data, st.len))))
			abort();
		buf_free(&st);
		buf_free(&cs);
	}
	buf_free(&out);
	buf_free(&v);
	return 0;
}
