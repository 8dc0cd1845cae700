/* store-email.c - Emails and Threads by their stored OBJECTIDs (schema
 * version 2): the rows of one EMAILID or THREADID of an account, and a
 * mailbox's rows as a query reads them. Each is one index search
 * (messages_emailid, messages_threadid, the primary key) joined to the
 * account's mailboxes. */
#include "store/store-private.h"

#include <stdlib.h>
#include <string.h>

#define ROW_COLS "m.mailbox_id, m.uid, m.flags, m.modseq, m.keywords," \
	" m.blob_id, length(m.prefix), m.size, m.internaldate," \
	" m.internaldate_tz, m.emailid, m.threadid, m.created_modseq"

void
store_email_rows_free(struct store_email_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].keywords);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static void
row_read(sqlite3_stmt *st, bool keywords, struct store_email_row *e)
{
	e->mailbox_id = sqlite3_column_int64(st, 0);
	e->uid = (uint32_t)sqlite3_column_int64(st, 1);
	e->flags = (uint32_t)sqlite3_column_int(st, 2);
	e->modseq = (uint64_t)sqlite3_column_int64(st, 3);
	e->keywords = keywords ? db_col_str0(st, 4) : NULL;
	e->blob_id = sqlite3_column_int64(st, 5);
	e->prefix_len = (uint32_t)sqlite3_column_int64(st, 6);
	e->size = (uint64_t)sqlite3_column_int64(st, 7);
	e->internaldate = sqlite3_column_int64(st, 8);
	e->internaldate_tz = sqlite3_column_int(st, 9);
	e->emailid = (uint64_t)sqlite3_column_int64(st, 10);
	e->threadid = (uint64_t)sqlite3_column_int64(st, 11);
	e->created_modseq = (uint64_t)sqlite3_column_int64(st, 12);
}

/* every row of st (bound) into out */
static int
rows_collect(struct db *db, sqlite3_stmt *st, bool keywords,
	     struct store_email_rows *out)
{
	size_t cap = 0;
	int r;

	while ((r = db_step_row(db, st, "email rows")) > 0) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		row_read(st, keywords, &out->v[out->n++]);
	}
	sqlite3_reset(st);
	if (r < 0)
		store_email_rows_free(out);
	return r;
}

int
store_email_rows(struct store *s, int64_t account_id, const char *emailid,
		 struct store_email_rows *out)
{
	static const char sql[] =
		"SELECT " ROW_COLS " FROM messages m"
		" INDEXED BY messages_emailid"
		" JOIN mailboxes b ON b.id = m.mailbox_id"
		" WHERE m.emailid = ? AND b.account_id = ?"
		" ORDER BY m.mailbox_id, m.uid";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	uint64_t v;
	int r;

	memset(out, 0, sizeof(*out));
	if (store_objectid_parse(emailid, 'M', &v) < 0)
		return STORE_ENOTFOUND;
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)v);
	sqlite3_bind_int64(st, 2, account_id);
	if ((r = rows_collect(db, st, true, out)) < 0)
		return r;
	return out->n > 0 ? 0 : STORE_ENOTFOUND;
}

int
store_thread_emails(struct store *s, int64_t account_id, const char *threadid,
		    struct store_strlist *out)
{
	static const char sql[] =
		"SELECT m.emailid, min(m.internaldate) AS t FROM messages m"
		" INDEXED BY messages_threadid"
		" JOIN mailboxes b ON b.id = m.mailbox_id"
		" WHERE m.threadid = ? AND b.account_id = ?"
		" GROUP BY m.emailid ORDER BY t, m.emailid";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	size_t cap = 0;
	uint64_t v;
	int r;

	memset(out, 0, sizeof(*out));
	if (store_objectid_parse(threadid, 'T', &v) < 0)
		return STORE_ENOTFOUND;
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)v);
	sqlite3_bind_int64(st, 2, account_id);
	while ((r = db_step_row(db, st, "thread emails")) > 0) {
		char id[STORE_OBJECTID_MAX];

		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->v = xrealloc(out->v, cap * sizeof(char *));
		}
		store_objectid_fmt(id, 'M',
				   (uint64_t)sqlite3_column_int64(st, 0));
		out->v[out->n++] = xstrdup(id);
	}
	sqlite3_reset(st);
	if (r < 0) {
		store_strlist_free(out);
		return r;
	}
	return out->n > 0 ? 0 : STORE_ENOTFOUND;
}

