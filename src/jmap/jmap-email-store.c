/* jmap-email-store.c - the store reads of the Email methods (see
 * jmap-email-store.h) */
#include "jmap/jmap-email-store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
dup0(const char *s)
{
	return xstrdup(s ? s : "");
}

static struct jmap_etext *
etext(const struct store_msg *m, unsigned what)
{
	struct jmap_etext *t = xcalloc(1, sizeof(*t));
	const struct store_parse *p = &m->parse;

	t->keywords = dup0(what & JMAP_ER_KEYWORDS ? m->keywords : NULL);
	if (!(what & JMAP_ER_TEXT))
		return t;
	t->subject = dup0(p->subject);
	t->from = dup0(p->from);
	t->to = dup0(p->to);
	t->cc = dup0(p->cc);
	t->bcc = dup0(p->bcc);
	t->headers = dup0(p->headers);
	t->sort_subject = dup0(p->sort_subject);
	t->display_from = dup0(p->sort_display_from);
	t->display_to = dup0(p->sort_display_to);
	t->sent_date = p->sent_date;
	return t;
}

static void
etext_free(struct jmap_etext *t)
{
	if (t == NULL)
		return;
	free(t->keywords);
	free(t->subject);
	free(t->from);
	free(t->to);
	free(t->cc);
	free(t->bcc);
	free(t->headers);
	free(t->sort_subject);
	free(t->display_from);
	free(t->display_to);
	free(t);
}

static struct jmap_erow
erow(const struct store_email_row *x)
{
	return (struct jmap_erow){
		x->emailid, x->threadid, x->mailbox_id, x->uid, x->flags,
		x->internaldate, x->size, x->modseq, x->blob_id, NULL
	};
}

/* the keywords and SEARCH fields of mailbox_id's rows r[0..n) (by uid) */
static int
text_load(struct jmap_ctx *c, int64_t mailbox_id, struct jmap_erow *r,
	  size_t n, unsigned what)
{
	static const struct store_uid_range all = { 1, UINT32_MAX };
	unsigned fields = 0;
	struct store_msg_iter *it = NULL;
	const struct store_msg *m;
	size_t i = 0;
	int ret;

	if (what & JMAP_ER_KEYWORDS)
		fields |= STORE_MSG_KEYWORDS;
	if (what & JMAP_ER_TEXT)
		fields |= STORE_MSG_SEARCH;
	ret = store_msg_iter_init(c->store, c->account_id, mailbox_id, &all, 1,
				  fields, &it);
	if (ret < 0)
		return ret;
	while ((ret = store_msg_iter_next(it, &m)) > 0) {
		while (i < n && r[i].uid < m->uid)
			i++;
		if (i < n && r[i].uid == m->uid && r[i].t == NULL)
			r[i].t = etext(m, what);
	}
	store_msg_iter_free(&it);
	/* a row expunged between the two reads: no text, no keywords */
	for (i = 0; i < n && ret == 0; i++)
		if (r[i].t == NULL)
			r[i].t = xcalloc(1, sizeof(*r[i].t));
	return ret;
}

int
jmap_erows_load(struct jmap_ctx *c, int64_t mailbox_id, unsigned what,
		struct jmap_erows *out)
{
	struct store_email_rows l = { 0, NULL };
	int r;

	memset(out, 0, sizeof(*out));
	r = store_email_list(c->store, c->account_id, mailbox_id, &l);
	if (r < 0)
		return r;
	out->v = xcalloc(l.n + 1, sizeof(*out->v));
	for (size_t i = 0; i < l.n; i++)
		out->v[out->n++] = erow(&l.v[i]);
	store_email_rows_free(&l);
	/* rows are by mailbox, then uid: one iteration per mailbox */
	what &= JMAP_ER_KEYWORDS | JMAP_ER_TEXT;
	for (size_t i = 0; what != 0 && i < out->n;) {
		size_t j = i;

		while (j < out->n && out->v[j].mailbox_id == out->v[i].mailbox_id)
			j++;
		if ((r = text_load(c, out->v[i].mailbox_id, out->v + i, j - i,
				   what)) < 0) {
			jmap_erows_free(out);
			return r;
		}
		i = j;
	}
	return 0;
}

