/* jmap-email-set.c - Email/set (RFC 8621 4.6): create builds the
 * message (jmap-email-build.c) and appends it to its mailboxes; update
 * sets keywords and mailboxIds on every row of the Email (IMAP STORE,
 * COPY and EXPUNGE underneath, so IMAP sees each change at once);
 * destroy expunges every row. Blocking store calls: a pool thread. */
#include "jmap/jmap-submission.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jmap/jmap-email-build.h"
#include "jmap/jmap-email-store.h"
#include "jmap/jmap-mailbox.h"
#include "lib/log.h"
#include "lib/service.h"

static json_t *
jmap_bad(const char *prop)
{
	return jmap_set_error("invalidProperties", NULL,
			      json_pack("[s]", prop));
}

static json_t *
jmap_store_set_error(int rc)
{
	if (rc == STORE_EQUOTA)
		return jmap_set_error("overQuota", NULL, NULL);
	if (rc == STORE_ETOOBIG)
		return jmap_set_error("tooLarge", NULL, NULL);
	if (rc == STORE_ENOTFOUND)
		return jmap_set_error("notFound", NULL, NULL);
	if (rc == STORE_ENOSELECT)
		return jmap_bad("mailboxIds");
	log_error(0, "jmap email set store error=%s", store_strerror(rc));
	return jmap_set_error("serverFail", store_strerror(rc), NULL);
}

static int
jmap_build_blob(void *ctx, const char *blob_id, struct buf *out,
		char **type_r)
{
	return jmap_blob_read(ctx, blob_id, out, type_r);
}

static void
jmap_uid_range(struct store_uid_range *r, uint32_t uid)
{
	r->lo = r->hi = uid;
}

/* ---- create ---- */

static json_t *
jmap_email_create(struct jmap_ctx *c, const struct jmap_mboxes *mb,
		  const char *cid, json_t *obj, json_t **err_r)
{
	struct jmap_build b = { c->env->conf->hostname, time(NULL),
				jmap_build_blob, c };
	json_t *boxes = json_object_get(obj, "mailboxIds");
	json_t *kwo = json_object_get(obj, "keywords");
	const char *recv = json_string_value(json_object_get(obj,
							     "receivedAt"));
	struct buf msg = BUF_INIT, kw = BUF_INIT;
	struct store_email_rows rows = { 0 };
	struct store_blob *blob = NULL;
	struct store_msg m = { 0 };
	int64_t *dst = NULL, when = 0;
	size_t ndst = 0;
	uint32_t flags = 0, uid = 0;
	char id[STORE_OBJECTID_MAX], tid[STORE_OBJECTID_MAX];
	json_t *made = NULL;
	const char *k;
	json_t *v;
	int rc;

	*err_r = NULL;
	if (!json_is_object(boxes) || json_object_size(boxes) == 0) {
		*err_r = jmap_bad("mailboxIds");
		return NULL;
	}
	dst = xcalloc(json_object_size(boxes), sizeof(*dst));
	json_object_foreach(boxes, k, v) {
		const struct jmap_mbox *box = jmap_mboxes_find(c, mb, k);

		if (!json_is_true(v) || box == NULL) {
			*err_r = jmap_bad("mailboxIds");
			goto out;
		}
		dst[ndst++] = box->m->id;
	}
	if (kwo != NULL && !jmap_keywords_parse(kwo, &flags, &kw)) {
		*err_r = jmap_bad("keywords");
		goto out;
	}
	if (json_object_get(obj, "receivedAt") && !jmap_utcdate_parse(recv, &when)) {
		*err_r = jmap_bad("receivedAt");
		goto out;
	}
	if (jmap_email_build(&b, obj, &msg, err_r) < 0)
		goto out;
	rc = store_blob_begin(c->store, &blob);
	if (rc == 0)
		rc = store_blob_write(blob, msg.data, msg.len);
	if (rc != 0) {
		store_blob_abort(&blob);
		*err_r = jmap_store_set_error(rc);
		goto out;
	}
	rc = store_append(c->store, c->account_id, dst[0], &blob, flags,
			  kw.len ? buf_cstr(&kw) : NULL, when, 0, &uid, NULL,
			  NULL);
	for (size_t i = 1; rc == 0 && i < ndst; i++) {
		struct store_uid_range r;

		jmap_uid_range(&r, uid);
		rc = store_copy(c->store, c->account_id, dst[0], &r, 1, dst[i],
				NULL, NULL, NULL);
	}
	if (rc == 0)
		rc = store_msg_get(c->store, c->account_id, dst[0], uid,
				   STORE_MSG_OBJECTID, &m);
	if (rc == 0) {
		store_msg_emailid(&m, id);
		rc = store_email_rows(c->store, c->account_id, id, &rows);
	}
	if (rc != 0) {
		*err_r = jmap_store_set_error(rc);
		goto out;
	}
	store_objectid_fmt(tid, 'T', rows.v[0].threadid);
	made = json_pack("{s:s, s:s+, s:s, s:I}", "id", id, "blobId", "B",
			 id + 1, "threadId", tid, "size",
			 (json_int_t)rows.v[0].size);
	jmap_created_id_add(c, cid, id);
out:
	free(dst);
	store_msg_clear(&m);
	store_email_rows_free(&rows);
	buf_free(&msg);
	buf_free(&kw);
	return made;
}

