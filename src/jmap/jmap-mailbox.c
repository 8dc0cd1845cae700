/* jmap-mailbox.c - the account's mailboxes as JMAP Mailbox objects (RFC
 * 8621 2): ids are MAILBOXIDs, the store's '/' hierarchy gives name and
 * parentId, special-use gives the role; Mailbox/get; the helpers the
 * area's other methods share (state strings, /get arguments). */
#include "jmap/jmap-mailbox.h"

#include "lib/buf.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	unsigned su;
} roles[] = {
	{ "drafts", STORE_SU_DRAFTS },
	{ "sent", STORE_SU_SENT },
	{ "trash", STORE_SU_TRASH },
	{ "junk", STORE_SU_JUNK },
	{ "archive", STORE_SU_ARCHIVE },
	{ "all", STORE_SU_ALL },
	{ "flagged", STORE_SU_FLAGGED },
};

const char *
jmap_role_name(const struct store_mailbox *m)
{
	if (strcmp(m->name, "INBOX") == 0)
		return "inbox";
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (m->special_use & roles[i].su)
			return roles[i].name;
	return NULL;
}

bool
jmap_role_su(const char *role, unsigned *su_r)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (strcmp(role, roles[i].name) == 0) {
			*su_r = roles[i].su;
			return true;
		}
	}
	return false;
}

json_t *
jmap_store_error(int ret)
{
	return jmap_error("serverFail", store_strerror(ret));
}

json_t *
jmap_state(struct jmap_ctx *c, json_t **error_r)
{
	char buf[32];
	uint64_t m;
	int ret;

	if ((ret = store_account_modseq(c->store, c->account_id, &m)) < 0) {
		*error_r = jmap_store_error(ret);
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%" PRIu64, m);
	return json_string(buf);
}

bool
jmap_state_parse(const char *s, uint64_t *modseq_r)
{
	uint64_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 19)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*modseq_r = v;
	return true;
}

bool
jmap_args_ids(struct jmap_ctx *c, json_t *args, json_t **ids_r,
	      json_t **error_r)
{
	json_t *ids = json_object_get(args, "ids");
	size_t i;
	json_t *v;

	*ids_r = NULL;
	if (ids == NULL || json_is_null(ids))
		return true;
	if (!json_is_array(ids)) {
		*error_r = jmap_error("invalidArguments",
				      "ids: an array of ids or null");
		return false;
	}
	if (json_array_size(ids) > jmap_max_objects_in_get(c)) {
		*error_r = jmap_error("requestTooLarge",
				      "more ids than maxObjectsInGet");
		return false;
	}
	json_array_foreach(ids, i, v) {
		if (!json_is_string(v)) {
			*error_r = jmap_error("invalidArguments",
					      "ids: an array of strings");
			return false;
		}
	}
	*ids_r = ids;
	return true;
}

bool
jmap_args_properties(json_t *args, const char *const *known,
		     json_t **props_r, json_t **error_r)
{
	json_t *props = json_object_get(args, "properties");
	size_t i;
	json_t *v;

	*props_r = NULL;
	if (props == NULL || json_is_null(props))
		return true;
	if (!json_is_array(props)) {
		*error_r = jmap_error("invalidArguments",
				      "properties: an array or null");
		return false;
	}
	json_array_foreach(props, i, v) {
		const char *p = json_string_value(v);
		bool ok = false;

		for (size_t k = 0; p != NULL && known[k] != NULL; k++)
			ok = ok || strcmp(p, known[k]) == 0;
		if (!ok) {
			*error_r = jmap_error("invalidArguments",
					      "properties: unknown property");
			return false;
		}
	}
	*props_r = props;
	return true;
}

bool
jmap_prop_wanted(json_t *props, const char *prop)
{
	size_t i;
	json_t *v;

	if (props == NULL)
		return true;
	json_array_foreach(props, i, v)
		if (strcmp(json_string_value(v), prop) == 0)
			return true;
	return false;
}

void
jmap_mboxes_free(struct jmap_mboxes *l)
{
	store_mailbox_list_free(&l->list);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* the mailbox named exactly name[0, len), or NULL */
static struct jmap_mbox *
mboxes_by_name(struct jmap_mboxes *l, const char *name, size_t len)
{
	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i].m->name, name, len) == 0 &&
		    l->v[i].m->name[len] == '\0')
			return &l->v[i];
	return NULL;
}

int
jmap_mboxes_load(struct jmap_ctx *c, struct jmap_mboxes *out,
		 json_t **error_r)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = store_mailbox_list(c->store, c->account_id,
				      &out->list)) < 0) {
		*error_r = jmap_store_error(ret);
		return ret;
	}
	out->n = out->list.n;
	out->v = xcalloc(out->n ? out->n : 1, sizeof(*out->v));
	for (size_t i = 0; i < out->n; i++) {
		struct jmap_mbox *j = &out->v[i];
		const char *slash;

		j->m = &out->list.v[i];
		store_mailbox_objectid(c->store, j->m->id,
				       j->m->uidvalidity, j->id);
		slash = strrchr(j->m->name, '/');
		j->leaf = slash ? slash + 1 : j->m->name;
		j->role = jmap_role_name(j->m);
	}
	/* the store makes every parent level, so the nearest existing
	 * ancestor is the parent */
	for (size_t i = 0; i < out->n; i++) {
		struct jmap_mbox *j = &out->v[i];
		const char *name = j->m->name;

		/* p at each '/' from the last one back */
		for (const char *p = j->leaf - 1; p > name && !j->parent;) {
			j->parent = mboxes_by_name(out, name,
						   (size_t)(p - name));
			do
				p--;
			while (p > name && *p != '/');
		}
		for (const char *p = name; *p; p++)
			j->depth += *p == '/';
	}
	return 0;
}

