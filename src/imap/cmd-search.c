/* cmd-search.c - SEARCH and UID SEARCH, with ESEARCH return options
 * (RFC 4731: MIN MAX COUNT ALL) and SEARCHRES (RFC 5182: SAVE, "$"),
 * and SORT (RFC 5256, the same search then search-sort.c's order);
 * evaluated in batches on the thread pool so that a big mailbox never
 * holds the loop */
#include "imap/imap-search.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"

#define SEARCH_BATCH 500
/* when every key is answered from the messages rows and the index, a
 * message costs a row read and a lookup: bigger batches */
#define SEARCH_BATCH_LIGHT 5000
/* narrow to the index's messages when it names under 1/32 of the view
 * (at 1/10, 100,000 messages: 109 ms narrowed against 74 ms for the pass
 * over all rows; at 1/100: 33 ms against 55, bench/fts-results.md) */
#define SEARCH_NARROW_SHARE 32

struct search_ctx {
	struct search_query q;
	uint32_t *uids;
	size_t n, next;
	size_t batch;			/* messages per batch */
	bool sparse;			/* uids: the index's candidates only */
	bool light;			/* messages rows only (no parse row) */
	uint32_t *hits;
	uint64_t *hit_modseq;		/* each hit's modseq (MODSEQ key) */
	size_t n_hits, cap_hits;
	uint64_t max_modseq;
	struct work_gate_job job;
	int w_rc;
	/* SORT and THREAD: the criteria or algorithm, and each hit with
	 * its sort keys */
	bool sort, thread;
	enum thread_alg alg;
	struct sort_crit crit[SORT_MAX_CRIT];
	size_t n_crit;
	struct sort_item *items;
	size_t n_items, cap_items;
	/* SORT RETURN (...): the options, before the search program */
	struct search_query ret;
	bool has_ret;
	/* INPROGRESS (RFC 9585): when the last report went out (ms) */
	uint64_t progress_ms;
};

static int
search_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
search_ctx_free(void *p)
{
	struct search_ctx *x = p;

	search_query_free(&x->q);
	free(x->uids);
	free(x->hits);
	free(x->hit_modseq);
	for (size_t i = 0; i < x->n_items; i++)
		sort_item_clear(&x->items[i]);
	free(x->items);
	free(x);
}

static void
search_hit(struct search_ctx *x, uint32_t uid, uint64_t modseq)
{
	if (x->n_hits == x->cap_hits) {
		x->cap_hits = x->cap_hits ? x->cap_hits * 2 : 64;
		x->hits = xrealloc(x->hits, x->cap_hits * sizeof(*x->hits));
		x->hit_modseq = xrealloc(x->hit_modseq,
					 x->cap_hits * sizeof(*x->hit_modseq));
	}
	x->hit_modseq[x->n_hits] = modseq;
	x->hits[x->n_hits++] = uid;
}

static void
sort_hit(struct search_ctx *x, const struct store_msg *m)
{
	if (x->n_items == x->cap_items) {
		x->cap_items = x->cap_items ? x->cap_items * 2 : 64;
		x->items = xrealloc(x->items,
				    x->cap_items * sizeof(*x->items));
	}
	sort_item_fill(&x->items[x->n_items++], m, x->thread);
}

static uint32_t
thread_number(void *arg, uint32_t uid)
{
	struct imap_cmd *cmd = arg;

	return cmd->uid ? uid : imap_view_seq(&cmd->s->view, uid);
}

/* "* THREAD" and its lists */
static enum imap_cmd_ret
thread_finish(struct imap_cmd *cmd)
{
	struct search_ctx *x = cmd->ctx;
	struct buf b = BUF_INIT;

	buf_append_str(&b, "* THREAD");
	if (x->n_items > 0)
		buf_append_byte(&b, ' ');
	thread_items(x->items, x->n_items, x->alg, thread_number, cmd, &b);
	buf_append_str(&b, "\r\n");
	imap_write(cmd->s, b.data, b.len);
	buf_free(&b);
	return imap_cmd_reply(cmd, "OK", "Thread completed");
}

/* the result in its order (mailbox order, or the sort's): the numbers
 * to print (uids or sequence numbers), and each one's uid and modseq */
