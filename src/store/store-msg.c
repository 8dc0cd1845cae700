/* store-msg.c - messages: deliver, append, flags, copy/move, expunge,
 * metadata reads, iterator, readers. */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* writer helpers                                                     */

static int64_t
mbox_account(struct db *db, int64_t mailbox_id)
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
static int
quota_ok(struct store *s, int64_t account_id, uint64_t bytes, uint64_t msgs)
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

static int
account_usage(struct store *s, int64_t account_id, int64_t dbytes,
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

static int
mbox_counts(struct store *s, int64_t mailbox_id, int64_t dmsgs,
	    int64_t dunseen, int64_t ddeleted, int64_t dsize)
{
	static const char sql[] =
		"UPDATE mailboxes SET messages = messages + ?,"
		" unseen = unseen + ?, deleted = deleted + ?, size = size + ?"
		" WHERE id = ?";
	sqlite3_stmt *st = db_prep(s->wdb, sql);

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, dmsgs);
	sqlite3_bind_int64(st, 2, dunseen);
	sqlite3_bind_int64(st, 3, ddeleted);
	sqlite3_bind_int64(st, 4, dsize);
	sqlite3_bind_int64(st, 5, mailbox_id);
	return db_step_done(s->wdb, st, "mailbox counts");
}

/* reserve n uids; *first_r is the first */
static int
alloc_uids(struct store *s, int64_t mailbox_id, uint32_t n, uint32_t *first_r)
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

struct msg_row {
	uint32_t uid;
	int64_t blob_id;
	void *prefix;
	size_t prefix_len;
	uint64_t size;
	uint32_t flags;
	char *keywords;
	int64_t idate;
	int32_t tz;
	uint64_t crlf_size;	/* store_crlf_size() */
};

