/* buf.c - length-counted byte buffers and string slices */
#include "lib/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
oom(void)
{
	fputs("tern: out of memory\n", stderr);
	abort();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		oom();
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		oom();
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_steal(&b);
}

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

unsigned char *
buf_reserve(struct buf *b, size_t n)
{
	/* +1 keeps room for the terminator buf_cstr() writes */
	if (n > SIZE_MAX / 2 - b->len)
		oom();
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	return b->data + b->len;
}

void
buf_append(struct buf *b, const void *data, size_t n)
{
	if (n == 0)
		return;
	memcpy(buf_reserve(b, n), data, n);
	b->len += n;
}

void
buf_append_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_append_byte(struct buf *b, unsigned char c)
{
	*buf_reserve(b, 1) = c;
	b->len++;
}

void
buf_append_slice(struct buf *b, struct slice s)
{
	buf_append(b, s.p, s.len);
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	vsnprintf((char *)buf_reserve(b, (size_t)n + 1), (size_t)n + 1, fmt,
		  ap);
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len)
		b->len = len;
}

const char *
buf_cstr(struct buf *b)
{
	buf_reserve(b, 0);
	b->data[b->len] = '\0';
	return (const char *)b->data;
}

char *
buf_steal(struct buf *b)
{
	char *s;

	buf_cstr(b);
	s = (char *)b->data;
	buf_init(b);
	return s;
}

struct slice
slice_from_cstr(const char *s)
{
	return (struct slice){ (const unsigned char *)s, strlen(s) };
}

bool
slice_eq(struct slice a, struct slice b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool
slice_eq_cstr(struct slice a, const char *s)
{
	return slice_eq(a, slice_from_cstr(s));
}

bool
slice_case_eq_cstr(struct slice a, const char *s)
{
	size_t n = strlen(s);

	return a.len == n && (n == 0 || strncasecmp((const char *)a.p, s, n) == 0);
}

bool
slice_case_prefix(struct slice a, const char *prefix)
{
	size_t n = strlen(prefix);

	return a.len >= n && (n == 0 || strncasecmp((const char *)a.p, prefix, n) == 0);
}

struct slice
slice_trim(struct slice s)
{
	while (s.len > 0 && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t' ||
			     s.p[s.len - 1] == '\r' || s.p[s.len - 1] == '\n'))
		s.len--;
	return s;
}

ptrdiff_t
slice_find(struct slice s, unsigned char c)
{
	const unsigned char *p = s.len ? memchr(s.p, c, s.len) : NULL;

	return p ? p - s.p : -1;
}

char *
slice_dup(struct slice s)
{
	return xstrndup((const char *)s.p, s.len);
}

bool
slice_to_u64(struct slice s, uint64_t *out)
{
	uint64_t v = 0;

	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d;

		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		d = s.p[i] - '0';
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

void
buf_append_escaped(struct buf *out, const void *data, size_t len, size_t max)
{
	const unsigned char *p = data;
	size_t n = len < max ? len : max;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c == '\\' || c == '"') {
			buf_append_byte(out, '\\');
			buf_append_byte(out, c);
		} else if (c >= 0x20 && c < 0x7f) {
			buf_append_byte(out, c);
		} else {
			buf_printf(out, "\\x%02x", c);
		}
	}
	if (len > max)
		buf_append_str(out, "...");
}
