/* store-mbox-props.c - what JMAP shows of a mailbox beyond IMAP: its
 * counts of Emails and Threads (distinct EMAILIDs and THREADIDs, RFC
 * 8621 2), and the role and sortOrder a client may set. */
#include "store/store-private.h"

#include <stdlib.h>
#include <string.h>

int
store_mailbox_counts(struct store *s, int64_t account_id, int64_t mailbox_id,
		     struct store_mailbox_counts *out)
{
	/* unread: neither \Seen (1) nor \Draft (16) */
	static const char sql[] =
		"SELECT count(DISTINCT emailid),"
		" count(DISTINCT CASE WHEN flags & 17 = 0 THEN emailid END),"
		" count(DISTINCT threadid),"
		" count(DISTINCT CASE WHEN flags & 17 = 0 THEN threadid END)"
		" FROM messages WHERE mailbox_id = ?";
	struct db *db;
	sqlite3_stmt *st;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = store_mbox_reader(s, account_id, mailbox_id, &db)) < 0)
		return ret;
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->emails = (uint32_t)sqlite3_column_int64(st, 0);
		out->unread_emails = (uint32_t)sqlite3_column_int64(st, 1);
		out->threads = (uint32_t)sqlite3_column_int64(st, 2);
		out->unread_threads = (uint32_t)sqlite3_column_int64(st, 3);
	} else {
		ret = db_fail(db, "mailbox counts");
	}
	sqlite3_reset(st);
	return ret;
}

struct props_op {
	struct store_op op;
	int64_t account_id, mailbox_id;
	unsigned what, special_use;
	uint32_t sort_order;
};

static int
exec_props(struct store *s, struct store_op *op)
{
	static const char taken[] =
		"SELECT 1 FROM mailboxes WHERE account_id = ? AND id != ?"
		" AND (special_use & ?) != 0";
	static const char role[] =
		"UPDATE mailboxes SET special_use = ? WHERE id = ?";
	static const char sort[] =
		"UPDATE mailboxes SET sort_order = ? WHERE id = ?";
	struct props_op *o = (struct props_op *)op;
	sqlite3_stmt *st;
	int ret;

	if ((ret = store_mbox_check(s->wdb, o->account_id, o->mailbox_id,
				    NULL)) < 0)
		return ret;
	if (o->what & STORE_MBOX_SET_ROLE) {
		if (o->special_use != 0) {
			if ((st = db_prep(s->wdb, taken)) == NULL)
				return STORE_EIO;
			sqlite3_bind_int64(st, 1, o->account_id);
			sqlite3_bind_int64(st, 2, o->mailbox_id);
			sqlite3_bind_int(st, 3, (int)o->special_use);
			ret = db_step_row(s->wdb, st, "role taken");
			sqlite3_reset(st);
			if (ret != 0)
				return ret < 0 ? ret : STORE_EEXIST;
		}
		if ((st = db_prep(s->wdb, role)) == NULL)
			return STORE_EIO;
		sqlite3_bind_int(st, 1, (int)o->special_use);
		sqlite3_bind_int64(st, 2, o->mailbox_id);
		if ((ret = db_step_done(s->wdb, st, "mailbox role")) < 0)
			return ret;
	}
	if (o->what & STORE_MBOX_SET_SORT) {
		if ((st = db_prep(s->wdb, sort)) == NULL)
			return STORE_EIO;
		sqlite3_bind_int64(st, 1, o->sort_order);
		sqlite3_bind_int64(st, 2, o->mailbox_id);
		if ((ret = db_step_done(s->wdb, st, "mailbox sort")) < 0)
			return ret;
	}
	/* LIST's special-use attributes changed too */
	store_op_changed(op, STORE_WATCH_ACCOUNT(o->account_id));
	return store_mbox_touch_w(s, o->mailbox_id, true);
}

int
store_mailbox_set_props(struct store *s, int64_t account_id,
			int64_t mailbox_id, unsigned what,
			unsigned special_use, uint32_t sort_order,
			store_cb cb, void *arg)
{
	struct props_op *o;

	if ((special_use & (special_use - 1)) != 0 ||
	    (special_use & ~(unsigned)(STORE_SU_FLAGGED * 2 - 1)) != 0)
		return STORE_EINVAL;
	o = store_op_new(sizeof(*o), exec_props, NULL);
	o->account_id = account_id;
	o->mailbox_id = mailbox_id;
	o->what = what;
	o->special_use = special_use;
	o->sort_order = sort_order;
	return store_submit(s, &o->op, cb, arg);
}
