/* store-mbox.c - mailboxes: names, list/status, create, delete, rename,
 * subscribe, keywords, open (sequence map), changes since a modseq. */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAILBOX_NAME_MAX 1000

int
store_mailbox_name_norm(const char *name, char **out_r)
{
	size_t len;
	char *out;

	*out_r = NULL;
	if (name == NULL)
		return STORE_EBADNAME;
	len = strlen(name);
	if (len == 0 || len > MAILBOX_NAME_MAX || name[0] == '/' ||
	    name[len - 1] == '/' || strstr(name, "//") != NULL)
		return STORE_EBADNAME;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f)
			return STORE_EBADNAME;
	}
	out = xstrdup(name);
	if (strncasecmp(out, "INBOX", 5) == 0 &&
	    (out[5] == '\0' || out[5] == '/'))
		memcpy(out, "INBOX", 5);
	*out_r = out;
	return 0;
}

/* ------------------------------------------------------------------ */
/* keywords                                                           */

static bool
kw_has(const char *list, const char *w, size_t wlen)
{
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, " ");
		if (n == wlen && strncasecmp(p, w, n) == 0)
			return true;
		p += n;
		while (*p == ' ')
			p++;
	}
	return false;
}

char *
store_kw_merge(const char *have, const char *add)
{
	struct buf b = BUF_INIT;
	const char *p;

	buf_append_str(&b, have ? have : "");
	for (p = add; p && *p;) {
		size_t n;
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (!kw_has(buf_cstr(&b), p, n)) {
			if (b.len)
				buf_append_byte(&b, ' ');
			buf_append(&b, p, n);
		}
		p += n;
	}
	return buf_steal(&b);
}

char *
store_kw_norm(const char *kw)
{
	return store_kw_merge("", kw);
}

char *
store_kw_remove(const char *have, const char *del)
{
	struct buf b = BUF_INIT;
	const char *p;

	buf_append_str(&b, "");
	for (p = have; p && *p;) {
		size_t n;
		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		if (!kw_has(del, p, n)) {
			if (b.len)
				buf_append_byte(&b, ' ');
			buf_append(&b, p, n);
		}
		p += n;
	}
	return buf_steal(&b);
}

int
store_mbox_add_keywords(struct store *s, int64_t mailbox_id, const char *kw)
{
	static const char get[] = "SELECT keywords FROM mailboxes WHERE id = ?";
	static const char set[] = "UPDATE mailboxes SET keywords = ? WHERE id = ?";
	sqlite3_stmt *st;
	char *have, *merged;
	int ret = 0;

	if (kw == NULL || kw[0] == '\0')
		return 0;
	if ((st = db_prep(s->wdb, get)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	have = sqlite3_step(st) == SQLITE_ROW ? db_col_str0(st, 0) : xstrdup("");
	sqlite3_reset(st);
	merged = store_kw_merge(have, kw);
	if (strcmp(merged, have) != 0) {
		if ((st = db_prep(s->wdb, set)) == NULL)
			ret = STORE_EIO;
		else {
			sqlite3_bind_text(st, 1, merged, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, mailbox_id);
			ret = db_step_done(s->wdb, st, "mailbox keywords");
		}
	}
	free(have);
	free(merged);
	return ret;
}

int
store_mailbox_keywords(struct store *s, int64_t account_id,
		       int64_t mailbox_id, char **kw_r)
{
	static const char sql[] =
		"SELECT keywords FROM mailboxes WHERE id = ? AND account_id = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int ret = STORE_ENOTFOUND;

	*kw_r = NULL;
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, account_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*kw_r = db_col_str0(st, 0);
		ret = 0;
	}
	sqlite3_reset(st);
	return ret;
}

/* ------------------------------------------------------------------ */
/* writer helpers                                                     */

uint32_t
store_new_uidvalidity(struct store *s)
{
	static const char get[] =
		"SELECT value FROM meta WHERE key = 'uidvalidity'";
	static const char set[] =
		"UPDATE meta SET value = ? WHERE key = 'uidvalidity'";
	sqlite3_stmt *st = db_prep(s->wdb, get);
	int64_t last = 0, v;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		last = sqlite3_column_int64(st, 0);
	if (st)
		sqlite3_reset(st);
	v = store_now();
	if (v <= last)
		v = last + 1;
	if (v > UINT32_MAX)
		v = 1;
	if ((st = db_prep(s->wdb, set)) != NULL) {
		sqlite3_bind_int64(st, 1, v);
		db_step_done(s->wdb, st, "uidvalidity");
	}
	return (uint32_t)v;
}

int
store_mbox_check(struct db *db, int64_t account_id, int64_t mailbox_id,
		 bool *noselect_r)
{
	static const char sql[] =
		"SELECT noselect FROM mailboxes WHERE id = ? AND account_id = ?";
	sqlite3_stmt *st = db_prep(db, sql);
	int ret = STORE_ENOTFOUND;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, account_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (noselect_r)
			*noselect_r = sqlite3_column_int(st, 0) != 0;
		ret = 0;
	}
	sqlite3_reset(st);
	return ret;
}

