/* store.h - the mail store: the only door to accounts, mailboxes,
 * messages and the outbound queue.
 *
 * Protocol code (smtp, imap, pop3, relay, cli) calls only this header;
 * nothing outside src/store knows SQL or files.
 *
 * Backend: SQLite (WAL) in DATA_DIR/tern.db for metadata; message bodies
 * are immutable blob files DATA_DIR/blobs/xx/<id>, written once, shared
 * by every message row that refers to them, removed when the last
 * reference goes.
 *
 * THREADS
 *   Reads (everything that only looks) are synchronous and may be called
 *   from any thread; each thread gets its own read connection (WAL
 *   readers never block the writer). A read sees every write whose
 *   completion has been reported.
 *
 *   Writes (everything taking store_cb cb, void *arg as its last two
 *   arguments) go through one writer thread that commits in batches
 *   (group commit): one commit covers every write queued while the
 *   previous commit ran.
 *     - cb == NULL: the call blocks until committed and returns the
 *       result (CLI, tests). Output parameters are filled on return.
 *     - cb != NULL: the call returns 0 at once (or a negative error if
 *       the request was refused before queueing, in which case cb is
 *       NOT called); later cb(arg, ret) runs, with ret the result that
 *       the blocking form would have returned. Output parameters
 *       (pointers passed in, marked "out") are filled before cb runs,
 *       so they must stay valid until then. Inputs (strings, arrays,
 *       prefixes) are copied before the call returns.
 *     - cb runs on the loop thread when store_attach_loop() was called,
 *       otherwise on the writer thread (tests, bench, CLI threads);
 *       a cb on the writer thread may queue more writes with a cb but
 *       must not make a blocking write (cb NULL): that would deadlock.
 *     - A blocking write on the loop thread stalls the loop until the
 *       commit (fsync): protocol code always passes a cb.
 *   Durable writes (deliver, append, copy/move, queue) complete only
 *   after the blob files, their directory and the database commit are
 *   fsync'd.
 *
 * ERRORS
 *   0 on success, a negative STORE_E* code on failure; store_strerror()
 *   names it. Functions with char **error_r set a malloc'd detail on
 *   failure when error_r != NULL (free it).
 *
 * SCOPING
 *   Every mailbox and message call takes the account id of the
 *   authenticated user and fails with STORE_ENOTFOUND if the mailbox is
 *   not that account's: a session can never reach another account's mail.
 *   A mailbox shared with the user (RFC 4314, "Access control" below) is
 *   reached with its owner's account id, only after the protocol has
 *   asked store_acl_rights() what the user may do there.
 *
 * MEMORY
 *   Result structs are filled by the store with malloc'd members; free
 *   them with the matching _free() or _clear() function (safe on zeroed
 *   structs) whatever the call returned. */
#ifndef TERN_STORE_H
#define TERN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct store;
struct store_blob;
struct buf;
struct store_reader;
struct store_watch;
struct store_msg_iter;
struct uv_loop_s;

enum store_error {
	STORE_OK = 0,
	STORE_ENOTFOUND = -1,	/* unknown domain/account/alias/mailbox/uid */
	STORE_EEXIST = -2,	/* duplicate domain/account/alias/mailbox */
	STORE_EBADADDR = -3,	/* malformed address */
	STORE_ENOTLOCAL = -4,	/* address's domain is not a local domain */
	STORE_EBADNAME = -5,	/* malformed mailbox name */
	STORE_EQUOTA = -6,	/* over quota (bytes or messages) */
	STORE_ENOSELECT = -7,	/* mailbox is \Noselect */
	STORE_EHASCHILDREN = -8, /* delete of a \Noselect mailbox with children */
	STORE_EPERM = -9,	/* not allowed: delete INBOX, rename to INBOX */
	STORE_ENOTEMPTY = -10,	/* domain still has accounts or aliases */
	STORE_EDISABLED = -11,	/* account is disabled */
	STORE_ELOOP = -12,	/* alias expansion too deep or too wide */
	STORE_EINVAL = -13,	/* bad argument */
	STORE_EIO = -14,	/* disk or database error (see log / error_r) */
	STORE_ECLOSED = -15,	/* store is closing */
	STORE_ETOOBIG = -16,	/* message larger than the store accepts */
	STORE_ELIMIT = -17,	/* account has store_settings.max_mailboxes;
				   ACL entries or identifier over its limit */
	STORE_EBUSY = -18,	/* in use: delete of the active Sieve script */
};

const char *store_strerror(int err);
/* the data folder the store was opened in */
const char *store_data_dir(const struct store *s);

/* Completion of a write; ret as described under THREADS. */
typedef void store_cb(void *arg, int ret);

/* ------------------------------------------------------------------ */
/* Open, close, event loop                                            */

struct store_settings {
	const char *data_dir;		/* required; created if missing */
	/* plus-addressing separator: "user+tag@d" reaches "user@d".
	 * NULL means "+"; "" disables plus-addressing. Any of the
	 * characters in the string separates (e.g. "+-"). */
	const char *plus_separator;
	/* role addresses (RFC 5321 4.5.1, RFC 2142): a local account or
	 * alias that receives postmaster@ (abuse@) of every local domain
	 * that has no account or alias of that name. postmaster NULL or
	 * "": the first account created; abuse NULL or "": none. */
	const char *postmaster;
	const char *abuse;
	/* DMARC aggregate reports mailed to dmarc-reports@ every local
	 * domain (the rua= `tern dns` publishes) go to this mailbox of the
	 * postmaster target, made on the first delivery; NULL or "": that
	 * address is no role */
	const char *dmarc_mailbox;
	/* largest message accepted by store_blob_write(); 0: no limit */
	uint64_t max_message_size;
	/* TESTS ONLY: skip every fsync (breaks invariant 1) */
	bool unsafe_no_fsync;
	/* message bodies up to this many bytes are kept inside the
	 * database (durable with the commit's WAL fsync, no file or fsync
	 * of their own: 5-30x more durable deliveries/s, see
	 * src/store/README.md); larger ones are files blobs/xx/<id>.
	 * <= 0: every body is a file. tern.conf's store.inline_max sets it
	 * (default STORE_INLINE_DEFAULT). */
	int64_t blob_inline_max;
	/* bytes of blobs' parse rows (ENVELOPE, BODYSTRUCTURE, part map,
	 * decoded fields) kept in memory for FETCH and SEARCH; 0: none.
	 * tern.conf's store.parse_cache sets it. */
	uint64_t parse_cache_bytes;
	/* make blob files durable with one syncfs(2) per commit instead of
	 * fdatasync + directory fsync per file: fewer flushes, but it also
	 * flushes everything else dirty on that filesystem, so use it only
	 * when data_dir has a filesystem of its own */
	bool blob_syncfs;
	/* mailboxes one account may have (parents made by a CREATE count
	 * too); 0: no limit. tern.conf's store.max_mailboxes sets it. */
	uint64_t max_mailboxes;
	/* ACL entries one mailbox may have (0: STORE_ACL_MAX_ENTRIES),
	 * bytes of one identifier (0: STORE_ACL_MAX_IDENTIFIER);
	 * tern.conf's store.acl_max_entries / store.acl_max_identifier */
	uint64_t acl_max_entries;
	uint64_t acl_max_identifier;
	/* METADATA (RFC 5464) limits; 0: none. tern.conf's store.metadata_*
	 * set them. */
	struct store_meta_limits {
		uint64_t max_value;		/* bytes of one value */
		uint64_t max_entries_mailbox;	/* per mailbox (or server) */
		uint64_t max_entries;		/* per account */
		uint64_t max_bytes;	/* names + values, per account */
	} meta;
	/* PREVIEW (RFC 8970): text parts tried and bytes of each read to
	 * make it at delivery (0: the defaults); tern.conf's
	 * store.preview_parts and store.preview_read */
	uint64_t preview_parts, preview_read;
	/* messages bigger than this are not put in the full-text index
	 * (SEARCH BODY/TEXT reads them); 0: no limit. tern.conf's
	 * store.fts_max_size sets it. */
	uint64_t fts_max_size;
	/* messages up to this size are indexed in the commit that stores
	 * them; bigger ones by the writer when it has nothing else to do
	 * (read by SEARCH until then); 0: all in the commit.
	 * store.fts_inline_max. */
	uint64_t fts_inline_max;
	/* Sieve scripts (store_sieve_put, store_sieve_havespace); 0: no
	 * limit. tern.conf's sieve.max_scripts, sieve.quota,
	 * sieve.max_script_size. */
	struct store_sieve_limits {
		uint64_t max_scripts;	/* scripts of one account */
		uint64_t quota;		/* bytes of all of them */
		uint64_t max_size;	/* bytes of one */
	} sieve;
};

#define STORE_ACL_MAX_ENTRIES 100
#define STORE_ACL_MAX_IDENTIFIER 255

#define STORE_INLINE_DEFAULT (64 * 1024)