void
jmap_erows_free(struct jmap_erows *r)
{
	for (size_t i = 0; i < r->n; i++)
		etext_free(r->v[i].t);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int
erow_cmp(const void *a, const void *b)
{
	const struct jmap_erow *x = *(const struct jmap_erow *const *)a;
	const struct jmap_erow *y = *(const struct jmap_erow *const *)b;

	if (x->emailid != y->emailid)
		return x->emailid < y->emailid ? -1 : 1;
	if (x->mailbox_id != y->mailbox_id)
		return x->mailbox_id < y->mailbox_id ? -1 : 1;
	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

void
jmap_erows_sort(struct jmap_erows *r)
{
	struct jmap_erow **p, *v;

	if (r->n < 2)
		return;
	/* pointers sorted, then the rows moved once: rows are big */
	p = xmalloc(r->n * sizeof(*p));
	for (size_t i = 0; i < r->n; i++)
		p[i] = &r->v[i];
	qsort(p, r->n, sizeof(*p), erow_cmp);
	v = xmalloc(r->n * sizeof(*v));
	for (size_t i = 0; i < r->n; i++)
		v[i] = *p[i];
	free(p);
	free(r->v);
	r->v = v;
}

int
jmap_email_load(struct jmap_ctx *c, const char *id, unsigned fields,
		struct jmap_email *out)
{
	struct store_email_rows l = { 0, NULL };
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = store_email_rows(c->store, c->account_id, id, &l)) < 0)
		return r;
	out->rows.v = xcalloc(l.n + 1, sizeof(*out->rows.v));
	for (size_t i = 0; i < l.n; i++)
		out->rows.v[out->rows.n++] = erow(&l.v[i]);
	store_email_rows_free(&l);
	if (out->rows.n == 0) {
		jmap_email_clear(out);
		return STORE_ENOTFOUND;
	}
	snprintf(out->id, sizeof(out->id), "%s", id);
	r = store_msg_get(c->store, c->account_id, out->rows.v[0].mailbox_id,
			  out->rows.v[0].uid, fields | STORE_MSG_OBJECTID,
			  &out->msg);
	if (r < 0)
		jmap_email_clear(out);
	return r;
}

void
jmap_email_clear(struct jmap_email *e)
{
	jmap_erows_free(&e->rows);
	store_msg_clear(&e->msg);
}

int
jmap_email_read(struct jmap_ctx *c, const struct jmap_email *e,
		size_t max, struct buf *out)
{
	struct store_reader *rd = NULL;
	uint64_t size, off = 0;
	int r;

	r = store_msg_open(c->store, c->account_id, e->rows.v[0].mailbox_id,
			   e->rows.v[0].uid, &rd);
	if (r < 0)
		return r;
	size = store_reader_size(rd);
	if (size > max)
		size = max;
	buf_reserve(out, (size_t)size);
	while (off < size) {
		ssize_t got = store_reader_pread(rd, out->data + out->len,
						 (size_t)(size - off), off);

		if (got <= 0) {
			store_reader_close(&rd);
			return got < 0 ? STORE_EIO : 0;
		}
		out->len += (size_t)got;
		off += (uint64_t)got;
	}
	store_reader_close(&rd);
	return 0;
}

json_t *
jmap_keywords(uint32_t flags, const char *keywords)
{
	static const struct {
		uint32_t flag;
		const char *kw;
	} map[] = {
		{ STORE_F_SEEN, "$seen" }, { STORE_F_FLAGGED, "$flagged" },
		{ STORE_F_ANSWERED, "$answered" }, { STORE_F_DRAFT, "$draft" },
	};
	json_t *o = json_object();

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (flags & map[i].flag)
			json_object_set_new(o, map[i].kw, json_true());
	if (keywords != NULL) {
		char *dup = xstrdup(keywords), *save = NULL;

		for (char *k = strtok_r(dup, " ", &save); k;
		     k = strtok_r(NULL, " ", &save)) {
			for (char *p = k; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p + 32);
			json_object_set_new(o, k, json_true());
		}
		free(dup);
	}
	return o;
}