int
store_mbox_reader(struct store *s, int64_t account_id, int64_t mailbox_id,
		  struct db **db_r)
{
	struct db *db = db_reader(s);

	*db_r = db;
	if (db == NULL)
		return STORE_EIO;
	return store_mbox_check(db, account_id, mailbox_id, NULL);
}

int
store_mbox_by_name(struct db *db, int64_t account_id, const char *name,
		   int64_t *id_r, bool *noselect_r)
{
	static const char sql[] =
		"SELECT id, noselect FROM mailboxes"
		" WHERE account_id = ? AND name = ?";
	sqlite3_stmt *st = db_prep(db, sql);
	int ret = STORE_ENOTFOUND;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (id_r)
			*id_r = sqlite3_column_int64(st, 0);
		if (noselect_r)
			*noselect_r = sqlite3_column_int(st, 1) != 0;
		ret = 0;
	}
	sqlite3_reset(st);
	return ret;
}

int
store_mbox_create_w(struct store *s, int64_t account_id, const char *name,
		    unsigned special_use, bool subscribed, int64_t *id_r)
{
	static const char sql[] =
		"INSERT INTO mailboxes(account_id, name, special_use,"
		" uidvalidity, modseq, props_modseq, created_modseq)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?5, ?5)";
	sqlite3_stmt *st;
	uint32_t uv = store_new_uidvalidity(s);
	uint64_t modseq;
	int ret;

	if ((ret = store_acct_modseq_w(s, account_id, &modseq)) < 0)
		return ret;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)special_use);
	sqlite3_bind_int64(st, 4, uv);
	sqlite3_bind_int64(st, 5, (int64_t)modseq);
	if ((ret = db_step_done(s->wdb, st, "mailbox create")) < 0)
		return ret;
	if (id_r)
		*id_r = sqlite3_last_insert_rowid(s->wdb->h);
	return subscribed ? store_subscribe_w(s, account_id, name, true) : 0;
}

/* add or remove name in the account's subscription list */
int
store_subscribe_w(struct store *s, int64_t account_id, const char *name,
		  bool on)
{
	static const char add[] =
		"INSERT OR IGNORE INTO subscriptions(account_id, name)"
		" VALUES(?,?)";
	static const char del[] =
		"DELETE FROM subscriptions WHERE account_id = ? AND name = ?";
	sqlite3_stmt *st = db_prep(s->wdb, on ? add : del);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	return db_step_done(s->wdb, st, "subscribe");
}

/* empty a mailbox without tombstones (DELETE, account removal): a
 * few set-wide statements, not a handful per message, so deleting a
 * 100,000-message mailbox holds the writer briefly */
