/* store-token.c - login tokens kept across restarts: JMAP bearer tokens
 * (/jmap/login) and webmail session cookies (/webmail/login), one table.
 * Only a token's SHA-256 is stored, with its account, kind, expiry,
 * last use and a tag of the account's password at issue; src/jmap/jmap-auth.c keeps them in memory and writes each
 * change through. Expired rows go with the next write. */
#include "store/store-private.h"

#include <stdlib.h>
#include <string.h>

int
store_tokens_load(struct store *s, int64_t now, store_token_fn *fn, void *arg)
{
	/* a disabled or deleted account's tokens are not loaded */
	static const char sql[] =
		"SELECT t.hash, t.account_id, a.address, t.kind, t.issued,"
		" t.expires, t.last_used, t.secret_tag FROM tokens t"
		" JOIN accounts a ON a.id = t.account_id"
		" WHERE t.expires > ? AND a.enabled != 0";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int ret;

	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	if ((st = db_prep(db, sql)) == NULL) {
		db_end_read(db);
		return STORE_EIO;
	}
	sqlite3_bind_int64(st, 1, now);
	while ((ret = db_step_row(db, st, "tokens")) > 0) {
		struct store_token t;

		if (sqlite3_column_bytes(st, 0) != STORE_TOKEN_HASH_LEN)
			continue;
		memcpy(t.hash, sqlite3_column_blob(st, 0), STORE_TOKEN_HASH_LEN);
		t.account_id = sqlite3_column_int64(st, 1);
		t.address = (const char *)sqlite3_column_text(st, 2);
		t.kind = sqlite3_column_int(st, 3);
		t.issued = sqlite3_column_int64(st, 4);
		t.expires = sqlite3_column_int64(st, 5);
		t.last_used = sqlite3_column_int64(st, 6);
		t.secret_tag = sqlite3_column_int64(st, 7);
		fn(arg, &t);
	}
	sqlite3_reset(st);
	db_end_read(db);
	return ret < 0 ? ret : 0;
}

struct token_op {
	struct store_op op;
	struct store_token t;	/* address unused */
	bool del;
};

static int
exec_token(struct store *s, struct store_op *op)
{
	static const char put[] =
		"INSERT OR REPLACE INTO tokens(hash, account_id, kind, issued,"
		" expires, last_used, secret_tag) VALUES(?,?,?,?,?,?,?)";
	static const char del[] = "DELETE FROM tokens WHERE hash = ?";
	static const char expired[] = "DELETE FROM tokens WHERE expires <= ?";
	struct token_op *o = (struct token_op *)op;
	sqlite3_stmt *st;
	int ret;

	if ((st = db_prep(s->wdb, expired)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->t.last_used);
	if ((ret = db_step_done(s->wdb, st, "tokens expire")) < 0)
		return ret;
	if ((st = db_prep(s->wdb, o->del ? del : put)) == NULL)
		return STORE_EIO;
	sqlite3_bind_blob(st, 1, o->t.hash, STORE_TOKEN_HASH_LEN, SQLITE_TRANSIENT);
	if (!o->del) {
		sqlite3_bind_int64(st, 2, o->t.account_id);
		sqlite3_bind_int(st, 3, o->t.kind);
		sqlite3_bind_int64(st, 4, o->t.issued);
		sqlite3_bind_int64(st, 5, o->t.expires);
		sqlite3_bind_int64(st, 6, o->t.last_used);
		sqlite3_bind_int64(st, 7, o->t.secret_tag);
	}
	return db_step_done(s->wdb, st, o->del ? "token delete" : "token put");
}

int
store_token_put(struct store *s, const struct store_token *t, store_cb cb,
		void *arg)
{
	struct token_op *o = store_op_new(sizeof(*o), exec_token, NULL);

	o->t = *t;
	o->t.address = NULL;
	return store_submit(s, &o->op, cb, arg);
}

int
store_token_delete(struct store *s, const unsigned char *hash, int64_t now,
		   store_cb cb, void *arg)
{
	struct token_op *o = store_op_new(sizeof(*o), exec_token, NULL);

	memcpy(o->t.hash, hash, STORE_TOKEN_HASH_LEN);
	o->t.last_used = now;
	o->del = true;
	return store_submit(s, &o->op, cb, arg);
}
