/* jmap-mailbox-set.c - Mailbox/set (RFC 8621 2.5, RFC 8620 5.3) on the
 * store's mailbox writes: create is IMAP CREATE, a new name or parent
 * is RENAME (the children move along, as JMAP wants), isSubscribed is
 * SUBSCRIBE, role and sortOrder are store_mailbox_set_props, destroy is
 * DELETE once no child is left (mailboxHasChild) and, unless
 * onDestroyRemoveEmails, no message (mailboxHasEmail). Creates, then
 * updates, then destroys, each in the order given; the mailbox list is
 * read again after each write so later ones see it (and "#creation ids"
 * resolve). Writes are blocking store calls on this pool thread. */
#include "jmap/jmap-mailbox.h"

#include "lib/buf.h"

#include <stdlib.h>
#include <string.h>

/* JMAP's maxSizeMailboxName (the session says so) */
#define MAILBOX_NAME_MAX 490

struct set {
	struct jmap_ctx *c;
	struct jmap_mboxes l;
	json_t *created, *updated, *destroyed;
	json_t *not_created, *not_updated, *not_destroyed;
};

static json_t *
prop_error(const char *prop, const char *why)
{
	return jmap_set_error("invalidProperties", why,
			      json_pack("[s]", prop));
}

static bool
name_ok(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > MAILBOX_NAME_MAX || strchr(name, '/'))
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return false;
	return true;
}

static int
set_reload(struct set *st)
{
	json_t *err = NULL;
	int ret;

	jmap_mboxes_free(&st->l);
	ret = jmap_mboxes_load(st->c, &st->l, &err);
	json_decref(err);
	return ret;
}

/* the properties of a create or update: each checked, NULL if fine,
 * else a SetError. *parent_r: the new parent (NULL: top level) when
 * parentId is there */
struct props {
	const char *name;
	bool has_parent;
	struct jmap_mbox *parent;
	bool has_role;
	unsigned su;
	const char *role;
	bool has_sort;
	uint32_t sort;
	json_t *subscribed;	/* NULL: not given */
};

static json_t *
props_read(struct set *st, json_t *obj, struct props *p)
{
	const char *key;
	json_t *v;

	memset(p, 0, sizeof(*p));
	json_object_foreach(obj, key, v) {
		if (strcmp(key, "name") == 0) {
			p->name = json_string_value(v);
			if (p->name == NULL || !name_ok(p->name))
				return prop_error(key, "a name of 1 to 490"
						  " bytes without '/' or"
						  " control characters");
		} else if (strcmp(key, "parentId") == 0) {
			p->has_parent = true;
			if (json_is_null(v))
				continue;
			if (!json_is_string(v) ||
			    (p->parent = jmap_mboxes_find(st->c, &st->l,
						json_string_value(v))) == NULL)
				return prop_error(key, "no such mailbox");
		} else if (strcmp(key, "role") == 0) {
			p->has_role = true;
			if (json_is_null(v))
				continue;
			p->role = json_string_value(v);
			if (p->role == NULL || (strcmp(p->role, "inbox") &&
			    !jmap_role_su(p->role, &p->su)))
				return prop_error(key, "not a role tern knows");
		} else if (strcmp(key, "sortOrder") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > UINT32_MAX)
				return prop_error(key, "an UnsignedInt");
			p->has_sort = true;
			p->sort = (uint32_t)json_integer_value(v);
		} else if (strcmp(key, "isSubscribed") == 0) {
			if (!json_is_boolean(v))
				return prop_error(key, "a boolean");
			p->subscribed = v;
		} else {
			/* server-set (id, counts, myRights) or unknown */
			return prop_error(key, "not a property a client"
					  " sets");
		}
	}
	return NULL;
}

/* the role is free for mailbox self (NULL: a new one)? */
static bool
role_free(const struct set *st, const struct jmap_mbox *self, unsigned su)
{
	for (size_t i = 0; i < st->l.n; i++)
		if (&st->l.v[i] != self && (st->l.v[i].m->special_use & su))
			return false;
	return true;
}

/* a store error of a write as a SetError */
static json_t *
write_error(int ret, const char *prop)
{
	switch (ret) {
	case STORE_EEXIST:
		return prop_error(prop, "a sibling has that name");
	case STORE_EBADNAME:
		return prop_error(prop, "not a valid mailbox name");
	case STORE_ELIMIT:
		return jmap_set_error("overQuota", "too many mailboxes", NULL);
	case STORE_ENOTFOUND:
		return jmap_set_error("notFound", NULL, NULL);
	case STORE_EPERM:
		return jmap_set_error("forbidden", NULL, NULL);
	}
	return jmap_set_error("serverFail", store_strerror(ret), NULL);
}

