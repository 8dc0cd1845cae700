/* pop3-login.h - one login attempt of a POP3 session, shared by USER/PASS
 * and AUTH (pop3-auth.c).
 *
 *   1. pop3_login_blocked(): refused and closed if the client address is
 *      blocked by the throttle (src/auth/throttle.h).
 *   2. job = pop3_login_job_new(s, login); fill in password or
 *      want_scram, and done; pop3_login_start(s, job): waits the
 *      throttle's delay (a timer, so reconnecting does not skip it), then
 *      looks the account up and verifies the argon2id hash (or fetches
 *      the SCRAM secret) on a worker thread; job->done runs back on the
 *      loop with lookup_rc, verified, account_id, enabled, scram.
 *   3. pop3_login_failed(): throttle, "-ERR [AUTH]", close after
 *      auth.max_failures; pop3_login_temp_fail(): "-ERR [SYS/TEMP]";
 *      pop3_login_succeeded(): account lock ([IN-USE]), maildrop
 *      snapshot on a worker, "+OK", TRANSACTION state.
 *
 * The session owns at most one job (s->auth_job); while one is in flight
 * the session waits (POP3_WAIT_AUTH) and holds a reference. */
#ifndef TERN_POP3_LOGIN_H
#define TERN_POP3_LOGIN_H

#include "pop3/pop3-private.h"

struct pop3_login_job {
	uv_work_t work;
	uv_timer_t *timer;
	struct pop3_session *s;
	struct store *store;
	char *login;		/* normalised name, or NULL if invalid */
	char *password;		/* PASS / PLAIN / LOGIN: wiped on free */
	size_t password_len;
	bool want_scram;	/* look up the SCRAM secret */
	bool load;		/* this run loads the maildrop */
	void (*done)(struct pop3_login_job *job);
	/* results */
	int lookup_rc;
	bool verified;
	int64_t account_id;
	char *address;
	bool enabled;
	char *scram;
	int load_rc;
	struct pop3_maildrop md;
};

/* a new job for login (copied; NULL: invalid name), replacing the
 * session's previous one */
struct pop3_login_job *pop3_login_job_new(struct pop3_session *s,
					  const char *login);
/* delay, then verify; the session waits */
void pop3_login_start(struct pop3_session *s, struct pop3_login_job *job);
/* true (after replying and closing) if the client address is blocked */
bool pop3_login_blocked(struct pop3_session *s);
/* outcomes: each ends the session's wait */
void pop3_login_failed(struct pop3_session *s, const char *name,
		       const char *reason);
void pop3_login_temp_fail(struct pop3_session *s, int rc, const char *what);
void pop3_login_succeeded(struct pop3_session *s, struct pop3_login_job *job);

#endif