static int
mbox_empty_fast(struct store *s, int64_t mailbox_id)
{
	static const char usage[] =
		"UPDATE accounts SET"
		" used_bytes = max(0, used_bytes - (SELECT coalesce(sum(size), 0)"
		"  FROM messages WHERE mailbox_id = ?1)),"
		" used_messages = max(0, used_messages - (SELECT count(*)"
		"  FROM messages WHERE mailbox_id = ?1))"
		" WHERE id = (SELECT account_id FROM mailboxes WHERE id = ?1)";
	static const char refs[] =
		"UPDATE blobs SET refcount = refcount - x.n FROM"
		" (SELECT blob_id, count(*) AS n FROM messages"
		" WHERE mailbox_id = ?1 GROUP BY blob_id) AS x"
		" WHERE blobs.id = x.blob_id";
	static const char freed[] =
		"DELETE FROM blobs WHERE refcount <= 0 AND id IN"
		" (SELECT blob_id FROM messages WHERE mailbox_id = ?1)"
		" RETURNING id, data IS NULL";
	static const char del[] = "DELETE FROM messages WHERE mailbox_id = ?1";
	static const char zero[] =
		"UPDATE mailboxes SET messages = 0, unseen = 0, deleted = 0,"
		" size = 0 WHERE id = ?1";
	const char *seq[] = { usage, refs };
	sqlite3_stmt *st;
	int ret, rc;

	for (size_t i = 0; i < 2; i++) {
		if ((st = db_prep(s->wdb, seq[i])) == NULL)
			return STORE_EIO;
		sqlite3_bind_int64(st, 1, mailbox_id);
		if ((ret = db_step_done(s->wdb, st, "mailbox empty")) < 0)
			return ret;
	}
	if ((st = db_prep(s->wdb, freed)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_int(st, 1))
			store_blob_freed(s, sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(s->wdb, "mailbox empty blobs");
	if ((st = db_prep(s->wdb, del)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	if ((ret = db_step_done(s->wdb, st, "mailbox empty messages")) < 0)
		return ret;
	if ((st = db_prep(s->wdb, zero)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	return db_step_done(s->wdb, st, "mailbox empty counters");
}

int
store_mbox_empty(struct store *s, int64_t mailbox_id, bool tombstones)
{
	static const char sql[] =
		"SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid";
	sqlite3_stmt *st;
	uint32_t *uids = NULL;
	size_t n = 0, cap = 0;
	uint64_t modseq = 0;
	int ret = 0;

	if (!tombstones)
		return mbox_empty_fast(s, mailbox_id);
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	while ((ret = db_step_row(s->wdb, st, "mailbox uids")) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			uids = xrealloc(uids, cap * sizeof(uint32_t));
		}
		uids[n++] = (uint32_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (ret == 0 && n && tombstones)
		ret = store_mbox_next_modseq(s, mailbox_id, &modseq);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = store_msg_expunge_uid(s, mailbox_id, uids[i], modseq,
					    tombstones);
	free(uids);
	return ret;
}

/* ------------------------------------------------------------------ */
/* reads                                                              */

#define MBOX_COLS "id, name, special_use, EXISTS(SELECT 1 FROM" \
	" subscriptions WHERE subscriptions.account_id = mailboxes.account_id" \
	" AND subscriptions.name = mailboxes.name), noselect, uidvalidity," \
	" uidnext, highestmodseq, messages, unseen, deleted, size, modseq," \
	" props_modseq, created_modseq, sort_order"

static void
mbox_row(sqlite3_stmt *st, struct store_mailbox *m)
{
	m->id = sqlite3_column_int64(st, 0);
	m->name = db_col_str0(st, 1);
	m->special_use = (unsigned)sqlite3_column_int(st, 2);
	m->attrs = 0;
	if (sqlite3_column_int(st, 3))
		m->attrs |= STORE_MBX_SUBSCRIBED;
	if (sqlite3_column_int(st, 4))
		m->attrs |= STORE_MBX_NOSELECT;
	m->uidvalidity = (uint32_t)sqlite3_column_int64(st, 5);
	m->uidnext = (uint32_t)sqlite3_column_int64(st, 6);
	m->highestmodseq = (uint64_t)sqlite3_column_int64(st, 7);
	m->messages = (uint32_t)sqlite3_column_int64(st, 8);
	m->unseen = (uint32_t)sqlite3_column_int64(st, 9);
	m->deleted = (uint32_t)sqlite3_column_int64(st, 10);
	m->size = (uint64_t)sqlite3_column_int64(st, 11);
	m->modseq = (uint64_t)sqlite3_column_int64(st, 12);
	m->props_modseq = (uint64_t)sqlite3_column_int64(st, 13);
	m->created_modseq = (uint64_t)sqlite3_column_int64(st, 14);
	m->sort_order = (uint32_t)sqlite3_column_int64(st, 15);
}

static bool
has_children(struct db *db, int64_t account_id, const char *name)
{
	static const char sql[] =
		"SELECT 1 FROM mailboxes WHERE account_id = ?1"
		" AND name > ?2 || '/' AND name < ?2 || '0' LIMIT 1";
	sqlite3_stmt *st = db_prep(db, sql);
	bool ret;

	if (st == NULL)
		return false;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	ret = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return ret;
}

void
store_mailbox_clear(struct store_mailbox *m)
{
	free(m->name);
	memset(m, 0, sizeof(*m));
}

void
store_mailbox_list_free(struct store_mailbox_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		store_mailbox_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
store_mailbox_list(struct store *s, int64_t account_id,
		   struct store_mailbox_list *out)
{
	static const char sql[] =
		"SELECT " MBOX_COLS " FROM mailboxes WHERE account_id = ?"
		" ORDER BY name <> 'INBOX', name";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	size_t cap = 0;
	char **names;
	int r;

	memset(out, 0, sizeof(*out));
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	while ((r = db_step_row(db, st, "mailbox list")) > 0) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		mbox_row(st, &out->v[out->n++]);
	}
	sqlite3_reset(st);
	if (r < 0) {
		store_mailbox_list_free(out);
		return r;
	}
	/* \HasChildren: binary search for the first name >= "name/" */
	names = xmalloc((out->n ? out->n : 1) * sizeof(char *));
	for (size_t i = 0; i < out->n; i++)
		names[i] = out->v[i].name;
	qsort(names, out->n, sizeof(char *), name_cmp);
	for (size_t i = 0; i < out->n; i++) {
		char *key = xasprintf("%s/", out->v[i].name);
		size_t lo = 0, hi = out->n, klen = strlen(key);
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (strcmp(names[mid], key) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < out->n && strncmp(names[lo], key, klen) == 0)
			out->v[i].attrs |= STORE_MBX_HASCHILDREN;
		free(key);
	}
	free(names);
	return 0;
}

int
store_mailbox_list_subscribed(struct store *s, int64_t account_id,
			      struct store_mailbox_list *out)
{
	static const char sql[] =
		"SELECT name FROM subscriptions WHERE account_id = ?1"
		" AND NOT EXISTS(SELECT 1 FROM mailboxes"
		" WHERE account_id = ?1 AND name = subscriptions.name)"
		" ORDER BY name";
	struct db *db;
	sqlite3_stmt *st;
	size_t cap;
	int r;

	if ((r = store_mailbox_list(s, account_id, out)) < 0)
		return r;
	cap = out->n;
	if ((db = db_reader(s)) == NULL || (st = db_prep(db, sql)) == NULL) {
		store_mailbox_list_free(out);
		return STORE_EIO;
	}
	sqlite3_bind_int64(st, 1, account_id);
	while ((r = db_step_row(db, st, "subscriptions")) > 0) {
		struct store_mailbox *m;

		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		m = &out->v[out->n++];
		memset(m, 0, sizeof(*m));
		m->name = db_col_str0(st, 0);
		m->attrs = STORE_MBX_SUBSCRIBED | STORE_MBX_NONEXISTENT;
	}
	sqlite3_reset(st);
	if (r < 0)
		store_mailbox_list_free(out);
	return r < 0 ? r : 0;
}

int
store_mailbox_get(struct store *s, int64_t account_id, const char *name,
		  struct store_mailbox *out)
{
	static const char sql[] =
		"SELECT " MBOX_COLS " FROM mailboxes"
		" WHERE account_id = ? AND name = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	char *norm;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = store_mailbox_name_norm(name, &norm)) < 0)
		return ret;
	if (db == NULL || (st = db_prep(db, sql)) == NULL) {
		free(norm);
		return STORE_EIO;
	}
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_text(st, 2, norm, -1, SQLITE_STATIC);
	ret = STORE_ENOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW) {
		mbox_row(st, out);
		ret = 0;
	}
	sqlite3_reset(st);
	if (ret == 0 && has_children(db, account_id, norm))
		out->attrs |= STORE_MBX_HASCHILDREN;
	free(norm);
	return ret;
}

int
store_mailbox_deleted_size(struct store *s, int64_t account_id,
			   int64_t mailbox_id, uint64_t *bytes_r)
{
	static const char sql[] =
		"SELECT coalesce(sum(size), 0) FROM messages"
		" WHERE mailbox_id = ? AND (flags & ?) != 0";
	struct db *db;
	sqlite3_stmt *st;
	int ret;

	*bytes_r = 0;
	if ((ret = store_mbox_reader(s, account_id, mailbox_id, &db)) < 0)
		return ret;
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int(st, 2, STORE_F_DELETED);
	if (sqlite3_step(st) == SQLITE_ROW)
		*bytes_r = (uint64_t)sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, "deleted size");
	sqlite3_reset(st);
	return ret;
}

static int
mailbox_status_db(struct db *db, int64_t account_id, int64_t mailbox_id,
		  struct store_mailbox *out)
{
	static const char sql[] =
		"SELECT " MBOX_COLS " FROM mailboxes"
		" WHERE id = ? AND account_id = ?";
	sqlite3_stmt *st;
	int ret = STORE_ENOTFOUND;

	memset(out, 0, sizeof(*out));
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, account_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		mbox_row(st, out);
		ret = 0;
	}
	sqlite3_reset(st);
	if (ret == 0 && has_children(db, account_id, out->name))
		out->attrs |= STORE_MBX_HASCHILDREN;
	return ret;
}

int
store_mailbox_status(struct store *s, int64_t account_id, int64_t mailbox_id,
		     struct store_mailbox *out)
{
	struct db *db = db_reader(s);

	if (db == NULL) {
		memset(out, 0, sizeof(*out));
		return STORE_EIO;
	}
	return mailbox_status_db(db, account_id, mailbox_id, out);
}

void
store_view_free(struct store_view *v)
{
	store_mailbox_clear(&v->mailbox);
	free(v->msgs);
	v->msgs = NULL;
	v->n = 0;
}

int
store_mailbox_open(struct store *s, int64_t account_id, int64_t mailbox_id,
		   struct store_view *out)
{
	static const char sql[] =
		"SELECT uid, flags, modseq, size, crlf_size FROM messages"
		" WHERE mailbox_id = ? ORDER BY uid";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	size_t cap;
	int ret;

	memset(out, 0, sizeof(*out));
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	if ((ret = mailbox_status_db(db, account_id, mailbox_id,
				     &out->mailbox)) < 0)
		goto out;
	if (out->mailbox.attrs & STORE_MBX_NOSELECT) {
		ret = STORE_ENOSELECT;
		store_mailbox_clear(&out->mailbox);
		goto out;
	}
	if ((st = db_prep(db, sql)) == NULL) {
		ret = STORE_EIO;
		goto out;
	}
	cap = out->mailbox.messages + 16;
	out->msgs = xmalloc(cap * sizeof(*out->msgs));
	sqlite3_bind_int64(st, 1, mailbox_id);
	while ((ret = db_step_row(db, st, "mailbox snapshot")) > 0) {
		struct store_msgref *m;
		if (out->n == cap) {
			cap *= 2;
			out->msgs = xrealloc(out->msgs, cap * sizeof(*out->msgs));
		}
		m = &out->msgs[out->n++];
		m->uid = (uint32_t)sqlite3_column_int64(st, 0);
		m->flags = (uint32_t)sqlite3_column_int(st, 1);
		m->modseq = (uint64_t)sqlite3_column_int64(st, 2);
		m->size = (uint64_t)sqlite3_column_int64(st, 3);
		/* NULL (stored before it was kept): 0, unknown */
		m->crlf_size = (uint64_t)sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (ret < 0)
		store_view_free(out);
out:
	db_end_read(db);
	return ret;
}

void
store_changes_free(struct store_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].keywords);
	free(c->v);
	free(c->expunged);
	memset(c, 0, sizeof(*c));
}

static int
change_uid_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct store_change *)a)->uid;
	uint32_t y = ((const struct store_change *)b)->uid;

	return x < y ? -1 : x > y;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int
store_mailbox_changes(struct store *s, int64_t account_id, int64_t mailbox_id,
		      uint64_t since, struct store_changes *out)
{
	static const char chg[] =
		"SELECT uid, flags, modseq, keywords FROM messages"
		" INDEXED BY messages_modseq"
		" WHERE mailbox_id = ? AND modseq > ?";
	static const char exp[] =
		"SELECT uid FROM expunged INDEXED BY expunged_modseq"
		" WHERE mailbox_id = ? AND modseq > ?";
	struct db *db = db_reader(s);
	struct store_mailbox mb;
	sqlite3_stmt *st;
	size_t cap = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	if ((ret = mailbox_status_db(db, account_id, mailbox_id, &mb)) < 0)
		goto out;
	out->highestmodseq = mb.highestmodseq;
	out->uidnext = mb.uidnext;
	out->messages = mb.messages;
	store_mailbox_clear(&mb);
	if ((st = db_prep(db, chg)) == NULL) {
		ret = STORE_EIO;
		goto out;
	}
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, (int64_t)since);
	while ((ret = db_step_row(db, st, "changes")) > 0) {
		struct store_change *c;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		c = &out->v[out->n++];
		c->uid = (uint32_t)sqlite3_column_int64(st, 0);
		c->flags = (uint32_t)sqlite3_column_int(st, 1);
		c->modseq = (uint64_t)sqlite3_column_int64(st, 2);
		c->keywords = db_col_str0(st, 3);
	}
	sqlite3_reset(st);
	if (ret < 0)
		goto out;
	if ((st = db_prep(db, exp)) == NULL) {
		ret = STORE_EIO;
		goto out;
	}
	cap = 0;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, (int64_t)since);
	while ((ret = db_step_row(db, st, "expunged")) > 0) {
		if (out->nexpunged == cap) {
			cap = cap ? cap * 2 : 16;
			out->expunged = xrealloc(out->expunged,
						 cap * sizeof(uint32_t));
		}
		out->expunged[out->nexpunged++] =
			(uint32_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (ret < 0)
		goto out;
	/* the modseq indexes give modseq order: sort by uid here */
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), change_uid_cmp);
	if (out->nexpunged > 1)
		qsort(out->expunged, out->nexpunged, sizeof(uint32_t),
		      uid_cmp);