/* Open (creating if needed) the store in set->data_dir: creates
 * tern.db, blobs/, tmp/; upgrades the schema; recovery: removes stray
 * files in tmp/ and blob files no row refers to (crash between write
 * and commit), and finishes unlinks of blobs freed before a crash.
 * Recovery runs only in the first process to open the store (flock on
 * DATA_DIR/lock); a CLI run beside a running server skips it. Starts
 * the writer thread and the blob sync threads. */
int store_open(const struct store_settings *set, struct store **store_r,
	       char **error_r);

/* Deliver completions and watcher calls on this loop (call on the loop
 * thread, once). Uses one uv_async_t; it does not keep the loop alive
 * (unref'd). */
int store_attach_loop(struct store *store, struct uv_loop_s *loop);

/* The loop has stopped (tern serve, at exit): wait until every write
 * submitted with a cb has committed, then run the completions and
 * watcher calls waiting for the loop, here (the loop thread). true if
 * any ran: they may have started more work (run the loop again, then
 * call this again). */
bool store_drain(struct store *store);

/* Wait for every queued write to commit, run the pending completions
 * (on the calling thread, which must be the loop thread if a loop is
 * attached), stop the writer, close everything; *store = NULL.
 * With a loop attached, run the loop once more afterwards (uv_run
 * UV_RUN_NOWAIT) before uv_loop_close() so the async handle closes. */
void store_close(struct store **store);

/* Writer statistics (bench, metrics): commits, writes, and the writer
 * thread's seconds spent waiting for blob files to become durable,
 * executing writes, and committing (fsync of the WAL). */
struct store_stats {
	uint64_t batches;
	uint64_t ops;
	double sync_wait_s;
	double exec_s;
	double commit_s;
};
void store_get_stats(struct store *store, struct store_stats *st);

/* ------------------------------------------------------------------ */
/* Addresses and recipient resolution                                 */

/* Normalize "Local@Example.COM" to "local@example.com" (lowercase
 * both parts; the store treats local parts case-insensitively).
 * Accepts "@domain" (catch-all form) only when allow_catchall.
 * Returns 0 and a malloc'd *out_r, or STORE_EBADADDR. */
int store_address_normalize(const char *address, bool allow_catchall,
			    char **out_r);

/* true if domain (any case) is one of the local domains */
bool store_is_local_domain(struct store *store, const char *domain);

enum store_target_kind {
	STORE_TARGET_LOCAL = 1,		/* an account of this server */
	STORE_TARGET_REMOTE = 2,	/* an address to relay to */
};

struct store_target {
	enum store_target_kind kind;
	int64_t account_id;	/* LOCAL */
	char *address;		/* LOCAL: the account's address;
				   REMOTE: the address to relay to */
	const char *mailbox;	/* LOCAL: a role's own mailbox (the store's
				   string), NULL: INBOX */
};

struct store_resolved {
	size_t n;
	struct store_target *v;	/* duplicates removed */
};

/* Resolve a recipient address (what RCPT TO names) of a local domain.
 * Order: exact account; exact alias; for postmaster@ and abuse@, the
 * role's target (store_settings.postmaster/abuse: a local account or
 * alias); with plus-addressing, the same two for the address without
 * "+tag"; catch-all alias "@domain".
 * Aliases expand recursively (targets may be accounts, other aliases
 * or remote addresses; depth limit 8, at most 1000 targets: else
 * STORE_ELOOP). Disabled accounts still receive mail.
 * Returns 0 with r->n >= 1, STORE_ENOTFOUND (SMTP: 550 5.1.1),
 * STORE_ENOTLOCAL (domain not local: relay decision is the caller's),
 * STORE_EBADADDR. */
int store_resolve(struct store *store, const char *address,
		  struct store_resolved *r);
void store_resolved_free(struct store_resolved *r);

/* ------------------------------------------------------------------ */
/* Authentication lookups (for src/auth only)                         */

struct store_auth {
	int64_t account_id;
	char *address;		/* normalized */
	char *password_hash;	/* argon2id string, may be "" */
	char *scram;		/* SCRAM-SHA-256 secret string, may be "" */
	bool enabled;
};

/* By login name (full address, any case). STORE_ENOTFOUND if none. */
int store_auth_lookup(struct store *store, const char *login,
		      struct store_auth *a);
void store_auth_clear(struct store_auth *a);

/* ------------------------------------------------------------------ */
/* Admin: domains, accounts, aliases (CLI)                            */

struct store_strlist {
	size_t n;
	char **v;
};
void store_strlist_free(struct store_strlist *l);

/* domain names are lowercased; EEXIST, EBADADDR (bad domain syntax) */
int store_domain_add(struct store *store, const char *domain,
		     store_cb cb, void *arg);
/* ENOTFOUND; ENOTEMPTY while accounts or aliases of it exist */
int store_domain_remove(struct store *store, const char *domain,
			store_cb cb, void *arg);
int store_domain_list(struct store *store, struct store_strlist *out);

struct store_account {
	int64_t id;
	char *address;
	uint64_t quota_bytes;		/* 0: unlimited */
	uint64_t quota_messages;	/* 0: unlimited */
	uint64_t used_bytes;		/* sum of message sizes, all mailboxes */
	uint64_t used_messages;
	bool enabled;
	int64_t created;		/* unix time */
};

/* Create an account with INBOX, Sent, Drafts, Trash, Junk, Archive
 * (special-use attributes set, all subscribed). password_hash and
 * scram are stored as given (NULL = ""). EEXIST (account or alias with
 * that address), EBADADDR, ENOTLOCAL (domain not added). *id_r (out,
 * may be NULL) is the new account id. */
int store_account_add(struct store *store, const char *address,
		      const char *password_hash, const char *scram,
		      int64_t *id_r, store_cb cb, void *arg);
int store_account_set_password(struct store *store, const char *address,
			       const char *password_hash, const char *scram,
			       store_cb cb, void *arg);
/* 0 = unlimited */
int store_account_set_quota(struct store *store, const char *address,
			    uint64_t quota_bytes, uint64_t quota_messages,
			    store_cb cb, void *arg);
int store_account_set_enabled(struct store *store, const char *address,
			      bool enabled, store_cb cb, void *arg);
/* Removes the account, its mailboxes and messages (blobs freed when
 * no longer referenced), and alias targets naming it. */
int store_account_remove(struct store *store, const char *address,
			 store_cb cb, void *arg);
/* by address or by id (address NULL) */
int store_account_get(struct store *store, const char *address, int64_t id,
		      struct store_account *a);
void store_account_clear(struct store_account *a);

struct store_account_list {
	size_t n;
	struct store_account *v;
};
/* domain NULL: all accounts; sorted by address */
int store_account_list(struct store *store, const char *domain,
		       struct store_account_list *out);
void store_account_list_free(struct store_account_list *l);

/* Quota check for a message of size bytes (SMTP RCPT with SIZE=, IMAP
 * APPEND before reading the literal): 0 or STORE_EQUOTA. Advisory; the
 * binding check happens in the commit. */
int store_quota_check(struct store *store, int64_t account_id,
		      uint64_t size);

/* Add one alias row: address ("user@dom", or "@dom" for the domain's
 * catch-all) → target (an account, another alias, or a remote address;
 * one address may have many targets: add one row each). The address's
 * domain must be local (ENOTLOCAL); EEXIST for the same pair or if an
 * account has that address; EBADADDR. */
int store_alias_add(struct store *store, const char *address,
		    const char *target, store_cb cb, void *arg);
/* target NULL: every target of address. ENOTFOUND if nothing matched. */
int store_alias_remove(struct store *store, const char *address,
		       const char *target, store_cb cb, void *arg);

struct store_alias {
	char *address;
	char *target;
};
struct store_alias_list {
	size_t n;
	struct store_alias *v;
};
/* domain NULL: all; sorted by address, target */
int store_alias_list(struct store *store, const char *domain,
		     struct store_alias_list *out);
void store_alias_list_free(struct store_alias_list *l);

/* ------------------------------------------------------------------ */
/* Blobs: streaming message writer                                    */

/* Start a new message body (kept in memory while it is small, else a
 * file DATA_DIR/blobs/xx/<id>; part of no mailbox until a write
 * commits it). Bytes written are also fed
 * to the MIME parser, so the message is parsed once, while it streams
 * in. The blob must end in exactly one of: store_blob_abort(), or being
 * handed to store_deliver()/store_append() (which take ownership and
 * set the caller's pointer to NULL, even when they fail), before
 * store_close(). A blob may be written from any one thread at a time. */
int store_blob_begin(struct store *store, struct store_blob **blob_r);
/* append bytes (write(2), no fsync); STORE_EIO, STORE_ETOOBIG (over
 * max_message_size: the blob stays unusable, abort it) */
int store_blob_write(struct store_blob *blob, const void *data, size_t len);
uint64_t store_blob_size(const struct store_blob *blob);
/* The body is complete: hold no file descriptor for it until the write
 * (its sync reopens the file) and, with to_file, move a small body kept
 * in memory to its file. A MULTIAPPEND holding many messages until its
 * commit keeps memory and descriptors bounded this way. STORE_EIO */
