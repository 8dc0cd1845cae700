/* utf8.c - strict UTF-8 decoding (RFC 3629) and encoding */
#include "lib/utf8.h"

size_t
utf8_next(const unsigned char *p, size_t len, uint32_t *cp_r)
{
	uint32_t cp, min;
	size_t n;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
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
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return n;
}

void
utf8_put(struct buf *out, uint32_t cp)
{
	if (cp < 0x80) {
		buf_append_byte(out, (unsigned char)cp);
	} else if (cp < 0x800) {
		buf_append_byte(out, (unsigned char)(0xc0 | (cp >> 6)));
		buf_append_byte(out, (unsigned char)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_append_byte(out, (unsigned char)(0xe0 | (cp >> 12)));
		buf_append_byte(out, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_append_byte(out, (unsigned char)(0x80 | (cp & 0x3f)));
	} else {
		buf_append_byte(out, (unsigned char)(0xf0 | (cp >> 18)));
		buf_append_byte(out, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
		buf_append_byte(out, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		buf_append_byte(out, (unsigned char)(0x80 | (cp & 0x3f)));
	}
}