out:
	db_end_read(db);
	if (ret < 0)
		store_changes_free(out);
	return ret;
}

/* ------------------------------------------------------------------ */
/* writes                                                             */

struct mbox_op {
	struct store_op op;
	int64_t account_id;
	int64_t owner_id;	/* SUBSCRIBE: the mailbox's account */
	char *name, *name2;
	unsigned special_use;
	bool flag;
	int64_t *id_r;
};

static void
mbox_op_free(struct store_op *op)
{
	struct mbox_op *o = (struct mbox_op *)op;

	free(o->name);
	free(o->name2);
}

/* would creating name (and its missing parents) pass the account's
 * mailbox limit? */
static int
mbox_limit_check(struct store *s, int64_t account_id, const char *name)
{
	static const char sql[] =
		"SELECT count(*) FROM mailboxes WHERE account_id = ?";
	sqlite3_stmt *st;
	uint64_t have = 0, add = 1;

	if (s->max_mailboxes == 0)
		return 0;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(s->wdb, "mailbox count");
	}
	have = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	for (const char *q = strchr(name, '/'); q; q = strchr(q + 1, '/'))
		add++;		/* at most: the parents that may be missing */
	if (have + add <= s->max_mailboxes)
		return 0;
	/* exact count of the missing parents only near the limit */
	add = 1;
	{
		char *p = xstrdup(name);
		int ret = 0;

		for (char *q = strchr(p, '/'); q && ret >= 0;
		     q = strchr(q + 1, '/')) {
			*q = '\0';
			ret = store_mbox_by_name(s->wdb, account_id, p, NULL,
						 NULL);
			if (ret == STORE_ENOTFOUND) {
				add++;
				ret = 0;
			}
			*q = '/';
		}
		free(p);
		if (ret < 0)
			return ret;
	}
	return have + add <= s->max_mailboxes ? 0 : STORE_ELIMIT;
}

