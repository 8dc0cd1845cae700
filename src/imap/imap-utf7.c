/* imap-utf7.c - modified UTF-7 mailbox names */
#include "imap/imap-utf7.h"

#include <stdint.h>

#include "auth/auth.h"
#include "lib/utf8.h"

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

static void
put_utf16(struct buf *out, uint32_t u, uint32_t *bits, int *nbits)
{
	*bits = (*bits << 16) | u;
	*nbits += 16;
	while (*nbits >= 6) {
		*nbits -= 6;
		buf_append_byte(out, (unsigned char)
				b64chars[(*bits >> *nbits) & 0x3f]);
	}
}

bool
imap_utf7_encode(struct buf *out, const char *utf8, size_t len)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t i = 0;

	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f) {
			if (p[i] == '&')
				buf_append_str(out, "&-");
			else
				buf_append_byte(out, p[i]);
			i++;
			continue;
		}
		/* a run of non-printable-ASCII characters */
		uint32_t bits = 0;
		int nbits = 0;

		buf_append_byte(out, '&');
		while (i < len && !(p[i] >= 0x20 && p[i] < 0x7f)) {
			uint32_t cp;
			size_t n = utf8_next(p + i, len - i, &cp);

			if (n == 0)
				return false;
			i += n;
			if (cp >= 0x10000) {
				cp -= 0x10000;
				put_utf16(out, 0xd800 | (cp >> 10), &bits,
					  &nbits);
				put_utf16(out, 0xdc00 | (cp & 0x3ff), &bits,
					  &nbits);
			} else {
				put_utf16(out, cp, &bits, &nbits);
			}
		}
		if (nbits > 0)
			buf_append_byte(out, (unsigned char)
					b64chars[(bits << (6 - nbits)) & 0x3f]);
		buf_append_byte(out, '-');
	}
	return true;
}

bool
imap_utf7_decode(struct buf *out, const char *mutf7, size_t len)
{
	const unsigned char *p = (const unsigned char *)mutf7;
	size_t i = 0, start = out->len;

	while (i < len) {
		if (p[i] < 0x20 || p[i] >= 0x7f)
			goto fail;
		if (p[i] != '&') {
			buf_append_byte(out, p[i++]);
			continue;
		}
		i++;
		if (i < len && p[i] == '-') {
			buf_append_byte(out, '&');
			i++;
			continue;
		}
		uint32_t bits = 0, high = 0;
		int nbits = 0;
		size_t nchars = 0;

		while (i < len && p[i] != '-') {
			int v = b64val(p[i]);

			if (v < 0)
				goto fail;
			bits = (bits << 6) | (uint32_t)v;
			nbits += 6;
			nchars++;
			i++;
			if (nbits < 16)
				continue;
			nbits -= 16;
			uint32_t u = (bits >> nbits) & 0xffff;

			if (high != 0) {
				if (u < 0xdc00 || u > 0xdfff)
					goto fail;
				utf8_put(out, 0x10000 + ((high - 0xd800) << 10) +
					 (u - 0xdc00));
				high = 0;
			} else if (u >= 0xd800 && u <= 0xdbff) {
				high = u;
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				goto fail;
			} else if (u >= 0x20 && u < 0x7f) {
				/* printable ASCII must not be encoded */
				goto fail;
			} else {
				utf8_put(out, u);
			}
		}
		/* unterminated, empty, dangling surrogate, or leftover bits
		 * that are not zero padding */
		if (i >= len || nchars == 0 || high != 0 || nbits >= 6 ||
		    (bits & ((1u << nbits) - 1)) != 0)
			goto fail;
		i++;	/* '-' */
	}
	return true;
fail:
	buf_truncate(out, start);
	return false;
}
