/* jmap-email-query.c - Email/query (RFC 8621 4.4): the rows of the
 * mailbox the filter names (or of the account), grouped by EMAILID,
 * filtered, sorted, threads collapsed, then the window asked for */
#include "jmap/jmap-email.h"
#include "jmap/jmap-email-query.h"
#include "jmap/jmap-email-qcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
jmap_qmail_id(const struct qmail *m, char out[STORE_OBJECTID_MAX])
{
	snprintf(out, STORE_OBJECTID_MAX, "M%016llx",
		 (unsigned long long)m->rows[0].emailid);
}

static int
thread_cmp(const void *a, const void *b, void *ctx)
{
	const struct qset *q = ctx;
	const struct qmail *x = &q->v[*(const size_t *)a];
	const struct qmail *y = &q->v[*(const size_t *)b];

	return x->rows[0].threadid < y->rows[0].threadid ? -1 :
	       x->rows[0].threadid > y->rows[0].threadid;
}

/* group the Emails by thread */
static void
threads_group(struct qset *q)
{
	q->by_thread = xcalloc(q->n + 1, sizeof(size_t));
	q->thread_start = xcalloc(q->n + 2, sizeof(size_t));
	for (size_t i = 0; i < q->n; i++)
		q->by_thread[i] = i;
	qsort_r(q->by_thread, q->n, sizeof(size_t), thread_cmp, q);
	for (size_t i = 0; i < q->n; i++) {
		if (i == 0 || thread_cmp(&q->by_thread[i - 1],
					 &q->by_thread[i], q) != 0)
			q->thread_start[q->nthreads++] = i;
		q->v[q->by_thread[i]].thread = q->nthreads - 1;
	}
	q->thread_start[q->nthreads] = q->n;
}

/* is every EMAILID of r once? (an open-addressed set: no sort of a
 * big mailbox's rows when, as almost always, it holds each Email once) */
static bool
emailids_unique(const struct jmap_erows *r)
{
	size_t cap = 16, mask;
	uint64_t *set;
	bool zero = false, unique = true;

	while (cap < r->n * 2)
		cap <<= 1;
	mask = cap - 1;
	set = xcalloc(cap, sizeof(*set));
	for (size_t i = 0; i < r->n && unique; i++) {
		uint64_t id = r->v[i].emailid;
		size_t h;

		if (id == 0) {	/* the empty slot's value: kept aside */
			unique = !zero;
			zero = true;
			continue;
		}
		for (h = (size_t)(id * 0x9E3779B97F4A7C15ull) & mask; set[h];
		     h = (h + 1) & mask)
			if (set[h] == id) {
				unique = false;
				break;
			}
		set[h] = id;
	}
	free(set);
	return unique;
}

int
qset_load(struct qset *q, struct jmap_ctx *c, int64_t mailbox_id,
	  unsigned what)
{
	int r;

	memset(q, 0, sizeof(*q));
	q->c = c;
	if (mailbox_id < 0)	/* the filter names an unknown mailbox */
		return 0;
	if ((r = jmap_erows_load(c, mailbox_id, what, &q->rows)) < 0)
		return r;
	/* an Email's rows must be adjacent: sort unless each is alone */
	if (mailbox_id == 0 || !emailids_unique(&q->rows))
		jmap_erows_sort(&q->rows);
	q->v = xcalloc(q->rows.n + 1, sizeof(*q->v));
	for (size_t i = 0; i < q->rows.n; i++) {
		if (q->n > 0 && q->v[q->n - 1].rows->emailid ==
				q->rows.v[i].emailid) {
			q->v[q->n - 1].n++;
			continue;
		}
		q->v[q->n++] = (struct qmail){ &q->rows.v[i], 1, 0, -1 };
	}
	if (what & JMAP_ER_THREADS)
		threads_group(q);
	return 0;
}

void
qset_free(struct qset *q)
{
	jmap_erows_free(&q->rows);
	free(q->v);
	free(q->by_thread);
	free(q->thread_start);
	memset(q, 0, sizeof(*q));
}

/* the arguments of a query, checked */
struct qargs {
	struct jfilter *filter;
	struct jsort *sort;
	bool collapse;
};

static json_t *
qargs_parse(struct jmap_ctx *c, const struct jmap_mboxes *mb, json_t *args,
	    struct qargs *a)
{
	json_t *col = json_object_get(args, "collapseThreads"), *e;