/* create the missing parents of name (not name itself) */
static int
create_parents(struct store *s, int64_t account_id, const char *name)
{
	char *p = xstrdup(name);
	int ret = 0;

	for (char *q = strchr(p, '/'); q && ret == 0; q = strchr(q + 1, '/')) {
		*q = '\0';
		ret = store_mbox_by_name(s->wdb, account_id, p, NULL, NULL);
		if (ret == STORE_ENOTFOUND)
			ret = store_mbox_create_w(s, account_id, p, 0, false,
						  NULL);
		*q = '/';
	}
	free(p);
	return ret;
}

/* a CREATE without a special use of "Sent", "Drafts"...: the use the
 * mailbox of that name had when the account was made, when no other
 * mailbox of the account has it now (a client that deleted its Trash
 * and makes it again gets \\Trash back) */
static int
mbox_default_use(struct store *s, int64_t account_id, const char *name,
		 unsigned *use)
{
	static const char sql[] =
		"SELECT 1 FROM mailboxes WHERE account_id = ?"
		" AND (special_use & ?) != 0 AND noselect = 0 LIMIT 1";
	unsigned su = store_default_special_use(name);
	sqlite3_stmt *st;
	int r;

	if (*use != 0 || su == 0)
		return 0;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int(st, 2, (int)su);
	r = db_step_row(s->wdb, st, "special use");
	sqlite3_reset(st);
	if (r == 0)
		*use = su;
	return r < 0 ? r : 0;
}

