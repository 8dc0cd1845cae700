/* store-db.c - SQLite connections, schema, statement cache. */
#include "store/store-private.h"

#include <pthread.h>

#include "lib/buf.h"
#include "lib/log.h"

#include <stdlib.h>
#include <string.h>

/* version 1; later versions: store-migrate.c */
static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS meta("
	" key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS domains("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS accounts("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" address TEXT NOT NULL UNIQUE,"
	" domain_id INTEGER NOT NULL,"
	" password_hash TEXT NOT NULL DEFAULT '',"
	" scram TEXT NOT NULL DEFAULT '',"
	" enabled INTEGER NOT NULL DEFAULT 1,"
	" quota_bytes INTEGER NOT NULL DEFAULT 0,"
	" quota_messages INTEGER NOT NULL DEFAULT 0,"
	" used_bytes INTEGER NOT NULL DEFAULT 0,"
	" used_messages INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS accounts_domain ON accounts(domain_id);"
	"CREATE TABLE IF NOT EXISTS aliases("
	" address TEXT NOT NULL, target TEXT NOT NULL,"
	" domain_id INTEGER NOT NULL,"
	" PRIMARY KEY(address, target)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS aliases_domain ON aliases(domain_id);"
	"CREATE INDEX IF NOT EXISTS aliases_target ON aliases(target);"
	"CREATE TABLE IF NOT EXISTS mailboxes("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" account_id INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" special_use INTEGER NOT NULL DEFAULT 0,"
	" noselect INTEGER NOT NULL DEFAULT 0,"
	" uidvalidity INTEGER NOT NULL,"
	" uidnext INTEGER NOT NULL DEFAULT 1,"
	" highestmodseq INTEGER NOT NULL DEFAULT 1,"
	" messages INTEGER NOT NULL DEFAULT 0,"
	" unseen INTEGER NOT NULL DEFAULT 0,"
	" deleted INTEGER NOT NULL DEFAULT 0,"
	" size INTEGER NOT NULL DEFAULT 0,"
	" keywords TEXT NOT NULL DEFAULT '',"
	/* uids from here on are \Recent for the next session to claim
	 * them (store-recent.c) */
	" first_recent_uid INTEGER NOT NULL DEFAULT 1,"
	" UNIQUE(account_id, name));"
	/* names, not mailboxes (RFC 9051 6.3.7): a subscription outlives
	 * DELETE and RENAME of the mailbox of that name */
	"CREATE TABLE IF NOT EXISTS subscriptions("
	" account_id INTEGER NOT NULL, name TEXT NOT NULL,"
	" PRIMARY KEY(account_id, name)) WITHOUT ROWID;"
	/* METADATA (RFC 5464, store-meta.c); mailbox_id 0: server entries */
	"CREATE TABLE IF NOT EXISTS metadata("
	" account_id INTEGER NOT NULL, mailbox_id INTEGER NOT NULL,"
	" name TEXT NOT NULL, value BLOB NOT NULL,"
	" PRIMARY KEY(account_id, mailbox_id, name)) WITHOUT ROWID;"
	/* URLAUTH mailbox access keys (RFC 4467 7, store-urlauth.c) */
	"CREATE TABLE IF NOT EXISTS urlauth_keys("
	" account_id INTEGER NOT NULL, mailbox_id INTEGER NOT NULL,"
	" key BLOB NOT NULL,"
	" PRIMARY KEY(account_id, mailbox_id)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS blobs("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" size INTEGER NOT NULL,"
	" refcount INTEGER NOT NULL DEFAULT 0,"
	" envelope TEXT, body TEXT, bodystructure TEXT,"
	" sent_date INTEGER NOT NULL DEFAULT 0,"
	" sent_tz INTEGER NOT NULL DEFAULT 0,"
	" header_len INTEGER NOT NULL DEFAULT 0,"
	" body_lines INTEGER NOT NULL DEFAULT 0,"
	" subject TEXT, hfrom TEXT, hto TEXT, hcc TEXT, hbcc TEXT,"
	" message_id TEXT, in_reply_to TEXT, refs TEXT,"
	" sort_subject TEXT, sort_from TEXT, sort_to TEXT, sort_cc TEXT,"
	" sort_dfrom TEXT, sort_dto TEXT,"
	" headers TEXT, partmap BLOB,"
	" preview TEXT,"	/* RFC 8970; NULL: not made yet */
	" data BLOB,"	/* the body itself when small (else a file) */
	" fts INTEGER NOT NULL DEFAULT 0);"	/* store-fts.c */
	/* the full-text index (store-fts.c): rowid = blobs.id */
	"CREATE VIRTUAL TABLE IF NOT EXISTS blob_text USING fts5(hdr, body,"
	" tokenize = 'trigram case_sensitive 1', detail = full);"
	"CREATE TRIGGER IF NOT EXISTS blobs_text_gone AFTER DELETE ON blobs"
	" BEGIN DELETE FROM blob_text WHERE rowid = old.id; END;"
	"CREATE TABLE IF NOT EXISTS messages("
	" mailbox_id INTEGER NOT NULL,"
	" uid INTEGER NOT NULL,"
	" blob_id INTEGER NOT NULL,"
	" prefix BLOB,"
	" size INTEGER NOT NULL,"
	" flags INTEGER NOT NULL DEFAULT 0,"
	" keywords TEXT NOT NULL DEFAULT '',"
	" modseq INTEGER NOT NULL,"
	" internaldate INTEGER NOT NULL,"
	" internaldate_tz INTEGER NOT NULL DEFAULT 0,"
	" savedate INTEGER NOT NULL,"
	" crlf_size INTEGER,"	/* store_msgref.crlf_size; NULL: unknown */
	" PRIMARY KEY(mailbox_id, uid)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS messages_modseq"
	" ON messages(mailbox_id, modseq);"
	"CREATE TABLE IF NOT EXISTS expunged("
	" mailbox_id INTEGER NOT NULL, uid INTEGER NOT NULL,"
	" modseq INTEGER NOT NULL,"
	" PRIMARY KEY(mailbox_id, uid)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS expunged_modseq"
	" ON expunged(mailbox_id, modseq);"
	"CREATE TABLE IF NOT EXISTS queue("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" blob_id INTEGER NOT NULL,"
	" sender TEXT NOT NULL,"
	" envid TEXT,"
	" ret INTEGER NOT NULL DEFAULT 0,"
	" created INTEGER NOT NULL,"
	" prefix BLOB);"
	"CREATE TABLE IF NOT EXISTS queue_rcpts("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" msg_id INTEGER NOT NULL,"
	" address TEXT NOT NULL,"
	" orcpt TEXT,"
	" notify INTEGER NOT NULL DEFAULT 0,"
	" state INTEGER NOT NULL DEFAULT 0,"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" next_attempt INTEGER NOT NULL,"
	" updated INTEGER NOT NULL,"
	" last_error TEXT);"
	"CREATE INDEX IF NOT EXISTS queue_rcpts_msg ON queue_rcpts(msg_id);"
	"CREATE INDEX IF NOT EXISTS queue_rcpts_due"
	" ON queue_rcpts(state, next_attempt);"
	/* RFC 4314 ACL entries (store-acl.c); rights as "lrs..." */
	"CREATE TABLE IF NOT EXISTS acl("
	" mailbox_id INTEGER NOT NULL, identifier TEXT NOT NULL,"
	" rights TEXT NOT NULL,"
	" PRIMARY KEY(mailbox_id, identifier)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS acl_identifier ON acl(identifier);"
	/* DMARC aggregate report rows (store-dmarc.c): one per checked
	 * message, deleted once reported or after the retention */
	"CREATE TABLE IF NOT EXISTS dmarc_rows("
	" id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" time INTEGER NOT NULL, day INTEGER NOT NULL,"
	" header_from TEXT NOT NULL, policy_domain TEXT NOT NULL,"
	" rua TEXT NOT NULL, adkim TEXT NOT NULL, aspf TEXT NOT NULL,"
	" p TEXT NOT NULL, sp TEXT NOT NULL, pct INTEGER NOT NULL,"
	" source_ip TEXT NOT NULL, envelope_from TEXT NOT NULL,"
	" disposition TEXT NOT NULL, dmarc_dkim TEXT NOT NULL,"
	" dmarc_spf TEXT NOT NULL, dkim TEXT NOT NULL,"
	" spf_domain TEXT NOT NULL, spf_scope TEXT NOT NULL,"
	" spf_result TEXT NOT NULL);"
	/* rows recorded per UTC day, for dmarc_reports.max_rows_per_day
	 * without counting them at every insert */
	"CREATE TABLE IF NOT EXISTS dmarc_days("
	" day INTEGER PRIMARY KEY, rows INTEGER NOT NULL);"
	"CREATE INDEX IF NOT EXISTS dmarc_rows_domain"
	" ON dmarc_rows(policy_domain, time);"
	"CREATE INDEX IF NOT EXISTS dmarc_rows_time ON dmarc_rows(time);"
	/* login tokens, by SHA-256 (store-token.c) */
	"CREATE TABLE IF NOT EXISTS tokens("
	" hash BLOB PRIMARY KEY, account_id INTEGER NOT NULL,"
	" kind INTEGER NOT NULL, issued INTEGER NOT NULL,"
	" expires INTEGER NOT NULL, last_used INTEGER NOT NULL,"
	" secret_tag INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	/* Sieve scripts (store-sieve.c): at most one active per account;
	 * updated (ms) only grows per account, the active one's version */
	"CREATE TABLE IF NOT EXISTS sieve_scripts("
	" account_id INTEGER NOT NULL, name TEXT NOT NULL,"
	" script TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 0,"
	" updated INTEGER NOT NULL,"
	" PRIMARY KEY(account_id, name)) WITHOUT ROWID;"
	"CREATE UNIQUE INDEX IF NOT EXISTS sieve_scripts_active"
	" ON sieve_scripts(account_id) WHERE active != 0;"
	/* vacation replies sent (store-vacation.c): none again to that
	 * sender with that handle before expires */
	"CREATE TABLE IF NOT EXISTS sieve_vacation("
	" account_id INTEGER NOT NULL, handle TEXT NOT NULL,"
	" sender TEXT NOT NULL, expires INTEGER NOT NULL,"
	" PRIMARY KEY(account_id, handle, sender)) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO meta(key, value) VALUES('schema', 1);"
	"INSERT OR IGNORE INTO meta(key, value) VALUES('uidvalidity', 0);";

int
db_fail(struct db *db, const char *what)
{
	log_error(0, "store: sqlite %s failed: %s", what,
		  db && db->h ? sqlite3_errmsg(db->h) : "?");
	return STORE_EIO;
}

/* Process-wide SQLite settings, before its first use. Every connection
 * belongs to one thread at a time (SQLITE_OPEN_NOMUTEX), so the library's
 * own locks only cost: its malloc statistics take one global mutex per
 * allocation, which the FETCH/SEARCH workers fought over (a third of
 * the CPU under the IMAP benchmark went to futex calls). */
static void
db_global_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

int
db_open(struct store *s, bool writer, struct db **db_r, char **error_r)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct db *db = xcalloc(1, sizeof(*db));
	char *path = xasprintf("%s/tern.db", s->data_dir);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc;

	pthread_once(&once, db_global_init);
	if (writer)
		flags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &db->h, flags, NULL);
	free(path);
	if (rc != SQLITE_OK) {
		if (error_r)
			*error_r = xasprintf("sqlite open: %s",
					     db->h ? sqlite3_errmsg(db->h) :
					     sqlite3_errstr(rc));
		db_close(db);
		return STORE_EIO;
	}
	sqlite3_busy_timeout(db->h, 30000);
	if (store_fts_register(db->h) < 0) {
		if (error_r)
			*error_r = xasprintf("sqlite function: %s",
					     sqlite3_errmsg(db->h));
		db_close(db);
		return STORE_EIO;
	}
	if (writer) {
		if (db_exec(db, "PRAGMA journal_mode=WAL") < 0 ||
		    db_exec(db, s->no_fsync ? "PRAGMA synchronous=OFF" :
			    "PRAGMA synchronous=FULL") < 0 ||
		    db_exec(db, "PRAGMA cache_size=-32000") < 0 ||
		    db_exec(db, "PRAGMA temp_store=MEMORY") < 0) {
			if (error_r)
				*error_r = xasprintf("sqlite setup: %s",
						     sqlite3_errmsg(db->h));
			db_close(db);
			return STORE_EIO;
		}
	} else {
		db_exec(db, "PRAGMA query_only=1");
		db_exec(db, "PRAGMA cache_size=-8000");
	}
	*db_r = db;
	return 0;
}

