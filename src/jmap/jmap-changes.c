/* jmap-changes.c - Mailbox/changes, Email/changes, Thread/changes (RFC
 * 8620 5.2) over the store's changes since an account modseq
 * (store-changes.c). States are the account's modseq, so one cut of the
 * list, at a modseq, is a state of its own: with maxChanges the answer
 * stops after the last whole modseq that fits and says hasMoreChanges. */
#include "jmap/jmap-mailbox.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

typedef int changes_fn(struct store *s, int64_t account_id, uint64_t since,
		       struct store_chgs *out);

/* "maxChanges": 0 when absent or null (then the server's bound) */
static bool
max_changes(json_t *args, size_t *max_r, json_t **error_r)
{
	json_t *v = json_object_get(args, "maxChanges");

	*max_r = 0;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		*error_r = jmap_error("invalidArguments",
				      "maxChanges: a positive integer");
		return false;
	}
	*max_r = (size_t)json_integer_value(v);
	return true;
}

static json_t *
chg_id(struct jmap_ctx *c, const struct store_chg *x, char letter)
{
	char id[STORE_OBJECTID_MAX];

	if (letter == 'F')
		store_mailbox_objectid(c->store, x->mailbox_id,
				       x->uidvalidity, id);
	else
		store_objectid_fmt(id, letter, x->id);
	return json_string(id);
}

static json_t *
state_str(uint64_t m)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, m);
	return json_string(buf);
}

/* the /changes of one type: letter is its ids' ('F', 'M', 'T') */
static json_t *
changes(struct jmap_ctx *c, json_t *args, json_t **error_r, changes_fn *fn,
	char letter)
{
	const char *since_s = json_string_value(json_object_get(args,
							       "sinceState"));
	json_t *created, *updated, *destroyed, *res;
	struct store_chgs ch;
	size_t max, n, nupdated = 0, ncounts = 0;
	uint64_t since, newstate;
	bool more = false;
	int ret;

	if (since_s == NULL) {
		*error_r = jmap_error("invalidArguments",
				      "sinceState: a state string");
		return NULL;
	}
	if (!max_changes(args, &max, error_r))
		return NULL;
	if (max == 0 || max > jmap_max_query_results(c))
		max = jmap_max_query_results(c);
	if (!jmap_state_parse(since_s, &since)) {
		*error_r = jmap_error("cannotCalculateChanges",
				      "not a state of this account");
		return NULL;
	}
	ret = fn(c->store, c->account_id, since, &ch);
	if (ret == STORE_EINVAL) {
		*error_r = jmap_error("cannotCalculateChanges",
				      "a state this account never had");
		return NULL;
	}
	if (ret < 0) {
		*error_r = jmap_store_error(ret);
		return NULL;
	}
	n = ch.n;
	newstate = ch.modseq;
	if (n > max) {
		/* stop at a whole modseq: ids of one change stay together */
		n = max;
		while (n > 0 && ch.v[n].modseq == ch.v[n - 1].modseq)
			n--;
		if (n == 0) {
			store_chgs_free(&ch);
			*error_r = jmap_error("cannotCalculateChanges",
					      "one change alone is over"
					      " maxChanges");
			return NULL;
		}
		newstate = ch.v[n - 1].modseq;
		more = true;
	}
	created = json_array();
	updated = json_array();
	destroyed = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct store_chg *x = &ch.v[i];
		json_t *to = x->kind == STORE_CHG_CREATED ? created :
			x->kind == STORE_CHG_UPDATED ? updated : destroyed;

		json_array_append_new(to, chg_id(c, x, letter));
		if (x->kind == STORE_CHG_UPDATED) {
			nupdated++;
			ncounts += x->counts_only;
		}
	}
	store_chgs_free(&ch);
	res = json_pack("{s:s, s:s, s:o, s:b, s:o, s:o, s:o}",
			"accountId", c->account_id_str, "oldState", since_s,
			"newState", state_str(newstate),
			"hasMoreChanges", more, "created", created,
			"updated", updated, "destroyed", destroyed);
	if (letter == 'F') {
		/* RFC 8621 2.2: only the counts of the updated changed */
		json_object_set_new(res, "updatedProperties",
				    nupdated > 0 && ncounts == nupdated ?
				    json_pack("[s, s, s, s]", "totalEmails",
					      "unreadEmails", "totalThreads",
					      "unreadThreads") :
				    json_null());
	}
	return res;
}

/* Mailbox/changes (RFC 8621 2.2) */
json_t *
jmap_mailbox_changes(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	return changes(c, args, error_r, store_mailbox_changed, 'F');
}

/* Email/changes (RFC 8621 4.3) */
json_t *
jmap_email_changes(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	return changes(c, args, error_r, store_email_changes, 'M');
}

/* Thread/changes (RFC 8621 3.2) */
json_t *
jmap_thread_changes(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	return changes(c, args, error_r, store_thread_changes, 'T');
}
