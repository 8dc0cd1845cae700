/* store-copy.c - store_copy, store_move and store_expunge over uid
 * ranges */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* copy / move / expunge                                              */

struct copy_op {
	struct store_op op;
	int64_t account_id, src, dst_account, dst;
	struct store_uid_range *ranges;
	size_t nranges;
	bool move;
	struct store_uidmap *map;
};

static void
copy_free(struct store_op *op)
{
	free(((struct copy_op *)op)->ranges);
}

/* the messages one expunge range selects: ?1 mailbox, ?2..?3 uids,
 * ?4 non-zero for \Deleted ones only */
#define XCOND "mailbox_id = ?1 AND uid BETWEEN ?2 AND ?3" \
	" AND (?4 = 0 OR (flags & 8) != 0)"

static void
xbind(sqlite3_stmt *st, int64_t mailbox_id, const struct store_uid_range *r,
      bool deleted_only)
{
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, r->lo);
	sqlite3_bind_int64(st, 3, r->hi);
	sqlite3_bind_int(st, 4, deleted_only ? 1 : 0);
}

static int expunge_range(struct store *s, int64_t mailbox_id,
			 const struct store_uid_range *r, bool deleted_only,
			 uint64_t *modseq, struct store_uidlist *res,
			 size_t *cap);

static int
range_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct store_uid_range *)a)->lo;
	uint32_t y = ((const struct store_uid_range *)b)->lo;

	return x < y ? -1 : x > y;
}

/* sorted, merged copy of ranges, clamped to uids below limit */
static struct store_uid_range *
ranges_norm(const struct store_uid_range *in, size_t n, uint32_t limit,
	    size_t *n_r)
{
	struct store_uid_range all = { 1, UINT32_MAX };
	struct store_uid_range *v;
	size_t w = 0;

	if (in == NULL) {
		in = &all;
		n = 1;
	}
	v = xmalloc((n ? n : 1) * sizeof(*v));
	memcpy(v, in, n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		if (v[i].lo > v[i].hi) {
			uint32_t t = v[i].lo;
			v[i].lo = v[i].hi;
			v[i].hi = t;
		}
	}
	qsort(v, n, sizeof(*v), range_cmp);
	for (size_t i = 0; i < n; i++) {
		struct store_uid_range r = v[i];
		if (r.hi >= limit)
			r.hi = limit ? limit - 1 : 0;
		if (r.lo == 0)
			r.lo = 1;
		if (r.lo > r.hi)
			continue;
		if (w > 0 && (uint64_t)v[w - 1].hi + 1 >= r.lo) {
			if (r.hi > v[w - 1].hi)
				v[w - 1].hi = r.hi;
			continue;
		}
		v[w++] = r;
	}
	*n_r = w;
	return v;
}

/* COPY/MOVE with set-wide statements per range: the rows are copied
 * with INSERT ... SELECT (uids assigned in source uid order by
 * row_number()), never read into memory; blob refcounts rise by one
 * grouped UPDATE; MOVE then expunges the source range. */
