/* pop3-login.h - one login attempt of a POP3 session, shared by USER/PASS
 * and AUTH (pop3-auth.c). The credentials go through src/auth's one
 * path (auth-check.h for USER/PASS, auth-sasl.h for AUTH): throttle
 * delay and block, lookup and verification off the loop, rehash on
 * login, SCRAM-only accounts; this file turns the outcome into POP3:
 *
 *   pop3_login_failed(): "-ERR [AUTH]", close after auth.max_failures;
 *   pop3_login_blocked(): "-ERR [SYS/TEMP]" and close;
 *   pop3_login_temp_fail(): "-ERR [SYS/TEMP]";
 *   pop3_login_succeeded(): account lock ([IN-USE]), maildrop snapshot
 *   on a worker, "+OK", TRANSACTION state.
 *
 * While a check or the load is in flight the session waits
 * (POP3_WAIT_AUTH); the load holds a reference. */
#ifndef TERN_POP3_LOGIN_H
#define TERN_POP3_LOGIN_H

#include "pop3/pop3-private.h"

/* the maildrop load after a successful login */
struct pop3_login_job {
	struct work_gate_job job;
	struct pop3_session *s;
	struct store *store;
	int64_t account_id;
	int load_rc;
	struct pop3_maildrop md;
};

/* the env for auth-check.h / auth-sasl.h */
const struct auth_check_env *pop3_login_env(struct pop3_session *s);
/* outcomes: each ends the session's wait */
void pop3_login_failed(struct pop3_session *s, const char *name,
		       const char *reason);
void pop3_login_blocked(struct pop3_session *s);
void pop3_login_temp_fail(struct pop3_session *s, const char *what);
void pop3_login_disabled(struct pop3_session *s, const char *address);
void pop3_login_succeeded(struct pop3_session *s, int64_t account_id,
			  const char *address);

#endif
