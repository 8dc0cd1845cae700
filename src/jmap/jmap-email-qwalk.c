/* jmap-email-qwalk.c - the webmail's list without reading the whole
 * mailbox: inMailbox (and keyword conditions), sorted by receivedAt,
 * threads collapsed or not. The mailbox's rows are walked in that order
 * through an index (store_email_walk) and the walk stops after
 * position + limit Emails, so the first page after any change costs a
 * page of index entries, not every row of the mailbox grouped and
 * sorted. The order is the general path's (jmap-email-sort.c: ties by
 * uid, reversed when descending; an Email's place is its lowest-uid
 * row in the mailbox). */
#include "jmap/jmap-email.h"
#include "jmap/jmap-email-query.h"
#include "jmap/jmap-email-qcache.h"

#include <stdlib.h>
#include <string.h>

/* the thread ids seen (collapseThreads): open addressing, 0 kept aside */
struct idset {
	uint64_t *v;
	size_t cap, n;
	bool zero;
};

static bool
idset_add(struct idset *s, uint64_t id)	/* false: was there */
{
	if (id == 0) {
		bool had = s->zero;

		s->zero = true;
		return !had;
	}
	if ((s->n + 1) * 2 > s->cap) {
		struct idset big = { NULL, s->cap ? s->cap * 2 : 64, 0, s->zero };

		big.v = xcalloc(big.cap, sizeof(*big.v));
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				idset_add(&big, s->v[i]);
		free(s->v);
		*s = big;
	}
	size_t mask = s->cap - 1, h;

	for (h = (size_t)(id * 0x9E3779B97F4A7C15ull) & mask; s->v[h];
	     h = (h + 1) & mask)
		if (s->v[h] == id)
			return false;
	s->v[h] = id;
	s->n++;
	return true;
}

struct walk {
	struct store *store;
	const struct jfilter_walk *f;
	bool collapse;
	struct idset threads;
	struct qresult *out;
	size_t want, cap;
};

static bool
keywords_match(const struct jfilter_walk *f, const struct store_email_row *e)
{
	struct jmap_etext t = { .keywords = e->keywords };
	struct jmap_erow r = { .flags = e->flags, .t = &t };

	for (size_t i = 0; i < f->n_has; i++)
		if (!jmap_row_has_keyword(&r, f->has[i]))
			return false;
	for (size_t i = 0; i < f->n_not; i++)
		if (jmap_row_has_keyword(&r, f->not[i]))
			return false;
	return true;
}

static int
walk_row(const struct store_email_row *e, void *arg)
{
	struct walk *w = arg;
	int r;

	if (!keywords_match(w->f, e))
		return 0;
	/* a second row of an Email in the mailbox: the Email is at its
	 * first row's place (rare: the same message stored twice) */
	if ((r = store_email_first_row(w->store, e)) <= 0)
		return r;
	if (w->collapse && !idset_add(&w->threads, e->threadid))
		return 0;
	if (w->out->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->out->ids = xrealloc(w->out->ids,
				       w->cap * sizeof(*w->out->ids));
	}
	w->out->ids[w->out->n++] = e->emailid;
	return w->out->n >= w->want;
}

/* a keyword's condition needs the keywords column unless it is one of
 * the flags */
static bool
needs_keywords(const struct jfilter_walk *f)
{
	struct jmap_erow r = { .flags = UINT32_MAX, .t = NULL };

	for (size_t i = 0; i < f->n_has; i++)
		if (!jmap_row_has_keyword(&r, f->has[i]))
			return true;
	for (size_t i = 0; i < f->n_not; i++)
		if (!jmap_row_has_keyword(&r, f->not[i]))
			return true;
	return false;
}

int
jmap_email_qwalk(struct jmap_ctx *c, const struct jfilter *f,
		 const struct jsort *s, bool collapse, size_t pos,
		 size_t limit, bool total, struct qresult *out,
		 size_t *total_r)
{
	struct jfilter_walk fw;
	struct store_mailbox_counts counts;
	struct walk w;
	bool asc;
	int r;

	memset(out, 0, sizeof(*out));
	/* a total under keyword conditions counts every match: the
	 * general path's work anyway */
	if (!jmap_filter_walk(f, &fw) || !jmap_sort_by_received(s, &asc) ||
	    (total && fw.n_has + fw.n_not > 0) || pos > SIZE_MAX / 2 ||
	    limit > SIZE_MAX / 2)
		return 0;
	if (total) {
		r = store_mailbox_counts(c->store, c->account_id, fw.mailbox,
					 &counts);
		if (r < 0)
			return r == STORE_ENOTFOUND ? 0 : r;
		*total_r = collapse ? counts.threads : counts.emails;
	}
	memset(&w, 0, sizeof(w));
	w.store = c->store;
	w.f = &fw;
	w.collapse = collapse;
	w.out = out;
	w.want = pos + limit;
	if (w.want > 0) {
		r = store_email_walk(c->store, c->account_id, fw.mailbox, asc,
				     needs_keywords(&fw), walk_row, &w);
		free(w.threads.v);
		if (r < 0) {
			jmap_qresult_free(out);
			/* not the account's mailbox: the general path
			 * answers it as it always has */
			return r == STORE_ENOTFOUND ? 0 : r;
		}
	}
	if (out->ids == NULL)
		out->ids = xmalloc(sizeof(*out->ids));
	return 1;
}
