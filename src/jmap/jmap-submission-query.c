/* jmap-submission-query.c - EmailSubmission/query and /queryChanges
 * (RFC 8621 7.3, 7.4) over the kept records (jmap-records.c): at most
 * a few dozen, so a scan and a sort in memory; queryChanges answers
 * cannotCalculateChanges (the client queries again) */
#include "jmap/jmap-submission.h"

#include <stdlib.h>
#include <string.h>

#define KIND "submission"

static bool
jmap_sq_in(json_t *list, json_t *v)
{
	size_t i;
	json_t *e;

	json_array_foreach(list, i, e)
		if (json_equal(e, v))
			return true;
	return false;
}

/* FilterCondition (RFC 8621 7.3); false: unsupportedFilter */
static bool
jmap_sq_filter_ok(json_t *f)
{
	static const char *const keys[] = { "identityIds", "emailIds",
		"threadIds", "undoStatus", "before", "after" };
	const char *k;
	json_t *v;

	if (f == NULL || json_is_null(f))
		return true;
	if (!json_is_object(f))
		return false;
	json_object_foreach(f, k, v) {
		bool known = false;

		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			known = known || strcmp(keys[i], k) == 0;
		if (!known || (strstr(k, "Ids") ? !json_is_array(v) :
			       !json_is_string(v)))
			return false;
	}
	return true;
}

static bool
jmap_sq_match(json_t *f, json_t *rec)
{
	const char *send = json_string_value(json_object_get(rec, "sendAt"));
	json_t *v;

	if ((v = json_object_get(f, "identityIds")) &&
	    !jmap_sq_in(v, json_object_get(rec, "identityId")))
		return false;
	if ((v = json_object_get(f, "emailIds")) &&
	    !jmap_sq_in(v, json_object_get(rec, "emailId")))
		return false;
	if ((v = json_object_get(f, "threadIds")) &&
	    !jmap_sq_in(v, json_object_get(rec, "threadId")))
		return false;
	if ((v = json_object_get(f, "undoStatus")) &&
	    !json_equal(v, json_object_get(rec, "undoStatus")))
		return false;
	/* UTCDates of one form compare as strings */
	if ((v = json_object_get(f, "before")) &&
	    strcmp(send ? send : "", json_string_value(v)) >= 0)
		return false;
	if ((v = json_object_get(f, "after")) &&
	    strcmp(send ? send : "", json_string_value(v)) < 0)
		return false;
	return true;
}

/* the sort: [{property, isAscending}] of emailId, threadId, sentAt */
struct jmap_sq_key {
	const char *field;
	bool asc;
};

static int
jmap_sq_cmp(const struct jmap_sq_key *keys, size_t nkeys, json_t *x,
	    json_t *y)
{
	for (size_t i = 0; i < nkeys; i++) {
		const char *sx = json_string_value(json_object_get(
			x, keys[i].field));
		const char *sy = json_string_value(json_object_get(
			y, keys[i].field));
		int c = strcmp(sx ? sx : "", sy ? sy : "");

		if (c != 0)
			return keys[i].asc ? c : -c;
	}
	/* ties: the order they were made in */
	return json_integer_value(json_object_get(x, "_seq")) <
	       json_integer_value(json_object_get(y, "_seq")) ? -1 : 1;
}

/* an insertion sort: the records are at most a few dozen, and the keys
 * stay with the call (pool threads run other accounts' queries) */
static void
jmap_sq_sort(json_t **v, size_t n, const struct jmap_sq_key *keys,
	     size_t nkeys)
{
	for (size_t i = 1; i < n; i++) {
		json_t *x = v[i];
		size_t j = i;

		for (; j > 0 && jmap_sq_cmp(keys, nkeys, v[j - 1], x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

json_t *
jmap_submission_query(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *filter = json_object_get(args, "filter");
	json_t *sort = json_object_get(args, "sort");
	json_t *pos = json_object_get(args, "position");
	json_t *lim = json_object_get(args, "limit");
	json_t *all = NULL, *v, *ids, *res;
	json_t **v_arr;
	struct jmap_sq_key keys[3];
	size_t n = 0, i, start, limit = jmap_max_query_results(c), nkeys = 0;
	const char *k;
	char *state;

	if (!jmap_sq_filter_ok(filter)) {
		*error_r = jmap_error("unsupportedFilter", NULL);
		return NULL;
	}
	if ((pos && !json_is_integer(pos)) ||
	    (lim && !json_is_null(lim) && (!json_is_integer(lim) ||
					   json_integer_value(lim) < 0)) ||
	    (sort && !json_is_null(sort) && !json_is_array(sort)) ||
	    json_object_get(args, "anchor")) {
		*error_r = jmap_error("invalidArguments", NULL);
		return NULL;
	}
	json_array_foreach(sort, i, v) {
		const char *p = json_string_value(json_object_get(v, "property"));
		json_t *asc = json_object_get(v, "isAscending");

		if (p == NULL || i >= 3 || (strcmp(p, "emailId") &&
					   strcmp(p, "threadId") &&
					   strcmp(p, "sentAt"))) {
			*error_r = jmap_error("unsupportedSort", NULL);
			return NULL;
		}
		keys[i].field = strcmp(p, "sentAt") == 0 ? "sendAt" : p;
		keys[i].asc = asc == NULL || json_is_true(asc);
		nkeys = i + 1;
	}
	if (jmap_rec_list(c, KIND, &all) != 0) {
		json_decref(all);
		*error_r = jmap_error("serverFail", NULL);
		return NULL;
	}
	v_arr = xcalloc(json_object_size(all) + 1, sizeof(*v_arr));
	json_object_foreach(all, k, v)
		if (filter == NULL || json_is_null(filter) ||
		    jmap_sq_match(filter, v))
			v_arr[n++] = v;
	jmap_sq_sort(v_arr, n, keys, nkeys);
	if (json_is_integer(lim) && (size_t)json_integer_value(lim) < limit)
		limit = (size_t)json_integer_value(lim);
	start = 0;
	if (json_is_integer(pos)) {
		json_int_t p = json_integer_value(pos);

		if (p < 0)
			p = (json_int_t)n + p < 0 ? 0 : (json_int_t)n + p;
		start = (size_t)p > n ? n : (size_t)p;
	}
	ids = json_array();
	for (i = start; i < n && i - start < limit; i++)
		json_array_append(ids, json_object_get(v_arr[i], "id"));
	state = jmap_rec_state(c, KIND);
	res = json_pack("{s:s, s:s, s:b, s:I, s:o}", "accountId",
			c->account_id_str, "queryState", state,
			"canCalculateChanges", 0, "position", (json_int_t)start,
			"ids", ids);
	if (json_is_true(json_object_get(args, "calculateTotal")))
		json_object_set_new(res, "total", json_integer((json_int_t)n));
	free(state);
	free(v_arr);
	json_decref(all);
	return res;
}

json_t *
jmap_submission_query_changes(struct jmap_ctx *c, json_t *args,
			      json_t **error_r)
{
	(void)c;
	(void)args;
	/* the records are few: a client queries again */
	*error_r = jmap_error("cannotCalculateChanges", NULL);
	return NULL;
}
