/* store-queue.c - the outbound queue: messages waiting for remote
 * delivery, one row per recipient with its state and retry schedule. */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

/* the size counts the prefix (front-of-message fields: DKIM-Signature) */
#define QMSG_COLS "q.id, q.sender, q.envid, q.ret, q.created," \
	" b.size + ifnull(length(q.prefix), 0)"
#define QRCPT_COLS "id, msg_id, address, orcpt, notify, state, attempts," \
	" next_attempt, updated, last_error"

static void
qmsg_row(sqlite3_stmt *st, struct store_qmsg *m)
{
	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(st, 0);
	m->sender = db_col_str0(st, 1);
	m->envid = db_col_str(st, 2);
	m->ret = (enum store_ret)sqlite3_column_int(st, 3);
	m->created = sqlite3_column_int64(st, 4);
	m->size = (uint64_t)sqlite3_column_int64(st, 5);
}

static void
qrcpt_row(sqlite3_stmt *st, struct store_qrcpt *r)
{
	r->id = sqlite3_column_int64(st, 0);
	r->msg_id = sqlite3_column_int64(st, 1);
	r->address = db_col_str0(st, 2);
	r->orcpt = db_col_str(st, 3);
	r->notify = (unsigned)sqlite3_column_int(st, 4);
	r->state = (enum store_qstate)sqlite3_column_int(st, 5);
	r->attempts = (uint32_t)sqlite3_column_int64(st, 6);
	r->next_attempt = sqlite3_column_int64(st, 7);
	r->updated = sqlite3_column_int64(st, 8);
	r->last_error = db_col_str(st, 9);
}

/* load recipients of m: all (due = -1) or PENDING with next_attempt <= due */
static int
load_rcpts(struct db *db, struct store_qmsg *m, int64_t due)
{
	static const char all[] =
		"SELECT " QRCPT_COLS " FROM queue_rcpts WHERE msg_id = ?"
		" ORDER BY id";
	static const char pend[] =
		"SELECT " QRCPT_COLS " FROM queue_rcpts WHERE msg_id = ?"
		" AND state = 0 AND next_attempt <= ? ORDER BY id";
	sqlite3_stmt *st = db_prep(db, due < 0 ? all : pend);
	size_t cap = 0;
	int r;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, m->id);
	if (due >= 0)
		sqlite3_bind_int64(st, 2, due);
	while ((r = db_step_row(db, st, "queue rcpts")) > 0) {
		if (m->n == cap) {
			cap = cap ? cap * 2 : 4;
			m->rcpts = xrealloc(m->rcpts, cap * sizeof(*m->rcpts));
		}
		qrcpt_row(st, &m->rcpts[m->n++]);
	}
	sqlite3_reset(st);
	return r;
}

void
store_qmsg_clear(struct store_qmsg *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->rcpts[i].address);
		free(m->rcpts[i].orcpt);
		free(m->rcpts[i].last_error);
	}
	free(m->rcpts);
	free(m->sender);
	free(m->envid);
	memset(m, 0, sizeof(*m));
}

void
store_qlist_free(struct store_qlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		store_qmsg_clear(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
qlist_load(struct store *s, const char *sql, int64_t now, size_t max,
	   struct store_qlist *out)
{
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	size_t cap = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	if ((st = db_prep(db, sql)) == NULL) {
		db_end_read(db);
		return STORE_EIO;
	}
	if (now >= 0) {
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, (int64_t)max);
	}
	while ((ret = db_step_row(db, st, "queue list")) > 0) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->v = xrealloc(out->v, cap * sizeof(*out->v));
		}
		qmsg_row(st, &out->v[out->n++]);
	}
	sqlite3_reset(st);
	for (size_t i = 0; i < out->n && ret == 0; i++)
		ret = load_rcpts(db, &out->v[i], now);
	db_end_read(db);
	if (ret < 0)
		store_qlist_free(out);
	return ret;
}