struct search_result {
	uint32_t *ids, *uids;
	uint64_t *mods;
	size_t n;
	size_t p_from, p_count;		/* the PARTIAL window */
};

/* which results an ESEARCH "returns" (RFC 7162 3.1.5 for MODSEQ, RFC
 * 9394 3.2 and RFC 5182 2.1 for SAVE): all of them with ALL or COUNT
 * or with nothing that picks some; else MIN, MAX and the PARTIAL page */
static bool
search_returns_all(const struct search_query *q)
{
	return q->r_all || q->r_count ||
		!(q->r_min || q->r_max || q->r_partial);
}

static bool
search_returned(const struct search_query *q, const struct search_result *r,
		size_t i)
{
	return search_returns_all(q) || (q->r_min && i == 0) ||
		(q->r_max && i == r->n - 1) ||
		(q->r_partial && i >= r->p_from && i < r->p_from + r->p_count);
}

static uint64_t
search_returned_modseq(const struct search_query *q,
		       const struct search_result *r)
{
	uint64_t m = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->mods[i] > m && search_returned(q, r, i))
			m = r->mods[i];
	return m;
}

/* SEARCHRES: "$" is what this command returned */
static void
search_save(struct imap_session *s, const struct search_query *q,
	    const struct search_result *r)
{
	size_t i;

	free(s->saved);
	s->saved = NULL;
	s->n_saved = 0;
	if (r->n == 0)
		return;
	s->saved = xmalloc(r->n * sizeof(*s->saved));
	for (i = 0; i < r->n; i++)
		if (search_returned(q, r, i))
			s->saved[s->n_saved++] = r->uids[i];
	/* a SORT's result is in sort order: "$" is a set */
	qsort(s->saved, s->n_saved, sizeof(*s->saved), search_uid_cmp);
}

static void
search_esearch_line(struct imap_cmd *cmd, const struct search_query *q,
		    const struct search_result *r, struct buf *b)
{
	buf_append_str(b, "* ESEARCH (TAG ");
	imap_append_astring(b, cmd->tag, strlen(cmd->tag));
	buf_append_str(b, ")");
	if (cmd->uid)
		buf_append_str(b, " UID");
	/* ESORT (RFC 5267 3.1): MIN and MAX are the first and last in the
	 * sort order, ALL keeps that order */
	if (q->r_min && r->n > 0)
		buf_printf(b, " MIN %u", r->ids[0]);
	if (q->r_max && r->n > 0)
		buf_printf(b, " MAX %u", r->ids[r->n - 1]);
	if (q->r_count)
		buf_printf(b, " COUNT %zu", r->n);
	if (q->r_all && r->n > 0) {
		buf_append_str(b, " ALL ");
		esearch_append_set(b, r->ids, r->n);
	}
	if (q->r_partial) {
		/* RFC 9394 3.1: the range asked for, then the page in
		 * result order, or NIL */
		buf_append_byte(b, ' ');
		search_partial_append(b, &q->partial);
		if (r->p_count > 0)
			esearch_append_set(b, r->ids + r->p_from, r->p_count);
		else
			buf_append_str(b, "NIL");
		buf_append_byte(b, ')');
	}
	if (q->modseq && r->n > 0) {
		uint64_t m = search_returned_modseq(q, r);

		if (m > 0)
			buf_printf(b, " MODSEQ %llu", (unsigned long long)m);
	}
	buf_append_str(b, "\r\n");
}

/* RETURN (UPDATE): keep the whole result live (RFC 5267 4.3: PARTIAL,
 * MIN and the others do not narrow it), or say NOUPDATE */
