/* auth-check.h - credentials against the store, with throttling: the one
 * path SMTP AUTH, IMAP LOGIN/AUTHENTICATE and POP3 USER/PASS/AUTH share.
 *
 * sasl.h parses what the client says; this file answers it: it looks the
 * account up (store_auth_lookup(), which is for src/auth only), verifies
 * the password off the event loop, applies throttle.h's delays and
 * blocks, and records the outcome. A protocol never sees a hash.
 *
 * Password logins (PLAIN, LOGIN, IMAP LOGIN, POP3 USER/PASS):
 *
 *   req = auth_check_password_start(env, ip, login, pw, pw_len, cb, arg);
 *   ... cb(arg, r): r->ok -> authenticated as r->account_id/r->address
 *                   r->blocked -> refuse and disconnect
 *                   r->tempfail -> "try again later" (SMTP 454 4.7.0,
 *                                  IMAP NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP])
 *                   else -> "invalid credentials" (SMTP 535 5.7.8, IMAP
 *                           NO [AUTHENTICATIONFAILED], POP3 -ERR [AUTH])
 *   With SASL PLAIN/LOGIN: login = sasl_username(s), pw = sasl_password(s),
 *   then in cb: sasl_set_password_result(s, r->ok).
 *
 * SCRAM-SHA-256 (the server never sees the password):
 *
 *   at SASL_NEED_SCRAM_SECRET:
 *     req = auth_check_scram_start(env, ip, sasl_username(s), cb, arg);
 *     cb: sasl_set_scram_secret(s, r->scram_secret, &challenge) (NULL is
 *         fine: unknown user, disabled account or no secret stored; the
 *         exchange then fails at the proof like a wrong password); keep
 *         r->account_id and r->address for later.
 *   when the exchange ends (SASL_OK or SASL_FAIL after a secret was
 *   looked up): blocked = auth_check_report(env, ip, sasl_username(s),
 *   ok); authenticated as the kept account on SASL_OK.
 *
 * An exchange that fails inside sasl.h (malformed client data) should be
 * counted too: auth_check_report(env, ip, sasl_username(s), false)
 * (the name may be NULL). A client's "*" cancel is not a failure.
 *
 * Order of events for one request: if the address is blocked, cb comes
 * (on a later loop turn) with r->blocked and nothing else happens. Else
 * the throttle delay for the address and the login name is waited out on
 * a timer; a password check then waits until throttle_begin() lets it
 * run (failures and checks in flight from the address stay below the
 * block count, so parallel connections cannot check more passwords
 * than that); the lookup and verification run on env->pool, threads
 * that nothing else uses (so that no search delays a login),
 * the result is recorded in the throttle (a failure counts even if the
 * request was cancelled meanwhile: disconnecting does not escape it),
 * and cb runs on the loop thread. A right password from an address
 * blocked meanwhile is refused (r->blocked). cb is never called from
 * inside the _start() call.
 *
 * Threads: the _start(), _cancel() and _report() calls and the callbacks
 * are loop-thread only; auth_check_password() and auth_check_scram() are
 * the synchronous forms, for worker threads and tests. */
#ifndef TERN_AUTH_CHECK_H
#define TERN_AUTH_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct auth_cache;
struct auth_pool;
struct metrics_proto;
struct service_env;
struct store;
struct throttle;
struct uv_loop_s;

struct auth_check_env {
	struct uv_loop_s *loop;		/* the async calls only */
	struct store *store;
	struct throttle *throttle;	/* NULL: no throttling */
	/* After a successful password login: re-hash a hash made with
	 * outdated argon2id parameters, and add a SCRAM secret to an
	 * account that has none (imported accounts), so that SCRAM works
	 * from then on. A store write, fire and forget, made only if the
	 * stored strings did not change meanwhile (checked just before the
	 * write: without a compare-and-set in store.h a password change in
	 * the same few milliseconds could still lose). Off by default. */
	bool upgrade;
	/* lookups and verifications run here (auth-pool.h); NULL: on
	 * libuv's thread pool (tests) */
	struct auth_pool *pool;
	/* verified password logins (auth-cache.h); NULL: none */
	struct auth_cache *cache;
	/* the session's protocol counters (lib/metrics.h): logins and
	 * failures; NULL: counted as "other" */
	struct metrics_proto *metrics;
};

