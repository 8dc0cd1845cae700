/* jmap-email-filter.c - Email/query's filter (RFC 8621 4.4.1): parsed
 * once, then matched per Email on the store rows; text and body
 * through the full-text index as IMAP SEARCH uses it, the messages it
 * does not cover read */
#include "jmap/jmap-email-query.h"
#include "jmap/jmap-email-render.h"
#include "lib/casefold.h"
#include "mime/mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum jf_op { JF_AND, JF_OR, JF_NOT, JF_COND };

/* the text conditions */
enum { T_TEXT, T_FROM, T_TO, T_CC, T_BCC, T_SUBJECT, T_BODY, T_COUNT };
static const char *const text_names[T_COUNT] = {
	"text", "from", "to", "cc", "bcc", "subject", "body"
};
/* the keyword conditions */
enum { K_ALL_THREAD, K_SOME_THREAD, K_NONE_THREAD, K_HAS, K_NOT, K_COUNT };
static const char *const kw_names[K_COUNT] = {
	"allInThreadHaveKeyword", "someInThreadHaveKeyword",
	"noneInThreadHaveKeyword", "hasKeyword", "notKeyword"
};

struct fts {
	bool done, usable;
	struct store_ids match, unindexed;
};

struct jfilter {
	enum jf_op op;
	struct jfilter *kids;
	size_t n;
	/* a condition: every field set must hold */
	bool nothing;			/* names an unknown mailbox */
	int64_t in_mailbox;		/* 0: none */
	int64_t *other_than;
	size_t n_other;
	bool has_other;
	bool has_before, has_after, has_min, has_max;
	int64_t before, after;
	uint64_t min_size, max_size;
	char *kw[K_COUNT];		/* lowercase, NULL: none */
	int has_attachment;		/* -1: none */
	char *text[T_COUNT];		/* casefolded, NULL: none */
	struct fts fts[T_COUNT];	/* T_TEXT, T_BODY: the index */
	char *hdr_name, *hdr_value;	/* header: [name, value?] */
};

/* a property this server does not know, or nesting too deep for it:
 * the filter may be valid, but it cannot run it (RFC 8620 5.5) */
static json_t *
unsupported(const char *what)
{
	return jmap_error("unsupportedFilter", what);
}

/* a known property with a value of the wrong type or form: the
 * arguments are invalid (RFC 8620 3.6.2, as Cyrus answers too) */
static json_t *
invalid(const char *what)
{
	return jmap_error("invalidArguments", what);
}

static bool
utcdate_parse(const char *s, int64_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, se, n = 0;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi,
		   &se, &n) != 6 || (strcmp(s + n, "Z") != 0 &&
				     strcmp(s + n, "z") != 0))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    se > 60)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = (int64_t)timegm(&tm);
	return true;
}

static char *
folded(const char *s)
{
	struct buf b = BUF_INIT;

	casefold(s, strlen(s), &b);
	return buf_steal(&b);
}

