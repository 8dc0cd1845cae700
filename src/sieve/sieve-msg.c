/* sieve-msg.c - the message as the tests see it, through src/mime: header
 * fields (raw, unfolded, RFC 2047 decoded), addresses, body parts */
#include "sieve/sieve-private.h"
#include "mime/mime.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct field {
	struct slice name, value;
};

struct sieve_msgview {
	const struct sieve_msg *m;
	struct field *f;
	size_t nf;
	size_t header_len;
	bool summarized;
	struct mime_summary sum;
	struct buf *vals;	/* scratch for sieve_msg_headers */
	size_t nvals, capvals;
};

struct sieve_msgview *
sieve_msgview_new(const struct sieve_msg *m)
{
	struct sieve_msgview *v = xcalloc(1, sizeof(*v));
	size_t pos = 0, cap = 0;
	struct slice name, value;

	v->m = m;
	while (mime_header_next(m->data, m->len, &pos, &name, &value)) {
		if (v->nf == cap) {
			cap = cap ? cap * 2 : 32;
			v->f = xrealloc(v->f, cap * sizeof(*v->f));
		}
		v->f[v->nf].name = slice_trim(name);
		v->f[v->nf].value = value;
		v->nf++;
	}
	v->header_len = pos < m->len ? pos : m->len;
	return v;
}

void
sieve_msgview_free(struct sieve_msgview *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->capvals; i++)
		buf_free(&v->vals[i]);
	free(v->vals);
	free(v->f);
	if (v->summarized)
		mime_summary_free(&v->sum);
	free(v);
}

void
sieve_msg_header_block(struct sieve_msgview *v, const unsigned char **p,
		       size_t *len)
{
	*p = v->m->data;
	*len = v->header_len;
}

static struct buf *
val_slot(struct sieve_msgview *v, size_t i)
{
	if (i >= v->capvals) {
		size_t nc = v->capvals ? v->capvals * 2 : 8;
		while (nc <= i)
			nc *= 2;
		v->vals = xrealloc(v->vals, nc * sizeof(*v->vals));
		for (size_t k = v->capvals; k < nc; k++)
			buf_init(&v->vals[k]);
		v->capvals = nc;
	}
	buf_reset(&v->vals[i]);
	return &v->vals[i];
}

size_t
sieve_msg_headers(struct sieve_msgview *v, const char *name,
		  struct buf **vals_r)
{
	size_t n = 0;

	for (size_t i = 0; i < v->nf; i++) {
		if (!slice_case_eq_cstr(v->f[i].name, name))
			continue;
		struct buf *b = val_slot(v, n++);
		/* unfold: drop CR and LF (RFC 5322 2.2.3) */
		for (size_t k = 0; k < v->f[i].value.len; k++) {
			unsigned char c = v->f[i].value.p[k];
			if (c != '\r' && c != '\n')
				buf_append_byte(b, c);
		}
	}
	*vals_r = v->vals;
	return n;
}

void
sieve_header_decode(const struct buf *raw, struct buf *out)
{
	buf_reset(out);
	mime_header_decode(raw->data, raw->len, out);
	buf_cstr(out);
}

size_t
sieve_addresses(const struct buf *raw, struct buf **out_r)
{
	struct mime_address_list l = { NULL, 0 };
	struct buf *out = NULL;
	size_t n = 0;

	mime_address_parse(raw->data, raw->len, &l);
	for (size_t i = 0; i < l.n; i++) {
		struct mime_address *a = &l.v[i];
		if (a->mailbox == NULL)
			continue;	/* group end */
		if (a->host == NULL) {
			/* a group start (an end marker follows), or a bare
			 * local part */
			bool group = false;
			for (size_t k = i + 1; k < l.n && !group; k++)
				group = l.v[k].mailbox == NULL && l.v[k].host == NULL;
			if (group)
				continue;
		}
		out = xrealloc(out, (n + 1) * sizeof(*out));
		buf_init(&out[n]);
		buf_append_str(&out[n], a->mailbox ? a->mailbox : "");
		if (a->host) {
			buf_append_byte(&out[n], '@');
			buf_append_str(&out[n], a->host);
		}
		buf_cstr(&out[n]);
		n++;
	}
	mime_address_list_free(&l);
	*out_r = out;
	return n;
}