	memset(a, 0, sizeof(*a));
	if (col != NULL && !json_is_boolean(col) && !json_is_null(col))
		return jmap_error("invalidArguments", "collapseThreads");
	a->collapse = json_is_true(col);
	if ((e = jmap_filter_parse(c, mb, json_object_get(args, "filter"),
				   &a->filter)) != NULL)
		return e;
	json_t *sort = json_object_get(args, "sort");

	if (sort == NULL || json_is_null(sort) ||
	    (json_is_array(sort) && json_array_size(sort) == 0)) {
		/* no sort given: newest first */
		json_t *def = json_pack("[{s:s, s:b}]", "property",
					"receivedAt", "isAscending", false);

		e = jmap_sort_parse(def, &a->sort);
		json_decref(def);
		return e;
	}
	return jmap_sort_parse(sort, &a->sort);
}

static void
qargs_free(struct qargs *a)
{
	jmap_filter_free(a->filter);
	jmap_sort_free(a->sort);
}

/* run the query: the matching Emails in order into *out (pointers into
 * q), *n_r of them */
static int
qrun(struct jmap_ctx *c, struct qargs *a, struct qset *q,
     struct qmail ***out, size_t *n_r)
{
	unsigned what = jmap_filter_needs(a->filter) | jmap_sort_needs(a->sort);
	struct qmail **v;
	size_t n = 0;
	int r;

	if (a->collapse)
		what |= JMAP_ER_THREADS;
	/* a thread's keywords span mailboxes: sorting by them reads the
	 * whole account (the filter's thread conditions say so already);
	 * a collapse is of the results only */
	r = qset_load(q, c, jmap_sort_needs(a->sort) & JMAP_ER_THREADS ?
		      0 : jmap_filter_mailbox(a->filter), what);
	if (r < 0)
		return r;
	v = xcalloc(q->n + 1, sizeof(*v));
	for (size_t i = 0; i < q->n; i++) {
		if ((r = jmap_filter_match(q, a->filter, &q->v[i])) < 0) {
			free(v);
			return r;
		}
		if (r)
			v[n++] = &q->v[i];
	}
	jmap_sort_apply(q, a->sort, v, n);
	if (a->collapse) {	/* the first Email of each thread */
		bool *seen = xcalloc(q->nthreads + 1, sizeof(bool));
		size_t k = 0;

		for (size_t i = 0; i < n; i++) {
			if (seen[v[i]->thread])
				continue;
			seen[v[i]->thread] = true;
			v[k++] = v[i];
		}
		free(seen);
		n = k;
	}
	*out = v;
	*n_r = n;
	return 0;
}

/* the whole result of the query (EMAILIDs in order): the cached one of
 * this state, or run and kept */
static int
result_get(struct jmap_ctx *c, json_t *args, struct qargs *a,
	   const char *state, struct qset *q, struct qresult *out)
{
	json_t *k = json_pack("{s:O?, s:O?, s:b}", "filter",
			      json_object_get(args, "filter"), "sort",
			      json_object_get(args, "sort"), "collapse",
			      a->collapse);
	char *key = json_dumps(k, JSON_COMPACT | JSON_SORT_KEYS);
	uint64_t modseq = 0;
	struct qmail **v = NULL;
	size_t n = 0;
	/* a "#creation id" means something else in the next request */
	bool cache = key != NULL && strstr(key, "\"#") == NULL &&
		     jmap_state_parse(state, &modseq);
	int r = 0;

	json_decref(k);
	if (cache && jmap_qcache_get(c->account_id, modseq, key, out))
		goto out;
	if ((r = qrun(c, a, q, &v, &n)) < 0)
		goto out;
	out->n = n;
	out->ids = xmalloc((n ? n : 1) * sizeof(uint64_t));
	for (size_t i = 0; i < n; i++)
		out->ids[i] = v[i]->rows[0].emailid;
	if (cache)
		jmap_qcache_put(c->account_id, modseq, key, out);
out:
	free(v);
	free(key);
	return r;
}

