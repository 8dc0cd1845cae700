/* store-sieve.c - each account's Sieve scripts (RFC 5228), as
 * ManageSieve (RFC 5804) and `tern sieve` keep them and delivery runs
 * the active one: table sieve_scripts, at most one active row per
 * account, the limits sieve.max_scripts / sieve.quota /
 * sieve.max_script_size checked inside the write that would break them.
 *
 * `updated` (unix milliseconds) only grows within an account: each put,
 * activation and rename sets it above every other row's of the account,
 * so the active row's value is a version a compiled-script cache can
 * key on (a new active script, or the same one replaced, always has a
 * larger one). */
#include "store/store-private.h"

#include "lib/utf8.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void
store_sieve_list_free(struct store_sieve_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* RFC 5804 1.6: Net-Unicode without controls (U+0000-001F, U+007F-009F,
 * U+2028, U+2029), 1 to 128 characters */
bool
store_sieve_name_valid(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t len = strlen(name), chars = 0;

	if (len == 0 || len > STORE_SIEVE_NAME_MAX)
		return false;
	while (len > 0) {
		uint32_t cp;
		size_t n = utf8_next(p, len, &cp);

		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ||
		    cp == 0x2028 || cp == 0x2029)
			return false;
		p += n;
		len -= n;
		chars++;
	}
	return chars <= 128;
}