static void
search_keep_live(struct imap_cmd *cmd, struct search_result *r)
{
	struct imap_session *s = cmd->s;
	struct search_ctx *x = cmd->ctx;
	uint32_t *uids = NULL;
	struct sort_item *items = NULL;
	bool ok;

	if (x->sort) {
		items = x->items;
	} else {
		uids = xmalloc((r->n ? r->n : 1) * sizeof(*uids));
		if (r->n > 0)	/* no hits: r->uids may be NULL */
			memcpy(uids, r->uids, r->n * sizeof(*uids));
	}
	ok = imap_update_add(s, cmd->tag, cmd->uid, &x->q, x->crit,
			     x->sort ? x->n_crit : 0, uids, items, r->n);
	if (!ok) {
		struct buf b = BUF_INIT;

		free(uids);
		buf_append_str(&b, "* NO [NOUPDATE ");
		imap_append_astring(&b, cmd->tag, strlen(cmd->tag));
		buf_append_str(&b, "] Too many search updates\r\n");
		imap_write(s, b.data, b.len);
		buf_free(&b);
		return;
	}
	if (x->sort) {
		/* the context has them now */
		x->items = NULL;
		x->n_items = x->cap_items = 0;
	}
}

static enum imap_cmd_ret
search_finish(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct search_ctx *x = cmd->ctx;
	const struct search_query *q = &x->q;
	struct search_result r = { 0 };
	struct buf b = BUF_INIT;
	size_t i;

	if (x->thread)
		return thread_finish(cmd);
	if (x->sort) {
		sort_items(x->items, x->n_items, x->crit, x->n_crit);
		r.n = x->n_items;
		r.uids = xmalloc((r.n ? r.n : 1) * sizeof(*r.uids));
		r.mods = xmalloc((r.n ? r.n : 1) * sizeof(*r.mods));
		for (i = 0; i < r.n; i++) {
			r.uids[i] = x->items[i].uid;
			r.mods[i] = x->items[i].modseq;
		}
	} else {
		r.n = x->n_hits;
		r.uids = x->hits;
		r.mods = x->hit_modseq;
	}
	r.ids = xmalloc((r.n ? r.n : 1) * sizeof(*r.ids));
	for (i = 0; i < r.n; i++)
		r.ids[i] = cmd->uid ? r.uids[i] :
			imap_view_seq(&s->view, r.uids[i]);
	if (q->r_partial)
		search_partial_window(&q->partial, r.n, &r.p_from, &r.p_count);
	if (q->r_save)
		search_save(s, q, &r);
	if (!q->esearch) {
		buf_append_str(&b, x->sort ? "* SORT" : "* SEARCH");
		for (i = 0; i < r.n; i++)
			buf_printf(&b, " %u", r.ids[i]);
		if (!x->sort && q->modseq && r.n > 0)
			buf_printf(&b, " (MODSEQ %llu)",
				   (unsigned long long)x->max_modseq);
		buf_append_str(&b, "\r\n");
	} else if (q->r_min || q->r_max || q->r_count || q->r_all ||
		   q->r_partial || !q->r_save) {
		/* SAVE alone answers nothing (RFC 5182 2.1) */
		search_esearch_line(cmd, q, &r, &b);
	}
	imap_write(s, b.data, b.len);
	buf_free(&b);
	if (q->r_update)
		search_keep_live(cmd, &r);
	free(r.ids);
	if (x->sort) {
		free(r.uids);
		free(r.mods);
	}
	return imap_cmd_reply(cmd, "OK", x->sort ? "Sort completed" :
			      "Search completed");
}

/* can the sequence map alone answer k (flags, uids, modseq)? */
static bool
search_view_only(const struct skey *k)
{
	size_t i;

	switch (k->type) {
	case SK_AND:
	case SK_OR:
	case SK_NOT:
		for (i = 0; i < k->n_kids; i++)
			if (!search_view_only(&k->kids[i]))
				return false;
		return true;
	case SK_NONE:
	case SK_FLAG:
	case SK_UIDS:
	case SK_MODSEQ:
		return true;
	default:
		return false;
	}
}

/* answer from the sequence map: no store reads (SEARCH UNSEEN & co.) */
static enum imap_cmd_ret
search_from_view(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct search_ctx *x = cmd->ctx;
	struct store_msg m;
	struct search_msg sm = { .m = &m, .store = s->env->store };
	size_t i;

	for (i = 0; i < s->view.n; i++) {
		const struct imap_msg *v = &s->view.msgs[i];

		memset(&m, 0, sizeof(m));
		m.uid = v->uid;
		m.flags = v->flags;
		m.modseq = v->modseq;
		if (search_eval(&x->q.root, &sm)) {
			search_hit(x, m.uid, m.modseq);
			if (m.modseq > x->max_modseq)
				x->max_modseq = m.modseq;
		}
	}
	return search_finish(cmd);
}