int store_blob_park(struct store_blob *blob, bool to_file);
/* bytes of the body held in memory (0 once it is in its file) */
size_t store_blob_mem(const struct store_blob *blob);
/* Identity of a message for duplicate checks (`tern import`): its size
 * and Message-ID, or without a Message-ID its size, Date, From and
 * Subject. store_blob_identity finishes the blob's parse (call it when
 * every byte is written); store_mailbox_identities lists the identity of
 * every message in a mailbox (synchronous read). malloc'd strings. */
char *store_blob_identity(struct store_blob *blob);
int store_mailbox_identities(struct store *store, int64_t mailbox_id,
			     struct store_strlist *out);
/* remove the tmp file; *blob = NULL; NULL-safe */
void store_blob_abort(struct store_blob **blob);
/* Read a complete blob not handed to the store yet (Sieve reads the
 * message before the commit): headroom zero bytes, then its bytes,
 * appended to out. Any thread, while nobody writes the blob. STORE_EIO */
int store_blob_read(struct store_blob *blob, size_t headroom,
		    struct buf *out);

/* ------------------------------------------------------------------ */
/* Delivery and the outbound queue                                    */

enum store_rcpt_kind {
	STORE_RCPT_LOCAL = 1,	/* into an account's mailbox */
	STORE_RCPT_REMOTE = 2,	/* into the outbound queue */
};

/* DSN NOTIFY (RFC 3461) */
enum {
	STORE_NOTIFY_DEFAULT = 0,	/* NOTIFY not given */
	STORE_NOTIFY_NEVER = 1 << 0,
	STORE_NOTIFY_SUCCESS = 1 << 1,
	STORE_NOTIFY_FAILURE = 1 << 2,
	STORE_NOTIFY_DELAY = 1 << 3,
};

/* DSN RET */
enum store_ret {
	STORE_RET_DEFAULT = 0,
	STORE_RET_FULL = 1,
	STORE_RET_HDRS = 2,
};

struct store_envelope {
	const char *sender;	/* the queued copy's reverse-path without <>
				   ("" = null sender): SRS may have rewritten
				   it; local copies carry theirs in prefix */
	const char *envid;	/* DSN ENVID (xtext as received) or NULL */
	enum store_ret ret;
};

struct store_rcpt {
	/* in */
	enum store_rcpt_kind kind;
	int64_t account_id;	/* LOCAL */
	const char *mailbox;	/* LOCAL: NULL = INBOX; a mailbox that does
				   not exist (or is \Noselect) means INBOX */
	bool create_mailbox;	/* LOCAL: make mailbox when it is missing */
	unsigned special_use;	/* LOCAL: STORE_SU_* (e.g. JUNK): the
				   account's mailbox with that attribute
				   instead of mailbox (none: as above) */
	const char *address;	/* REMOTE: the forward-path (required);
				   LOCAL: the RCPT address (informational) */
	const char *orcpt;	/* DSN ORCPT "type;xtext" or NULL */
	unsigned notify;	/* STORE_NOTIFY_* */
	/* LOCAL: per-recipient bytes (complete header lines, CRLF ends:
	 * Return-Path, Delivered-To, Received) served before the shared
	 * blob; see "Message layout" below. REMOTE: the queued message's
	 * front fields (DKIM-Signature), the same for every remote
	 * recipient of one delivery (the first one's is kept) */
	const void *prefix;
	size_t prefix_len;
	uint32_t flags;		/* LOCAL: initial STORE_F_* */
	const char *keywords;	/* LOCAL: initial keywords or NULL */
	/* out */
	int status;		/* 0, STORE_EQUOTA (SMTP 452/552 4.2.2/5.2.2),
				   STORE_ENOTFOUND (account vanished) */
	int64_t mailbox_id;	/* LOCAL */
	uint32_t uid;		/* LOCAL: uid in that mailbox */
	int64_t queue_rcpt_id;	/* REMOTE */
};

/* Deliver one message to n recipients as one durable unit: ONE commit
 * writes the blob, every local message row and every queue row. Takes
 * ownership of *blob (*blob = NULL). rcpts[] is in/out and must stay
 * valid until cb. Returns 0 when the commit happened (each
 * rcpts[i].status tells that recipient's fate: check them, some may be
 * STORE_EQUOTA), or a negative error if nothing was stored (STORE_EIO:
 * SMTP answers 451 4.3.0). *queue_msg_id_r (out, may be NULL): the
 * queue message id if any recipient was remote, else 0. */
