/* jmap-email-body.c - the body of an Email (RFC 8621 4.1.4):
 * bodyStructure from src/mime's part map (partId = IMAP section
 * number), textBody/htmlBody/attachments by the RFC's parseStructure
 * algorithm, bodyValues decoded to UTF-8, preview, hasAttachment. */
#include "jmap/jmap-email-render.h"
#include "mime/mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SECTION_MAX 32		/* deeper parts are not shown */
#define PARTS_MAX 2000		/* parts rendered per message */

struct rpart {
	uint32_t sec[SECTION_MAX];
	size_t depth;			/* 0: the root multipart */
	struct mime_part_loc loc;
	size_t hdr_start, hdr_end;	/* its MIME header in msg */
	size_t body_start, body_end;	/* its content in msg */
	char type[128];			/* "text/plain" */
	char *name, *disposition;	/* NULL: none */
	size_t first, n;		/* children in order[] */
	bool multipart;
};

struct rtree {
	const struct jmap_msg_src *src;
	struct rpart *v;
	size_t n, cap;
	size_t *kids;			/* child indexes, per parent */
	size_t nkids, capkids;
	struct mime_summary sum;	/* the part map made when src has none */
	uint64_t off;			/* part map offset -> msg offset */
};

static size_t
clampz(uint64_t v, size_t len)
{
	return v > len ? len : (size_t)v;
}

static char *
param_value(const struct mime_params *ps, const char *name)
{
	const struct mime_param *p = mime_params_get(ps, name);

	if (p == NULL || p->value.len == 0)
		return NULL;
	return xstrndup((const char *)p->value.data, p->value.len);
}

/* name and disposition from the part's Content-Disposition and
 * Content-Type */
static void
part_params(struct rpart *p, const unsigned char *hdr, size_t len)
{
	struct buf v = BUF_INIT, val = BUF_INIT;
	struct mime_params ps = { NULL, 0 };

	if (mime_header_get(hdr, len, "Content-Disposition", &v)) {
		mime_rfc2231_parse(v.data, v.len, &val, &ps);
		if (val.len > 0) {
			p->disposition = xstrndup((const char *)val.data,
						  val.len);
			for (char *c = p->disposition; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c + 32);
		}
		p->name = param_value(&ps, "filename");
		mime_params_free(&ps);
	}
	buf_reset(&v);
	buf_reset(&val);
	if (p->name == NULL &&
	    mime_header_get(hdr, len, "Content-Type", &v)) {
		mime_rfc2231_parse(v.data, v.len, &val, &ps);
		p->name = param_value(&ps, "name");
		mime_params_free(&ps);
	}
	if (p->name != NULL) {	/* names may hold encoded words too */
		struct buf d = BUF_INIT;

		mime_decode_words((const unsigned char *)p->name,
				  strlen(p->name), &d);
		free(p->name);
		p->name = buf_steal(&d);
	}
	buf_free(&v);
	buf_free(&val);
}

/* part c is the next child of the part being filled */
static void
add_kid(struct rtree *t, size_t c)
{
	if (t->nkids == t->capkids) {
		t->capkids = t->capkids ? t->capkids * 2 : 16;
		t->kids = xrealloc(t->kids, t->capkids * sizeof(*t->kids));
	}
	t->kids[t->nkids++] = c;
}

