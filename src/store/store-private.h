/* store-private.h - internals shared by the store's files.
 *
 * Layers:
 *   store.c        open/close, the writer thread (group commit), op
 *                  queue, completions onto the loop, watchers
 *   store-db.c     SQLite connections: schema, per-thread read
 *                  connections, cached prepared statements
 *   store-blob.c   blob files: streaming writer, reader, fsync/rename,
 *                  recovery of stray and orphan files
 *   store-admin.c  domains, accounts, aliases, resolve, auth lookups
 *   store-mbox.c   mailboxes
 *   store-msg.c    messages: deliver, append, flags, copy/move, expunge
 *   store-queue.c  outbound queue
 *
 * A write is a struct store_op (embedded first in an op-specific
 * struct) with an exec function that runs on the writer thread inside
 * the batch transaction, under its own SAVEPOINT: a failing op (exec
 * returns < 0) rolls back only itself. */
#ifndef TERN_STORE_PRIVATE_H
#define TERN_STORE_PRIVATE_H

#include "store/store.h"

#include "lib/buf.h"
#include "mime/mime.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>

struct uv_async_s;
struct store_recent_ent;

/* ---- database connections (store-db.c) ---- */

#define DB_STMT_CACHE 512	/* > number of distinct SQL strings */

struct db_stmt_slot {
	const char *sql;	/* pointer identity: string literals */
	sqlite3_stmt *st;
};

struct db {
	sqlite3 *h;
	struct db_stmt_slot cache[DB_STMT_CACHE];
	/* an idle message-iterator statement per kind (store-msg.c):
	 * iterators nest, so they cannot share the cache above */
#define ITER_KINDS 5
#define ITER_IDS 4	/* messages rows only: parse from the cache */
	sqlite3_stmt *iter_idle[ITER_KINDS];
	struct db *next;	/* store's list of read connections */
	int read_depth;		/* nesting of db_begin_read() */
};

int db_open(struct store *s, bool writer, struct db **db_r, char **error_r);
void db_close(struct db *db);
/* cached prepared statement, reset and with bindings cleared; NULL
 * on error (logged) */
sqlite3_stmt *db_prep(struct db *db, const char *sql);
/* 0 if the account id exists, STORE_ENOTFOUND, STORE_EIO */
int db_account_exists(struct db *db, int64_t account_id);
/* run sql without parameters or results; 0 or STORE_EIO */
int db_exec(struct db *db, const char *sql);
/* create or upgrade the schema (writer connection) */
int db_schema(struct db *db, char **error_r);
/* store-objectid.c: load (or make) the OBJECTID secret; writer db */
int store_objectid_init(struct store *s);
/* SipHash-2-4 of p under the OBJECTID secret */
uint64_t store_objectid_hash(const struct store *s, const void *p,
			     size_t len);
/* EMAILID's value of (blob, prefix); THREADID's of a blob's fields */
uint64_t store_emailid_value(const struct store *s, int64_t blob_id,
			     const void *prefix, size_t plen);
uint64_t store_threadid_value(const struct store *s, const char *references,
			      const char *in_reply_to, const char *message_id,
			      uint64_t emailid);
/* the SQL functions tern_emailid(blob_id, prefix) and
 * tern_threadid(refs, in_reply_to, message_id, emailid) on db, which
 * compute messages.emailid/threadid as store_msg_emailid/threadid do */
int store_objectid_register(struct store *s, struct db *db);
/* store-migrate.c: upgrade the schema to the current version after
 * the OBJECTID secret is loaded (writer db) */
int db_migrate(struct store *s, char **error_r);
/* the calling thread's read connection (opened on first use) */
struct db *db_reader(struct store *s);

/* ---- the blobs' parse rows in memory (store-pcache.c) ---- */

struct store_pcache;
/* NULL when max_bytes is 0 (every call below then does nothing) */
struct store_pcache *store_pcache_new(size_t max_bytes);
void store_pcache_free(struct store_pcache *c);
/* fill p (cleared by the caller) with the fields of blob_id that a load
 * of `fields` (STORE_MSG_*) wants; false if it is not cached */
bool store_pcache_get(struct store_pcache *c, int64_t blob_id,
		      unsigned fields, struct store_parse *p);
