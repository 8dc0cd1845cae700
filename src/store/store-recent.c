/* store-recent.c - \Recent (RFC 3501 2.3.2): which session is the first
 * to be told of a message.
 *
 * A mailbox's first_recent_uid splits its uids: below it every message
 * has been claimed by some session, from it on none has. A claim moves
 * it up and hands the caller the range it passed over. Claims are
 * decided here, in memory under one mutex, so that the IMAP session
 * knows its answer at once (its view sync is synchronous: the EXISTS
 * and RECENT of an update go out together). The new marks ride along
 * with the writer's next batch, whatever it commits (no commit of their
 * own under load: a claim follows each delivery, and a commit each would
 * double the fsyncs of a stream of deliveries); with nothing else to
 * commit, the writer saves them alone within a poll interval
 * (STORE_EXT_POLL_S), and at close. A mailbox's entry, once made, stays
 * for the life of the store (24 bytes per mailbox ever claimed): the
 * database may lag behind it, never the other way round, and mailbox
 * ids are never reused (AUTOINCREMENT) nor uids lowered. */
#include "store/store-private.h"

#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

struct store_recent_ent {
	int64_t mailbox_id;
	int64_t account_id;
	uint32_t first;
	bool dirty;		/* in recent_dirty: first is not saved */
};

/* index of mailbox_id in the sorted table, or where it would go */
static size_t
recent_find(const struct store *s, int64_t mailbox_id)
{
	size_t lo = 0, hi = s->n_recent;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->recent[mid].mailbox_id < mailbox_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* the persisted first_recent_uid (a reader connection) */
static int
recent_read(struct store *s, int64_t account_id, int64_t mailbox_id,
	    uint32_t *first_r)
{
	static const char sql[] =
		"SELECT first_recent_uid FROM mailboxes"
		" WHERE id = ? AND account_id = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int ret = STORE_ENOTFOUND;

	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, account_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*first_r = (uint32_t)sqlite3_column_int64(st, 0);
		ret = 0;
	}
	sqlite3_reset(st);
	return ret;
}

/* first_recent of the mailbox, from memory or the database (lock
 * held); *at_r: its entry's index, or n_recent when it has none */
static int
recent_first(struct store *s, int64_t account_id, int64_t mailbox_id,
	     uint32_t *first_r, size_t *at_r)
{
	size_t i = recent_find(s, mailbox_id);

	if (i < s->n_recent && s->recent[i].mailbox_id == mailbox_id) {
		if (s->recent[i].account_id != account_id)
			return STORE_ENOTFOUND;
		*first_r = s->recent[i].first;
		*at_r = i;
		return 0;
	}
	*at_r = s->n_recent;
	return recent_read(s, account_id, mailbox_id, first_r);
}

/* writer thread, inside the batch: write the marks claimed since the
 * last batch (kept in recent_saving until the commit tells) */
int
store_recent_save(struct store *s)
{
	/* max(): a mark never goes back */
	static const char sql[] =
		"UPDATE mailboxes SET first_recent_uid ="
		" max(first_recent_uid, ?) WHERE id = ?";
	size_t i;
	int ret = 0;

	pthread_mutex_lock(&s->recent_lock);
	free(s->recent_saving);
	s->recent_saving = s->recent_dirty;
	s->n_saving = s->n_dirty;
	s->recent_dirty = NULL;
	s->n_dirty = s->cap_dirty = 0;
	for (i = 0; i < s->n_saving; i++) {
		size_t at = recent_find(s, s->recent_saving[i].mailbox_id);

		s->recent[at].dirty = false;
		s->recent_saving[i].first = s->recent[at].first;
	}
	pthread_mutex_unlock(&s->recent_lock);
	for (i = 0; i < s->n_saving && ret == 0; i++) {
		sqlite3_stmt *st = db_prep(s->wdb, sql);

		if (st == NULL)
			return STORE_EIO;
		sqlite3_bind_int64(st, 1, s->recent_saving[i].first);
		sqlite3_bind_int64(st, 2, s->recent_saving[i].mailbox_id);
		ret = db_step_done(s->wdb, st, "first_recent_uid");
	}
	return ret;
}