static size_t
add_part(struct rtree *t, const uint32_t *sec, size_t depth,
	 const struct mime_part_loc *loc, bool root)
{
	const struct jmap_msg_src *s = t->src;
	struct rpart *p;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	p = &t->v[t->n];
	memset(p, 0, sizeof(*p));
	if (depth > 0)
		memcpy(p->sec, sec, depth * sizeof(*sec));
	p->depth = depth;
	p->loc = *loc;
	p->multipart = loc->is_multipart;
	if (root) {	/* the root part's header is the message's */
		p->hdr_start = 0;
		p->hdr_end = clampz(s->header_len, s->len);
	} else {
		p->hdr_start = clampz(loc->header_start + t->off, s->len);
		p->hdr_end = clampz(loc->body_start + t->off, s->len);
	}
	p->body_start = clampz(loc->body_start + t->off, s->len);
	p->body_end = clampz(loc->body_end + t->off, s->len);
	if (p->body_end < p->body_start)
		p->body_end = p->body_start;
	snprintf(p->type, sizeof(p->type), "%.*s/%.*s",
		 (int)(loc->type.len > 60 ? 60 : loc->type.len),
		 (const char *)loc->type.p,
		 (int)(loc->subtype.len > 60 ? 60 : loc->subtype.len),
		 (const char *)loc->subtype.p);
	part_params(p, s->msg + p->hdr_start, p->hdr_end - p->hdr_start);
	return t->n++;
}

/* the subtree of the multipart at t->v[idx] */
static void
add_children(struct rtree *t, const unsigned char *pm, size_t pmlen,
	     size_t idx)
{
	uint32_t sec[SECTION_MAX];
	size_t depth = t->v[idx].depth, nch = t->v[idx].loc.nchildren;
	size_t first = t->nkids;

	if (depth + 1 >= SECTION_MAX)
		return;
	memcpy(sec, t->v[idx].sec, depth * sizeof(*sec));
	/* reserve the child slots first: the recursion appends after */
	for (size_t i = 0; i < nch && t->n < PARTS_MAX; i++) {
		struct mime_part_loc loc;
		size_t c;

		sec[depth] = (uint32_t)(i + 1);
		if (!mime_part_find(pm, pmlen, sec, depth + 1, &loc))
			break;
		c = add_part(t, sec, depth + 1, &loc, false);
		add_kid(t, c);
	}
	t->v[idx].first = first;
	t->v[idx].n = t->nkids - first;
	for (size_t i = 0; i < t->v[idx].n; i++) {
		size_t c = t->kids[t->v[idx].first + i];

		if (t->v[c].multipart)
			add_children(t, pm, pmlen, c);
	}
}

static void
tree_build(struct rtree *t, const struct jmap_msg_src *src)
{
	const unsigned char *pm = src->partmap;
	size_t pmlen = src->partmap_len;
	struct mime_part_loc loc;
	uint32_t one = 1;

	memset(t, 0, sizeof(*t));
	t->src = src;
	t->off = src->pm_off;
	mime_summary_init(&t->sum);
	if (pm == NULL) {	/* made from msg itself: no offset */
		t->off = 0;
		mime_summarize(src->msg, src->len, NULL, &t->sum);
		pm = t->sum.partmap.data;
		pmlen = t->sum.partmap.len;
	}
	if (mime_part_find(pm, pmlen, NULL, 0, &loc) && loc.is_multipart) {
		add_part(t, NULL, 0, &loc, true);
		add_children(t, pm, pmlen, 0);
	} else if (mime_part_find(pm, pmlen, &one, 1, &loc)) {
		add_part(t, &one, 1, &loc, true);
	}
}

static void
tree_free(struct rtree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].disposition);
	}
	free(t->v);
	free(t->kids);
	mime_summary_free(&t->sum);
}

static void
part_id(const struct rpart *p, struct buf *out)
{
	for (size_t i = 0; i < p->depth; i++)
		buf_printf(out, "%s%u", i ? "." : "", p->sec[i]);
}

static const char *const default_body_props[] = {
	"partId", "blobId", "size", "name", "type", "charset",
	"disposition", "cid", "language", "location", NULL
};

bool
jmap_body_prop_valid(const char *name)
{
	struct jmap_hprop hp;

	for (size_t i = 0; default_body_props[i]; i++)
		if (strcmp(name, default_body_props[i]) == 0)
			return true;
	if (strcmp(name, "headers") == 0 || strcmp(name, "subParts") == 0)
		return true;
	return strncmp(name, "header:", 7) == 0 &&
	       jmap_hprop_parse(name, &hp) == 1;
}

