/* test-auth-check.c - credentials against a real store, sync and async */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <uv.h>

#include "auth/auth-check.h"
#include "auth/password.h"
#include "auth/scram.h"
#include "auth/throttle.h"
#include "store/store.h"

/* a store with example.org and:
 *   alice@example.org  "wonderland", hash and SCRAM secret
 *   bob@example.org    "builder", disabled
 *   carol@example.org  "c4rol", SCRAM secret only
 *   dave@example.org   no password at all */
static struct store *
setup(const char *name, int64_t *alice_id)
{
	struct store_settings set;
	struct store *s = NULL;
	char path[512], *err = NULL, *h = NULL, *sc = NULL;
	const char *why;

	password_set_params(1, 8192);
	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	memset(&set, 0, sizeof(set));
	set.data_dir = path;
	set.unsafe_no_fsync = true;
	if (store_open(&set, &s, &err) < 0) {
		test_fail(__FILE__, __LINE__, "store_open: %s", err);
		free(err);
		return NULL;
	}
	CHECK_INT(store_domain_add(s, "example.org", NULL, NULL), 0);
	CHECK_INT(password_hash("wonderland", 10, &h, &why), 0);
	CHECK_INT(scram_secret_make("wonderland", 10, 4096, &sc, &why), 0);
	CHECK_INT(store_account_add(s, "alice@example.org", h, sc, alice_id,
				    NULL, NULL), 0);
	free(h);
	free(sc);
	CHECK_INT(password_hash("builder", 7, &h, &why), 0);
	CHECK_INT(store_account_add(s, "bob@example.org", h, NULL, NULL,
				    NULL, NULL), 0);
	CHECK_INT(store_account_set_enabled(s, "bob@example.org", false,
					    NULL, NULL), 0);
	free(h);
	CHECK_INT(scram_secret_make("c4rol", 5, 4096, &sc, &why), 0);
	CHECK_INT(store_account_add(s, "carol@example.org", NULL, sc, NULL,
				    NULL, NULL), 0);
	free(sc);
	CHECK_INT(store_account_add(s, "dave@example.org", NULL, NULL, NULL,
				    NULL, NULL), 0);
	return s;
}

static void
check_pw(const struct auth_check_env *env, const char *login,
	 const char *pw, bool ok, const char *reason)
{
	struct auth_check_result r;

	auth_check_password(env, login, pw, strlen(pw), &r);
	if (r.ok != ok || (reason != NULL &&
	    (r.reason == NULL || strcmp(r.reason, reason) != 0)))
		test_fail(__FILE__, __LINE__, "%s/%s: ok=%d reason=%s", login,
			  pw, r.ok, r.reason ? r.reason : "(null)");
	CHECK(!r.tempfail);
	auth_check_result_clear(&r);
}

TEST(auth_check_password_sync)
{
	int64_t alice = 0;
	struct store *s = setup("sync", &alice);
	struct auth_check_env env = { NULL, s, NULL, false, NULL, NULL, NULL };
	struct auth_check_result r;

	if (s == NULL)
		return;
	auth_check_password(&env, "Alice@Example.ORG", "wonderland", 10, &r);
	CHECK(r.ok);
	CHECK_INT(r.account_id, alice);
	CHECK_STR(r.address, "alice@example.org");
	CHECK(r.reason == NULL);
	auth_check_result_clear(&r);
	check_pw(&env, "alice@example.org", "Wonderland", false, "wrong password");
	check_pw(&env, "nobody@example.org", "wonderland", false, "unknown user");
	check_pw(&env, "nobody@elsewhere.test", "x", false, "unknown user");
	check_pw(&env, "al ice@example.org", "wonderland", false, "invalid username");
	check_pw(&env, "bob@example.org", "builder", false, "account disabled");
	check_pw(&env, "bob@example.org", "wrong", false, "wrong password");
	check_pw(&env, "carol@example.org", "c4rol", true, NULL);
	check_pw(&env, "carol@example.org", "carol", false, "wrong password");
	check_pw(&env, "dave@example.org", "", false, NULL);
	check_pw(&env, "dave@example.org", "anything", false, "no password set");
	store_close(&s);
}