/* ---- update ---- */

/* a patch path's key after "keywords/" or "mailboxIds/" (RFC 6901
 * escapes undone), malloc'd */
static char *
jmap_pointer_key(const char *s)
{
	struct buf b = BUF_INIT;
	char *r;

	for (; *s; s++) {
		if (s[0] == '~' && s[1] == '1') {
			buf_append_byte(&b, '/');
			s++;
		} else if (s[0] == '~' && s[1] == '0') {
			buf_append_byte(&b, '~');
			s++;
		} else {
			buf_append_byte(&b, (unsigned char)*s);
		}
	}
	r = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return r;
}

/* one patch entry applied to target (the keywords or mailboxIds
 * object): whole ("keywords") or one member ("keywords/$seen") */
static bool
jmap_patch_one(json_t **target, const char *member, json_t *v)
{
	char *key;

	if (member == NULL) {
		if (!json_is_object(v))
			return false;
		json_decref(*target);
		*target = json_deep_copy(v);
		return true;
	}
	if (!json_is_true(v) && !json_is_null(v))
		return false;
	key = jmap_pointer_key(member);
	if (json_is_true(v))
		json_object_set_new(*target, key, json_true());
	else
		json_object_del(*target, key);
	free(key);
	return true;
}

json_t *
jmap_email_update(struct jmap_ctx *c, const char *id, json_t *patch)
{
	struct store_email_rows rows = { 0 };
	struct jmap_mboxes mb = { 0 };
	json_t *kwo = NULL, *boxes = json_object(), *err = NULL;
	struct buf kw = BUF_INIT;
	bool kw_touched = false;
	int64_t *dst = NULL;
	size_t ndst = 0;
	uint32_t flags = 0;
	const char *k;
	json_t *v;
	int rc;

	id = jmap_resolve_id(c, id);
	if (id == NULL || !json_is_object(patch) ||
	    store_email_rows(c->store, c->account_id, id, &rows) != 0) {
		json_decref(boxes);
		return jmap_set_error("notFound", NULL, NULL);
	}
	if (jmap_mboxes_load(c, &mb, &err) < 0) {
		json_object_set_new(err, "type", json_string("serverFail"));
		goto out;
	}
	kwo = jmap_keywords(rows.v[0].flags, rows.v[0].keywords);
	for (size_t i = 0; i < rows.n; i++) {
		for (size_t j = 0; j < mb.n; j++)
			if (mb.v[j].m->id == rows.v[i].mailbox_id)
				json_object_set_new(boxes, mb.v[j].id,
						    json_true());
	}
	json_object_foreach(patch, k, v) {
		bool ok;

		if (strcmp(k, "keywords") == 0 || strncmp(k, "keywords/", 9) == 0) {
			ok = jmap_patch_one(&kwo, k[8] ? k + 9 : NULL, v);
			kw_touched = true;
		} else if (strcmp(k, "mailboxIds") == 0 ||
			   strncmp(k, "mailboxIds/", 11) == 0) {
			ok = jmap_patch_one(&boxes, k[10] ? k + 11 : NULL, v);
		} else {
			ok = false;
		}
		if (!ok) {
			err = jmap_bad(k);
			goto out;
		}
	}
	if (!jmap_keywords_parse(kwo, &flags, &kw)) {
		err = jmap_bad("keywords");
		goto out;
	}
	if (json_object_size(boxes) == 0) {
		err = jmap_bad("mailboxIds");
		goto out;
	}
	dst = xcalloc(json_object_size(boxes), sizeof(*dst));
	json_object_foreach(boxes, k, v) {
		const struct jmap_mbox *box = jmap_mboxes_find(c, &mb, k);

		if (box == NULL) {
			err = jmap_bad("mailboxIds");
			goto out;
		}
		dst[ndst++] = box->m->id;
	}
	/* keywords first, so that the copies made below carry them;
	 * \Deleted is no keyword: each row keeps its own */
	for (size_t i = 0; kw_touched && i < rows.n; i++) {
		struct store_uid_range r;

		jmap_uid_range(&r, rows.v[i].uid);
		rc = store_flags(c->store, c->account_id, rows.v[i].mailbox_id,
				 &r, 1, STORE_FLAGS_SET,
				 flags | (rows.v[i].flags & STORE_F_DELETED),
				 kw.len ? buf_cstr(&kw) : "",
				 STORE_UNCHANGEDSINCE_NONE, NULL, NULL, NULL);
		if (rc != 0) {
			err = jmap_store_set_error(rc);
			goto out;
		}
	}
	for (size_t i = 0; i < ndst; i++) {
		struct store_uid_range r;
		bool have = false;

		for (size_t j = 0; j < rows.n; j++)
			have = have || rows.v[j].mailbox_id == dst[i];
		if (have)
			continue;
		jmap_uid_range(&r, rows.v[0].uid);
		rc = store_copy(c->store, c->account_id, rows.v[0].mailbox_id,
				&r, 1, dst[i], NULL, NULL, NULL);
		if (rc != 0) {
			err = jmap_store_set_error(rc);
			goto out;
		}
	}
	for (size_t j = 0; j < rows.n; j++) {
		struct store_uid_range r;
		bool keep = false;

		for (size_t i = 0; i < ndst; i++)
			keep = keep || rows.v[j].mailbox_id == dst[i];
		if (keep)
			continue;
		jmap_uid_range(&r, rows.v[j].uid);
		rc = store_expunge(c->store, c->account_id, rows.v[j].mailbox_id,
				   &r, 1, false, NULL, NULL, NULL);
		if (rc != 0) {
			err = jmap_store_set_error(rc);
			goto out;
		}
	}
out:
	free(dst);
	json_decref(kwo);
	json_decref(boxes);
	buf_free(&kw);
	jmap_mboxes_free(&mb);
	store_email_rows_free(&rows);
	return err;
}

