/* casefold.c - i;unicode-casemap (RFC 5051) with full case folding */
#include "lib/casefold.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "lib/utf8.h"

/* RFC 5051 step 1 before utf8proc's folding and decomposition */
static utf8proc_int32_t
titlecase(utf8proc_int32_t cp, void *data)
{
	(void)data;
	return utf8proc_totitle(cp);
}

/* length of the run of valid non-ASCII UTF-8 at p */
static size_t
nonascii_run(const unsigned char *p, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	while (i < len && p[i] >= 0x80 &&
	       (n = utf8_next(p + i, len - i, &cp)) > 0)
		i += n;
	return i;
}

static void
fold_run(const unsigned char *p, size_t len, struct buf *out)
{
	enum { STACK = 256 };
	utf8proc_int32_t stackv[STACK], *v = stackv;
	utf8proc_ssize_t n, cap = STACK, i;
	int opt = UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD;

	for (;;) {
		n = utf8proc_decompose_custom(p, (utf8proc_ssize_t)len, v, cap,
					      opt, titlecase, NULL);
		if (n < 0) {	/* not expected after utf8_next: as bytes */
			buf_append(out, p, len);
			break;
		}
		if (n <= cap) {
			for (i = 0; i < n; i++) {
				unsigned char *d = buf_reserve(out, 4);

				out->len += (size_t)utf8proc_encode_char(v[i],
									 d);
			}
			break;
		}
		if (v != stackv)
			free(v);
		cap = n;
		v = xmalloc((size_t)cap * sizeof(*v));
	}
	if (v != stackv)
		free(v);
}

static void
fold(const void *s, size_t len, struct buf *out, bool for_index)
{
	const unsigned char *p = s;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = p[i];

		if (c < 0x80) {
			if (c == 0 && for_index)
				buf_append_str(out, "\xef\xbf\xbd");
			else
				buf_append_byte(out, c >= 'A' && c <= 'Z' ?
						(unsigned char)(c + 32) : c);
			i++;
			continue;
		}
		n = nonascii_run(p + i, len - i);
		if (n == 0) {
			if (for_index)
				buf_append_str(out, "\xef\xbf\xbd");
			else
				buf_append_byte(out, c);
			i++;
			continue;
		}
		fold_run(p + i, n, out);
		i += n;
	}
}

void
casefold(const void *s, size_t len, struct buf *out)
{
	fold(s, len, out, false);
}

void
casefold_index(const void *s, size_t len, struct buf *out)
{
	fold(s, len, out, true);
}

bool
casefold_find(const void *hay, size_t hlen, const void *needle, size_t nlen)
{
	struct buf f = BUF_INIT;
	bool found;

	if (nlen == 0)
		return true;
	if (hay == NULL || hlen == 0)
		return false;
	casefold(hay, hlen, &f);
	found = memmem(f.data, f.len, needle, nlen) != NULL;
	buf_free(&f);
	return found;
}

bool
casefold_contains(const void *hay, size_t hlen, const char *needle)
{
	struct buf n = BUF_INIT;
	bool found;

	casefold(needle, strlen(needle), &n);
	found = casefold_find(hay, hlen, n.data, n.len);
	buf_free(&n);
	return found;
}
