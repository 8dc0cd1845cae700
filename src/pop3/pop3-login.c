/* pop3-login.c - one login attempt, whatever the command (USER/PASS or
 * AUTH): throttling, verification on a worker thread, the outcome, and
 * on success the account lock and the maildrop (contract in
 * pop3-login.h). */
#include "pop3/pop3-login.h"

#include <stdlib.h>
#include <string.h>

#include "auth/password.h"
#include "auth/sasl.h"
#include "auth/throttle.h"
#include "lib/log.h"
#include "store/store.h"

static void
pop3_login_job_free(struct pop3_login_job *job)
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

/* pop3_login_cleanup - session teardown (nothing in flight) */
void
pop3_login_cleanup(struct pop3_session *s)
{
	pop3_login_job_free(s->auth_job);
	s->auth_job = NULL;
}

/* --- the worker --- */

static void
pop3_login_work(uv_work_t *w)
{
	struct pop3_login_job *job = w->data;
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
		if (job->lookup_rc == 0 && a.scram != NULL &&
		    a.scram[0] != '\0')
			job->scram = xstrdup(a.scram);
	} else if (job->password != NULL) {
		const char *hash = NULL;

		if (job->lookup_rc == 0 && a.password_hash != NULL &&
		    a.password_hash[0] != '\0')
			hash = a.password_hash;

		/* unknown users cost the same time (a dummy hash) */
		job->verified = password_verify(hash, job->password,
						job->password_len) &&
				job->lookup_rc == 0;
		explicit_bzero(job->password, job->password_len);
	}
	store_auth_clear(&a);
}

static void
pop3_login_after_work(uv_work_t *w, int status)
{
	struct pop3_login_job *job = w->data;
	struct pop3_session *s = job->s;

	if (s->conn_gone) {
		if (s->auth_job == job)
			s->auth_job = NULL;
		pop3_login_job_free(job);
		pop3_session_unref(s);
		return;
	}
	job->done(job);
	pop3_session_flush(s);
	pop3_session_unref(s);
}

static void
pop3_login_queue(struct pop3_login_job *job)
{
	job->work.data = job;
	pop3_session_ref(job->s);
	if (uv_queue_work(job->s->env->loop, &job->work, pop3_login_work,
			  pop3_login_after_work) != 0) {
		/* cannot happen with a valid loop; fail the attempt */
		job->lookup_rc = STORE_EIO;
		job->load_rc = STORE_EIO;
		job->done(job);
		pop3_session_unref(job->s);
	}
}

static void
pop3_login_timer_closed(uv_handle_t *h)
{
	free(h);
}

static void
pop3_login_on_delay(uv_timer_t *t)
{
	struct pop3_login_job *job = t->data;
	struct pop3_session *s = job->s;

	uv_close((uv_handle_t *)t, pop3_login_timer_closed);
	job->timer = NULL;
	if (s->conn_gone) {
		if (s->auth_job == job)
			s->auth_job = NULL;
		pop3_login_job_free(job);
	} else {
		pop3_login_queue(job);
	}
	pop3_session_unref(s);
}

/* pop3_login_start - wait the throttle's delay, then verify */
void
pop3_login_start(struct pop3_session *s, struct pop3_login_job *job)
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
		pop3_login_queue(job);
		return;
	}
	log_debug(s->id, "pop3 auth delay ms=%u", delay);
	job->timer = xmalloc(sizeof(*job->timer));
	uv_timer_init(s->env->loop, job->timer);
	job->timer->data = job;
	pop3_session_ref(s);
	uv_timer_start(job->timer, pop3_login_on_delay, delay, 0);
}

struct pop3_login_job *
pop3_login_job_new(struct pop3_session *s, const char *login)
{
	struct pop3_login_job *job = xcalloc(1, sizeof(*job));

	job->s = s;
	job->store = s->env->store;
	job->login = login ? xstrdup(login) : NULL;
	pop3_login_job_free(s->auth_job);
	s->auth_job = job;
	return job;
}

/* pop3_login_blocked - refuse and close if the address is blocked */
bool
pop3_login_blocked(struct pop3_session *s)
{
	if (!throttle_blocked(s->env->throttle, conn_peer_ip(s->conn),
			      uv_now(s->env->loop)))
		return false;
	log_info(s->id, "pop3 login refused ip=%s reason=blocked",
		 conn_peer_ip(s->conn));
	pop3_session_reply(s, "-ERR [SYS/TEMP] Too many failed logins, try "
			   "later");
	pop3_session_close(s, "blocked");
	return true;
}

/* --- outcome --- */

static void
pop3_login_log_user(struct buf *b, const char *name)
{
	if (name != NULL)
		buf_append_escaped(b, name, strlen(name), 100);
}

