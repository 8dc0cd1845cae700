/* store-mbox-props.c - what JMAP shows of a mailbox beyond IMAP: its
 * counts of Emails and Threads (distinct EMAILIDs and THREADIDs, RFC
 * 8621 2), and the role and sortOrder a client may set. */
#include "store/store-private.h"

#include <stdlib.h>
#include <string.h>

/* one pass over messages_threads, in (threadid, emailid) order: an
 * Email's rows are together and so are a Thread's, so counting distinct
 * ones needs no sort (count(DISTINCT) made SQLite sort 100,000 rows four
 * times: half a second) */
int
store_mailbox_counts(struct store *s, int64_t account_id, int64_t mailbox_id,
		     struct store_mailbox_counts *out)
{
	static const char sql[] =
		"SELECT threadid, emailid, flags FROM messages"
		" INDEXED BY messages_threads WHERE mailbox_id = ?"
		" ORDER BY threadid, emailid";
	struct db *db;
	sqlite3_stmt *st;
	int64_t tid = 0, eid = 0;
	bool first = true, e_unread = false, t_unread = false;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = store_mbox_reader(s, account_id, mailbox_id, &db)) < 0)
		return ret;
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	while ((ret = db_step_row(db, st, "mailbox counts")) > 0) {
		int64_t t = sqlite3_column_int64(st, 0);
		int64_t e = sqlite3_column_int64(st, 1);
		/* unread: neither \Seen nor \Draft (RFC 8621 2) */
		bool unread = (sqlite3_column_int(st, 2) &
			       (STORE_F_SEEN | STORE_F_DRAFT)) == 0;

		if (first || t != tid) {
			out->unread_threads += t_unread;
			out->threads++;
			t_unread = false;
		}
		if (first || t != tid || e != eid) {
			out->unread_emails += e_unread;
			out->emails++;
			e_unread = false;
		}
		e_unread |= unread;
		t_unread |= unread;
		tid = t;
		eid = e;
		first = false;
	}
	sqlite3_reset(st);
	out->unread_emails += e_unread;
	out->unread_threads += t_unread;
	return ret < 0 ? ret : 0;
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
