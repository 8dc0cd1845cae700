/* jmap-records.c - the Identity and EmailSubmission records, kept as the
 * account's private server METADATA entries (RFC 5464, store-meta.c):
 * "/private/vendor/tern/jmap/<kind>/<id>" holds a record's JSON and
 * "/private/vendor/tern/jmap/<kind>-state" the kind's state counter,
 * written in the same commit, so no new table is needed */
#include "jmap/jmap-submission.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define JMAP_REC_ROOT "/private/vendor/tern/jmap/"

/* meta names are lowercase: ids are a letter and hex digits */
static char *
jmap_rec_name(const char *kind, const char *id)
{
	char *n = xasprintf(JMAP_REC_ROOT "%s/%s", kind, id);

	for (char *p = n; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 32;
	return n;
}

static uint64_t
jmap_rec_counter(struct jmap_ctx *c, const char *kind)
{
	char *name = xasprintf(JMAP_REC_ROOT "%s-state", kind);
	const char *names[1] = { name };
	struct store_meta_list l = { 0 };
	uint64_t v = 0;

	if (store_meta_get(c->store, c->account_id, NULL, names, 1, 0, &l) == 0 &&
	    l.n == 1)
		v = strtoull((const char *)l.v[0].value, NULL, 10);
	store_meta_list_free(&l);
	free(name);
	return v;
}

char *
jmap_rec_state(struct jmap_ctx *c, const char *kind)
{
	return xasprintf("%" PRIu64, jmap_rec_counter(c, kind));
}

int
jmap_rec_list(struct jmap_ctx *c, const char *kind, json_t **out)
{
	char *root = xasprintf(JMAP_REC_ROOT "%s", kind);
	const char *names[1] = { root };
	struct store_meta_list l = { 0 };
	int rc;

	*out = json_object();
	rc = store_meta_get(c->store, c->account_id, NULL, names, 1, 1, &l);
	for (size_t i = 0; rc == 0 && i < l.n; i++) {
		json_t *rec = json_loadb((const char *)l.v[i].value, l.v[i].len,
					 0, NULL);
		const char *id = json_string_value(json_object_get(rec, "id"));

		if (id != NULL)
			json_object_set(*out, id, rec);
		json_decref(rec);
	}
	store_meta_list_free(&l);
	free(root);
	return rc == STORE_ENOTFOUND ? 0 : rc;
}

int
jmap_rec_put(struct jmap_ctx *c, const char *kind, const char *id,
	     json_t *rec)
{
	struct store_meta_entry e[2];
	char *value = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	char *state = xasprintf("%" PRIu64, jmap_rec_counter(c, kind) + 1);
	int rc;

	e[0].name = jmap_rec_name(kind, id);
	e[0].value = (unsigned char *)value;
	e[0].len = value ? strlen(value) : 0;
	e[1].name = xasprintf(JMAP_REC_ROOT "%s-state", kind);
	e[1].value = (unsigned char *)state;
	e[1].len = strlen(state);
	rc = store_meta_set(c->store, c->account_id, NULL, e, 2, NULL, NULL);
	free(e[0].name);
	free(e[1].name);
	free(value);
	free(state);
	return rc;
}

/* Foo/changes for a kind whose changes are not kept one by one: none
 * since the current state, else cannotCalculateChanges (RFC 8620 5.2
 * allows it) */
json_t *
jmap_rec_changes(struct jmap_ctx *c, const char *kind, json_t *args,
		 json_t **error_r)
{
	const char *since = json_string_value(json_object_get(args,
							      "sinceState"));
	char *state = jmap_rec_state(c, kind);
	json_t *res = NULL;

	if (since == NULL)
		*error_r = jmap_error("invalidArguments", "sinceState");
	else if (strcmp(since, state) != 0)
		*error_r = jmap_error("cannotCalculateChanges", NULL);
	else
		res = json_pack("{s:s, s:s, s:s, s:b, s:[], s:[], s:[]}",
				"accountId", c->account_id_str, "oldState",
				state, "newState", state, "hasMoreChanges", 0,
				"created", "updated", "destroyed");
	free(state);
	return res;
}

json_t *
jmap_rec_get(struct jmap_ctx *c, const char *kind, json_t *args,
	     json_t *(*load)(struct jmap_ctx *c),
	     json_t *(*view)(struct jmap_ctx *c, json_t *rec),
	     json_t **error_r)
{
	json_t *ids = json_object_get(args, "ids");
	json_t *props = json_object_get(args, "properties");
	json_t *all = NULL, *list = json_array(), *nf = json_array(), *v, *res;
	const char *k;
	char *state;
	size_t i;

	if ((ids && !json_is_array(ids) && !json_is_null(ids)) ||
	    (props && !json_is_array(props) && !json_is_null(props))) {
		*error_r = jmap_error("invalidArguments", NULL);
		goto fail;
	}
	if (json_array_size(ids) > jmap_max_objects_in_get(c)) {
		*error_r = jmap_error("requestTooLarge", NULL);
		goto fail;
	}
	if ((all = load(c)) == NULL) {
		*error_r = jmap_error("serverFail", NULL);
		goto fail;
	}
	if (json_is_array(ids)) {
		json_array_foreach(ids, i, v) {
			const char *id = jmap_resolve_id(c, json_string_value(v));
			json_t *one = id ? json_object_get(all, id) : NULL;

			if (one)
				json_array_append_new(list, view(c, one));
			else
				json_array_append(nf, v);
		}
	} else {
		json_object_foreach(all, k, v)
			json_array_append_new(list, view(c, v));
	}
	if (json_is_array(props)) {
		json_array_foreach(list, i, v) {
			json_t *cut = json_pack("{s:O}", "id",
						json_object_get(v, "id"));
			size_t j;
			json_t *p;

			json_array_foreach(props, j, p) {
				const char *name = json_string_value(p);

				if (name && json_object_get(v, name))
					json_object_set(cut, name,
							json_object_get(v, name));
			}
			json_array_set_new(list, i, cut);
		}
	}
	json_decref(all);
	state = jmap_rec_state(c, kind);
	res = json_pack("{s:s, s:s, s:o, s:o}", "accountId", c->account_id_str,
			"state", state, "list", list, "notFound", nf);
	free(state);
	return res;
fail:
	json_decref(all);
	json_decref(list);
	json_decref(nf);
	return NULL;
}
