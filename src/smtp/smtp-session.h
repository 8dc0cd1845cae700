/* smtp-session.h - one SMTP server session (port 25, and the base that
 * submission builds on), driven by lib/conn.h.
 *
 * Flow: smtp_session_create() writes the greeting; every input line goes
 * through smtp_session_command(), which checks the verb table flags
 * (smtp-cmd.h) once and calls the verb's handler (smtp-cmd-*.c). Each
 * handler checks first (syntax, state, policy: replying 5xx itself and
 * returning false) and then proceeds with its side effects. DATA and
 * BDAT switch the session to raw input (smtp-cmd-data.c), which streams
 * the message into a store blob (smtp-deliver.c); the final 250 is sent
 * from the store's completion callback, with the connection paused
 * meanwhile so pipelined commands wait their turn.
 *
 * Policy per listener kind (struct smtp_policy): port 25 refuses relaying
 * outright; submission (issue 7) sets hooks for AUTH, sender checks and
 * header additions, and marks the session authenticated with
 * smtp_session_set_auth(), after which non-local recipients are accepted
 * and queued as STORE_RCPT_REMOTE rows of the same store_deliver(). */
#ifndef TERN_SMTP_SESSION_H
#define TERN_SMTP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/conn.h"
#include "lib/service.h"
#include "smtp/smtp-addr.h"
#include "smtp/smtp-cmd.h"
#include "smtp/smtp-data.h"
#include "smtp/smtp-header.h"
#include "smtp/smtp-param.h"
#include "store/store.h"

struct smtp_session;
struct smtp_milter;
struct deliver_sieve;

enum smtp_state {
	SMTP_S_PREGREET,	/* greeting delay: input now is an early talker */
	SMTP_S_CONNECTED,	/* greeting sent, no EHLO/HELO yet */
	SMTP_S_HELO,		/* ready for MAIL */
	SMTP_S_MAIL,		/* MAIL accepted */
	SMTP_S_RCPT,		/* at least one RCPT accepted */
	SMTP_S_DATA,		/* reading a DATA body */
	SMTP_S_BDAT,		/* reading a BDAT chunk */
	SMTP_S_CHECK,		/* waiting for SPF/DKIM/DMARC (paused) */
	SMTP_S_DELIVER,		/* waiting for the store commit (paused) */
	SMTP_S_QUIT,		/* closing */
};

struct smtp_policy {
	const char *name;	/* "smtp", "submission": logs */
	/* RFC 6409: MAIL needs an authenticated session */
	bool require_auth;
	/* port 25: SPF, DKIM, DMARC (smtp-auth.h) and forged
	 * Authentication-Results removed */
	bool mail_checks;
	/* submission: DKIM-sign for the sender's domain (its keys) */
	bool dkim_sign;
	/* EHLO: append extra keyword lines ("AUTH PLAIN LOGIN\n") to kw */
	void (*ehlo_keywords)(struct smtp_session *s, struct buf *kw);
	/* the AUTH command; NULL: 502 5.5.1. Return false on failure
	 * (counts as an error). May take over input with s->line_hook. */
	bool (*cmd_auth)(struct smtp_session *s, struct slice args);
	/* after MAIL FROM parsed: refuse (write the reply, return false) */
	bool (*check_mail)(struct smtp_session *s, const struct smtp_path *from,
			   const struct smtp_mail_params *p);
	/* end of the message header: lines appended to hdr (CRLF ended)
	 * are written into the blob before the blank line (Message-ID,
	 * Date for submission). seen: SMTP_HDR_* fields the header had.
	 * To refuse the message (submission's From: check), set
	 * s->txn.failed: the rest is still read, then that reply comes
	 * and the blob is dropped. */
	void (*header_end)(struct smtp_session *s, unsigned seen,
			   struct buf *hdr);
	/* session gone: free policy_data */
	void (*free)(struct smtp_session *s);
};

/* one accepted RCPT */
struct smtp_rcpt {
	char *addr;			/* forward-path as given */
	bool remote;			/* relay target (authenticated only) */
	struct store_resolved targets;	/* local: what it resolved to */
	struct smtp_rcpt_params params;
};

struct smtp_txn {
	char id[24];			/* queue id: logs, Received, 250 */
	struct smtp_path from;
	struct smtp_mail_params mail;
	struct smtp_rcpt *rcpts;
	size_t n_rcpts, cap_rcpts;
	size_t n_rejected;		/* RCPTs refused (log) */
	/* the message */
	struct store_blob *blob;
	struct smtp_data data;
	struct buf chunk;		/* receiver output before the blob */
	bool bdat;			/* a BDAT transaction is running */
	bool chunk_last;		/* BDAT: this chunk is the LAST */
	uint64_t chunk_size;		/* BDAT: this chunk's size */
	/* BDAT: read this chunk, then answer this instead */
	const struct smtp_status *chunk_reply;
	/* BDAT: the transaction failed; chunks until LAST get this */
	const struct smtp_status *failed;
	int store_error;		/* a store_blob_write failure */
	struct smtp_header hdr;		/* fields seen, end of header */
	/* the header one field at a time (mail checks, signing) */
	struct buf field;		/* the field being read */
	bool field_bol;			/* field ends in CRLF so far */
	bool field_long;		/* over smtp.max_header_field: passed */
	bool field_drop;		/* a forged Authentication-Results */
	unsigned body_skip;		/* CRLF of the blank line still due */
	struct smtp_auth *auth;		/* port 25 checks */
	struct smtp_arc *arc;		/* port 25: ARC seal of forwards */
	struct dkim_keyset *dkim_keys;	/* submission signing */
	struct dkim_signer *signer;
	struct buf front;		/* fields in front of the message:
					   DKIM-Signature, Authentication-Results */
	bool junk;			/* DMARC quarantine: \Junk */
	/* delivery in flight */
	struct store_rcpt *srcpts;
	size_t n_srcpts;
	struct buf prefixes;
	int64_t queue_msg_id;
	struct deliver_sieve *sieve;	/* the scripts' step (deliver.h) */
};

