/* auth-check.c - credentials against the store, off the loop, throttled */
#include "auth/auth-check.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <uv.h>

#include "auth/auth-cache.h"
#include "auth/auth-pool.h"
#include "auth/auth.h"
#include "auth/password.h"
#include "auth/scram.h"
#include "auth/throttle.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/service.h"
#include "store/store.h"

/* an attempt that must wait for others in flight asks again after this
 * (or the address's throttle delay, if longer) */
#define AUTH_CHECK_RETRY_MS 200

struct auth_check_req {
	uv_timer_t timer;
	uv_work_t work;
	struct auth_pool_job pjob;
	struct auth_check_env env;
	bool scram;		/* a SCRAM secret lookup, not a password */
	bool cancelled;
	bool in_work;		/* on the thread pool */
	bool blocked;		/* blocked when started */
	bool counted;		/* throttle_begin() said go: end it */
	char *ip;
	char *login;
	char *norm;		/* normalised login, NULL if invalid */
	char *pw;
	size_t pw_len;
	struct auth_check_result r;
	auth_check_cb *cb;
	void *arg;
};

void
auth_check_env_for(struct auth_check_env *e, const struct service_env *env)
{
	e->loop = env->loop;
	e->store = env->store;
	e->throttle = env->throttle;
	e->pool = env->auth_pool;
	e->cache = env->auth_cache;
	e->upgrade = true;
}

void
auth_check_result_clear(struct auth_check_result *r)
{
	free(r->address);
	if (r->scram_secret != NULL) {
		sodium_memzero(r->scram_secret, strlen(r->scram_secret));
		free(r->scram_secret);
	}
	memset(r, 0, sizeof(*r));
}

/* wipe and free a store_auth record */
static void
auth_check_auth_clear(struct store_auth *a)
{
	if (a->password_hash != NULL)
		sodium_memzero(a->password_hash, strlen(a->password_hash));
	if (a->scram != NULL)
		sodium_memzero(a->scram, strlen(a->scram));
	store_auth_clear(a);
}

static void
auth_check_store_done(void *arg, int ret)
{
}

/* true if the account's stored strings are still those the password was
 * verified against. The store has no compare-and-set yet, so a password
 * change landing between this check and the write below could still be
 * overwritten with the old password: the window is a few milliseconds,
 * and upgrades are off unless the env asks for them. */
static bool
auth_check_unchanged(const struct auth_check_env *env,
		     const struct store_auth *a)
{
	struct store_auth now;
	bool same;

	if (store_auth_lookup(env->store, a->address, &now) != 0)
		return false;
	same = now.account_id == a->account_id &&
	       strcmp(now.password_hash, a->password_hash) == 0 &&
	       strcmp(now.scram, a->scram) == 0;
	auth_check_auth_clear(&now);
	return same;
}

/* after a successful login: re-hash outdated parameters, add a missing
 * SCRAM secret; both from the password the user just proved */
static void
auth_check_upgrade(const struct auth_check_env *env,
		   const struct store_auth *a, const char *pw, size_t len)
{
	char *hash = NULL, *scram = NULL;
	const char *err;
	bool rehash = a->password_hash[0] == '\0' ||
		      password_needs_rehash(a->password_hash);
	bool add_scram = a->scram[0] == '\0';

	if (!rehash && !add_scram)
		return;
	if (rehash && password_hash(pw, len, &hash, &err) < 0)
		return;
	if (add_scram && scram_secret_make(pw, len, 0, &scram, &err) < 0) {
		free(hash);
		return;
	}
	if (auth_check_unchanged(env, a))
		(void)store_account_set_password(env->store, a->address,
				hash != NULL ? hash : a->password_hash,
				scram != NULL ? scram : a->scram,
				auth_check_store_done, NULL);
	free(hash);
	if (scram != NULL) {
		sodium_memzero(scram, strlen(scram));
		free(scram);
	}
}

