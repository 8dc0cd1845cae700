/* store-msg.c - message rows: the writer's helpers that deliver, append,
 * flags, copy/move and expunge share (counts, quota, uids, insert,
 * expunge of one uid) */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* writer helpers                                                     */

int64_t
store_msg_mbox_account(struct db *db, int64_t mailbox_id)
{
	static const char sql[] =
		"SELECT account_id FROM mailboxes WHERE id = ?";
	sqlite3_stmt *st = db_prep(db, sql);
	int64_t id = 0;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, mailbox_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

/* 0, STORE_EQUOTA, STORE_ENOTFOUND */
int
store_msg_quota_ok(struct store *s, int64_t account_id, uint64_t bytes,
		   uint64_t msgs)
{
	static const char sql[] =
		"SELECT quota_bytes, quota_messages, used_bytes, used_messages"
		" FROM accounts WHERE id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, sql);
	int ret = STORE_ENOTFOUND;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		uint64_t qb = (uint64_t)sqlite3_column_int64(st, 0);
		uint64_t qm = (uint64_t)sqlite3_column_int64(st, 1);
		uint64_t ub = (uint64_t)sqlite3_column_int64(st, 2);
		uint64_t um = (uint64_t)sqlite3_column_int64(st, 3);
		ret = 0;
		if ((qb && ub + bytes > qb) || (qm && um + msgs > qm))
			ret = STORE_EQUOTA;
	}
	sqlite3_reset(st);
	return ret;
}

int
store_msg_account_usage(struct store *s, int64_t account_id, int64_t dbytes,
			int64_t dmsgs)
{
	static const char sql[] =
		"UPDATE accounts SET used_bytes = max(0, used_bytes + ?),"
		" used_messages = max(0, used_messages + ?) WHERE id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, dbytes);
	sqlite3_bind_int64(st, 2, dmsgs);
	sqlite3_bind_int64(st, 3, account_id);
	return db_step_done(s->wdb, st, "account usage");
}

int
store_msg_mbox_counts(struct store *s, int64_t mailbox_id, int64_t dmsgs,
		      int64_t dunseen, int64_t ddeleted, int64_t dsize)
{
	static const char sql[] =
		"UPDATE mailboxes SET messages = messages + ?,"
		" unseen = unseen + ?, deleted = deleted + ?, size = size + ?"
		" WHERE id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, sql);
	int ret;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, dmsgs);
	sqlite3_bind_int64(st, 2, dunseen);
	sqlite3_bind_int64(st, 3, ddeleted);
	sqlite3_bind_int64(st, 4, dsize);
	sqlite3_bind_int64(st, 5, mailbox_id);
	if ((ret = db_step_done(s->wdb, st, "mailbox counts")) < 0)
		return ret;
	/* totalEmails, unreadEmails (and the thread counts) changed */
	if (dmsgs || dunseen)
		return store_mbox_touch_w(s, mailbox_id, false);
	return 0;
}