void
db_close(struct db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < DB_STMT_CACHE; i++)
		if (db->cache[i].st)
			sqlite3_finalize(db->cache[i].st);
	for (size_t i = 0; i < ITER_KINDS; i++)
		sqlite3_finalize(db->iter_idle[i]);
	if (db->h)
		sqlite3_close_v2(db->h);
	free(db);
}

int
db_exec(struct db *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db->h, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error(0, "store: sqlite exec \"%.60s\" failed: %s", sql,
			  err ? err : "?");
		sqlite3_free(err);
		return STORE_EIO;
	}
	return 0;
}

sqlite3_stmt *
db_prep(struct db *db, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) % DB_STMT_CACHE;

	for (size_t i = 0; i < DB_STMT_CACHE; i++) {
		struct db_stmt_slot *slot = &db->cache[(h + i) % DB_STMT_CACHE];
		if (slot->sql == sql) {
			sqlite3_reset(slot->st);
			sqlite3_clear_bindings(slot->st);
			return slot->st;
		}
		if (slot->sql == NULL) {
			if (sqlite3_prepare_v3(db->h, sql, -1,
					       SQLITE_PREPARE_PERSISTENT,
					       &slot->st, NULL) != SQLITE_OK) {
				db_fail(db, "prepare");
				log_error(0, "store: sql: %s", sql);
				slot->st = NULL;
				return NULL;
			}
			slot->sql = sql;
			return slot->st;
		}
	}
	/* cache full: should not happen (raise DB_STMT_CACHE) */
	log_error(0, "store: statement cache full");
	return NULL;
}

