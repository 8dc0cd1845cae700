/* store-changes.c - what changed in an account since one of its modseqs
 * (JMAP Email/changes, Thread/changes, Mailbox/changes).
 *
 * Every change draws a modseq from the account's counter
 * (store-modseq.c), so "since S" is: message rows with modseq > S (the
 * messages_modseq index, per mailbox of the account), the tombstones of
 * rows that went after S (email_tombs, by a trigger), mailboxes with
 * modseq > S and their tombstones. Whether an Email existed at S and
 * exists now tells created / updated / destroyed: it existed at S when
 * one of its rows came at or before S and either is still there or
 * went after S. Cost: the changes, plus one indexed lookup for each
 * Email (Thread) none of whose changed rows answers that. */
#include "store/store-private.h"

#include <stdlib.h>
#include <string.h>

/* one changed row or tombstone of the account */
struct hit {
	uint64_t emailid, threadid, modseq, created;
	bool tomb;
};

/* an Email's or Thread's verdict */
struct verdict {
	uint64_t id, threadid, modseq;
	bool existed, exists;
};

void
store_chgs_free(struct store_chgs *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static void
chg_add(struct store_chgs *c, size_t *cap, enum store_chg_kind kind,
	uint64_t modseq, uint64_t id)
{
	if (c->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		c->v = xrealloc(c->v, *cap * sizeof(*c->v));
	}
	memset(&c->v[c->n], 0, sizeof(c->v[c->n]));
	c->v[c->n].kind = kind;
	c->v[c->n].modseq = modseq;
	c->v[c->n].id = id;
	c->n++;
}

static int
chg_cmp(const void *a, const void *b)
{
	const struct store_chg *x = a, *y = b;

	if (x->modseq != y->modseq)
		return x->modseq < y->modseq ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->mailbox_id < y->mailbox_id ? -1 :
		x->mailbox_id > y->mailbox_id;
}

/* the account's modseq: ENOTFOUND, EINVAL when since is above it */
static int
changes_start(struct db *db, int64_t account_id, uint64_t since,
	      uint64_t *modseq_r)
{
	static const char sql[] = "SELECT modseq FROM accounts WHERE id = ?";
	sqlite3_stmt *st = db_prep(db, sql);
	int rc;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*modseq_r = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? STORE_ENOTFOUND :
			db_fail(db, "account modseq");
	return since > *modseq_r ? STORE_EINVAL : 0;
}

static int
hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	return x->emailid < y->emailid ? -1 : x->emailid > y->emailid;
}

/* changed rows and tombstones after since, sorted by emailid */
static int
hits_read(struct db *db, int64_t account_id, uint64_t since,
	  struct hit **v_r, size_t *n_r)
{
	static const char rows[] =
		"SELECT m.emailid, m.threadid, m.modseq, m.created_modseq"
		" FROM mailboxes b JOIN messages m INDEXED BY messages_modseq"
		" ON m.mailbox_id = b.id AND m.modseq > ?2"
		" WHERE b.account_id = ?1";
	static const char tombs[] =
		"SELECT emailid, threadid, modseq, created_modseq"
		" FROM email_tombs WHERE account_id = ?1 AND modseq > ?2";
	const char *const sql[2] = { rows, tombs };
	struct hit *v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	for (int k = 0; k < 2 && r >= 0; k++) {
		sqlite3_stmt *st = db_prep(db, sql[k]);

		if (st == NULL) {
			r = STORE_EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, account_id);
		sqlite3_bind_int64(st, 2, (int64_t)since);
		while ((r = db_step_row(db, st, "changes")) > 0) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n].emailid = (uint64_t)sqlite3_column_int64(st, 0);
			v[n].threadid = (uint64_t)sqlite3_column_int64(st, 1);
			v[n].modseq = (uint64_t)sqlite3_column_int64(st, 2);
			v[n].created = (uint64_t)sqlite3_column_int64(st, 3);
			v[n].tomb = k == 1;
			n++;
		}
		sqlite3_reset(st);
	}
	if (r < 0) {
		free(v);
		return r;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), hit_cmp);
	*v_r = v;
	*n_r = n;
	return 0;
}