struct smtp_session {
	struct conn *conn;
	struct service_env *env;
	const struct smtp_policy *policy;
	void *policy_data;
	uint64_t id;
	enum smtp_state state;
	bool esmtp;			/* EHLO (not HELO) */
	char helo[256];			/* EHLO/HELO argument, sanitized */
	unsigned errors;
	unsigned junk;			/* SMTP_CF_JUNK commands since the last message */
	unsigned n_txns;
	struct smtp_txn txn;
	/* authentication (submission): 0 = none */
	int64_t auth_account_id;
	char *auth_address;
	/* when set, input lines go here instead of the command parser
	 * (SASL continuation lines); clear it to return to commands. A
	 * line that was dropped (over-long, bare LF) comes as line.p ==
	 * NULL: the hook must end its exchange and reply. */
	bool (*line_hook)(struct smtp_session *s, struct slice line);
	bool suspended;			/* smtp_session_suspend() */
	bool conn_gone;			/* on_close came while we waited */
	bool shutdown;			/* 421 once the transaction ends */
	struct smtp_milter *milter;	/* the session's milters (smtp-milter.h) */
};

/* Create a session on c with policy; writes the greeting (or starts the
 * greeting delay). For struct service.accept. */
struct smtp_session *smtp_session_create(struct conn *c,
					 struct service_env *env,
					 const struct smtp_policy *policy);
/* the greeting (or the greeting delay): after the milters' CONNECT */
void smtp_session_begin(struct smtp_session *s);
/* conn_ops shared by every SMTP listener kind */
extern const struct conn_ops smtp_session_ops;

/* free a session whose connection closed while a commit was running
 * (smtp-deliver.c, from the completion) */
void smtp_session_release(struct smtp_session *s);

/* reply helpers: write to the connection */
void smtp_session_reply(struct smtp_session *s, int code, const char *enh,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void smtp_session_status(struct smtp_session *s, const struct smtp_status *st);
/* say 421 and close */
void smtp_session_close(struct smtp_session *s, const char *enh,
			const char *text, const char *reason);
/* the state after a transaction ends or is reset (RSET, after 250) */
void smtp_session_reset(struct smtp_session *s);
/* set the idle timer for the current state */
void smtp_session_timeout(struct smtp_session *s);
/* the input loop: run what is buffered (also after a commit) */
void smtp_session_input(struct smtp_session *s);
/* Stop reading input while an asynchronous step runs (e.g. AUTH's
 * password check on the thread pool): pipelined input stays buffered.
 * If the connection closes meanwhile the session stays allocated until
 * smtp_session_continue(), which then frees it and returns false (do not
 * touch s after that). Otherwise it reads on and returns true. */
void smtp_session_suspend(struct smtp_session *s);
bool smtp_session_continue(struct smtp_session *s);
/* mark authenticated (submission's AUTH); address is copied */
void smtp_session_set_auth(struct smtp_session *s, int64_t account_id,
			   const char *address);
/* may this session send to non-local domains? */
static inline bool smtp_session_may_relay(const struct smtp_session *s)
{
	return s->auth_account_id != 0;
}
const struct tern_conf *smtp_session_conf(const struct smtp_session *s);

/* transaction */
void smtp_txn_clear(struct smtp_txn *t);
/* MAIL accepted: start what runs during the transaction (SPF) */
void smtp_deliver_mail(struct smtp_session *s);

/* verb handlers (smtp-cmd-*.c): false = the command failed (a reply
 * was written) */
bool smtp_cmd_helo(struct smtp_session *s, struct slice args);
bool smtp_cmd_ehlo(struct smtp_session *s, struct slice args);
bool smtp_cmd_mail(struct smtp_session *s, struct slice args);
bool smtp_cmd_rcpt(struct smtp_session *s, struct slice args);
bool smtp_cmd_data(struct smtp_session *s, struct slice args);
bool smtp_cmd_bdat(struct smtp_session *s, struct slice args);
bool smtp_cmd_rset(struct smtp_session *s, struct slice args);
bool smtp_cmd_noop(struct smtp_session *s, struct slice args);
bool smtp_cmd_quit(struct smtp_session *s, struct slice args);
bool smtp_cmd_help(struct smtp_session *s, struct slice args);
bool smtp_cmd_vrfy(struct smtp_session *s, struct slice args);
bool smtp_cmd_expn(struct smtp_session *s, struct slice args);
bool smtp_cmd_starttls(struct smtp_session *s, struct slice args);
bool smtp_cmd_auth(struct smtp_session *s, struct slice args);

/* raw input while in DATA/BDAT (smtp-cmd-data.c): consumes what it can;
 * false when it needs more input or the session must stop reading */
bool smtp_cmd_data_input(struct smtp_session *s);

/* smtp-deliver.c: the message's way into the store */
/* open the blob and write the Received header; false: answer with
 * smtp_deliver_tempfail */
bool smtp_deliver_begin(struct smtp_session *s);
extern const struct smtp_status smtp_deliver_tempfail;
/* message bytes from the receiver (t->chunk) into the blob */
void smtp_deliver_write(struct smtp_session *s);
/* end of the message: reply now (error) or after the commit */
void smtp_deliver_finish(struct smtp_session *s);

#endif