int
db_step_row(struct db *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return db_fail(db, what);
}

int
db_step_done(struct db *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return STORE_EEXIST;
	return db_fail(db, what);
}

char *
db_col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	if (t == NULL)
		return NULL;
	return xstrndup((const char *)t, (size_t)sqlite3_column_bytes(st, col));
}

char *
db_col_str0(sqlite3_stmt *st, int col)
{
	char *s = db_col_str(st, col);

	return s ? s : xstrdup("");
}

void *
db_col_bytes(sqlite3_stmt *st, int col, size_t *len_r)
{
	const void *p = sqlite3_column_blob(st, col);
	size_t len = (size_t)sqlite3_column_bytes(st, col);
	char *t = xmalloc(len + 1);

	if (len)
		memcpy(t, p, len);
	t[len] = '\0';
	if (len_r)
		*len_r = len;
	return t;
}

int
db_begin_read(struct db *db)
{
	if (db->read_depth++ > 0 || sqlite3_get_autocommit(db->h) == 0)
		return 0;
	if (db_exec(db, "BEGIN") < 0) {
		db->read_depth--;
		return STORE_EIO;
	}
	return 0;
}

void
db_end_read(struct db *db)
{
	if (db->read_depth > 0 && --db->read_depth == 0 &&
	    sqlite3_get_autocommit(db->h) == 0)
		db_exec(db, "COMMIT");
}