static int
exec_mbox_create(struct store *s, struct store_op *op)
{
	static const char revive[] =
		"UPDATE mailboxes SET noselect = 0, uidvalidity = ?1,"
		" special_use = ?2, modseq = ?4, props_modseq = ?4,"
		" created_modseq = ?4 WHERE id = ?3";
	struct mbox_op *o = (struct mbox_op *)op;
	int64_t id;
	bool noselect = false;
	sqlite3_stmt *st;
	int ret;

	ret = store_mbox_by_name(s->wdb, o->account_id, o->name, &id,
				 &noselect);
	if ((ret == 0 && noselect) || ret == STORE_ENOTFOUND) {
		int r = mbox_default_use(s, o->account_id, o->name,
					 &o->special_use);

		if (r < 0)
			return r;
	}
	if (ret == 0) {
		uint64_t modseq;

		if (!noselect)
			return STORE_EEXIST;
		/* a new UIDVALIDITY is a new MAILBOXID: the old one goes */
		if ((ret = store_mbox_tomb_w(s, o->account_id, id)) < 0 ||
		    (ret = store_acct_modseq_w(s, o->account_id,
					       &modseq)) < 0)
			return ret;
		if ((st = db_prep(s->wdb, revive)) == NULL)
			return STORE_EIO;
		sqlite3_bind_int64(st, 1, store_new_uidvalidity(s));
		sqlite3_bind_int(st, 2, (int)o->special_use);
		sqlite3_bind_int64(st, 3, id);
		sqlite3_bind_int64(st, 4, (int64_t)modseq);
		if ((ret = db_step_done(s->wdb, st, "mailbox revive")) < 0)
			return ret;
		store_op_changed(op, id);
	} else if (ret == STORE_ENOTFOUND) {
		if ((ret = mbox_limit_check(s, o->account_id, o->name)) < 0)
			return ret;
		if ((ret = create_parents(s, o->account_id, o->name)) < 0)
			return ret;
		if ((ret = store_mbox_create_w(s, o->account_id, o->name,
					       o->special_use, false, &id)) < 0 ||
		    (ret = store_acl_inherit(s, o->account_id, o->name,
					     id)) < 0)
			return ret;
	} else {
		return ret;
	}
	store_op_changed(op, STORE_WATCH_ACCOUNT(o->account_id));
	if (o->id_r)
		*o->id_r = id;
	return 0;
}