bool
jmap_email_body_prop(const char *name)
{
	static const char *const v[] = {
		"bodyStructure", "textBody", "htmlBody", "attachments",
		"hasAttachment", "preview", "bodyValues", NULL
	};

	for (size_t i = 0; v[i]; i++)
		if (strcmp(name, v[i]) == 0)
			return true;
	return false;
}

/* the value of one part property */
static json_t *
part_prop(const struct rtree *t, const struct rpart *p, const char *name)
{
	const unsigned char *hdr = t->src->msg + p->hdr_start;
	size_t hlen = p->hdr_end - p->hdr_start;
	struct buf b = BUF_INIT;
	json_t *j = NULL;

	if (strcmp(name, "partId") == 0) {
		if (p->multipart)
			return json_null();
		part_id(p, &b);
		j = json_string(buf_cstr(&b));
	} else if (strcmp(name, "blobId") == 0) {
		if (p->multipart || t->src->blob_base == NULL)
			return json_null();
		buf_printf(&b, "%s.", t->src->blob_base);
		part_id(p, &b);
		j = json_string(buf_cstr(&b));
	} else if (strcmp(name, "size") == 0) {
		const unsigned char *c = t->src->msg + p->body_start;
		size_t n = p->body_end - p->body_start;

		if (p->multipart)
			return json_integer(0);
		return json_integer((json_int_t)(p->loc.is_message ? n :
			mime_decoded_size(p->loc.cte, c, n)));
	} else if (strcmp(name, "name") == 0) {
		return p->name ? json_string(p->name) : json_null();
	} else if (strcmp(name, "type") == 0) {
		return json_string(p->type);
	} else if (strcmp(name, "charset") == 0) {
		if (p->loc.charset.len > 0)
			return jmap_jstr(p->loc.charset.p, p->loc.charset.len);
		return strncmp(p->type, "text/", 5) == 0 ?
			json_string("us-ascii") : json_null();
	} else if (strcmp(name, "disposition") == 0) {
		return p->disposition ? json_string(p->disposition) :
					json_null();
	} else if (strcmp(name, "cid") == 0) {
		struct jmap_hprop hp = { "Content-ID", JMAP_HF_MSGIDS, false };

		j = jmap_hprop_value(hdr, hlen, &hp);
		if (json_is_array(j)) {
			json_t *first = json_incref(json_array_get(j, 0));

			json_decref(j);
			j = first;
		}
	} else if (strcmp(name, "language") == 0) {
		if (mime_header_get(hdr, hlen, "Content-Language", &b)) {
			struct buf u = BUF_INIT;

			mime_header_unfold(b.data, b.len, &u);
			j = json_array();
			for (char *save = NULL, *tok = strtok_r(
				     (char *)buf_cstr(&u), ", \t", &save);
			     tok; tok = strtok_r(NULL, ", \t", &save))
				json_array_append_new(j, jmap_jstr(
					(const unsigned char *)tok,
					strlen(tok)));
			buf_free(&u);
		} else {
			j = json_null();
		}
	} else if (strcmp(name, "location") == 0) {
		struct jmap_hprop hp = { "Content-Location", JMAP_HF_TEXT,
					 false };

		j = jmap_hprop_value(hdr, hlen, &hp);
	} else if (strcmp(name, "headers") == 0) {
		j = jmap_headers_all(hdr, hlen);
	} else {
		struct jmap_hprop hp;

		if (jmap_hprop_parse(name, &hp) == 1)
			j = jmap_hprop_value(hdr, hlen, &hp);
	}
	buf_free(&b);
	return j;
}