json_t *
jmap_email_query(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *pos_j = json_object_get(args, "position");
	json_t *anchor = json_object_get(args, "anchor");
	json_t *aoff = json_object_get(args, "anchorOffset");
	json_t *lim_j = json_object_get(args, "limit");
	json_t *total = json_object_get(args, "calculateTotal");
	size_t max = jmap_max_query_results(c), limit = max, n = 0, start = 0;
	size_t n_total = 0;
	int walked;
	struct jmap_mboxes mb;
	struct qargs a;
	struct qset q;
	struct qresult r = { NULL, 0 };
	json_t *res = NULL, *ids;
	json_t *state = NULL;
	int64_t pos = 0;
	bool cut = false;

	if ((pos_j && !json_is_integer(pos_j) && !json_is_null(pos_j)) ||
	    (aoff && !json_is_integer(aoff) && !json_is_null(aoff)) ||
	    (anchor && !json_is_string(anchor) && !json_is_null(anchor)) ||
	    (total && !json_is_boolean(total) && !json_is_null(total)) ||
	    (lim_j && !json_is_null(lim_j) &&
	     (!json_is_integer(lim_j) || json_integer_value(lim_j) < 0))) {
		*error_r = jmap_error("invalidArguments",
				      "position, anchor, anchorOffset, limit "
				      "or calculateTotal");
		return NULL;
	}
	if (json_is_integer(lim_j)) {
		if ((uint64_t)json_integer_value(lim_j) < max)
			limit = (size_t)json_integer_value(lim_j);
		else
			cut = (uint64_t)json_integer_value(lim_j) > max;
	}
	if (jmap_mboxes_load(c, &mb, error_r) < 0)
		return NULL;
	if ((*error_r = qargs_parse(c, &mb, args, &a)) != NULL) {
		qargs_free(&a);
		jmap_mboxes_free(&mb);
		return NULL;
	}
	memset(&q, 0, sizeof(q));
	if ((state = jmap_state(c, error_r)) == NULL)
		goto out;
	/* the common list: a walk that stops after the page */
	pos = json_is_integer(pos_j) ? json_integer_value(pos_j) : 0;
	if (json_is_string(anchor) || pos < 0)
		walked = 0;
	else
		walked = jmap_email_qwalk(c, a.filter, a.sort, a.collapse,
					  (size_t)pos, limit,
					  json_is_true(total), &r, &n_total);
	if (walked < 0 || (walked == 0 && result_get(
		c, args, &a, json_string_value(state), &q, &r) < 0)) {
		*error_r = jmap_error("serverFail", NULL);
		goto out;
	}
	n = r.n;
	if (walked == 0)
		n_total = n;
	pos = 0;
	if (json_is_string(anchor)) {
		uint64_t want = 0;
		size_t i = n;
		int64_t off = json_is_integer(aoff) ?
			json_integer_value(aoff) : 0;

		if (store_objectid_parse(json_string_value(anchor), 'M',
					 &want) == 0)
			for (i = 0; i < n && r.ids[i] != want; i++)
				;
		if (i == n) {
			*error_r = jmap_error("anchorNotFound", NULL);
			goto out;
		}
		pos = (int64_t)i + off;
		if (pos < 0)
			pos = 0;
	} else if (json_is_integer(pos_j)) {
		pos = json_integer_value(pos_j);
		if (pos < 0)
			pos = (int64_t)n + pos < 0 ? 0 : (int64_t)n + pos;
	}
	start = (uint64_t)pos > n ? n : (size_t)pos;
	ids = json_array();
	for (size_t i = start; i < n && i - start < limit; i++) {
		char id[STORE_OBJECTID_MAX];

		store_objectid_fmt(id, 'M', r.ids[i]);
		json_array_append_new(ids, json_string(id));
	}
	res = json_pack("{s:s, s:O, s:b, s:I, s:o}", "accountId",
			c->account_id_str, "queryState", state,
			"canCalculateChanges", true, "position",
			(json_int_t)start, "ids", ids);
	if (json_is_true(total))
		json_object_set_new(res, "total",
				    json_integer((json_int_t)n_total));
	if (cut)
		json_object_set_new(res, "limit", json_integer((json_int_t)max));
out:
	jmap_qresult_free(&r);
	qset_free(&q);
	json_decref(state);
	qargs_free(&a);
	jmap_mboxes_free(&mb);
	return res;
}

/* does a change of one Email move others in or out of the results
 * (collapsed threads, thread keywords)? Then changes are not exact. */