/* the rows now of an EMAILID (thread false) or THREADID of the account:
 * does it have any, and did one of them come at or before since? */
static int
rows_now(struct db *db, int64_t account_id, uint64_t id, bool thread,
	 uint64_t since, bool *exists_r, bool *existed_r)
{
	static const char email[] =
		"SELECT count(*), min(m.created_modseq) FROM messages m"
		" INDEXED BY messages_emailid JOIN mailboxes b"
		" ON b.id = m.mailbox_id WHERE m.emailid = ? AND"
		" b.account_id = ?";
	static const char threads[] =
		"SELECT count(*), min(m.created_modseq) FROM messages m"
		" INDEXED BY messages_threadid JOIN mailboxes b"
		" ON b.id = m.mailbox_id WHERE m.threadid = ? AND"
		" b.account_id = ?";
	sqlite3_stmt *st = db_prep(db, thread ? threads : email);
	int rc;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, (int64_t)id);
	sqlite3_bind_int64(st, 2, account_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0) {
		*exists_r = true;
		if ((uint64_t)sqlite3_column_int64(st, 1) <= since)
			*existed_r = true;
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : db_fail(db, "rows now");
}

/* one verdict per Email among the hits */
static int
emails_judge(struct db *db, int64_t account_id, uint64_t since,
	     const struct hit *h, size_t nh, struct verdict **v_r,
	     size_t *n_r)
{
	struct verdict *v = xmalloc((nh ? nh : 1) * sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < nh;) {
		struct verdict *e = &v[n++];
		size_t j = i;

		memset(e, 0, sizeof(*e));
		e->id = h[i].emailid;
		e->threadid = h[i].threadid;
		for (; j < nh && h[j].emailid == e->id; j++) {
			if (h[j].modseq > e->modseq)
				e->modseq = h[j].modseq;
			if (h[j].created <= since)
				e->existed = true;
			if (!h[j].tomb)
				e->exists = true;
		}
		i = j;
		if (!e->exists || !e->existed) {
			int r = rows_now(db, account_id, e->id, false, since,
					 &e->exists, &e->existed);

			if (r < 0) {
				free(v);
				return r;
			}
		}
	}
	*v_r = v;
	*n_r = n;
	return 0;
}

static enum store_chg_kind
verdict_kind(const struct verdict *e)
{
	if (e->exists)
		return e->existed ? STORE_CHG_UPDATED : STORE_CHG_CREATED;
	return e->existed ? STORE_CHG_DESTROYED : 0;
}

/* the common start: snapshot, modseq, hits, verdicts */
static int
email_verdicts(struct store *s, int64_t account_id, uint64_t since,
	       struct db **db_r, struct store_chgs *out, struct hit **h_r,
	       size_t *nh_r, struct verdict **v_r, size_t *nv_r)
{
	struct db *db = db_reader(s);
	int ret;

	memset(out, 0, sizeof(*out));
	*h_r = NULL;
	*v_r = NULL;
	*db_r = db;
	if (db == NULL || db_begin_read(db) < 0) {
		*db_r = NULL;
		return STORE_EIO;
	}
	if ((ret = changes_start(db, account_id, since, &out->modseq)) < 0 ||
	    (ret = hits_read(db, account_id, since, h_r, nh_r)) < 0)
		return ret;
	return emails_judge(db, account_id, since, *h_r, *nh_r, v_r, nv_r);
}

/* the end of an email_verdicts walk: the read and the arrays let go,
 * out in modseq order, or freed on an error */
static int
verdicts_finish(struct db *db, struct hit *h, struct verdict *v,
		struct store_chgs *out, int ret)
{
	if (db)
		db_end_read(db);
	free(h);
	free(v);
	if (ret < 0) {
		store_chgs_free(out);
		return ret;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), chg_cmp);
	return 0;
}

int
store_email_changes(struct store *s, int64_t account_id, uint64_t since,
		    struct store_chgs *out)
{
	struct db *db;
	struct hit *h;
	struct verdict *v;
	size_t nh = 0, nv = 0, cap = 0;
	int ret;

