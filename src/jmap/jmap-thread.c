/* jmap-thread.c - Thread/get (RFC 8621 3.1): a Thread is every Email of
 * the account with that THREADID, oldest receivedAt first (one index
 * search, store_thread_emails). */
#include "jmap/jmap-mailbox.h"

#include <stdlib.h>

static const char *const thread_props[] = { "id", "emailIds", NULL };

json_t *
jmap_thread_get(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *ids, *props, *state, *list, *nf;
	size_t i;
	json_t *v;

	if (!jmap_args_ids(c, args, &ids, error_r) ||
	    !jmap_args_properties(args, thread_props, &props, error_r))
		return NULL;
	/* ids null is "all records ... if this is supported" (RFC 8620
	 * 5.1): every Thread of an account is not */
	if (ids == NULL) {
		*error_r = jmap_error("requestTooLarge",
				      "Thread/get needs ids");
		return NULL;
	}
	if ((state = jmap_state(c, error_r)) == NULL)
		return NULL;
	list = json_array();
	nf = json_array();
	json_array_foreach(ids, i, v) {
		const char *id = jmap_resolve_id(c, json_string_value(v));
		struct store_strlist emails;
		json_t *t, *e;
		int ret;

		ret = id ? store_thread_emails(c->store, c->account_id, id,
					       &emails) : STORE_ENOTFOUND;
		if (ret == STORE_ENOTFOUND) {
			json_array_append(nf, v);
			continue;
		}
		if (ret < 0) {
			json_decref(state);
			json_decref(list);
			json_decref(nf);
			*error_r = jmap_store_error(ret);
			return NULL;
		}
		t = json_pack("{s:s}", "id", id);
		if (jmap_prop_wanted(props, "emailIds")) {
			e = json_array();
			for (size_t k = 0; k < emails.n; k++)
				json_array_append_new(e,
					json_string(emails.v[k]));
			json_object_set_new(t, "emailIds", e);
		}
		store_strlist_free(&emails);
		json_array_append_new(list, t);
	}
	return json_pack("{s:s, s:o, s:o, s:o}", "accountId",
			 c->account_id_str, "state", state, "list", list,
			 "notFound", nf);
}
