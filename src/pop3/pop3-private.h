/* pop3-private.h - one POP3 session, shared by the files of src/pop3.
 *
 * Flow: pop3-session.c reads command lines and hands them to
 * pop3-commands.c, which checks them against the table (pop3-parse.c)
 * and runs one handler. Handlers that must wait (a login verified on a
 * worker thread, a throttling delay, loading the maildrop, streaming a
 * message, the expunge at QUIT) set s->wait; input is then paused, so
 * pipelined commands stay buffered, and pop3_session_done_waiting()
 * resumes it. Work in flight holds a reference (s->refs): the session is
 * freed only when its connection is gone and nothing is in flight. */
#ifndef TERN_POP3_PRIVATE_H
#define TERN_POP3_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "auth/auth-check.h"
#include "lib/buf.h"
#include "lib/conn.h"
#include "lib/service.h"
#include "lib/work-gate.h"
#include "pop3/pop3-dot.h"
#include "pop3/pop3-maildrop.h"
#include "pop3/pop3-parse.h"

struct auth_sasl;
struct store_reader;

enum pop3_state {
	POP3_AUTHORIZATION,
	POP3_TRANSACTION,
	POP3_UPDATE,
};

enum pop3_wait {
	POP3_WAIT_NONE = 0,
	POP3_WAIT_AUTH,		/* throttle delay, verify, maildrop load */
	POP3_WAIT_RETR,		/* streaming RETR/TOP */
	POP3_WAIT_UPDATE,	/* expunge commit at QUIT */
};

/* streaming of one RETR/TOP */
struct pop3_retr {
	struct work_gate_job job;
	struct store_reader *reader;
	struct pop3_dot dot;
	unsigned char *chunk;
	ssize_t nread;		/* worker result: bytes, 0 at end, -1 */
	int open_err;		/* worker result of store_msg_open */
	uint64_t off;
	uint32_t uid;
	uint64_t size;		/* announced octets (RETR) */
	bool top;
	bool in_flight;		/* a worker job is queued */
	bool started;		/* the +OK line is sent */
};

struct pop3_session {
	struct conn *conn;
	struct service_env *env;
	uint64_t id;
	enum pop3_state state;
	enum pop3_wait wait;
	int refs;		/* the connection + work in flight */
	bool conn_gone;
	bool shutdown;		/* close once the current work ends */

	/* AUTHORIZATION */
	char *user;		/* USER argument as sent (NUL-free) */
	struct auth_sasl *sasl;		/* AUTH exchange in progress */
	struct auth_check_req *auth_req; /* PASS check in progress */
	struct auth_check_env aenv;
	char *login;		/* PASS: the name being checked (the log) */
	bool sasl_waiting_line;	/* a "+ " challenge is out */
	unsigned auth_failures;
	unsigned bad_commands;

	/* TRANSACTION */
	int64_t account_id;
	char *address;
	struct work_gate_owner gate_owner;	/* thread-pool jobs now */
	const char *mech;	/* "USER", "PLAIN", ... for the log */
	bool locked;		/* holds the account's POP3 lock */
	bool have_maildrop;
	struct pop3_maildrop md;
	struct pop3_retr retr;

	/* counters for the log */
	unsigned n_retr, n_top, n_dele;
	uint64_t bytes_sent;
};

/* pop3-session.c */
extern const struct conn_ops pop3_session_ops;
void *pop3_session_accept(struct conn *c, struct service_env *env);
void pop3_session_ref(struct pop3_session *s);
void pop3_session_unref(struct pop3_session *s);
/* the waiting handler is done: resume reading commands (or close on
 * shutdown) */
void pop3_session_done_waiting(struct pop3_session *s);
void pop3_session_reply(struct pop3_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* send what is written now (end of an asynchronous completion) */
void pop3_session_flush(struct pop3_session *s);
/* write a reply and close the connection */
void pop3_session_close(struct pop3_session *s, const char *reason);
/* password logins (USER/PASS, every SASL mechanism) may be used now */
bool pop3_session_plaintext_ok(const struct pop3_session *s);
/* a job of this session on the thread pool, within its account's and
 * its own share (work-gate.h); as uv_queue_work() */
int pop3_session_queue_work(struct pop3_session *s, struct work_gate_job *job,
			    uv_work_cb work, uv_after_work_cb after);
/* STLS may be offered now */
bool pop3_session_stls_ok(const struct pop3_session *s);

/* pop3-commands.c */
void pop3_commands_run(struct pop3_session *s, struct slice line);
/* a command refused before it ran: counts toward pop3.max_errors */
void pop3_commands_bad(struct pop3_session *s, const char *reply);

/* pop3-auth.c: USER/PASS, AUTH, STLS, and the login that follows */
void pop3_auth_user(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_auth_pass(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_auth_auth(struct pop3_session *s, const struct pop3_command *cmd);
void pop3_auth_stls(struct pop3_session *s, const struct pop3_command *cmd);
/* a line answering a SASL challenge */
void pop3_auth_sasl_line(struct pop3_session *s, struct slice line);

/* pop3-login.c: the attempt's outcome (pop3-login.h); cancels what is
 * in flight when the connection goes */
void pop3_login_cleanup(struct pop3_session *s);

/* pop3-load.c: the maildrop from the store (worker thread) */
int pop3_load_maildrop(struct store *store, int64_t account_id,
		       struct pop3_maildrop *md);
bool pop3_load_msg_exists(struct store *store, int64_t account_id,
			  int64_t mailbox_id, uint32_t uid);

/* pop3-retr.c: RETR and TOP streaming */
void pop3_retr_start(struct pop3_session *s, uint32_t msgno,
		     const uint64_t *top_lines);
void pop3_retr_drain(struct pop3_session *s);
void pop3_retr_cleanup(struct pop3_session *s);

/* pop3-update.c: QUIT */
void pop3_update_quit(struct pop3_session *s);

/* pop3-service.c: one POP3 session per account */
bool pop3_service_lock(int64_t account_id);
void pop3_service_unlock(int64_t account_id);

#endif
