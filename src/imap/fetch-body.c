/* fetch-body.c - BODY[section]<partial>: where the bytes are, and the
 * response pieces (small data inline, large data streamed later) */
#include "imap/imap-fetch.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mime/mime.h"

/* data up to this size is read at once; larger is streamed */
#define FETCH_INLINE_MAX (64 * 1024)

static struct fetch_seg *
fetch_out_last_text(struct fetch_out *o)
{
	if (o->n > 0 && o->v[o->n - 1].len == 0)
		return &o->v[o->n - 1];
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 4;
		o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
	}
	memset(&o->v[o->n], 0, sizeof(o->v[o->n]));
	return &o->v[o->n++];
}

struct buf *
fetch_out_buf(struct fetch_out *o)
{
	return &fetch_out_last_text(o)->text;
}

void
fetch_buf_u64(struct buf *b, uint64_t v)
{
	char d[20];
	size_t n = sizeof(d);

	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	buf_append(b, d + n, sizeof(d) - n);
}

/* "{n}\r\n" */
static void
fetch_out_literal_len(struct fetch_out *o, uint64_t n)
{
	struct buf *b = fetch_out_buf(o);

	buf_append_byte(b, '{');
	fetch_buf_u64(b, n);
	buf_append(b, "}\r\n", 3);
}

void
fetch_out_text(struct fetch_out *o, const void *p, size_t len)
{
	buf_append(&fetch_out_last_text(o)->text, p, len);
}

void
fetch_out_printf(struct fetch_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&fetch_out_last_text(o)->text, fmt, ap);
	va_end(ap);
}

void
fetch_out_stream(struct fetch_out *o, uint64_t off, uint64_t len,
		 bool nonul)
{
	struct fetch_seg *sg;

	if (len == 0)
		return;
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 4;
		o->v = xrealloc(o->v, o->cap * sizeof(*o->v));
	}
	sg = &o->v[o->n++];
	memset(sg, 0, sizeof(*sg));
	sg->off = off;
	sg->len = len;
	sg->nonul = nonul;
}

void
fetch_nonul(unsigned char *p, size_t n)
{
	unsigned char *z;

	while (n > 0 && (z = memchr(p, '\0', n)) != NULL) {
		*z = 0x80;
		n -= (size_t)(z - p) + 1;
		p = z + 1;
	}
}

void
fetch_out_clear(struct fetch_out *o)
{
	size_t i;
	bool no_stream = o->no_stream;

	for (i = 0; i < o->n; i++)
		buf_free(&o->v[i].text);
	free(o->v);
	memset(o, 0, sizeof(*o));
	o->no_stream = no_stream;
}

/* read [off, off + len) of the message; short at a truncated blob */
static void
fetch_read(struct store_reader *r, uint64_t off, uint64_t len,
	   struct buf *out)
{
	while (len > 0) {
		size_t n = len > 65536 ? 65536 : (size_t)len;
		unsigned char *p = buf_reserve(out, n);
		ssize_t got = store_reader_pread(r, p, n, off);

		if (got <= 0)
			break;
		out->len += (size_t)got;
		off += (uint64_t)got;
		len -= (uint64_t)got;
	}
}

/* where the section's bytes are in the message as served: false if
 * the part does not exist ([start, end) then empty) */
static bool
section_bounds(const struct fetch_item *it, const struct store_msg *m,
	       uint64_t *start_r, uint64_t *end_r, struct mime_part_loc *lp)
{
	const struct store_parse *ps = &m->parse;
	uint64_t pl = m->prefix_len, start = 0, end = 0;
	bool found = true;
	struct mime_part_loc loc;

	memset(&loc, 0, sizeof(loc));
	if (it->depth == 0) {
		uint64_t hend = pl + ps->header_len;

		if (hend > m->size)
			hend = m->size;
		switch (it->part) {
		case FETCH_PART_ALL:
			end = m->size;
			break;
		case FETCH_PART_TEXT:
			start = hend;
			end = m->size;
			break;
		default:	/* HEADER, FIELDS */
			end = hend;
			break;
		}
	} else if (ps->partmap == NULL ||
		   !mime_part_find(ps->partmap, ps->partmap_len, it->path,
				   it->depth, &loc)) {
		found = false;
	} else {
		switch (it->part) {
		case FETCH_PART_ALL:
			start = loc.body_start;
			end = loc.body_end;
			break;
		case FETCH_PART_MIME:
			start = loc.header_start;
			end = loc.body_start;
			break;
		case FETCH_PART_TEXT:
			found = loc.is_message;
			start = loc.msg_body_start;
			end = loc.body_end;
			break;
		default:	/* HEADER, FIELDS of an embedded message */
			found = loc.is_message;
			start = loc.body_start;
			end = loc.msg_body_start;
			break;
		}
		start += pl;
		end += pl;
	}
	if (!found || end < start || end > m->size) {
		start = end = 0;
		found = false;
	}
	*start_r = start;
	*end_r = end;
	*lp = loc;
	return found;
}