/* pop3_login_failed - a wrong password (or name): throttle, maybe close */
void
pop3_login_failed(struct pop3_session *s, const char *name,
		 const char *reason)
{
	struct buf u = BUF_INIT;
	uint64_t now = uv_now(s->env->loop);

	throttle_failure(s->env->throttle, conn_peer_ip(s->conn), name, now);
	s->auth_failures++;
	pop3_login_log_user(&u, name);
	log_info(s->id, "pop3 login failed user=\"%s\" method=%s reason=%s "
		 "failures=%u", buf_cstr(&u), s->mech, reason,
		 s->auth_failures);
	buf_free(&u);
	sasl_destroy(&s->sasl);
	s->sasl_waiting_line = false;
	pop3_login_job_free(s->auth_job);
	s->auth_job = NULL;
	pop3_session_reply(s, "-ERR [AUTH] Authentication failed");
	if ((s->env->conf->auth.max_failures > 0 &&
	     s->auth_failures >= s->env->conf->auth.max_failures) ||
	    throttle_blocked(s->env->throttle, conn_peer_ip(s->conn), now))
		pop3_session_close(s, "auth-failures");
	pop3_session_done_waiting(s);
}

/* pop3_login_temp_fail - the store could not answer */
void
pop3_login_temp_fail(struct pop3_session *s, int rc, const char *what)
{
	log_error(s->id, "pop3 %s failed error=\"%s\"", what,
		  store_strerror(rc));
	sasl_destroy(&s->sasl);
	s->sasl_waiting_line = false;
	pop3_login_job_free(s->auth_job);
	s->auth_job = NULL;
	pop3_session_reply(s, "-ERR [SYS/TEMP] Temporary server error, try "
			   "again later");
	pop3_session_done_waiting(s);
}

static void
pop3_login_loaded(struct pop3_login_job *job)
{
	struct pop3_session *s = job->s;
	struct buf u = BUF_INIT;
	uint32_t count;
	uint64_t octets;

	if (job->load_rc != 0) {
		pop3_service_unlock(s->account_id);
		s->locked = false;
		pop3_login_temp_fail(s, job->load_rc, "maildrop load");
		return;
	}
	s->md = job->md;
	memset(&job->md, 0, sizeof(job->md));
	s->have_maildrop = true;
	s->state = POP3_TRANSACTION;
	pop3_maildrop_stat(&s->md, &count, &octets);
	pop3_login_log_user(&u, s->address);
	log_info(s->id, "pop3 login user=\"%s\" method=%s tls=%s messages=%u "
		 "octets=%llu", buf_cstr(&u), s->mech,
		 conn_is_tls(s->conn) ? "yes" : "no", count,
		 (unsigned long long)octets);
	buf_free(&u);
	pop3_login_job_free(s->auth_job);
	s->auth_job = NULL;
	pop3_session_reply(s, "+OK Logged in, %u messages (%llu octets)", count,
		   (unsigned long long)octets);
	pop3_session_done_waiting(s);
}

/* pop3_login_succeeded - credentials are good: lock, then load */
void
pop3_login_succeeded(struct pop3_session *s, struct pop3_login_job *job)
{
	struct buf u = BUF_INIT;

	throttle_success(s->env->throttle, conn_peer_ip(s->conn), job->login,
			 uv_now(s->env->loop));
	sasl_destroy(&s->sasl);
	s->sasl_waiting_line = false;
	if (!job->enabled) {
		pop3_login_log_user(&u, job->address);
		log_info(s->id, "pop3 login refused user=\"%s\" "
			 "reason=disabled",
			 buf_cstr(&u));
		buf_free(&u);
		pop3_login_job_free(s->auth_job);
		s->auth_job = NULL;
		pop3_session_reply(s, "-ERR [SYS/PERM] Account disabled");
		pop3_session_done_waiting(s);
		return;
	}
	if (!pop3_service_lock(job->account_id)) {
		pop3_login_log_user(&u, job->address);
		log_info(s->id, "pop3 login refused user=\"%s\" reason=in-use",
			 buf_cstr(&u));
		buf_free(&u);
		pop3_login_job_free(s->auth_job);
		s->auth_job = NULL;
		pop3_session_reply(s, "-ERR [IN-USE] Mailbox is in use by "
				   "another "
			   "POP3 session");
		pop3_session_done_waiting(s);
		return;
	}
	s->locked = true;
	s->account_id = job->account_id;
	free(s->address);
	s->address = xstrdup(job->address);
	job->load = true;
	job->done = pop3_login_loaded;
	s->wait = POP3_WAIT_AUTH;
	pop3_login_queue(job);
}