int
store_email_list(struct store *s, int64_t account_id, int64_t mailbox_id,
		 struct store_email_rows *out)
{
	static const char one[] =
		"SELECT " ROW_COLS " FROM messages m"
		" WHERE m.mailbox_id = ? ORDER BY m.uid";
	static const char all[] =
		"SELECT " ROW_COLS " FROM mailboxes b"
		" JOIN messages m ON m.mailbox_id = b.id"
		" WHERE b.account_id = ? ORDER BY m.mailbox_id, m.uid";
	struct db *db;
	sqlite3_stmt *st;
	int r;

	memset(out, 0, sizeof(*out));
	if (mailbox_id != 0) {
		if ((r = store_mbox_reader(s, account_id, mailbox_id,
					   &db)) < 0)
			return r;
		if ((st = db_prep(db, one)) == NULL)
			return STORE_EIO;
		sqlite3_bind_int64(st, 1, mailbox_id);
	} else {
		if ((db = db_reader(s)) == NULL ||
		    (st = db_prep(db, all)) == NULL)
			return STORE_EIO;
		sqlite3_bind_int64(st, 1, account_id);
	}
	r = rows_collect(db, st, false, out);
	return r < 0 ? r : 0;
}

/* is there a row of emailid in mailbox_id below uid? (then the Email's
 * place in the mailbox is that row's, as jmap_erows_sort makes it) */
static int
walk_dup(struct db *db, int64_t mailbox_id, uint64_t emailid, uint32_t uid)
{
	static const char sql[] =
		"SELECT 1 FROM messages INDEXED BY messages_emailid"
		" WHERE emailid = ? AND mailbox_id = ? AND uid < ? LIMIT 1";
	sqlite3_stmt *st = db_prep(db, sql);
	int r;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)emailid);
	sqlite3_bind_int64(st, 2, mailbox_id);
	sqlite3_bind_int64(st, 3, uid);
	r = db_step_row(db, st, "email walk");
	sqlite3_reset(st);
	return r;
}

/* the statement cache knows a statement by its text's address: one
 * string each */
#define WALK_SQL(kw, order) \
	"SELECT uid, internaldate, emailid, threadid, flags, " kw \
	" FROM messages INDEXED BY messages_date WHERE mailbox_id = ?" \
	" ORDER BY " order
static const char *const walk_sql[2][2] = {	/* [asc][keywords] */
	{ WALK_SQL("''", "internaldate DESC, uid DESC"),
	  WALK_SQL("keywords", "internaldate DESC, uid DESC") },
	{ WALK_SQL("''", "internaldate, uid"),
	  WALK_SQL("keywords", "internaldate, uid") },
};

int
store_email_walk(struct store *s, int64_t account_id, int64_t mailbox_id,
		 bool asc, bool keywords, store_email_walk_fn *fn, void *arg)
{
	/* messages_date holds every column but keywords: no table read
	 * unless they are asked for */
	struct db *db;
	sqlite3_stmt *st;
	int r;

	if ((r = store_mbox_reader(s, account_id, mailbox_id, &db)) < 0)
		return r;
	if ((st = db_prep(db, walk_sql[asc][keywords])) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	while ((r = db_step_row(db, st, "email walk")) > 0) {
		struct store_email_row e;

		memset(&e, 0, sizeof(e));
		e.mailbox_id = mailbox_id;
		e.uid = (uint32_t)sqlite3_column_int64(st, 0);
		e.internaldate = sqlite3_column_int64(st, 1);
		e.emailid = (uint64_t)sqlite3_column_int64(st, 2);
		e.threadid = (uint64_t)sqlite3_column_int64(st, 3);
		e.flags = (uint32_t)sqlite3_column_int(st, 4);
		e.keywords = (char *)sqlite3_column_text(st, 5);
		if (e.keywords == NULL)
			e.keywords = (char *)"";
		if ((r = fn(&e, arg)) != 0)
			break;
	}
	sqlite3_reset(st);
	return r < 0 ? r : 0;
}

int
store_email_first_row(struct store *s, const struct store_email_row *e)
{
	struct db *db = db_reader(s);
	int r;

	if (db == NULL)
		return STORE_EIO;
	r = walk_dup(db, e->mailbox_id, e->emailid, e->uid);
	return r < 0 ? r : r == 0;
}