bool
fetch_section_data(const struct fetch_item *it, const struct store_msg *m,
		   struct store_reader *r, struct buf *filtered,
		   uint64_t *off_r, uint64_t *len_r)
{
	struct mime_part_loc loc;
	uint64_t start, end, len;

	*off_r = *len_r = 0;
	if (!section_bounds(it, m, &start, &end, &loc))
		return false;
	if (it->part == FETCH_PART_FIELDS || it->part == FETCH_PART_FIELDS_NOT) {
		struct buf hdr = BUF_INIT;

		fetch_read(r, start, end - start, &hdr);
		mime_header_filter(hdr.data, hdr.len, it->fields, it->n_fields,
				   it->part == FETCH_PART_FIELDS_NOT, filtered);
		buf_free(&hdr);
		start = 0;
		end = filtered->len;
	}
	len = end - start;
	if (it->partial) {
		uint64_t s0 = it->p_off < len ? it->p_off : len;

		start += s0;
		len = len - s0 < it->p_len ? len - s0 : it->p_len;
	}
	*off_r = start;
	*len_r = len;
	return true;
}

void
fetch_body_section(struct fetch_out *o, const struct fetch_item *it,
		   const struct store_msg *m, struct store_reader *r)
{
	uint64_t start, end;
	bool filter = it->part == FETCH_PART_FIELDS ||
		      it->part == FETCH_PART_FIELDS_NOT;
	struct mime_part_loc loc;
	bool found = section_bounds(it, m, &start, &end, &loc);

	buf_append_str(fetch_out_buf(o), it->label);
	buf_append_byte(fetch_out_buf(o), ' ');
	if (it->binary && it->depth > 0 && found && !loc.is_multipart &&
	    !loc.is_message && (loc.cte == MIME_CTE_QP ||
				loc.cte == MIME_CTE_BASE64)) {
		struct buf raw = BUF_INIT, dec = BUF_INIT;
		uint64_t s0 = 0, n;

		if (r != NULL)
			fetch_read(r, start, end - start, &raw);
		mime_decode(loc.cte, raw.data, raw.len, &dec);
		n = dec.len;
		if (it->partial) {
			s0 = it->p_off < n ? it->p_off : n;
			n = n - s0 < it->p_len ? n - s0 : it->p_len;
		}
		/* literal8 when the bytes hold a NUL (RFC 3516 4.2); an
		 * empty part decodes to no buffer at all (data NULL) */
		fetch_out_printf(o, "%s{%llu}\r\n",
				 n > 0 && memchr(dec.data + s0, '\0',
						 (size_t)n) ? "~" : "",
				 (unsigned long long)n);
		if (n > 0)
			fetch_out_text(o, dec.data + s0, (size_t)n);
		buf_free(&raw);
		buf_free(&dec);
		return;
	}
	if (filter) {
		struct buf hdr = BUF_INIT, f = BUF_INIT;
		uint64_t s0 = 0, n;

		if (found && r != NULL)
			fetch_read(r, start, end - start, &hdr);
		mime_header_filter(hdr.data, hdr.len, it->fields, it->n_fields,
				   it->part == FETCH_PART_FIELDS_NOT, &f);
		n = f.len;
		if (it->partial) {
			s0 = it->p_off < n ? it->p_off : n;
			n = n - s0 < it->p_len ? n - s0 : it->p_len;
		}
		fetch_out_literal_len(o, n);
		if (n > 0) {
			fetch_nonul(f.data + s0, (size_t)n);
			fetch_out_text(o, f.data + s0, (size_t)n);
		}
		buf_free(&hdr);
		buf_free(&f);
		return;
	}
	uint64_t len = end - start;

	if (it->partial) {
		uint64_t s0 = it->p_off < len ? it->p_off : len;

		start += s0;
		len = len - s0 < it->p_len ? len - s0 : it->p_len;
	}
	if (len > 0 && r == NULL) {
		/* the message could not be opened: no literal to promise */
		fetch_out_text(o, "NIL", 3);
		return;
	}
	if (len == 0) {
		fetch_out_text(o, "{0}\r\n", 5);
		return;
	}
	if (len <= FETCH_INLINE_MAX) {
		struct buf b = BUF_INIT;

		fetch_read(r, start, len, &b);
		/* a short read (truncated blob) is padded: the literal's
		 * announced length must hold */
		while (b.len < len)
			buf_append_byte(&b, ' ');
		/* a NUL: BINARY sends a literal8, the rest shows 0x80 */
		if (memchr(b.data, '\0', b.len) != NULL) {
			if (it->binary)
				fetch_out_text(o, "~", 1);
			else
				fetch_nonul(b.data, b.len);
		}
		fetch_out_literal_len(o, len);
		fetch_out_text(o, b.data, b.len);
		buf_free(&b);
	} else if (o->no_stream) {
		o->wants_stream = true;
	} else {
		/* not read yet: BINARY may hold a NUL, so a literal8 */
		fetch_out_printf(o, "%s{%llu}\r\n", it->binary ? "~" : "",
				 (unsigned long long)len);
		fetch_out_stream(o, start, len, !it->binary);
	}
}