static char *
lower(const char *s)
{
	char *d = xstrdup(s);

	for (char *p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return d;
}

static json_t *
cond_parse(struct jmap_ctx *c, const struct jmap_mboxes *mb, json_t *o,
	   struct jfilter *f)
{
	const char *k;
	json_t *v;

	f->op = JF_COND;
	f->has_attachment = -1;
	json_object_foreach(o, k, v) {
		size_t i;

		if (strcmp(k, "inMailbox") == 0) {
			const struct jmap_mbox *x;

			if (!json_is_string(v))
				return invalid(k);
			x = jmap_mboxes_find(c, mb, json_string_value(v));
			if (x == NULL)
				f->nothing = true;
			else
				f->in_mailbox = x->m->id;
			continue;
		}
		if (strcmp(k, "inMailboxOtherThan") == 0) {
			if (!json_is_array(v))
				return invalid(k);
			f->has_other = true;
			f->other_than = xcalloc(json_array_size(v) + 1,
						sizeof(int64_t));
			for (i = 0; i < json_array_size(v); i++) {
				const char *id = json_string_value(
					json_array_get(v, i));
				const struct jmap_mbox *x;

				if (id == NULL)
					return invalid(k);
				if ((x = jmap_mboxes_find(c, mb, id)) != NULL)
					f->other_than[f->n_other++] = x->m->id;
			}
			continue;
		}
		if (strcmp(k, "before") == 0 || strcmp(k, "after") == 0) {
			bool b = k[0] == 'b';

			if (!utcdate_parse(json_string_value(v),
					   b ? &f->before : &f->after))
				return invalid(k);
			*(b ? &f->has_before : &f->has_after) = true;
			continue;
		}
		if (strcmp(k, "minSize") == 0 || strcmp(k, "maxSize") == 0) {
			bool mn = k[1] == 'i';

			if (!json_is_integer(v) || json_integer_value(v) < 0)
				return invalid(k);
			*(mn ? &f->min_size : &f->max_size) =
				(uint64_t)json_integer_value(v);
			*(mn ? &f->has_min : &f->has_max) = true;
			continue;
		}
		if (strcmp(k, "hasAttachment") == 0) {
			if (!json_is_boolean(v))
				return invalid(k);
			f->has_attachment = json_is_true(v);
			continue;
		}
		if (strcmp(k, "header") == 0) {
			size_t n = json_array_size(v);

			if (!json_is_array(v) || n < 1 || n > 2 ||
			    !json_is_string(json_array_get(v, 0)) ||
			    (n == 2 && !json_is_string(json_array_get(v, 1))))
				return invalid(k);
			f->hdr_name = xstrdup(json_string_value(
				json_array_get(v, 0)));
			if (n == 2)
				f->hdr_value = folded(json_string_value(
					json_array_get(v, 1)));
			continue;
		}
		for (i = 0; i < K_COUNT; i++) {
			if (strcmp(k, kw_names[i]) != 0)
				continue;
			if (!json_is_string(v) || json_string_length(v) == 0)
				return invalid(k);
			f->kw[i] = lower(json_string_value(v));
			break;
		}
		if (i < K_COUNT)
			continue;
		for (i = 0; i < T_COUNT; i++) {
			if (strcmp(k, text_names[i]) != 0)
				continue;
			if (!json_is_string(v))
				return invalid(k);
			f->text[i] = folded(json_string_value(v));
			break;
		}
		if (i < T_COUNT)
			continue;
		return unsupported(k);
	}
	return NULL;
}

static json_t *
parse(struct jmap_ctx *c, const struct jmap_mboxes *mb, json_t *o,
      struct jfilter *f, unsigned depth)
{
	json_t *op = json_object_get(o, "operator");

	memset(f, 0, sizeof(*f));
	f->has_attachment = -1;
	if (!json_is_object(o))
		return invalid("filter");
	if (depth > 64)
		return unsupported("filter");
	if (op == NULL)
		return cond_parse(c, mb, o, f);
	json_t *conds = json_object_get(o, "conditions");
	const char *s = json_string_value(op);

	if (s == NULL || !json_is_array(conds) || json_object_size(o) != 2)
		return invalid("operator");
	if (strcmp(s, "AND") == 0)
		f->op = JF_AND;
	else if (strcmp(s, "OR") == 0)
		f->op = JF_OR;
	else if (strcmp(s, "NOT") == 0)
		f->op = JF_NOT;
	else
		return invalid("operator");
	f->kids = xcalloc(json_array_size(conds) + 1, sizeof(*f->kids));
	for (size_t i = 0; i < json_array_size(conds); i++) {
		json_t *e = parse(c, mb, json_array_get(conds, i),
				  &f->kids[f->n++], depth + 1);

		if (e != NULL)
			return e;
	}
	return NULL;
}

json_t *
jmap_filter_parse(struct jmap_ctx *c, const struct jmap_mboxes *mb,
		  json_t *filter, struct jfilter **out)
{
	struct jfilter *f;
	json_t *e;

	*out = NULL;
	if (filter == NULL || json_is_null(filter))
		return NULL;
	f = xcalloc(1, sizeof(*f));
	if ((e = parse(c, mb, filter, f, 0)) != NULL) {
		jmap_filter_free(f);
		return e;
	}
	*out = f;
	return NULL;
}

static void
clear(struct jfilter *f)
{
	for (size_t i = 0; i < f->n; i++)
		clear(&f->kids[i]);
	free(f->kids);
	free(f->other_than);
	for (size_t i = 0; i < K_COUNT; i++)
		free(f->kw[i]);
	for (size_t i = 0; i < T_COUNT; i++) {
		free(f->text[i]);
		store_ids_free(&f->fts[i].match);
		store_ids_free(&f->fts[i].unindexed);
	}
	free(f->hdr_name);
	free(f->hdr_value);
}

void
jmap_filter_free(struct jfilter *f)
{
	if (f == NULL)
		return;
	clear(f);
	free(f);
}

unsigned
jmap_filter_needs(const struct jfilter *f)
{
	unsigned w = 0;

	if (f == NULL)
		return 0;
	for (size_t i = 0; i < f->n; i++)
		w |= jmap_filter_needs(&f->kids[i]);
	for (size_t i = 0; i < K_COUNT; i++)
		if (f->kw[i])
			w |= i < K_HAS ? JMAP_ER_KEYWORDS | JMAP_ER_THREADS :
					 JMAP_ER_KEYWORDS;
	for (size_t i = 0; i < T_COUNT; i++)
		if (f->text[i] && i != T_BODY)
			w |= JMAP_ER_TEXT;
	if (f->hdr_name)
		w |= JMAP_ER_TEXT;
	return w;
}

/* does the filter look at other mailboxes or threads anywhere? */
static bool
global(const struct jfilter *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (global(&f->kids[i]))
			return true;
	return f->has_other || f->kw[K_ALL_THREAD] || f->kw[K_SOME_THREAD] ||
	       f->kw[K_NONE_THREAD];
}

int64_t
jmap_filter_mailbox(const struct jfilter *f)
{
	if (f == NULL || global(f))
		return 0;
	if (f->op == JF_COND)
		return f->nothing ? -1 : f->in_mailbox;
	if (f->op == JF_AND)
		for (size_t i = 0; i < f->n; i++)
			if (f->kids[i].op == JF_COND &&
			    (f->kids[i].nothing || f->kids[i].in_mailbox))
				return f->kids[i].nothing ? -1 :
				       f->kids[i].in_mailbox;
	return 0;
}

/* one condition of the walk's kind into out */
static bool
walk_cond(const struct jfilter *f, struct jfilter_walk *out)
{
	if (f->op != JF_COND || f->nothing || f->has_other ||
	    f->has_before || f->has_after || f->has_min || f->has_max ||
	    f->kw[K_ALL_THREAD] || f->kw[K_SOME_THREAD] ||
	    f->kw[K_NONE_THREAD] || f->has_attachment >= 0 || f->hdr_name)
		return false;
	for (size_t i = 0; i < T_COUNT; i++)
		if (f->text[i])
			return false;
	if (f->in_mailbox) {
		if (out->mailbox && out->mailbox != f->in_mailbox)
			return false;
		out->mailbox = f->in_mailbox;
	}
	if (f->kw[K_HAS]) {
		if (out->n_has == JFILTER_WALK_KW)
			return false;
		out->has[out->n_has++] = f->kw[K_HAS];
	}
	if (f->kw[K_NOT]) {
		if (out->n_not == JFILTER_WALK_KW)
			return false;
		out->not[out->n_not++] = f->kw[K_NOT];
	}
	return true;
}

bool
jmap_filter_walk(const struct jfilter *f, struct jfilter_walk *out)
{
	memset(out, 0, sizeof(*out));
	if (f == NULL)
		return false;
	if (f->op == JF_COND) {
		if (!walk_cond(f, out))
			return false;
	} else if (f->op == JF_AND) {
		for (size_t i = 0; i < f->n; i++)
			if (!walk_cond(&f->kids[i], out))
				return false;
	} else
		return false;
	return out->mailbox > 0;
}

bool
jmap_row_has_keyword(const struct jmap_erow *r, const char *kw)
{
	static const struct {
		const char *kw;
		uint32_t flag;
	} map[] = {
		{ "$seen", STORE_F_SEEN }, { "$flagged", STORE_F_FLAGGED },
		{ "$answered", STORE_F_ANSWERED }, { "$draft", STORE_F_DRAFT },
	};
	size_t n = strlen(kw);

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(kw, map[i].kw) == 0)
			return (r->flags & map[i].flag) != 0;
	if (r->t == NULL || r->t->keywords == NULL)
		return false;
	for (const char *p = r->t->keywords; *p;) {
		const char *e = strchr(p, ' ');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && strncasecmp(p, kw, n) == 0)
			return true;
		p += l;
		while (*p == ' ')
			p++;
	}
	return false;
}