/* reserve n uids; *first_r is the first */
int
store_msg_alloc_uids(struct store *s, int64_t mailbox_id, uint32_t n,
		     uint32_t *first_r)
{
	static const char get[] = "SELECT uidnext FROM mailboxes WHERE id = ?";
	static const char set[] =
		"UPDATE mailboxes SET uidnext = ? WHERE id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, get);
	int64_t next = -1;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		next = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (next < 0)
		return STORE_ENOTFOUND;
	if (next + n > (int64_t)UINT32_MAX)
		return STORE_EIO;	/* uid space exhausted */
	if ((st = db_prep(s->wdb, set)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, next + n);
	sqlite3_bind_int64(st, 2, mailbox_id);
	*first_r = (uint32_t)next;
	return db_step_done(s->wdb, st, "uidnext");
}


int
store_msg_insert(struct store *s, int64_t account_id, int64_t mailbox_id,
		 const struct msg_row *r, uint64_t modseq)
{
	static const char sql[] =
		"INSERT INTO messages(mailbox_id, uid, blob_id, prefix, size,"
		" flags, keywords, modseq, internaldate, internaldate_tz,"
		" savedate, crlf_size, emailid, threadid, created_modseq)"
		" SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
		" tern_threadid(b.refs, b.in_reply_to, b.message_id, ?13), ?8"
		" FROM blobs b WHERE b.id = ?3";
	sqlite3_stmt *st = db_prep(s->wdb, sql);
	uint64_t emailid;
	int ret;

	if (st == NULL)
		return STORE_EIO;
	emailid = store_emailid_value(s, r->blob_id, r->prefix,
				      r->prefix_len);
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, r->uid);
	sqlite3_bind_int64(st, 3, r->blob_id);
	if (r->prefix_len)
		sqlite3_bind_blob(st, 4, r->prefix, (int)r->prefix_len,
				  SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, (int64_t)r->size);
	sqlite3_bind_int(st, 6, (int)(r->flags & STORE_F_ALL));
	sqlite3_bind_text(st, 7, r->keywords ? r->keywords : "", -1,
			  SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (int64_t)modseq);
	sqlite3_bind_int64(st, 9, r->idate);
	sqlite3_bind_int(st, 10, r->tz);
	sqlite3_bind_int64(st, 11, store_now());
	sqlite3_bind_int64(st, 12, (int64_t)r->crlf_size);
	sqlite3_bind_int64(st, 13, (int64_t)emailid);
	if ((ret = db_step_done(s->wdb, st, "message insert")) < 0)
		return ret;
	if (sqlite3_changes(s->wdb->h) != 1)
		return db_fail(s->wdb, "message insert (no blob row)");
	if ((ret = store_blob_ref(s, r->blob_id, 1)) < 0)
		return ret;
	if ((ret = store_msg_mbox_counts(s, mailbox_id, 1,
			       (r->flags & STORE_F_SEEN) ? 0 : 1,
			       (r->flags & STORE_F_DELETED) ? 1 : 0,
			       (int64_t)r->size)) < 0)
		return ret;
	if ((ret = store_msg_account_usage(s, account_id, (int64_t)r->size,
					   1)) < 0)
		return ret;
	return store_mbox_add_keywords(s, mailbox_id, r->keywords);
}

int
store_msg_expunge_uid(struct store *s, int64_t mailbox_id, uint32_t uid,
		      uint64_t modseq, bool tombstone)
{
	static const char del[] =
		"DELETE FROM messages WHERE mailbox_id = ? AND uid = ?"
		" RETURNING blob_id, size, flags";
	static const char tomb[] =
		"INSERT OR REPLACE INTO expunged(mailbox_id, uid, modseq)"
		" VALUES(?,?,?)";
	sqlite3_stmt *st = db_prep(s->wdb, del);
	int64_t blob_id, size, account_id;
	uint32_t flags;
	int rc, ret;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, uid);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? 0 : db_fail(s->wdb, "expunge");
	}
	blob_id = sqlite3_column_int64(st, 0);
	size = sqlite3_column_int64(st, 1);
	flags = (uint32_t)sqlite3_column_int(st, 2);
	/* finish the RETURNING statement before the next ones */
	while ((ret = db_step_row(s->wdb, st, "expunge")) > 0)
		;
	sqlite3_reset(st);
	if (ret < 0)
		return ret;
	if ((ret = store_msg_mbox_counts(s, mailbox_id, -1,
			       (flags & STORE_F_SEEN) ? 0 : -1,
			       (flags & STORE_F_DELETED) ? -1 : 0, -size)) < 0)
		return ret;
	if ((account_id = store_msg_mbox_account(s->wdb, mailbox_id)) < 0)
		return STORE_EIO;
	if (account_id > 0 &&
	    (ret = store_msg_account_usage(s, account_id, -size, -1)) < 0)
		return ret;
	if ((ret = store_blob_ref(s, blob_id, -1)) < 0)
		return ret;
	if (!tombstone)
		return 0;
	if ((st = db_prep(s->wdb, tomb)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_int64(st, 3, (int64_t)modseq);
	return db_step_done(s->wdb, st, "tombstone");
}

struct store_uid_range *
store_msg_ranges_dup(const struct store_uid_range *r, size_t n)
{
	struct store_uid_range *v;

	if (r == NULL || n == 0)
		return NULL;
	v = xmalloc(n * sizeof(*v));
	memcpy(v, r, n * sizeof(*v));
	return v;
}