/* a cached row of blob_id without a preview gets this one */
void store_pcache_set_preview(struct store_pcache *c, int64_t blob_id,
			      const char *preview);
/* remember blob_id's complete parse row (copied) */
void store_pcache_put(struct store_pcache *c, int64_t blob_id,
		      const struct store_parse *p);
/* add the blob's top-level header bytes (STORE_MSG_HEADER) to its
 * entry, if it is still cached and has none */
void store_pcache_put_header(struct store_pcache *c, int64_t blob_id,
			     const void *hdr, size_t len);
/* log a SQLite failure and return STORE_EIO */
int db_fail(struct db *db, const char *what);
/* step a statement expected to finish (INSERT/UPDATE/DELETE):
 * 0, STORE_EEXIST on a constraint violation, STORE_EIO */
int db_step_done(struct db *db, sqlite3_stmt *st, const char *what);
/* One step of a row loop: 1 a row, 0 done, STORE_EIO (logged) when the
 * step failed. A loop must tell "done" from "failed" so that an error in
 * the middle of it is never taken for the end of the rows:
 *	while ((r = db_step_row(db, st, "what")) > 0) { ... }
 *	sqlite3_reset(st);
 *	if (r < 0) ...fail... */
int db_step_row(struct db *db, sqlite3_stmt *st, const char *what);
/* store-admin.c: column 0 of every row of st into out (cleared) */
int store_strlist_collect(struct db *db, sqlite3_stmt *st, const char *what,
			  struct store_strlist *out);
/* malloc'd copy of a text column, NULL for SQL NULL */
char *db_col_str(sqlite3_stmt *st, int col);
/* malloc'd copy of a text column, "" for SQL NULL */
char *db_col_str0(sqlite3_stmt *st, int col);
/* malloc'd NUL-terminated copy of a column's bytes (a blob's too, NULs
 * kept), "" for SQL NULL; its length in *len_r unless len_r is NULL */
void *db_col_bytes(sqlite3_stmt *st, int col, size_t *len_r);
int db_begin_read(struct db *db);
void db_end_read(struct db *db);

/* ---- the backend seen by the generic layer ----
 *
 * store.c (writer thread, group commit, completions, watchers) and the
 * blob files are backend-neutral; they reach the database only through
 * this table. The operations themselves (the exec_* functions of each
 * write, and the reads) belong to the backend: store-admin.c,
 * store-mbox.c, store-msg.c and store-queue.c are the SQLite backend's.
 * A PostgreSQL backend provides another table and its own operations,
 * behind the same store.h. */
struct store_backend {
	const char *name;
	/* open the writer's connection, create or upgrade the schema */
	int (*open)(struct store *s, char **error_r);
	/* close every connection (writer and readers) */
	void (*close)(struct store *s);
	/* the batch transaction, and one nested scope per write */
	int (*begin)(struct store *s);
	int (*op_begin)(struct store *s);
	/* ok: keep the write's changes; else undo just them */
	void (*op_end)(struct store *s, bool ok);
	/* make the batch durable (fsync'd) */
	int (*commit)(struct store *s);
	void (*rollback)(struct store *s);
	const char *(*errmsg)(struct store *s);
};

extern const struct store_backend store_sqlite_backend;

/* ---- the op queue (store.c) ---- */

struct store_op;
typedef int store_op_exec(struct store *s, struct store_op *op);
typedef void store_op_free(struct store_op *op);

struct store_op {
	store_op_exec *exec;
	store_op_free *free;	/* frees copied inputs; NULL if none */
	store_cb *cb;
	void *arg;
	int ret;
	bool sync, done;
	/* blob handed to this op: fsync'd before the batch, renamed into
	 * blobs/ by exec (store_blob_commit) */
	struct store_blob *blob;
	/* more blobs (MULTIAPPEND): each is treated like blob */
	struct store_blob **more;
	size_t nmore;
	/* the account modseq this op drew last, and for which account
	 * (store_acct_modseq_w) */
	int64_t acct_id;
	uint64_t acct_modseq;
	/* mailboxes changed (told to watchers after commit) */
	int64_t *changed;
	size_t nchanged, changed_cap;
	bool queue_changed;
	struct store_op *next;
};

/* allocate an op of size bytes (zeroed, an op-specific struct that
 * begins with struct store_op) */
