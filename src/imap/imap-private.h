/* imap-private.h - the IMAP session, its commands and its mailbox view,
 * shared by the files of src/imap (not by other modules) */
#ifndef TERN_IMAP_PRIVATE_H
#define TERN_IMAP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth-check.h"
#include "imap/imap-parser.h"
#include "imap/imap-seqset.h"
#include "lib/buf.h"
#include "lib/conn.h"
#include "lib/service.h"
#include "lib/work-gate.h"
#include "lib/turn.h"
#include "store/store.h"

struct store_blob;
struct store_watch;
struct auth_sasl;
struct auth_check_req;
struct store_uid_range;

enum imap_state {
	IMAP_NOTAUTH,
	IMAP_AUTH,
	IMAP_SELECTED,
	IMAP_LOGOUT,
};

/* what the session waits for; input is paused unless NONE */
enum imap_wait {
	IMAP_WAIT_NONE,
	IMAP_WAIT_CMD,		/* a command runs (store write, yield) */
	IMAP_WAIT_LITERAL,	/* APPEND: message bytes go to a blob */
	IMAP_WAIT_SASL,		/* AUTHENTICATE: a response line */
	IMAP_WAIT_IDLE,		/* IDLE: the DONE line */
};

/* in struct imap_msg's flags only, never given to the store: the
 * message is \Recent in this session (IMAP4rev1, RFC 3501 2.3.2) */
#define IMAP_F_RECENT (1u << 31)

/* one line of the sequence map: seq = index + 1 */
struct imap_msg {
	uint32_t uid;
	uint32_t flags;
	uint64_t modseq;
};

struct imap_view {
	int64_t account_id;	/* the mailbox's owner (shared: not ours) */
	unsigned rights;	/* STORE_ACL_*, read again before commands */
	int64_t mailbox_id;
	char *name;		/* UTF-8 */
	bool readonly;
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t modseq;	/* changes up to here are known */
	size_t n, cap;
	struct imap_msg *msgs;
	struct store_watch *watch;
	bool changed;		/* the watcher fired since the last sync */
	/* expunges seen but not yet announced (not allowed during FETCH,
	 * STORE, SEARCH): their messages stay in msgs until then */
	size_t n_pend, cap_pend;
	uint32_t *pend;
	char *keywords;		/* as last announced in FLAGS */
	uint32_t n_recent;	/* messages with IMAP_F_RECENT */
};

struct imap_append;
struct imap_cmd;
typedef void imap_write_done(struct imap_cmd *cmd, int ret);
enum imap_cmd_ret {
	IMAP_CMD_DONE,		/* the tagged reply is written */
	IMAP_CMD_WAIT,		/* continues later; ends with imap_cmd_end() */
};
typedef enum imap_cmd_ret imap_cmd_fn(struct imap_cmd *cmd);

enum {
	IMAP_CMD_F_NOTAUTH = 1 << 0,	/* allowed before login */
	IMAP_CMD_F_AUTH = 1 << 1,	/* allowed after login */
	IMAP_CMD_F_SELECTED = 1 << 2,	/* needs a selected mailbox */
	IMAP_CMD_F_NO_EXPUNGE = 1 << 3,	/* no untagged EXPUNGE (FETCH, STORE,
					   SEARCH without UID) */
	IMAP_CMD_F_UID = 1 << 4,	/* has a UID form */
};

struct imap_command {
	const char *name;
	imap_cmd_fn *fn;
	unsigned flags;
};

struct imap_session {
	struct conn *conn;
	struct service_env *env;
	uint64_t id;
	int refs;
	bool conn_gone;
	bool shutdown;

	enum imap_state state;
	enum imap_wait wait;
	struct imap_parser *parser;
	bool replied;		/* an error reply was sent for the command */
	struct imap_cmd *cmd;	/* running */

