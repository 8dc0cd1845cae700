/* store-migrate.c - schema versions after 1, each an in-place upgrade in
 * one transaction. A new store is made at version 1 (store-db.c) and
 * upgraded like any other, so there is one definition of each table.
 *
 * Version 2 (JMAP, RFC 8620/8621):
 * - messages.emailid, threadid: EMAILID and THREADID values stored
 *   (computed as before, store-objectid.c), indexed, so that every row
 *   of an Email or of a Thread is one index lookup away;
 *   messages.created_modseq: the modseq at which the row came;
 *   messages_date: a mailbox's rows in receivedAt order (Email/query).
 * - accounts.modseq: one counter per account that every mailbox's
 *   modseqs are drawn from (store-modseq.c), started above every modseq
 *   the account has.
 * - mailboxes.modseq (any change JMAP shows, the counts included),
 *   props_modseq (name, parent, role, subscription, sort order),
 *   created_modseq, sort_order.
 * - email_tombs: one row per message row that went (expunge, move,
 *   mailbox delete), written by a trigger with the account's modseq of
 *   that write (every path that deletes rows draws one first), for
 *   Email/changes and Thread/changes; mailbox_tombs: mailboxes that went
 *   (Mailbox/changes). Kept like IMAP's expunged rows. */
#include "store/store-private.h"

#include "lib/log.h"

#include <stdlib.h>

#define SCHEMA_VERSION 2

/* Email/query's first page in receivedAt order (store_email_walk):
 * every column it reads but keywords, so a page reads no table row */
#define MESSAGES_DATE "CREATE INDEX IF NOT EXISTS messages_date" \
	" ON messages(mailbox_id, internaldate, uid, emailid, threadid, flags)"

static const char v2_sql[] =
	"ALTER TABLE messages ADD COLUMN emailid INTEGER;"
	"ALTER TABLE messages ADD COLUMN threadid INTEGER;"
	"ALTER TABLE messages ADD COLUMN created_modseq INTEGER NOT NULL"
	" DEFAULT 0;"
	"UPDATE messages SET emailid = tern_emailid(blob_id, prefix);"
	"UPDATE messages SET threadid = (SELECT tern_threadid(b.refs,"
	" b.in_reply_to, b.message_id, messages.emailid) FROM blobs b"
	" WHERE b.id = messages.blob_id);"
	"CREATE INDEX messages_emailid ON messages(emailid);"
	"CREATE INDEX messages_threadid ON messages(threadid);"
	/* JMAP's mailbox counts in one ordered pass (store-mbox-props.c) */
	"CREATE INDEX messages_threads"
	" ON messages(mailbox_id, threadid, emailid, flags);"
	MESSAGES_DATE ";"
	"ALTER TABLE accounts ADD COLUMN modseq INTEGER NOT NULL DEFAULT 0;"
	"UPDATE accounts SET modseq = (SELECT coalesce(max(highestmodseq), 0)"
	" FROM mailboxes WHERE account_id = accounts.id);"
	"ALTER TABLE mailboxes ADD COLUMN modseq INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE mailboxes ADD COLUMN props_modseq INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE mailboxes ADD COLUMN created_modseq INTEGER NOT NULL"
	" DEFAULT 0;"
	"ALTER TABLE mailboxes ADD COLUMN sort_order INTEGER NOT NULL"
	" DEFAULT 0;"
	"CREATE TABLE email_tombs("
	" account_id INTEGER NOT NULL, emailid INTEGER NOT NULL,"
	" threadid INTEGER NOT NULL, created_modseq INTEGER NOT NULL,"
	" modseq INTEGER NOT NULL);"
	"CREATE INDEX email_tombs_modseq ON email_tombs(account_id, modseq);"
	"CREATE TRIGGER messages_gone AFTER DELETE ON messages BEGIN"
	" INSERT INTO email_tombs(account_id, emailid, threadid,"
	" created_modseq, modseq)"
	" SELECT a.id, coalesce(old.emailid, 0), coalesce(old.threadid, 0),"
	" old.created_modseq,"
	" a.modseq FROM mailboxes m JOIN accounts a ON a.id = m.account_id"
	" WHERE m.id = old.mailbox_id; END;"
	"CREATE TABLE mailbox_tombs("
	" account_id INTEGER NOT NULL, mailbox_id INTEGER NOT NULL,"
	" uidvalidity INTEGER NOT NULL, created_modseq INTEGER NOT NULL,"
	" modseq INTEGER NOT NULL);"
	"CREATE INDEX mailbox_tombs_modseq"
	" ON mailbox_tombs(account_id, modseq);"
	"UPDATE meta SET value = 2 WHERE key = 'schema';";

/* An older tern (which knows no versions) may have written to a
 * version-2 folder: rows without ids, mailbox modseqs past the account's
 * counter. Cheap to mend at each open (an index search for NULL, one
 * row per account). */
static const char mend_sql[] =
	"UPDATE messages SET emailid = tern_emailid(blob_id, prefix)"
	" WHERE emailid IS NULL;"
	"UPDATE messages SET threadid = (SELECT tern_threadid(b.refs,"
	" b.in_reply_to, b.message_id, messages.emailid) FROM blobs b"
	" WHERE b.id = messages.blob_id) WHERE threadid IS NULL;"
	"UPDATE accounts SET modseq = (SELECT max(highestmodseq) FROM"
	" mailboxes WHERE account_id = accounts.id) WHERE modseq <"
	" (SELECT max(highestmodseq) FROM mailboxes"
	" WHERE account_id = accounts.id);"
	/* a version-2 folder of a pre-release build has no messages_date */
	MESSAGES_DATE ";";

static int
schema_version(struct db *db, int64_t *v_r)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = 'schema'";
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, "schema version");
	rc = sqlite3_step(st);
	*v_r = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 1;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
		db_fail(db, "schema version");
}

/* is there anything to upgrade (a store made now has no account)? */
static bool
has_accounts(struct db *db)
{
	sqlite3_stmt *st;
	bool any;

	if (sqlite3_prepare_v2(db->h, "SELECT 1 FROM accounts LIMIT 1", -1,
			       &st, NULL) != SQLITE_OK)
		return true;
	any = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return any;
}

static int
migrate_step(struct db *db, const char *sql, int to, char **error_r)
{
	bool told = has_accounts(db);

	char *err = NULL;

	if (db_exec(db, "BEGIN IMMEDIATE") < 0)
		return STORE_EIO;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &err) != SQLITE_OK) {
		if (error_r)
			*error_r = xasprintf("schema upgrade to %d: %s", to,
					     err ? err : "?");
		log_error(0, "store: schema upgrade to version %d failed: %s",
			  to, err ? err : "?");
		sqlite3_free(err);
		db_exec(db, "ROLLBACK");
		return STORE_EIO;
	}
	if (db_exec(db, "COMMIT") < 0)
		return STORE_EIO;
	if (told)
		log_info(0, "store: schema upgraded to version %d", to);
	return 0;
}

int
db_migrate(struct store *s, char **error_r)
{
	int64_t v;
	int ret;

	if ((ret = store_objectid_register(s, s->wdb)) < 0 ||
	    (ret = schema_version(s->wdb, &v)) < 0)
		return ret;
	if (v > SCHEMA_VERSION) {
		if (error_r)
			*error_r = xasprintf("schema version %lld is newer than"
					     " this tern's (%d)", (long long)v,
					     SCHEMA_VERSION);
		return STORE_EIO;
	}
	if (v < 2 && (ret = migrate_step(s->wdb, v2_sql, 2, error_r)) < 0)
		return ret;
	return db_exec(s->wdb, mend_sql);
}
