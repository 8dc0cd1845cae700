/* pop3-auth.c - AUTHORIZATION: USER/PASS (RFC 1939), AUTH (RFC 5034)
 * with the shared SASL mechanisms, STLS (RFC 2595), failed-login
 * throttling, and the login that follows (account lock, maildrop).
 *
 * Every attempt: refused at once if the client address is blocked; else
 * wait the throttle's delay (a timer), verify on a worker thread (the
 * argon2id hash, or the SCRAM secret lookup), then come back to the
 * loop. After auth.max_failures failures the connection is closed. */
#include "pop3/pop3-private.h"

#include <stdlib.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/password.h"
#include "auth/sasl.h"
#include "auth/throttle.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "store/store.h"

/* one login attempt's work, kept until the exchange ends */
struct pop3_auth_job {
	uv_work_t work;
	uv_timer_t *timer;
	struct pop3_session *s;
	struct store *store;
	char *login;		/* normalised name, or NULL if invalid */
	char *password;		/* PASS / PLAIN / LOGIN: wiped on free */
	size_t password_len;
	bool want_scram;	/* look up the SCRAM secret */
	bool load;		/* this run loads the maildrop */
	void (*done)(struct pop3_auth_job *job);
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

static struct pop3_auth_job *pop3_auth_job_of(struct pop3_session *s);
static void pop3_auth_sasl_result(struct pop3_session *s, enum sasl_result r,
				  struct buf *challenge);

static void
pop3_auth_job_free(struct pop3_auth_job *job)
{
	if (job == NULL)
		return;
	if (job->password != NULL) {
		explicit_bzero(job->password, job->password_len);
		free(job->password);
	}
	if (job->scram != NULL) {
		explicit_bzero(job->scram, strlen(job->scram));
		free(job->scram);
	}
	pop3_maildrop_free(&job->md);
	free(job->login);
	free(job->address);
	free(job);
}

/* pop3_auth_job_of - the session's login attempt, if any */
static struct pop3_auth_job *
pop3_auth_job_of(struct pop3_session *s)
{
	return s->auth_job;
}

/* pop3_auth_cleanup - session teardown (nothing in flight) */
void
pop3_auth_cleanup(struct pop3_session *s)
{
	pop3_auth_job_free(s->auth_job);
	s->auth_job = NULL;
}

/* --- the worker --- */

static void
pop3_auth_work(uv_work_t *w)
{
	struct pop3_auth_job *job = w->data;
	struct store_auth a = { 0 };

	if (job->load) {
		job->load_rc = pop3_load_maildrop(job->store, job->account_id,
						  &job->md);
		return;
	}
	job->lookup_rc = job->login == NULL ? STORE_ENOTFOUND :
			 store_auth_lookup(job->store, job->login, &a);
	if (job->lookup_rc == 0) {
		job->account_id = a.account_id;
		job->address = xstrdup(a.address);
		job->enabled = a.enabled;
	}
	if (job->want_scram) {
		if (job->lookup_rc == 0 && a.scram != NULL && a.scram[0] != '\0')
			job->scram = xstrdup(a.scram);
	} else if (job->password != NULL) {
		const char *hash = job->lookup_rc == 0 && a.password_hash != NULL &&
				   a.password_hash[0] != '\0' ?
				   a.password_hash : NULL;

		/* unknown users cost the same time (a dummy hash) */
		job->verified = password_verify(hash, job->password,
						job->password_len) &&
				job->lookup_rc == 0;
		explicit_bzero(job->password, job->password_len);
	}
	store_auth_clear(&a);
}

static void
pop3_auth_after_work(uv_work_t *w, int status)
{
	struct pop3_auth_job *job = w->data;
	struct pop3_session *s = job->s;

	if (s->conn_gone) {
		if (s->auth_job == job)
			s->auth_job = NULL;
		pop3_auth_job_free(job);
		pop3_session_unref(s);
		return;
	}
	job->done(job);
	pop3_session_unref(s);
}

static void
pop3_auth_queue(struct pop3_auth_job *job)
{
	job->work.data = job;
	pop3_session_ref(job->s);
	if (uv_queue_work(job->s->env->loop, &job->work, pop3_auth_work,
			  pop3_auth_after_work) != 0) {
		/* cannot happen with a valid loop; fail the attempt */
		job->lookup_rc = STORE_EIO;
		job->load_rc = STORE_EIO;
		job->done(job);
		pop3_session_unref(job->s);
	}
}

static void
pop3_auth_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void
pop3_auth_on_delay(uv_timer_t *t)
{
	struct pop3_auth_job *job = t->data;
	struct pop3_session *s = job->s;

	uv_close((uv_handle_t *)t, pop3_auth_timer_closed);
	job->timer = NULL;
	if (s->conn_gone) {
		if (s->auth_job == job)
			s->auth_job = NULL;
		pop3_auth_job_free(job);
	} else {
		pop3_auth_queue(job);
	}
	pop3_session_unref(s);
}

/* pop3_auth_start_job - wait the throttle's delay, then verify */
static void
pop3_auth_start_job(struct pop3_session *s, struct pop3_auth_job *job)
{
	uint64_t now = uv_now(s->env->loop);
	unsigned delay = throttle_delay_ms(s->env->throttle,
					   conn_peer_ip(s->conn), now);

	if (job->login != NULL) {
		unsigned ud = throttle_user_delay_ms(s->env->throttle,
						     job->login, now);
		if (ud > delay)
			delay = ud;
	}
	s->wait = POP3_WAIT_AUTH;
	if (delay == 0) {
		pop3_auth_queue(job);
		return;
	}
	log_debug(s->id, "pop3 auth delay ms=%u", delay);
	job->timer = xmalloc(sizeof(*job->timer));
	uv_timer_init(s->env->loop, job->timer);
	job->timer->data = job;
	pop3_session_ref(s);
	uv_timer_start(job->timer, pop3_auth_on_delay, delay, 0);
}

static struct pop3_auth_job *
pop3_auth_job_new(struct pop3_session *s, const char *login)
{
	struct pop3_auth_job *job = xcalloc(1, sizeof(*job));

	job->s = s;
	job->store = s->env->store;
	job->login = login ? xstrdup(login) : NULL;
	pop3_auth_job_free(s->auth_job);
	s->auth_job = job;
	return job;
}

/* pop3_auth_blocked - refuse and close if the address is blocked */
static bool
pop3_auth_blocked(struct pop3_session *s)
{
	if (!throttle_blocked(s->env->throttle, conn_peer_ip(s->conn),
			      uv_now(s->env->loop)))
		return false;
	log_info(s->id, "pop3 login refused ip=%s reason=blocked",
		 conn_peer_ip(s->conn));
	pop3_reply(s, "-ERR [SYS/TEMP] Too many failed logins, try later");
	pop3_session_close(s, "blocked");
	return true;
}

/* --- outcome --- */

static void
pop3_auth_log_user(struct buf *b, const char *name)
{
	if (name != NULL)
		buf_append_escaped(b, name, strlen(name), 100);
}

/* pop3_auth_failed - a wrong password (or name): throttle, maybe close */
static void
pop3_auth_failed(struct pop3_session *s, const char *name,
		 const char *reason)
{
	struct buf u = BUF_INIT;
	uint64_t now = uv_now(s->env->loop);

	throttle_failure(s->env->throttle, conn_peer_ip(s->conn), name, now);
	s->auth_failures++;
	pop3_auth_log_user(&u, name);
	log_info(s->id, "pop3 login failed user=\"%s\" method=%s reason=%s "
		 "failures=%u", buf_cstr(&u), s->mech, reason, s->auth_failures);
	buf_free(&u);
	sasl_destroy(&s->sasl);
	s->sasl_waiting_line = false;
	pop3_auth_job_free(s->auth_job);
	s->auth_job = NULL;
	pop3_reply(s, "-ERR [AUTH] Authentication failed");
	if (s->auth_failures >= s->env->conf->auth.max_failures ||
	    throttle_blocked(s->env->throttle, conn_peer_ip(s->conn), now))
		pop3_session_close(s, "auth-failures");
	pop3_session_done_waiting(s);
}

/* pop3_auth_temp_fail - the store could not answer */
static void
pop3_auth_temp_fail(struct pop3_session *s, int rc, const char *what)
{
	log_error(s->id, "pop3 %s failed error=\"%s\"", what,
		  store_strerror(rc));
	sasl_destroy(&s->sasl);
	s->sasl_waiting_line = false;
	pop3_auth_job_free(s->auth_job);
	s->auth_job = NULL;
	pop3_reply(s, "-ERR [SYS/TEMP] Temporary server error, try again later");
	pop3_session_done_waiting(s);
}

static void
pop3_auth_loaded(struct pop3_auth_job *job)
{
	struct pop3_session *s = job->s;
	struct buf u = BUF_INIT;
	uint32_t count;
	uint64_t octets;

	if (job->load_rc != 0) {
		pop3_service_unlock(s->account_id);
		s->locked = false;
		pop3_auth_temp_fail(s, job->load_rc, "maildrop load");
		return;
	}
	s->md = job->md;
	memset(&job->md, 0, sizeof(job->md));
	s->have_maildrop = true;
	s->state = POP3_TRANSACTION;
	pop3_maildrop_stat(&s->md, &count, &octets);
	pop3_auth_log_user(&u, s->address);
	log_info(s->id, "pop3 login user=\"%s\" method=%s tls=%s messages=%u "
		 "octets=%llu", buf_cstr(&u), s->mech,
		 conn_is_tls(s->conn) ? "yes" : "no", count,
		 (unsigned long long)octets);
	buf_free(&u);
	pop3_auth_job_free(s->auth_job);
	s->auth_job = NULL;
	pop3_reply(s, "+OK Logged in, %u messages (%llu octets)", count,
		   (unsigned long long)octets);
	pop3_session_done_waiting(s);
}

/* pop3_auth_succeeded - credentials are good: lock, then load */
static void
pop3_auth_succeeded(struct pop3_session *s, struct pop3_auth_job *job)
{
	struct buf u = BUF_INIT;

	throttle_success(s->env->throttle, conn_peer_ip(s->conn), job->login,
			 uv_now(s->env->loop));
	sasl_destroy(&s->sasl);
	s->sasl_waiting_line = false;
	if (!job->enabled) {
		pop3_auth_log_user(&u, job->address);
		log_info(s->id, "pop3 login refused user=\"%s\" reason=disabled",
			 buf_cstr(&u));
		buf_free(&u);
		pop3_auth_job_free(s->auth_job);
		s->auth_job = NULL;
		pop3_reply(s, "-ERR [SYS/PERM] Account disabled");
		pop3_session_done_waiting(s);
		return;
	}
	if (!pop3_service_lock(job->account_id)) {
		pop3_auth_log_user(&u, job->address);
		log_info(s->id, "pop3 login refused user=\"%s\" reason=in-use",
			 buf_cstr(&u));
		buf_free(&u);
		pop3_auth_job_free(s->auth_job);
		s->auth_job = NULL;
		pop3_reply(s, "-ERR [IN-USE] Mailbox is in use by another "
			   "POP3 session");
		pop3_session_done_waiting(s);
		return;
	}
	s->locked = true;
	s->account_id = job->account_id;
	free(s->address);
	s->address = xstrdup(job->address);
	job->load = true;
	job->done = pop3_auth_loaded;
	s->wait = POP3_WAIT_AUTH;
	pop3_auth_queue(job);
}

/* --- USER / PASS --- */

void
pop3_auth_user(struct pop3_session *s, const struct pop3_command *cmd)
{
	if (!pop3_session_plaintext_ok(s)) {
		pop3_reply(s, "-ERR Plaintext authentication needs TLS "
			   "first (STLS)");
		return;
	}
	free(s->user);
	s->user = slice_dup(cmd->args[0]);
	pop3_reply(s, "+OK Send PASS");
}

static void
pop3_auth_pass_done(struct pop3_auth_job *job)
{
	struct pop3_session *s = job->s;

	if (job->lookup_rc != 0 && job->lookup_rc != STORE_ENOTFOUND) {
		pop3_auth_temp_fail(s, job->lookup_rc, "account lookup");
		return;
	}
	if (!job->verified) {
		pop3_auth_failed(s, job->login, job->login ? "password" :
				 "bad-username");
		return;
	}
	pop3_auth_succeeded(s, job);
}

void
pop3_auth_pass(struct pop3_session *s, const struct pop3_command *cmd)
{
	struct pop3_auth_job *job;
	char *login;

	if (s->user == NULL) {
		pop3_commands_bad(s, "-ERR Send USER first");
		return;
	}
	if (!pop3_session_plaintext_ok(s)) {
		pop3_reply(s, "-ERR Plaintext authentication needs TLS "
			   "first (STLS)");
		return;
	}
	if (pop3_auth_blocked(s))
		return;
	login = auth_normalize_username(s->user, strlen(s->user));
	free(s->user);
	s->user = NULL;
	s->mech = "USER";
	job = pop3_auth_job_new(s, login);
	free(login);
	job->password = xstrndup((const char *)cmd->args[0].p,
				 cmd->args[0].len);
	job->password_len = cmd->args[0].len;
	job->done = pop3_auth_pass_done;
	pop3_auth_start_job(s, job);
}

/* --- AUTH (RFC 5034) --- */

static void
pop3_auth_sasl_verified(struct pop3_auth_job *job)
{
	struct pop3_session *s = job->s;
	struct buf chal = BUF_INIT;
	enum sasl_result r;

	if (job->lookup_rc != 0 && job->lookup_rc != STORE_ENOTFOUND) {
		pop3_auth_temp_fail(s, job->lookup_rc, "account lookup");
		return;
	}
	if (job->want_scram)
		r = sasl_set_scram_secret(s->sasl, job->scram, &chal);
	else
		r = sasl_set_password_result(s->sasl, job->verified);
	pop3_auth_sasl_result(s, r, &chal);
	buf_free(&chal);
}

/* pop3_auth_sasl_result - act on what the mechanism asks for */
static void
pop3_auth_sasl_result(struct pop3_session *s, enum sasl_result r,
		      struct buf *challenge)
{
	struct pop3_auth_job *job;
	struct buf b = BUF_INIT;
	size_t pwlen;
	const char *pw;