static int
exec_mbox_create_checked(struct store *s, struct store_op *op)
{
	struct mbox_op *o = (struct mbox_op *)op;
	int ret = db_account_exists(s->wdb, o->account_id);

	return ret < 0 ? ret : exec_mbox_create(s, op);
}

int
store_mailbox_create(struct store *s, int64_t account_id, const char *name,
		     unsigned special_use, int64_t *id_r, store_cb cb,
		     void *arg)
{
	struct mbox_op *o;
	char *norm;
	int ret;

	if ((ret = store_mailbox_name_norm(name, &norm)) < 0)
		return ret;
	o = store_op_new(sizeof(*o), exec_mbox_create_checked, mbox_op_free);
	o->account_id = account_id;
	o->name = norm;
	o->special_use = special_use;
	o->id_r = id_r;
	return store_submit(s, &o->op, cb, arg);
}

static int
exec_mbox_delete(struct store *s, struct store_op *op)
{
	static const char del_x[] = "DELETE FROM expunged WHERE mailbox_id = ?";
	static const char del[] = "DELETE FROM mailboxes WHERE id = ?";
	static const char nosel[] =
		"UPDATE mailboxes SET noselect = 1, keywords = ''"
		" WHERE id = ?";
	struct mbox_op *o = (struct mbox_op *)op;
	int64_t id;
	bool noselect, children;
	uint64_t modseq;
	sqlite3_stmt *st;
	int ret;

	if (strcmp(o->name, "INBOX") == 0)
		return STORE_EPERM;
	ret = store_mbox_by_name(s->wdb, o->account_id, o->name, &id,
				 &noselect);
	if (ret < 0)
		return ret;
	children = has_children(s->wdb, o->account_id, o->name);
	if (children && noselect)
		return STORE_EHASCHILDREN;
	/* a modseq first: the rows' tombstones (email_tombs) take it */
	if ((ret = store_acct_modseq_w(s, o->account_id, &modseq)) < 0)
		return ret;
	if ((ret = store_mbox_empty(s, id, false)) < 0 ||
	    (ret = store_acl_drop_mailbox(s, id)) < 0)
		return ret;
	if ((st = db_prep(s->wdb, del_x)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, id);
	if ((ret = db_step_done(s->wdb, st, "mailbox tombstones")) < 0)
		return ret;
	if ((ret = store_meta_drop_w(s, o->account_id, id)) < 0 ||
	    (ret = store_urlauth_drop_w(s, o->account_id, id)) < 0)
		return ret;
	if (!children && (ret = store_mbox_tomb_w(s, o->account_id, id)) < 0)
		return ret;
	if ((st = db_prep(s->wdb, children ? nosel : del)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, id);
	if ((ret = db_step_done(s->wdb, st, "mailbox delete")) < 0)
		return ret;
	if (children && (ret = store_mbox_touch_w(s, id, true)) < 0)
		return ret;
	store_op_changed(op, id);
	store_op_changed(op, STORE_WATCH_ACCOUNT(o->account_id));
	return 0;
}

int
store_mailbox_delete(struct store *s, int64_t account_id, const char *name,
		     store_cb cb, void *arg)
{
	struct mbox_op *o;
	char *norm;
	int ret;

	if ((ret = store_mailbox_name_norm(name, &norm)) < 0)
		return ret;
	o = store_op_new(sizeof(*o), exec_mbox_delete, mbox_op_free);
	o->account_id = account_id;
	o->name = norm;
	return store_submit(s, &o->op, cb, arg);
}

static int
exec_mbox_rename(struct store *s, struct store_op *op)
{
	static const char kids[] =
		"SELECT id, name FROM mailboxes WHERE account_id = ?1"
		" AND (name = ?2 OR (name > ?2 || '/' AND name < ?2 || '0'))";
	static const char ren[] = "UPDATE mailboxes SET name = ? WHERE id = ?";
	struct mbox_op *o = (struct mbox_op *)op;
	size_t oldlen = strlen(o->name);
	int64_t id, *ids = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int ret;

	if (strcmp(o->name2, "INBOX") == 0 ||
	    (strncmp(o->name2, o->name, oldlen) == 0 &&
	     o->name2[oldlen] == '/'))
		return STORE_EPERM;
	if ((ret = store_mbox_by_name(s->wdb, o->account_id, o->name, &id,
				      NULL)) < 0)
		return ret;
	if (strcmp(o->name, o->name2) == 0)
		return STORE_EEXIST;
	ret = store_mbox_by_name(s->wdb, o->account_id, o->name2, NULL, NULL);
	if (ret == 0)
		return STORE_EEXIST;
	if (ret != STORE_ENOTFOUND)
		return ret;
	if ((ret = create_parents(s, o->account_id, o->name2)) < 0)
		return ret;

	store_op_changed(op, STORE_WATCH_ACCOUNT(o->account_id));
	if (strcmp(o->name, "INBOX") == 0) {
		int64_t dst;
		if ((ret = store_mbox_create_w(s, o->account_id, o->name2, 0,
					       false, &dst)) < 0)
			return ret;
		store_op_changed(op, id);
		store_op_changed(op, dst);
		return store_msg_move_all(s, op, o->account_id, id, dst);
	}

	if ((st = db_prep(s->wdb, kids)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->account_id);
	sqlite3_bind_text(st, 2, o->name, -1, SQLITE_STATIC);
	while ((ret = db_step_row(s->wdb, st, "mailbox children")) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			ids = xrealloc(ids, cap * sizeof(int64_t));
			names = xrealloc(names, cap * sizeof(char *));
		}
		ids[n] = sqlite3_column_int64(st, 0);
		names[n] = db_col_str0(st, 1);
		n++;
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < n; i++) {
		char *nn = xasprintf("%s%s", o->name2, names[i] + oldlen);
		if (ret == 0 && strlen(nn) > MAILBOX_NAME_MAX)
			ret = STORE_EBADNAME;
		if (ret == 0 && (st = db_prep(s->wdb, ren)) == NULL)
			ret = STORE_EIO;
		if (ret == 0) {
			sqlite3_bind_text(st, 1, nn, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, ids[i]);
			ret = db_step_done(s->wdb, st, "mailbox rename");
		}
		if (ret == 0)
			ret = store_mbox_touch_w(s, ids[i], true);
		store_op_changed(op, ids[i]);
		free(nn);
		free(names[i]);
	}
	free(names);
	free(ids);
	return ret;
}

int
store_mailbox_rename(struct store *s, int64_t account_id, const char *oldname,
		     const char *newname, store_cb cb, void *arg)
{
	struct mbox_op *o;
	char *a, *b;
	int ret;

	if ((ret = store_mailbox_name_norm(oldname, &a)) < 0)
		return ret;
	if ((ret = store_mailbox_name_norm(newname, &b)) < 0) {
		free(a);
		return ret;
	}
	o = store_op_new(sizeof(*o), exec_mbox_rename, mbox_op_free);
	o->account_id = account_id;
	o->name = a;
	o->name2 = b;
	return store_submit(s, &o->op, cb, arg);
}

/* RFC 9051 6.3.7 lets the server check that the mailbox exists: as
 * Dovecot, SUBSCRIBE needs one (the owner's, for a shared name);
 * UNSUBSCRIBE takes any name */
static int
exec_mbox_subscribe(struct store *s, struct store_op *op)
{
	struct mbox_op *o = (struct mbox_op *)op;
	int64_t owner = o->owner_id ? o->owner_id : o->account_id;
	int ret;

	if (o->flag && (ret = store_mbox_by_name(s->wdb, owner,
						 o->name2 ? o->name2 : o->name,
						 NULL, NULL)) < 0)
		return ret;
	if ((ret = store_subscribe_w(s, o->account_id, o->name, o->flag)) < 0)
		return ret;
	store_op_changed(op, STORE_WATCH_ACCOUNT(o->account_id));
	/* JMAP's isSubscribed of the account's own mailbox of that name */
	if (owner == o->account_id) {
		int64_t id;

		ret = store_mbox_by_name(s->wdb, o->account_id, o->name, &id,
					 NULL);
		if (ret == 0)
			return store_mbox_touch_w(s, id, true);
		if (ret != STORE_ENOTFOUND)
			return ret;
	}
	return 0;
}

int
store_mailbox_subscribe_other(struct store *s, int64_t account_id,
			      const char *name, int64_t owner_id,
			      const char *oname, bool subscribed,
			      store_cb cb, void *arg)
{
	struct mbox_op *o;
	char *norm, *onorm = NULL;
	int ret;

	if ((ret = store_mailbox_name_norm(name, &norm)) < 0)
		return ret;
	if (oname != NULL &&
	    (ret = store_mailbox_name_norm(oname, &onorm)) < 0) {
		free(norm);
		return ret;
	}
	o = store_op_new(sizeof(*o), exec_mbox_subscribe, mbox_op_free);
	o->account_id = account_id;
	o->owner_id = owner_id;
	o->name = norm;
	o->name2 = onorm;
	o->flag = subscribed;
	return store_submit(s, &o->op, cb, arg);
}

int
store_mailbox_subscribe(struct store *s, int64_t account_id, const char *name,
			bool subscribed, store_cb cb, void *arg)
{
	return store_mailbox_subscribe_other(s, account_id, name, account_id,
					     NULL, subscribed, cb, arg);
}

int
store_subscription_list(struct store *s, int64_t account_id,
			struct store_strlist *out)
{
	static const char sql[] =
		"SELECT name FROM subscriptions WHERE account_id = ?"
		" ORDER BY name";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;

	memset(out, 0, sizeof(*out));
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	return store_strlist_collect(db, st, "subscriptions", out);
}