/* lock held: the mailbox's entry at `at` has a mark to write */
static void
recent_dirty(struct store *s, size_t at)
{
	if (s->recent[at].dirty)
		return;
	s->recent[at].dirty = true;
	if (s->n_dirty == s->cap_dirty) {
		s->cap_dirty = s->cap_dirty ? s->cap_dirty * 2 : 16;
		s->recent_dirty = xrealloc(s->recent_dirty, s->cap_dirty *
					   sizeof(*s->recent_dirty));
	}
	s->recent_dirty[s->n_dirty++] = s->recent[at];
}

void
store_recent_saved(struct store *s, bool ok)
{
	size_t i;

	pthread_mutex_lock(&s->recent_lock);
	for (i = 0; i < s->n_saving && !ok; i++) {
		if (i == 0)
			log_error(0, "store: \\Recent marks not saved: "
				  "trying again with the next commit");
		recent_dirty(s, recent_find(s,
					    s->recent_saving[i].mailbox_id));
	}
	free(s->recent_saving);
	s->recent_saving = NULL;
	s->n_saving = 0;
	pthread_mutex_unlock(&s->recent_lock);
}

bool
store_recent_pending(struct store *s)
{
	bool any;

	pthread_mutex_lock(&s->recent_lock);
	any = s->n_dirty > 0;
	pthread_mutex_unlock(&s->recent_lock);
	return any;
}

int
store_recent_claim(struct store *s, int64_t account_id, int64_t mailbox_id,
		   uint32_t upto, bool claim, uint32_t *lo_r, uint32_t *hi_r)
{
	uint32_t first = 0;
	size_t at;
	int ret;

	*lo_r = *hi_r = 0;
	pthread_mutex_lock(&s->recent_lock);
	ret = recent_first(s, account_id, mailbox_id, &first, &at);
	if (ret < 0) {
		pthread_mutex_unlock(&s->recent_lock);
		return ret;
	}
	*lo_r = first;
	*hi_r = upto > first ? upto : first;
	if (!claim || upto <= first) {
		pthread_mutex_unlock(&s->recent_lock);
		return 0;
	}
	if (at == s->n_recent) {
		at = recent_find(s, mailbox_id);
		if (s->n_recent == s->cap_recent) {
			s->cap_recent = s->cap_recent ? s->cap_recent * 2 : 16;
			s->recent = xrealloc(s->recent, s->cap_recent *
					     sizeof(*s->recent));
		}
		memmove(&s->recent[at + 1], &s->recent[at],
			(s->n_recent - at) * sizeof(*s->recent));
		s->n_recent++;
		s->recent[at].mailbox_id = mailbox_id;
		s->recent[at].account_id = account_id;
		s->recent[at].dirty = false;
	}
	s->recent[at].first = upto;
	recent_dirty(s, at);
	pthread_mutex_unlock(&s->recent_lock);
	return 0;
}

int
store_recent_count(struct store *s, int64_t account_id, int64_t mailbox_id,
		   uint32_t *count_r)
{
	static const char sql[] =
		"SELECT count(*) FROM messages WHERE mailbox_id = ? AND uid >= ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	uint32_t first = 0;
	size_t at;
	int ret;

	*count_r = 0;
	pthread_mutex_lock(&s->recent_lock);
	ret = recent_first(s, account_id, mailbox_id, &first, &at);
	pthread_mutex_unlock(&s->recent_lock);
	if (ret < 0)
		return ret;
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, first);
	if (sqlite3_step(st) == SQLITE_ROW)
		*count_r = (uint32_t)sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, "recent count");
	sqlite3_reset(st);
	return ret;
}
