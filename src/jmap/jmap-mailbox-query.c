/* jmap-mailbox-query.c - Mailbox/query and Mailbox/queryChanges (RFC
 * 8621 2.3, 2.4; RFC 8620 5.5, 5.6). An account has few mailboxes, so
 * a query filters and sorts them all in memory. queryChanges: the
 * filters and sorts read names, parents, roles, subscriptions and sort
 * orders only, so when none of those changed since (the mailboxes'
 * props_modseq) the result is the same: no change; otherwise the client
 * is told cannotCalculateChanges, which RFC 8620 5.6 allows. */
#include "jmap/jmap-mailbox.h"

#include "lib/buf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- filters ---- */

/* NULL when f is a filter this server runs, else the error's type:
 * invalidArguments for a bad value or shape, unsupportedFilter for a
 * property it does not know or nesting too deep (RFC 8620 5.5) */
static const char *
filter_check(json_t *f, unsigned depth)
{
	const char *key, *e;
	json_t *v;

	if (!json_is_object(f))
		return "invalidArguments";
	if (depth > 32)
		return "unsupportedFilter";
	if (json_object_get(f, "operator") != NULL) {
		const char *op = json_string_value(json_object_get(f,
								  "operator"));
		json_t *conds = json_object_get(f, "conditions");
		size_t i;

		if (op == NULL || (strcmp(op, "AND") && strcmp(op, "OR") &&
				   strcmp(op, "NOT")) ||
		    !json_is_array(conds) || json_object_size(f) != 2)
			return "invalidArguments";
		json_array_foreach(conds, i, v)
			if ((e = filter_check(v, depth + 1)) != NULL)
				return e;
		return NULL;
	}
	json_object_foreach(f, key, v) {
		if (strcmp(key, "parentId") == 0 || strcmp(key, "role") == 0) {
			if (!json_is_null(v) && !json_is_string(v))
				return "invalidArguments";
		} else if (strcmp(key, "name") == 0) {
			if (!json_is_string(v))
				return "invalidArguments";
		} else if (strcmp(key, "hasAnyRole") == 0 ||
			   strcmp(key, "isSubscribed") == 0) {
			if (!json_is_boolean(v))
				return "invalidArguments";
		} else {
			return "unsupportedFilter";
		}
	}
	return NULL;
}

static bool
filter_match(struct jmap_ctx *c, json_t *f, const struct jmap_mbox *j)
{
	const char *key;
	json_t *v;

	if (json_object_get(f, "operator") != NULL) {
		const char *op = json_string_value(json_object_get(f,
								  "operator"));
		json_t *conds = json_object_get(f, "conditions");
		bool and = strcmp(op, "AND") == 0, not = strcmp(op, "NOT") == 0;
		size_t i;

		json_array_foreach(conds, i, v) {
			bool m = filter_match(c, v, j);

			if (and && !m)
				return false;
			if (!and && m)
				return !not;	/* OR: one; NOT: none */
		}
		return and || not;
	}
	json_object_foreach(f, key, v) {
		bool ok = true;

		if (strcmp(key, "parentId") == 0) {
			const char *p = jmap_resolve_id(c, json_string_value(v));

			ok = json_is_null(v) ? j->parent == NULL :
				j->parent != NULL && p != NULL &&
				strcmp(j->parent->id, p) == 0;
		} else if (strcmp(key, "role") == 0) {
			ok = json_is_null(v) ? j->role == NULL :
				j->role != NULL &&
				strcmp(j->role, json_string_value(v)) == 0;
		} else if (strcmp(key, "name") == 0) {
			ok = strcasestr(j->leaf, json_string_value(v)) != NULL;
		} else if (strcmp(key, "hasAnyRole") == 0) {
			ok = (j->role != NULL) == json_is_true(v);
		} else if (strcmp(key, "isSubscribed") == 0) {
			ok = ((j->m->attrs & STORE_MBX_SUBSCRIBED) != 0) ==
				json_is_true(v);
		}
		if (!ok)
			return false;
	}
	return true;
}

/* ---- sorting ---- */

struct sort_key {
	bool by_name;		/* else sortOrder */
	bool asc;
};

struct query {
	struct jmap_ctx *c;
	struct jmap_mboxes l;
	struct sort_key keys[4];
	size_t nkeys;
	json_t *filter;
	bool as_tree, filter_as_tree;
};

/* the comparators; false with *error_r (unsupportedSort,
 * invalidArguments) */