/* when the index bounds the program (a BODY/TEXT key it answers that
 * every match must hold, or an OR of such), search only the messages it
 * names: a cost in proportion to its hits, not to the mailbox. Not when
 * they are a big share of the mailbox (a lookup per body costs more
 * than a row of the pass over all). */
static int
search_narrow(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct search_ctx *x = cmd->ctx;
	size_t bound = search_fts_bound(&x->q.root);
	struct store_ids c;
	size_t i = 0, j = 0, n = 0;
	int r;

	if (bound == SIZE_MAX || bound > x->n / SEARCH_NARROW_SHARE)
		return 0;
	r = search_fts_candidates(&x->q.root, s->env->store,
				  s->view.mailbox_id, &c);
	if (r < 0)
		return r;
	/* both ascending: keep the view's uids the index names */
	while (i < x->n && j < c.n) {
		if ((int64_t)x->uids[i] < c.v[j])
			i++;
		else if ((int64_t)x->uids[i] > c.v[j])
			j++;
		else {
			x->uids[n++] = x->uids[i++];
			j++;
		}
	}
	log_debug(s->id, "imap search index narrowed %zu of %zu", n, x->n);
	x->n = n;
	x->sparse = true;
	store_ids_free(&c);
	if (!x->sort && !x->thread && !x->q.modseq &&
	    search_fts_exact(&x->q.root)) {
		/* the candidates are the matches: no row to read (the
		 * view's messages, as the batches take them) */
		for (i = 0; i < x->n; i++)
			if (imap_view_find(&s->view, x->uids[i]) != NULL)
				search_hit(x, x->uids[i], 0);
		log_debug(s->id, "imap search index answered %zu", x->n);
		x->n = 0;
	}
	return 0;
}

/* one batch: on a worker thread (or on the loop without a pool) */
static void
search_batch(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct search_ctx *x = cmd->ctx;
	size_t last;
	struct store_uid_range r, *ranges;
	struct store_msg_iter *it = NULL;
	const struct store_msg *m;
	struct buf text = BUF_INIT, hdr = BUF_INIT;

	if (x->next == 0 && x->q.body && s->env->conf->imap.search_index) {
		int n = search_fts_prepare(&x->q.root, s->env->store,
					   s->view.mailbox_id);

		if (n < 0) {
			x->w_rc = n;
			return;
		}
		if (n > 0)
			log_debug(s->id, "imap search index keys=%d", n);
		/* no parse row needed: messages rows only */
		if (n > 0 && !x->sort && search_rows_only(&x->q.root)) {
			x->light = true;
			x->batch = SEARCH_BATCH_LIGHT;
		}
		if (n > 0 && (x->w_rc = search_narrow(cmd)) != 0)
			return;
		if (x->n == 0)
			return;
	}
	if (x->batch == 0)
		x->batch = SEARCH_BATCH;
	last = x->next + x->batch < x->n ? x->next + x->batch - 1 : x->n - 1;
	if (x->sparse) {
		/* the index's candidates: their rows only */
		size_t nr = last - x->next + 1;

		ranges = xmalloc(nr * sizeof(*ranges));
		for (size_t i = 0; i < nr; i++)
			ranges[i].lo = ranges[i].hi = x->uids[x->next + i];
		x->w_rc = store_msg_iter_init(s->env->store, s->view.account_id,
					      s->view.mailbox_id, ranges, nr,
					      x->light ? x->q.fields &
					      STORE_MSG_KEYWORDS : x->q.fields,
					      &it);
		free(ranges);
	} else {
		r.lo = x->uids[x->next];
		r.hi = x->uids[last];
		x->w_rc = store_msg_iter_init(s->env->store, s->view.account_id,
					      s->view.mailbox_id, &r, 1,
					      x->light ? x->q.fields &
					      STORE_MSG_KEYWORDS : x->q.fields,
					      &it);
	}
	if (x->w_rc != 0)
		return;
	while (store_msg_iter_next(it, &m) == 1) {
		struct search_msg sm = { .m = m, .store = s->env->store,
					 .account_id = s->view.account_id,
					 .mailbox_id = s->view.mailbox_id,
					 .text = &text, .hdr = &hdr };
		const struct imap_msg *vm = imap_view_find(&s->view, m->uid);
		struct store_msg rm;

		if (vm == NULL)
			continue;
		if (vm->flags & IMAP_F_RECENT) {
			/* \Recent is the view's, not the store's */
			rm = *m;
			rm.flags |= IMAP_F_RECENT;
			sm.m = &rm;
		}
		buf_reset(&text);
		buf_reset(&hdr);
		if (search_eval(&x->q.root, &sm)) {
			if (x->sort)
				sort_hit(x, m);
			else
				search_hit(x, m->uid, m->modseq);
			if (m->modseq > x->max_modseq)
				x->max_modseq = m->modseq;
		}
		store_reader_close(&sm.reader);
	}
	store_msg_iter_free(&it);
	buf_free(&text);
	buf_free(&hdr);
	x->next = last + 1;
}

