/* pop3-session.c - one POP3 connection: greeting, command lines in,
 * waiting and resuming, timeouts, shutdown, teardown */
#include "pop3/pop3-private.h"

#include <stdarg.h>
#include <stdlib.h>

#include "auth/sasl.h"
#include "lib/log.h"
#include "store/store.h"

/* a SASL response line: base64 of SASL_MAX_INPUT bytes, CRLF, slack */
#define POP3_SASL_MAX_LINE (4 * ((SASL_MAX_INPUT + 2) / 3) + 16)

void
pop3_session_ref(struct pop3_session *s)
{
	s->refs++;
}

/* pop3_session_free - the connection is gone and nothing is in flight */
static void
pop3_session_free(struct pop3_session *s)
{
	pop3_retr_cleanup(s);
	pop3_login_cleanup(s);
	if (s->locked)
		pop3_service_unlock(s->account_id);
	if (s->have_maildrop)
		pop3_maildrop_free(&s->md);
	free(s->user);
	free(s->address);
	free(s);
}

void
pop3_session_unref(struct pop3_session *s)
{
	if (--s->refs == 0)
		pop3_session_free(s);
}

/* pop3_session_reply - one response line (CRLF appended); dropped once the
 * connection is gone */
void
pop3_session_reply(struct pop3_session *s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (s->conn_gone)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_append(&b, "\r\n", 2);
	conn_write(s->conn, b.data, b.len);
	buf_free(&b);
}

/* pop3_session_flush - send now what a completion (worker, store) wrote,
 * rather than on the next loop turn */
void
pop3_session_flush(struct pop3_session *s)
{
	if (!s->conn_gone)
		conn_flush(s->conn);
}

/* pop3_session_close - flush what is written, then close */
void
pop3_session_close(struct pop3_session *s, const char *reason)
{
	if (!s->conn_gone)
		conn_close(s->conn, reason);
}

bool
pop3_session_plaintext_ok(const struct pop3_session *s)
{
	return conn_is_tls(s->conn) || conn_peer_is_loopback(s->conn) ||
	       s->env->conf->server.allow_plaintext_auth;
}

int
pop3_session_queue_work(struct pop3_session *s, struct work_gate_job *job,
			uv_work_cb work, uv_after_work_cb after)
{
	return work_gate_queue(s->env->work_gate, s->env->loop, job,
			       s->account_id, &s->gate_owner, work, after);
}

bool
pop3_session_stls_ok(const struct pop3_session *s)
{
	return s->state == POP3_AUTHORIZATION && !conn_is_tls(s->conn) &&
	       conn_listener(s->conn)->tls == TLS_MODE_STARTTLS &&
	       conn_tls_available(s->conn);
}

/* pop3_session_done_waiting - the handler that paused input finished */
void
pop3_session_done_waiting(struct pop3_session *s)
{
	s->wait = POP3_WAIT_NONE;
	if (s->conn_gone || conn_is_closing(s->conn))
		return;
	if (s->shutdown && s->sasl == NULL) {
		pop3_session_reply(s, "-ERR [SYS/TEMP] Server shutting down");
		pop3_session_close(s, "shutdown");
		return;
	}
	conn_resume(s->conn);
}

/* pop3_session_on_input - run every complete command line buffered,
 * until one has to wait */
static void
pop3_session_on_input(struct conn *c, void *ctx)
{
	struct pop3_session *s = ctx;

	while (s->wait == POP3_WAIT_NONE && !conn_is_closing(c)) {
		size_t max = s->sasl_waiting_line ? POP3_SASL_MAX_LINE :
			     (size_t)s->env->conf->pop3.max_line;
		enum conn_line_result r;
		struct slice line;

		r = conn_read_line(c, max, &line, NULL);
		if (r == CONN_LINE_NONE)
			break;
		if (r == CONN_LINE_TOO_LONG) {
			if (s->sasl_waiting_line) {
				/* an over-long answer fails the exchange */
				pop3_auth_sasl_line(s, (struct slice){ 0 });
				continue;
			}
			pop3_commands_bad(s, "-ERR Line too long");
			continue;
		}
		if (s->sasl_waiting_line)
			pop3_auth_sasl_line(s, line);
		else
			pop3_commands_run(s, line);
	}
	if (s->wait != POP3_WAIT_NONE)
		conn_pause(c);
}

static void
pop3_session_on_close(struct conn *c, void *ctx, const char *reason)
{
	struct pop3_session *s = ctx;

	log_info(s->id, "pop3 disconnect reason=%s state=%s retr=%u top=%u "
		 "dele=%u bytes=%llu", reason,
		 s->state == POP3_AUTHORIZATION ? "authorization" :
		 s->state == POP3_TRANSACTION ? "transaction" : "update",
		 s->n_retr, s->n_top, s->n_dele,
		 (unsigned long long)s->bytes_sent);
	s->conn_gone = true;
	s->conn = NULL;
	pop3_login_cleanup(s);
	pop3_session_unref(s);
}

/* RFC 1939 section 3: the autologout timer; no UPDATE follows */
static void
pop3_session_on_timeout(struct conn *c, void *ctx)
{
	struct pop3_session *s = ctx;

	if (s->wait == POP3_WAIT_UPDATE)
		return;		/* the commit decides; QUIT closes after it */
	if (s->wait == POP3_WAIT_AUTH) {
		/* the client waits for us (a throttle delay, a password
		 * check on a busy machine): it is not idle */
		conn_set_timeout(c, s->env->conf->pop3.timeout_ms);
		return;
	}
	if (s->wait != POP3_WAIT_RETR)	/* never inside a message */
		pop3_session_reply(s, "-ERR Autologout: idle for too long");
	pop3_session_close(s, "timeout");
}

static void
pop3_session_on_drain(struct conn *c, void *ctx)
{
	struct pop3_session *s = ctx;

	if (s->wait == POP3_WAIT_RETR)
		pop3_retr_drain(s);
}

static void
pop3_session_on_shutdown(struct conn *c, void *ctx)
{
	struct pop3_session *s = ctx;

	if (s->wait == POP3_WAIT_NONE) {
		pop3_session_reply(s, "-ERR [SYS/TEMP] Server shutting down");
		pop3_session_close(s, "shutdown");
	} else {
		s->shutdown = true;
	}
}

const struct conn_ops pop3_session_ops = {
	.on_input = pop3_session_on_input,
	.on_close = pop3_session_on_close,
	.on_timeout = pop3_session_on_timeout,
	.on_drain = pop3_session_on_drain,
	.on_shutdown = pop3_session_on_shutdown,
};

/* pop3_session_accept - a new connection: the greeting (RFC 1939 has
 * no APOP timestamp here: APOP is not offered) */
void *
pop3_session_accept(struct conn *c, struct service_env *env)
{
	struct pop3_session *s = xcalloc(1, sizeof(*s));

	s->conn = c;
	s->env = env;
	s->id = conn_id(c);
	s->refs = 1;
	s->state = POP3_AUTHORIZATION;
	conn_set_timeout(c, env->conf->pop3.timeout_ms);
	if (env->shutting_down) {
		pop3_session_reply(s, "-ERR [SYS/TEMP] Server shutting down");
		conn_close(c, "shutdown");
		return s;
	}
	pop3_session_reply(s, "+OK %s POP3 server ready", env->conf->hostname);
	return s;
}
