/* store-meta.c - METADATA entries (RFC 5464) of a mailbox or of the
 * account's server entries: read a name and its descendants, set or
 * delete a batch all or none within the configured limits. Rows are
 * keyed by mailbox id (0: server), so RENAME carries them along and
 * DELETE drops them (store-mbox.c). */
#include "store/store-private.h"

#include <stdlib.h>
#include <string.h>

void
store_meta_list_free(struct store_meta_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* mailbox "" or NULL: the server entries (id 0); a \Noselect mailbox
 * has none (as a missing one) */
static int
meta_mailbox(struct db *db, int64_t account_id, const char *mailbox,
	     int64_t *id_r)
{
	bool noselect = false;
	char *norm;
	int ret;

	*id_r = 0;
	if (mailbox == NULL || mailbox[0] == '\0')
		return db_account_exists(db, account_id);
	if ((ret = store_mailbox_name_norm(mailbox, &norm)) < 0)
		return ret == STORE_EBADNAME ? STORE_ENOTFOUND : ret;
	ret = store_mbox_by_name(db, account_id, norm, id_r, &noselect);
	free(norm);
	if (ret == 0 && noselect)
		ret = STORE_ENOTFOUND;
	return ret;
}

static void
meta_push(struct store_meta_list *out, sqlite3_stmt *st, int name_col,
	  int value_col, const char *name)
{
	struct store_meta_entry *e;

	out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
	e = &out->v[out->n++];
	e->name = name ? xstrdup(name) : db_col_str0(st, name_col);
	e->value = db_col_bytes(st, value_col, &e->len);
}

int
store_meta_get(struct store *s, int64_t account_id, const char *mailbox,
	       const char *const *names, size_t n, int depth,
	       struct store_meta_list *out)
{
	static const char one[] =
		"SELECT value FROM metadata WHERE account_id = ?"
		" AND mailbox_id = ? AND name = ?";
	static const char below[] =
		"SELECT name, value FROM metadata WHERE account_id = ?1"
		" AND mailbox_id = ?2 AND name > ?3 || '/'"
		" AND name < ?3 || '0' ORDER BY name";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int64_t mid;
	int ret;

	memset(out, 0, sizeof(*out));
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	if ((ret = meta_mailbox(db, account_id, mailbox, &mid)) < 0)
		goto out;
	for (size_t i = 0; i < n && ret >= 0; i++) {
		size_t plen = strlen(names[i]);

		if ((st = db_prep(db, one)) == NULL) {
			ret = STORE_EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, account_id);
		sqlite3_bind_int64(st, 2, mid);
		sqlite3_bind_text(st, 3, names[i], -1, SQLITE_STATIC);
		if ((ret = db_step_row(db, st, "metadata")) > 0)
			meta_push(out, st, -1, 0, names[i]);
		sqlite3_reset(st);
		if (ret < 0 || depth == 0)
			continue;
		if ((st = db_prep(db, below)) == NULL) {
			ret = STORE_EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, account_id);
		sqlite3_bind_int64(st, 2, mid);
		sqlite3_bind_text(st, 3, names[i], -1, SQLITE_STATIC);
		while ((ret = db_step_row(db, st, "metadata below")) > 0) {
			const char *nm = (const char *)sqlite3_column_text(st, 0);

			/* DEPTH 1: children only, not grandchildren */
			if (depth == 1 && nm != NULL &&
			    strchr(nm + plen + 1, '/') != NULL)
				continue;
			meta_push(out, st, 0, 1, NULL);
		}
		sqlite3_reset(st);
	}
out:
	db_end_read(db);
	if (ret < 0)
		store_meta_list_free(out);
	return ret < 0 ? ret : 0;
}

struct meta_op {
	struct store_op op;
	int64_t account_id;
	char *mailbox;
	struct store_meta_entry *e;
	size_t n;
};

static void
meta_op_free(struct store_op *op)
{
	struct meta_op *o = (struct meta_op *)op;

	for (size_t i = 0; i < o->n; i++) {
		free(o->e[i].name);
		free(o->e[i].value);
	}
	free(o->e);
	free(o->mailbox);
}

/* entries of the mailbox, entries and bytes (names and values) of the
 * account */
static int
meta_usage(struct store *s, int64_t account_id, int64_t mid,
	   uint64_t use[3])
{
	static const char mbox[] =
		"SELECT count(*) FROM metadata WHERE account_id = ?"
		" AND mailbox_id = ?";
	static const char acct[] =
		"SELECT count(*), coalesce(sum(length(name) + length(value)), 0)"
		" FROM metadata WHERE account_id = ?";
	sqlite3_stmt *st;
	int r;

	if ((st = db_prep(s->wdb, mbox)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, mid);
	if ((r = db_step_row(s->wdb, st, "metadata count")) > 0)
		use[0] = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (r <= 0)
		return r < 0 ? r : STORE_EIO;
	if ((st = db_prep(s->wdb, acct)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	if ((r = db_step_row(s->wdb, st, "metadata usage")) > 0) {
		use[1] = (uint64_t)sqlite3_column_int64(st, 0);
		use[2] = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (r <= 0)
		return r < 0 ? r : STORE_EIO;
	return 0;
}

static int
exec_meta_set(struct store *s, struct store_op *op)
{
	static const char set[] =
		"INSERT INTO metadata(account_id, mailbox_id, name, value)"
		" VALUES(?,?,?,?) ON CONFLICT(account_id, mailbox_id, name)"
		" DO UPDATE SET value = excluded.value";
	static const char del[] =
		"DELETE FROM metadata WHERE account_id = ? AND mailbox_id = ?"
		" AND name = ?";
	struct meta_op *o = (struct meta_op *)op;
	const struct store_meta_limits *lim = &s->meta;
	uint64_t before[3] = { 0 }, after[3] = { 0 };
	int64_t mid;
	int ret;

	if ((ret = meta_mailbox(s->wdb, o->account_id, o->mailbox, &mid)) < 0)
		return ret;
	if ((ret = meta_usage(s, o->account_id, mid, before)) < 0)
		return ret;
	for (size_t i = 0; i < o->n; i++) {
		const struct store_meta_entry *e = &o->e[i];
		sqlite3_stmt *st;

		if (e->value != NULL && lim->max_value && e->len > lim->max_value)
			return STORE_ETOOBIG;
		if ((st = db_prep(s->wdb, e->value ? set : del)) == NULL)
			return STORE_EIO;
		sqlite3_bind_int64(st, 1, o->account_id);
		sqlite3_bind_int64(st, 2, mid);
		sqlite3_bind_text(st, 3, e->name, -1, SQLITE_STATIC);
		if (e->value)
			sqlite3_bind_blob(st, 4, e->value, (int)e->len,
					  SQLITE_STATIC);
		if ((ret = db_step_done(s->wdb, st, "metadata set")) < 0)
			return ret;
	}
	if ((ret = meta_usage(s, o->account_id, mid, after)) < 0)
		return ret;
	/* only growth is refused: a client over a lowered limit may still
	 * delete and shrink (the op is rolled back on an error) */
	if ((lim->max_entries_mailbox && after[0] > lim->max_entries_mailbox &&
	     after[0] > before[0]) ||
	    (lim->max_entries && after[1] > lim->max_entries &&
	     after[1] > before[1]))
		return STORE_ELIMIT;
	if (lim->max_bytes && after[2] > lim->max_bytes && after[2] > before[2])
		return STORE_EQUOTA;
	return 0;
}

int
store_meta_set(struct store *s, int64_t account_id, const char *mailbox,
	       const struct store_meta_entry *e, size_t n, store_cb cb,
	       void *arg)
{
	struct meta_op *o = store_op_new(sizeof(*o), exec_meta_set,
					 meta_op_free);

	o->account_id = account_id;
	o->mailbox = xstrdup(mailbox ? mailbox : "");
	o->e = xcalloc(n ? n : 1, sizeof(*o->e));
	o->n = n;
	for (size_t i = 0; i < n; i++) {
		o->e[i].name = xstrdup(e[i].name);
		o->e[i].len = e[i].len;
		if (e[i].value != NULL) {
			o->e[i].value = xmalloc(e[i].len + 1);
			memcpy(o->e[i].value, e[i].value, e[i].len);
		}
	}
	return store_submit(s, &o->op, cb, arg);
}

/* DELETE of a mailbox (or of its account: mailbox_id < 0, all) */
int
store_meta_drop_w(struct store *s, int64_t account_id, int64_t mailbox_id)
{
	static const char one[] =
		"DELETE FROM metadata WHERE account_id = ? AND mailbox_id = ?";
	static const char all[] = "DELETE FROM metadata WHERE account_id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, mailbox_id < 0 ? all : one);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	if (mailbox_id >= 0)
		sqlite3_bind_int64(st, 2, mailbox_id);
	return db_step_done(s->wdb, st, "metadata drop");
}