/* how many Emails of m's thread have kw, and of how many */
static void
thread_count(struct qset *q, const struct qmail *m, const char *kw,
	     size_t *have, size_t *all)
{
	size_t g = m->thread;

	*have = *all = 0;
	if (q->thread_start == NULL)
		return;
	for (size_t i = q->thread_start[g]; i < q->thread_start[g + 1]; i++) {
		(*all)++;
		if (jmap_row_has_keyword(q->v[q->by_thread[i]].rows, kw))
			(*have)++;
	}
}

/* the message, read whole (the full-text index does not cover it) */
static int
read_msg(struct qset *q, const struct qmail *m, struct store_msg *sm,
	 struct buf *out)
{
	struct jmap_email e;
	int r;

	memset(&e, 0, sizeof(e));
	e.rows.v = (struct jmap_erow *)m->rows;
	e.rows.n = 1;
	r = store_msg_get(q->c->store, q->c->account_id, m->rows[0].mailbox_id,
			  m->rows[0].uid, STORE_MSG_FETCH, sm);
	if (r == 0)
		r = jmap_email_read(q->c, &e, SIZE_MAX, out);
	return r;
}

struct body_find {
	struct buf text;
};

static bool
body_cb(void *ctx, const uint32_t *section, size_t depth,
	const unsigned char *utf8, size_t len)
{
	(void)section;
	(void)depth;
	buf_append(&((struct body_find *)ctx)->text, utf8, len);
	return true;
}