bool
sieve_address_part(const char *addr, size_t len, enum sieve_addrpart ap,
		   struct buf *out)
{
	const char *at = NULL;

	for (size_t i = len; i > 0; i--)
		if (addr[i - 1] == '@') {
			at = addr + i - 1;
			break;
		}
	size_t llen = at ? (size_t)(at - addr) : len;
	buf_reset(out);
	switch (ap) {
	case AP_ALL:
		buf_append(out, addr, len);
		break;
	case AP_LOCAL:
		buf_append(out, addr, llen);
		break;
	case AP_DOMAIN:
		if (!at)
			return false;
		buf_append(out, at + 1, len - llen - 1);
		break;
	case AP_USER:
	case AP_DETAIL: {
		const char *plus = memchr(addr, '+', llen);
		if (ap == AP_USER)
			buf_append(out, addr, plus ? (size_t)(plus - addr) : llen);
		else if (!plus)
			return false;	/* no detail: the test fails */
		else
			buf_append(out, plus + 1, llen - (size_t)(plus - addr) - 1);
		break;
	}
	}
	buf_cstr(out);
	return true;
}

/* body (RFC 5173) */
struct body_ctx {
	struct sieve_run *rn;
	const struct sieve_node *t;
	struct buf *parts;
	size_t n;
};

static bool
ctype_match(const struct sieve_node *t, struct sieve_run *rn,
	    const struct mime_part_loc *loc)
{
	if (t->xform == BX_TEXT)
		return slice_eq_cstr(loc->type, "text");
	struct buf k = BUF_INIT;
	bool hit = false;
	for (size_t i = 0; i < t->ctypes->n && !hit; i++) {
		sieve_expand(rn, &t->ctypes->v[i], &k);
		const char *s = buf_cstr(&k);
		const char *slash = strchr(s, '/');
		if (*s == '\0')
			hit = true;
		else if (!slash)
			hit = loc->type.len == strlen(s) &&
				strncasecmp((const char *)loc->type.p, s, loc->type.len) == 0;
		else
			hit = loc->type.len == (size_t)(slash - s) &&
				strncasecmp((const char *)loc->type.p, s, loc->type.len) == 0 &&
				loc->subtype.len == strlen(slash + 1) &&
				strncasecmp((const char *)loc->subtype.p, slash + 1,
					    loc->subtype.len) == 0;
	}
	buf_free(&k);
	return hit;
}

static bool
body_part(void *vctx, const uint32_t *section, size_t depth,
	  const struct mime_part_loc *loc)
{
	struct body_ctx *b = vctx;
	const struct sieve_msg *m = b->rn->m;
	struct buf raw = BUF_INIT;

	if (!ctype_match(b->t, b->rn, loc) || loc->body_start > m->len)
		return true;
	uint64_t end = loc->body_end < m->len ? loc->body_end : m->len;
	b->parts = xrealloc(b->parts, (b->n + 1) * sizeof(*b->parts));
	struct buf *out = &b->parts[b->n++];
	buf_init(out);
	mime_decode(loc->cte, m->data + loc->body_start,
		    (size_t)(end - loc->body_start), &raw);
	if (slice_eq_cstr(loc->type, "text"))
		mime_charset_to_utf8(loc->charset.p, loc->charset.len,
				     raw.data, raw.len, out);
	else
		buf_append(out, raw.data, raw.len);
	buf_cstr(out);
	buf_free(&raw);
	return true;
}

size_t
sieve_msg_body(struct sieve_run *rn, const struct sieve_node *t,
	       struct buf **parts_r)
{
	struct sieve_msgview *v = rn->mv;
	struct body_ctx b = { rn, t, NULL, 0 };

	if (t->xform == BX_RAW) {
		b.parts = xmalloc(sizeof(*b.parts));
		buf_init(&b.parts[0]);
		buf_append(&b.parts[0], rn->m->data + v->header_len,
			   rn->m->len - v->header_len);
		buf_cstr(&b.parts[0]);
		*parts_r = b.parts;
		return 1;
	}
	if (!v->summarized) {
		mime_summary_init(&v->sum);
		mime_summarize(rn->m->data, rn->m->len, NULL, &v->sum);
		v->summarized = true;
	}
	mime_part_foreach_leaf(v->sum.partmap.data, v->sum.partmap.len,
			       body_part, &b);
	*parts_r = b.parts;
	return b.n;
}