TEST(auth_check_scram_sync)
{
	int64_t alice = 0;
	struct store *s = setup("scram", &alice);
	struct auth_check_env env = { NULL, s, NULL, false, NULL, NULL, NULL };
	struct auth_check_result r;
	struct scram_secret sec;

	if (s == NULL)
		return;
	auth_check_scram(&env, "alice@EXAMPLE.org", &r);
	CHECK(!r.ok);
	CHECK(r.scram_secret != NULL && scram_secret_parse(r.scram_secret, &sec));
	CHECK(scram_secret_verify_password(&sec, "wonderland", 10));
	CHECK_INT(r.account_id, alice);
	CHECK_STR(r.address, "alice@example.org");
	auth_check_result_clear(&r);
	CHECK(r.scram_secret == NULL && r.address == NULL);

	auth_check_scram(&env, "nobody@example.org", &r);
	CHECK(r.scram_secret == NULL);
	CHECK_STR(r.reason, "unknown user");
	auth_check_scram(&env, "bob@example.org", &r);
	CHECK(r.scram_secret == NULL);
	CHECK_STR(r.reason, "account disabled");
	auth_check_scram(&env, "dave@example.org", &r);
	CHECK(r.scram_secret == NULL);
	CHECK_STR(r.reason, "no SCRAM secret");
	auth_check_result_clear(&r);
	store_close(&s);
}

/* wait (up to 5 s) until the account's stored strings satisfy pred */
static bool
wait_for(struct store *s, const char *login,
	 bool (*pred)(const struct store_auth *a))
{
	for (int i = 0; i < 500; i++) {
		struct store_auth a;
		bool done;

		if (store_auth_lookup(s, login, &a) == 0) {
			done = pred(&a);
			store_auth_clear(&a);
			if (done)
				return true;
		}
		usleep(10000);
	}
	return false;
}

static bool
has_scram(const struct store_auth *a)
{
	return a->scram[0] != '\0';
}

static bool
fresh_hash(const struct store_auth *a)
{
	return a->password_hash[0] != '\0' &&
	       !password_needs_rehash(a->password_hash);
}

TEST(auth_check_upgrade_on_login)
{
	int64_t alice = 0;
	struct store *s = setup("upgrade", &alice);
	struct auth_check_env env = { NULL, s, NULL, true, NULL, NULL, NULL };
	struct auth_check_result r;

	if (s == NULL)
		return;
	/* no upgrade after a failure */
	check_pw(&env, "carol@example.org", "wrong", false, "wrong password");
	/* carol had only a SCRAM secret: she gets an argon2id hash */
	check_pw(&env, "carol@example.org", "c4rol", true, NULL);
	CHECK(wait_for(s, "carol@example.org", fresh_hash));
	check_pw(&env, "carol@example.org", "c4rol", true, NULL);

	/* new argon2id parameters: alice's hash is redone at login */
	password_set_params(1, 16384);
	check_pw(&env, "alice@example.org", "wonderland", true, NULL);
	CHECK(wait_for(s, "alice@example.org", fresh_hash));
	/* the SCRAM secret was kept */
	auth_check_scram(&env, "alice@example.org", &r);
	CHECK(r.scram_secret != NULL);
	auth_check_result_clear(&r);
	password_set_params(1, 8192);
	store_close(&s);
}