void *store_op_new(size_t size, store_op_exec *exec, store_op_free *fr);
/* queue op; with cb NULL wait and return its result (op freed) */
int store_submit(struct store *s, struct store_op *op, store_cb *cb,
		 void *arg);
/* during exec: note a changed mailbox */
void store_op_changed(struct store_op *op, int64_t mailbox_id);
/* during exec: a blob whose refcount dropped to 0 (row deleted): its
 * file is unlinked by the unlinker thread after the commit's
 * completions */
void store_blob_freed(struct store *s, int64_t blob_id);

struct store_watch {
	struct store *store;
	int64_t mailbox_id;
	store_watch_fn *fn;
	void *arg;
	bool dead;
	struct store_watch *next;
};

/* store-recent.c, writer thread: are \Recent marks waiting to be
 * saved? store_recent_save writes them inside the batch;
 * store_recent_saved(ok) after its commit (not ok: they wait for the
 * next one) */
bool store_recent_pending(struct store *s);
int store_recent_save(struct store *s);
void store_recent_saved(struct store *s, bool ok);

/* store-role.c: check and keep the postmaster/abuse targets (store_open) */
int store_role_targets(struct store *s, const struct store_settings *set,
		       char **error_r);
/* store-role.c: where a role address (normalized postmaster@ or abuse@
 * of a local domain, which has no account or alias of its own) goes:
 * 1 and a malloc'd local address in *target_r, 0 when it is no role or
 * the role has no (local) target, < 0 a store error. *mailbox_r: the
 * mailbox of the target the role delivers to (NULL: INBOX). */
int store_role_target(struct store *s, struct db *db, const char *addr,
		      char **target_r, const char **mailbox_r);

struct store {
	const struct store_backend *be;
	char *data_dir;
	char *plus_sep;
	char *postmaster;	/* normalized role targets; NULL: default */
	char *abuse;
	char *dmarc_mailbox;	/* dmarc-reports@ role's mailbox; NULL: off */
	bool role_warned;	/* a non-local role target was logged */
	uint64_t max_message_size;
	bool no_fsync;
	bool use_syncfs;
	uint64_t inline_max;	/* bodies up to this size live in the db */
	uint64_t max_mailboxes;	/* per account; 0: no limit */
	uint64_t acl_max_entries;	/* per mailbox */
	uint64_t acl_max_identifier;	/* bytes */
	struct store_meta_limits meta;
	struct store_sieve_limits sieve;
	uint64_t fts_max_size;	/* bigger blobs are not indexed; 0: all */
	uint64_t fts_inline_max;	/* bigger: indexed when idle */
	bool fts_backlog;	/* blobs with fts = 0 may exist (writer) */
	struct store_pcache *pcache;	/* blobs' parse rows; NULL: off */
	unsigned char oid_key[16];	/* OBJECTID secret (store-objectid.c) */
	struct mime_preview_limits preview;	/* PREVIEW (store-parse.c) */
	int blobs_dirfd;	/* DATA_DIR/blobs */
	/* blobs/xx known to be durable in blobs/ (atomic): a folder that
	 * another thread has just created is not, until an fsync of blobs/
	 * that began after its mkdir */
	bool blob_dir_durable[256];
	int tmp_dirfd;		/* DATA_DIR/tmp */
	int lock_fd;		/* DATA_DIR/lock: flock, shared while open */

	struct db *wdb;		/* writer connection (writer thread only) */
	struct store_op *cur_op;	/* the op the writer runs; NULL between */
	pthread_key_t rkey;	/* this thread's read connection */
	pthread_mutex_t rlock;	/* guards readers list */
	struct db *readers;

	/* op queue */
	pthread_mutex_t lock;
	pthread_cond_t wake;	/* writer: queue not empty / stopping */
	pthread_cond_t done_cond; /* sync callers, store_drain */
	struct store_op *q_head, **q_tail;
	size_t n_writing;	/* ops with a cb, submitted, not yet done */
	bool stopping;
	pthread_t writer;
	bool writer_started;
	uint64_t batches, ops_committed;
	double t_sync, t_exec, t_commit;

	/* writer-thread state for the running batch */
	int64_t *freed;
	size_t nfreed, freed_cap;