	int64_t account_id;
	char *user;
	struct work_gate_owner gate_owner;	/* thread-pool jobs now */
	unsigned auth_failures;
	unsigned bad_count;	/* BAD replies in a row */
	struct auth_sasl *sasl;		/* AUTHENTICATE in progress */
	struct auth_check_req *auth_req;	/* LOGIN in progress */
	struct auth_check_env aenv;

	bool selected;
	struct imap_view view;

	/* ENABLE */
	bool utf8, condstore, qresync, rev2;
	bool uidonly;		/* RFC 9586: no message numbers either way */

	/* APPEND literal streaming */
	struct imap_append *app;
	uint64_t lit_left;

	/* the draining FETCH */
	bool drain_wait;
	struct turn_entry yield_turn;	/* imap_cmd_yield pending */

	/* the store write in flight */
	imap_write_done *wr_done;

	/* NOTIFY (cmd-notify.c); NULL: none. notify_turn: a flush is
	 * queued (it holds a session reference) */
	struct imap_notify *notify;
	struct turn_entry notify_turn;
	uint64_t notify_gen;	/* bumped when notify is replaced or freed */
	bool notify_fetching;	/* NOTIFY's FETCH of new messages is built
				   on a worker: input and view sync wait */

	/* SEARCHRES: uids of the last SEARCH ... RETURN (SAVE) */
	size_t n_saved;
	uint32_t *saved;

	/* CONTEXT=SEARCH/SORT: results kept live (search-update.c) */
	struct imap_update **updates;
	size_t n_updates;
};

struct imap_cmd {
	struct imap_session *s;
	const struct imap_command *def;
	const char *tag;
	const char *name;	/* as the client wrote it, "UID FETCH" folded */
	const struct imap_arg *args;
	bool uid;
	imap_cmd_fn *resume;	/* called again by imap_cmd_yield() */
	void *ctx;
	void (*ctx_free)(void *ctx);
};