int store_deliver(struct store *store, struct store_blob **blob,
		  const struct store_envelope *env,
		  struct store_rcpt *rcpts, size_t n,
		  int64_t *queue_msg_id_r, store_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* Vacation replies                                                   */

/* Sieve vacation (RFC 5230 4.2): may the account send a reply with
 * this handle to sender now? One write, checked and recorded at once:
 * *claimed_r true when no reply went within the last period (the
 * record now lasts seconds from now: send it), false when one did.
 * Blocking (call it off the loop). 0 or a STORE_E* error. */
int store_vacation_claim(struct store *store, int64_t account_id,
			 const char *handle, const char *sender, int64_t now,
			 uint32_t seconds, bool *claimed_r);

enum store_qstate {
	STORE_Q_PENDING = 0,	/* waiting for (another) attempt */
	STORE_Q_DELIVERED = 1,	/* final: relayed successfully */
	STORE_Q_FAILED = 2,	/* final: bounced */
};

struct store_qrcpt {
	int64_t id;
	int64_t msg_id;
	char *address;
	char *orcpt;		/* NULL if none */
	unsigned notify;
	enum store_qstate state;
	uint32_t attempts;
	int64_t next_attempt;	/* unix time */
	int64_t updated;	/* unix time of the last update */
	char *last_error;	/* NULL if none */
};

struct store_qmsg {
	int64_t id;
	char *sender;
	char *envid;		/* NULL if none */
	enum store_ret ret;
	int64_t created;	/* unix time */
	uint64_t size;		/* blob bytes */
	size_t n;
	struct store_qrcpt *rcpts; /* ascending id */
};

struct store_qlist {
	size_t n;
	struct store_qmsg *v;	/* ascending id */
};
void store_qmsg_clear(struct store_qmsg *m);
void store_qlist_free(struct store_qlist *l);

/* Messages that have at least one PENDING recipient with next_attempt
 * <= now, each with only those recipients; at most max messages
 * (oldest first). New queue rows start PENDING with next_attempt =
 * their creation time. */
int store_queue_due(struct store *store, int64_t now, size_t max,
		    struct store_qlist *out);
/* every queued message with all its recipients (tern queue list) */
int store_queue_list(struct store *store, struct store_qlist *out);
int store_queue_get(struct store *store, int64_t msg_id,
		    struct store_qmsg *out);
/* earliest next_attempt among PENDING recipients; ENOTFOUND if none */
int store_queue_next_time(struct store *store, int64_t *t_r);
/* the queue's size and age (metrics): two aggregate reads on the
 * calling thread, as store_queue_next_time */
struct store_qstats {
	uint64_t messages;
	uint64_t pending_rcpts;	/* recipients still to try */
	int64_t oldest;		/* unix time the oldest was queued; 0: none */
};
int store_queue_stats(struct store *store, struct store_qstats *out);

struct store_qupdate {
	int64_t rcpt_id;
	enum store_qstate state;
	int64_t next_attempt;	/* PENDING: when to retry */
	const char *error;	/* last error text or NULL */
};
/* Record attempt results (attempts += 1 for each). When no PENDING
 * recipient remains for a message, the message, its recipient rows and
 * its blob reference are removed in the same commit: generate DSNs
 * (reading the message) before reporting the last recipient. Unknown
 * rcpt ids are skipped; returns 0 or STORE_EIO. */
int store_queue_update(struct store *store, const struct store_qupdate *u,
		       size_t n, store_cb cb, void *arg);
/* drop a queued message and all its recipients (admin) */
int store_queue_remove(struct store *store, int64_t msg_id,
		       store_cb cb, void *arg);
/* reader over the queued message's blob (prefix empty) */
int store_queue_open(struct store *store, int64_t msg_id,
		     struct store_reader **r_r);

/* ------------------------------------------------------------------ */
/* Mailboxes                                                          */

/* Mailbox names: UTF-8 (IMAP converts modified UTF-7), '/' separates
 * levels; no empty level, no leading or trailing '/', no control
 * characters, at most 1000 bytes (else STORE_EBADNAME). "INBOX" is
 * case-insensitive: a first level equal to "inbox" in any case is
 * stored and returned as "INBOX". */

/* special-use (RFC 6154) */
enum {
	STORE_SU_SENT = 1 << 0,
	STORE_SU_DRAFTS = 1 << 1,
	STORE_SU_TRASH = 1 << 2,
	STORE_SU_JUNK = 1 << 3,
	STORE_SU_ARCHIVE = 1 << 4,
	STORE_SU_ALL = 1 << 5,
	STORE_SU_FLAGGED = 1 << 6,
};

/* mailbox attributes */
enum {
	STORE_MBX_NOSELECT = 1 << 0,	/* deleted but has children */
	STORE_MBX_HASCHILDREN = 1 << 1,	/* else \HasNoChildren */
	STORE_MBX_SUBSCRIBED = 1 << 2,
	/* a subscribed name without a mailbox (store_mailbox_list_subscribed) */
	STORE_MBX_NONEXISTENT = 1 << 3,
};

struct store_mailbox {
	int64_t id;
	char *name;
	unsigned attrs;		/* STORE_MBX_* */
	unsigned special_use;	/* STORE_SU_* */
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
	uint32_t messages;
	uint32_t unseen;	/* messages without \Seen */
	uint32_t deleted;	/* messages with \Deleted */
	uint64_t size;		/* sum of message sizes */
	/* \Recent: store_recent_claim(), store_recent_count() */
	/* JMAP (store_mailbox_changed): the account modseqs of the last
	 * change of anything shown (counts too), of the properties
	 * (name, parent, role, subscription, sortOrder), and of its
	 * creation; 0 before schema version 2 */
	uint64_t modseq, props_modseq, created_modseq;
	uint32_t sort_order;	/* JMAP sortOrder */
};
void store_mailbox_clear(struct store_mailbox *m);

struct store_mailbox_list {
	size_t n;
	struct store_mailbox *v;	/* sorted by name, INBOX first */
};
void store_mailbox_list_free(struct store_mailbox_list *l);

/* all mailboxes of the account (including \Noselect ones), with status */
int store_mailbox_list(struct store *store, int64_t account_id,
		       struct store_mailbox_list *out);
/* the same, then one entry (attrs STORE_MBX_SUBSCRIBED |
 * STORE_MBX_NONEXISTENT, id 0, no status) per subscribed name that has no
 * mailbox (LSUB, LIST (SUBSCRIBED)) */
int store_mailbox_list_subscribed(struct store *store, int64_t account_id,
				  struct store_mailbox_list *out);
/* by name (STATUS, SELECT): ENOTFOUND, EBADNAME */
int store_mailbox_get(struct store *store, int64_t account_id,
		      const char *name, struct store_mailbox *out);
/* by id */
int store_mailbox_status(struct store *store, int64_t account_id,
			 int64_t mailbox_id, struct store_mailbox *out);
/* JMAP's counts of a mailbox (RFC 8621 2): distinct Emails and
 * Threads, and those unread (neither \Seen nor \Draft); one pass over
 * the mailbox's rows. ENOTFOUND */
struct store_mailbox_counts {
	uint32_t emails, unread_emails, threads, unread_threads;
};
int store_mailbox_counts(struct store *store, int64_t account_id,
			 int64_t mailbox_id, struct store_mailbox_counts *out);

/* JMAP's mailbox properties without an IMAP command: the role (one
 * STORE_SU_* bit, or 0: none) and sortOrder, each when its bit is in
 * what. A role another mailbox of the account has: EEXIST. ENOTFOUND */
enum {
	STORE_MBOX_SET_ROLE = 1 << 0,
	STORE_MBOX_SET_SORT = 1 << 1,
};
int store_mailbox_set_props(struct store *store, int64_t account_id,
			    int64_t mailbox_id, unsigned what,
			    unsigned special_use, uint32_t sort_order,
			    store_cb cb, void *arg);

/* bytes that an EXPUNGE would free: the sizes of the messages with
 * \Deleted (IMAP STATUS DELETED-STORAGE, RFC 9208). ENOTFOUND. */
int store_mailbox_deleted_size(struct store *store, int64_t account_id,
			       int64_t mailbox_id, uint64_t *bytes_r);

/* Create name, and its missing parents (as selectable mailboxes).
 * Re-creating a \Noselect mailbox makes it selectable again (new
 * uidvalidity). EEXIST, EBADNAME. *id_r (out, may be NULL). */
int store_mailbox_create(struct store *store, int64_t account_id,
			 const char *name, unsigned special_use,
			 int64_t *id_r, store_cb cb, void *arg);
/* RFC 3501 6.3.4: a mailbox with children becomes \Noselect (its
 * messages are expunged); a \Noselect mailbox with children:
 * EHASCHILDREN; a \Noselect mailbox without children is removed;
 * INBOX: EPERM. Watchers of it are told. */
int store_mailbox_delete(struct store *store, int64_t account_id,
			 const char *name, store_cb cb, void *arg);
/* RFC 3501 6.3.5: children move with it (uidvalidity kept); missing
 * parents of newname are created. Renaming INBOX moves all its
 * messages to a new mailbox newname (new uids) and leaves INBOX empty;
 * INBOX's children stay. ENOTFOUND, EEXIST, EBADNAME, EPERM (newname
 * is INBOX or inside oldname). */
int store_mailbox_rename(struct store *store, int64_t account_id,
			 const char *oldname, const char *newname,
			 store_cb cb, void *arg);
/* ENOTFOUND if the mailbox does not exist */
int store_mailbox_subscribe(struct store *store, int64_t account_id,
			    const char *name, bool subscribed,
			    store_cb cb, void *arg);
/* The same for a name of another account's mailbox (IMAP's shared
 * namespace): name goes in account_id's list, and a SUBSCRIBE needs
 * owner_id's mailbox oname (ENOTFOUND). One table, one list per
 * account, whatever the names point at. */
int store_mailbox_subscribe_other(struct store *store, int64_t account_id,
				  const char *name, int64_t owner_id,
				  const char *oname, bool subscribed,
				  store_cb cb, void *arg);
/* the account's subscribed names, sorted */
int store_subscription_list(struct store *store, int64_t account_id,
			    struct store_strlist *out);

/* --- METADATA (RFC 5464) --- */
/* Entries of a mailbox, or of the server (mailbox "" or NULL: per
 * account here). Names are checked by the caller (lowercase,
 * "/private/..." or "/shared/..."); values are bytes (NUL allowed;
 * a NUL follows the value in memory). */
struct store_meta_entry {
	char *name;
	unsigned char *value;	/* in store_meta_set: NULL deletes */
	size_t len;
};
struct store_meta_list {
	size_t n;
	struct store_meta_entry *v;
};
void store_meta_list_free(struct store_meta_list *l);
/* names[i] if set and, depth 1: its children, depth -1: all its
 * descendants (name order after it); ENOTFOUND: no such mailbox (or
 * \Noselect) */
int store_meta_get(struct store *store, int64_t account_id,
		   const char *mailbox, const char *const *names, size_t n,
		   int depth, struct store_meta_list *out);
/* set or delete every entry in one commit, all or none. ENOTFOUND,
 * ETOOBIG (a value over meta.max_value), ELIMIT (more entries than
 * meta.max_entries_mailbox / meta.max_entries), EQUOTA (over
 * meta.max_bytes) */
int store_meta_set(struct store *store, int64_t account_id,
		   const char *mailbox, const struct store_meta_entry *e,
		   size_t n, store_cb cb, void *arg);

/* Login tokens (store-token.c): JMAP bearer tokens and webmail
 * sessions by the SHA-256 of the token, so a restart logs nobody out.
 * _load calls fn for each unexpired token of an enabled account (address
 * borrowed for the call); _put inserts or replaces one (its last_used is
 * also "now": rows expired by then go); _delete drops one. Times in
 * unix milliseconds. */
#define STORE_TOKEN_HASH_LEN 32
struct store_token {
	unsigned char hash[STORE_TOKEN_HASH_LEN];
	int64_t account_id;
	const char *address;
	int kind;			/* the caller's (jmap-auth.c) */
	int64_t issued, expires, last_used;
	int64_t secret_tag;		/* the caller's: of the password at issue */
};
typedef void store_token_fn(void *arg, const struct store_token *t);
int store_tokens_load(struct store *store, int64_t now, store_token_fn *fn,
		      void *arg);
int store_token_put(struct store *store, const struct store_token *t,
		    store_cb cb, void *arg);
int store_token_delete(struct store *store, const unsigned char *hash,
		       int64_t now, store_cb cb, void *arg);

/* URLAUTH mailbox access keys (RFC 4467 section 7, store-urlauth.c).
 * _key reads the key of a mailbox: ENOTFOUND if the mailbox does not
 * exist (or is \Noselect) or has no key yet. _key_make gives each named
 * mailbox a random key unless it has one (ENOTFOUND: a mailbox does not
 * exist; then none is made). _reset drops the key of a mailbox (NULL:
 * of every mailbox of the account): URLs made with it fail from then on
 * and the next _key_make makes a new one. */
#define STORE_URLAUTH_KEY_LEN 32
int store_urlauth_key(struct store *store, int64_t account_id,
		      const char *mailbox,
		      unsigned char key[STORE_URLAUTH_KEY_LEN]);
int store_urlauth_key_make(struct store *store, int64_t account_id,
			   const char *const *mailboxes, size_t n,
			   store_cb cb, void *arg);
int store_urlauth_reset(struct store *store, int64_t account_id,
			const char *mailbox, store_cb cb, void *arg);

/* \Recent (IMAP4rev1, RFC 3501 2.3.2): a message is recent in exactly
 * one session, the first to claim it. Each mailbox keeps the uid from
 * which on no message has been claimed yet. With claim, the caller
 * takes the uids [that uid, upto) and the mailbox's mark moves to upto;
 * without (a read-only EXAMINE), it only looks. [*lo_r, *hi_r) is the
 * range the caller got (or, without claim, would get): empty (lo == hi)
 * when nothing new arrived or another session was first. Atomic across
 * sessions and threads: decided at once in memory (synchronous, no
 * wait for a commit); the new mark is saved with the writer's next
 * batch (or alone within half a second when no write comes, and at
 * close); an empty claim writes nothing. A crash before that commit
 * makes those messages recent once more. ENOTFOUND. */
int store_recent_claim(struct store *store, int64_t account_id,
		       int64_t mailbox_id, uint32_t upto, bool claim,
		       uint32_t *lo_r, uint32_t *hi_r);
/* messages no session has claimed yet (STATUS RECENT); an index range
 * scan over just those. ENOTFOUND. */
int store_recent_count(struct store *store, int64_t account_id,
		       int64_t mailbox_id, uint32_t *count_r);

/* Keywords ever used in the mailbox, space-separated, in order of first
 * use (for FLAGS / PERMANENTFLAGS); *kw_r malloc'd, "" if none. */
int store_mailbox_keywords(struct store *store, int64_t account_id,
			   int64_t mailbox_id, char **kw_r);

/* ------------------------------------------------------------------ */
/* Access control (RFC 4314)                                          */

/* An ACL entry gives an identifier rights on one mailbox. Identifiers
 * are account addresses (normalized "user@domain") and "anyone" (every
 * authenticated account). The owner has every right implicitly and
 * cannot be given an entry. Negative rights ("-identifier") are not
 * supported (STORE_EINVAL). An entry whose rights become empty is
 * removed. Entries go with their mailbox (DELETE, account removal) and
 * with their identifier's account. A new mailbox (store_mailbox_create)
 * starts with a copy of its parent's entries. */

/* one bit per right, in RFC 4314's order "lrswipkxtea" */
enum {
	STORE_ACL_L = 1 << 0,	/* lookup: LIST shows it */
	STORE_ACL_R = 1 << 1,	/* read: SELECT, EXAMINE, STATUS, FETCH */
	STORE_ACL_S = 1 << 2,	/* keep \Seen */
	STORE_ACL_W = 1 << 3,	/* write flags but \Seen and \Deleted */
	STORE_ACL_I = 1 << 4,	/* insert: APPEND, COPY/MOVE into */
	STORE_ACL_P = 1 << 5,	/* post (advisory) */
	STORE_ACL_K = 1 << 6,	/* create child mailboxes */
	STORE_ACL_X = 1 << 7,	/* delete or rename the mailbox */
	STORE_ACL_T = 1 << 8,	/* set/clear \Deleted */
	STORE_ACL_E = 1 << 9,	/* expunge */
	STORE_ACL_A = 1 << 10,	/* administer: GETACL, SETACL... */
	STORE_ACL_ALL = (1 << 11) - 1,
};
#define STORE_ACL_RIGHTS "lrswipkxtea"
#define STORE_ACL_ANYONE "anyone"
/* "lrswipkxteacd" and a NUL */
#define STORE_ACL_STRMAX 16

/* Parse a rights string: the letters of STORE_ACL_RIGHTS in any order
 * and repeated, and the obsolete "c" (= "kx") and "d" (= "te") of RFC
 * 4314 2.1.1. "" is no rights. 0, or STORE_EINVAL on any other byte. */
int store_acl_parse(const char *text, unsigned *rights_r);
/* rights in canonical order, plus "c" when k or x and "d" when t or e
 * is there (RFC 4314 2.1.1: what RFC 2086 clients understand) */
const char *store_acl_format(unsigned rights, char buf[STORE_ACL_STRMAX]);

enum store_acl_mode {
	STORE_ACL_REPLACE = 0,	/* SETACL "rights" */
	STORE_ACL_ADD = 1,	/* SETACL "+rights" */
	STORE_ACL_REMOVE = 2,	/* SETACL "-rights"; DELETEACL: all */
};

/* Change identifier's entry on owner_id's mailbox mailbox_id. identifier
 * is normalized (addresses lowercased). ENOTFOUND (no such mailbox of
 * owner_id, or no account with that address), EINVAL (malformed
 * identifier, a negative one, or the owner's own address), ELIMIT
 * (identifier longer than acl_max_identifier, or a new entry beyond
 * acl_max_entries). *rights_r (out, may be NULL): the entry's rights
 * afterwards. Watchers of the mailbox are told: a session that has it
 * open re-reads its rights. */
int store_acl_set(struct store *store, int64_t owner_id, int64_t mailbox_id,
		  const char *identifier, enum store_acl_mode mode,
		  unsigned rights, unsigned *rights_r, store_cb cb, void *arg);

struct store_acl_row {
	int64_t owner_id;
	char *owner;		/* the owner's address */
	int64_t mailbox_id;
	char *mailbox;		/* the owner's name for it */
	char *identifier;
	unsigned rights;
};
struct store_acl_rows {
	size_t n;
	struct store_acl_row *v;	/* by owner, mailbox, identifier */
};
void store_acl_rows_free(struct store_acl_rows *l);

/* The entries of one mailbox of owner_id (GETACL; the owner's implicit
 * rights are not a row). ENOTFOUND. */
int store_acl_get(struct store *store, int64_t owner_id, int64_t mailbox_id,
		  struct store_acl_rows *out);
/* user NULL: every entry of the store (tern share --list); else the
 * mailboxes of other accounts that give user (an account's address) or
 * "anyone" a right, one row each with the union of those rights
 * (identifier NULL) */
int store_acl_rows(struct store *store, const char *user,
		   struct store_acl_rows *out);
/* What account user_id (address user) may do in owner_id's mailbox
 * mailbox_id: STORE_ACL_ALL for the owner, else the union of the
 * entries for user and "anyone" (0: none, or no such mailbox). One
 * indexed read: cheap enough to ask before every command. */
int store_acl_rights(struct store *store, int64_t user_id, const char *user,
		     int64_t owner_id, int64_t mailbox_id, unsigned *rights_r);

/* ------------------------------------------------------------------ */
/* Messages                                                           */

/* system flags */
enum {
	STORE_F_SEEN = 1 << 0,
	STORE_F_ANSWERED = 1 << 1,
	STORE_F_FLAGGED = 1 << 2,
	STORE_F_DELETED = 1 << 3,
	STORE_F_DRAFT = 1 << 4,
	STORE_F_ALL = 0x1f,
};

/* Keywords everywhere in this API are one string of space-separated
 * IMAP atoms ("$Forwarded Work"), compared case-insensitively, kept in
 * the spelling first used. NULL and "" mean none. */

struct store_uid_range {
	uint32_t lo, hi;	/* inclusive; hi = UINT32_MAX for "*" */
};

/* one line of a session's sequence map */
struct store_msgref {
	uint32_t uid;
	uint32_t flags;		/* STORE_F_* */
	uint64_t modseq;
	uint64_t size;		/* RFC822.SIZE (prefix + blob) */
	/* size with every bare LF counted as CRLF and a missing final
	 * line end added (CRLF; LF after a final CR): the octets POP3
	 * announces and sends (pop3-dot.c), counted by the blob writer
	 * at delivery, so no read is needed. == size for a CRLF message
	 * that ends with CRLF. 0 with size > 0: unknown (stored before
	 * this was kept): read the message. */
	uint64_t crlf_size;
};

struct store_view {
	struct store_mailbox mailbox;
	size_t n;
	struct store_msgref *msgs;	/* ascending uid: msgs[i] is seq i+1 */
};
void store_view_free(struct store_view *v);

/* SELECT/EXAMINE, POP3 login: status and every message's uid, flags,
 * modseq and size (one indexed scan). ENOTFOUND, ENOSELECT. */
int store_mailbox_open(struct store *store, int64_t account_id,
		       int64_t mailbox_id, struct store_view *out);

struct store_change {
	uint32_t uid;
	uint32_t flags;
	uint64_t modseq;
	char *keywords;		/* never NULL ("" if none) */
};

struct store_changes {
	uint64_t highestmodseq;
	uint32_t uidnext;
	uint32_t messages;
	size_t n;
	struct store_change *v;	/* messages with modseq > since (new ones
				   and changed ones), ascending uid */
	size_t nexpunged;
	uint32_t *expunged;	/* uids expunged with modseq > since,
				   ascending */
};
void store_changes_free(struct store_changes *c);

/* What changed since modseq (IDLE/NOOP after a watcher call, CONDSTORE
 * CHANGEDSINCE, QRESYNC VANISHED). Index on (mailbox, modseq): cost is
 * proportional to the number of changes, not the mailbox size. */
int store_mailbox_changes(struct store *store, int64_t account_id,
			  int64_t mailbox_id, uint64_t since_modseq,
			  struct store_changes *out);

/* Message layout. A message as served is prefix + blob: the prefix is
 * the per-recipient header lines given at delivery (empty for APPEND;
 * a queue message's are its front fields), the blob the bytes streamed in. size =
 * prefix_len + blob size. The parse results describe the blob: ENVELOPE
 * and BODYSTRUCTURE are the same for prefix + blob (the prefix only
 * adds trace fields); every byte offset in partmap is relative to the
 * blob, so add prefix_len to get an offset in the message as served
 * (store_reader_pread()); the top-level header as served is
 * [0, prefix_len + header_len). Header fields in the prefix are not
 * in the parse results. */
struct store_parse {
	char *envelope;		/* IMAP ENVELOPE "(...)", NULL if missing */
	char *body;		/* IMAP BODY "(...)" */
	char *bodystructure;	/* IMAP BODYSTRUCTURE "(...)" */
	int64_t sent_date;	/* Date: as unix time; 0 if none/invalid */
	int32_t sent_tz;	/* Date: zone offset in minutes */
	uint64_t header_len;	/* blob's top-level header incl. blank line */
	uint64_t body_lines;	/* top-level body lines */
	/* decoded (RFC 2047, UTF-8) header fields for SEARCH/SORT, NULL
	 * if absent */
	char *subject;
	char *from, *to, *cc, *bcc;	/* address lists as text */
	char *message_id, *in_reply_to, *references;
	/* sort keys (RFC 5256): base subject, first mailbox's addr-spec
	 * local part / display name; NULL if absent */
	char *sort_subject, *sort_from, *sort_to, *sort_cc;
	char *sort_display_from, *sort_display_to;
	/* all top-level header fields, decoded, "Name: value\n" each,
	 * for SEARCH HEADER; NULL if not cached */
	char *headers;
	/* part map (mime's serialized form, blob-relative offsets) */
	unsigned char *partmap;
	size_t partmap_len;
	/* PREVIEW text (RFC 8970, mime_preview_text), "" for a message
	 * without text; NULL when not known (blobs of an older tern) */
	char *preview;
	/* STORE_MSG_HEADER: blob bytes [0, header_len), or NULL */
	unsigned char *header;
};

/* what store_msg_get/iter load besides the fixed fields */
enum {
	STORE_MSG_KEYWORDS = 1 << 0,
	STORE_MSG_PARSE = 1 << 1,	/* struct store_parse, all of it */
	/* struct store_parse without envelope, body, bodystructure and
	 * partmap (left NULL): the SEARCH/SORT fields only, much less to
	 * load when scanning a big mailbox. Ignored with STORE_MSG_PARSE. */
	STORE_MSG_SEARCH = 1 << 2,
	/* struct store_parse without the decoded SEARCH/SORT text (left
	 * NULL): what IMAP FETCH serves from, ENVELOPE, BODY(STRUCTURE),
	 * the part map and sizes. Ignored with STORE_MSG_PARSE. */
	STORE_MSG_FETCH = 1 << 3,
	/* store_msg.emailid (a hash of the prefix: only when asked) */
	STORE_MSG_OBJECTID = 1 << 4,
	/* iterators: header_len, the message's prefix (store_msg.prefix)
	 * and the blob's top-level header bytes (store_parse.header), from
	 * the parse cache (read from the blob once, then kept), so that
	 * BODY[HEADER.FIELDS (...)] over a folder reads no blob; header
	 * stays NULL without the cache (read through a store_reader then)
	 * and with store_msg_get(), which loads header_len only */
	STORE_MSG_HEADER = 1 << 5,
};

struct store_msg {
	int64_t id;		/* message row id (store-wide unique) */
	uint32_t uid;
	uint32_t flags;
	uint64_t modseq;
	int64_t internaldate;	/* unix time */
	int32_t internaldate_tz; /* minutes east of UTC */
	int64_t savedate;	/* unix time (RFC 8514 SAVEDATE) */
	uint64_t size;		/* prefix_len + blob size */
	uint32_t prefix_len;
	uint64_t emailid;	/* STORE_MSG_OBJECTID: store_msg_emailid() */
	unsigned char *prefix;	/* the prefix bytes (NULL if none) */
	int64_t blob_id;	/* the body's id (store_fts_search) */
	char *keywords;		/* STORE_MSG_KEYWORDS ("" if none) */
	struct store_parse parse; /* STORE_MSG_PARSE */
};
void store_msg_clear(struct store_msg *m);

/* Keep the PREVIEW made for message uid whose blob was stored without
 * one (an older tern's): a write in the background, failures logged. */
void store_msg_preview_keep(struct store *store, int64_t account_id,
			    int64_t mailbox_id, uint32_t uid,
			    const char *preview);

/* OBJECTID (RFC 8474; how the ids are made: store-objectid.c): a
 * letter and 16 hex digits, NUL-terminated */
#define STORE_OBJECTID_MAX 20
void store_mailbox_objectid(const struct store *store, int64_t mailbox_id,
			    uint32_t uidvalidity,
			    char out[STORE_OBJECTID_MAX]);
void store_msg_emailid(const struct store_msg *m,
		       char out[STORE_OBJECTID_MAX]);
/* needs the STORE_MSG_PARSE (or _SEARCH) header fields of m */
void store_msg_threadid(const struct store *store, const struct store_msg *m,
			char out[STORE_OBJECTID_MAX]);

/* an OBJECTID's value: id must be letter + 16 lowercase hex digits
 * (0), else STORE_ENOTFOUND (no object can have that id); and back */
int store_objectid_parse(const char *id, char letter, uint64_t *v_r);
void store_objectid_fmt(char out[STORE_OBJECTID_MAX], char letter,
			uint64_t v);

/* --- Emails and Threads (JMAP, RFC 8621; store-email.c) ---
 * An Email is every message row of one account with the same EMAILID
 * (a COPY keeps it), a Thread every row with the same THREADID. Both
 * are stored in the rows (schema version 2) and indexed: each lookup
 * below is an index search plus the rows found. */
struct store_email_row {
	int64_t mailbox_id;
	uint32_t uid;
	uint32_t flags;			/* STORE_F_* */
	uint64_t modseq;
	char *keywords;			/* never NULL ("" if none) */
	int64_t blob_id;
	uint32_t prefix_len;
	uint64_t size;			/* prefix_len + blob size */
	int64_t internaldate;		/* unix time (JMAP receivedAt) */
	int32_t internaldate_tz;
	uint64_t emailid, threadid;	/* values (store_objectid_fmt) */
	uint64_t created_modseq;	/* when this row came */
};
struct store_email_rows {
	size_t n;
	struct store_email_row *v;	/* by mailbox id, then uid */
};
void store_email_rows_free(struct store_email_rows *r);
/* every row of the account's Email emailid ("M..."): 0 with n >= 1,
 * STORE_ENOTFOUND when it has none (or emailid is malformed) */
int store_email_rows(struct store *store, int64_t account_id,
		     const char *emailid, struct store_email_rows *out);
/* the EMAILIDs ("M...") of the account's Thread threadid ("T..."),
 * oldest receivedAt first (an Email's: its earliest row's; ties by
 * id): 0 with n >= 1, STORE_ENOTFOUND */
int store_thread_emails(struct store *store, int64_t account_id,
			const char *threadid, struct store_strlist *out);
/* every row of one mailbox of the account (mailbox_id 0: of all its
 * mailboxes), without keywords (NULL): what a query sorts and filters
 * by; by mailbox id, then uid. ENOTFOUND (not the account's mailbox) */
int store_email_list(struct store *store, int64_t account_id,
		     int64_t mailbox_id, struct store_email_rows *out);
/* the rows of one mailbox of the account in receivedAt order (ties by
 * uid; asc or newest first) through the index messages_date, until fn
 * returns nonzero (<0: that error back): a query's first page without
 * reading the whole mailbox. A row given to fn has mailbox_id, uid,
 * flags, internaldate, emailid, threadid, and keywords (valid during
 * the call; "" unless keywords). ENOTFOUND (not the account's mailbox) */
typedef int store_email_walk_fn(const struct store_email_row *row,
				void *arg);
int store_email_walk(struct store *store, int64_t account_id,
		     int64_t mailbox_id, bool asc, bool keywords,
		     store_email_walk_fn *fn, void *arg);
/* is row (from store_email_walk) its Email's first row in its mailbox
 * (no row of the same EMAILID with a lower uid)? 1, 0 or <0 */
int store_email_first_row(struct store *store,
			  const struct store_email_row *row);

/* --- What changed since an account modseq (JMAP /changes, RFC 8620
 * 5.2; store-changes.c). One read snapshot. An object created and
 * destroyed since is left out. --- */
enum store_chg_kind {
	STORE_CHG_CREATED = 1,
	STORE_CHG_UPDATED = 2,
	STORE_CHG_DESTROYED = 3,
};
struct store_chg {
	enum store_chg_kind kind;
	uint64_t modseq;	/* of its last change */
	uint64_t id;		/* Email, Thread: the EMAILID/THREADID value */
	int64_t mailbox_id;	/* Mailbox: row id and uidvalidity, which */
	uint32_t uidvalidity;	/* make its id (store_mailbox_objectid) */
	bool counts_only;	/* Mailbox updated: only its counts changed */
};
struct store_chgs {
	uint64_t modseq;	/* the account's modseq in that snapshot */
	size_t n;
	struct store_chg *v;	/* ascending modseq, then id */
};
void store_chgs_free(struct store_chgs *c);
/* Emails (their rows: new, flags and keywords, mailboxes, expunged),
 * Threads (an Email of it created or destroyed), Mailboxes (created,
 * renamed, subscribed, role, sortOrder, counts, destroyed) changed
 * after modseq since. STORE_EINVAL: since is above the account's
 * modseq (no state it ever had); ENOTFOUND: no such account. */
int store_email_changes(struct store *store, int64_t account_id,
			uint64_t since, struct store_chgs *out);
int store_thread_changes(struct store *store, int64_t account_id,
			 uint64_t since, struct store_chgs *out);
int store_mailbox_changed(struct store *store, int64_t account_id,
			  uint64_t since, struct store_chgs *out);

/* The account's modseq (JMAP state strings): every modseq of its
 * mailboxes is drawn from it, so it grows with every change of the
 * account (messages, flags, expunges, mailboxes). ENOTFOUND */
int store_account_modseq(struct store *store, int64_t account_id,
			 uint64_t *modseq_r);
/* one message by uid; ENOTFOUND */
int store_msg_get(struct store *store, int64_t account_id,
		  int64_t mailbox_id, uint32_t uid, unsigned fields,
		  struct store_msg *out);

/* Iterate the messages whose uid is in ranges (ascending uid within
 * each range, ranges in the order given). The iterator holds a read
 * snapshot: finish (or free) it within one pass of the loop, e.g. by
 * iterating a few hundred uids per call. */
int store_msg_iter_init(struct store *store, int64_t account_id,
			int64_t mailbox_id,
			const struct store_uid_range *ranges, size_t n,
			unsigned fields, struct store_msg_iter **it_r);
/* 1: *m filled (owned by the iterator, valid until the next call);
 * 0: done; <0: error */
int store_msg_iter_next(struct store_msg_iter *it,
			const struct store_msg **m_r);
void store_msg_iter_free(struct store_msg_iter **it);

/* The full-text index (store-fts.c) SEARCH BODY/TEXT use: each body's
 * header fields and text, casefolded (lib/casefold.h), committed with
 * the message. Blob ids, ascending. */
struct store_ids {
	int64_t *v;
	size_t n;
};
bool store_ids_has(const struct store_ids *ids, int64_t id);
void store_ids_free(struct store_ids *ids);
/* can the index answer for this folded string (UTF-8 without U+FFFD)? */
bool store_fts_usable(const char *folded, size_t len);
/* *match: the blobs whose body text (text: or header fields) contains
 * folded, a casefold()ed string, as a substring; *unindexed: the blobs
 * the index does not cover (not yet, or too big): check those by
 * reading them. STORE_EINVAL when !store_fts_usable(folded). A
 * message's header text as SEARCH TEXT reads it also holds its prefix
 * fields, which the index does not (the blob is shared): check those
 * with the message. */
int store_fts_search(struct store *store, const char *folded, size_t len,
		     bool text, struct store_ids *match,
		     struct store_ids *unindexed);

/* the uids (ascending, maybe repeated) of mailbox_id's messages whose
 * blob is in *blobs (store_fts_search's match) and, when prefix_fold is
 * set (TEXT), those whose per-recipient prefix fields hold it: a cost
 * in proportion to the hits (and to the messages with a prefix), not
 * to the mailbox */
int store_fts_uids(struct store *store, int64_t mailbox_id,
		   const struct store_ids *blobs, const char *prefix_fold,
		   size_t prefix_len, struct store_ids *uids);

/* the uids (ascending) of mailbox_id's messages whose per-recipient
 * fields (Return-Path, Delivered-To) hold folded, as SEARCH TEXT reads
 * them; STORE_EINVAL when !store_fts_usable(folded) */
int store_fts_prefix_uids(struct store *store, int64_t mailbox_id,
			  const char *folded, size_t len,
			  struct store_ids *uids);

/* Open a message for reading (FETCH BODY[], RETR). The reader keeps
 * the bytes readable even if the message is expunged meanwhile. */
int store_msg_open(struct store *store, int64_t account_id,
		   int64_t mailbox_id, uint32_t uid,
		   struct store_reader **r_r);
/* a reader over a copy of prefix + body held in memory (unit tests and
 * fuzzers render FETCH output through it without a store) */
struct store_reader *store_reader_mem(const void *prefix, size_t prefix_len,
				      const void *body, size_t body_len);
/* prefix_len + blob size */
uint64_t store_reader_size(const struct store_reader *r);
/* read up to len bytes at offset off of prefix + blob (pread, blocking
 * on the page cache: use from a worker for big reads if it matters).
 * Returns bytes read (0 at end) or -1 with errno. */
ssize_t store_reader_pread(struct store_reader *r, void *buf, size_t len,
			   uint64_t off);
/* the per-recipient prefix bytes */
const unsigned char *store_reader_prefix(const struct store_reader *r,
					 size_t *len_r);
/* the blob's fd (read-only; blob byte 0 is message byte prefix_len),
 * e.g. for mmap or sendfile; owned by the reader. -1 when the body is
 * small and kept inside the database: use store_reader_pread(). */
int store_reader_fd(const struct store_reader *r);
void store_reader_close(struct store_reader **r);

/* APPEND: store blob (ownership taken, *blob = NULL) in the mailbox with
 * flags, keywords and internaldate (0 = now; tz in minutes east).
 * *uid_r (out, may be NULL): new uid (APPENDUID with the mailbox's
 * uidvalidity). ENOTFOUND, ENOSELECT, EQUOTA (IMAP NO [OVERQUOTA]). */
int store_append(struct store *store, int64_t account_id,
		 int64_t mailbox_id, struct store_blob **blob,
		 uint32_t flags, const char *keywords,
		 int64_t internaldate, int32_t internaldate_tz,
		 uint32_t *uid_r, store_cb cb, void *arg);

/* MULTIAPPEND (RFC 3502) and REPLACE (RFC 8508): several messages into
 * one mailbox in one commit, all or none. Each msgs[i].blob is taken
 * (NULL after the call, even when it fails); msgs[i].uid is set when
 * cb runs with 0 (ascending, given in order). With replace_mailbox != 0
 * the message replace_uid of that mailbox (of replace_account: another
 * account's when shared) is expunged in the same commit (ENOTFOUND if it is gone: nothing is appended).
 * msgs must stay valid until cb. */
struct store_append_msg {
	struct store_blob *blob;
	uint32_t flags;
	char *keywords;			/* owned by the caller; NULL: none */
	int64_t internaldate;		/* 0: now */
	int32_t internaldate_tz;
	uint32_t uid;			/* out */
};
int store_append_many(struct store *store, int64_t account_id,
		      int64_t mailbox_id, struct store_append_msg *msgs,
		      size_t n, int64_t replace_account,
		      int64_t replace_mailbox, uint32_t replace_uid,
		      store_cb cb, void *arg);

enum store_flag_op {
	STORE_FLAGS_SET = 0,	/* FLAGS */
	STORE_FLAGS_ADD = 1,	/* +FLAGS */
	STORE_FLAGS_REMOVE = 2,	/* -FLAGS */
};

struct store_flags_result {
	/* messages whose flags changed: new flags/keywords/modseq */
	size_t n;
	struct store_change *v;		/* ascending uid */
	/* messages in the ranges left as they were (the flags asked for
	 * were already so): current flags/keywords/modseq, ascending uid */
	size_t nsame;
	struct store_change *same;
	/* UNCHANGEDSINCE failures (RFC 7162 MODIFIED), ascending */
	size_t nfailed;
	uint32_t *failed;
	uint64_t highestmodseq;
};
void store_flags_result_free(struct store_flags_result *r);

#define STORE_UNCHANGEDSINCE_NONE UINT64_MAX

/* STORE: set/add/remove flags and keywords on the messages with uid in
 * ranges (uids that do not exist are skipped). unchangedsince:
 * STORE_UNCHANGEDSINCE_NONE = no condition, else messages with modseq >
 * unchangedsince are not touched and are listed in res->failed (0 fails
 * them all, RFC 7162 3.1.3). Each changed message gets a new modseq
 * (= the mailbox's new highestmodseq); unchanged ones keep theirs.
 * res (out, may be NULL). */
int store_flags(struct store *store, int64_t account_id, int64_t mailbox_id,
		const struct store_uid_range *ranges, size_t n,
		enum store_flag_op op, uint32_t flags, const char *keywords,
		uint64_t unchangedsince, struct store_flags_result *res,
		store_cb cb, void *arg);

struct store_uidmap {
	size_t n;
	uint32_t *src;		/* source uids, ascending */
	uint32_t *dst;		/* their new uids in the destination */
	uint32_t dst_uidvalidity;
};
void store_uidmap_free(struct store_uidmap *m);

/* COPY / MOVE: no body copy (blob refcount). Flags and keywords go
 * along; savedate = now. MOVE expunges the sources (tombstones) in the
 * same commit. Destination quota applies (EQUOTA: nothing copied).
 * ENOTFOUND, ENOSELECT (destination). map (out, may be NULL): COPYUID. */
int store_copy(struct store *store, int64_t account_id, int64_t src_mailbox,
	       const struct store_uid_range *ranges, size_t n,
	       int64_t dst_mailbox, struct store_uidmap *map,
	       store_cb cb, void *arg);
int store_move(struct store *store, int64_t account_id, int64_t src_mailbox,
	       const struct store_uid_range *ranges, size_t n,
	       int64_t dst_mailbox, struct store_uidmap *map,
	       store_cb cb, void *arg);

/* the same between two accounts' mailboxes (a mailbox shared with the
 * user, RFC 4314): the caller has checked the rights; the destination
 * account's quota and usage apply */
int store_copy_between(struct store *store, int64_t src_account,
		       int64_t src_mailbox,
		       const struct store_uid_range *ranges, size_t n,
		       int64_t dst_account, int64_t dst_mailbox, bool move,
		       struct store_uidmap *map, store_cb cb, void *arg);

struct store_uidlist {
	size_t n;
	uint32_t *v;		/* ascending */
};
void store_uidlist_free(struct store_uidlist *l);

/* Expunge the messages with uid in ranges; deleted_only: only those
 * with \Deleted (IMAP EXPUNGE / UID EXPUNGE; POP3 passes false).
 * Tombstones are written with the new modseq, quota usage decreases,
 * blob files are unlinked when their last reference goes (after cb
 * has been called: the reply does not wait for the unlinks). expunged
 * (out, may be NULL): the uids removed. ranges NULL: the whole
 * mailbox. */
int store_expunge(struct store *store, int64_t account_id,
		  int64_t mailbox_id, const struct store_uid_range *ranges,
		  size_t n, bool deleted_only, struct store_uidlist *expunged,
		  store_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* Change notification                                                */

/* Called on the loop thread (writer thread without a loop) right after
 * a commit that changed the mailbox: new messages, flags, expunges,
 * rename or delete (then the mailbox may be gone: status ENOTFOUND).
 * With a loop, the commit's completions run first, then the watchers,
 * in the same loop pass; without one, the watchers run before the
 * completions are reported.
 * At most one call per watcher per commit. The watcher then calls
 * store_mailbox_changes() with the modseq it knows.
 * Commits of another process on the same data folder (tern import,
 * tern account) are noticed within 0.5 s while a loop is attached;
 * then every watcher is called (nothing tells which mailboxes
 * changed), on the loop thread. */
typedef void store_watch_fn(void *arg, int64_t mailbox_id);

/* Register on the loop thread. mailbox_id 0 watches the outbound queue
 * (called after a commit that added queue recipients);
 * STORE_WATCH_ACCOUNT(account_id) the account's mailbox list (called
 * after a create, delete, rename or (un)subscribe; list to see which).
 * Watchers are kept by id: a commit costs one lookup per id it changed,
 * however many watchers other mailboxes have. */
#define STORE_WATCH_ACCOUNT(account_id) (-(int64_t)(account_id))
struct store_watch *store_watch(struct store *store, int64_t mailbox_id,
				store_watch_fn *fn, void *arg);
/* Call fn(arg, account_id) on the loop thread (writer thread without a
 * loop) after each commit that changed anything of the account
 * (anything that drew a modseq of it: deliveries, appends, flags,
 * expunges, copies, mailbox create/rename/delete/subscribe...); also
 * when another process committed (as store_watch). Register on the
 * loop thread; store_unwatch ends it. */
struct store_watch *store_watch_account_changes(struct store *store,
						int64_t account_id,
						store_watch_fn *fn,
						void *arg);

/* NULL-safe; *w = NULL; no call happens after it returns */
void store_unwatch(struct store_watch **w);

/* ------------------------------------------------------------------ */
/* DMARC aggregate report rows (RFC 7489 7.2, store-dmarc.c)           */

/* One checked message whose From domain publishes rua= (written), or
 * one group of identical rows with its count (read). Strings are
 * copied by the write; a read's are malloc'd (store_dmarc_rows_free). */
struct store_dmarc_row {
	int64_t time;			/* unix seconds of the check */
	const char *header_from;	/* the From domain */
	const char *policy_domain;	/* where the record was found */
	const char *rua;		/* the record's rua= entries, space
					   separated, "!size" kept */
	const char *adkim, *aspf;	/* "r" or "s" */
	const char *p, *sp;		/* "none", "quarantine", "reject" */
	unsigned pct;
	const char *source_ip;
	const char *envelope_from;	/* MAIL FROM domain ("" for <>) */
	const char *disposition;	/* what was done: none/quarantine/reject */
	const char *dmarc_dkim, *dmarc_spf;	/* aligned pass: "pass"/"fail" */
	const char *dkim;		/* "domain selector result" for each
					   signature, ";" between */
	const char *spf_domain, *spf_scope, *spf_result;
	uint64_t count;			/* read: messages in the group */
};

struct store_dmarc_rows {
	size_t n;
	struct store_dmarc_row *v;
};
void store_dmarc_rows_free(struct store_dmarc_rows *r);

/* Add a row unless the UTC day of row->time has max_per_day rows
 * already (0: no limit): STORE_ELIMIT then, nothing written. */
int store_dmarc_record(struct store *store, const struct store_dmarc_row *row,
		       uint64_t max_per_day, store_cb cb, void *arg);
/* the policy domains with rows before end (synchronous read) */
int store_dmarc_domains(struct store *store, int64_t end,
			struct store_strlist *out);
/* A policy domain's rows before end: out->v[0] is the latest row
 * (its policy and rua are the report's, count 1), then one row per
 * group of identical results with its count. Also the first and last
 * time seen (begin_r, end_r). */
int store_dmarc_rows(struct store *store, const char *policy_domain,
		     int64_t end, struct store_dmarc_rows *out,
		     int64_t *first_r, int64_t *last_r);
/* Delete a policy domain's rows before end (reported), or, with
 * policy_domain NULL, every row before end (retention). */
int store_dmarc_delete(struct store *store, const char *policy_domain,
		       int64_t end, store_cb cb, void *arg);

/* ------------------------------------------------------------------ */
/* Sieve scripts (store-sieve.c)                                      */

/* An account's Sieve scripts by name (RFC 5804 1.6: UTF-8 without
 * control characters, 1..128 characters, at most STORE_SIEVE_NAME_MAX
 * bytes; others: STORE_EBADNAME), at most one of them active (the one
 * delivery runs). They go with the account. */
#define STORE_SIEVE_NAME_MAX 512
struct store_sieve_script {
	char *name;
	bool active;
	uint64_t size;			/* bytes of the script */
};
struct store_sieve_list {
	size_t n;
	struct store_sieve_script *v;	/* by name */
};
bool store_sieve_name_valid(const char *name);
int store_sieve_list(struct store *store, int64_t account_id,
		     struct store_sieve_list *out);
void store_sieve_list_free(struct store_sieve_list *l);
/* *text_r malloc'd and NUL-terminated (len_r may be NULL); ENOTFOUND */
int store_sieve_get(struct store *store, int64_t account_id,
		    const char *name, char **text_r, size_t *len_r);
/* the active script, and a version that changes whenever it may have
 * (for caches: it only grows per account); any output may be NULL.
 * STORE_ENOTFOUND: none active */
int store_sieve_active(struct store *store, int64_t account_id,
		       char **name_r, char **text_r, size_t *len_r,
		       int64_t *version_r);
/* Would a script name of size bytes fit (ManageSieve HAVESPACE; every
 * put checks the same in its write)? 0, STORE_ETOOBIG (over
 * sieve.max_size), STORE_ELIMIT (a new name beyond sieve.max_scripts),
 * STORE_EQUOTA (all of them over sieve.quota), ENOTFOUND (account),
 * EBADNAME. A script replaced counts with its new size only. */
int store_sieve_havespace(struct store *store, int64_t account_id,
			  const char *name, uint64_t size);
/* Writes. put creates or replaces (keeping it active if it was; the
 * caller compiled it first): ETOOBIG, ELIMIT, EQUOTA as above.
 * setactive: name NULL or "" leaves none active; ENOTFOUND. delete:
 * ENOTFOUND, EBUSY (the active one: RFC 5804 ACTIVE). rename keeps
 * active: ENOTFOUND, EEXIST (newname taken). All: EBADNAME,
 * ENOTFOUND for an unknown account. */
int store_sieve_put(struct store *store, int64_t account_id,
		    const char *name, const char *text, size_t len,
		    store_cb cb, void *arg);
int store_sieve_setactive(struct store *store, int64_t account_id,
			  const char *name, store_cb cb, void *arg);
int store_sieve_delete(struct store *store, int64_t account_id,
		       const char *name, store_cb cb, void *arg);
int store_sieve_rename(struct store *store, int64_t account_id,
		       const char *oldname, const char *newname,
		       store_cb cb, void *arg);

#endif
