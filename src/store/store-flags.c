/* store-flags.c - store_flags: flags and keywords, with CONDSTORE's
 * UNCHANGEDSINCE */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* flags                                                              */

struct flags_op {
	struct store_op op;
	int64_t account_id, mailbox_id;
	struct store_uid_range *ranges;
	size_t nranges;
	enum store_flag_op fop;
	uint32_t flags;
	char *keywords;
	uint64_t unchangedsince;
	struct store_flags_result *res;
};

static void
flags_free(struct store_op *op)
{
	struct flags_op *o = (struct flags_op *)op;

	free(o->ranges);
	free(o->keywords);
}

static int
change_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct store_change *)a)->uid;
	uint32_t y = ((const struct store_change *)b)->uid;

	return x < y ? -1 : x > y;
}

/* same keyword sets (case-insensitive, any order)? */
static bool
kw_same(const char *a, const char *b)
{
	char *m1 = store_kw_merge(a, b), *m2 = store_kw_merge(b, a);
	bool same = strlen(m1) == strlen(a) && strlen(m2) == strlen(b);

	free(m1);
	free(m2);
	return same;
}

static int
exec_flags(struct store *s, struct store_op *op)
{
	static const char sel[] =
		"SELECT uid, flags, keywords, modseq FROM messages"
		" WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid";
	static const char upd[] =
		"UPDATE messages SET flags = ?, keywords = ?, modseq = ?"
		" WHERE mailbox_id = ? AND uid = ?";
	struct flags_op *o = (struct flags_op *)op;
	struct store_flags_result res;
	struct store_change *cur = NULL;
	size_t ncur = 0, cap = 0, fcap = 0;
	uint64_t modseq = 0;
	int64_t dunseen = 0, ddeleted = 0;
	bool ddraft = false;
	bool noselect;
	int ret;

	memset(&res, 0, sizeof(res));
	if ((ret = store_mbox_check(s->wdb, o->account_id, o->mailbox_id,
				    &noselect)) < 0)
		return ret;
	if (noselect)
		return STORE_ENOSELECT;
	for (size_t i = 0; i < o->nranges; i++) {
		sqlite3_stmt *st = db_prep(s->wdb, sel);
		if (st == NULL) {
			ret = STORE_EIO;
			goto out;
		}
		sqlite3_bind_int64(st, 1, o->mailbox_id);
		sqlite3_bind_int64(st, 2, o->ranges[i].lo);
		sqlite3_bind_int64(st, 3, o->ranges[i].hi);
		while ((ret = db_step_row(s->wdb, st, "store flags")) > 0) {
			if (ncur == cap) {
				cap = cap ? cap * 2 : 64;
				cur = xrealloc(cur, cap * sizeof(*cur));
			}
			cur[ncur].uid = (uint32_t)sqlite3_column_int64(st, 0);
			cur[ncur].flags = (uint32_t)sqlite3_column_int(st, 1);
			cur[ncur].keywords = db_col_str0(st, 2);
			cur[ncur].modseq = (uint64_t)sqlite3_column_int64(st, 3);
			ncur++;
		}
		sqlite3_reset(st);
		if (ret < 0)
			goto out;
	}
	/* ranges may overlap or come unordered: sort by uid, skip repeats */
	if (o->nranges > 1 && ncur > 1)
		qsort(cur, ncur, sizeof(*cur), change_cmp);
	for (size_t i = 0; i < ncur; i++) {
		struct store_change *c = &cur[i];
		uint32_t nf = c->flags;
		char *nk;

		if (i > 0 && cur[i - 1].uid == c->uid)
			continue;
		if (c->modseq > o->unchangedsince) {
			if (res.nfailed == fcap) {
				fcap = fcap ? fcap * 2 : 16;
				res.failed = xrealloc(res.failed,
						      fcap * sizeof(uint32_t));
			}
			res.failed[res.nfailed++] = c->uid;
			continue;
		}
		switch (o->fop) {
		case STORE_FLAGS_SET:
			nf = o->flags;
			nk = store_kw_norm(o->keywords);
			break;
		case STORE_FLAGS_ADD:
			nf |= o->flags;
			nk = store_kw_merge(c->keywords, o->keywords);
			break;
		default:
			nf &= ~o->flags;
			nk = store_kw_remove(c->keywords, o->keywords);
			break;
		}
		/* SET with the same keywords in another order: unchanged */
		if (nf == c->flags && kw_same(c->keywords, nk)) {
			if (res.nsame % 64 == 0)
				res.same = xrealloc(res.same, (res.nsame + 64) *
						    sizeof(*res.same));
			res.same[res.nsame] = *c;
			res.same[res.nsame++].keywords =
				xstrdup(c->keywords ? c->keywords : "");
			free(nk);
			continue;
		}
		if (modseq == 0 &&
		    (ret = store_mbox_next_modseq(s, o->mailbox_id,
						  &modseq)) < 0) {
			free(nk);
			goto out;
		}
		sqlite3_stmt *st = db_prep(s->wdb, upd);
		if (st == NULL) {
			free(nk);
			ret = STORE_EIO;
			goto out;
		}
		sqlite3_bind_int(st, 1, (int)nf);
		sqlite3_bind_text(st, 2, nk, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (int64_t)modseq);
		sqlite3_bind_int64(st, 4, o->mailbox_id);
		sqlite3_bind_int64(st, 5, c->uid);
		if ((ret = db_step_done(s->wdb, st, "flags")) < 0) {
			free(nk);
			goto out;
		}
		dunseen += ((c->flags & STORE_F_SEEN) != 0) -
			   ((nf & STORE_F_SEEN) != 0);
		ddeleted += ((nf & STORE_F_DELETED) != 0) -
			    ((c->flags & STORE_F_DELETED) != 0);
		ddraft |= ((nf ^ c->flags) & STORE_F_DRAFT) != 0;
		if (res.n % 64 == 0)
			res.v = xrealloc(res.v, (res.n + 64) * sizeof(*res.v));
		res.v[res.n].uid = c->uid;
		res.v[res.n].flags = nf;
		res.v[res.n].modseq = modseq;
		res.v[res.n].keywords = nk;
		res.n++;
	}
	if (res.n && o->fop != STORE_FLAGS_REMOVE &&
	    (ret = store_mbox_add_keywords(s, o->mailbox_id, o->keywords)) < 0)
		goto out;
	if ((dunseen || ddeleted) &&
	    (ret = store_msg_mbox_counts(s, o->mailbox_id, 0, dunseen,
					 ddeleted, 0)) < 0)
		goto out;
	/* JMAP's unread counts leave drafts out */
	if (ddraft && (ret = store_mbox_touch_w(s, o->mailbox_id, false)) < 0)
		goto out;
	if (res.n)
		store_op_changed(op, o->mailbox_id);
	{
		static const char hm[] =
			"SELECT highestmodseq FROM mailboxes WHERE id = ?";
		sqlite3_stmt *st = db_prep(s->wdb, hm);
		if (st) {
			sqlite3_bind_int64(st, 1, o->mailbox_id);
			if (sqlite3_step(st) == SQLITE_ROW)
				res.highestmodseq =
					(uint64_t)sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
		}
	}
	ret = 0;
out:
	for (size_t i = 0; i < ncur; i++)
		free(cur[i].keywords);
	free(cur);
	if (ret == 0 && o->res) {
		*o->res = res;
	} else {
		store_flags_result_free(&res);
	}
	return ret;
}

void
store_flags_result_free(struct store_flags_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].keywords);
	free(r->v);
	for (size_t i = 0; i < r->nsame; i++)
		free(r->same[i].keywords);
	free(r->same);
	free(r->failed);
	memset(r, 0, sizeof(*r));
}

int
store_flags(struct store *s, int64_t account_id, int64_t mailbox_id,
	    const struct store_uid_range *ranges, size_t n,
	    enum store_flag_op op, uint32_t flags, const char *keywords,
	    uint64_t unchangedsince, struct store_flags_result *res,
	    store_cb cb, void *arg)
{
	struct flags_op *o;

	if (res)
		memset(res, 0, sizeof(*res));
	if (ranges == NULL || n == 0)
		return STORE_EINVAL;
	o = store_op_new(sizeof(*o), exec_flags, flags_free);
	o->account_id = account_id;
	o->mailbox_id = mailbox_id;
	o->ranges = store_msg_ranges_dup(ranges, n);
	o->nranges = n;
	o->fop = op;
	o->flags = flags & STORE_F_ALL;
	o->keywords = store_kw_norm(keywords);
	o->unchangedsince = unchangedsince;
	o->res = res;
	return store_submit(s, &o->op, cb, arg);
}