static bool
sort_parse(json_t *sort, struct query *q, json_t **error_r)
{
	size_t i;
	json_t *v;

	if (sort == NULL || json_is_null(sort))
		return true;
	if (!json_is_array(sort)) {
		*error_r = jmap_error("invalidArguments", "sort: an array");
		return false;
	}
	json_array_foreach(sort, i, v) {
		const char *p = json_string_value(json_object_get(v,
								  "property"));
		json_t *asc = json_object_get(v, "isAscending");

		if (p == NULL || (asc != NULL && !json_is_boolean(asc))) {
			*error_r = jmap_error("invalidArguments",
					      "sort: Comparator objects");
			return false;
		}
		if ((strcmp(p, "name") && strcmp(p, "sortOrder")) ||
		    q->nkeys == sizeof(q->keys) / sizeof(q->keys[0])) {
			*error_r = jmap_error("unsupportedSort", p);
			return false;
		}
		q->keys[q->nkeys].by_name = strcmp(p, "name") == 0;
		q->keys[q->nkeys++].asc = asc == NULL || json_is_true(asc);
	}
	return true;
}

/* the query being sorted: qsort passes no argument (pool threads
 * run requests in parallel, so one per thread) */
static __thread const struct query *tls_sorting;

static int
mbox_cmp(const void *a, const void *b)
{
	const struct jmap_mbox *x = *(struct jmap_mbox *const *)a;
	const struct jmap_mbox *y = *(struct jmap_mbox *const *)b;
	const struct query *q = tls_sorting;
	int r;

	for (size_t i = 0; i < q->nkeys; i++) {
		if (q->keys[i].by_name)
			r = strcmp(x->leaf, y->leaf);
		else
			r = x->m->sort_order < y->m->sort_order ? -1 :
				x->m->sort_order > y->m->sort_order;
		if (r != 0)
			return q->keys[i].asc ? r : -r;
	}
	/* RFC 8621 2.3's suggestion as the tie-break: sortOrder, name */
	if (x->m->sort_order != y->m->sort_order)
		return x->m->sort_order < y->m->sort_order ? -1 : 1;
	if ((r = strcmp(x->leaf, y->leaf)) != 0)
		return r;
	return strcmp(x->id, y->id);
}

/* children of parent (NULL: top level), sorted, each followed by its
 * own (sortAsTree) */
static void
tree_walk(struct query *q, const struct jmap_mbox *parent,
	  struct jmap_mbox **out, size_t *n)
{
	struct jmap_mbox **kids = xmalloc((q->l.n ? q->l.n : 1) *
					  sizeof(*kids));
	size_t nk = 0;

	for (size_t i = 0; i < q->l.n; i++)
		if (q->l.v[i].parent == parent)
			kids[nk++] = &q->l.v[i];
	qsort(kids, nk, sizeof(*kids), mbox_cmp);
	for (size_t i = 0; i < nk; i++) {
		out[(*n)++] = kids[i];
		tree_walk(q, kids[i], out, n);
	}
	free(kids);
}

/* the query's result: mailboxes in order (malloc'd array of n) */
static struct jmap_mbox **
query_run(struct query *q, size_t *n_r)
{
	struct jmap_mbox **all = xmalloc((q->l.n ? q->l.n : 1) *
					 sizeof(*all));
	bool *ok = xcalloc(q->l.n ? q->l.n : 1, sizeof(bool));
	size_t n = 0, w = 0;

	tls_sorting = q;
	if (q->as_tree) {
		tree_walk(q, NULL, all, &n);
	} else {
		for (size_t i = 0; i < q->l.n; i++)
			all[n++] = &q->l.v[i];
		qsort(all, n, sizeof(*all), mbox_cmp);
	}
	for (size_t i = 0; i < q->l.n; i++)
		ok[i] = q->filter == NULL ||
			filter_match(q->c, q->filter, &q->l.v[i]);
	for (size_t i = 0; i < n; i++) {
		const struct jmap_mbox *j = all[i];
		bool keep = ok[j - q->l.v];

		/* filterAsTree: every ancestor must match too */
		for (const struct jmap_mbox *p = j->parent;
		     keep && q->filter_as_tree && p; p = p->parent)
			keep = ok[p - q->l.v];
		if (keep)
			all[w++] = all[i];
	}
	free(ok);
	*n_r = w;
	return all;
}

/* the arguments both methods share; false with *error_r */
static bool
query_args(struct jmap_ctx *c, json_t *args, struct query *q,
	   json_t **error_r)
{
	json_t *f = json_object_get(args, "filter");
	json_t *t = json_object_get(args, "sortAsTree");
	json_t *ft = json_object_get(args, "filterAsTree");

	memset(q, 0, sizeof(*q));
	q->c = c;
	if (f != NULL && !json_is_null(f)) {
		const char *e = filter_check(f, 0);

		if (e != NULL) {
			*error_r = jmap_error(e, NULL);
			return false;
		}
		q->filter = f;
	}
	if ((t != NULL && !json_is_boolean(t)) ||
	    (ft != NULL && !json_is_boolean(ft))) {
		*error_r = jmap_error("invalidArguments",
				      "sortAsTree, filterAsTree: booleans");
		return false;
	}
	q->as_tree = json_is_true(t);
	q->filter_as_tree = json_is_true(ft);
	return sort_parse(json_object_get(args, "sort"), q, error_r);
}