static bool
query_global(const struct qargs *a)
{
	return a->collapse ||
	       ((jmap_filter_needs(a->filter) | jmap_sort_needs(a->sort)) &
		JMAP_ER_THREADS);
}

/* Email/queryChanges (RFC 8620 5.6): every Email changed since the old
 * state (store_email_changes) is "removed", and "added" again at its
 * place when it is in the results now; the others kept their relative
 * order, as nothing about them changed */
json_t *
jmap_email_query_changes(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	const char *since_s = json_string_value(
		json_object_get(args, "sinceQueryState"));
	json_t *maxc = json_object_get(args, "maxChanges");
	json_t *total = json_object_get(args, "calculateTotal");
	struct store_chgs chg = { 0, 0, NULL };
	struct jmap_mboxes mb;
	struct qargs a;
	struct qset q;
	struct qmail **v = NULL;
	json_t *res = NULL, *removed, *added;
	uint64_t since, *changed = NULL;
	size_t n = 0, nchanged = 0;
	char *end = NULL, *state;
	int r;

	if (since_s == NULL || since_s[0] < '0' || since_s[0] > '9' ||
	    (since = strtoull(since_s, &end, 10), *end != '\0') ||
	    (maxc && !json_is_null(maxc) &&
	     (!json_is_integer(maxc) || json_integer_value(maxc) < 1)) ||
	    (total && !json_is_boolean(total) && !json_is_null(total))) {
		*error_r = jmap_error("invalidArguments",
				      "sinceQueryState, maxChanges or "
				      "calculateTotal");
		return NULL;
	}
	if (jmap_mboxes_load(c, &mb, error_r) < 0)
		return NULL;
	memset(&q, 0, sizeof(q));
	if ((*error_r = qargs_parse(c, &mb, args, &a)) != NULL)
		goto out0;
	r = store_email_changes(c->store, c->account_id, since, &chg);
	if (r == STORE_EINVAL) {
		*error_r = jmap_error("cannotCalculateChanges",
				      "no such state");
		goto out0;
	} else if (r < 0) {
		*error_r = jmap_error("serverFail", store_strerror(r));
		goto out0;
	}
	if (chg.n > 0 && query_global(&a)) {
		*error_r = jmap_error("cannotCalculateChanges",
				      "collapsed threads or thread keywords");
		goto out0;
	}
	if (json_is_integer(maxc) &&
	    chg.n > (uint64_t)json_integer_value(maxc)) {
		*error_r = jmap_error("tooManyChanges", NULL);
		goto out0;
	}
	if (qrun(c, &a, &q, &v, &n) < 0) {
		*error_r = jmap_error("serverFail", NULL);
		goto out0;
	}
	/* the state of the results: the snapshot of the changes */
	state = xasprintf("%llu", (unsigned long long)chg.modseq);
	changed = xcalloc(chg.n + 1, sizeof(*changed));
	removed = json_array();
	added = json_array();
	for (size_t i = 0; i < chg.n; i++) {
		char id[STORE_OBJECTID_MAX];

		changed[nchanged++] = chg.v[i].id;
		if (chg.v[i].kind == STORE_CHG_CREATED)
			continue;	/* it was not in the old results */
		store_objectid_fmt(id, 'M', chg.v[i].id);
		json_array_append_new(removed, json_string(id));
	}
	for (size_t i = 0; i < n; i++) {
		char id[STORE_OBJECTID_MAX];
		size_t k;

		for (k = 0; k < nchanged; k++)
			if (changed[k] == v[i]->rows[0].emailid)
				break;
		if (k == nchanged)
			continue;
		jmap_qmail_id(v[i], id);
		json_array_append_new(added, json_pack("{s:s, s:I}", "id", id,
						       "index", (json_int_t)i));
	}
	res = json_pack("{s:s, s:s, s:s, s:o, s:o}", "accountId",
			c->account_id_str, "oldQueryState", since_s,
			"newQueryState", state, "removed", removed, "added",
			added);
	if (json_is_true(total))
		json_object_set_new(res, "total", json_integer((json_int_t)n));
	free(state);
	free(changed);
out0:
	free(v);
	qset_free(&q);
	store_chgs_free(&chg);
	qargs_free(&a);
	jmap_mboxes_free(&mb);
	return res;
}