int
store_queue_due(struct store *s, int64_t now, size_t max,
		struct store_qlist *out)
{
	static const char sql[] =
		"SELECT " QMSG_COLS " FROM queue q JOIN blobs b"
		" ON b.id = q.blob_id WHERE q.id IN (SELECT DISTINCT msg_id"
		" FROM queue_rcpts WHERE state = 0 AND next_attempt <= ?)"
		" ORDER BY q.id LIMIT ?";

	if (now < 0)
		now = 0;
	return qlist_load(s, sql, now, max, out);
}

int
store_queue_list(struct store *s, struct store_qlist *out)
{
	static const char sql[] =
		"SELECT " QMSG_COLS " FROM queue q JOIN blobs b"
		" ON b.id = q.blob_id ORDER BY q.id";

	return qlist_load(s, sql, -1, 0, out);
}

int
store_queue_get(struct store *s, int64_t msg_id, struct store_qmsg *out)
{
	static const char sql[] =
		"SELECT " QMSG_COLS " FROM queue q JOIN blobs b"
		" ON b.id = q.blob_id WHERE q.id = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int ret = STORE_ENOTFOUND;

	memset(out, 0, sizeof(*out));
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	if ((st = db_prep(db, sql)) == NULL) {
		db_end_read(db);
		return STORE_EIO;
	}
	sqlite3_bind_int64(st, 1, msg_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		qmsg_row(st, out);
		ret = 0;
	}
	sqlite3_reset(st);
	if (ret == 0)
		ret = load_rcpts(db, out, -1);
	db_end_read(db);
	if (ret < 0)
		store_qmsg_clear(out);
	return ret;
}

int
store_queue_next_time(struct store *s, int64_t *t_r)
{
	static const char sql[] =
		"SELECT min(next_attempt) FROM queue_rcpts WHERE state = 0";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int ret = STORE_ENOTFOUND;

	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*t_r = sqlite3_column_int64(st, 0);
		ret = 0;
	}
	sqlite3_reset(st);
	return ret;
}

int
store_queue_open(struct store *s, int64_t msg_id, struct store_reader **r_r)
{
	static const char sql[] =
		"SELECT blob_id, prefix FROM queue WHERE id = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	int64_t blob_id = 0;
	void *prefix = NULL;
	size_t prefix_len = 0;
	int ret;

	*r_r = NULL;
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, msg_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		blob_id = sqlite3_column_int64(st, 0);
		prefix_len = (size_t)sqlite3_column_bytes(st, 1);
		if (prefix_len) {
			prefix = xmalloc(prefix_len);
			memcpy(prefix, sqlite3_column_blob(st, 1), prefix_len);
		}
	}
	sqlite3_reset(st);
	if (blob_id == 0) {
		free(prefix);
		return STORE_ENOTFOUND;
	}
	ret = store_reader_new(s, db, blob_id, prefix, prefix_len, r_r);
	free(prefix);
	return ret;
}

/* ------------------------------------------------------------------ */
/* writes                                                             */