/* body text (text/ parts) of a message the index does not cover */
static int
body_scan(struct qset *q, const struct qmail *m, const char *needle,
	  bool *hit)
{
	struct store_msg sm;
	struct buf msg = BUF_INIT;
	struct body_find bf = { BUF_INIT };
	int r;

	memset(&sm, 0, sizeof(sm));
	*hit = false;
	if ((r = read_msg(q, m, &sm, &msg)) == 0 && msg.len > 0) {
		size_t pre = sm.prefix_len;

		mime_body_text(sm.parse.partmap, sm.parse.partmap_len,
			       msg.data + pre, msg.len - pre, body_cb, &bf);
		*hit = casefold_find(bf.text.data, bf.text.len, needle,
				     strlen(needle));
	}
	buf_free(&bf.text);
	buf_free(&msg);
	store_msg_clear(&sm);
	return r;
}

static int
body_match(struct qset *q, struct fts *x, const char *needle,
	   const struct qmail *m, bool *hit)
{
	int64_t blob = m->rows[0].blob_id;

	if (!x->done) {
		x->done = true;
		x->usable = store_fts_usable(needle, strlen(needle)) &&
			store_fts_search(q->c->store, needle, strlen(needle),
					 false, &x->match,
					 &x->unindexed) == 0;
	}
	if (needle[0] == '\0') {
		*hit = true;
		return 0;
	}
	if (x->usable && store_ids_has(&x->match, blob)) {
		*hit = true;
		return 0;
	}
	if (x->usable && !store_ids_has(&x->unindexed, blob)) {
		*hit = false;
		return 0;
	}
	return body_scan(q, m, needle, hit);
}

static bool
field_has(const char *hay, const char *needle)
{
	return casefold_find(hay, hay ? strlen(hay) : 0, needle,
			     strlen(needle));
}