/* an optional integer argument (absent: def) */
static bool
int_arg(json_t *args, const char *name, json_int_t def, json_int_t min,
	json_int_t *v_r, json_t **error_r)
{
	json_t *v = json_object_get(args, name);

	*v_r = def;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < min) {
		*error_r = jmap_error("invalidArguments", name);
		return false;
	}
	*v_r = json_integer_value(v);
	return true;
}

/* Mailbox/query (RFC 8621 2.3) */
json_t *
jmap_mailbox_query(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	struct query q;
	struct jmap_mbox **res;
	json_t *state, *ids, *out, *anchor = json_object_get(args, "anchor");
	json_int_t pos, off, limit;
	size_t n, max = jmap_max_query_results(c);
	bool cut = false;

	if (!query_args(c, args, &q, error_r) ||
	    !int_arg(args, "position", 0, INT32_MIN, &pos, error_r) ||
	    !int_arg(args, "anchorOffset", 0, INT32_MIN, &off, error_r) ||
	    !int_arg(args, "limit", (json_int_t)max, 0, &limit, error_r))
		return NULL;
	if (anchor != NULL && !json_is_null(anchor) && !json_is_string(anchor)) {
		*error_r = jmap_error("invalidArguments", "anchor: an id");
		return NULL;
	}
	if ((state = jmap_state(c, error_r)) == NULL)
		return NULL;
	if (jmap_mboxes_load(c, &q.l, error_r) < 0) {
		json_decref(state);
		return NULL;
	}
	res = query_run(&q, &n);
	if (json_is_string(anchor)) {
		const char *a = jmap_resolve_id(c, json_string_value(anchor));
		size_t i = 0;

		while (i < n && (a == NULL || strcmp(res[i]->id, a) != 0))
			i++;
		if (i == n) {
			free(res);
			jmap_mboxes_free(&q.l);
			json_decref(state);
			*error_r = jmap_error("anchorNotFound", NULL);
			return NULL;
		}
		pos = (json_int_t)i + off;
	} else if (pos < 0) {
		pos += (json_int_t)n;
	}
	if (pos < 0)
		pos = 0;
	if ((size_t)limit > max) {
		limit = (json_int_t)max;
		cut = true;
	}
	ids = json_array();
	for (size_t i = (size_t)pos; i < n && json_array_size(ids) <
	     (size_t)limit; i++)
		json_array_append_new(ids, json_string(res[i]->id));
	out = json_pack("{s:s, s:o, s:b, s:I, s:o}", "accountId",
			c->account_id_str, "queryState", state,
			"canCalculateChanges", 1, "position", pos, "ids", ids);
	if (json_is_true(json_object_get(args, "calculateTotal")))
		json_object_set_new(out, "total", json_integer((json_int_t)n));
	if (cut)
		json_object_set_new(out, "limit", json_integer(limit));
	free(res);
	jmap_mboxes_free(&q.l);
	return out;
}

/* Mailbox/queryChanges (RFC 8621 2.4) */
json_t *
jmap_mailbox_query_changes(struct jmap_ctx *c, json_t *args,
			   json_t **error_r)
{
	const char *since_s = json_string_value(json_object_get(args,
						"sinceQueryState"));
	struct query q;
	struct store_chgs ch;
	json_int_t maxc;
	uint64_t since;
	json_t *state, *out;
	int ret;

	if (since_s == NULL) {
		*error_r = jmap_error("invalidArguments",
				      "sinceQueryState: a state string");
		return NULL;
	}
	if (!query_args(c, args, &q, error_r) ||
	    !int_arg(args, "maxChanges", 0, 1, &maxc, error_r))
		return NULL;
	if (!jmap_state_parse(since_s, &since)) {
		*error_r = jmap_error("cannotCalculateChanges", NULL);
		return NULL;
	}
	if ((state = jmap_state(c, error_r)) == NULL)
		return NULL;
	ret = store_mailbox_changed(c->store, c->account_id, since, &ch);
	for (size_t i = 0; ret == 0 && i < ch.n; i++)
		if (!ch.v[i].counts_only)
			ret = STORE_EINVAL;
	store_chgs_free(&ch);
	if (ret < 0) {
		json_decref(state);
		*error_r = ret == STORE_EINVAL ?
			jmap_error("cannotCalculateChanges",
				   "mailboxes changed since that state") :
			jmap_store_error(ret);
		return NULL;
	}
	out = json_pack("{s:s, s:s, s:o, s:[], s:[]}", "accountId",
			c->account_id_str, "oldQueryState", since_s,
			"newQueryState", state, "removed", "added");
	if (json_is_true(json_object_get(args, "calculateTotal"))) {
		struct jmap_mbox **res;
		size_t n;

		if (jmap_mboxes_load(c, &q.l, error_r) < 0) {
			json_decref(out);
			return NULL;
		}
		res = query_run(&q, &n);
		json_object_set_new(out, "total", json_integer((json_int_t)n));
		free(res);
		jmap_mboxes_free(&q.l);
	}
	return out;
}