void
auth_check_password(const struct auth_check_env *env, const char *login,
		    const char *pw, size_t len, struct auth_check_result *r)
{
	struct store_auth a;
	struct scram_secret secret;
	char *norm;
	int ret;
	bool ok, cached = false;

	memset(r, 0, sizeof(*r));
	norm = auth_normalize_username(login, strlen(login));
	if (norm == NULL) {
		r->reason = "invalid username";
		return;
	}
	ret = store_auth_lookup(env->store, norm, &a);
	if (ret == STORE_ENOTFOUND)
		auth_cache_drop(env->cache, norm);	/* deleted */
	free(norm);
	if (ret == STORE_ENOTFOUND) {
		(void)password_verify(NULL, pw, len);
		r->reason = "unknown user";
		return;
	}
	if (ret < 0) {
		r->tempfail = true;
		r->reason = "store error";
		return;
	}
	/* after the store lookup: a hit needs the strings stored now */
	if ((a.password_hash[0] != '\0' || a.scram[0] != '\0') &&
	    auth_cache_check(env->cache, &a, pw, len)) {
		ok = cached = true;
	} else if (a.password_hash[0] != '\0') {
		ok = password_verify(a.password_hash, pw, len);
	} else if (a.scram[0] != '\0' && scram_secret_parse(a.scram, &secret)) {
		ok = scram_secret_verify_password(&secret, pw, len);
		scram_secret_wipe(&secret);
	} else {
		(void)password_verify(NULL, pw, len);
		r->reason = "no password set";
		auth_check_auth_clear(&a);
		return;
	}
	if (!ok) {
		r->reason = "wrong password";
	} else if (!a.enabled) {
		r->disabled = true;
		r->reason = "account disabled";
	} else {
		r->ok = true;
		r->account_id = a.account_id;
		r->address = xstrdup(a.address);
		log_debug(0, "auth verified user=%s source=%s", a.address,
			  cached ? "cache" : "hash");
		if (!cached) {
			auth_cache_put(env->cache, &a, pw, len);
			if (env->upgrade)
				auth_check_upgrade(env, &a, pw, len);
		}
	}
	auth_check_auth_clear(&a);
}

void
auth_check_scram(const struct auth_check_env *env, const char *login,
		 struct auth_check_result *r)
{
	struct store_auth a;
	char *norm;
	int ret;

	memset(r, 0, sizeof(*r));
	norm = auth_normalize_username(login, strlen(login));
	if (norm == NULL) {
		r->reason = "invalid username";
		return;
	}
	ret = store_auth_lookup(env->store, norm, &a);
	free(norm);
	if (ret == STORE_ENOTFOUND) {
		r->reason = "unknown user";
		return;
	}
	if (ret < 0) {
		r->tempfail = true;
		r->reason = "store error";
		return;
	}
	if (!a.enabled)
		r->reason = "account disabled";
	else if (a.scram[0] == '\0')
		r->reason = "no SCRAM secret";
	else {
		r->account_id = a.account_id;
		r->address = xstrdup(a.address);
		r->scram_secret = xstrdup(a.scram);
	}
	auth_check_auth_clear(&a);
}

/* ---- asynchronous requests ---- */

static void
auth_check_wipe_pw(struct auth_check_req *req)
{
	if (req->pw != NULL) {
		sodium_memzero(req->pw, req->pw_len);
		free(req->pw);
		req->pw = NULL;
	}
}

static void
auth_check_on_close(uv_handle_t *h)
{
	struct auth_check_req *req = h->data;

	auth_check_wipe_pw(req);
	auth_check_result_clear(&req->r);
	free(req->ip);
	free(req->login);
	free(req->norm);
	free(req);
}

/* hand the result over (unless cancelled) and free the request */
static struct metrics_proto *
env_metrics(const struct auth_check_env *env)
{
	return env->metrics ? env->metrics : metrics_proto("other");
}