/* remove a queue message, its recipients and its blob reference */
static int
queue_drop(struct store *s, int64_t msg_id)
{
	static const char del[] =
		"DELETE FROM queue WHERE id = ? RETURNING blob_id";
	static const char delr[] = "DELETE FROM queue_rcpts WHERE msg_id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, del);
	int64_t blob_id = 0;
	int rc, ret;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, msg_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		blob_id = sqlite3_column_int64(st, 0);
		while ((ret = db_step_row(s->wdb, st, "queue drop")) > 0)
			;
		if (ret < 0) {
			sqlite3_reset(st);
			return ret;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? STORE_ENOTFOUND :
			db_fail(s->wdb, "queue drop");
	if ((st = db_prep(s->wdb, delr)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, msg_id);
	if ((ret = db_step_done(s->wdb, st, "queue rcpts drop")) < 0)
		return ret;
	return store_blob_ref(s, blob_id, -1);
}

struct qupdate_op {
	struct store_op op;
	struct store_qupdate *u;
	char **errors;
	size_t n;
	int64_t msg_id;
};

static void
qupdate_free(struct store_op *op)
{
	struct qupdate_op *o = (struct qupdate_op *)op;

	for (size_t i = 0; i < o->n; i++)
		free(o->errors[i]);
	free(o->errors);
	free(o->u);
}

static int
exec_qupdate(struct store *s, struct store_op *op)
{
	static const char upd[] =
		"UPDATE queue_rcpts SET state = ?, next_attempt = ?,"
		" last_error = coalesce(?, last_error), attempts = attempts + 1,"
		" updated = ? WHERE id = ? RETURNING msg_id";
	static const char left[] =
		"SELECT 1 FROM queue_rcpts WHERE msg_id = ? AND state = 0"
		" LIMIT 1";
	struct qupdate_op *o = (struct qupdate_op *)op;
	int64_t *msgs = xmalloc((o->n ? o->n : 1) * sizeof(int64_t));
	size_t nmsgs = 0;
	int ret = 0;

	for (size_t i = 0; i < o->n && ret == 0; i++) {
		sqlite3_stmt *st = db_prep(s->wdb, upd);
		int rc;
		if (st == NULL) {
			ret = STORE_EIO;
			break;
		}
		sqlite3_bind_int(st, 1, (int)o->u[i].state);
		sqlite3_bind_int64(st, 2, o->u[i].next_attempt);
		if (o->errors[i])
			sqlite3_bind_text(st, 3, o->errors[i], -1,
					  SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		sqlite3_bind_int64(st, 4, store_now());
		sqlite3_bind_int64(st, 5, o->u[i].rcpt_id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			int64_t mid = sqlite3_column_int64(st, 0);
			bool seen = false;
			while ((ret = db_step_row(s->wdb, st,
						  "queue update")) > 0)
				;
			for (size_t j = 0; j < nmsgs && !seen; j++)
				seen = msgs[j] == mid;
			if (!seen)
				msgs[nmsgs++] = mid;
		} else if (rc != SQLITE_DONE) {
			ret = db_fail(s->wdb, "queue update");
		}
		sqlite3_reset(st);
	}
	for (size_t j = 0; j < nmsgs && ret == 0; j++) {
		sqlite3_stmt *st = db_prep(s->wdb, left);
		bool pending;
		if (st == NULL) {
			ret = STORE_EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, msgs[j]);
		pending = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		if (!pending)
			ret = queue_drop(s, msgs[j]);
	}
	free(msgs);
	if (ret == 0)
		op->queue_changed = true;
	return ret;
}

int
store_queue_update(struct store *s, const struct store_qupdate *u, size_t n,
		   store_cb cb, void *arg)
{
	struct qupdate_op *o = store_op_new(sizeof(*o), exec_qupdate,
					    qupdate_free);

	o->n = n;
	o->u = xmalloc((n ? n : 1) * sizeof(*o->u));
	o->errors = xcalloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		o->u[i] = u[i];
		o->u[i].error = NULL;
		o->errors[i] = u[i].error ? xstrdup(u[i].error) : NULL;
	}
	return store_submit(s, &o->op, cb, arg);
}

static int
exec_qremove(struct store *s, struct store_op *op)
{
	struct qupdate_op *o = (struct qupdate_op *)op;

	return queue_drop(s, o->msg_id);
}

int
store_queue_remove(struct store *s, int64_t msg_id, store_cb cb, void *arg)
{
	struct qupdate_op *o = store_op_new(sizeof(*o), exec_qremove,
					    qupdate_free);

	o->msg_id = msg_id;
	return store_submit(s, &o->op, cb, arg);
}

int
store_queue_stats(struct store *s, struct store_qstats *out)
{
	/* ids grow with time: the first row is the oldest, no scan */
	static const char sql[] =
		"SELECT (SELECT count(*) FROM queue),"
		" (SELECT created FROM queue ORDER BY id LIMIT 1)";
	static const char sql_rcpts[] =
		"SELECT count(*) FROM queue_rcpts WHERE state = 0";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;

	memset(out, 0, sizeof(*out));
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->messages = (uint64_t)sqlite3_column_int64(st, 0);
		out->oldest = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if ((st = db_prep(db, sql_rcpts)) == NULL)
		return STORE_EIO;
	if (sqlite3_step(st) == SQLITE_ROW)
		out->pending_rcpts = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}