static json_t *
part_json(const struct rtree *t, size_t idx, json_t *props, bool tree)
{
	const struct rpart *p = &t->v[idx];
	json_t *o = json_object();
	size_t i;

	if (props == NULL) {
		for (i = 0; default_body_props[i]; i++)
			json_object_set_new(o, default_body_props[i],
					    part_prop(t, p, default_body_props[i]));
		if (tree && p->multipart) {
			json_t *sub = json_array();

			for (i = 0; i < p->n; i++)
				json_array_append_new(sub, part_json(
					t, t->kids[p->first + i], props, tree));
			json_object_set_new(o, "subParts", sub);
		}
		return o;
	}
	for (i = 0; i < json_array_size(props); i++) {
		const char *n = json_string_value(json_array_get(props, i));
		json_t *v;

		if (n == NULL)
			continue;
		if (strcmp(n, "subParts") == 0) {
			/* asked for: null on a leaf (RFC 8621 4.1.4) */
			if (!tree || !p->multipart) {
				json_object_set_new(o, n, json_null());
				continue;
			}
			v = json_array();
			for (size_t k = 0; k < p->n; k++)
				json_array_append_new(v, part_json(
					t, t->kids[p->first + k], props, tree));
		} else {
			v = part_prop(t, p, n);
		}
		if (v != NULL)
			json_object_set_new(o, n, v);
	}
	return o;
}

/* ---- parseStructure (RFC 8621 4.1.4) ---- */

struct idxlist {
	size_t *v;
	size_t n, cap;
};

static void
il_push(struct idxlist *l, size_t x)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = x;
}

static bool
inline_media(const char *type)
{
	return strncmp(type, "image/", 6) == 0 ||
	       strncmp(type, "audio/", 6) == 0 ||
	       strncmp(type, "video/", 6) == 0;
}

struct bodies {
	struct idxlist text, html, att;
};

static void
parse_structure(const struct rtree *t, const size_t *parts, size_t n,
		const char *mptype, bool in_alt, struct idxlist *html,
		struct idxlist *text, struct idxlist *att)
{
	size_t text_len = text ? text->n : SIZE_MAX;
	size_t html_len = html ? html->n : SIZE_MAX;

	for (size_t i = 0; i < n; i++) {
		const struct rpart *p = &t->v[parts[i]];
		bool is_inline = (p->disposition == NULL ||
				  strcmp(p->disposition, "attachment") != 0) &&
			(strcmp(p->type, "text/plain") == 0 ||
			 strcmp(p->type, "text/html") == 0 ||
			 inline_media(p->type)) &&
			(i == 0 || (strcmp(mptype, "related") != 0 &&
				    (inline_media(p->type) || p->name == NULL)));

		if (p->multipart) {
			const char *sub = strchr(p->type, '/') + 1;

			parse_structure(t, t->kids + p->first, p->n, sub,
					in_alt || strcmp(sub, "alternative") == 0,
					html, text, att);
		} else if (is_inline) {
			if (strcmp(mptype, "alternative") == 0) {
				if (strcmp(p->type, "text/plain") == 0)
					il_push(text, parts[i]);
				else if (strcmp(p->type, "text/html") == 0)
					il_push(html, parts[i]);
				else
					il_push(att, parts[i]);
				continue;
			} else if (in_alt) {
				if (strcmp(p->type, "text/plain") == 0)
					html = NULL;
				if (strcmp(p->type, "text/html") == 0)
					text = NULL;
			}
			if (text)
				il_push(text, parts[i]);
			if (html)
				il_push(html, parts[i]);
			if ((!text || !html) && inline_media(p->type))
				il_push(att, parts[i]);
		} else {
			il_push(att, parts[i]);
		}
	}
	if (strcmp(mptype, "alternative") == 0 && text && html) {
		size_t tn = text->n, hn = html->n;

		if (text_len == tn && html_len != hn)
			for (size_t i = html_len; i < hn; i++)
				il_push(text, html->v[i]);
		if (html_len == hn && text_len != tn)
			for (size_t i = text_len; i < tn; i++)
				il_push(html, text->v[i]);
	}
}

static void
bodies_make(const struct rtree *t, struct bodies *b)
{
	size_t root = 0;

	memset(b, 0, sizeof(*b));
	if (t->n == 0)
		return;
	parse_structure(t, &root, 1, "mixed", false, &b->html, &b->text,
			&b->att);
}

static void
bodies_free(struct bodies *b)
{
	free(b->text.v);
	free(b->html.v);
	free(b->att.v);
}

