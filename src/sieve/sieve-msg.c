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
		/* unfold: drop CR and LF (RFC 5322 2.2.3); a TAB that
		 * starts a continuation line becomes a space (as Dovecot) */
		const unsigned char *p = v->f[i].value.p;
		size_t len = v->f[i].value.len;
		for (size_t k = 0; k < len; k++) {
			if (p[k] == '\n' && k + 1 < len && p[k + 1] == '\t') {
				buf_append_byte(b, ' ');
				k++;
			} else if (p[k] != '\r' && p[k] != '\n') {
				buf_append_byte(b, p[k]);
			}
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

/* the local part as an address shows it: quoted when it is not a
 * dot-atom (RFC 5322 3.4.1), as Pigeonhole prints it */
static void
put_local(struct buf *out, const char *l)
{
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	bool atom = *l && *l != '.' && l[strlen(l) - 1] != '.' && !strstr(l, "..");

	for (const char *p = l; *p && atom; p++)
		atom = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '.' ||
			(unsigned char)*p >= 0x80 || strchr(atext, *p);
	if (atom) {
		buf_append_str(out, l);
		return;
	}
	buf_append_byte(out, '"');
	for (const char *p = l; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_append_byte(out, '\\');
		buf_append_byte(out, (unsigned char)*p);
	}
	buf_append_byte(out, '"');
}

size_t
sieve_addresses(const struct buf *raw, struct buf **out_r, bool *whole_r)
{
	struct mime_address_list l = { NULL, 0 };
	struct buf *out = NULL;
	size_t n = 0;
	bool groups = false;

	*whole_r = false;
	mime_address_parse(raw->data, raw->len, &l);
	for (size_t i = 0; i < l.n; i++) {
		struct mime_address *a = &l.v[i];
		/* group markers, and addresses without a domain, are left out
		 * (as Pigeonhole does) */
		/* src/mime marks a missing domain as IMAP ENVELOPE does */
		if (a->mailbox == NULL || a->host == NULL || !*a->host ||
		    strcmp(a->host, "MISSING_DOMAIN") == 0) {
			groups |= a->mailbox == NULL && a->host == NULL;
			continue;
		}
		out = xrealloc(out, (n + 1) * sizeof(*out));
		buf_init(&out[n]);
		put_local(&out[n], a->mailbox);
		buf_append_byte(&out[n], '@');
		buf_append_str(&out[n], a->host);
		buf_cstr(&out[n]);
		n++;
	}
	mime_address_list_free(&l);
	if (n == 0 && !groups) {
		/* nothing parses: the value itself, for :all only */
		out = xmalloc(sizeof(*out));
		buf_init(&out[0]);
		mime_header_unfold(raw->data, raw->len, &out[0]);
		buf_cstr(&out[0]);
		n = 1;
		*whole_r = true;
	}
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
	struct sieve_msgview *view;
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

/* one value for the body test */
static struct buf *
body_value(struct body_ctx *b)
{
	b->parts = xrealloc(b->parts, (b->n + 1) * sizeof(*b->parts));
	buf_init(&b->parts[b->n]);
	return &b->parts[b->n++];
}

static void
body_leaf(struct body_ctx *b, const struct mime_part_loc *loc)
{
	const struct sieve_msg *m = b->rn->m;
	struct buf raw = BUF_INIT, text = BUF_INIT;

	if (!ctype_match(b->t, b->rn, loc) || loc->body_start > m->len)
		return;
	uint64_t end = loc->body_end < m->len ? loc->body_end : m->len;
	struct buf *out = body_value(b);
	mime_decode(loc->cte, m->data + loc->body_start,
		    (size_t)(end - loc->body_start), &raw);
	if (!slice_eq_cstr(loc->type, "text")) {
		buf_append(out, raw.data, raw.len);
	} else if (b->t->xform == BX_TEXT && slice_eq_cstr(loc->subtype, "html")) {
		/* :text reads HTML as text (RFC 5173 5.1, as Pigeonhole) */
		mime_charset_to_utf8(loc->charset.p, loc->charset.len,
				     raw.data, raw.len, &text);
		mime_html_text(text.data, text.len, out);
	} else {
		mime_charset_to_utf8(loc->charset.p, loc->charset.len,
				     raw.data, raw.len, out);
	}
	buf_cstr(out);
	buf_free(&raw);
	buf_free(&text);
}

static void
body_range(struct body_ctx *b, uint64_t from, uint64_t to)
{
	const struct sieve_msg *m = b->rn->m;

	if (to > m->len)
		to = m->len;
	if (from >= to)
		return;
	struct buf *out = body_value(b);
	buf_append(out, m->data + from, (size_t)(to - from));
	buf_cstr(out);
}

/* a multipart's prologue and epilogue (RFC 5173 5.2), without the
 * boundary lines */
static void
body_multipart(struct body_ctx *b, const struct mime_part_loc *loc,
	       const struct mime_part_loc *first,
	       const struct mime_part_loc *last)
{
	const unsigned char *d = b->rn->m->data;
	uint64_t end = first->header_start;

	/* the prologue ends where the first delimiter line starts */
	while (end > loc->body_start &&
	       !(d[end - 1] == '-' && end - 1 > loc->body_start &&
		 d[end - 2] == '-' && (end - 2 == loc->body_start ||
				       d[end - 3] == '\n')))
		end--;
	if (end > loc->body_start)
		body_range(b, loc->body_start, end - 2);
	/* the epilogue follows the close-delimiter line */
	uint64_t from = last->body_end;
	while (from < loc->body_end && d[from] != '-')
		from++;
	while (from < loc->body_end && d[from] != '\n')
		from++;
	body_range(b, from + 1, loc->body_end);
}

/* every part in section order: leaves, multiparts, embedded messages */
static void
body_walk(struct body_ctx *b, uint32_t *path, size_t depth)
{
	const struct buf *pm = &b->view->sum.partmap;
	struct mime_part_loc loc, first, last;

	if (depth >= 32 || !mime_part_find(pm->data, pm->len, path, depth, &loc))
		return;
	if (depth == 0 && !loc.is_multipart) {
		path[0] = 1;
		if (mime_part_find(pm->data, pm->len, path, 1, &loc))
			body_leaf(b, &loc);
		return;
	}
	if (loc.is_multipart) {
		path[depth] = 1;
		bool f = mime_part_find(pm->data, pm->len, path, depth + 1, &first);
		path[depth] = loc.nchildren;
		bool l = mime_part_find(pm->data, pm->len, path, depth + 1, &last);
		if (f && l && ctype_match(b->t, b->rn, &loc))
			body_multipart(b, &loc, &first, &last);
		for (uint32_t i = 1; i <= loc.nchildren; i++) {
			path[depth] = i;
			body_walk(b, path, depth + 1);
		}
		return;
	}
	if (loc.is_message) {
		/* the embedded message's header, then its parts */
		if (ctype_match(b->t, b->rn, &loc))
			body_range(b, loc.body_start, loc.msg_body_start);
		for (uint32_t i = 1; i < 10000; i++) {
			struct mime_part_loc c;
			path[depth] = i;
			if (!mime_part_find(pm->data, pm->len, path, depth + 1, &c))
				break;
			body_walk(b, path, depth + 1);
		}
		return;
	}
	body_leaf(b, &loc);
}

size_t
sieve_msg_body(struct sieve_run *rn, const struct sieve_node *t,
	       struct buf **parts_r)
{
	struct sieve_msgview *v = rn->mv;
	struct body_ctx b = { rn, t, v, NULL, 0 };
	uint32_t path[32];

	if (t->xform == BX_RAW) {
		body_range(&b, v->header_len, rn->m->len);
		if (b.n == 0)
			buf_init(body_value(&b));
		*parts_r = b.parts;
		return b.n;
	}
	if (!v->summarized) {
		mime_summary_init(&v->sum);
		mime_summarize(rn->m->data, rn->m->len, NULL, &v->sum);
		v->summarized = true;
	}
	body_walk(&b, path, 0);
	*parts_r = b.parts;
	return b.n;
}
