/* sieve-encoded.c - encoded-character (RFC 5228 2.4.2.4):
 * "${hex: 41 42}" and "${unicode: 263A}" in strings */
#include "sieve/sieve-private.h"
#include "lib/hex.h"
#include "lib/utf8.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* one "${hex:...}" / "${unicode:...}" at s[i]; the index after it, or
 * 0 when it is not one (kept as written); -1 on a bad code point */
static long
decode_one(const char *s, size_t len, size_t i, struct buf *o, char *err,
	   size_t errlen)
{
	bool uni;
	size_t k = i + 2;

	if (len - k >= 4 && strncasecmp(s + k, "hex:", 4) == 0) {
		uni = false;
		k += 4;
	} else if (len - k >= 8 && strncasecmp(s + k, "unicode:", 8) == 0) {
		uni = true;
		k += 8;
	} else {
		return 0;
	}
	struct buf tmp = BUF_INIT;
	bool any = false;	/* "${hex:}" is not an encoding */
	for (;;) {
		while (k < len && (s[k] == ' ' || s[k] == '\t' || s[k] == '\r' ||
				   s[k] == '\n'))
			k++;
		if (k >= len)
			goto no;
		if (s[k] == '}' && any)
			break;
		if (s[k] == '}')
			goto no;
		uint32_t v = 0;
		size_t d = 0;
		while (k < len && hex_digit((unsigned char)s[k]) >= 0) {
			if (d < 8)
				v = v * 16 + (uint32_t)hex_digit((unsigned char)s[k]);
			d++;
			k++;
		}
		if (d == 0 || (!uni && d > 2) || (uni && d > 6))
			goto no;
		if (uni) {
			if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
				snprintf(err, errlen,
					 "invalid unicode character U+%X in encoded-character",
					 v);
				buf_free(&tmp);
				return -1;
			}
			utf8_put(&tmp, v);
		} else {
			buf_append_byte(&tmp, (unsigned char)v);
		}
		any = true;
	}
	buf_append(o, tmp.data, tmp.len);
	buf_free(&tmp);
	return (long)(k + 1);
no:
	buf_free(&tmp);
	return 0;
}

bool
sieve_decode_encoded(struct sieve_str *s, char *err, size_t errlen)
{
	struct buf o = BUF_INIT;
	bool changed = false;

	if (!memmem(s->s, s->len, "${", 2))
		return true;
	for (size_t i = 0; i < s->len;) {
		if (s->s[i] == '$' && i + 1 < s->len && s->s[i + 1] == '{') {
			long e = decode_one(s->s, s->len, i, &o, err, errlen);
			if (e < 0) {
				buf_free(&o);
				return false;
			}
			if (e > 0) {
				i = (size_t)e;
				changed = true;
				continue;
			}
		}
		buf_append_byte(&o, (unsigned char)s->s[i++]);
	}
	if (changed) {
		/* the decoded text is never longer: decode in place */
		memcpy(s->s, o.data, o.len);
		s->s[o.len] = '\0';
		s->len = o.len;
	}
	buf_free(&o);
	return true;
}