/* ---- the tree from the stored BODYSTRUCTURE: only what
 * parse_structure reads (type, disposition, a name or not, children) */

static bool
bs_str(const struct jmap_bsval *v, size_t i)
{
	return i < v->n && v->kids[i].kind == JMAP_BS_STR;
}

/* a non-empty value of parameter name (name*: extended, its value
 * after charset'lang') in a body-fld-param list */
static bool
bs_param(const struct jmap_bsval *ps, const char *name)
{
	size_t nl = strlen(name);

	if (ps->kind != JMAP_BS_LIST)
		return false;
	for (size_t i = 0; i + 1 < ps->n; i += 2) {
		const struct jmap_bsval *k = &ps->kids[i], *v = &ps->kids[i + 1];
		const char *val = v->s;

		if (k->kind != JMAP_BS_STR || v->kind != JMAP_BS_STR ||
		    k->len < nl || strncasecmp(k->s, name, nl) != 0 ||
		    (k->len != nl && !(k->len == nl + 1 && k->s[nl] == '*')))
			continue;
		if (k->len == nl + 1) {	/* charset'lang'value */
			const char *q = strchr(val, '\'');

			q = q ? strchr(q + 1, '\'') : NULL;
			val = q ? q + 1 : val;
		}
		if (*val != '\0')
			return true;
	}
	return false;
}

static size_t bs_add_part(struct rtree *t, const struct jmap_bsval *v,
			  size_t depth);

static bool
bs_multipart(const struct jmap_bsval *v)
{
	return v->n > 0 && v->kids[0].kind == JMAP_BS_LIST;
}

/* the children of the multipart t->v[idx] (its value v), as
 * add_children adds them: all of one level first */
static void
bs_add_children(struct rtree *t, const struct jmap_bsval *v, size_t idx)
{
	size_t depth = t->v[idx].depth, first = t->nkids, nch = 0;

	if (depth + 1 >= SECTION_MAX)
		return;
	while (nch < v->n && v->kids[nch].kind == JMAP_BS_LIST)
		nch++;
	for (size_t i = 0; i < nch && t->n < PARTS_MAX; i++) {
		add_kid(t, bs_add_part(t, &v->kids[i], depth + 1));
	}
	t->v[idx].first = first;
	t->v[idx].n = t->nkids - first;
	for (size_t i = 0; i < t->v[idx].n; i++) {
		size_t c = t->kids[t->v[idx].first + i];

		if (t->v[c].multipart)
			bs_add_children(t, &v->kids[i], c);
	}
}

static size_t
bs_add_part(struct rtree *t, const struct jmap_bsval *v, size_t depth)
{
	struct rpart *p;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	p = &t->v[t->n];
	memset(p, 0, sizeof(*p));
	p->depth = depth;
	if (bs_multipart(v)) {
		size_t k = 0;

		while (k < v->n && v->kids[k].kind == JMAP_BS_LIST)
			k++;
		p->multipart = true;
		snprintf(p->type, sizeof(p->type), "multipart/%.60s",
			 bs_str(v, k) ? v->kids[k].s : "");
		return t->n++;
	}
	/* type subtype params id desc enc size [envelope body lines |
	 * lines] md5 disposition ...: a message's envelope is a list, an
	 * md5 never is */
	size_t dsp = 8;

	snprintf(p->type, sizeof(p->type), "%.60s/%.60s",
		 bs_str(v, 0) ? v->kids[0].s : "",
		 bs_str(v, 1) ? v->kids[1].s : "");
	if (v->n > 7 && v->kids[7].kind == JMAP_BS_LIST)
		dsp = 11;
	else if (bs_str(v, 0) && strcmp(v->kids[0].s, "text") == 0)
		dsp = 9;
	if (dsp < v->n && v->kids[dsp].kind == JMAP_BS_LIST &&
	    bs_str(&v->kids[dsp], 0)) {
		const struct jmap_bsval *d = &v->kids[dsp];

		if (d->kids[0].len > 0) {
			p->disposition = xstrdup(d->kids[0].s);
			for (char *c = p->disposition; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c = (char)(*c + 32);
		}
		if (d->n > 1 && bs_param(&d->kids[1], "filename"))
			p->name = xstrdup("");	/* only its presence counts */
	}
	if (p->name == NULL && v->n > 2 && bs_param(&v->kids[2], "name"))
		p->name = xstrdup("");
	return t->n++;
}

int
jmap_email_has_attachment(const char *bodystructure)
{
	struct jmap_bsval v;
	struct rtree t;
	struct bodies b;
	int att;

	if (!jmap_bs_parse(bodystructure, &v))
		return -1;
	memset(&t, 0, sizeof(t));
	mime_summary_init(&t.sum);
	/* the root: a multipart, or the message's one part */
	if (bs_multipart(&v)) {
		bs_add_part(&t, &v, 0);
		bs_add_children(&t, &v, 0);
	} else {
		bs_add_part(&t, &v, 1);
	}
	bodies_make(&t, &b);
	att = b.att.n > 0;
	bodies_free(&b);
	tree_free(&t);
	jmap_bs_free(&v);
	return att;
}

static json_t *
list_json(const struct rtree *t, const struct idxlist *l, json_t *props)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, part_json(t, l->v[i], props, false));
	return a;
}