/* does table have the column? 1 yes, 0 no, STORE_EIO (schema upgrades) */
static int
db_has_column(struct db *db, const char *table, const char *column)
{
	char *sql = xasprintf("PRAGMA table_info(%s)", table);
	sqlite3_stmt *st;
	int r, has = 0;

	r = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	free(sql);
	if (r != SQLITE_OK)
		return db_fail(db, "table_info");
	while ((r = db_step_row(db, st, "table_info")) > 0) {
		const unsigned char *name = sqlite3_column_text(st, 1);

		if (name && strcmp((const char *)name, column) == 0)
			has = 1;
	}
	sqlite3_finalize(st);
	return r < 0 ? r : has;
}

/* add a column that stores made by an older tern lack */
static int
db_add_column(struct db *db, const char *table, const char *column,
	      const char *type)
{
	int r = db_has_column(db, table, column);
	char *sql;

	if (r != 0)
		return r < 0 ? r : 0;
	sql = xasprintf("ALTER TABLE %s ADD COLUMN %s %s", table, column, type);
	r = db_exec(db, sql);
	free(sql);
	return r;
}

/* stores made when the subscription was a column of the mailbox row:
 * copy the subscribed names to their own table and drop the column, in
 * one transaction */
static int
db_move_subscriptions(struct db *db)
{
	int r = db_has_column(db, "mailboxes", "subscribed");

	if (r <= 0)
		return r;
	if (db_exec(db, "BEGIN IMMEDIATE") < 0)
		return STORE_EIO;
	if (db_exec(db, "INSERT OR IGNORE INTO subscriptions(account_id, name)"
		    " SELECT account_id, name FROM mailboxes"
		    " WHERE subscribed != 0") < 0 ||
	    db_exec(db, "ALTER TABLE mailboxes DROP COLUMN subscribed") < 0) {
		db_exec(db, "ROLLBACK");
		return STORE_EIO;
	}
	if (db_exec(db, "COMMIT") < 0)
		return STORE_EIO;
	log_info(0, "store: subscriptions moved to their own table");
	return 0;
}

