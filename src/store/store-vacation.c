/* store-vacation.c - the vacation once-per-period record (RFC 5230 4.2:
 * one reply per sender and :handle within :days): one row per account,
 * handle and sender with the time until which no second reply goes.
 * The check and the record are one write on the writer thread, so two
 * deliveries of the same sender at once still send one reply. Expired
 * rows of the account go with the next claim. */
#include "store/store-private.h"

#include <stdlib.h>
#include <string.h>

struct vacation_op {
	struct store_op op;
	int64_t account_id, now, expires;
	char *handle, *sender;
	bool *claimed_r;
};

static void
vacation_free(struct store_op *op)
{
	struct vacation_op *o = (struct vacation_op *)op;

	free(o->handle);
	free(o->sender);
}

static int
exec_vacation(struct store *s, struct store_op *op)
{
	static const char expired[] =
		"DELETE FROM sieve_vacation WHERE account_id = ?"
		" AND expires <= ?";
	static const char put[] =
		"INSERT OR IGNORE INTO sieve_vacation(account_id, handle,"
		" sender, expires) VALUES(?,?,?,?)";
	struct vacation_op *o = (struct vacation_op *)op;
	sqlite3_stmt *st;
	int ret;

	*o->claimed_r = false;
	if ((st = db_prep(s->wdb, expired)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->account_id);
	sqlite3_bind_int64(st, 2, o->now);
	if ((ret = db_step_done(s->wdb, st, "vacation expire")) < 0)
		return ret;
	/* a row still there is a reply sent within the period */
	if ((st = db_prep(s->wdb, put)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->account_id);
	sqlite3_bind_text(st, 2, o->handle, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->sender, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, o->expires);
	if ((ret = db_step_done(s->wdb, st, "vacation claim")) < 0)
		return ret;
	*o->claimed_r = sqlite3_changes(s->wdb->h) > 0;
	return 0;
}

int
store_vacation_claim(struct store *s, int64_t account_id, const char *handle,
		     const char *sender, int64_t now, uint32_t seconds,
		     bool *claimed_r)
{
	struct vacation_op *o;
	char *lower;

	if (handle == NULL || sender == NULL || sender[0] == '\0')
		return STORE_EINVAL;
	o = store_op_new(sizeof(*o), exec_vacation, vacation_free);
	/* addresses compare without case (local parts too, as Pigeonhole) */
	lower = xstrdup(sender);
	store_ascii_lower(lower);
	o->account_id = account_id;
	o->now = now;
	o->expires = now + (int64_t)(seconds ? seconds : 1);
	o->handle = xstrdup(handle);
	o->sender = lower;
	o->claimed_r = claimed_r;
	return store_submit(s, &o->op, NULL, NULL);
}

int
store_vacation_drop_w(struct store *s, int64_t account_id)
{
	static const char sql[] =
		"DELETE FROM sieve_vacation WHERE account_id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	return db_step_done(s->wdb, st, "account vacation");
}