/* role, sortOrder and isSubscribed of mailbox id (named name) */
static int
props_write(struct set *st, int64_t id, const char *name,
	    const struct props *p)
{
	struct jmap_ctx *c = st->c;
	unsigned what = (p->has_role && !(p->role &&
					  strcmp(p->role, "inbox") == 0) ?
			 STORE_MBOX_SET_ROLE : 0) |
			(p->has_sort ? STORE_MBOX_SET_SORT : 0);
	int ret = 0;

	if (what)
		ret = store_mailbox_set_props(c->store, c->account_id, id, what,
					      p->su, p->sort, NULL, NULL);
	if (ret == 0 && p->subscribed)
		ret = store_mailbox_subscribe(c->store, c->account_id, name,
					      json_is_true(p->subscribed),
					      NULL, NULL);
	return ret;
}

static char *
full_name(const struct jmap_mbox *parent, const char *leaf)
{
	return parent ? xasprintf("%s/%s", parent->m->name, leaf) :
		xstrdup(leaf);
}

static json_t *
create_one(struct set *st, const char *cid, json_t *obj)
{
	struct jmap_ctx *c = st->c;
	struct props p;
	struct jmap_mbox *j = NULL;
	json_t *err;
	int64_t id = 0;
	char *name;
	int ret;

	if (!json_is_object(obj))
		return jmap_set_error("invalidProperties", "not an object",
				      NULL);
	if ((err = props_read(st, obj, &p)) != NULL)
		return err;
	if (p.name == NULL)
		return prop_error("name", "name is required");
	if (p.role && (strcmp(p.role, "inbox") == 0 ||
		       !role_free(st, NULL, p.su)))
		return prop_error("role", "another mailbox has that role");
	name = full_name(p.parent, p.name);
	/* "Inbox" at the top is INBOX for the store: taken */
	ret = store_mailbox_create(c->store, c->account_id, name, 0, &id,
				   NULL, NULL);
	if (ret == 0)
		ret = props_write(st, id, name, &p);
	free(name);
	if (ret < 0)
		return write_error(ret, "name");
	if (set_reload(st) < 0)
		return jmap_set_error("serverFail", NULL, NULL);
	for (size_t i = 0; i < st->l.n; i++)
		if (st->l.v[i].m->id == id)
			j = &st->l.v[i];
	if (j == NULL)
		return jmap_set_error("serverFail", "created, then gone",
				      NULL);
	jmap_created_id_add(c, cid, j->id);
	json_object_set_new(st->created, cid, jmap_mbox_json(c, j, NULL));
	return NULL;
}

static json_t *
update_one(struct set *st, struct jmap_mbox *j, json_t *patch)
{
	struct jmap_ctx *c = st->c;
	bool inbox = strcmp(j->m->name, "INBOX") == 0;
	struct props p;
	struct jmap_mbox *parent;
	int64_t id = j->m->id;
	json_t *err;
	char *newname;
	int ret = 0;

	if (!json_is_object(patch))
		return jmap_set_error("invalidPatch", NULL, NULL);
	if ((err = props_read(st, patch, &p)) != NULL)
		return err;
	if (p.has_role && (inbox ? !p.role || strcmp(p.role, "inbox") :
			   (p.role && (strcmp(p.role, "inbox") == 0 ||
				       !role_free(st, j, p.su)))))
		return prop_error("role", inbox ? "INBOX is the inbox" :
				  "another mailbox has that role");
	parent = p.has_parent ? p.parent : j->parent;
	for (const struct jmap_mbox *a = parent; a; a = a->parent)
		if (a == j)
			return prop_error("parentId", "inside itself");
	newname = full_name(parent, p.name ? p.name : j->leaf);
	if (strcmp(newname, j->m->name) != 0) {
		if (inbox) {
			free(newname);
			return jmap_set_error("forbidden", "INBOX stays", NULL);
		}
		ret = store_mailbox_rename(c->store, c->account_id, j->m->name,
					   newname, NULL, NULL);
	}
	if (ret == 0)
		ret = props_write(st, id, newname, &p);
	free(newname);
	if (ret < 0)
		return write_error(ret, p.name ? "name" : "parentId");
	if (set_reload(st) < 0)
		return jmap_set_error("serverFail", NULL, NULL);
	return NULL;
}

static json_t *
destroy_one(struct set *st, struct jmap_mbox *j, bool remove_emails)
{
	struct jmap_ctx *c = st->c;
	int ret;

	if (strcmp(j->m->name, "INBOX") == 0)
		return jmap_set_error("forbidden", "INBOX stays", NULL);
	for (size_t i = 0; i < st->l.n; i++)
		if (st->l.v[i].parent == j)
			return jmap_set_error("mailboxHasChild", NULL, NULL);
	if (j->m->messages > 0 && !remove_emails)
		return jmap_set_error("mailboxHasEmail", NULL, NULL);
	/* the rows go; an Email also in another mailbox stays there */
	ret = store_mailbox_delete(c->store, c->account_id, j->m->name, NULL,
				   NULL);
	if (ret < 0)
		return write_error(ret, "id");
	if (set_reload(st) < 0)
		return jmap_set_error("serverFail", NULL, NULL);
	return NULL;
}