int
db_schema(struct db *db, char **error_r)
{
	char *err = NULL;

	if (sqlite3_exec(db->h, schema_sql, NULL, NULL, &err) != SQLITE_OK) {
		if (error_r)
			*error_r = xasprintf("schema: %s", err ? err : "?");
		sqlite3_free(err);
		return STORE_EIO;
	}
	/* stores made before inline bodies, before messages.crlf_size
	 * (old rows stay NULL), and before \Recent (every message of an
	 * old store is recent for the first session after the upgrade),
	 * and before PREVIEW (NULL: made when first asked for) */
	if (db_add_column(db, "blobs", "data", "BLOB") < 0 ||
	    db_add_column(db, "messages", "crlf_size", "INTEGER") < 0 ||
	    db_add_column(db, "mailboxes", "first_recent_uid",
			  "INTEGER NOT NULL DEFAULT 1") < 0 ||
	    db_add_column(db, "blobs", "preview", "TEXT") < 0 ||
	    db_add_column(db, "blobs", "fts", "INTEGER NOT NULL DEFAULT 0") < 0 ||
	    db_add_column(db, "queue", "prefix", "BLOB") < 0)
		return STORE_EIO;
	/* the blobs SEARCH must scan (store-fts.c): few, once indexed */
	if (db_exec(db, "CREATE INDEX IF NOT EXISTS blobs_unindexed"
		    " ON blobs(id) WHERE fts != 1") < 0)
		return STORE_EIO;
	/* SEARCH BODY/TEXT from the index's bodies to their messages
	 * (store_fts_uids); the per-recipient fields have their own
	 * index, prefix_text, which replaced messages_prefixed */
	if (db_exec(db, "CREATE INDEX IF NOT EXISTS messages_blob"
		    " ON messages(blob_id)") < 0 ||
	    db_exec(db, "DROP INDEX IF EXISTS messages_prefixed") < 0)
		return STORE_EIO;
	if (store_fts_prefix_schema(db) < 0)
		return STORE_EIO;
	return db_move_subscriptions(db);
}

struct db *
db_reader(struct store *s)
{
	struct db *db = pthread_getspecific(s->rkey);

	if (db != NULL)
		return db;
	if (db_open(s, false, &db, NULL) < 0)
		return NULL;
	pthread_mutex_lock(&s->rlock);
	db->next = s->readers;
	s->readers = db;
	pthread_mutex_unlock(&s->rlock);
	pthread_setspecific(s->rkey, db);
	return db;
}

/* ------------------------------------------------------------------ */
/* the backend table for the generic layer                            */

static int
sqlite_open(struct store *s, char **error_r)
{
	int ret = db_open(s, true, &s->wdb, error_r);

	if (ret == 0)
		ret = db_schema(s->wdb, error_r);
	if (ret == 0 && (ret = store_objectid_init(s)) < 0 && error_r)
		*error_r = xstrdup("objectid key");
	if (ret == 0)
		ret = db_migrate(s, error_r);
	return ret;
}

static void
sqlite_close(struct store *s)
{
	if (s->wdb) {
		/* leave a small WAL behind */
		db_exec(s->wdb, "PRAGMA wal_checkpoint(TRUNCATE)");
		db_close(s->wdb);
		s->wdb = NULL;
	}
	pthread_mutex_lock(&s->rlock);
	while (s->readers) {
		struct db *db = s->readers;
		s->readers = db->next;
		db_close(db);
	}
	pthread_mutex_unlock(&s->rlock);
}

static int
sqlite_begin(struct store *s)
{
	return db_exec(s->wdb, "BEGIN IMMEDIATE");
}

static int
sqlite_op_begin(struct store *s)
{
	return db_exec(s->wdb, "SAVEPOINT op");
}

static void
sqlite_op_end(struct store *s, bool ok)
{
	if (!ok)
		db_exec(s->wdb, "ROLLBACK TO op");
	db_exec(s->wdb, "RELEASE op");
}

static int
sqlite_commit(struct store *s)
{
	return db_exec(s->wdb, "COMMIT");
}

static void
sqlite_rollback(struct store *s)
{
	if (sqlite3_get_autocommit(s->wdb->h) == 0)
		db_exec(s->wdb, "ROLLBACK");
}

static const char *
sqlite_errmsg(struct store *s)
{
	return s->wdb ? sqlite3_errmsg(s->wdb->h) : "not open";
}

const struct store_backend store_sqlite_backend = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.op_begin = sqlite_op_begin,
	.op_end = sqlite_op_end,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.errmsg = sqlite_errmsg,
};

/* db_account_exists - 0 if the account id exists, STORE_ENOTFOUND if
 * not, STORE_EIO on a database error */
int
db_account_exists(struct db *db, int64_t account_id)
{
	static const char sql[] = "SELECT 1 FROM accounts WHERE id = ?";
	sqlite3_stmt *st = db_prep(db, sql);
	int ret;

	if (st == NULL)
		return STORE_EIO;
	sqlite3_bind_int64(st, 1, account_id);
	ret = sqlite3_step(st) == SQLITE_ROW ? 0 : STORE_ENOTFOUND;
	sqlite3_reset(st);
	return ret;
}