int
store_sieve_list(struct store *s, int64_t account_id,
		 struct store_sieve_list *out)
{
	static const char sql[] =
		"SELECT name, active, length(CAST(script AS BLOB))"
		" FROM sieve_scripts WHERE account_id = ? ORDER BY name";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	size_t cap = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	if ((st = db_prep(db, sql)) == NULL) {
		db_end_read(db);
		return STORE_EIO;
	}
	sqlite3_bind_int64(st, 1, account_id);
	while ((ret = db_step_row(db, st, "sieve list")) > 0) {
		struct store_sieve_script *e;

		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		e = &out->v[out->n++];
		e->name = db_col_str0(st, 0);
		e->active = sqlite3_column_int(st, 1) != 0;
		e->size = (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	db_end_read(db);
	if (ret < 0)
		store_sieve_list_free(out);
	return ret < 0 ? ret : 0;
}

/* one script: by name, or (name NULL) the active one; any output may
 * be NULL */
static int
sieve_read(struct store *s, int64_t account_id, const char *name,
	   char **name_r, char **text_r, size_t *len_r, int64_t *version_r)
{
	static const char by_name[] =
		"SELECT name, script, updated FROM sieve_scripts"
		" WHERE account_id = ? AND name = ?";
	static const char active[] =
		"SELECT name, script, updated FROM sieve_scripts"
		" WHERE account_id = ? AND active != 0";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int ret;

	if (name_r)
		*name_r = NULL;
	if (text_r)
		*text_r = NULL;
	if (len_r)
		*len_r = 0;
	if (version_r)
		*version_r = 0;
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	if ((st = db_prep(db, name ? by_name : active)) == NULL) {
		db_end_read(db);
		return STORE_EIO;
	}
	sqlite3_bind_int64(st, 1, account_id);
	if (name)
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	ret = db_step_row(db, st, "sieve read");
	if (ret > 0) {
		if (name_r)
			*name_r = db_col_str0(st, 0);
		if (text_r)
			*text_r = db_col_bytes(st, 1, len_r);
		if (version_r)
			*version_r = sqlite3_column_int64(st, 2);
		ret = 0;
	} else if (ret == 0) {
		ret = STORE_ENOTFOUND;
	}
	sqlite3_reset(st);
	db_end_read(db);
	return ret;
}

int
store_sieve_get(struct store *s, int64_t account_id, const char *name,
		char **text_r, size_t *len_r)
{
	return sieve_read(s, account_id, name ? name : "", NULL, text_r, len_r,
			  NULL);
}

int
store_sieve_active(struct store *s, int64_t account_id, char **name_r,
		   char **text_r, size_t *len_r, int64_t *version_r)
{
	return sieve_read(s, account_id, NULL, name_r, text_r, len_r,
			  version_r);
}

/* would the account's scripts, with name's (new or replaced) at size
 * bytes, stay within the limits? (db: a reader in a read, or the writer) */
static int
sieve_space(struct store *s, struct db *db, int64_t account_id,
	    const char *name, uint64_t size)
{
	/* scripts, their bytes, and the bytes of name's (0: none) */
	static const char sql[] =
		"SELECT count(*), total(length(CAST(script AS BLOB))),"
		" count(CASE WHEN name = ?2 THEN 1 END),"
		" total(CASE WHEN name = ?2 THEN length(CAST(script AS BLOB))"
		" END) FROM sieve_scripts WHERE account_id = ?1";
	sqlite3_stmt *st;
	uint64_t count, bytes, old;
	bool exists;
	int ret;

	if (s->sieve.max_size && size > s->sieve.max_size)
		return STORE_ETOOBIG;
	if ((ret = db_account_exists(db, account_id)) < 0)
		return ret;
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if ((ret = db_step_row(db, st, "sieve space")) <= 0) {
		sqlite3_reset(st);
		return ret < 0 ? ret : STORE_EIO;
	}
	count = (uint64_t)sqlite3_column_int64(st, 0);
	bytes = (uint64_t)sqlite3_column_double(st, 1);
	exists = sqlite3_column_int64(st, 2) > 0;
	old = (uint64_t)sqlite3_column_double(st, 3);
	sqlite3_reset(st);
	if (!exists && s->sieve.max_scripts && count + 1 > s->sieve.max_scripts)
		return STORE_ELIMIT;
	if (s->sieve.quota && bytes - old + size > s->sieve.quota)
		return STORE_EQUOTA;
	return 0;
}

int
store_sieve_havespace(struct store *s, int64_t account_id, const char *name,
		      uint64_t size)
{
	struct db *db = db_reader(s);
	int ret;

	if (!store_sieve_name_valid(name))
		return STORE_EBADNAME;
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	ret = sieve_space(s, db, account_id, name, size);
	db_end_read(db);
	return ret;
}

/* ---- writes ---- */

enum sieve_op_kind { SIEVE_PUT, SIEVE_ACTIVATE, SIEVE_DELETE, SIEVE_RENAME };

struct sieve_op {
	struct store_op op;
	enum sieve_op_kind kind;
	int64_t account_id;
	char *name;		/* NULL: SIEVE_ACTIVATE of none */
	char *name2;		/* SIEVE_RENAME: the new name */
	char *text;		/* SIEVE_PUT */
	size_t len;
};

static void
sieve_op_free(struct store_op *op)
{
	struct sieve_op *o = (struct sieve_op *)op;

	free(o->name);
	free(o->name2);
	free(o->text);
}

/* the next `updated` of the account: above every row's, and now in ms
 * when the clock is ahead */
static int
next_version(struct store *s, int64_t account_id, int64_t *v_r)
{
	static const char sql[] =
		"SELECT max(updated) FROM sieve_scripts WHERE account_id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, sql);
	struct timespec ts;
	int64_t now, max = 0;
	int ret;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	if ((ret = db_step_row(s->wdb, st, "sieve version")) > 0)
		max = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (ret < 0)
		return ret;
	clock_gettime(CLOCK_REALTIME, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	*v_r = now > max ? now : max + 1;
	return 0;
}

/* 1 if the script exists (*active_r set), 0 if not, or <0 */
static int
sieve_row(struct store *s, int64_t account_id, const char *name,
	  bool *active_r)
{
	static const char sql[] =
		"SELECT active FROM sieve_scripts WHERE account_id = ?"
		" AND name = ?";
	sqlite3_stmt *st = db_prep(s->wdb, sql);
	int ret;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if ((ret = db_step_row(s->wdb, st, "sieve row")) > 0 && active_r)
		*active_r = sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	return ret;
}

static int
exec_put(struct store *s, struct sieve_op *o, int64_t version)
{
	static const char sql[] =
		"INSERT INTO sieve_scripts(account_id, name, script, active,"
		" updated) VALUES(?1, ?2, ?3, 0, ?4)"
		" ON CONFLICT(account_id, name) DO UPDATE"
		" SET script = ?3, updated = ?4";
	sqlite3_stmt *st;
	int ret;

	if ((ret = sieve_space(s, s->wdb, o->account_id, o->name,
			       o->len)) < 0)
		return ret;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->account_id);
	sqlite3_bind_text(st, 2, o->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->text, (int)o->len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, version);
	return db_step_done(s->wdb, st, "sieve put");
}

static int
exec_activate(struct store *s, struct sieve_op *o, int64_t version)
{
	static const char off[] =
		"UPDATE sieve_scripts SET active = 0 WHERE account_id = ?"
		" AND active != 0";
	static const char on[] =
		"UPDATE sieve_scripts SET active = 1, updated = ?"
		" WHERE account_id = ? AND name = ?";
	bool active = false;
	sqlite3_stmt *st;
	int ret;

	if (o->name != NULL) {
		if ((ret = sieve_row(s, o->account_id, o->name, &active)) <= 0)
			return ret < 0 ? ret : STORE_ENOTFOUND;
		if (active)
			return 0;
	} else if ((ret = db_account_exists(s->wdb, o->account_id)) < 0) {
		return ret;
	}
	if ((st = db_prep(s->wdb, off)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->account_id);
	if ((ret = db_step_done(s->wdb, st, "sieve deactivate")) < 0 ||
	    o->name == NULL)
		return ret;
	if ((st = db_prep(s->wdb, on)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, version);
	sqlite3_bind_int64(st, 2, o->account_id);
	sqlite3_bind_text(st, 3, o->name, -1, SQLITE_STATIC);
	return db_step_done(s->wdb, st, "sieve activate");
}

static int
exec_delete(struct store *s, struct sieve_op *o)
{
	static const char sql[] =
		"DELETE FROM sieve_scripts WHERE account_id = ? AND name = ?";
	bool active = false;
	sqlite3_stmt *st;
	int ret;

	if ((ret = sieve_row(s, o->account_id, o->name, &active)) <= 0)
		return ret < 0 ? ret : STORE_ENOTFOUND;
	if (active)
		return STORE_EBUSY;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->account_id);
	sqlite3_bind_text(st, 2, o->name, -1, SQLITE_STATIC);
	return db_step_done(s->wdb, st, "sieve delete");
}

static int
exec_rename(struct store *s, struct sieve_op *o, int64_t version)
{
	static const char sql[] =
		"UPDATE sieve_scripts SET name = ?, updated = ?"
		" WHERE account_id = ? AND name = ?";
	sqlite3_stmt *st;
	int ret;

	if ((ret = sieve_row(s, o->account_id, o->name, NULL)) <= 0)
		return ret < 0 ? ret : STORE_ENOTFOUND;
	if (strcmp(o->name, o->name2) == 0)
		return 0;
	if ((ret = sieve_row(s, o->account_id, o->name2, NULL)) != 0)
		return ret < 0 ? ret : STORE_EEXIST;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, o->name2, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_int64(st, 3, o->account_id);
	sqlite3_bind_text(st, 4, o->name, -1, SQLITE_STATIC);
	return db_step_done(s->wdb, st, "sieve rename");
}

static int
exec_sieve(struct store *s, struct store_op *op)
{
	struct sieve_op *o = (struct sieve_op *)op;
	int64_t version = 0;
	int ret;

	if (o->kind != SIEVE_DELETE &&
	    (ret = next_version(s, o->account_id, &version)) < 0)
		return ret;
	switch (o->kind) {
	case SIEVE_PUT:
		return exec_put(s, o, version);
	case SIEVE_ACTIVATE:
		return exec_activate(s, o, version);
	case SIEVE_DELETE:
		return exec_delete(s, o);
	case SIEVE_RENAME:
		return exec_rename(s, o, version);
	}
	return STORE_EINVAL;
}

static int
sieve_submit(struct store *s, enum sieve_op_kind kind, int64_t account_id,
	     const char *name, const char *name2, const char *text,
	     size_t len, store_cb cb, void *arg)
{
	struct sieve_op *o;

	if ((name != NULL && !store_sieve_name_valid(name)) ||
	    (name2 != NULL && !store_sieve_name_valid(name2)))
		return STORE_EBADNAME;
	o = store_op_new(sizeof(*o), exec_sieve, sieve_op_free);
	o->kind = kind;
	o->account_id = account_id;
	o->name = name ? xstrdup(name) : NULL;
	o->name2 = name2 ? xstrdup(name2) : NULL;
	if (text != NULL) {
		o->text = xmalloc(len + 1);
		memcpy(o->text, text, len);
		o->text[len] = '\0';
		o->len = len;
	}
	return store_submit(s, &o->op, cb, arg);
}

int
store_sieve_put(struct store *s, int64_t account_id, const char *name,
		const char *text, size_t len, store_cb cb, void *arg)
{
	if (len > (size_t)INT32_MAX)
		return STORE_ETOOBIG;
	return sieve_submit(s, SIEVE_PUT, account_id, name, NULL,
			    text ? text : "", text ? len : 0, cb, arg);
}

int
store_sieve_setactive(struct store *s, int64_t account_id, const char *name,
		      store_cb cb, void *arg)
{
	if (name != NULL && name[0] == '\0')
		name = NULL;
	return sieve_submit(s, SIEVE_ACTIVATE, account_id, name, NULL, NULL,
			    0, cb, arg);
}

int
store_sieve_delete(struct store *s, int64_t account_id, const char *name,
		   store_cb cb, void *arg)
{
	if (name == NULL)
		return STORE_EBADNAME;
	return sieve_submit(s, SIEVE_DELETE, account_id, name, NULL, NULL, 0,
			    cb, arg);
}

int
store_sieve_rename(struct store *s, int64_t account_id, const char *oldname,
		   const char *newname, store_cb cb, void *arg)
{
	if (oldname == NULL || newname == NULL)
		return STORE_EBADNAME;
	return sieve_submit(s, SIEVE_RENAME, account_id, oldname, newname,
			    NULL, 0, cb, arg);
}

int
store_sieve_drop_w(struct store *s, int64_t account_id)
{
	static const char sql[] =
		"DELETE FROM sieve_scripts WHERE account_id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	return db_step_done(s->wdb, st, "sieve drop");
}
