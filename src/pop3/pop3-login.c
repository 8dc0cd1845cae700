/* pop3-login.c - the outcome of one login attempt, whatever the command
 * (USER/PASS or AUTH), and on success the account lock and the maildrop
 * (contract in pop3-login.h) */
#include "pop3/pop3-login.h"

#include <stdlib.h>
#include <string.h>

#include "auth/auth-sasl.h"
#include "lib/log.h"
#include "store/store.h"

static void
pop3_login_job_free(struct pop3_login_job *job)
{
	if (job == NULL)
		return;
	pop3_maildrop_free(&job->md);
	free(job);
}

/* pop3_login_cleanup - the connection is gone: no callback may come */
void
pop3_login_cleanup(struct pop3_session *s)
{
	auth_check_cancel(&s->auth_req);
	auth_sasl_free(&s->sasl);
	free(s->login);
	s->login = NULL;
}

const struct auth_check_env *
pop3_login_env(struct pop3_session *s)
{
	auth_check_env_for(&s->aenv, s->env);
	s->aenv.metrics = s->conn_gone ? NULL : conn_metrics(s->conn);
	return &s->aenv;
}

static void
pop3_login_log_user(struct buf *b, const char *name)
{
	if (name != NULL)
		buf_append_escaped(b, name, strlen(name), 100);
}

/* the attempt is over: forget its state */
static void
pop3_login_end(struct pop3_session *s)
{
	auth_sasl_free(&s->sasl);
	s->sasl_waiting_line = false;
	free(s->login);
	s->login = NULL;
}

/* pop3_login_failed - wrong credentials (the throttle has counted them
 * already): reply, maybe close */
void
pop3_login_failed(struct pop3_session *s, const char *name,
		  const char *reason)
{
	struct buf u = BUF_INIT;

	s->auth_failures++;
	pop3_login_log_user(&u, name);
	log_info(s->id, "pop3 login failed user=\"%s\" method=%s "
		 "reason=\"%s\" failures=%u", buf_cstr(&u), s->mech,
		 reason != NULL ? reason : "-", s->auth_failures);
	buf_free(&u);
	pop3_login_end(s);
	pop3_session_reply(s, "-ERR [AUTH] Authentication failed");
	if (s->env->conf->auth.max_failures > 0 &&
	    s->auth_failures >= s->env->conf->auth.max_failures)
		pop3_session_close(s, "auth-failures");
	pop3_session_done_waiting(s);
}

/* pop3_login_blocked - the address is blocked: refuse and close */
void
pop3_login_blocked(struct pop3_session *s)
{
	log_info(s->id, "pop3 login refused ip=%s reason=blocked",
		 conn_peer_ip(s->conn));
	pop3_login_end(s);
	pop3_session_reply(s, "-ERR [SYS/TEMP] Too many failed logins, try "
			   "later");
	pop3_session_close(s, "blocked");
	pop3_session_done_waiting(s);
}

/* pop3_login_temp_fail - the store could not answer */
void
pop3_login_temp_fail(struct pop3_session *s, const char *what)
{
	log_error(s->id, "pop3 %s failed", what);
	pop3_login_end(s);
	pop3_session_reply(s, "-ERR [SYS/TEMP] Temporary server error, try "
			   "again later");
	pop3_session_done_waiting(s);
}

/* pop3_login_disabled - right password, account disabled (RFC 3206) */
void
pop3_login_disabled(struct pop3_session *s, const char *address)
{
	struct buf u = BUF_INIT;

	pop3_login_log_user(&u, address);
	log_info(s->id, "pop3 login refused user=\"%s\" reason=disabled",
		 buf_cstr(&u));
	buf_free(&u);
	pop3_login_end(s);
	pop3_session_reply(s, "-ERR [SYS/PERM] Account disabled");
	pop3_session_done_waiting(s);
}

/* --- the maildrop load --- */

static void
pop3_login_work(uv_work_t *w)
{
	struct pop3_login_job *job = w->data;

	job->load_rc = pop3_load_maildrop(job->store, job->account_id,
					  &job->md);
}

static void
pop3_login_loaded(struct pop3_session *s, struct pop3_login_job *job)
{
	struct buf u = BUF_INIT;
	uint32_t count;
	uint64_t octets;

	if (job->load_rc != 0) {
		log_error(s->id, "pop3 maildrop load failed error=\"%s\"",
			  store_strerror(job->load_rc));
		pop3_service_unlock(s->account_id);
		s->locked = false;
		pop3_login_temp_fail(s, "maildrop load");
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
	pop3_session_reply(s, "+OK Logged in, %u messages (%llu octets)", count,
		   (unsigned long long)octets);
	pop3_session_done_waiting(s);
}

static void
pop3_login_after_work(uv_work_t *w, int status)
{
	struct pop3_login_job *job = w->data;
	struct pop3_session *s = job->s;

	if (status != 0 && job->load_rc == 0)
		job->load_rc = STORE_EIO;
	if (!s->conn_gone) {
		pop3_login_loaded(s, job);
		pop3_session_flush(s);
	}
	pop3_login_job_free(job);
	pop3_session_unref(s);
}

/* pop3_login_succeeded - credentials are good: lock, then load */
void
pop3_login_succeeded(struct pop3_session *s, int64_t account_id,
		     const char *address)
{
	struct pop3_login_job *job;
	struct buf u = BUF_INIT;

	if (!pop3_service_lock(account_id)) {
		pop3_login_log_user(&u, address);
		log_info(s->id, "pop3 login refused user=\"%s\" reason=in-use",
			 buf_cstr(&u));
		buf_free(&u);
		pop3_login_end(s);
		pop3_session_reply(s, "-ERR [IN-USE] Mailbox is in use by "
				   "another POP3 session");
		pop3_session_done_waiting(s);
		return;
	}
	s->locked = true;
	s->account_id = account_id;
	free(s->address);
	s->address = xstrdup(address);
	pop3_login_end(s);
	job = xcalloc(1, sizeof(*job));
	job->s = s;
	job->store = s->env->store;
	job->account_id = account_id;
	job->job.work.data = job;
	s->wait = POP3_WAIT_AUTH;
	pop3_session_ref(s);
	if (pop3_session_queue_work(s, &job->job, pop3_login_work,
				    pop3_login_after_work) != 0) {
		job->load_rc = STORE_EIO;
		pop3_login_loaded(s, job);
		pop3_login_job_free(job);
		pop3_session_unref(s);
	}
}