	/* unlinker thread: files of blobs freed by a commit go after the
	 * batch's completions (a crash before: recovery removes them) */
	pthread_mutex_t ul_lock;
	pthread_cond_t ul_wake;
	int64_t *ul_ids;
	size_t ul_n, ul_cap;
	bool ul_stopping, ul_started;
	pthread_t ul_thread;

	/* blob sync pool: fdatasync + rename + dir fsync of the blobs
	 * handed to writes, in parallel (concurrent fsyncs share journal
	 * commits), started as soon as the write is submitted */
	pthread_mutex_t sync_lock;
	pthread_cond_t sync_wake, sync_done;
	struct store_blob *sync_head, **sync_tail;
	bool sync_stopping;
	pthread_t *sync_threads;
	int nsync_threads;
	int64_t next_blob_id;	/* atomic; > every id ever used */

	/* completions for the loop (guarded by lock) */
	struct uv_async_s *async;
	struct store_op *c_head, **c_tail;
	int64_t *c_changed;
	size_t c_nchanged, c_changed_cap;
	bool c_queue_changed;
	bool c_all_changed;	/* another process committed: every watcher */

	/* writer thread, while a loop is attached: PRAGMA data_version of
	 * the writer's connection, which only another connection's commit
	 * changes (our readers are query_only) */
	int64_t ext_version;
	double ext_next;	/* mono() of the next poll */

	/* watchers by id in a hash table of nbuckets (a power of two)
	 * chains (loop thread; recursive lock for writer-thread mode);
	 * ndead: unwatched during a dispatch, unlinked after it */
	pthread_mutex_t wlock;
	struct store_watch **wbuckets;
	size_t nbuckets, nwatch, ndead;
	int dispatching;

	/* \Recent claims (store-recent.c): mailboxes claimed since open,
	 * sorted by mailbox id */
	pthread_mutex_t recent_lock;
	struct store_recent_ent *recent;
	size_t n_recent, cap_recent;
	/* marks claimed since the last batch; those the running batch
	 * writes (copies of the entries) */
	struct store_recent_ent *recent_dirty, *recent_saving;
	size_t n_dirty, cap_dirty, n_saving;
};

/* ---- blobs (store-blob.c) ---- */

struct store_blob {
	struct store *store;
	int fd;
	char tmpname[64];	/* "xx/<id>" under blobs/ (for logs) */
	uint64_t size;
	bool failed;
	int64_t id;		/* file blobs/xx/<id>, from store_blob_begin */
	int sync_state;		/* 0 queued/not yet, 1 durable, -1 failed */
	bool in_db;		/* row inserted by store_blob_commit */
	bool has_file;		/* else the bytes are in mem (inline) */
	struct buf mem;		/* inline body, <= store->inline_max */
	/* line ends, counted as the bytes stream in (store_crlf_size) */
	uint64_t bare_lf;	/* LFs not preceded by CR (a leading LF too) */
	bool first_lf;		/* the body starts with LF */
	unsigned char last;	/* last byte written */
	struct store_blob *sync_next;
	struct store_parse parse;
	bool parsed;
	void *parser;		/* mime push parser state */
};

int store_blob_dirs(struct store *s, char **error_r);
/* start / stop the sync pool */
int store_sync_start(struct store *s, int nthreads);
void store_sync_stop(struct store *s);
/* queue a blob for durability: fdatasync, fsync blobs/xx (sync pool) */
void store_blob_sync_async(struct store *s, struct store_blob *b);
/* writer thread: wait until the blob is durable; 0 or STORE_EIO */
int store_blob_sync_wait(struct store *s, struct store_blob *b);
/* store-fts.c, writer thread, inside the op: index the blob just
 * inserted (its row and blobs.fts) */
int store_fts_blob(struct store *s, struct store_blob *b);
/* the SQL function tern_header_fold, on every connection (the index's
 * triggers call it) */
int store_fts_register(sqlite3 *h);
/* the per-recipient fields' index, made (and filled) once */
int store_fts_prefix_schema(struct db *db);
/* writer thread, outside any op: index up to max blobs not indexed yet
 * (big ones, an older store's) in one commit of bounded size; the
 * number done (*more_r: maybe more), or <0 */
int store_fts_backfill(struct store *s, size_t max, bool *more_r);
/* the whole message of a reader (prefix + blob) into out; 0 or <0 */
int store_reader_all(struct store_reader *r, struct buf *out);
/* writer thread, inside the op: insert the blob row (refcount 0) */
int store_blob_commit(struct store *s, struct store_blob *b);
/* writer thread, after the batch: drop the blob struct; the file is
 * kept if its row was committed (keep), else removed */