static void
auth_check_finish(struct auth_check_req *req)
{
	/* a SCRAM lookup is not a login yet: auth_check_report counts it */
	if (!req->scram && req->r.ok)
		env_metrics(&req->env)->logins++;
	else if (!req->scram && !req->r.tempfail)
		env_metrics(&req->env)->login_failures++;
	if (!req->cancelled && req->cb != NULL)
		req->cb(req->arg, &req->r);
	uv_close((uv_handle_t *)&req->timer, auth_check_on_close);
}

static void
auth_check_on_work(uv_work_t *w)
{
	struct auth_check_req *req = w->data;

	if (req->scram)
		auth_check_scram(&req->env, req->login, &req->r);
	else
		auth_check_password(&req->env, req->login, req->pw,
				    req->pw_len, &req->r);
}

static void
auth_check_on_pool_work(struct auth_pool_job *job)
{
	struct auth_check_req *req = (struct auth_check_req *)
		((char *)job - offsetof(struct auth_check_req, pjob));

	auth_check_on_work(&req->work);
}

static void auth_check_on_after_work(uv_work_t *w, int status);

static void
auth_check_on_pool_done(struct auth_pool_job *job)
{
	struct auth_check_req *req = (struct auth_check_req *)
		((char *)job - offsetof(struct auth_check_req, pjob));

	auth_check_on_after_work(&req->work, job->cancelled ? UV_ECANCELED : 0);
}

static void
auth_check_on_after_work(uv_work_t *w, int status)
{
	struct auth_check_req *req = w->data;
	struct throttle *t = req->env.throttle;
	uint64_t now = uv_now(req->env.loop);

	req->in_work = false;
	auth_check_wipe_pw(req);
	if (req->counted)
		throttle_end(t, req->ip, now);
	if (status < 0 && !req->r.ok) {
		req->r.tempfail = true;
		req->r.reason = "store error";
	}
	/* blocked meanwhile by other sessions' failures: even the right
	 * password is refused, or guessing in parallel would still pay */
	if (t != NULL && req->r.ok && throttle_blocked(t, req->ip, now)) {
		req->r.ok = false;
		req->r.blocked = true;
		req->r.reason = "blocked";
		req->r.account_id = 0;
		free(req->r.address);
		req->r.address = NULL;
		auth_check_finish(req);
		return;
	}
	if (t != NULL && !req->scram && !req->r.tempfail) {
		if (req->r.ok)
			throttle_success(t, req->ip, req->norm, now);
		else
			throttle_failure(t, req->ip, req->norm, now);
	}
	if (t != NULL && !req->r.ok && throttle_blocked(t, req->ip, now))
		req->r.blocked = true;
	auth_check_finish(req);
}

static void
auth_check_on_timer(uv_timer_t *timer)
{
	struct auth_check_req *req = timer->data;
	struct throttle *t = req->env.throttle;

	uv_timer_stop(timer);
	if (!req->blocked && t != NULL) {
		uint64_t now = uv_now(req->env.loop);
		enum throttle_go go = req->scram ?
			(throttle_blocked(t, req->ip, now) ? THROTTLE_BLOCKED :
			 THROTTLE_GO) : throttle_begin(t, req->ip, now);

		if (go == THROTTLE_BLOCKED)
			req->blocked = true;
		else if (go == THROTTLE_WAIT) {
			/* as many checks in flight as may still fail before
			 * the block: ask again when some are over */
			uint64_t d = throttle_delay_ms(t, req->ip, now);

			uv_timer_start(timer, auth_check_on_timer,
				       d > AUTH_CHECK_RETRY_MS ? d :
				       AUTH_CHECK_RETRY_MS, 0);
			return;
		} else
			req->counted = !req->scram;
	}
	if (req->blocked) {
		req->r.blocked = true;
		req->r.reason = "blocked";
		auth_check_finish(req);
		return;
	}
	req->in_work = true;
	req->work.data = req;
	if (req->env.pool != NULL) {
		/* threads of their own: never behind searches (auth-pool.h) */
		auth_pool_queue(req->env.pool, &req->pjob,
				auth_check_on_pool_work,
				auth_check_on_pool_done);
		return;
	}
	if (uv_queue_work(req->env.loop, &req->work, auth_check_on_work,
			  auth_check_on_after_work) != 0) {
		req->in_work = false;
		if (req->counted)
			throttle_end(t, req->ip, uv_now(req->env.loop));
		req->counted = false;
		req->r.tempfail = true;
		req->r.reason = "store error";
		auth_check_finish(req);
	}
}