/* header [name] or [name, value] on the decoded "Name: value\n" lines */
static bool
header_match(const struct jfilter *f, const struct jmap_etext *t)
{
	size_t nl = strlen(f->hdr_name);

	for (const char *p = t->headers; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l > nl && p[nl] == ':' &&
		    strncasecmp(p, f->hdr_name, nl) == 0) {
			const char *v = p + nl + 1;
			size_t vl = l - nl - 1;

			while (vl > 0 && *v == ' ')
				v++, vl--;
			if (f->hdr_value == NULL ||
			    casefold_find(v, vl, f->hdr_value,
					  strlen(f->hdr_value)))
				return true;
		}
		p += l + (e != NULL);
	}
	return false;
}

/* the decoded header fields, when the store's cache has none */
static int
header_text(struct qset *q, const struct qmail *m)
{
	struct jmap_etext *t = m->rows[0].t;
	struct store_msg sm;
	struct buf msg = BUF_INIT, h = BUF_INIT;
	int r;

	if (t->headers != NULL && t->headers[0] != '\0')
		return 0;
	memset(&sm, 0, sizeof(sm));
	if ((r = read_msg(q, m, &sm, &msg)) == 0) {
		size_t hl = sm.prefix_len + (size_t)sm.parse.header_len;

		mime_header_text(msg.data, hl < msg.len ? hl : msg.len, &h);
		free(t->headers);
		t->headers = buf_steal(&h);
		if (t->headers == NULL)
			t->headers = xstrdup("");
	}
	buf_free(&msg);
	store_msg_clear(&sm);
	return r;
}

static int
has_attachment(struct qset *q, struct qmail *m)
{
	struct store_msg sm;
	struct buf msg = BUF_INIT;
	int r;

	if (m->att >= 0)
		return m->att;
	memset(&sm, 0, sizeof(sm));
	/* the stored BODYSTRUCTURE says, without the body */
	r = store_msg_get(q->c->store, q->c->account_id, m->rows[0].mailbox_id,
			  m->rows[0].uid, STORE_MSG_FETCH, &sm);
	if (r == 0 &&
	    (m->att = jmap_email_has_attachment(sm.parse.bodystructure)) >= 0) {
		store_msg_clear(&sm);
		return m->att;
	}
	store_msg_clear(&sm);
	memset(&sm, 0, sizeof(sm));
	if (r == 0)
		r = read_msg(q, m, &sm, &msg);
	if (r == 0) {
		struct jmap_body_opts opt = { NULL, false, false, false, 0 };
		json_t *props = json_pack("[s]", "hasAttachment");
		json_t *o = json_object();
		struct jmap_msg_src src = {
			msg.data ? msg.data : (const unsigned char *)"",
			msg.len, 0, sm.parse.partmap, sm.parse.partmap_len,
			sm.prefix_len, NULL, NULL
		};

		jmap_email_render_body(&src, props, &opt, o);
		m->att = json_is_true(json_object_get(o, "hasAttachment"));
		json_decref(o);
		json_decref(props);
	}
	buf_free(&msg);
	store_msg_clear(&sm);
	return r < 0 ? r : m->att;
}