TEST(auth_check_upgrade_adds_scram)
{
	int64_t id = 0;
	struct store *s = setup("addscram", &id);
	struct auth_check_env env = { NULL, s, NULL, true, NULL, NULL, NULL };
	char *h = NULL;
	const char *why;

	if (s == NULL)
		return;
	CHECK_INT(password_hash("imported", 8, &h, &why), 0);
	CHECK_INT(store_account_add(s, "erin@example.org", h, NULL, NULL,
				    NULL, NULL), 0);
	free(h);
	check_pw(&env, "erin@example.org", "imported", true, NULL);
	CHECK(wait_for(s, "erin@example.org", has_scram));
	{
		struct auth_check_result r;
		struct scram_secret sec;

		auth_check_scram(&env, "erin@example.org", &r);
		CHECK(r.scram_secret != NULL &&
		      scram_secret_parse(r.scram_secret, &sec) &&
		      scram_secret_verify_password(&sec, "imported", 8));
		auth_check_result_clear(&r);
	}
	store_close(&s);
}

/* ---- asynchronous requests on a real loop ---- */

struct outcome {
	int calls;
	bool ok, blocked, tempfail;
	int64_t account_id;
	char *address;
	char *secret;
	uint64_t at;
	uv_loop_t *loop;
};

static void
on_result(void *arg, struct auth_check_result *r)
{
	struct outcome *o = arg;

	o->calls++;
	o->ok = r->ok;
	o->blocked = r->blocked;
	o->tempfail = r->tempfail;
	o->account_id = r->account_id;
	free(o->address);
	o->address = r->address;	/* taken */
	r->address = NULL;
	free(o->secret);
	o->secret = r->scram_secret;
	r->scram_secret = NULL;
	o->at = uv_now(o->loop);
}

static void
outcome_free(struct outcome *o)
{
	free(o->address);
	free(o->secret);
	memset(o, 0, sizeof(*o));
}

static void
run_password(struct auth_check_env *env, const char *ip, const char *login,
	     const char *pw, struct outcome *o)
{
	struct auth_check_req *req;

	o->loop = env->loop;
	req = auth_check_password_start(env, ip, login, pw, strlen(pw),
					on_result, o);
	CHECK(req != NULL);
	CHECK_INT(o->calls, 0);	/* never from inside _start() */
	uv_run(env->loop, UV_RUN_DEFAULT);
	CHECK_INT(o->calls, 1);
}

static struct throttle *
fast_throttle(void)
{
	struct throttle_limits l;

	throttle_limits_default(&l);
	l.delay_ms = 30;
	l.max_delay_ms = 60;
	l.block_failures = 4;
	l.forget_ms = 1000000;
	l.block_ms = 1000000;
	return throttle_create(&l);
}

TEST(auth_check_async_password_and_throttle)
{
	int64_t alice = 0;
	struct store *s = setup("async", &alice);
	uv_loop_t loop;
	struct throttle *t = fast_throttle();
	struct auth_check_env env = { &loop, s, t, false, NULL, NULL, NULL };
	struct outcome o = { 0 };
	uint64_t t0;

	if (s == NULL)
		return;
	uv_loop_init(&loop);
	run_password(&env, "192.0.2.1", "alice@example.org", "wonderland", &o);
	CHECK(o.ok && !o.blocked && !o.tempfail);
	CHECK_INT(o.account_id, alice);
	CHECK_STR(o.address, "alice@example.org");
	outcome_free(&o);

	/* failures: recorded, and the next attempt waits */
	run_password(&env, "192.0.2.2", "alice@example.org", "nope", &o);
	CHECK(!o.ok && !o.blocked);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.2", uv_now(&loop)), 30);
	outcome_free(&o);
	uv_update_time(&loop);
	t0 = uv_now(&loop);
	run_password(&env, "192.0.2.2", "alice@example.org", "nope", &o);
	CHECK(o.at - t0 >= 30);
	outcome_free(&o);
	/* an unknown user counts the same */
	run_password(&env, "192.0.2.2", "ghost@example.org", "nope", &o);
	CHECK(!o.ok && !o.blocked);
	outcome_free(&o);
	/* the 4th failure blocks and says so */
	run_password(&env, "192.0.2.2", "alice@example.org", "nope", &o);
	CHECK(!o.ok && o.blocked);
	outcome_free(&o);
	/* blocked: even the right password is not tried */
	run_password(&env, "192.0.2.2", "alice@example.org", "wonderland", &o);
	CHECK(!o.ok && o.blocked);
	outcome_free(&o);
	/* other addresses are fine */
	run_password(&env, "192.0.2.3", "alice@example.org", "wonderland", &o);
	CHECK(o.ok && !o.blocked);
	outcome_free(&o);

	CHECK_INT(uv_loop_close(&loop), 0);
	throttle_destroy(&t);
	store_close(&s);
}