static struct auth_check_req *
auth_check_start(const struct auth_check_env *env, const char *ip,
		 const char *login, auth_check_cb *cb, void *arg)
{
	struct auth_check_req *req = xcalloc(1, sizeof(*req));
	struct throttle *t = env->throttle;
	uint64_t delay = 0;

	req->env = *env;
	req->ip = xstrdup(ip != NULL ? ip : "");
	req->login = xstrdup(login != NULL ? login : "");
	req->norm = auth_normalize_username(req->login, strlen(req->login));
	req->cb = cb;
	req->arg = arg;
	uv_timer_init(env->loop, &req->timer);
	req->timer.data = req;
	if (t != NULL) {
		uint64_t now = uv_now(env->loop);

		if (throttle_blocked(t, req->ip, now)) {
			req->blocked = true;
		} else {
			delay = throttle_delay_ms(t, req->ip, now);
			if (req->norm != NULL) {
				unsigned d = throttle_user_delay_ms(t,
							req->norm, now);
				if (d > delay)
					delay = d;
			}
		}
	}
	uv_timer_start(&req->timer, auth_check_on_timer, delay, 0);
	return req;
}

struct auth_check_req *
auth_check_password_start(const struct auth_check_env *env, const char *ip,
			  const char *login, const char *pw, size_t len,
			  auth_check_cb *cb, void *arg)
{
	struct auth_check_req *req = auth_check_start(env, ip, login, cb, arg);

	req->pw = xmalloc(len + 1);
	if (len > 0)
		memcpy(req->pw, pw, len);
	req->pw[len] = '\0';
	req->pw_len = len;
	return req;
}

struct auth_check_req *
auth_check_scram_start(const struct auth_check_env *env, const char *ip,
		       const char *login, auth_check_cb *cb, void *arg)
{
	struct auth_check_req *req = auth_check_start(env, ip, login, cb, arg);

	req->scram = true;
	return req;
}

void
auth_check_cancel(struct auth_check_req **reqp)
{
	struct auth_check_req *req = *reqp;

	if (req == NULL)
		return;
	*reqp = NULL;
	req->cancelled = true;
	if (req->in_work)
		return;		/* freed when the work comes back */
	uv_timer_stop(&req->timer);
	auth_check_wipe_pw(req);
	uv_close((uv_handle_t *)&req->timer, auth_check_on_close);
}

bool
auth_check_report(const struct auth_check_env *env, const char *ip,
		  const char *username, bool ok)
{
	struct throttle *t = env->throttle;
	uint64_t now;

	if (t == NULL)
		return false;
	now = uv_now(env->loop);
	if (ok && !throttle_blocked(t, ip, now))
		env_metrics(env)->logins++;
	else
		env_metrics(env)->login_failures++;
	if (throttle_blocked(t, ip, now))
		return true;	/* refused, even a right proof */
	if (ok)
		throttle_success(t, ip, username, now);
	else
		throttle_failure(t, ip, username, now);
	return throttle_blocked(t, ip, now);
}

bool
auth_check_blocked(const struct auth_check_env *env, const char *ip)
{
	return env->throttle != NULL &&
	       throttle_blocked(env->throttle, ip, uv_now(env->loop));
}