static void
search_work(uv_work_t *w)
{
	search_batch(w->data);
}

static enum imap_cmd_ret search_run(struct imap_cmd *cmd);

static void
search_after_work(uv_work_t *w, int status)
{
	struct imap_cmd *cmd = w->data;
	struct imap_session *s = cmd->s;
	struct search_ctx *x = cmd->ctx;

	if (!s->conn_gone && s->cmd == cmd) {
		if (status != 0 || x->w_rc != 0) {
			imap_cmd_store_error(cmd, status != 0 ? STORE_EIO :
					     x->w_rc);
			imap_cmd_end(cmd);
		} else if (search_run(cmd) == IMAP_CMD_DONE) {
			imap_cmd_end(cmd);
		}
	}
	imap_session_unref(s);
}

/* batches on the thread pool: a long search never holds the loop */
static enum imap_cmd_ret
search_run(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct search_ctx *x = cmd->ctx;

	if (x->next >= x->n)
		return search_finish(cmd);
	imap_cmd_progress(cmd, &x->progress_ms, x->next, x->n, "Searched");
	x->job.work.data = cmd;
	imap_session_ref(s);
	if (imap_session_queue_work(s, &x->job, search_work,
				    search_after_work) == 0)
		return IMAP_CMD_WAIT;
	imap_session_unref(s);
	search_batch(cmd);
	if (x->w_rc != 0)
		return imap_cmd_store_error(cmd, x->w_rc);
	if (x->next < x->n) {
		imap_cmd_yield(cmd);
		return IMAP_CMD_WAIT;
	}
	return search_finish(cmd);
}

enum imap_cmd_ret
cmd_search(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct search_ctx *x = xcalloc(1, sizeof(*x));
	struct store_uid_range all = { 1, UINT32_MAX };
	const char *err;
	bool badcharset;

	cmd->ctx = x;
	cmd->ctx_free = search_ctx_free;
	if (!search_parse(s, cmd->args, &x->q, &err, &badcharset)) {
		if (badcharset)
			return imap_cmd_reply(cmd, "NO", "[BADCHARSET (UTF-8 "
					      "US-ASCII)] %s", err);
		return imap_cmd_bad(cmd, err);
	}
	if (x->q.r_update && imap_update_tag_used(s, cmd->tag))
		return imap_cmd_bad(cmd, "Tag reuse");	/* RFC 5267 4.3 */
	if (x->q.modseq)
		imap_condstore_enable(s);
	x->progress_ms = imap_now_ms();
	if (s->rev2 && !x->q.esearch) {
		/* RFC 9051 6.4.4: IMAP4rev2 answers with ESEARCH */
		x->q.esearch = true;
		x->q.r_all = true;
	}
	if (search_view_only(&x->q.root)) {
		/* flags the view has not seen yet come first (as FETCH;
		 * no EXPUNGE during SEARCH) */
		imap_view_sync(s, cmd->uid);
		return search_from_view(cmd);
	}
	x->uids = imap_view_uids(s, &all, 1, &x->n);
	cmd->resume = search_run;
	return search_run(cmd);
}