void store_blob_settle(struct store *s, struct store_blob *b, bool keep);
/* unlink a committed blob file (freed, or its op rolled back) */
void store_blob_unlink(struct store *s, int64_t id);
/* free the struct and close the fd (file left alone) */
void store_blob_destroy(struct store_blob *b);
/* recovery at open: remove tmp/ files and orphan blob files; sets
 * next_blob_id. Only for the first process to open the store. */
int store_blob_recover(struct store *s, char **error_r);
/* next_blob_id = 1 + max(ids in the database, at_least) */
int store_blob_next_id(struct store *s, int64_t at_least);
/* reader over blob id with an optional prefix (copied); db is the
 * calling thread's read connection */
int store_reader_new(struct store *s, struct db *db, int64_t blob_id,
		     const void *prefix, size_t prefix_len,
		     struct store_reader **r_r);
/* size of prefix + blob with every bare LF as CRLF and a missing
 * final line end added (CRLF, or LF after a final CR): the octets
 * POP3 sends (store_msgref.crlf_size) */
uint64_t store_crlf_size(const void *prefix, size_t prefix_len,
			 const struct store_blob *b);
/* adjust refcount by delta (writer thread); frees at 0 */
int store_blob_ref(struct store *s, int64_t blob_id, int delta);
void store_parse_clear(struct store_parse *p);

/* ---- parse once (store-parse.c): the MIME push parser fed while the
 * blob streams in; finish fills b->parse (idempotent) ---- */
void store_parse_begin(struct store_blob *b);
void store_parse_feed(struct store_blob *b, const void *data, size_t len);
void store_parse_finish(struct store_blob *b);
void store_parse_abort(struct store_blob *b);

/* ---- helpers ---- */

/* fsync unless no_fsync; -1 with errno on failure */
int store_fsync(struct store *s, int fd);
int64_t store_now(void);
/* "INBOX" normalization + validity; malloc'd *out_r; STORE_EBADNAME */
int store_mailbox_name_norm(const char *name, char **out_r);
/* keywords string helpers (space-separated, case-insensitive) */
char *store_kw_merge(const char *have, const char *add);
char *store_kw_remove(const char *have, const char *del);
char *store_kw_norm(const char *kw);
/* add keywords to the mailbox keyword list (writer) */
int store_mbox_add_keywords(struct store *s, int64_t mailbox_id,
			    const char *kw);

/* account/mailbox helpers used by several files (writer connection) */
int store_mbox_check(struct db *db, int64_t account_id, int64_t mailbox_id,
		     bool *noselect_r);
/* the calling thread's read connection, once account_id is found to own
 * mailbox_id: 0, ENOTFOUND, EIO */
int store_mbox_reader(struct store *s, int64_t account_id,
		      int64_t mailbox_id, struct db **db_r);
int store_mbox_by_name(struct db *db, int64_t account_id, const char *name,
		       int64_t *id_r, bool *noselect_r);
int store_mbox_create_w(struct store *s, int64_t account_id,
			const char *name, unsigned special_use,
			bool subscribed, int64_t *id_r);
int store_subscribe_w(struct store *s, int64_t account_id, const char *name,
		      bool on);
/* store-meta.c: drop a mailbox's METADATA (mailbox_id < 0: the account's) */
int store_meta_drop_w(struct store *s, int64_t account_id, int64_t mailbox_id);
/* store-sieve.c: drop the account's Sieve scripts */
int store_sieve_drop_w(struct store *s, int64_t account_id);
/* store-urlauth.c: drop a mailbox's URLAUTH key (< 0: the account's) */
int store_urlauth_drop_w(struct store *s, int64_t account_id,
			 int64_t mailbox_id);
/* store-vacation.c: the account's vacation records (account removal) */
int store_vacation_drop_w(struct store *s, int64_t account_id);
/* store-admin.c: A-Z to a-z in place (addresses, domains) */
void store_ascii_lower(char *s);
uint32_t store_new_uidvalidity(struct store *s);
/* the special use a new account's mailbox of this name has ("Sent":
 * STORE_SU_SENT...), 0 for other names (store-admin.c) */
