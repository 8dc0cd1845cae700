/* store-deliver.c - a message into the store: store_deliver (one commit
 * for every local and remote recipient) and store_append */
#include "store/store-private.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

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

/* the account's first selectable mailbox with one of the special-use
 * bits su (DMARC quarantine: \Junk); 0 in *id_r when none */
static int
deliver_special_use(struct db *db, int64_t account_id, unsigned su,
		    int64_t *id_r)
{
	static const char sql[] =
		"SELECT id FROM mailboxes WHERE account_id = ?"
		" AND (special_use & ?) != 0 AND noselect = 0"
		" ORDER BY id LIMIT 1";
	sqlite3_stmt *st = db_prep(db, sql);

	*id_r = 0;
	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	sqlite3_bind_int(st, 2, (int)su);
	if (sqlite3_step(st) == SQLITE_ROW)
		*id_r = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
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
	if (r->special_use) {
		if ((ret = deliver_special_use(s->wdb, r->account_id,
					       r->special_use, &mbox)) < 0)
			return ret;
		noselect = mbox == 0;
	}
	if (mbox == 0 && o->mailbox[i]) {
		ret = store_mbox_by_name(s->wdb, r->account_id, o->mailbox[i],
					 &mbox, &noselect);
		if (ret == STORE_ENOTFOUND && r->create_mailbox) {
			ret = store_mbox_create_w(s, r->account_id,
						  o->mailbox[i], 0, true, &mbox);
			noselect = false;
		}
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
	if ((ret = store_msg_quota_ok(s, r->account_id, row.size, 1)) < 0)
		return ret;
	if ((ret = store_msg_alloc_uids(s, mbox, 1, &row.uid)) < 0 ||
	    (ret = store_mbox_next_modseq(s, mbox, &modseq)) < 0 ||
	    (ret = store_msg_insert(s, r->account_id, mbox, &row, modseq)) < 0)
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
		"INSERT INTO queue(blob_id, sender, envid, ret, created, prefix)"
		" VALUES(?,?,?,?,?,?)";
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
		/* the message's front fields (one queue row for every
		 * remote recipient: the first one's prefix) */
		if (o->prefix[i])
			sqlite3_bind_blob(st, 6, o->prefix[i],
					  (int)r->prefix_len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 6);
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
	if ((ret = store_msg_quota_ok(s, o->account_id, op->blob->size, 1)) < 0)
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
	if ((ret = store_msg_alloc_uids(s, o->mailbox_id, 1, &row.uid)) < 0 ||
	    (ret = store_mbox_next_modseq(s, o->mailbox_id, &modseq)) < 0 ||
	    (ret = store_msg_insert(s, o->account_id, o->mailbox_id, &row,
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
/* several messages in one commit (MULTIAPPEND, REPLACE)              */

struct append_many_op {
	struct store_op op;
	int64_t account_id, mailbox_id;
	struct store_append_msg *msgs;	/* caller's; blobs moved to op */
	char **kw;			/* normalized keywords */
	size_t n;
	int64_t replace_account, replace_mailbox;
	uint32_t replace_uid;
};

static void
append_many_free(struct store_op *op)
{
	struct append_many_op *o = (struct append_many_op *)op;

	for (size_t i = 0; i < o->n; i++)
		free(o->kw[i]);
	free(o->kw);
}

static struct store_blob *
many_blob(struct append_many_op *o, size_t i)
{
	return i == 0 ? o->op.blob : o->op.more[i - 1];
}

/* REPLACE: the old message must still be there */
static int
replace_expunge(struct store *s, struct append_many_op *o)
{
	static const char sql[] =
		"SELECT 1 FROM messages WHERE mailbox_id = ? AND uid = ?";
	sqlite3_stmt *st;
	bool noselect, found;
	uint64_t modseq;
	int ret;

	if ((ret = store_mbox_check(s->wdb, o->replace_account,
				    o->replace_mailbox, &noselect)) < 0)
		return ret;
	if ((st = db_prep(s->wdb, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->replace_mailbox);
	sqlite3_bind_int64(st, 2, o->replace_uid);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (!found)
		return STORE_ENOTFOUND;
	if ((ret = store_mbox_next_modseq(s, o->replace_mailbox,
					  &modseq)) < 0 ||
	    (ret = store_msg_expunge_uid(s, o->replace_mailbox,
					 o->replace_uid, modseq, true)) < 0)
		return ret;
	store_op_changed(&o->op, o->replace_mailbox);
	return 0;
}

static int
exec_append_many(struct store *s, struct store_op *op)
{
	struct append_many_op *o = (struct append_many_op *)op;
	bool noselect;
	uint32_t first;
	uint64_t modseq;
	int ret;

	if ((ret = store_mbox_check(s->wdb, o->account_id, o->mailbox_id,
				    &noselect)) < 0)
		return ret;
	if (noselect)
		return STORE_ENOSELECT;
	/* the old message goes first: its bytes leave the quota */
	if (o->replace_mailbox && (ret = replace_expunge(s, o)) < 0)
		return ret;
	if ((ret = store_msg_alloc_uids(s, o->mailbox_id, (uint32_t)o->n,
					&first)) < 0 ||
	    (ret = store_mbox_next_modseq(s, o->mailbox_id, &modseq)) < 0)
		return ret;
	for (size_t i = 0; i < o->n; i++) {
		struct store_blob *b = many_blob(o, i);
		const struct store_append_msg *m = &o->msgs[i];
		struct msg_row row;

		if ((ret = store_msg_quota_ok(s, o->account_id, b->size,
					      1)) < 0 ||
		    (ret = store_blob_commit(s, b)) < 0)
			return ret;
		memset(&row, 0, sizeof(row));
		row.blob_id = b->id;
		row.size = b->size;
		row.crlf_size = store_crlf_size(NULL, 0, b);
		row.flags = m->flags & STORE_F_ALL;
		row.keywords = o->kw[i];
		row.idate = m->internaldate ? m->internaldate : store_now();
		row.tz = m->internaldate_tz;
		row.uid = first + (uint32_t)i;
		if ((ret = store_msg_insert(s, o->account_id, o->mailbox_id,
					    &row, modseq)) < 0)
			return ret;
	}
	for (size_t i = 0; i < o->n; i++)
		o->msgs[i].uid = first + (uint32_t)i;
	store_op_changed(op, o->mailbox_id);
	return 0;
}

int
store_append_many(struct store *s, int64_t account_id, int64_t mailbox_id,
		  struct store_append_msg *msgs, size_t n,
		  int64_t replace_account, int64_t replace_mailbox,
		  uint32_t replace_uid,
		  store_cb cb, void *arg)
{
	struct append_many_op *o;

	for (size_t i = 0; i < n; i++) {
		if (msgs[i].blob == NULL) {
			for (size_t j = 0; j < n; j++)
				store_blob_abort(&msgs[j].blob);
			return STORE_EINVAL;
		}
	}
	if (n == 0)
		return STORE_EINVAL;
	o = store_op_new(sizeof(*o), exec_append_many, append_many_free);
	o->kw = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		o->kw[i] = msgs[i].keywords ? store_kw_norm(msgs[i].keywords) :
			NULL;
	o->op.blob = msgs[0].blob;
	msgs[0].blob = NULL;
	if (n > 1) {
		o->op.more = xcalloc(n - 1, sizeof(*o->op.more));
		for (size_t i = 1; i < n; i++) {
			o->op.more[i - 1] = msgs[i].blob;
			msgs[i].blob = NULL;
		}
		o->op.nmore = n - 1;
	}
	o->account_id = account_id;
	o->mailbox_id = mailbox_id;
	o->msgs = msgs;
	o->n = n;
	o->replace_account = replace_account;
	o->replace_mailbox = replace_mailbox;
	o->replace_uid = replace_uid;
	return store_submit(s, &o->op, cb, arg);
}
