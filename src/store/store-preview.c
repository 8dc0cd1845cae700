/* store-preview.c - keep a PREVIEW made after the fact: blobs stored by
 * an older tern have none in their parse row; the first FETCH PREVIEW
 * of such a message makes it from the message and hands it here, so the
 * next listing of the folder reads it like any other (RFC 8970's
 * "computed once") */
#include "store/store-private.h"

#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

struct preview_op {
	struct store_op op;
	int64_t account_id, mailbox_id;
	uint32_t uid;
	char *preview;
};

static void
preview_op_free(struct store_op *op)
{
	free(((struct preview_op *)op)->preview);
}

static int
exec_preview_keep(struct store *s, struct store_op *op)
{
	static const char blob[] =
		"SELECT blob_id FROM messages WHERE mailbox_id = ? AND uid = ?";
	static const char upd[] =
		"UPDATE blobs SET preview = ? WHERE id = ? AND preview IS NULL";
	struct preview_op *o = (struct preview_op *)op;
	int64_t blob_id = 0;
	sqlite3_stmt *st;
	int ret;

	if ((ret = store_mbox_check(s->wdb, o->account_id, o->mailbox_id,
				    NULL)) < 0)
		return ret;
	if ((st = db_prep(s->wdb, blob)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, o->mailbox_id);
	sqlite3_bind_int64(st, 2, o->uid);
	if (sqlite3_step(st) == SQLITE_ROW)
		blob_id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (blob_id == 0)
		return 0;	/* expunged meanwhile */
	if ((st = db_prep(s->wdb, upd)) == NULL)
		return STORE_EIO;
	sqlite3_bind_text(st, 1, o->preview, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, blob_id);
	if ((ret = db_step_done(s->wdb, st, "keep preview")) < 0)
		return ret;
	store_pcache_set_preview(s->pcache, blob_id, o->preview);
	return 0;
}

static void
preview_kept(void *arg, int ret)
{
	(void)arg;
	if (ret < 0)
		log_warn(0, "store: keeping a preview failed: %s",
			 store_strerror(ret));
}

void
store_msg_preview_keep(struct store *s, int64_t account_id,
		       int64_t mailbox_id, uint32_t uid, const char *preview)
{
	struct preview_op *o = store_op_new(sizeof(*o), exec_preview_keep,
					    preview_op_free);

	o->account_id = account_id;
	o->mailbox_id = mailbox_id;
	o->uid = uid;
	o->preview = xstrdup(preview);
	(void)store_submit(s, &o->op, preview_kept, NULL);
}
