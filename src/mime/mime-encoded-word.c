/* mime-encoded-word.c - RFC 2047 encoded words */
#include "mime/mime.h"

#include <string.h>

struct word {
	struct slice charset;  /* without an RFC 2231 "*lang" suffix */
	char enc;              /* 'Q' or 'B' */
	struct slice text;
	size_t end;            /* offset just past "?=" */
};

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* parse_word - an encoded word "=?cs?e?text?=" at p[i]; false if none */
static bool
parse_word(const unsigned char *p, size_t len, size_t i, struct word *w)
{
	size_t j, cs_start, cs_end, t_start;

	if (i + 1 >= len || p[i] != '=' || p[i + 1] != '?')
		return false;
	cs_start = j = i + 2;
	while (j < len && p[j] != '?' && !is_ws(p[j]) && p[j] > 0x20 &&
	       p[j] < 0x7f && j - cs_start < 64)
		j++;
	if (j >= len || p[j] != '?' || j == cs_start)
		return false;
	cs_end = j;
	if (j + 2 >= len || p[j + 2] != '?')
		return false;
	if (p[j + 1] == 'Q' || p[j + 1] == 'q')
		w->enc = 'Q';
	else if (p[j + 1] == 'B' || p[j + 1] == 'b')
		w->enc = 'B';
	else
		return false;
	t_start = j = j + 3;
	while (j < len && p[j] != '?' && p[j] > 0x20 && p[j] < 0x7f)
		j++;
	if (j + 1 >= len || p[j] != '?' || p[j + 1] != '=')
		return false;
	w->charset = (struct slice){ p + cs_start, cs_end - cs_start };
	{
		ptrdiff_t star = slice_find(w->charset, '*');

		if (star >= 0)
			w->charset.len = (size_t)star;
	}
	w->text = (struct slice){ p + t_start, j - t_start };
	w->end = j + 2;
	return true;
}

static unsigned
hexv(unsigned char x)
{
	if (x >= '0' && x <= '9')
		return (unsigned)(x - '0');
	if (x >= 'A' && x <= 'F')
		return (unsigned)(x - 'A' + 10);
	if (x >= 'a' && x <= 'f')
		return (unsigned)(x - 'a' + 10);
	return 99;
}

static void
decode_q(struct slice t, struct buf *out)
{
	for (size_t i = 0; i < t.len; i++) {
		unsigned char c = t.p[i];

		if (c == '_') {
			buf_append_byte(out, ' ');
		} else if (c == '=' && i + 2 < t.len &&
			   hexv(t.p[i + 1]) < 16 && hexv(t.p[i + 2]) < 16) {
			buf_append_byte(out, (unsigned char)(hexv(t.p[i + 1]) << 4 |
							     hexv(t.p[i + 2])));
			i += 2;
		} else {
			buf_append_byte(out, c);
		}
	}
}

static bool
slice_case_eq(struct slice a, struct slice b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++) {
		unsigned char x = a.p[i], y = b.p[i];

		if (x >= 'A' && x <= 'Z')
			x += 32;
		if (y >= 'A' && y <= 'Z')
			y += 32;
		if (x != y)
			return false;
	}
	return true;
}

/* append_text - raw header text: UTF-8 if valid, else windows-1252 */
static void
append_text(const unsigned char *p, size_t len, struct buf *out)
{
	size_t start = out->len;

	if (len == 0)
		return;
	mime_charset_utf8_sanitize(p, len, out);
	if (out->len - start != len || memcmp(out->data + start, p, len) != 0) {
		buf_truncate(out, start);
		mime_charset_to_utf8((const unsigned char *)"windows-1252", 12,
				     p, len, out);
	}
}

void
mime_decode_words(const unsigned char *p, size_t len, struct buf *out)
{
	struct buf pend = BUF_INIT;     /* decoded bytes, not yet converted */
	struct slice pend_cs = { NULL, 0 };
	bool have_pend = false;
	size_t i = 0, text_start = 0;

	if (len == 0)
		return;
	while (i < len) {
		struct word w;
		size_t j;

		if (p[i] != '=' || !parse_word(p, len, i, &w)) {
			i++;
			continue;
		}
		/* text between the previous word and this one: dropped if it
		 * is only whitespace and a word precedes (RFC 2047 6.2) */
		for (j = text_start; j < i && is_ws(p[j]); j++)
			;
		if (!(have_pend && j == i)) {
			if (have_pend) {
				mime_charset_to_utf8(pend_cs.p, pend_cs.len,
						     pend.data, pend.len, out);
				buf_reset(&pend);
				have_pend = false;
			}
			append_text(p + text_start, i - text_start, out);
		}
		if (have_pend && !slice_case_eq(pend_cs, w.charset)) {
			mime_charset_to_utf8(pend_cs.p, pend_cs.len, pend.data,
					     pend.len, out);
			buf_reset(&pend);
		}
		if (w.enc == 'Q')
			decode_q(w.text, &pend);
		else
			mime_decode_base64(w.text.p, w.text.len, &pend);
		pend_cs = w.charset;
		have_pend = true;
		i = text_start = w.end;
	}
	if (have_pend)
		mime_charset_to_utf8(pend_cs.p, pend_cs.len, pend.data,
				     pend.len, out);
	append_text(p + text_start, len - text_start, out);
	buf_free(&pend);
}
