/* jmap-changes.c - Mailbox/changes, Email/changes, Thread/changes (RFC
 * 8620 5.2) over the store's changes since an account modseq
 * (store-changes.c). States are the account's modseq, so one cut of the
 * list, at a modseq, is a state of its own: with maxChanges the answer
 * stops after the last whole modseq that fits and says hasMoreChanges;
 * when one modseq alone has more Emails (Threads) than that, the answer
 * stops inside it, at a state "<modseq>.<last id>" (state_parse). */
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

/* A state inside one modseq's Emails (or Threads): "<modseq>.<16 hex>"
 * is every change before that modseq and those of its ids up to that
 * one (ids of one modseq come in id order), for when a single change
 * (a STORE on 10,000 messages) is more than maxChanges. Only /changes
 * hands these out, as a newState with hasMoreChanges. */
static bool
state_parse(const char *s, uint64_t *modseq_r, uint64_t *after_r,
	    bool *inside_r)
{
	const char *dot = strchr(s, '.');
	char head[24], id[STORE_OBJECTID_MAX];

	*inside_r = dot != NULL;
	if (dot == NULL)
		return jmap_state_parse(s, modseq_r);
	if ((size_t)(dot - s) >= sizeof(head) || strlen(dot + 1) != 16)
		return false;
	memcpy(head, s, (size_t)(dot - s));
	head[dot - s] = '\0';
	/* the id part is an OBJECTID's 16 hex digits */
	id[0] = 'x';
	memcpy(id + 1, dot + 1, 17);
	return jmap_state_parse(head, modseq_r) && *modseq_r > 0 &&
		store_objectid_parse(id, 'x', after_r) == 0;
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
	size_t max, n, skip = 0, nupdated = 0, ncounts = 0;
	uint64_t since, after = 0;
	char newstate[48];
	bool more = false, inside;
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
	if (!state_parse(since_s, &since, &after, &inside) ||
	    (inside && letter == 'F')) {
		*error_r = jmap_error("cannotCalculateChanges",
				      "not a state of this account");
		return NULL;
	}
	/* inside a modseq: from just before it, then skip what was told */
	ret = fn(c->store, c->account_id, inside ? since - 1 : since, &ch);
	if (ret == STORE_EINVAL || (ret == 0 && inside && since > ch.modseq)) {
		if (ret == 0)
			store_chgs_free(&ch);
		*error_r = jmap_error("cannotCalculateChanges",
				      "a state this account never had");
		return NULL;
	}
	if (ret < 0) {
		*error_r = jmap_store_error(ret);
		return NULL;
	}
	while (inside && skip < ch.n && ch.v[skip].modseq == since &&
	       ch.v[skip].id <= after)
		skip++;
	n = ch.n - skip;
	snprintf(newstate, sizeof(newstate), "%" PRIu64, ch.modseq);
	if (n > max) {
		const struct store_chg *v = ch.v + skip;

		/* stop at a whole modseq: ids of one change stay together */
		n = max;
		while (n > 0 && v[n].modseq == v[n - 1].modseq)
			n--;
		if (n > 0) {
			snprintf(newstate, sizeof(newstate), "%" PRIu64,
				 v[n - 1].modseq);
		} else if (letter != 'F') {
			/* one change alone is more: a state inside it */
			n = max;
			snprintf(newstate, sizeof(newstate),
				 "%" PRIu64 ".%016" PRIx64, v[n - 1].modseq,
				 v[n - 1].id);
		} else {
			store_chgs_free(&ch);
			*error_r = jmap_error("cannotCalculateChanges",
					      "one change alone is over"
					      " maxChanges");
			return NULL;
		}
		more = true;
	}
	created = json_array();
	updated = json_array();
	destroyed = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct store_chg *x = &ch.v[skip + i];
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
			"newState", json_string(newstate),
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