struct auth_check_result {
	bool ok;		/* password right and account enabled */
	bool tempfail;		/* store error: try again later */
	bool blocked;		/* the address is blocked: disconnect it */
	bool disabled;		/* right password, account disabled */
	int64_t account_id;	/* ok, or SCRAM secret found: the account */
	char *address;		/* same: its normalised address (malloc'd) */
	char *scram_secret;	/* SCRAM lookups: the secret or NULL */
	/* !ok: why, for the log only (never tell the client): "invalid
	 * username", "unknown user", "wrong password", "no password set",
	 * "account disabled", "store error", "blocked" */
	const char *reason;
};

/* auth_check_env_for - the env of a protocol session: the server's
 * loop, store, throttle and verification threads; upgrades on (a good
 * password login rehashes and adds a missing SCRAM secret) */
void auth_check_env_for(struct auth_check_env *e,
			const struct service_env *env);

/* auth_check_result_clear - free the members (wiping the secret) */
void auth_check_result_clear(struct auth_check_result *r);

/* auth_check_password - synchronous: look login up, verify pw against
 * its argon2id hash (or, if it has none, its SCRAM secret), check that
 * the account is enabled. A login verified less than auth.cache_ttl ago
 * against the same stored strings is answered from env->cache. An unknown login costs a dummy verification,
 * the same time as a wrong password. No throttling. Worker threads. */
void auth_check_password(const struct auth_check_env *env, const char *login,
			 const char *pw, size_t len,
			 struct auth_check_result *r);

/* auth_check_scram - synchronous: the SCRAM secret of login, with
 * account_id and address, or scram_secret NULL (unknown, disabled, no
 * secret; r->reason says which). r->ok stays false: SASL decides. */
void auth_check_scram(const struct auth_check_env *env, const char *login,
		      struct auth_check_result *r);

/* The callback: r belongs to the request and is freed when cb returns;
 * cb may take r->address or r->scram_secret by setting them to NULL
 * (then free()/wipe them itself). */
typedef void auth_check_cb(void *arg, struct auth_check_result *r);

struct auth_check_req;

/* auth_check_password_start - the asynchronous password check described
 * above. ip: the client's address text (throttle key); login, pw are
 * copied (pw wiped after use). Never NULL. */
struct auth_check_req *
auth_check_password_start(const struct auth_check_env *env, const char *ip,
			  const char *login, const char *pw, size_t len,
			  auth_check_cb *cb, void *arg);

/* auth_check_scram_start - the asynchronous SCRAM secret lookup (blocked
 * check and delay first, as for passwords). Never NULL. */
struct auth_check_req *
auth_check_scram_start(const struct auth_check_env *env, const char *ip,
		       const char *login, auth_check_cb *cb, void *arg);

/* auth_check_cancel - the session is going away: cb will not be called.
 * Only before cb ran (the request is gone afterwards). Sets *req to
 * NULL; NULL-safe. */
void auth_check_cancel(struct auth_check_req **req);

/* auth_check_report - record the end of an exchange whose verification
 * happened elsewhere (SCRAM): throttle_success() or throttle_failure().
 * Returns true if the address is now blocked: disconnect it, and refuse
 * the login even if ok (nothing is recorded then). */
bool auth_check_report(const struct auth_check_env *env, const char *ip,
		       const char *username, bool ok);

/* auth_check_blocked - true while the address is blocked */
bool auth_check_blocked(const struct auth_check_env *env, const char *ip);

#endif
