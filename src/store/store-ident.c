/* store-ident.c - what tells one message from another for `tern
 * import`'s duplicate check (a second run of the same import must add
 * nothing): its Message-ID and size, or without a Message-ID its Date,
 * From, Subject and size. Read from the parse results, never the body.
 * The size is the message's as served (prefix + blob): what `tern
 * export` writes, so an export imported back is seen as the same mail. */
#include "store/store-private.h"

#include <inttypes.h>
#include <stdlib.h>

static char *
ident_make(uint64_t size, const char *msgid, int64_t date, const char *from,
	   const char *subject)
{
	if (msgid != NULL && msgid[0] != '\0')
		return xasprintf("%" PRIu64 " id %s", size, msgid);
	return xasprintf("%" PRIu64 " hdr %" PRId64 "\n%s\n%s", size, date,
			 from ? from : "", subject ? subject : "");
}

char *
store_blob_identity(struct store_blob *b)
{
	store_parse_finish(b);
	return ident_make(b->size, b->parse.message_id, b->parse.sent_date,
			  b->parse.from, b->parse.subject);
}

int
store_mailbox_identities(struct store *s, int64_t mailbox_id,
			 struct store_strlist *out)
{
	static const char sql[] =
		"SELECT m.size, b.message_id, b.sent_date, b.hfrom, b.subject"
		" FROM messages m JOIN blobs b ON b.id = m.blob_id"
		" WHERE m.mailbox_id = ?";
	struct db *db = db_reader(s);
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	out->n = 0;
	out->v = NULL;
	if (db == NULL || (st = db_prep(db, sql)) == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, mailbox_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			out->v = xrealloc(out->v, cap * sizeof(char *));
		}
		out->v[out->n++] = ident_make(
			(uint64_t)sqlite3_column_int64(st, 0),
			(const char *)sqlite3_column_text(st, 1),
			sqlite3_column_int64(st, 2),
			(const char *)sqlite3_column_text(st, 3),
			(const char *)sqlite3_column_text(st, 4));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_strlist_free(out);
		return db_fail(db, "mailbox identities");
	}
	return 0;
}
