/* store-urlauth.c - URLAUTH mailbox access keys (RFC 4467 section 7):
 * a random key per account and mailbox, made by the first GENURLAUTH
 * that needs it, dropped by RESETKEY and with the mailbox or account.
 * RESETKEY deletes the key rather than replacing it: the next
 * GENURLAUTH makes a fresh random one, so every URL made before fails
 * either way. Rows are keyed by mailbox id: a URL names the mailbox, so
 * after RENAME the old URLs fail on the name and new ones verify. */
#include "store/store-private.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* mailbox id of a selectable mailbox (ENOTFOUND otherwise) */
static int
urlauth_mailbox(struct db *db, int64_t account_id, const char *mailbox,
		int64_t *id_r)
{
	bool noselect = false;
	char *norm;
	int ret;

	if ((ret = store_mailbox_name_norm(mailbox, &norm)) < 0)
		return ret == STORE_EBADNAME ? STORE_ENOTFOUND : ret;
	ret = store_mbox_by_name(db, account_id, norm, id_r, &noselect);
	free(norm);
	if (ret == 0 && noselect)
		ret = STORE_ENOTFOUND;
	return ret;
}

int
store_urlauth_key(struct store *s, int64_t account_id, const char *mailbox,
		  unsigned char key[STORE_URLAUTH_KEY_LEN])
{
	static const char sql[] =
		"SELECT key FROM urlauth_keys WHERE account_id = ?"
		" AND mailbox_id = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int64_t mid;
	int ret;

	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	if ((ret = urlauth_mailbox(db, account_id, mailbox, &mid)) < 0)
		goto out;
	if ((st = db_prep(db, sql)) == NULL) {
		ret = STORE_EIO;
		goto out;
	}
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, mid);
	ret = db_step_row(db, st, "urlauth key");
	if (ret > 0 && sqlite3_column_bytes(st, 0) == STORE_URLAUTH_KEY_LEN) {
		memcpy(key, sqlite3_column_blob(st, 0), STORE_URLAUTH_KEY_LEN);
		ret = 0;
	} else if (ret >= 0) {
		ret = STORE_ENOTFOUND;
	}
	sqlite3_reset(st);
out:
	db_end_read(db);
	return ret;
}

struct urlauth_op {
	struct store_op op;
	int64_t account_id;
	char **names;		/* NULL with n 0: every mailbox (reset) */
	size_t n;
	bool reset;
};

static void
urlauth_op_free(struct store_op *op)
{
	struct urlauth_op *o = (struct urlauth_op *)op;

	for (size_t i = 0; i < o->n; i++)
		free(o->names[i]);
	free(o->names);
}

static int
exec_urlauth(struct store *s, struct store_op *op)
{
	static const char make[] =
		"INSERT OR IGNORE INTO urlauth_keys(account_id, mailbox_id, key)"
		" VALUES(?,?,?)";
	static const char del[] =
		"DELETE FROM urlauth_keys WHERE account_id = ? AND mailbox_id = ?";
	struct urlauth_op *o = (struct urlauth_op *)op;
	int ret;

	if (o->reset && o->n == 0)
		return store_urlauth_drop_w(s, o->account_id, -1);
	if ((ret = db_account_exists(s->wdb, o->account_id)) < 0)
		return ret;
	for (size_t i = 0; i < o->n; i++) {
		unsigned char key[STORE_URLAUTH_KEY_LEN];
		sqlite3_stmt *st;
		int64_t mid;

		if ((ret = urlauth_mailbox(s->wdb, o->account_id, o->names[i],
					   &mid)) < 0)
			return ret;
		if ((st = db_prep(s->wdb, o->reset ? del : make)) == NULL)
			return STORE_EIO;
		randombytes_buf(key, sizeof(key));
		sqlite3_bind_int64(st, 1, o->account_id);
		sqlite3_bind_int64(st, 2, mid);
		if (!o->reset)
			sqlite3_bind_blob(st, 3, key, sizeof(key),
					  SQLITE_TRANSIENT);
		sodium_memzero(key, sizeof(key));
		if ((ret = db_step_done(s->wdb, st, "urlauth key")) < 0)
			return ret;
	}
	return 0;
}

static int
urlauth_submit(struct store *s, int64_t account_id,
	       const char *const *names, size_t n, bool reset, store_cb cb,
	       void *arg)
{
	struct urlauth_op *o = store_op_new(sizeof(*o), exec_urlauth,
					    urlauth_op_free);

	o->account_id = account_id;
	o->reset = reset;
	o->n = n;
	o->names = xcalloc(n ? n : 1, sizeof(*o->names));
	for (size_t i = 0; i < n; i++)
		o->names[i] = xstrdup(names[i]);
	return store_submit(s, &o->op, cb, arg);
}

int
store_urlauth_key_make(struct store *s, int64_t account_id,
		       const char *const *mailboxes, size_t n, store_cb cb,
		       void *arg)
{
	return urlauth_submit(s, account_id, mailboxes, n, false, cb, arg);
}

int
store_urlauth_reset(struct store *s, int64_t account_id,
		    const char *mailbox, store_cb cb, void *arg)
{
	return urlauth_submit(s, account_id, mailbox ? &mailbox : NULL,
			      mailbox ? 1 : 0, true, cb, arg);
}

int
store_urlauth_drop_w(struct store *s, int64_t account_id, int64_t mailbox_id)
{
	static const char one[] =
		"DELETE FROM urlauth_keys WHERE account_id = ? AND mailbox_id = ?";
	static const char all[] =
		"DELETE FROM urlauth_keys WHERE account_id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, mailbox_id < 0 ? all : one);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	if (mailbox_id >= 0)
		sqlite3_bind_int64(st, 2, mailbox_id);
	return db_step_done(s->wdb, st, "urlauth drop");
}
