/* mime-charset.c - charset conversion to UTF-8 (iconv) and UTF-8 repair */
#include "mime/mime.h"
#include "lib/utf8.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned char replacement[3] = { 0xef, 0xbf, 0xbd };

/* length of the valid UTF-8 sequence at p (1..4), or 0 if invalid;
 * NUL counts as invalid (summaries are stored as C strings) */
static size_t
utf8_seq_len(const unsigned char *p, size_t len)
{
	uint32_t cp;

	if (len > 0 && p[0] == 0)
		return 0;
	return utf8_next(p, len, &cp);
}

void
mime_charset_utf8_sanitize(const unsigned char *p, size_t len,
			   struct buf *out)
{
	size_t i = 0, start = 0;

	if (len == 0)
		return;
	while (i < len) {
		size_t n;

		if (p[i] >= 0x20 && p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq_len(p + i, len - i);
		if (n > 0) {
			i += n;
			continue;
		}
		buf_append(out, p + start, i - start);
		buf_append(out, replacement, sizeof(replacement));
		i++;
		start = i;
	}
	buf_append(out, p + start, i - start);
}

/* charset_is_utf8_like - charsets handled by sanitizing as UTF-8 */
static bool
charset_is_utf8_like(struct slice cs)
{
	return cs.len == 0 || slice_case_eq_cstr(cs, "utf-8") ||
	       slice_case_eq_cstr(cs, "utf8") ||
	       slice_case_eq_cstr(cs, "us-ascii") ||
	       slice_case_eq_cstr(cs, "ascii") ||
	       slice_case_eq_cstr(cs, "x-unknown") ||
	       slice_case_eq_cstr(cs, "unknown-8bit") ||
	       slice_case_eq_cstr(cs, "default");
}

/* charset_alias - names found in mail that iconv spells differently */
static const char *
charset_alias(struct slice cs)
{
	static const struct {
		const char *name, *iconv;
	} aliases[] = {
		{ "iso-8859-1", "WINDOWS-1252" },  /* as browsers do */
		{ "latin1", "WINDOWS-1252" },
		{ "ks_c_5601-1987", "CP949" },
		{ "ks_c_5601", "CP949" },
		{ "euc-kr", "CP949" },
		{ "gb2312", "GB18030" },
		{ "gbk", "GB18030" },
		{ "x-gbk", "GB18030" },
		{ "iso-8859-8-i", "ISO-8859-8" },
		{ "unicode-1-1-utf-7", "UTF-7" },
		{ "x-sjis", "SHIFT_JIS" },
		{ "shift-jis", "SHIFT_JIS" },
		{ "windows-874", "CP874" },
		{ "x-mac-roman", "MACINTOSH" },
		{ "tis-620", "TIS-620" },
	};

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (slice_case_eq_cstr(cs, aliases[i].name))
			return aliases[i].iconv;
	return NULL;
}

struct mime_charset_stream {
	iconv_t cd;                  /* (iconv_t)-1: UTF-8, checked only */
	unsigned char hold[16];      /* an incomplete sequence at a chunk end */
	size_t nhold;
};

/* open_charset - iconv from charset to UTF-8; (iconv_t)-1 for UTF-8-like
 * or unknown charsets (*known tells which) */
static iconv_t
open_charset(struct slice cs, bool *known)
{
	char name[64];
	const char *alias;
	iconv_t cd;

	*known = true;
	if (charset_is_utf8_like(cs))
		return (iconv_t)-1;
	alias = charset_alias(cs);
	if (alias != NULL) {
		snprintf(name, sizeof(name), "%s", alias);
	} else {
		/* '/' would pass iconv options ("//IGNORE") */
		if (cs.len >= sizeof(name) || memchr(cs.p, '\0', cs.len) ||
		    memchr(cs.p, '/', cs.len)) {
			*known = false;
			return (iconv_t)-1;
		}
		memcpy(name, cs.p, cs.len);
		name[cs.len] = '\0';
	}
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1)
		*known = false;
	return cd;
}

struct mime_charset_stream *
mime_charset_stream_create(const unsigned char *charset, size_t charset_len,
			   bool *known)
{
	struct mime_charset_stream *s = xcalloc(1, sizeof(*s));
	bool k;

	s->cd = open_charset(slice_trim((struct slice){ charset, charset_len }),
			     &k);
	if (known != NULL)
		*known = k;
	return s;
}