	ret = email_verdicts(s, account_id, since, &db, out, &h, &nh, &v,
			     &nv);
	for (size_t i = 0; ret == 0 && i < nv; i++) {
		enum store_chg_kind k = verdict_kind(&v[i]);

		if (k != 0)
			chg_add(out, &cap, k, v[i].modseq, v[i].id);
	}
	return verdicts_finish(db, h, v, out, ret);
}

static int
verdict_thread_cmp(const void *a, const void *b)
{
	const struct verdict *x = a, *y = b;

	return x->threadid < y->threadid ? -1 : x->threadid > y->threadid;
}

int
store_thread_changes(struct store *s, int64_t account_id, uint64_t since,
		     struct store_chgs *out)
{
	struct db *db;
	struct hit *h;
	struct verdict *v;
	size_t nh = 0, nv = 0, cap = 0, w = 0;
	int ret;

	ret = email_verdicts(s, account_id, since, &db, out, &h, &nh, &v,
			     &nv);
	/* a Thread changes when one of its Emails came or went */
	for (size_t i = 0; ret == 0 && i < nv; i++) {
		enum store_chg_kind k = verdict_kind(&v[i]);

		if (k == STORE_CHG_CREATED || k == STORE_CHG_DESTROYED)
			v[w++] = v[i];
	}
	if (ret == 0 && w > 1)
		qsort(v, w, sizeof(*v), verdict_thread_cmp);
	for (size_t i = 0; ret == 0 && i < w;) {
		struct verdict t = { .id = v[i].threadid };
		size_t j = i;

		for (; j < w && v[j].threadid == t.id; j++)
			if (v[j].modseq > t.modseq)
				t.modseq = v[j].modseq;
		i = j;
		/* a tombstone of it from before since is an Email it had */
		for (size_t k = 0; k < nh; k++)
			if (h[k].tomb && h[k].threadid == t.id &&
			    h[k].created <= since)
				t.existed = true;
		ret = rows_now(db, account_id, t.id, true, since, &t.exists,
			       &t.existed);
		if (ret == 0 && verdict_kind(&t) != 0)
			chg_add(out, &cap, verdict_kind(&t), t.modseq, t.id);
	}
	return verdicts_finish(db, h, v, out, ret);
}

int
store_mailbox_changed(struct store *s, int64_t account_id, uint64_t since,
		      struct store_chgs *out)
{
	static const char live[] =
		"SELECT id, uidvalidity, modseq, props_modseq, created_modseq"
		" FROM mailboxes WHERE account_id = ? AND modseq > ?";
	static const char gone[] =
		"SELECT mailbox_id, uidvalidity, modseq, created_modseq"
		" FROM mailbox_tombs WHERE account_id = ? AND modseq > ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	size_t cap = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (db == NULL || db_begin_read(db) < 0)
		return STORE_EIO;
	if ((ret = changes_start(db, account_id, since, &out->modseq)) < 0)
		goto out;
	for (int k = 0; k < 2 && ret >= 0; k++) {
		if ((st = db_prep(db, k ? gone : live)) == NULL) {
			ret = STORE_EIO;
			break;
		}
		sqlite3_bind_int64(st, 1, account_id);
		sqlite3_bind_int64(st, 2, (int64_t)since);
		while ((ret = db_step_row(db, st, "mailbox changes")) > 0) {
			uint64_t created = (uint64_t)sqlite3_column_int64(st,
							k ? 3 : 4);
			enum store_chg_kind kind;
			struct store_chg *c;

			if (k == 1 && created > since)
				continue;	/* came and went */
			kind = k ? STORE_CHG_DESTROYED : created > since ?
				STORE_CHG_CREATED : STORE_CHG_UPDATED;
			chg_add(out, &cap, kind,
				(uint64_t)sqlite3_column_int64(st, 2), 0);
			c = &out->v[out->n - 1];
			c->mailbox_id = sqlite3_column_int64(st, 0);
			c->uidvalidity = (uint32_t)sqlite3_column_int64(st, 1);
			c->counts_only = k == 0 &&
				(uint64_t)sqlite3_column_int64(st, 3) <= since;
		}
		sqlite3_reset(st);
	}
out:
	db_end_read(db);
	if (ret < 0) {
		store_chgs_free(out);
		return ret;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), chg_cmp);
	return 0;
}