static int
msg_insert(struct store *s, int64_t account_id, int64_t mailbox_id,
	   const struct msg_row *r, uint64_t modseq)
{
	static const char sql[] =
		"INSERT INTO messages(mailbox_id, uid, blob_id, prefix, size,"
		" flags, keywords, modseq, internaldate, internaldate_tz,"
		" savedate, crlf_size) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = db_prep(s->wdb, sql);
	int ret;

	if (st == NULL)
		return STORE_EIO;
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
	if ((ret = db_step_done(s->wdb, st, "message insert")) < 0)
		return ret;
	if ((ret = store_blob_ref(s, r->blob_id, 1)) < 0)
		return ret;
	if ((ret = mbox_counts(s, mailbox_id, 1,
			       (r->flags & STORE_F_SEEN) ? 0 : 1,
			       (r->flags & STORE_F_DELETED) ? 1 : 0,
			       (int64_t)r->size)) < 0)
		return ret;
	if ((ret = account_usage(s, account_id, (int64_t)r->size, 1)) < 0)
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
	if ((ret = mbox_counts(s, mailbox_id, -1,
			       (flags & STORE_F_SEEN) ? 0 : -1,
			       (flags & STORE_F_DELETED) ? -1 : 0, -size)) < 0)
		return ret;
	if ((account_id = mbox_account(s->wdb, mailbox_id)) < 0)
		return STORE_EIO;
	if (account_id > 0 &&
	    (ret = account_usage(s, account_id, -size, -1)) < 0)
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

static struct store_uid_range *
ranges_dup(const struct store_uid_range *r, size_t n)
{
	struct store_uid_range *v;

	if (r == NULL || n == 0)
		return NULL;
	v = xmalloc(n * sizeof(*v));
	memcpy(v, r, n * sizeof(*v));
	return v;
}

/* ------------------------------------------------------------------ */
/* deliver                                                            */

struct deliver_op {
	struct store_op op;
	char *sender, *envid;
	enum store_ret ret;
	struct store_rcpt *out;		/* caller's array */
	size_t n;
	/* copies of the inputs */
	char **mailbox, **address, **orcpt, **keywords;
	void **prefix;
	int64_t *queue_msg_id_r;
};

static void
deliver_free(struct store_op *op)
{
	struct deliver_op *o = (struct deliver_op *)op;

	for (size_t i = 0; i < o->n; i++) {
		free(o->mailbox[i]);
		free(o->address[i]);
		free(o->orcpt[i]);
		free(o->keywords[i]);
		free(o->prefix[i]);
	}
	free(o->mailbox);
	free(o->address);
	free(o->orcpt);
	free(o->keywords);
	free(o->prefix);
	free(o->sender);
	free(o->envid);
}

static int
deliver_local(struct store *s, struct deliver_op *o, size_t i)
{
	struct store_rcpt *r = &o->out[i];
	struct store_blob *b = o->op.blob;
	int64_t mbox = 0;
	bool noselect = true;
	struct msg_row row;
	uint64_t modseq;
	int ret;

	if ((ret = db_account_exists(s->wdb, r->account_id)) < 0)
		return ret;
	if (o->mailbox[i]) {
		ret = store_mbox_by_name(s->wdb, r->account_id, o->mailbox[i],
					 &mbox, &noselect);
		if (ret < 0 && ret != STORE_ENOTFOUND)
			return ret;
	}
	if (mbox == 0 || noselect) {
		ret = store_mbox_by_name(s->wdb, r->account_id, "INBOX", &mbox,
					 NULL);
		if (ret == STORE_ENOTFOUND)
			ret = store_mbox_create_w(s, r->account_id, "INBOX", 0,
						  true, &mbox);
		if (ret < 0)
			return ret;
	}
	memset(&row, 0, sizeof(row));
	row.blob_id = b->id;
	row.prefix = o->prefix[i];
	row.prefix_len = o->prefix[i] ? r->prefix_len : 0;
	row.size = row.prefix_len + b->size;
	row.crlf_size = store_crlf_size(row.prefix, row.prefix_len, b);
	row.flags = r->flags;
	row.keywords = o->keywords[i];
	row.idate = store_now();
	if ((ret = quota_ok(s, r->account_id, row.size, 1)) < 0)
		return ret;
	if ((ret = alloc_uids(s, mbox, 1, &row.uid)) < 0 ||
	    (ret = store_mbox_next_modseq(s, mbox, &modseq)) < 0 ||
	    (ret = msg_insert(s, r->account_id, mbox, &row, modseq)) < 0)
		return ret;
	r->mailbox_id = mbox;
	r->uid = row.uid;
	store_op_changed(&o->op, mbox);
	return 0;
}

static int
deliver_remote(struct store *s, struct deliver_op *o, size_t i,
	       int64_t *qid)
{
	static const char qmsg[] =
		"INSERT INTO queue(blob_id, sender, envid, ret, created)"
		" VALUES(?,?,?,?,?)";
	static const char qrcpt[] =
		"INSERT INTO queue_rcpts(msg_id, address, orcpt, notify,"
		" next_attempt, updated) VALUES(?,?,?,?,?,?)";
	struct store_rcpt *r = &o->out[i];
	int64_t now = store_now();
	sqlite3_stmt *st;
	int ret;

	if (o->address[i] == NULL)
		return STORE_EINVAL;
	if (*qid == 0) {
		if ((st = db_prep(s->wdb, qmsg)) == NULL)
			return STORE_EIO;
		sqlite3_bind_int64(st, 1, o->op.blob->id);
		sqlite3_bind_text(st, 2, o->sender ? o->sender : "", -1,
				  SQLITE_STATIC);
		if (o->envid)
			sqlite3_bind_text(st, 3, o->envid, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		sqlite3_bind_int(st, 4, (int)o->ret);
		sqlite3_bind_int64(st, 5, now);
		if ((ret = db_step_done(s->wdb, st, "queue insert")) < 0)
			return ret;
		*qid = sqlite3_last_insert_rowid(s->wdb->h);
		if ((ret = store_blob_ref(s, o->op.blob->id, 1)) < 0)
			return ret;
	}
	if ((st = db_prep(s->wdb, qrcpt)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, *qid);
	sqlite3_bind_text(st, 2, o->address[i], -1, SQLITE_STATIC);
	if (o->orcpt[i])
		sqlite3_bind_text(st, 3, o->orcpt[i], -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int(st, 4, (int)r->notify);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, now);
	if ((ret = db_step_done(s->wdb, st, "queue rcpt insert")) < 0)
		return ret;
	r->queue_rcpt_id = sqlite3_last_insert_rowid(s->wdb->h);
	o->op.queue_changed = true;
	return 0;
}

static int
exec_deliver(struct store *s, struct store_op *op)
{
	struct deliver_op *o = (struct deliver_op *)op;
	int64_t qid = 0;
	size_t ok = 0;
	int ret;

	if ((ret = store_blob_commit(s, op->blob)) < 0)
		return ret;
	for (size_t i = 0; i < o->n; i++) {
		struct store_rcpt *r = &o->out[i];
		r->status = 0;
		r->mailbox_id = 0;
		r->uid = 0;
		r->queue_rcpt_id = 0;
		if (r->kind == STORE_RCPT_LOCAL)
			ret = deliver_local(s, o, i);
		else if (r->kind == STORE_RCPT_REMOTE)
			ret = deliver_remote(s, o, i, &qid);
		else
			ret = STORE_EINVAL;
		if (ret == STORE_EIO)
			return ret;
		r->status = ret;
		if (ret == 0)
			ok++;
	}
	if (ok == 0) {
		/* nobody took it: drop the blob row (file after commit) */
		if ((ret = store_blob_ref(s, op->blob->id, 0)) < 0)
			return ret;
	}
	if (o->queue_msg_id_r)
		*o->queue_msg_id_r = qid;
	return 0;
}

int
store_deliver(struct store *s, struct store_blob **blob,
	      const struct store_envelope *env, struct store_rcpt *rcpts,
	      size_t n, int64_t *queue_msg_id_r, store_cb cb, void *arg)
{
	struct deliver_op *o;

	if (blob == NULL || *blob == NULL)
		return STORE_EINVAL;
	if (n == 0) {
		store_blob_abort(blob);
		return STORE_EINVAL;
	}
	o = store_op_new(sizeof(*o), exec_deliver, deliver_free);
	o->op.blob = *blob;
	*blob = NULL;
	o->sender = xstrdup(env && env->sender ? env->sender : "");
	o->envid = env && env->envid ? xstrdup(env->envid) : NULL;
	o->ret = env ? env->ret : STORE_RET_DEFAULT;
	o->out = rcpts;
	o->n = n;
	o->mailbox = xcalloc(n, sizeof(char *));
	o->address = xcalloc(n, sizeof(char *));
	o->orcpt = xcalloc(n, sizeof(char *));
	o->keywords = xcalloc(n, sizeof(char *));
	o->prefix = xcalloc(n, sizeof(void *));
	for (size_t i = 0; i < n; i++) {
		const struct store_rcpt *r = &rcpts[i];
		if (r->mailbox && store_mailbox_name_norm(r->mailbox,
							  &o->mailbox[i]) < 0)
			o->mailbox[i] = NULL;
		o->address[i] = r->address ? xstrdup(r->address) : NULL;
		o->orcpt[i] = r->orcpt ? xstrdup(r->orcpt) : NULL;
		o->keywords[i] = r->keywords ? store_kw_norm(r->keywords) : NULL;
		if (r->prefix && r->prefix_len) {
			o->prefix[i] = xmalloc(r->prefix_len);
			memcpy(o->prefix[i], r->prefix, r->prefix_len);
		}
	}
	o->queue_msg_id_r = queue_msg_id_r;
	return store_submit(s, &o->op, cb, arg);
}

/* ------------------------------------------------------------------ */
/* append                                                             */

struct append_op {
	struct store_op op;
	int64_t account_id, mailbox_id;
	uint32_t flags;
	char *keywords;
	int64_t idate;
	int32_t tz;
	uint32_t *uid_r;
};

static void
append_free(struct store_op *op)
{
	free(((struct append_op *)op)->keywords);
}

static int
exec_append(struct store *s, struct store_op *op)
{
	struct append_op *o = (struct append_op *)op;
	struct msg_row row;
	bool noselect;
	uint64_t modseq;
	int ret;

	if ((ret = store_mbox_check(s->wdb, o->account_id, o->mailbox_id,
				    &noselect)) < 0)
		return ret;
	if (noselect)
		return STORE_ENOSELECT;
	if ((ret = quota_ok(s, o->account_id, op->blob->size, 1)) < 0)
		return ret;
	if ((ret = store_blob_commit(s, op->blob)) < 0)
		return ret;
	memset(&row, 0, sizeof(row));
	row.blob_id = op->blob->id;
	row.size = op->blob->size;
	row.crlf_size = store_crlf_size(NULL, 0, op->blob);
	row.flags = o->flags;
	row.keywords = o->keywords;
	row.idate = o->idate ? o->idate : store_now();
	row.tz = o->tz;
	if ((ret = alloc_uids(s, o->mailbox_id, 1, &row.uid)) < 0 ||
	    (ret = store_mbox_next_modseq(s, o->mailbox_id, &modseq)) < 0 ||
	    (ret = msg_insert(s, o->account_id, o->mailbox_id, &row,
			      modseq)) < 0)
		return ret;
	if (o->uid_r)
		*o->uid_r = row.uid;
	store_op_changed(op, o->mailbox_id);
	return 0;
}

int
store_append(struct store *s, int64_t account_id, int64_t mailbox_id,
	     struct store_blob **blob, uint32_t flags, const char *keywords,
	     int64_t internaldate, int32_t internaldate_tz, uint32_t *uid_r,
	     store_cb cb, void *arg)
{
	struct append_op *o;

	if (blob == NULL || *blob == NULL)
		return STORE_EINVAL;
	o = store_op_new(sizeof(*o), exec_append, append_free);
	o->op.blob = *blob;
	*blob = NULL;
	o->account_id = account_id;
	o->mailbox_id = mailbox_id;
	o->flags = flags & STORE_F_ALL;
	o->keywords = keywords ? store_kw_norm(keywords) : NULL;
	o->idate = internaldate;
	o->tz = internaldate_tz;
	o->uid_r = uid_r;
	return store_submit(s, &o->op, cb, arg);
}

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
	    (ret = mbox_counts(s, o->mailbox_id, 0, dunseen, ddeleted, 0)) < 0)
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
	o->ranges = ranges_dup(ranges, n);
	o->nranges = n;
	o->fop = op;
	o->flags = flags & STORE_F_ALL;
	o->keywords = store_kw_norm(keywords);
	o->unchangedsince = unchangedsince;
	o->res = res;
	return store_submit(s, &o->op, cb, arg);
}

/* ------------------------------------------------------------------ */
/* copy / move / expunge                                              */

struct copy_op {
	struct store_op op;
	int64_t account_id, src, dst;
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
	int64_t src, int64_t dst, const struct store_uid_range *ranges,
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
		" savedate, crlf_size) SELECT ?5, ?6 - 1 + row_number() OVER"
		" (ORDER BY uid), blob_id, prefix, size, flags, keywords, ?7,"
		" internaldate, internaldate_tz, ?8, crlf_size FROM messages"
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
	if ((ret = store_mbox_check(s->wdb, account_id, dst, &noselect)) < 0)
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
	if (!move && (ret = quota_ok(s, account_id, (uint64_t)bytes,
				     (uint64_t)n)) < 0)
		goto out;
	if ((ret = alloc_uids(s, dst, (uint32_t)n, &first)) < 0 ||
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
			while ((ret = db_step_row(s->wdb, st, "copy uids")) > 0) {
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
	if ((ret = mbox_counts(s, dst, n, unseen, deleted, bytes)) < 0 ||
	    (ret = account_usage(s, account_id, bytes, n)) < 0 ||
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

	return do_copy(s, op, o->account_id, o->src, o->dst, o->ranges,
		       o->nranges, o->move, o->map);
}

int
store_msg_move_all(struct store *s, struct store_op *op, int64_t account_id,
		   int64_t src, int64_t dst)
{
	return do_copy(s, op, account_id, src, dst, NULL, 0, true, NULL);
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
	    const struct store_uid_range *ranges, size_t n, int64_t dst,
	    struct store_uidmap *map, bool move, store_cb cb, void *arg)
{
	struct copy_op *o;

	if (map)
		memset(map, 0, sizeof(*map));
	if (ranges == NULL || n == 0)
		return STORE_EINVAL;
	o = store_op_new(sizeof(*o), exec_copy, copy_free);
	o->account_id = account_id;
	o->src = src;
	o->dst = dst;
	o->ranges = ranges_dup(ranges, n);
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
	return submit_copy(s, account_id, src_mailbox, ranges, n, dst_mailbox,
			   map, false, cb, arg);
}

int
store_move(struct store *s, int64_t account_id, int64_t src_mailbox,
	   const struct store_uid_range *ranges, size_t n, int64_t dst_mailbox,
	   struct store_uidmap *map, store_cb cb, void *arg)
{
	return submit_copy(s, account_id, src_mailbox, ranges, n, dst_mailbox,
			   map, true, cb, arg);
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
	if ((ret = mbox_counts(s, mailbox_id, -n, -unseen, -deleted,
			       -size)) < 0)
		return ret;
	if ((account_id = mbox_account(s->wdb, mailbox_id)) < 0)
		return STORE_EIO;
	if (account_id > 0 &&
	    (ret = account_usage(s, account_id, -size, -n)) < 0)
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
	o->ranges = ranges_dup(ranges, n);
	o->nranges = ranges ? n : 0;
	o->deleted_only = deleted_only;
	o->out = expunged;
	return store_submit(s, &o->op, cb, arg);
}

/* ------------------------------------------------------------------ */
/* reads                                                              */

#define MSG_COLS "m.uid, m.flags, m.modseq, m.internaldate," \
	" m.internaldate_tz, m.savedate, m.size, length(m.prefix), m.keywords"
#define PARSE_COLS ", b.envelope, b.body, b.bodystructure, b.sent_date," \
	" b.sent_tz, b.header_len, b.body_lines, b.subject, b.hfrom, b.hto," \
	" b.hcc, b.hbcc, b.message_id, b.in_reply_to, b.refs," \
	" b.sort_subject, b.sort_from, b.sort_to, b.sort_cc, b.sort_dfrom," \
	" b.sort_dto, b.headers, b.partmap"

#define SEARCH_COLS ", NULL, NULL, NULL, b.sent_date," \
	" b.sent_tz, b.header_len, b.body_lines, b.subject, b.hfrom, b.hto," \
	" b.hcc, b.hbcc, b.message_id, b.in_reply_to, b.refs," \
	" b.sort_subject, b.sort_from, b.sort_to, b.sort_cc, b.sort_dfrom," \
	" b.sort_dto, b.headers, NULL"

#define FETCH_COLS ", b.envelope, b.body, b.bodystructure, b.sent_date," \
	" b.sent_tz, b.header_len, b.body_lines, NULL, NULL, NULL," \
	" NULL, NULL, NULL, NULL, NULL," \
	" NULL, NULL, NULL, NULL, NULL," \
	" NULL, NULL, b.partmap"

static void parse_row_read(sqlite3_stmt *st, int c, struct store_parse *p);

static void
msg_row_read(sqlite3_stmt *st, int64_t mailbox_id, unsigned fields,
	     struct store_msg *m)
{
	m->uid = (uint32_t)sqlite3_column_int64(st, 0);
	m->id = (mailbox_id << 32) | m->uid;
	m->flags = (uint32_t)sqlite3_column_int(st, 1);
	m->modseq = (uint64_t)sqlite3_column_int64(st, 2);
	m->internaldate = sqlite3_column_int64(st, 3);
	m->internaldate_tz = sqlite3_column_int(st, 4);
	m->savedate = sqlite3_column_int64(st, 5);
	m->size = (uint64_t)sqlite3_column_int64(st, 6);
	m->prefix_len = (uint32_t)sqlite3_column_int64(st, 7);
	if (fields & STORE_MSG_KEYWORDS)
		m->keywords = db_col_str0(st, 8);
	if (fields & (STORE_MSG_PARSE | STORE_MSG_SEARCH | STORE_MSG_FETCH))
		parse_row_read(st, 9, &m->parse);
}

/* PARSE_COLS (or SEARCH_COLS, FETCH_COLS) from column c on */
static void
parse_row_read(sqlite3_stmt *st, int c, struct store_parse *p)
{
	p->envelope = db_col_str(st, c++);
	p->body = db_col_str(st, c++);
	p->bodystructure = db_col_str(st, c++);
	p->sent_date = sqlite3_column_int64(st, c++);
	p->sent_tz = sqlite3_column_int(st, c++);
	p->header_len = (uint64_t)sqlite3_column_int64(st, c++);
	p->body_lines = (uint64_t)sqlite3_column_int64(st, c++);
	p->subject = db_col_str(st, c++);
	p->from = db_col_str(st, c++);
	p->to = db_col_str(st, c++);
	p->cc = db_col_str(st, c++);
	p->bcc = db_col_str(st, c++);
	p->message_id = db_col_str(st, c++);
	p->in_reply_to = db_col_str(st, c++);
	p->references = db_col_str(st, c++);
	p->sort_subject = db_col_str(st, c++);
	p->sort_from = db_col_str(st, c++);
	p->sort_to = db_col_str(st, c++);
	p->sort_cc = db_col_str(st, c++);
	p->sort_display_from = db_col_str(st, c++);
	p->sort_display_to = db_col_str(st, c++);
	p->headers = db_col_str(st, c++);
	p->partmap_len = (size_t)sqlite3_column_bytes(st, c);
	if (p->partmap_len) {
		p->partmap = xmalloc(p->partmap_len);
		memcpy(p->partmap, sqlite3_column_blob(st, c),
		       p->partmap_len);
	}
}

/* the parse fields `fields` wants of blob_id into p (cleared): from the
 * cache, else from its blobs row, which then goes into the cache */
static int
parse_load(struct store *s, struct db *db, int64_t blob_id, unsigned fields,
	   struct store_parse *p)
{
	static const char sql[] =
		"SELECT b.id" PARSE_COLS " FROM blobs b WHERE b.id = ?";
	sqlite3_stmt *st;
	int rc;

	if (store_pcache_get(s->pcache, blob_id, fields, p))
		return 0;
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, blob_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		parse_row_read(st, 1, p);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, "parse row");
	if (rc == SQLITE_ROW)
		store_pcache_put(s->pcache, blob_id, p);
	return 0;
}

void
store_msg_clear(struct store_msg *m)
{
	free(m->keywords);
	store_parse_clear(&m->parse);
	memset(m, 0, sizeof(*m));
}

int
store_msg_get(struct store *s, int64_t account_id, int64_t mailbox_id,
	      uint32_t uid, unsigned fields, struct store_msg *out)
{
	static const char plain[] =
		"SELECT " MSG_COLS " FROM messages m"
		" WHERE m.mailbox_id = ? AND m.uid = ?";
	static const char parse[] =
		"SELECT " MSG_COLS PARSE_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid = ?";
	static const char search[] =
		"SELECT " MSG_COLS SEARCH_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid = ?";
	static const char fetch[] =
		"SELECT " MSG_COLS FETCH_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid = ?";
	struct db *db;
	sqlite3_stmt *st;
	int ret;

	memset(out, 0, sizeof(*out));
	if ((ret = store_mbox_reader(s, account_id, mailbox_id, &db)) < 0)
		return ret;
	st = db_prep(db, (fields & STORE_MSG_PARSE) ? parse :
		     (fields & STORE_MSG_SEARCH) ? search :
		     (fields & STORE_MSG_FETCH) ? fetch : plain);
	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, uid);
	ret = STORE_ENOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW) {
		msg_row_read(st, mailbox_id, fields, out);
		ret = 0;
	}
	sqlite3_reset(st);
	return ret;
}

struct store_msg_iter {
	struct store *store;
	struct db *db;
	sqlite3_stmt *st;
	int64_t mailbox_id;
	unsigned fields;
	int kind;		/* which statement: index into db->iter_idle */
	struct store_uid_range *ranges;
	size_t nranges, next_range;
	bool active;
	struct store_msg cur;
};

int
store_msg_iter_init(struct store *s, int64_t account_id, int64_t mailbox_id,
		    const struct store_uid_range *ranges, size_t n,
		    unsigned fields, struct store_msg_iter **it_r)
{
	static const char plain[] =
		"SELECT " MSG_COLS " FROM messages m"
		" WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?"
		" ORDER BY m.uid";
	static const char parse[] =
		"SELECT " MSG_COLS PARSE_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?"
		" ORDER BY m.uid";
	static const char search[] =
		"SELECT " MSG_COLS SEARCH_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?"
		" ORDER BY m.uid";
	static const char fetch[] =
		"SELECT " MSG_COLS FETCH_COLS " FROM messages m"
		" JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?"
		" ORDER BY m.uid";
	/* with the parse cache: messages rows only, the rest from it */
	static const char ids[] =
		"SELECT " MSG_COLS ", m.blob_id FROM messages m"
		" WHERE m.mailbox_id = ? AND m.uid BETWEEN ? AND ?"
		" ORDER BY m.uid";
	static const char *const sql[ITER_KINDS] = {
		parse, search, fetch, plain, ids
	};
	struct db *db;
	struct store_msg_iter *it;
	int ret;

	*it_r = NULL;
	if ((ret = store_mbox_reader(s, account_id, mailbox_id, &db)) < 0)
		return ret;
	it = xcalloc(1, sizeof(*it));
	it->store = s;
	it->db = db;
	it->mailbox_id = mailbox_id;
	it->fields = fields;
	it->ranges = ranges_dup(ranges, n);
	it->nranges = ranges ? n : 0;
	/* a statement of its own (iterators may nest with other reads),
	 * reused from the connection's idle one when there is one */
	it->kind = (fields & STORE_MSG_PARSE) ? 0 :
		   (fields & STORE_MSG_SEARCH) ? 1 :
		   (fields & STORE_MSG_FETCH) ? 2 : 3;
	if (it->kind != 3 && s->pcache != NULL)
		it->kind = ITER_IDS;
	it->st = db->iter_idle[it->kind];
	db->iter_idle[it->kind] = NULL;
	if (it->st == NULL &&
	    sqlite3_prepare_v3(db->h, sql[it->kind], -1,
			       SQLITE_PREPARE_PERSISTENT, &it->st,
			       NULL) != SQLITE_OK) {
		free(it->ranges);
		free(it);
		return db_fail(db, "iter prepare");
	}
	*it_r = it;
	return 0;
}

int
store_msg_iter_next(struct store_msg_iter *it, const struct store_msg **m_r)
{
	*m_r = NULL;
	store_msg_clear(&it->cur);
	for (;;) {
		int rc;
		if (!it->active) {
			struct store_uid_range *r;
			if (it->next_range >= it->nranges)
				return 0;
			r = &it->ranges[it->next_range++];
			sqlite3_reset(it->st);
			sqlite3_bind_int64(it->st, 1, it->mailbox_id);
			sqlite3_bind_int64(it->st, 2, r->lo);
			sqlite3_bind_int64(it->st, 3, r->hi);
			it->active = true;
		}
		rc = sqlite3_step(it->st);
		if (rc == SQLITE_ROW) {
			if (it->kind != ITER_IDS) {
				msg_row_read(it->st, it->mailbox_id,
					     it->fields, &it->cur);
			} else {
				int ret;

				msg_row_read(it->st, it->mailbox_id,
					     it->fields & STORE_MSG_KEYWORDS,
					     &it->cur);
				ret = parse_load(it->store, it->db,
						 sqlite3_column_int64(it->st, 9),
						 it->fields, &it->cur.parse);
				if (ret < 0) {
					it->active = false;
					sqlite3_reset(it->st);
					return ret;
				}
			}
			*m_r = &it->cur;
			return 1;
		}
		it->active = false;
		sqlite3_reset(it->st);
		if (rc != SQLITE_DONE)
			return db_fail(it->db, "iter step");
	}
}

void
store_msg_iter_free(struct store_msg_iter **itp)
{
	struct store_msg_iter *it = *itp;

	if (it == NULL)
		return;
	*itp = NULL;
	store_msg_clear(&it->cur);
	sqlite3_reset(it->st);
	if (it->db->iter_idle[it->kind] == NULL) {
		sqlite3_clear_bindings(it->st);
		it->db->iter_idle[it->kind] = it->st;
	} else {
		sqlite3_finalize(it->st);
	}
	free(it->ranges);
	free(it);
}

int
store_msg_open(struct store *s, int64_t account_id, int64_t mailbox_id,
	       uint32_t uid, struct store_reader **r_r)
{
	static const char sql[] =
		"SELECT blob_id, prefix FROM messages"
		" WHERE mailbox_id = ? AND uid = ?";
	struct db *db;
	sqlite3_stmt *st;
	int64_t blob_id = 0;
	void *prefix = NULL;
	size_t plen = 0;
	int ret;

	*r_r = NULL;
	if ((ret = store_mbox_reader(s, account_id, mailbox_id, &db)) < 0)
		return ret;
	if ((st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	sqlite3_bind_int64(st, 2, uid);
	ret = STORE_ENOTFOUND;
	if (sqlite3_step(st) == SQLITE_ROW) {
		blob_id = sqlite3_column_int64(st, 0);
		plen = (size_t)sqlite3_column_bytes(st, 1);
		if (plen) {
			prefix = xmalloc(plen);
			memcpy(prefix, sqlite3_column_blob(st, 1), plen);
		}
		ret = 0;
	}
	sqlite3_reset(st);
	if (ret == 0)
		ret = store_reader_new(s, db, blob_id, prefix, plen, r_r);
	free(prefix);
	return ret;
}