/* utf8_complete - how much of p can be checked now: an incomplete
 * sequence at the end waits for the next chunk */
static size_t
utf8_complete(const unsigned char *p, size_t n)
{
	size_t back = 0;

	while (back < 3 && back < n && (p[n - 1 - back] & 0xc0) == 0x80)
		back++;
	if (back < n) {
		unsigned char c = p[n - 1 - back];
		size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

		if (need > back + 1)
			return n - back - 1;
	}
	return n;
}

/* convert - iconv p to out; an incomplete sequence at the end is held
 * back unless final */
static void
convert(struct mime_charset_stream *s, const unsigned char *p, size_t len,
	bool final, struct buf *out)
{
	char *in = (char *)p;
	size_t inleft = len;

	while (inleft > 0) {
		size_t room = inleft * 4 + 16;
		size_t start = out->len;
		char *o = (char *)buf_reserve(out, room);
		size_t oleft = room;
		size_t r = iconv(s->cd, &in, &inleft, &o, &oleft);

		out->len = start + (room - oleft);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		if (errno == EINVAL && !final && inleft <= sizeof(s->hold)) {
			memcpy(s->hold, in, inleft);
			s->nhold = inleft;
			return;
		}
		/* EILSEQ, or incomplete at the very end: U+FFFD */
		buf_append(out, replacement, sizeof(replacement));
		in++;
		inleft--;
		iconv(s->cd, NULL, NULL, NULL, NULL);
	}
}

/* scrub_nul - a NUL from the charset (UTF-16 zeros...) is no text */
static void
scrub_nul(struct buf *out, size_t base)
{
	struct buf tmp = BUF_INIT;

	if (out->len <= base ||
	    memchr(out->data + base, '\0', out->len - base) == NULL)
		return;
	buf_append(&tmp, out->data + base, out->len - base);
	buf_truncate(out, base);
	mime_charset_utf8_sanitize(tmp.data, tmp.len, out);
	buf_free(&tmp);
}

static void
stream_feed(struct mime_charset_stream *s, const unsigned char *p,
	    size_t len, bool final, struct buf *out)
{
	struct buf tmp = BUF_INIT;
	size_t base = out->len;

	if (s->nhold > 0) {
		buf_append(&tmp, s->hold, s->nhold);
		buf_append(&tmp, p, len);
		s->nhold = 0;
		p = tmp.data;
		len = tmp.len;
	}
	if (len == 0) {
		buf_free(&tmp);
		return;
	}
	if (s->cd == (iconv_t)-1) {
		size_t k = final ? len : utf8_complete(p, len);

		mime_charset_utf8_sanitize(p, k, out);
		memcpy(s->hold, p + k, len - k);
		s->nhold = len - k;
	} else {
		convert(s, p, len, final, out);
		scrub_nul(out, base);
	}
	buf_free(&tmp);
}

void
mime_charset_stream_feed(struct mime_charset_stream *s,
			 const unsigned char *p, size_t len, struct buf *out)
{
	stream_feed(s, p, len, false, out);
}

void
mime_charset_stream_finish(struct mime_charset_stream **sp, struct buf *out)
{
	struct mime_charset_stream *s = *sp;

	if (s == NULL)
		return;
	stream_feed(s, NULL, 0, true, out);
	if (s->cd != (iconv_t)-1) {
		/* flush a stateful encoding's shift sequence */
		size_t oleft = 16, start = out->len;
		char *o = (char *)buf_reserve(out, 16);

		iconv(s->cd, NULL, NULL, &o, &oleft);
		out->len = start + (16 - oleft);
		scrub_nul(out, start);
		iconv_close(s->cd);
	}
	free(s);
	*sp = NULL;
}

bool
mime_charset_to_utf8(const unsigned char *charset, size_t charset_len,
		     const unsigned char *p, size_t len, struct buf *out)
{
	struct mime_charset_stream *s;
	bool known;

	s = mime_charset_stream_create(charset, charset_len, &known);
	stream_feed(s, p, len, true, out);
	mime_charset_stream_finish(&s, out);
	return known;
}