void
fetch_binary_size(struct fetch_out *o, const struct fetch_item *it,
		  const struct store_msg *m, struct store_reader *r)
{
	const struct store_parse *ps = &m->parse;
	struct mime_part_loc loc;
	uint64_t pl = m->prefix_len, size = 0;

	if (it->depth == 0) {
		size = m->size;
	} else if (ps->partmap != NULL &&
		   mime_part_find(ps->partmap, ps->partmap_len, it->path,
				  it->depth, &loc) &&
		   loc.body_end >= loc.body_start &&
		   loc.body_end + pl <= m->size) {
		size = loc.body_end - loc.body_start;
		if (!loc.is_multipart && !loc.is_message &&
		    (loc.cte == MIME_CTE_QP || loc.cte == MIME_CTE_BASE64)) {
			struct buf raw = BUF_INIT;

			if (r != NULL)
				fetch_read(r, loc.body_start + pl, size, &raw);
			size = mime_decoded_size(loc.cte, raw.data, raw.len);
			buf_free(&raw);
		}
	}
	fetch_out_printf(o, "%s %llu", it->label, (unsigned long long)size);
}

struct fetch_preview_src {
	struct store_reader *r;
	uint64_t prefix_len;
};

static ssize_t
fetch_preview_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct fetch_preview_src *src = ctx;

	return store_reader_pread(src->r, buf, len, off + src->prefix_len);
}

bool
fetch_preview(struct fetch_out *o, const struct fetch_item *it,
	      const struct store_msg *m, struct store_reader *r,
	      const struct mime_preview_limits *lim_r, struct buf *text)
{
	const struct store_parse *ps = &m->parse;
	struct fetch_preview_src src = { r, m->prefix_len };
	struct mime_preview_limits lim = { MIME_PREVIEW_PARTS,
					   MIME_PREVIEW_READ };
	struct buf b = BUF_INIT;
	bool made = false;

	buf_append_str(&b, "PREVIEW ");
	if (ps->preview != NULL) {
		mime_imap_string(&b, (const unsigned char *)ps->preview,
				 strlen(ps->preview));
	} else if (it->lazy || r == NULL || ps->partmap == NULL ||
		   !mime_preview(ps->partmap, ps->partmap_len, lim_r ? lim_r :
				 &lim, fetch_preview_read, &src, text)) {
		/* LAZY: not made yet, the client asks again later (RFC
		 * 8970 3); or the message cannot be read */
		buf_append_str(&b, "NIL");
	} else {
		mime_imap_string(&b, text->data, text->len);
		made = true;
	}
	fetch_out_text(o, b.data, b.len);
	buf_free(&b);
	return made;
}