static int
cond_match(struct qset *q, struct jfilter *f, struct qmail *m)
{
	const struct jmap_erow *r0 = m->rows;
	const struct jmap_etext *t = r0->t;
	size_t have, all, i;
	bool hit;
	int r;

	if (f->nothing)
		return 0;
	if (f->in_mailbox) {
		for (i = 0; i < m->n; i++)
			if (m->rows[i].mailbox_id == f->in_mailbox)
				break;
		if (i == m->n)
			return 0;
	}
	if (f->has_other) {
		for (i = 0; i < m->n; i++) {
			size_t k;

			for (k = 0; k < f->n_other; k++)
				if (m->rows[i].mailbox_id == f->other_than[k])
					break;
			if (k == f->n_other)
				break;
		}
		if (i == m->n)
			return 0;
	}
	if ((f->has_before && !(r0->internaldate < f->before)) ||
	    (f->has_after && !(r0->internaldate >= f->after)) ||
	    (f->has_min && !(r0->size >= f->min_size)) ||
	    (f->has_max && !(r0->size < f->max_size)))
		return 0;
	if ((f->kw[K_HAS] && !jmap_row_has_keyword(r0, f->kw[K_HAS])) ||
	    (f->kw[K_NOT] && jmap_row_has_keyword(r0, f->kw[K_NOT])))
		return 0;
	if (f->kw[K_ALL_THREAD]) {
		thread_count(q, m, f->kw[K_ALL_THREAD], &have, &all);
		if (have != all)
			return 0;
	}
	if (f->kw[K_SOME_THREAD]) {
		thread_count(q, m, f->kw[K_SOME_THREAD], &have, &all);
		if (have == 0)
			return 0;
	}
	if (f->kw[K_NONE_THREAD]) {
		thread_count(q, m, f->kw[K_NONE_THREAD], &have, &all);
		if (have != 0)
			return 0;
	}
	if (t != NULL) {
		if ((f->text[T_FROM] && !field_has(t->from, f->text[T_FROM])) ||
		    (f->text[T_TO] && !field_has(t->to, f->text[T_TO])) ||
		    (f->text[T_CC] && !field_has(t->cc, f->text[T_CC])) ||
		    (f->text[T_BCC] && !field_has(t->bcc, f->text[T_BCC])) ||
		    (f->text[T_SUBJECT] &&
		     !field_has(t->subject, f->text[T_SUBJECT])))
			return 0;
		if (f->hdr_name && (r = header_text(q, m)) < 0)
			return r;
		if (f->hdr_name && !header_match(f, t))
			return 0;
	}
	if (f->text[T_BODY]) {
		if ((r = body_match(q, &f->fts[T_BODY], f->text[T_BODY], m,
				    &hit)) < 0)
			return r;
		if (!hit)
			return 0;
	}
	if (f->text[T_TEXT]) {
		const char *n = f->text[T_TEXT];

		hit = t && (field_has(t->from, n) || field_has(t->to, n) ||
			    field_has(t->cc, n) || field_has(t->bcc, n) ||
			    field_has(t->subject, n));
		if (!hit && (r = body_match(q, &f->fts[T_TEXT], n, m,
					    &hit)) < 0)
			return r;
		if (!hit)
			return 0;
	}
	if (f->has_attachment >= 0) {
		if ((r = has_attachment(q, m)) < 0)
			return r;
		if (r != f->has_attachment)
			return 0;
	}
	return 1;
}

int
jmap_filter_match(struct qset *q, struct jfilter *f, struct qmail *m)
{
	int r;

	if (f == NULL)
		return 1;
	switch (f->op) {
	case JF_COND:
		return cond_match(q, f, m);
	case JF_AND:
		for (size_t i = 0; i < f->n; i++)
			if ((r = jmap_filter_match(q, &f->kids[i], m)) <= 0)
				return r;
		return 1;
	case JF_OR:
		for (size_t i = 0; i < f->n; i++)
			if ((r = jmap_filter_match(q, &f->kids[i], m)) != 0)
				return r;
		return 0;
	case JF_NOT:	/* none of the conditions */
		for (size_t i = 0; i < f->n; i++)
			if ((r = jmap_filter_match(q, &f->kids[i], m)) != 0)
				return r < 0 ? r : 0;
		return 1;
	}
	return 0;
}

void
jmap_filter_terms(const struct jfilter *f, json_t *terms)
{
	if (f == NULL || f->op == JF_NOT)
		return;
	for (size_t i = 0; i < f->n; i++)
		jmap_filter_terms(&f->kids[i], terms);
	if (f->text[T_TEXT] && f->text[T_TEXT][0])
		json_array_append_new(terms, json_string(f->text[T_TEXT]));
	if (f->text[T_SUBJECT] && f->text[T_SUBJECT][0])
		json_array_append_new(terms, json_string(f->text[T_SUBJECT]));
	if (f->text[T_BODY] && f->text[T_BODY][0])
		json_array_append_new(terms, json_string(f->text[T_BODY]));
}
