/* mime-bodystructure.c - IMAP BODY and BODYSTRUCTURE (RFC 3501 /
 * RFC 9051 7.5.2), with extension data for BODYSTRUCTURE */
#include "mime/mime-private.h"

#include <string.h>

static void
str(struct buf *out, const char *s)
{
	mime_imap_string(out, (const unsigned char *)s, strlen(s));
}

static void
bstr(struct buf *out, const struct buf *b)
{
	mime_imap_string(out, b->data ? b->data : (const unsigned char *)"",
			 b->len);
}

/* field_nstring - a header value unfolded, NIL if absent */
static void
field_nstring(const struct mime_node *n, enum mime_field f, struct buf *out)
{
	struct buf v = BUF_INIT;

	if (!n->has[f]) {
		buf_append(out, "NIL", 3);
		return;
	}
	mime_header_unfold(n->field[f].data, n->field[f].len, &v);
	bstr(out, &v);
	buf_free(&v);
}

/* params - body-fld-param: ("name" "value" ...) or NIL */
static void
params(const struct mime_params *ps, struct buf *out)
{
	if (ps->n == 0) {
		buf_append(out, "NIL", 3);
		return;
	}
	buf_append_byte(out, '(');
	for (size_t i = 0; i < ps->n; i++) {
		struct buf name = BUF_INIT;

		if (i > 0)
			buf_append_byte(out, ' ');
		buf_append(&name, ps->v[i].name.data, ps->v[i].name.len);
		if (ps->v[i].extended)
			buf_append_byte(&name, '*');
		bstr(out, &name);
		buf_append_byte(out, ' ');
		bstr(out, &ps->v[i].raw);
		buf_free(&name);
	}
	buf_append_byte(out, ')');
}

/* disposition - body-fld-dsp: ("attachment" (params)) or NIL */
static void
disposition(const struct mime_node *n, struct buf *out)
{
	struct buf v = BUF_INIT;
	struct mime_params ps = { NULL, 0 };

	if (!n->has[MIME_F_CONTENT_DISP]) {
		buf_append(out, "NIL", 3);
		return;
	}
	mime_rfc2231_parse(n->field[MIME_F_CONTENT_DISP].data,
			   n->field[MIME_F_CONTENT_DISP].len, &v, &ps);
	if (v.len == 0) {
		buf_append(out, "NIL", 3);
	} else {
		buf_append_byte(out, '(');
		bstr(out, &v);
		buf_append_byte(out, ' ');
		params(&ps, out);
		buf_append_byte(out, ')');
	}
	buf_free(&v);
	mime_params_free(&ps);
}

/* language - body-fld-lang: NIL or ("en" "fr"); one language is a list
 * too (the grammar allows a string; Dovecot sends a list) */
static void
language(const struct mime_node *n, struct buf *out)
{
	struct buf v = BUF_INIT;
	size_t count = 0, start = out->len, i = 0;

	if (n->has[MIME_F_CONTENT_LANG]) {
		/* tokens separated by commas; whitespace and comments dropped */
		mime_rfc2231_parse(n->field[MIME_F_CONTENT_LANG].data,
				   n->field[MIME_F_CONTENT_LANG].len, &v, NULL);
	}
	buf_append_byte(out, '(');
	while (i < v.len) {
		size_t s = i;

		while (i < v.len && v.data[i] != ',')
			i++;
		if (i > s) {
			if (count++ > 0)
				buf_append_byte(out, ' ');
			mime_imap_string(out, v.data + s, i - s);
		}
		i++;
	}
	buf_append_byte(out, ')');
	if (count == 0) {
		buf_truncate(out, start);
		buf_append(out, "NIL", 3);
	}
	buf_free(&v);
}

static void
extension(const struct mime_node *n, struct buf *out)
{
	buf_append_byte(out, ' ');
	disposition(n, out);
	buf_append_byte(out, ' ');
	language(n, out);
	buf_append_byte(out, ' ');
	field_nstring(n, MIME_F_CONTENT_LOC, out);
}

/* empty_part - the part shown for a multipart where no part was found:
 * empty, as its body is all preamble (RFC 2046 5.1.1), as in Dovecot;
 * the part map has the same empty part */
static void
empty_part(bool ext, struct buf *out)
{
	buf_append_str(out, "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		       "\"7bit\" 0 0");
	if (ext)
		buf_append_str(out, " NIL NIL NIL NIL");
	buf_append_byte(out, ')');
}

void
mime_bodystructure_write(const struct mime_tree *t, uint32_t i, bool ext,
			 struct buf *out)
{
	const struct mime_node *n = &t->nodes[i];

	buf_append_byte(out, '(');
	if (n->kind == MIME_NODE_MULTIPART) {
		if (n->first_child == MIME_NONE)
			empty_part(ext, out);
		for (uint32_t c = n->first_child; c != MIME_NONE;
		     c = t->nodes[c].next)
			mime_bodystructure_write(t, c, ext, out);
		buf_append_byte(out, ' ');
		bstr(out, &n->subtype);
		if (ext) {
			buf_append_byte(out, ' ');
			params(&n->params, out);
			extension(n, out);
		}
		buf_append_byte(out, ')');
		return;
	}
	if (n->cut) {
		str(out, "application");
		buf_append_byte(out, ' ');
		str(out, "octet-stream");
	} else {
		bstr(out, &n->type);
		buf_append_byte(out, ' ');
		bstr(out, &n->subtype);
	}
	buf_append_byte(out, ' ');
	params(&n->params, out);
	buf_append_byte(out, ' ');
	field_nstring(n, MIME_F_CONTENT_ID, out);
	buf_append_byte(out, ' ');
	field_nstring(n, MIME_F_CONTENT_DESC, out);
	buf_append_byte(out, ' ');
	if (n->cte == MIME_CTE_UNKNOWN) {
		struct buf v = BUF_INIT;

		mime_header_unfold(n->field[MIME_F_CTE].data,
				   n->field[MIME_F_CTE].len, &v);
		bstr(out, &v);
		buf_free(&v);
	} else {
		str(out, mime_cte_name(n->cte));
	}
	buf_printf(out, " %llu",
		   (unsigned long long)(n->body_end - n->body_start));
	if (n->kind == MIME_NODE_MESSAGE) {
		buf_append_byte(out, ' ');
		mime_envelope_write(&t->nodes[n->first_child], out);
		buf_append_byte(out, ' ');
		mime_bodystructure_write(t, n->first_child, ext, out);
		buf_printf(out, " %llu", (unsigned long long)n->lines);
	} else if (!n->cut && slice_eq_cstr(buf_slice(&n->type), "text")) {
		buf_printf(out, " %llu", (unsigned long long)n->lines);
	}
	if (ext) {
		buf_append_byte(out, ' ');
		field_nstring(n, MIME_F_CONTENT_MD5, out);
		extension(n, out);
	}
	buf_append_byte(out, ')');
}