static bool
set_args(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *cr = json_object_get(args, "create");
	json_t *up = json_object_get(args, "update");
	json_t *de = json_object_get(args, "destroy");
	json_t *rm = json_object_get(args, "onDestroyRemoveEmails");
	json_t *is = json_object_get(args, "ifInState");
	size_t i, n = 0;
	json_t *v;

	if ((cr && !json_is_null(cr) && !json_is_object(cr)) ||
	    (up && !json_is_null(up) && !json_is_object(up)) ||
	    (de && !json_is_null(de) && !json_is_array(de)) ||
	    (rm && !json_is_boolean(rm)) ||
	    (is && !json_is_null(is) && !json_is_string(is))) {
		*error_r = jmap_error("invalidArguments", NULL);
		return false;
	}
	json_array_foreach(de, i, v) {
		if (!json_is_string(v)) {
			*error_r = jmap_error("invalidArguments",
					      "destroy: an array of ids");
			return false;
		}
	}
	n = json_object_size(cr) + json_object_size(up) + json_array_size(de);
	if (n > jmap_max_objects_in_set(c)) {
		*error_r = jmap_error("requestTooLarge",
				      "more than maxObjectsInSet");
		return false;
	}
	return true;
}

/* an empty map is null in the response (RFC 8620 5.3) */
static json_t *
or_null(json_t *o)
{
	if (json_object_size(o) > 0)
		return o;
	json_decref(o);
	return json_null();
}

/* Mailbox/set (RFC 8621 2.5) */
json_t *
jmap_mailbox_set(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	const char *is = json_string_value(json_object_get(args, "ifInState"));
	bool rm = json_is_true(json_object_get(args, "onDestroyRemoveEmails"));
	struct set st;
	json_t *old, *now, *v, *err;
	const char *key;
	size_t i;

	if (!set_args(c, args, error_r))
		return NULL;
	if ((old = jmap_state(c, error_r)) == NULL)
		return NULL;
	if (is != NULL && strcmp(is, json_string_value(old)) != 0) {
		json_decref(old);
		*error_r = jmap_error("stateMismatch", NULL);
		return NULL;
	}
	memset(&st, 0, sizeof(st));
	st.c = c;
	if (jmap_mboxes_load(c, &st.l, error_r) < 0) {
		json_decref(old);
		return NULL;
	}
	st.created = json_object();
	st.updated = json_object();
	st.destroyed = json_array();
	st.not_created = json_object();
	st.not_updated = json_object();
	st.not_destroyed = json_object();
	json_object_foreach(json_object_get(args, "create"), key, v)
		if ((err = create_one(&st, key, v)) != NULL)
			json_object_set_new(st.not_created, key, err);
	json_object_foreach(json_object_get(args, "update"), key, v) {
		struct jmap_mbox *j = jmap_mboxes_find(c, &st.l, key);

		err = j ? update_one(&st, j, v) :
			jmap_set_error("notFound", NULL, NULL);
		if (err != NULL)
			json_object_set_new(st.not_updated, key, err);
		else
			json_object_set_new(st.updated, key, json_null());
	}
	json_array_foreach(json_object_get(args, "destroy"), i, v) {
		const char *id = json_string_value(v);
		struct jmap_mbox *j = jmap_mboxes_find(c, &st.l, id);
		char jid[STORE_OBJECTID_MAX];

		if (j != NULL)
			memcpy(jid, j->id, sizeof(jid));
		err = j ? destroy_one(&st, j, rm) :
			jmap_set_error("notFound", NULL, NULL);
		if (err != NULL)
			json_object_set_new(st.not_destroyed, id, err);
		else
			json_array_append_new(st.destroyed, json_string(jid));
	}
	jmap_mboxes_free(&st.l);
	if (json_array_size(st.destroyed) == 0) {
		json_decref(st.destroyed);
		st.destroyed = json_null();
	}
	if ((now = jmap_state(c, error_r)) == NULL) {
		json_decref(old);
		json_decref(st.created);
		json_decref(st.updated);
		json_decref(st.destroyed);
		json_decref(st.not_created);
		json_decref(st.not_updated);
		json_decref(st.not_destroyed);
		return NULL;
	}
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			 "accountId", c->account_id_str, "oldState", old,
			 "newState", now, "created", or_null(st.created),
			 "updated", or_null(st.updated),
			 "destroyed", st.destroyed,
			 "notCreated", or_null(st.not_created),
			 "notUpdated", or_null(st.not_updated),
			 "notDestroyed", or_null(st.not_destroyed));
}