static int
do_copy(struct store *s, struct store_op *op, int64_t account_id,
	int64_t src, int64_t dst_account, int64_t dst, const struct store_uid_range *ranges,
	size_t nranges, bool move, struct store_uidmap *map)
{
	static const char uv[] =
		"SELECT uidvalidity FROM mailboxes WHERE id = ?";
	static const char srcnext[] =
		"SELECT uidnext, keywords FROM mailboxes WHERE id = ?";
	static const char sums[] =
		"SELECT count(*), coalesce(sum((flags & 1) = 0), 0),"
		" coalesce(sum((flags & 8) != 0), 0), coalesce(sum(size), 0)"
		" FROM messages WHERE " XCOND;
	static const char uids[] =
		"SELECT uid FROM messages WHERE " XCOND " ORDER BY uid";
	static const char refs[] =
		"UPDATE blobs SET refcount = refcount + x.n FROM"
		" (SELECT blob_id, count(*) AS n FROM messages WHERE " XCOND
		" GROUP BY blob_id) AS x WHERE blobs.id = x.blob_id";
	static const char ins[] =
		"INSERT INTO messages(mailbox_id, uid, blob_id, prefix, size,"
		" flags, keywords, modseq, internaldate, internaldate_tz,"
		" savedate, crlf_size, emailid, threadid, created_modseq)"
		" SELECT ?5, ?6 - 1 + row_number() OVER"
		" (ORDER BY uid), blob_id, prefix, size, flags, keywords, ?7,"
		" internaldate, internaldate_tz, ?8, crlf_size, emailid,"
		" threadid, ?7 FROM messages"
		" WHERE " XCOND
		" ORDER BY uid";
	struct store_uid_range *rv = NULL;
	struct store_uidlist gone = { 0, NULL };
	size_t nr = 0, gcap = 0, mcap = 0;
	int64_t n = 0, unseen = 0, deleted = 0, bytes = 0;
	uint64_t dmodseq = 0, smodseq = 0;
	uint32_t first = 0, next, limit = 0;
	char *src_kw = NULL;
	bool noselect;
	sqlite3_stmt *st;
	int ret;

	if (map)
		memset(map, 0, sizeof(*map));
	if ((ret = store_mbox_check(s->wdb, account_id, src, &noselect)) < 0)
		return ret;
	if (noselect)
		return STORE_ENOSELECT;
	if ((ret = store_mbox_check(s->wdb, dst_account, dst, &noselect)) < 0)
		return ret;
	if (noselect)
		return STORE_ENOSELECT;
	if ((st = db_prep(s->wdb, srcnext)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, src);
	if (sqlite3_step(st) == SQLITE_ROW) {
		limit = (uint32_t)sqlite3_column_int64(st, 0);
		src_kw = db_col_str0(st, 1);
	}
	sqlite3_reset(st);
	/* existing uids are below the source's uidnext: new copies (in
	 * the same mailbox too) are never part of the ranges */
	rv = ranges_norm(ranges, nranges, limit, &nr);
	for (size_t i = 0; i < nr; i++) {
		if ((st = db_prep(s->wdb, sums)) == NULL) {
			ret = STORE_EIO;
			goto out;
		}
		xbind(st, src, &rv[i], false);
		if (sqlite3_step(st) == SQLITE_ROW) {
			n += sqlite3_column_int64(st, 0);
			unseen += sqlite3_column_int64(st, 1);
			deleted += sqlite3_column_int64(st, 2);
			bytes += sqlite3_column_int64(st, 3);
		}
		sqlite3_reset(st);
	}
	ret = 0;
	if (n == 0)
		goto uidvalidity;
	/* a move within one account frees what it takes */
	if ((!move || dst_account != account_id) &&
	    (ret = store_msg_quota_ok(s, dst_account, (uint64_t)bytes,
				      (uint64_t)n)) < 0)
		goto out;
	if ((ret = store_msg_alloc_uids(s, dst, (uint32_t)n, &first)) < 0 ||
	    (ret = store_mbox_next_modseq(s, dst, &dmodseq)) < 0)
		goto out;
	next = first;
	for (size_t i = 0; i < nr; i++) {
		size_t before = map ? map->n : 0;
		int64_t now = store_now();

		if (map) {
			if ((st = db_prep(s->wdb, uids)) == NULL) {
				ret = STORE_EIO;
				goto out;
			}
			xbind(st, src, &rv[i], false);
			while ((ret = db_step_row(s->wdb, st,
						  "copy uids")) > 0) {
				if (map->n == mcap) {
					mcap = mcap ? mcap * 2 : 64;
					map->src = xrealloc(map->src, mcap *
							    sizeof(uint32_t));
					map->dst = xrealloc(map->dst, mcap *
							    sizeof(uint32_t));
				}
				map->src[map->n] =
					(uint32_t)sqlite3_column_int64(st, 0);
				map->dst[map->n] = next + (uint32_t)(map->n -
								     before);
				map->n++;
			}
			sqlite3_reset(st);
			if (ret < 0)
				goto out;
		}
		if ((st = db_prep(s->wdb, refs)) == NULL) {
			ret = STORE_EIO;
			goto out;
		}
		xbind(st, src, &rv[i], false);
		if ((ret = db_step_done(s->wdb, st, "copy refs")) < 0)
			goto out;
		if ((st = db_prep(s->wdb, ins)) == NULL) {
			ret = STORE_EIO;
			goto out;
		}
		xbind(st, src, &rv[i], false);
		sqlite3_bind_int64(st, 5, dst);
		sqlite3_bind_int64(st, 6, next);
		sqlite3_bind_int64(st, 7, (int64_t)dmodseq);
		sqlite3_bind_int64(st, 8, now);
		if ((ret = db_step_done(s->wdb, st, "copy insert")) < 0)
			goto out;
		next += (uint32_t)sqlite3_changes(s->wdb->h);
		if (move && (ret = expunge_range(s, src, &rv[i], false,
						 &smodseq, &gone,
						 &gcap)) < 0)
			goto out;
	}
	if (next != first + (uint32_t)n) {
		ret = db_fail(s->wdb, "copy count");
		goto out;
	}
	if ((ret = store_msg_mbox_counts(s, dst, n, unseen, deleted,
					 bytes)) < 0 ||
	    (ret = store_msg_account_usage(s, dst_account, bytes, n)) < 0 ||
	    (ret = store_mbox_add_keywords(s, dst, src_kw)) < 0)
		goto out;
	store_op_changed(op, dst);
	if (move)
		store_op_changed(op, src);
uidvalidity:
	if (map && (st = db_prep(s->wdb, uv)) != NULL) {
		sqlite3_bind_int64(st, 1, dst);
		if (sqlite3_step(st) == SQLITE_ROW)
			map->dst_uidvalidity =
				(uint32_t)sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
out:
	free(rv);
	free(src_kw);
	store_uidlist_free(&gone);
	if (ret < 0 && map)
		store_uidmap_free(map);
	return ret;
}

static int
exec_copy(struct store *s, struct store_op *op)
{
	struct copy_op *o = (struct copy_op *)op;

	return do_copy(s, op, o->account_id, o->src, o->dst_account, o->dst,
		       o->ranges,
		       o->nranges, o->move, o->map);
}

int
store_msg_move_all(struct store *s, struct store_op *op, int64_t account_id,
		   int64_t src, int64_t dst)
{
	return do_copy(s, op, account_id, src, account_id, dst, NULL, 0, true,
		       NULL);
}

void
store_uidmap_free(struct store_uidmap *m)
{
	free(m->src);
	free(m->dst);
	memset(m, 0, sizeof(*m));
}

static int
submit_copy(struct store *s, int64_t account_id, int64_t src,
	    const struct store_uid_range *ranges, size_t n, int64_t dst_account,
	    int64_t dst, struct store_uidmap *map, bool move, store_cb cb,
	    void *arg)
{
	struct copy_op *o;

	if (map)
		memset(map, 0, sizeof(*map));
	if (ranges == NULL || n == 0)
		return STORE_EINVAL;
	o = store_op_new(sizeof(*o), exec_copy, copy_free);
	o->account_id = account_id;
	o->src = src;
	o->dst_account = dst_account;
	o->dst = dst;
	o->ranges = store_msg_ranges_dup(ranges, n);
	o->nranges = n;
	o->move = move;
	o->map = map;
	return store_submit(s, &o->op, cb, arg);
}

int
store_copy(struct store *s, int64_t account_id, int64_t src_mailbox,
	   const struct store_uid_range *ranges, size_t n, int64_t dst_mailbox,
	   struct store_uidmap *map, store_cb cb, void *arg)
{
	return submit_copy(s, account_id, src_mailbox, ranges, n, account_id,
			   dst_mailbox, map, false, cb, arg);
}

int
store_move(struct store *s, int64_t account_id, int64_t src_mailbox,
	   const struct store_uid_range *ranges, size_t n, int64_t dst_mailbox,
	   struct store_uidmap *map, store_cb cb, void *arg)
{
	return submit_copy(s, account_id, src_mailbox, ranges, n, account_id,
			   dst_mailbox, map, true, cb, arg);
}

int
store_copy_between(struct store *s, int64_t src_account, int64_t src_mailbox,
		   const struct store_uid_range *ranges, size_t n,
		   int64_t dst_account, int64_t dst_mailbox, bool move,
		   struct store_uidmap *map, store_cb cb, void *arg)
{
	return submit_copy(s, src_account, src_mailbox, ranges, n,
			   dst_account, dst_mailbox, map, move, cb, arg);
}

struct expunge_op {
	struct store_op op;
	int64_t account_id, mailbox_id;
	struct store_uid_range *ranges;
	size_t nranges;
	bool deleted_only;
	struct store_uidlist *out;
};

static void
expunge_free(struct store_op *op)
{
	free(((struct expunge_op *)op)->ranges);
}

/* expunge the messages of one range with a few set-wide statements
 * (an EXPUNGE of 100,000 \Deleted messages must not take one round of
 * statements per message); their uids are appended to res */
static int
expunge_range(struct store *s, int64_t mailbox_id,
	      const struct store_uid_range *r, bool deleted_only,
	      uint64_t *modseq, struct store_uidlist *res, size_t *cap)
{
	static const char sel[] =
		"SELECT uid FROM messages WHERE " XCOND " ORDER BY uid";
	static const char sums[] =
		"SELECT count(*), coalesce(sum((flags & 1) = 0), 0),"
		" coalesce(sum((flags & 8) != 0), 0), coalesce(sum(size), 0)"
		" FROM messages WHERE " XCOND;
	static const char refs[] =
		"UPDATE blobs SET refcount = refcount - x.n FROM"
		" (SELECT blob_id, count(*) AS n FROM messages WHERE " XCOND
		" GROUP BY blob_id) AS x WHERE blobs.id = x.blob_id";
	static const char freed[] =
		"DELETE FROM blobs WHERE refcount <= 0 AND id IN"
		" (SELECT blob_id FROM messages WHERE " XCOND ")"
		" RETURNING id, data IS NULL";
	static const char tomb[] =
		"INSERT OR REPLACE INTO expunged(mailbox_id, uid, modseq)"
		" SELECT mailbox_id, uid, ?5 FROM messages WHERE " XCOND;
	static const char del[] = "DELETE FROM messages WHERE " XCOND;
	size_t before = res->n;
	sqlite3_stmt *st;
	int64_t n, unseen, deleted, size, account_id;
	int ret, rc;

	if ((st = db_prep(s->wdb, sel)) == NULL)
		return STORE_EIO;
	xbind(st, mailbox_id, r, deleted_only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (res->n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			res->v = xrealloc(res->v, *cap * sizeof(uint32_t));
		}
		res->v[res->n++] = (uint32_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(s->wdb, "expunge select");
	if (res->n == before)
		return 0;
	if (*modseq == 0 &&
	    (ret = store_mbox_next_modseq(s, mailbox_id, modseq)) < 0)
		return ret;
	/* counters: one aggregate pass */
	if ((st = db_prep(s->wdb, sums)) == NULL)
		return STORE_EIO;
	xbind(st, mailbox_id, r, deleted_only);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return db_fail(s->wdb, "expunge sums");
	}
	n = sqlite3_column_int64(st, 0);
	unseen = sqlite3_column_int64(st, 1);
	deleted = sqlite3_column_int64(st, 2);
	size = sqlite3_column_int64(st, 3);
	sqlite3_reset(st);
	if ((ret = store_msg_mbox_counts(s, mailbox_id, -n, -unseen, -deleted,
			       -size)) < 0)
		return ret;
	if ((account_id = store_msg_mbox_account(s->wdb, mailbox_id)) < 0)
		return STORE_EIO;
	if (account_id > 0 &&
	    (ret = store_msg_account_usage(s, account_id, -size, -n)) < 0)
		return ret;
	/* blob references: one grouped pass */
	if ((st = db_prep(s->wdb, refs)) == NULL)
		return STORE_EIO;
	xbind(st, mailbox_id, r, deleted_only);
	if ((ret = db_step_done(s->wdb, st, "expunge refs")) < 0)
		return ret;
	if ((st = db_prep(s->wdb, freed)) == NULL)
		return STORE_EIO;
	xbind(st, mailbox_id, r, deleted_only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_int(st, 1))
			store_blob_freed(s, sqlite3_column_int64(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_fail(s->wdb, "expunge blobs");
	if ((st = db_prep(s->wdb, tomb)) == NULL)
		return STORE_EIO;
	xbind(st, mailbox_id, r, deleted_only);
	sqlite3_bind_int64(st, 5, (int64_t)*modseq);
	if ((ret = db_step_done(s->wdb, st, "expunge tombstones")) < 0)
		return ret;
	if ((st = db_prep(s->wdb, del)) == NULL)
		return STORE_EIO;
	xbind(st, mailbox_id, r, deleted_only);
	return db_step_done(s->wdb, st, "expunge delete");
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
exec_expunge(struct store *s, struct store_op *op)
{
	struct expunge_op *o = (struct expunge_op *)op;
	struct store_uid_range all = { 1, UINT32_MAX };
	const struct store_uid_range *ranges = o->ranges ? o->ranges : &all;
	size_t nranges = o->ranges ? o->nranges : 1;
	struct store_uidlist res = { 0, NULL };
	size_t cap = 0;
	uint64_t modseq = 0;
	bool noselect;
	int ret = 0;

	if ((ret = store_mbox_check(s->wdb, o->account_id, o->mailbox_id,
				    &noselect)) < 0)
		return ret;
	if (noselect)
		return STORE_ENOSELECT;
	for (size_t i = 0; i < nranges && ret == 0; i++)
		ret = expunge_range(s, o->mailbox_id, &ranges[i],
				    o->deleted_only, &modseq, &res, &cap);
	if (ret == 0 && res.n > 1 && nranges > 1)
		qsort(res.v, res.n, sizeof(uint32_t), uid_cmp);
	if (ret == 0 && res.n)
		store_op_changed(op, o->mailbox_id);
	if (ret == 0 && o->out)
		*o->out = res;
	else
		store_uidlist_free(&res);
	return ret;
}

void
store_uidlist_free(struct store_uidlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
store_expunge(struct store *s, int64_t account_id, int64_t mailbox_id,
	      const struct store_uid_range *ranges, size_t n,
	      bool deleted_only, struct store_uidlist *expunged,
	      store_cb cb, void *arg)
{
	struct expunge_op *o;

	if (expunged)
		memset(expunged, 0, sizeof(*expunged));
	o = store_op_new(sizeof(*o), exec_expunge, expunge_free);
	o->account_id = account_id;
	o->mailbox_id = mailbox_id;
	o->ranges = store_msg_ranges_dup(ranges, n);
	o->nranges = ranges ? n : 0;
	o->deleted_only = deleted_only;
	o->out = expunged;
	return store_submit(s, &o->op, cb, arg);
}
