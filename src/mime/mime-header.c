/* mime-header.c - header blocks and values: HEADER.FIELDS[.NOT], one
 * field, unfolding and decoding a value */
#include "mime/mime.h"

#include <string.h>

static bool
hdr_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct field {
	size_t start, end;      /* the field's lines, folding and EOL included */
	struct slice name;      /* trimmed; empty if the line has no ':' */
	size_t value;           /* offset just past the ':' */
};

/* header_next - the field at *pos, or false at the blank line / end */
static bool
header_next(const unsigned char *h, size_t len, size_t *pos, struct field *f)
{
	size_t i = *pos, colon;

	if (i >= len || h[i] == '\n' || (h[i] == '\r' && i + 1 < len &&
					  h[i + 1] == '\n') ||
	    (h[i] == '\r' && i + 1 == len))
		return false;
	f->start = i;
	colon = SIZE_MAX;
	for (;;) {
		const unsigned char *nl = memchr(h + i, '\n', len - i);
		size_t eol = nl ? (size_t)(nl - h) + 1 : len;

		if (colon == SIZE_MAX) {
			const unsigned char *c = memchr(h + i, ':', eol - i);

			if (c != NULL)
				colon = (size_t)(c - h);
			else if (i == f->start)
				colon = SIZE_MAX - 1;   /* no ':' on line 1 */
		}
		i = eol;
		if (i >= len || (h[i] != ' ' && h[i] != '\t'))
			break;
	}
	f->end = i;
	if (colon >= SIZE_MAX - 1) {
		f->name = (struct slice){ h + f->start, 0 };
		f->value = f->end;
	} else {
		size_t ne = colon;

		while (ne > f->start && (h[ne - 1] == ' ' || h[ne - 1] == '\t'))
			ne--;
		f->name = (struct slice){ h + f->start, ne - f->start };
		f->value = colon + 1;
	}
	*pos = i;
	return true;
}

bool
mime_header_next(const unsigned char *hdr, size_t len, size_t *pos,
		 struct slice *name, struct slice *value)
{
	struct field f;
	size_t end;

	do {
		if (!header_next(hdr, len, pos, &f))
			return false;
	} while (f.name.len == 0);
	end = f.end;
	if (end > f.value && hdr[end - 1] == '\n')
		end--;
	if (end > f.value && hdr[end - 1] == '\r')
		end--;
	*name = f.name;
	*value = (struct slice){ hdr + f.value, end - f.value };
	return true;
}

static bool
name_in(struct slice name, const struct slice *names, size_t n)
{
	if (name.len == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (names[i].len != name.len)
			continue;
		if (strncasecmp((const char *)names[i].p, (const char *)name.p,
				name.len) == 0)
			return true;
	}
	return false;
}

void
mime_header_filter(const unsigned char *hdr, size_t len,
		   const struct slice *names, size_t n, bool not,
		   struct buf *out)
{
	size_t pos = 0;
	struct field f;

	while (header_next(hdr, len, &pos, &f)) {
		bool match = name_in(f.name, names, n);

		if (f.name.len == 0 && !not)
			continue;
		if (match == not)
			continue;
		buf_append(out, hdr + f.start, f.end - f.start);
		if (hdr[f.end - 1] != '\n')
			buf_append(out, "\r\n", 2);
	}
	buf_append(out, "\r\n", 2);
}

bool
mime_header_get(const unsigned char *hdr, size_t len, const char *name,
		struct buf *out)
{
	size_t pos = 0;
	struct field f;
	struct slice want = slice_from_cstr(name);

	while (header_next(hdr, len, &pos, &f)) {
		size_t end = f.end;

		if (!name_in(f.name, &want, 1))
			continue;
		if (end > f.value && hdr[end - 1] == '\n')
			end--;
		if (end > f.value && hdr[end - 1] == '\r')
			end--;
		buf_append(out, hdr + f.value, end - f.value);
		return true;
	}
	return false;
}

void
mime_header_unfold(const unsigned char *p, size_t len, struct buf *out)
{
	size_t i = 0, end;

	while (i < len && hdr_is_ws(p[i]))
		i++;
	end = len;
	while (end > i && hdr_is_ws(p[end - 1]))
		end--;
	for (size_t k = i; k < end; k++) {
		size_t s = k;

		while (k < end && p[k] != '\r' && p[k] != '\n')
			k++;
		buf_append(out, p + s, k - s);
	}
}

void
mime_header_decode(const unsigned char *p, size_t len, struct buf *out)
{
	struct buf tmp = BUF_INIT;

	mime_header_unfold(p, len, &tmp);
	mime_decode_words(tmp.data, tmp.len, out);
	buf_free(&tmp);
}

void
mime_header_text(const unsigned char *raw, size_t len, struct buf *out)
{
	struct buf v = BUF_INIT;
	size_t i = 0;

	while (i < len) {
		size_t start = i, colon;

		/* one field: its line and the folded lines after it */
		while (i < len) {
			if (raw[i++] != '\n')
				continue;
			if (i < len && (raw[i] == ' ' || raw[i] == '\t'))
				continue;
			break;
		}
		for (colon = start; colon < i && raw[colon] != ':'; colon++)
			;
		if (colon >= i || colon == start)
			continue;
		buf_append(out, raw + start, colon - start);
		buf_append_str(out, ": ");
		buf_reset(&v);
		mime_header_decode(raw + colon + 1, i - colon - 1, &v);
		buf_append(out, v.data, v.len);
		buf_append_byte(out, '\n');
	}
	buf_free(&v);
}
