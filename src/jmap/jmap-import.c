/* jmap-import.c - Email/import (RFC 8621 4.8): a blob (an upload, or
 * any blob jmap_blob_read() reads) stored as a message the way IMAP
 * APPEND stores one (store_append: no sender checks, no trace fields),
 * into its first mailbox, then COPY to the others so that every row is
 * the one Email (COPY keeps the EMAILID). And Email/copy (RFC 8621 4.7),
 * which only copies between accounts: tern shows one account per login,
 * so every call is refused with the RFC's errors. */
#include "jmap/jmap-mailbox.h"
#include "jmap/jmap-submission.h"

#include "lib/buf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* mailboxIds an import may name at once */
#define IMPORT_MAILBOXES_MAX 64

static json_t *
bad(const char *prop, const char *why)
{
	return jmap_set_error("invalidProperties", why,
			      json_pack("[s]", prop));
}

static json_t *
store_set_error(int ret)
{
	switch (ret) {
	case STORE_EQUOTA:
		return jmap_set_error("overQuota", NULL, NULL);
	case STORE_ETOOBIG:
		return jmap_set_error("tooLarge", NULL, NULL);
	case STORE_ENOTFOUND:
	case STORE_ENOSELECT:
		return bad("mailboxIds", "a mailbox went meanwhile");
	}
	return jmap_set_error("serverFail", store_strerror(ret), NULL);
}

/* the message bytes into a store blob: 0 or a SetError */
static json_t *
blob_from_bytes(struct jmap_ctx *c, const struct buf *msg,
		struct store_blob **blob_r)
{
	int ret;

	*blob_r = NULL;
	if ((ret = store_blob_begin(c->store, blob_r)) == 0)
		ret = store_blob_write(*blob_r, msg->data, msg->len);
	if (ret == 0)
		return NULL;
	store_blob_abort(blob_r);
	return store_set_error(ret);
}

static json_t *
import_one(struct jmap_ctx *c, const struct jmap_mboxes *mb,
	   const char *cid, json_t *obj)
{
	json_t *boxes = json_object_get(obj, "mailboxIds");
	json_t *kwo = json_object_get(obj, "keywords");
	json_t *recv = json_object_get(obj, "receivedAt");
	const char *blob_id = json_string_value(json_object_get(obj,
								"blobId"));
	int64_t dst[IMPORT_MAILBOXES_MAX], when = 0;
	struct buf msg = BUF_INIT, kw = BUF_INIT;
	struct store_email_rows rows = { 0, NULL };
	struct store_blob *blob = NULL;
	struct store_msg m;
	char id[STORE_OBJECTID_MAX], tid[STORE_OBJECTID_MAX];
	uint32_t flags = 0, uid = 0;
	size_t ndst = 0;
	json_t *err = NULL, *v;
	const char *k;
	int ret;

	memset(&m, 0, sizeof(m));
	if (!json_is_object(obj))
		return jmap_set_error("invalidProperties", "not an object",
				      NULL);
	json_object_foreach(obj, k, v)
		if (strcmp(k, "blobId") && strcmp(k, "mailboxIds") &&
		    strcmp(k, "keywords") && strcmp(k, "receivedAt"))
			return bad(k, "not an EmailImport property");
	if (blob_id == NULL)
		return bad("blobId", "a blob id");
	if (!json_is_object(boxes) || json_object_size(boxes) == 0 ||
	    json_object_size(boxes) > IMPORT_MAILBOXES_MAX)
		return bad("mailboxIds", "one mailbox at least");
	json_object_foreach(boxes, k, v) {
		const struct jmap_mbox *b = json_is_true(v) ?
			jmap_mboxes_find(c, mb, k) : NULL;
		/* a placeholder (\Noselect) holds no messages */
		int64_t box = b && !(b->m->attrs & STORE_MBX_NOSELECT) ?
			b->m->id : 0;
		size_t i = 0;

		if (box == 0)
			return bad("mailboxIds", "no such mailbox");
		/* "#creation id" and the id itself may name one mailbox */
		while (i < ndst && dst[i] != box)
			i++;
		if (i == ndst)
			dst[ndst++] = box;
	}
	if (kwo != NULL && !json_is_null(kwo) &&
	    !jmap_keywords_parse(kwo, &flags, &kw)) {
		buf_free(&kw);
		return bad("keywords", "keywords: an object of true values");
	}
	/* no receivedAt before 1970 */
	if (recv != NULL && !json_is_null(recv) &&
	    (!jmap_utcdate_parse(json_string_value(recv), &when) ||
	     when < 0)) {
		buf_free(&kw);
		return bad("receivedAt", "a UTCDate");
	}
	ret = jmap_blob_read(c, blob_id, &msg, NULL);
	if (ret == -ENOENT) {
		err = jmap_set_error("blobNotFound", NULL, NULL);
		json_object_set_new(err, "notFound", json_pack("[s]", blob_id));
		goto out;
	}
	if (ret < 0) {
		err = jmap_set_error("serverFail", strerror(-ret), NULL);
		goto out;
	}
	if (msg.len == 0) {
		err = jmap_set_error("invalidEmail", "an empty blob", NULL);
		goto out;
	}
	if ((err = blob_from_bytes(c, &msg, &blob)) != NULL)
		goto out;
	ret = store_append(c->store, c->account_id, dst[0], &blob, flags,
			   kw.len ? buf_cstr(&kw) : NULL, when, 0, &uid, NULL,
			   NULL);
	for (size_t i = 1; ret == 0 && i < ndst; i++) {
		struct store_uid_range r = { uid, uid };

		ret = store_copy(c->store, c->account_id, dst[0], &r, 1,
				 dst[i], NULL, NULL, NULL);
	}
	if (ret == 0)
		ret = store_msg_get(c->store, c->account_id, dst[0], uid,
				    STORE_MSG_OBJECTID, &m);
	if (ret == 0) {
		store_msg_emailid(&m, id);
		ret = store_email_rows(c->store, c->account_id, id, &rows);
	}
	if (ret < 0) {
		err = store_set_error(ret);
		goto out;
	}
	store_objectid_fmt(tid, 'T', rows.v[0].threadid);
	jmap_created_id_add(c, cid, id);
	err = json_pack("{s:s, s:s+, s:s, s:I}", "id", id, "blobId", "B",
			id + 1, "threadId", tid, "size",
			(json_int_t)rows.v[0].size);
	/* the caller tells a created object from a SetError by "type" */
out:
	store_msg_clear(&m);
	store_email_rows_free(&rows);
	buf_free(&msg);
	buf_free(&kw);
	return err;
}