json_t *
jmap_email_destroy(struct jmap_ctx *c, const char *id)
{
	struct store_email_rows rows = { 0 };
	json_t *err = NULL;

	id = jmap_resolve_id(c, id);
	if (id == NULL || store_email_rows(c->store, c->account_id, id,
					   &rows) != 0)
		return jmap_set_error("notFound", NULL, NULL);
	for (size_t i = 0; i < rows.n && err == NULL; i++) {
		struct store_uid_range r;
		int rc;

		jmap_uid_range(&r, rows.v[i].uid);
		rc = store_expunge(c->store, c->account_id, rows.v[i].mailbox_id,
				   &r, 1, false, NULL, NULL, NULL);
		if (rc != 0 && rc != STORE_ENOTFOUND)
			err = jmap_store_set_error(rc);
	}
	store_email_rows_free(&rows);
	return err;
}

/* ---- the method ---- */

void
jmap_set_result(json_t *res, const char *key, json_t *v)
{
	json_object_set_new(res, key, json_object_size(v) > 0 ||
			    json_array_size(v) > 0 ? v : json_null());
	if (json_object_size(v) == 0 && json_array_size(v) == 0)
		json_decref(v);
}

json_t *
jmap_set_response(struct jmap_ctx *c, const char *old_state,
		  const char *new_state, json_t *created, json_t *updated,
		  json_t *destroyed, json_t *not_created, json_t *not_updated,
		  json_t *not_destroyed)
{
	json_t *res = json_pack("{s:s, s:s, s:s}", "accountId",
				c->account_id_str, "oldState", old_state,
				"newState", new_state);

	jmap_set_result(res, "created", created);
	jmap_set_result(res, "updated", updated);
	jmap_set_result(res, "destroyed", destroyed);
	jmap_set_result(res, "notCreated", not_created);
	jmap_set_result(res, "notUpdated", not_updated);
	jmap_set_result(res, "notDestroyed", not_destroyed);
	return res;
}