/* --- imap-session.c --- */
void *imap_session_accept(struct conn *c, struct service_env *env);
extern const struct conn_ops imap_session_ops;
void imap_session_ref(struct imap_session *s);
void imap_session_unref(struct imap_session *s);
void imap_write(struct imap_session *s, const void *data, size_t len);
void imap_printf(struct imap_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void imap_session_close(struct imap_session *s, const char *reason);
/* a BAD reply was sent: too many in a row end the connection */
void imap_session_count_bad(struct imap_session *s);
/* imap_session_queue_work - a job of this session on the thread pool,
 * within its account's and its own share (work-gate.h); as
 * uv_queue_work() */
int imap_session_queue_work(struct imap_session *s, struct work_gate_job *job,
			    uv_work_cb work, uv_after_work_cb after);
/* password logins (LOGIN, every SASL mechanism) may be used now: TLS,
 * loopback, or server.allow_plaintext_auth */
bool imap_session_plaintext_ok(const struct imap_session *s);
/* the session logged in: state AUTH, limits raised */
void imap_session_login(struct imap_session *s, int64_t account_id,
			const char *address);
/* UNAUTHENTICATE: back to state NOTAUTH as after the greeting (the
 * mailbox already closed): no user, no ENABLEd extension, pre-login
 * limits; TLS and COMPRESS stay */
void imap_session_unlogin(struct imap_session *s);
void imap_session_capability(struct imap_session *s, struct buf *out);

/* --- imap-commands.c --- */
const struct imap_command *imap_command_find(const char *name);
void imap_command_run(struct imap_session *s);
/* the tagged reply: sync the view first (EXISTS, FETCH, EXPUNGE) */
enum imap_cmd_ret imap_cmd_reply(struct imap_cmd *cmd, const char *status,
				 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum imap_cmd_ret imap_cmd_bad(struct imap_cmd *cmd, const char *text);
/* a WAITing command has written its reply: free it, take the next */
void imap_cmd_end(struct imap_cmd *cmd);
/* call cmd->resume on a later loop turn (or on drain when output is
 * queued); the handler returns IMAP_CMD_WAIT after this */
void imap_cmd_yield(struct imap_cmd *cmd);
void imap_cmd_free(struct imap_cmd **cmd);
uint64_t imap_now_ms(void);
/* INPROGRESS (RFC 9585): between two batches of a long command, once
 * imap.progress_interval passed since *last_ms (its start, or the last
 * report): "* OK [INPROGRESS ("tag" done goal)] verb done of goal" */
void imap_cmd_progress(struct imap_cmd *cmd, uint64_t *last_ms, size_t done,
		       size_t goal, const char *verb);
/* A store write: cb = imap_cmd_write_prepare(cmd, done) (holds a session
 * reference), rc = store_x(..., cb, cmd->s), then return
 * imap_cmd_write_started(cmd, rc). done(cmd, ret) runs when it commits
 * (not if the connection is gone meanwhile), writes the reply and calls
 * imap_cmd_end(). */
store_cb *imap_cmd_write_prepare(struct imap_cmd *cmd, imap_write_done *done);
enum imap_cmd_ret imap_cmd_write_started(struct imap_cmd *cmd, int rc);

/* --- imap-view.c --- */
/* SELECT in three steps, the store read in the middle off the loop:
 * begin (loop) closes the old view and watches mailbox_id; read (any
 * thread) takes the snapshot and the keywords; install (loop) builds
 * the view from them (keywords taken; NULL: none). A commit after the
 * snapshot marks the view changed, for the first sync. */
void imap_view_begin(struct imap_session *s, int64_t account_id,
		     int64_t mailbox_id);
/* "* <seq> FETCH (" or, with UIDONLY, "* <uid> UIDFETCH (" */
void imap_fetch_head(struct imap_session *s, struct buf *b, uint32_t uid);
int imap_view_read(struct store *store, int64_t account_id,
		   int64_t mailbox_id, struct store_view *sv,
		   char **keywords_r);
void imap_view_install(struct imap_session *s, const char *name,
		       bool readonly, const struct store_view *sv,
		       char *keywords);
void imap_view_close(struct imap_session *s);
/* IMAP_F_RECENT if uid is \Recent in this session, else 0 */
uint32_t imap_view_recent(struct imap_view *v, uint32_t uid);
/* the session turned IMAP4rev2: no \Recent any more */
void imap_view_recent_drop(struct imap_session *s);
/* imap-seqmap.c: index of the first message with uid >= uid */
size_t imap_view_lower(const struct imap_view *v, uint32_t uid);
/* seq of uid, 0 if not in the view */
uint32_t imap_view_seq(const struct imap_view *v, uint32_t uid);
struct imap_msg *imap_view_find(struct imap_view *v, uint32_t uid);
/* Send what changed: EXISTS, FETCH FLAGS, EXPUNGE/VANISHED (those only
 * if allow_expunge). */
void imap_view_sync(struct imap_session *s, bool allow_expunge);
/* remove uids from the view (our own EXPUNGE/MOVE), sending EXPUNGE or
 * VANISHED */
void imap_view_expunged(struct imap_session *s, const uint32_t *uids,
			size_t n);
/* Resolve a sequence set argument (seq numbers, or uids when uid) into
 * uid ranges of messages in the view. false: syntax error (*error_r).
 * The ranges are sorted; *n_r may be 0. */
bool imap_view_ranges(struct imap_session *s, const char *set, bool uid,
		      struct store_uid_range **ranges_r, size_t *n_r,
		      const char **error_r);
/* the same, but sequence numbers beyond the mailbox select nothing
 * instead of being an error (SEARCH: a set is a criterion there) */
bool imap_view_ranges_clipped(struct imap_session *s, const char *set,
			      bool uid, struct store_uid_range **ranges_r,
			      size_t *n_r, const char **error_r);
/* QRESYNC: "* VANISHED (EARLIER) uids" for the uids in ranges expunged
 * after modseq */
void imap_view_vanished_earlier(struct imap_session *s, uint64_t modseq,
				const struct store_uid_range *r, size_t n);
/* "* FLAGS (...)" and "* OK [PERMANENTFLAGS (...)]" */
void imap_view_flags_line(struct imap_session *s, struct buf *b);
/* a CONDSTORE-enabling command: turn CONDSTORE on, and the first time
 * with a mailbox selected send its HIGHESTMODSEQ */
void imap_condstore_enable(struct imap_session *s);
/* the mailbox's keywords changed? then send FLAGS and PERMANENTFLAGS
 * now (before any FETCH that shows a new one) */
void imap_view_keywords_refresh(struct imap_session *s);
/* uids of the view that fall in ranges (ascending) */
uint32_t *imap_view_uids(struct imap_session *s,
			 const struct store_uid_range *r, size_t n,
			 size_t *count_r);

/* --- imap-acl.c: access control (RFC 4314), the shared namespace --- */
#define IMAP_SHARED_PREFIX "shared/"
/* the session may not do this (NO [NOPERM]); never a store error */
#define IMAP_ACL_ENOPERM (-1000)

/* a mailbox as a command names it */
struct imap_mbox {
	int64_t owner_id;	/* s->account_id, or a sharer's */
	struct store_mailbox m;	/* m.name: the name the session uses */
	char *oname;		/* the owner's name for it */
	unsigned rights;	/* the session's STORE_ACL_* */
	bool shared;
};
void imap_mbox_clear(struct imap_mbox *mb);
/* "imap acl WHAT mailbox=... [identifier=...] rights=..." (escaped) */
void imap_acl_log(struct imap_session *s, const char *what, const char *name,
		  const char *identifier, unsigned rights);
/* LIST-STATUS: the account a name's mailbox belongs to, 0 when there
 * is none or the session may not read it (no r right: no STATUS) */
int64_t imap_mailbox_status_owner(struct imap_session *s, const char *name);
/* is name in the shared namespace ("shared" or "shared/...")? */
bool imap_mailbox_shared(const char *name);
/* The access check of every command that names a mailbox: resolve name
 * (UTF-8) in the session's namespaces and require every right in need.
 * 0: *out filled (clear it). Else a store error for
 * imap_cmd_store_error() or IMAP_ACL_ENOPERM; a mailbox the session may
 * neither see (l) nor use as asked is STORE_ENOTFOUND, the answer for
 * one that does not exist. */
int imap_mailbox_access(struct imap_session *s, const char *name,
			unsigned need, struct imap_mbox *out);
/* CREATE / RENAME's new name: the owner and the owner's name for it
 * (malloc'd); in another account's namespace only below a mailbox with
 * the k right (else IMAP_ACL_ENOPERM) */
int imap_mailbox_access_create(struct imap_session *s, const char *name,
			       int64_t *owner_r, char **oname_r);
/* the rights on the selected shared mailbox, read again; false: they
 * no longer include r and the session was closed (BYE) */
bool imap_view_rights_refresh(struct imap_session *s);
/* before a command runs: refresh, and the rights a command on the
 * selected mailbox needs; false: the reply (NO [NOPERM] or BYE) is
 * written */
bool imap_acl_command(struct imap_session *s, const struct imap_command *def);
/* rights a STORE of flags needs (op: enum store_flag_op) */
unsigned imap_acl_flags_need(int op, uint32_t flags, bool keywords);
/* the system flags rights let the user set (APPEND) */
uint32_t imap_acl_flags_allowed(unsigned rights);
/* LIST: append the mailboxes shared with the session (l right) */
int imap_acl_list_shared(struct imap_session *s,
			 struct store_mailbox_list *l);

/* --- imap-util.c --- */
void imap_append_astring(struct buf *out, const char *s, size_t len);
void imap_append_flags(struct buf *out, uint32_t flags, const char *kw);
/* parse a flag list (or one flag): system flags and keywords;
 * false on a bad flag (\Recent and unknown \ flags refused) */
bool imap_parse_flags(const struct imap_arg *a, uint32_t *flags_r,
		      struct buf *keywords);
void imap_append_date(struct buf *out, int64_t t, int32_t tz);
bool imap_parse_datetime(const char *s, int64_t *t_r, int32_t *tz_r);
bool imap_parse_date(const char *s, int64_t *t_r);
/* mailbox name argument to UTF-8 (malloc'd), NULL if malformed */
char *imap_mailbox_arg(struct imap_session *s, const struct imap_arg *a);
/* UTF-8 name for output (mUTF-7 unless UTF8=ACCEPT) */
void imap_append_mailbox(struct imap_session *s, struct buf *out,
			 const char *name);
/* store error to response code + text */
enum imap_cmd_ret imap_cmd_store_error(struct imap_cmd *cmd, int err);
const char *imap_arg_str(const struct imap_arg *a);

/* --- command handlers --- */
imap_cmd_fn cmd_capability, cmd_noop, cmd_logout, cmd_id, cmd_enable,
	cmd_namespace, cmd_starttls, cmd_login, cmd_authenticate,
	cmd_select, cmd_examine, cmd_close, cmd_unselect, cmd_expunge,
	cmd_create, cmd_delete, cmd_rename, cmd_subscribe, cmd_unsubscribe,
	cmd_list, cmd_lsub, cmd_status, cmd_append, cmd_fetch, cmd_store,
	cmd_copy, cmd_move, cmd_search, cmd_idle, cmd_getquota,
	cmd_getquotaroot, cmd_sort, cmd_thread, cmd_compress, cmd_setacl,
	cmd_deleteacl, cmd_getacl, cmd_listrights, cmd_myrights,
	cmd_unauthenticate, cmd_getmetadata, cmd_setmetadata, cmd_notify,
	cmd_cancelupdate, cmd_replace, cmd_genurlauth, cmd_urlfetch,
	cmd_resetkey;

/* cmd-auth.c: an AUTHENTICATE response line */
void imap_auth_sasl_line(struct imap_session *s, struct slice line);
void imap_auth_cleanup(struct imap_session *s);
/* cmd-idle.c */
void imap_idle_line(struct imap_session *s, struct slice line);
void imap_idle_changed(struct imap_session *s);
/* cmd-notify.c: NOTIFY (RFC 5465) */
#define IMAP_NOTIFY_FETCH_UID (1u << 0)
#define IMAP_NOTIFY_FETCH_FLAGS (1u << 1)
#define IMAP_NOTIFY_FETCH_MODSEQ (1u << 2)
void imap_notify_free(struct imap_session *s);
/* something may be waiting to be told: flush on the next loop turn (it
 * waits for the running command to end: imap_cmd_end kicks again) */
void imap_notify_kick(struct imap_session *s);
/* NOTIFY asked for the selected mailbox's events between commands */
bool imap_notify_selected(const struct imap_session *s);
/* SETMETADATA of from changed entries e of mailbox ("": the server's):
 * the other sessions of the account whose NOTIFY asks are told */
struct store_meta_entry;
void imap_notify_metadata(struct imap_session *from, const char *mailbox,
			  const struct store_meta_entry *e, size_t n);
/* MessageNew asked for FETCH items of the selected mailbox's new
 * messages: imap_notify_new_fetch(s, b, index in the view, keywords) */
bool imap_notify_new_fetch_wanted(const struct imap_session *s);
/* after the EXISTS is written: the FETCH of the new messages that
 * need the FETCH engine is built on a worker and sent when done */
void imap_notify_new_fetch_start(struct imap_session *s);
void imap_notify_new_fetch(struct imap_session *s, struct buf *b, size_t i,
			   const char *keywords);
/* cmd-append.c: is the literal header just read APPEND's or REPLACE's?
 * Then imap_append_literal decides (message bytes stream to a blob) */
bool imap_append_wants(struct imap_session *s);
void imap_append_literal(struct imap_session *s);
void imap_append_input(struct imap_session *s);
void imap_append_cleanup(struct imap_session *s);

#endif