/* cut s to at most max bytes on a UTF-8 character boundary */
static size_t
utf8_cut(const unsigned char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && (s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

static bool
has_fffd(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i + 2 < len; i++)
		if (p[i] == 0xEF && p[i + 1] == 0xBF && p[i + 2] == 0xBD)
			return true;
	return false;
}

/* a cut of HTML moved back out of a tag it would fall inside (RFC 8621
 * 4.2: a value SHOULD NOT be truncated inside an HTML tag) */
static size_t
html_cut(const unsigned char *s, size_t cut)
{
	for (size_t i = cut; i > 0; i--) {
		if (s[i - 1] == '>')
			return cut;
		if (s[i - 1] == '<')
			return i - 1;
	}
	return cut;
}

/* every CRLF to a single LF, in place (RFC 8621 4.1.4: a body value
 * has its line ends as LF) */
static void
crlf_to_lf(struct buf *b)
{
	size_t o = 0;

	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\r' && i + 1 < b->len &&
		    b->data[i + 1] == '\n')
			continue;
		b->data[o++] = b->data[i];
	}
	b->len = o;
}

/* the EmailBodyValue of a text part */
static json_t *
body_value(const struct rtree *t, const struct rpart *p, size_t max)
{
	const unsigned char *c = t->src->msg + p->body_start;
	size_t n = p->body_end - p->body_start, cut;
	struct buf dec = BUF_INIT, utf = BUF_INIT;
	bool problem;
	json_t *o;

	mime_decode(p->loc.cte, c, n, &dec);
	if (p->loc.charset.len > 0)
		problem = !mime_charset_to_utf8(p->loc.charset.p,
						p->loc.charset.len, dec.data,
						dec.len, &utf);
	else
		problem = false, mime_charset_utf8_sanitize(dec.data, dec.len,
							    &utf);
	/* a replacement character the input did not have: bad bytes */
	if (!problem && has_fffd(utf.data, utf.len) &&
	    !has_fffd(dec.data, dec.len))
		problem = true;
	if (p->loc.cte == MIME_CTE_UNKNOWN)
		problem = true;
	crlf_to_lf(&utf);
	cut = max ? utf8_cut(utf.data, utf.len, max) : utf.len;
	if (cut < utf.len && p->loc.subtype.len == 4 &&
	    memcmp(p->loc.subtype.p, "html", 4) == 0)
		cut = html_cut(utf.data, cut);
	o = json_pack("{s:s%, s:b, s:b}", "value",
		      utf.data ? (const char *)utf.data : "", cut,
		      "isEncodingProblem", problem, "isTruncated",
		      cut < utf.len);
	buf_free(&dec);
	buf_free(&utf);
	return o;
}