json_t *
jmap_email_set(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *create = json_object_get(args, "create");
	json_t *update = json_object_get(args, "update");
	json_t *destroy = json_object_get(args, "destroy");
	json_t *if_in = json_object_get(args, "ifInState");
	json_t *created = json_object(), *not_created = json_object();
	json_t *updated = json_object(), *not_updated = json_object();
	json_t *destroyed = json_array(), *not_destroyed = json_object();
	struct jmap_mboxes mb;
	char *old_state, *new_state;
	json_t *res, *v, *err;
	const char *k;
	size_t i;

	if ((create && !json_is_object(create) && !json_is_null(create)) ||
	    (update && !json_is_object(update) && !json_is_null(update)) ||
	    (destroy && !json_is_array(destroy) && !json_is_null(destroy)) ||
	    (if_in && !json_is_string(if_in) && !json_is_null(if_in))) {
		*error_r = jmap_error("invalidArguments", NULL);
		goto fail;
	}
	if (json_object_size(create) + json_object_size(update) +
	    json_array_size(destroy) > jmap_max_objects_in_set(c)) {
		*error_r = jmap_error("requestTooLarge", NULL);
		goto fail;
	}
	old_state = jmap_account_state(c);
	if (old_state == NULL) {
		*error_r = jmap_error("serverFail", NULL);
		goto fail;
	}
	if (jmap_mboxes_load(c, &mb, error_r) < 0) {
		free(old_state);
		goto fail;
	}
	if (json_is_string(if_in) && strcmp(json_string_value(if_in),
					    old_state) != 0) {
		free(old_state);
		jmap_mboxes_free(&mb);
		*error_r = jmap_error("stateMismatch", NULL);
		goto fail;
	}
	json_object_foreach(create, k, v) {
		json_t *made = json_is_object(v) ?
			       jmap_email_create(c, &mb, k, v, &err) :
			       (err = jmap_bad("create"), NULL);

		if (made)
			json_object_set_new(created, k, made);
		else
			json_object_set_new(not_created, k, err);
	}
	jmap_mboxes_free(&mb);
	json_object_foreach(update, k, v) {
		err = jmap_email_update(c, k, v);
		if (err)
			json_object_set_new(not_updated, k, err);
		else
			json_object_set_new(updated, k, json_null());
	}
	json_array_foreach(destroy, i, v) {
		const char *id = json_string_value(v);

		err = id ? jmap_email_destroy(c, id) :
		      jmap_set_error("notFound", NULL, NULL);
		if (err)
			json_object_set_new(not_destroyed, id ? id : "", err);
		else
			json_array_append(destroyed, v);
	}
	new_state = jmap_account_state(c);
	res = jmap_set_response(c, old_state, new_state ? new_state : old_state, created, updated,
				destroyed, not_created, not_updated,
				not_destroyed);
	free(old_state);
	free(new_state);
	return res;
fail:
	json_decref(created);
	json_decref(not_created);
	json_decref(updated);
	json_decref(not_updated);
	json_decref(destroyed);
	json_decref(not_destroyed);
	return NULL;
}