unsigned store_default_special_use(const char *name);
/* store-acl.c, writer: drop the entries of a mailbox that goes, or of
 * an identifier (an account's address) that goes */
int store_acl_drop_mailbox(struct store *s, int64_t mailbox_id);
int store_acl_drop_identifier(struct store *s, const char *identifier);
/* store-acl.c, writer: a new mailbox takes its parent's entries (as
 * Dovecot's acl plugin does): what a team shares, its new children
 * share too, and a user who may create one (k) can use it */
int store_acl_inherit(struct store *s, int64_t account_id, const char *name,
		      int64_t mailbox_id);
/* ---- message rows: the writer's helpers (store-msg.c) ---- */

/* the account owning a mailbox; 0 none, -1 error */
int64_t store_msg_mbox_account(struct db *db, int64_t mailbox_id);
/* 0, STORE_EQUOTA, STORE_ENOTFOUND: may the account take bytes, msgs? */
int store_msg_quota_ok(struct store *s, int64_t account_id, uint64_t bytes,
		       uint64_t msgs);
/* add to an account's usage (negative: remove) */
int store_msg_account_usage(struct store *s, int64_t account_id,
			    int64_t dbytes, int64_t dmsgs);
/* add to a mailbox's message, unseen, deleted counts and size */
int store_msg_mbox_counts(struct store *s, int64_t mailbox_id, int64_t dmsgs,
			  int64_t dunseen, int64_t ddeleted, int64_t dsize);
/* take n consecutive uids in a mailbox; the first in *first_r */
int store_msg_alloc_uids(struct store *s, int64_t mailbox_id, uint32_t n,
			 uint32_t *first_r);
/* one messages row to insert */
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
int store_msg_insert(struct store *s, int64_t account_id, int64_t mailbox_id,
		     const struct msg_row *r, uint64_t modseq);
/* malloc'd copy of n ranges (NULL for none) */
struct store_uid_range *store_msg_ranges_dup(const struct store_uid_range *r,
					     size_t n);
/* remove messages matching a prepared selection of (uid) rows in a
 * mailbox, writing tombstones at modseq (writer) */
int store_msg_expunge_uid(struct store *s, int64_t mailbox_id,
			  uint32_t uid, uint64_t modseq, bool tombstone);
/* ---- the account-wide modseq (store-modseq.c), writer thread ----
 * Every mailbox's modseqs are drawn from its account's counter
 * (accounts.modseq), so one number is the state of everything in the
 * account (JMAP's state strings). Each draw also tells the account's
 * watchers (store_watch_account_changes) after the commit. */
/* a new modseq of the account, > floor too */
int store_acct_next_modseq_w(struct store *s, int64_t account_id,
			     uint64_t floor, uint64_t *modseq_r);
/* the modseq this op has drawn for the account, drawing one if it has
 * none yet: for changes that need a modseq newer than any state a
 * client saw but no modseq of their own (mailbox counts, names) */
int store_acct_modseq_w(struct store *s, int64_t account_id,
			uint64_t *modseq_r);
/* a mailbox's JMAP properties changed: modseq (and with props, its
 * props_modseq: more than the counts) take the op's account modseq */
int store_mbox_touch_w(struct store *s, int64_t mailbox_id, bool props);
/* a mailbox (id, uidvalidity) leaves JMAP's view: its tombstone */
int store_mbox_tomb_w(struct store *s, int64_t account_id,
		      int64_t mailbox_id);
/* the watch key of an account's changes (STORE_WATCH_ACCOUNT is its
 * mailbox list); watch_call turns it back into the account id */
#define STORE_WATCH_CHANGES_BASE INT64_MIN
#define STORE_WATCH_CHANGES(account_id) \
	(STORE_WATCH_CHANGES_BASE + (int64_t)(account_id))

/* allocate a new modseq for a mailbox (from its account's counter) */
int store_mbox_next_modseq(struct store *s, int64_t mailbox_id,
			   uint64_t *modseq_r);
/* move every message of src to dst (rename of INBOX; writer) */
int store_msg_move_all(struct store *s, struct store_op *op,
		       int64_t account_id, int64_t src, int64_t dst);
/* remove every message of a mailbox (writer) */
int store_mbox_empty(struct store *s, int64_t mailbox_id, bool tombstones);

#endif
