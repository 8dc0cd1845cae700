/* store-modseq.c - the account-wide modseq: every mailbox of an account
 * draws its modseqs from accounts.modseq, so one number says how far the
 * whole account has come (JMAP state strings, RFC 8620 1.6) while each
 * mailbox's modseqs still only grow (IMAP CONDSTORE, RFC 7162). Also the
 * mailbox rows' own change marks (modseq, props_modseq, created_modseq)
 * and their tombstones, which Mailbox/changes reads. */
#include "store/store-private.h"

#include <stdlib.h>
#include <string.h>

int
store_acct_next_modseq_w(struct store *s, int64_t account_id,
			 uint64_t floor, uint64_t *modseq_r)
{
	static const char sql[] =
		"UPDATE accounts SET modseq = max(modseq, ?2) + 1"
		" WHERE id = ?1 RETURNING modseq";
	sqlite3_stmt *st = db_prep(s->wdb, sql);
	int rc;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int64(st, 2, (int64_t)floor);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*modseq_r = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? STORE_ENOTFOUND :
			db_fail(s->wdb, "account modseq");
	if (s->cur_op != NULL) {
		s->cur_op->acct_id = account_id;
		s->cur_op->acct_modseq = *modseq_r;
		store_op_changed(s->cur_op, STORE_WATCH_CHANGES(account_id));
	}
	return 0;
}

int
store_acct_modseq_w(struct store *s, int64_t account_id, uint64_t *modseq_r)
{
	struct store_op *op = s->cur_op;

	if (op != NULL && op->acct_id == account_id && op->acct_modseq) {
		*modseq_r = op->acct_modseq;
		return 0;
	}
	return store_acct_next_modseq_w(s, account_id, 0, modseq_r);
}

int
store_mbox_next_modseq(struct store *s, int64_t mailbox_id,
		       uint64_t *modseq_r)
{
	static const char get[] =
		"SELECT account_id, highestmodseq FROM mailboxes WHERE id = ?";
	static const char set[] =
		"UPDATE mailboxes SET highestmodseq = ? WHERE id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, get);
	int64_t account_id = 0;
	uint64_t high = 0;
	int rc, ret;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		account_id = sqlite3_column_int64(st, 0);
		high = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? STORE_ENOTFOUND :
			db_fail(s->wdb, "next modseq");
	/* the floor keeps the mailbox's modseqs growing even if its
	 * counter were ahead of the account's */
	if ((ret = store_acct_next_modseq_w(s, account_id, high,
					    modseq_r)) < 0)
		return ret;
	if ((st = db_prep(s->wdb, set)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)*modseq_r);
	sqlite3_bind_int64(st, 2, mailbox_id);
	return db_step_done(s->wdb, st, "next modseq");
}

int
store_mbox_touch_w(struct store *s, int64_t mailbox_id, bool props)
{
	static const char acct[] =
		"SELECT account_id FROM mailboxes WHERE id = ?";
	static const char cnt[] =
		"UPDATE mailboxes SET modseq = ?1 WHERE id = ?2";
	static const char all[] =
		"UPDATE mailboxes SET modseq = ?1, props_modseq = ?1"
		" WHERE id = ?2";
	sqlite3_stmt *st = db_prep(s->wdb, acct);
	int64_t account_id = 0;
	uint64_t modseq;
	int ret;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		account_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (account_id == 0)
		return 0;	/* gone: nothing to mark */
	if ((ret = store_acct_modseq_w(s, account_id, &modseq)) < 0)
		return ret;
	if ((st = db_prep(s->wdb, props ? all : cnt)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)modseq);
	sqlite3_bind_int64(st, 2, mailbox_id);
	return db_step_done(s->wdb, st, "mailbox modseq");
}

int
store_mbox_tomb_w(struct store *s, int64_t account_id, int64_t mailbox_id)
{
	static const char sql[] =
		"INSERT INTO mailbox_tombs(account_id, mailbox_id,"
		" uidvalidity, created_modseq, modseq)"
		" SELECT account_id, id, uidvalidity, created_modseq, ?2"
		" FROM mailboxes WHERE id = ?1";
	sqlite3_stmt *st;
	uint64_t modseq;
	int ret;

	if ((ret = store_acct_modseq_w(s, account_id, &modseq)) < 0)
		return ret;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, (int64_t)modseq);
	return db_step_done(s->wdb, st, "mailbox tombstone");
}

int
store_account_modseq(struct store *s, int64_t account_id,
		     uint64_t *modseq_r)
{
	static const char sql[] = "SELECT modseq FROM accounts WHERE id = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int rc;

	*modseq_r = 0;
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*modseq_r = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? STORE_ENOTFOUND :
		db_fail(db, "account modseq");
}

struct store_watch *
store_watch_account_changes(struct store *s, int64_t account_id,
			    store_watch_fn *fn, void *arg)
{
	return store_watch(s, STORE_WATCH_CHANGES(account_id), fn, arg);
}