static void
cancel_later(uv_timer_t *timer)
{
	struct auth_check_req **req = timer->data;

	auth_check_cancel(req);
	uv_close((uv_handle_t *)timer, NULL);
}

TEST(auth_check_async_cancel)
{
	int64_t alice = 0;
	struct store *s = setup("cancel", &alice);
	uv_loop_t loop;
	struct throttle *t = fast_throttle();
	struct auth_check_env env = { &loop, s, t, false, NULL, NULL, NULL };
	struct outcome o = { 0 };
	struct auth_check_req *req;
	uv_timer_t timer;

	if (s == NULL)
		return;
	uv_loop_init(&loop);
	o.loop = &loop;
	/* cancelled while waiting for its timer: nothing happens */
	req = auth_check_password_start(&env, "192.0.2.9", "alice@example.org",
					"nope", 4, on_result, &o);
	auth_check_cancel(&req);
	CHECK(req == NULL);
	auth_check_cancel(&req);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(o.calls, 0);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.9", uv_now(&loop)), 0);

	/* cancelled while verifying: no callback, but the failure counts */
	req = auth_check_password_start(&env, "192.0.2.9", "alice@example.org",
					"nope", 4, on_result, &o);
	uv_timer_init(&loop, &timer);
	timer.data = &req;
	uv_timer_start(&timer, cancel_later, 0, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(req == NULL);
	CHECK_INT(o.calls, 0);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.9", uv_now(&loop)), 30);

	CHECK_INT(uv_loop_close(&loop), 0);
	throttle_destroy(&t);
	store_close(&s);
}

TEST(auth_check_async_scram)
{
	int64_t alice = 0;
	struct store *s = setup("ascram", &alice);
	uv_loop_t loop;
	struct throttle *t = fast_throttle();
	struct auth_check_env env = { &loop, s, t, false, NULL, NULL, NULL };
	struct outcome o = { 0 };
	struct auth_check_req *req;

	if (s == NULL)
		return;
	uv_loop_init(&loop);
	o.loop = &loop;
	req = auth_check_scram_start(&env, "192.0.2.5", "alice@example.org",
				     on_result, &o);
	CHECK(req != NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(o.calls, 1);
	CHECK(o.secret != NULL && strncmp(o.secret, "SCRAM-SHA-256$", 14) == 0);
	CHECK_INT(o.account_id, alice);
	outcome_free(&o);
	o.loop = &loop;

	/* unknown: no secret; the caller goes on with NULL */
	req = auth_check_scram_start(&env, "192.0.2.5", "ghost@example.org",
				     on_result, &o);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(o.calls, 1);
	CHECK(o.secret == NULL && !o.ok && !o.tempfail);
	outcome_free(&o);

	/* the exchange's end is reported by the caller */
	CHECK(!auth_check_report(&env, "192.0.2.5", "ghost@example.org", false));
	CHECK(!auth_check_report(&env, "192.0.2.5", "ghost@example.org", false));
	CHECK(!auth_check_report(&env, "192.0.2.5", "ghost@example.org", false));
	CHECK(auth_check_report(&env, "192.0.2.5", "ghost@example.org", false));
	o.loop = &loop;
	req = auth_check_scram_start(&env, "192.0.2.5", "alice@example.org",
				     on_result, &o);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK(o.blocked && o.secret == NULL);
	outcome_free(&o);

	CHECK_INT(uv_loop_close(&loop), 0);
	throttle_destroy(&t);
	store_close(&s);
}