static void
values_add(const struct rtree *t, const struct idxlist *l, size_t max,
	   json_t *vals)
{
	struct buf id = BUF_INIT;

	for (size_t i = 0; i < l->n; i++) {
		const struct rpart *p = &t->v[l->v[i]];

		if (strncmp(p->type, "text/", 5) != 0)
			continue;
		buf_reset(&id);
		part_id(p, &id);
		if (json_object_get(vals, buf_cstr(&id)) == NULL)
			json_object_set_new(vals, buf_cstr(&id),
					    body_value(t, p, max));
	}
	buf_free(&id);
}

struct prev_ctx {
	const struct jmap_msg_src *src;
};

static ssize_t
prev_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct jmap_msg_src *s = ((struct prev_ctx *)ctx)->src;
	uint64_t at = off + s->pm_off;

	if (at >= s->len)
		return 0;
	if (len > s->len - at)
		len = (size_t)(s->len - at);
	memcpy(buf, s->msg + at, len);
	return (ssize_t)len;
}

static json_t *
preview(const struct jmap_msg_src *src)
{
	struct mime_preview_limits lim = { MIME_PREVIEW_PARTS,
					   MIME_PREVIEW_READ };
	struct mime_summary sum;
	struct prev_ctx ctx = { src };
	struct buf out = BUF_INIT;
	json_t *j;

	if (src->preview != NULL)
		return json_string(src->preview);
	mime_summary_init(&sum);
	if (src->partmap == NULL) {
		/* offsets then are in msg itself */
		struct jmap_msg_src s2 = *src;

		mime_summarize(src->msg, src->len, NULL, &sum);
		s2.pm_off = 0;
		ctx.src = &s2;
		mime_preview(sum.partmap.data, sum.partmap.len, &lim,
			     prev_read, &ctx, &out);
	} else {
		mime_preview(src->partmap, src->partmap_len, &lim, prev_read,
			     &ctx, &out);
	}
	mime_summary_free(&sum);
	j = json_stringn(out.data ? (const char *)out.data : "", out.len);
	buf_free(&out);
	return j;
}

static bool
props_has(json_t *props, const char *name)
{
	for (size_t i = 0; i < json_array_size(props); i++) {
		const char *n = json_string_value(json_array_get(props, i));

		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

void
jmap_email_render_body(const struct jmap_msg_src *src, json_t *props,
		       const struct jmap_body_opts *opt, json_t *email)
{
	struct rtree t;
	struct bodies b;
	json_t *bp = opt->body_props;

	tree_build(&t, src);
	bodies_make(&t, &b);
	if (props_has(props, "bodyStructure"))
		json_object_set_new(email, "bodyStructure", t.n ?
				    part_json(&t, 0, bp, true) : json_null());
	if (props_has(props, "textBody"))
		json_object_set_new(email, "textBody", list_json(&t, &b.text, bp));
	if (props_has(props, "htmlBody"))
		json_object_set_new(email, "htmlBody", list_json(&t, &b.html, bp));
	if (props_has(props, "attachments"))
		json_object_set_new(email, "attachments",
				    list_json(&t, &b.att, bp));
	if (props_has(props, "hasAttachment"))
		json_object_set_new(email, "hasAttachment",
				    json_boolean(b.att.n > 0));
	if (props_has(props, "preview"))
		json_object_set_new(email, "preview", preview(src));
	if (props_has(props, "bodyValues")) {
		json_t *vals = json_object();

		if (opt->fetch_all) {
			struct idxlist all = { NULL, 0, 0 };

			for (size_t i = 0; i < t.n; i++)
				if (!t.v[i].multipart)
					il_push(&all, i);
			values_add(&t, &all, opt->max_bytes, vals);
			free(all.v);
		} else {
			if (opt->fetch_text)
				values_add(&t, &b.text, opt->max_bytes, vals);
			if (opt->fetch_html)
				values_add(&t, &b.html, opt->max_bytes, vals);
		}
		json_object_set_new(email, "bodyValues", vals);
	}
	bodies_free(&b);
	tree_free(&t);
}