/* Email/import (RFC 8621 4.8) */
json_t *
jmap_email_import(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	json_t *emails = json_object_get(args, "emails");
	json_t *is = json_object_get(args, "ifInState");
	json_t *old, *now, *created, *not_created, *v, *res;
	struct jmap_mboxes mb;
	const char *k;

	if (!json_is_object(emails) ||
	    (is != NULL && !json_is_null(is) && !json_is_string(is))) {
		*error_r = jmap_error("invalidArguments",
				      "emails: an object of EmailImport");
		return NULL;
	}
	if (json_object_size(emails) > jmap_max_objects_in_set(c)) {
		*error_r = jmap_error("requestTooLarge",
				      "more than maxObjectsInSet");
		return NULL;
	}
	if ((old = jmap_state(c, error_r)) == NULL)
		return NULL;
	if (json_is_string(is) &&
	    strcmp(json_string_value(is), json_string_value(old)) != 0) {
		json_decref(old);
		*error_r = jmap_error("stateMismatch", NULL);
		return NULL;
	}
	if (jmap_mboxes_load(c, &mb, error_r) < 0) {
		json_decref(old);
		return NULL;
	}
	created = json_object();
	not_created = json_object();
	json_object_foreach(emails, k, v) {
		json_t *r = import_one(c, &mb, k, v);

		json_object_set_new(json_object_get(r, "type") ?
				    not_created : created, k, r);
	}
	jmap_mboxes_free(&mb);
	if ((now = jmap_state(c, error_r)) == NULL) {
		json_decref(old);
		json_decref(created);
		json_decref(not_created);
		return NULL;
	}
	res = json_pack("{s:s, s:o, s:o}", "accountId", c->account_id_str,
			"oldState", old, "newState", now);
	jmap_set_result(res, "created", created);
	jmap_set_result(res, "notCreated", not_created);
	return res;
}

/* Email/copy (RFC 8621 4.7, RFC 8620 5.4): from another account only;
 * the one account a login reaches is its own */
json_t *
jmap_email_copy(struct jmap_ctx *c, json_t *args, json_t **error_r)
{
	const char *from = json_string_value(json_object_get(args,
							     "fromAccountId"));

	if (from == NULL || !json_is_object(json_object_get(args, "create")))
		*error_r = jmap_error("invalidArguments",
				      "fromAccountId and create are needed");
	else if (strcmp(from, c->account_id_str) == 0)
		*error_r = jmap_error("invalidArguments",
				      "fromAccountId must differ from"
				      " accountId (RFC 8620 5.4)");
	else
		*error_r = jmap_error("fromAccountNotFound", NULL);
	return NULL;
}
