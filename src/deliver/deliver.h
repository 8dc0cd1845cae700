/* deliver.h - local delivery decisions shared by SMTP (port 25 and
 * submission, src/smtp) and JMAP EmailSubmission (src/submit): each
 * local recipient's active Sieve script (RFC 5228) run against the
 * message, and what it decided turned into the rows of the one
 * store_deliver() commit, plus what follows the commit (vacation
 * replies, RFC 5429 rejections by DSN).
 *
 *   d = deliver_sieve_new(&env, rows, n, orig_to);
 *   deliver_sieve_run(d, blob, NULL, 0);   pool thread (deliver_sieve_start)
 *   switch (deliver_sieve_outcome(d, &reason)) ...
 *   rows = deliver_sieve_rows(d, &n);       store_deliver(rows)
 *   deliver_sieve_followup(d);              after the commit succeeded
 *   deliver_sieve_free(&d);
 *
 * Mail is never lost to a script: a compile error, a runtime error, a
 * limit or a store error reading the script keeps the message in INBOX
 * with one log line "sieve error account=... script=... line=...: why".
 * A redirect to a local address delivers there (that account's script
 * runs too); a redirect to an address already in this delivery's chain
 * or in the message's Delivered-To fields is refused (logged) and the
 * message kept instead, and chains are bounded. */
#ifndef TERN_DELIVER_H
#define TERN_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct tern_conf;
struct work_gate;
struct uv_loop_s;
struct sieve_limits;

/* the [sieve] limits of tern.conf as sieve.h takes them (delivery,
 * ManageSieve's compile, `tern sieve` share them) */
void deliver_sieve_limits(const struct tern_conf *conf,
			  struct sieve_limits *lim);
/* include (RFC 6609) for account_id: :personal from the store, :global
 * the plain file NAME.sieve in sieve.global_dir (a name with '/' or a
 * leading '.' never, a symbolic link not followed, at most
 * sieve.max_script_size bytes); sieve_includer's contract (0 and
 * *text_r malloc'd, or -1). Blocking reads. */
int deliver_sieve_include(const struct tern_conf *conf, struct store *store,
			  int64_t account_id, bool global, const char *name,
			  char **text_r, size_t *len_r);

/* the delivery as the caller knows it; copied by deliver_sieve_new */
struct deliver_env {
	struct store *store;
	const struct tern_conf *conf;
	uint64_t log_id;		/* session id for logs */
	const char *id;			/* transaction id (logs) */
	const char *sender;		/* envelope sender, "" for <> */
	const char *auth;		/* SASL user, or NULL */
	const char *envid;		/* DSN ENVID or NULL */
	int ret;			/* STORE_RET_* */
	/* fields after Return-Path and Delivered-To in a local copy
	 * (Authentication-Results, DKIM-Signature) */
	const void *local_front;
	size_t local_front_len;
	/* the prefix of a queued (redirected) copy */
	const void *remote_front;
	size_t remote_front_len;
};

struct deliver_sieve;

/* Is there a Sieve step to run: sieve.enable and a local row whose
 * account has an active script (one small indexed read per local row,
 * as RCPT's lookups: mail to accounts without scripts never waits for
 * the pool) */
bool deliver_sieve_wanted(const struct tern_conf *conf, struct store *store,
			  const struct store_rcpt *rows, size_t n);

/* rows: the commit's rows as they would be without Sieve (locals one
 * per account, their prefixes filled in; copied, the prefixes must
 * stay valid until deliver_sieve_free). orig_to[i] (may be NULL, or an
 * entry NULL): the RCPT address row i came from (envelope :orig). */
struct deliver_sieve *deliver_sieve_new(const struct deliver_env *env,
					const struct store_rcpt *rows,
					size_t n, const char *const *orig_to);

/* Blocking (a pool thread, or off the loop): the message from blob (a
 * complete blob nobody writes meanwhile) or data/len, each local row's
 * active script compiled (cached) and run, the redirect chain followed,
 * the rows planned. Never fails: what cannot run is kept. */
void deliver_sieve_run(struct deliver_sieve *d, struct store_blob *blob,
		       const void *data, size_t len);

enum deliver_outcome {
	DELIVER_STORE,		/* commit deliver_sieve_rows() */
	DELIVER_NOTHING,	/* nothing to store (discarded, or some
				   rejected): answer as delivered */
	DELIVER_REJECT,		/* every recipient rejected: refuse the
				   message (SMTP 550 5.7.1 *reason_r) */
};
/* can_refuse: the protocol can refuse the message (SMTP; JMAP cannot:
 * its rejections always go by DSN). reason_r: the first rejection's
 * text, one line, printable ASCII */
enum deliver_outcome deliver_sieve_outcome(struct deliver_sieve *d,
					   bool can_refuse,
					   const char **reason_r);

/* the commit's rows (owned by d: valid until deliver_sieve_free; the
 * caller may change their out fields) */
struct store_rcpt *deliver_sieve_rows(struct deliver_sieve *d, size_t *n_r);

/* the domain of the first account that redirected to a remote address
 * (the SRS domain when srs.domain is empty), or NULL */
const char *deliver_sieve_srs_domain(const struct deliver_sieve *d);

/* Blocking, after a successful commit (or DELIVER_NOTHING): vacation
 * replies (once per period, store_vacation_claim) and DSNs for the
 * recipients that rejected the message (RFC 5429 2.1) */
void deliver_sieve_followup(struct deliver_sieve *d);

void deliver_sieve_free(struct deliver_sieve **d);

/* ---- on the loop (deliver-async.c) ---- */

typedef void deliver_sieve_cb(void *arg);

/* deliver_sieve_run() on libuv's pool through the work gate of the
 * first local account; cb on the loop when done. 0 or a libuv error
 * (nothing queued). */
int deliver_sieve_start(struct deliver_sieve *d, struct uv_loop_s *loop,
			struct work_gate *gate, struct store_blob *blob,
			deliver_sieve_cb *cb, void *arg);

/* deliver_sieve_followup() on the pool, then free: takes *d (NULL
 * afterwards). Nothing to follow up: freed at once. */
void deliver_sieve_finish(struct deliver_sieve **d, struct uv_loop_s *loop);

#endif
