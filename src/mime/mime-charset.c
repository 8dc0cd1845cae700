/* mime-charset.c - charset conversion to UTF-8 (iconv) and UTF-8 repair */
#include "mime/mime.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <string.h>

static const unsigned char replacement[3] = { 0xef, 0xbf, 0xbd };

/* length of the valid UTF-8 sequence at p (1..4), or 0 if invalid */
static size_t
utf8_seq_len(const unsigned char *p, size_t len)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return c == 0 ? 0 : 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
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

bool
mime_charset_to_utf8(const unsigned char *charset, size_t charset_len,
		     const unsigned char *p, size_t len, struct buf *out)
{
	struct slice cs = slice_trim((struct slice){ charset, charset_len });
	char name[64];
	const char *alias;
	iconv_t cd;
	char *in;
	size_t inleft, base;

	if (len == 0)
		return true;
	if (charset_is_utf8_like(cs)) {
		mime_charset_utf8_sanitize(p, len, out);
		return true;
	}
	alias = charset_alias(cs);
	if (alias != NULL) {
		snprintf(name, sizeof(name), "%s", alias);
	} else {
		if (cs.len >= sizeof(name) || memchr(cs.p, '\0', cs.len) ||
		    memchr(cs.p, '/', cs.len)) {
			mime_charset_utf8_sanitize(p, len, out);
			return false;
		}
		memcpy(name, cs.p, cs.len);
		name[cs.len] = '\0';
	}
	cd = iconv_open("UTF-8", name);
	if (cd == (iconv_t)-1) {
		mime_charset_utf8_sanitize(p, len, out);
		return false;
	}
	base = out->len;
	in = (char *)p;
	inleft = len;
	while (inleft > 0) {
		size_t room = inleft * 4 + 16;
		size_t start = out->len;
		char *o = (char *)buf_reserve(out, room);
		size_t oleft = room;
		size_t r = iconv(cd, &in, &inleft, &o, &oleft);

		out->len = start + (room - oleft);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		/* EILSEQ or EINVAL: one bad byte becomes U+FFFD */
		buf_append(out, replacement, sizeof(replacement));
		in++;
		inleft--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	/* flush a stateful encoding's shift sequence */
	{
		char *o = (char *)buf_reserve(out, 16);
		size_t oleft = 16, start = out->len;

		iconv(cd, NULL, NULL, &o, &oleft);
		out->len = start + (16 - oleft);
	}
	iconv_close(cd);
	/* a NUL from the charset (UTF-16 zeros...) is no text either */
	if (out->len > base &&
	    memchr(out->data + base, '\0', out->len - base) != NULL) {
		struct buf tmp = BUF_INIT;

		buf_append(&tmp, out->data + base, out->len - base);
		buf_truncate(out, base);
		mime_charset_utf8_sanitize(tmp.data, tmp.len, out);
		buf_free(&tmp);
	}
	return true;
}