struct jmap_mbox *
jmap_mboxes_find(struct jmap_ctx *c, const struct jmap_mboxes *l,
		 const char *id)
{
	if ((id = jmap_resolve_id(c, id)) == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

/* RFC 8621 2 MailboxRights: everything in one's own mailboxes, but a
 * placeholder (\Noselect: a deleted parent) holds no messages, and
 * INBOX is neither renamed nor destroyed (IMAP's RENAME INBOX moves its
 * messages, not the mailbox) */
static json_t *
mbox_rights(const struct jmap_mbox *j)
{
	bool items = !(j->m->attrs & STORE_MBX_NOSELECT);
	bool inbox = strcmp(j->m->name, "INBOX") == 0;

	return json_pack("{s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b, s:b}",
			 "mayReadItems", items, "mayAddItems", items,
			 "mayRemoveItems", items, "maySetSeen", items,
			 "maySetKeywords", items, "mayCreateChild", 1,
			 "mayRename", !inbox, "mayDelete", !inbox,
			 "maySubmit", items);
}

json_t *
jmap_mbox_json(struct jmap_ctx *c, const struct jmap_mbox *j,
	       json_t *props)
{
	json_t *o = json_object();
	struct store_mailbox_counts n;
	bool counts = jmap_prop_wanted(props, "totalEmails") ||
		jmap_prop_wanted(props, "unreadEmails") ||
		jmap_prop_wanted(props, "totalThreads") ||
		jmap_prop_wanted(props, "unreadThreads");

	memset(&n, 0, sizeof(n));
	if (counts)
		store_mailbox_counts(c->store, c->account_id, j->m->id, &n);
	/* id always (RFC 8620 5.1) */
	json_object_set_new(o, "id", json_string(j->id));
	if (jmap_prop_wanted(props, "name"))
		json_object_set_new(o, "name", json_string(j->leaf));
	if (jmap_prop_wanted(props, "parentId"))
		json_object_set_new(o, "parentId", j->parent ?
				    json_string(j->parent->id) : json_null());
	if (jmap_prop_wanted(props, "role"))
		json_object_set_new(o, "role", j->role ?
				    json_string(j->role) : json_null());
	if (jmap_prop_wanted(props, "sortOrder"))
		json_object_set_new(o, "sortOrder",
				    json_integer(j->m->sort_order));
	if (jmap_prop_wanted(props, "totalEmails"))
		json_object_set_new(o, "totalEmails", json_integer(n.emails));
	if (jmap_prop_wanted(props, "unreadEmails"))
		json_object_set_new(o, "unreadEmails",
				    json_integer(n.unread_emails));
	if (jmap_prop_wanted(props, "totalThreads"))
		json_object_set_new(o, "totalThreads",
				    json_integer(n.threads));
	if (jmap_prop_wanted(props, "unreadThreads"))
		json_object_set_new(o, "unreadThreads",
				    json_integer(n.unread_threads));
	if (jmap_prop_wanted(props, "myRights"))
		json_object_set_new(o, "myRights", mbox_rights(j));
	if (jmap_prop_wanted(props, "isSubscribed"))
		json_object_set_new(o, "isSubscribed", json_boolean(
			(j->m->attrs & STORE_MBX_SUBSCRIBED) != 0));
	return o;
}

static const char *const mbox_props[] = {
	"id", "name", "parentId", "role", "sortOrder", "totalEmails",
	"unreadEmails", "totalThreads", "unreadThreads", "myRights",
	"isSubscribed", NULL
};

/* Mailbox/get (RFC 8621 2.1, RFC 8620 5.1) */
json_t *
jmap_mailbox_get(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	struct jmap_mboxes l;
	json_t *ids, *props, *state, *list, *nf;
	size_t i;
	json_t *v;

	if (!jmap_args_ids(c, args, &ids, error_r) ||
	    !jmap_args_properties(args, mbox_props, &props, error_r))
		return NULL;
	/* the state before the read: a change meanwhile shows again */
	if ((state = jmap_state(c, error_r)) == NULL)
		return NULL;
	if (jmap_mboxes_load(c, &l, error_r) < 0) {
		json_decref(state);
		return NULL;
	}
	list = json_array();
	nf = json_array();
	if (ids == NULL) {
		for (i = 0; i < l.n; i++)
			json_array_append_new(list, jmap_mbox_json(c, &l.v[i],
								   props));
	} else {
		json_array_foreach(ids, i, v) {
			struct jmap_mbox *j = jmap_mboxes_find(c, &l,
						json_string_value(v));

			if (j != NULL)
				json_array_append_new(list, jmap_mbox_json(c,
							j, props));
			else
				json_array_append(nf, v);
		}
	}
	jmap_mboxes_free(&l);
	return json_pack("{s:s, s:o, s:o, s:o}", "accountId",
			 c->account_id_str, "state", state, "list", list,
			 "notFound", nf);
}
