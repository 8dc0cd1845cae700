/* managesieve-private.h - one ManageSieve session, shared by the files
 * of src/managesieve.
 *
 * Flow: managesieve-session.c reads lines and literals into the parser
 * (managesieve-parse.h) and hands each complete command to
 * managesieve-commands.c, which checks it against its table and runs
 * one handler (managesieve-auth.c, managesieve-scripts.c). A handler
 * that waits (a login checked off the loop, a store write) sets
 * s->wait; input is paused until ms_session_done_waiting(). Work in
 * flight holds a reference: the session is freed when its connection
 * is gone and nothing is in flight. */
#ifndef TERN_MANAGESIEVE_PRIVATE_H
#define TERN_MANAGESIEVE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "auth/auth-check.h"
#include "lib/conn.h"
#include "lib/service.h"
#include "managesieve/managesieve-parse.h"
#include "managesieve/managesieve.h"

struct auth_sasl;

enum ms_state { MS_NONAUTH, MS_AUTH };

enum ms_wait {
	MS_WAIT_NONE = 0,
	MS_WAIT_AUTH,		/* SASL: throttle delay, check */
	MS_WAIT_STORE,		/* a store write */
};

struct ms_session {
	struct conn *conn;
	struct service_env *env;
	uint64_t id;
	enum ms_state state;
	enum ms_wait wait;
	int refs;		/* the connection + work in flight */
	bool conn_gone;
	bool shutdown;		/* BYE once the current work ends */
	struct ms_parser parser;

	/* AUTHENTICATE */
	struct auth_sasl *sasl;
	bool sasl_waiting;	/* a challenge is out: a response comes */
	struct auth_check_env aenv;
	const char *mech;
	unsigned auth_failures;
	unsigned bad_commands;

	/* authenticated */
	int64_t account_id;
	char *address;
	char *op_warnings;	/* PUTSCRIPT's compile warnings */
	unsigned n_put, n_get, n_delete;
};

/* managesieve-session.c */
extern const struct conn_ops ms_session_ops;
void *ms_session_accept(struct conn *c, struct service_env *env);
void ms_session_ref(struct ms_session *s);
void ms_session_unref(struct ms_session *s);
void ms_session_done_waiting(struct ms_session *s);
/* a response: OK, NO or BYE, an optional code (without parentheses;
 * may be NULL) and a human-readable text sent as a string */
void ms_reply(struct ms_session *s, const char *status, const char *code,
	      const char *text);
/* a string (quoted when it can be, else a literal) and no line end */
void ms_write_string(struct ms_session *s, const char *p, size_t len);
void ms_write(struct ms_session *s, const char *text);
void ms_close(struct ms_session *s, const char *reason);
bool ms_plaintext_ok(const struct ms_session *s);
bool ms_starttls_ok(const struct ms_session *s);

/* managesieve-commands.c */
void ms_commands_run(struct ms_session *s);
/* a command refused: counts toward managesieve.max_errors */
void ms_commands_bad(struct ms_session *s, const char *text);

/* managesieve-auth.c */
void ms_cmd_capability(struct ms_session *s);
void ms_cmd_starttls(struct ms_session *s);
void ms_cmd_authenticate(struct ms_session *s);
void ms_cmd_unauthenticate(struct ms_session *s);
/* the client's string answering a challenge (NULL: unreadable) */
void ms_auth_response(struct ms_session *s, const char *b64);
void ms_auth_cleanup(struct ms_session *s);
/* the capability lines (no OK) */
void ms_write_capabilities(struct ms_session *s);

/* managesieve-scripts.c */
void ms_cmd_havespace(struct ms_session *s);
void ms_cmd_putscript(struct ms_session *s);
void ms_cmd_checkscript(struct ms_session *s);
void ms_cmd_listscripts(struct ms_session *s);
void ms_cmd_setactive(struct ms_session *s);
void ms_cmd_getscript(struct ms_session *s);
void ms_cmd_deletescript(struct ms_session *s);
void ms_cmd_renamescript(struct ms_session *s);

#endif