/* SORT (criteria) charset search-keys, THREAD alg charset search-keys
 * (RFC 5256 3): the charset, then the search program, then the batches */
static enum imap_cmd_ret
sort_thread_run(struct imap_cmd *cmd, const struct imap_arg *a)
{
	struct imap_session *s = cmd->s;
	struct search_ctx *x = cmd->ctx;
	struct store_uid_range all = { 1, UINT32_MAX };
	const char *cs, *err;
	bool badcharset;

	cs = imap_arg_str(&a[0]);
	if (cs == NULL)
		return imap_cmd_bad(cmd, "A charset is needed");
	if (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "US-ASCII") != 0)
		return imap_cmd_reply(cmd, "NO", "[BADCHARSET (UTF-8 "
				      "US-ASCII)] Unsupported charset");
	if (a[1].type == IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "Search key expected");
	if (!search_parse(s, &a[1], &x->q, &err, &badcharset))
		return imap_cmd_bad(cmd, err);
	/* RETURN belongs before the criteria (RFC 5267 3), and THREAD
	 * has none */
	if (x->q.esearch)
		return imap_cmd_bad(cmd, "Invalid search key");
	if (x->has_ret) {
		x->q.esearch = true;
		x->q.r_min = x->ret.r_min;
		x->q.r_max = x->ret.r_max;
		x->q.r_count = x->ret.r_count;
		x->q.r_all = x->ret.r_all;
		x->q.r_save = x->ret.r_save;
		x->q.r_context = x->ret.r_context;
		x->q.r_update = x->ret.r_update;
		x->q.r_partial = x->ret.r_partial;
		x->q.partial = x->ret.partial;
	}
	if (x->q.r_update && imap_update_tag_used(s, cmd->tag))
		return imap_cmd_bad(cmd, "Tag reuse");	/* RFC 5267 4.3 */
	if (x->q.modseq)
		imap_condstore_enable(s);
	x->progress_ms = imap_now_ms();
	/* the sort keys and ids are with the decoded fields */
	if (!(x->q.fields & STORE_MSG_PARSE))
		x->q.fields |= STORE_MSG_SEARCH;
	x->uids = imap_view_uids(s, &all, 1, &x->n);
	cmd->resume = search_run;
	return search_run(cmd);
}

enum imap_cmd_ret
cmd_sort(struct imap_cmd *cmd)
{
	struct search_ctx *x = xcalloc(1, sizeof(*x));
	const struct imap_arg *a = cmd->args;
	const char *err;

	cmd->ctx = x;
	cmd->ctx_free = search_ctx_free;
	x->sort = true;
	/* ESORT (RFC 5267 3): SORT RETURN (...) (criteria) charset keys */
	if (imap_arg_atom_eq(&a[0], "RETURN")) {
		if (a[1].type != IMAP_ARG_LIST)
			return imap_cmd_bad(cmd, "RETURN needs a list");
		if (!search_parse_return(a[1].u.list, &x->ret, &err))
			return imap_cmd_bad(cmd, err);
		x->has_ret = true;
		a += 2;
	}
	if (!sort_parse(&a[0], x->crit, &x->n_crit))
		return imap_cmd_bad(cmd, "Invalid sort criteria");
	return sort_thread_run(cmd, &a[1]);
}

enum imap_cmd_ret
cmd_thread(struct imap_cmd *cmd)
{
	struct search_ctx *x = xcalloc(1, sizeof(*x));
	const struct imap_arg *a = cmd->args;

	cmd->ctx = x;
	cmd->ctx_free = search_ctx_free;
	x->sort = x->thread = true;
	if (imap_arg_atom_eq(&a[0], "REFERENCES"))
		x->alg = THREAD_REFERENCES;
	else if (imap_arg_atom_eq(&a[0], "ORDEREDSUBJECT"))
		x->alg = THREAD_ORDEREDSUBJECT;
	else
		return imap_cmd_bad(cmd, "Unknown threading algorithm");
	return sort_thread_run(cmd, &a[1]);
}