	switch (r) {
	case SASL_CONTINUE:
		base64_encode(&b, challenge->data, challenge->len);
		pop3_reply(s, "+ %s", buf_cstr(&b));
		buf_free(&b);
		s->sasl_waiting_line = true;
		if (s->wait != POP3_WAIT_NONE)	/* after a worker step */
			pop3_session_done_waiting(s);
		return;
	case SASL_NEED_PASSWORD:
		job = pop3_auth_job_new(s, sasl_username(s->sasl));
		pw = sasl_password(s->sasl, &pwlen);
		job->password = xmalloc(pwlen + 1);
		memcpy(job->password, pw, pwlen);
		job->password[pwlen] = '\0';
		job->password_len = pwlen;
		job->done = pop3_auth_sasl_verified;
		pop3_auth_start_job(s, job);
		return;
	case SASL_NEED_SCRAM_SECRET:
		job = pop3_auth_job_new(s, sasl_username(s->sasl));
		job->want_scram = true;
		job->done = pop3_auth_sasl_verified;
		pop3_auth_start_job(s, job);
		return;
	case SASL_OK:
		job = pop3_auth_job_of(s);
		if (job == NULL || job->lookup_rc != 0) {
			pop3_auth_failed(s, sasl_username(s->sasl), "no-account");
			return;
		}
		pop3_auth_succeeded(s, job);
		return;
	case SASL_FAIL:
		log_debug(s->id, "pop3 sasl error=\"%s\"",
			  sasl_error(s->sasl) ? sasl_error(s->sasl) : "");
		pop3_auth_failed(s, sasl_username(s->sasl), "sasl");
		return;
	}
}

/* pop3_auth_decode - "=" or "" is empty; else strict base64 */
static bool
pop3_auth_decode(struct slice in, struct buf *out)
{
	if (in.len == 0 || (in.len == 1 && in.p[0] == '='))
		return true;
	return base64_decode(out, in.p, in.len);
}

void
pop3_auth_auth(struct pop3_session *s, const struct pop3_command *cmd)
{
	bool plain = pop3_session_plaintext_ok(s);
	struct buf ir = BUF_INIT, chal = BUF_INIT;
	char *mech;
	enum sasl_result r;

	if (cmd->nargs == 0) {
		/* RFC 1734 clients ask for the list this way */
		const char *m = sasl_mechanisms(plain);

		pop3_reply(s, "+OK");
		while (*m) {
			size_t n = strcspn(m, " ");

			pop3_reply(s, "%.*s", (int)n, m);
			m += n;
			m += *m == ' ';
		}
		pop3_reply(s, ".");
		return;
	}
	mech = slice_dup(cmd->args[0]);
	if (!sasl_mech_supported(mech)) {
		free(mech);
		pop3_commands_bad(s, "-ERR Unsupported authentication mechanism");
		return;
	}
	if (sasl_mech_is_plaintext(mech) && !plain) {
		free(mech);
		pop3_reply(s, "-ERR Plaintext authentication needs TLS first "
			   "(STLS)");
		return;
	}
	if (cmd->nargs == 2 && !pop3_auth_decode(cmd->args[1], &ir)) {
		free(mech);
		pop3_commands_bad(s, "-ERR Invalid base64 data");
		return;
	}
	if (pop3_auth_blocked(s)) {
		free(mech);
		buf_free(&ir);
		return;
	}
	sasl_destroy(&s->sasl);
	s->sasl = sasl_create(mech);
	free(mech);
	s->mech = sasl_mech_name(s->sasl);
	pop3_auth_job_free(s->auth_job);
	s->auth_job = NULL;
	r = sasl_start(s->sasl, cmd->nargs == 2, ir.data, ir.len, &chal);
	if (ir.len)
		explicit_bzero(ir.data, ir.len);
	buf_free(&ir);
	pop3_auth_sasl_result(s, r, &chal);
	buf_free(&chal);
}

/* pop3_auth_sasl_line - the client's answer to a "+ " challenge;
 * line.p NULL: the line was too long */
void
pop3_auth_sasl_line(struct pop3_session *s, struct slice line)
{
	struct buf data = BUF_INIT, chal = BUF_INIT;
	enum sasl_result r;

	s->sasl_waiting_line = false;
	if (line.p != NULL && line.len == 1 && line.p[0] == '*') {
		log_info(s->id, "pop3 auth cancelled method=%s", s->mech);
		sasl_destroy(&s->sasl);
		pop3_auth_job_free(s->auth_job);
		s->auth_job = NULL;
		pop3_reply(s, "-ERR Authentication cancelled");
		return;
	}
	if (line.p == NULL || !pop3_auth_decode(line, &data)) {
		buf_free(&data);
		pop3_auth_failed(s, sasl_username(s->sasl), line.p == NULL ?
				 "line-too-long" : "bad-base64");
		return;
	}
	r = sasl_step(s->sasl, data.data, data.len, &chal);
	if (data.len)
		explicit_bzero(data.data, data.len);
	buf_free(&data);
	pop3_auth_sasl_result(s, r, &chal);
	buf_free(&chal);
}

/* --- STLS (RFC 2595 section 4) --- */

void
pop3_auth_stls(struct pop3_session *s, const struct pop3_command *cmd)
{
	if (!pop3_session_stls_ok(s)) {
		pop3_reply(s, conn_is_tls(s->conn) ?
			   "-ERR Already using TLS" : "-ERR STLS not available");
		return;
	}
	pop3_reply(s, "+OK Begin TLS negotiation");
	free(s->user);
	s->user = NULL;
	if (!conn_starttls(s->conn)) {
		log_error(s->id, "pop3 stls failed to start");
		pop3_session_close(s, "tls");
		return;
	}
	log_info(s->id, "pop3 stls");
}
