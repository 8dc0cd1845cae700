/* submission-auth.c - AUTH (RFC 4954): the mechanism and an optional
 * initial response on the command line, then "334" challenges and
 * base64 answer lines (s->line_hook) until 235 or an error. sasl.h runs
 * the mechanisms; auth-check.h checks credentials (throttle delay, store
 * lookup and argon2id off the loop) while the session is suspended. */
#include "smtp/submission-private.h"

#include <stdlib.h>
#include <string.h>

#include "auth/auth-sasl.h"
#include "auth/sasl.h"
#include "lib/base64.h"
#include "lib/log.h"

void
submission_auth_free(struct submission_session *d)
{
	auth_sasl_free(&d->sasl);
	d->answered = false;
}

static struct submission_session *
submission_auth_data(struct smtp_session *s)
{
	if (s->policy_data == NULL)
		s->policy_data = xcalloc(1, sizeof(struct submission_session));
	return s->policy_data;
}

static const struct auth_check_env *
submission_auth_env(struct smtp_session *s)
{
	struct submission_session *d = s->policy_data;

	auth_check_env_for(&d->aenv, s->env);
	d->aenv.metrics = s->conn ? conn_metrics(s->conn) : NULL;
	return &d->aenv;
}

/* the exchange is over: commands again */
static void
submission_auth_end(struct smtp_session *s)
{
	s->line_hook = NULL;
	submission_auth_free(s->policy_data);
}

static void
submission_auth_log(struct smtp_session *s, const char *what,
		    const char *user, const char *mech, const char *reason)
{
	struct submission_session *d = s->policy_data;
	struct buf u = BUF_INIT;

	if (user != NULL)
		buf_append_escaped(&u, user, strlen(user), 100);
	log_info(s->id, "submission auth %s user=\"%s\" method=%s tls=%s "
		 "ip=%s%s%s failures=%u", what, buf_cstr(&u), mech,
		 conn_is_tls(s->conn) ? "yes" : "no", conn_peer_ip(s->conn),
		 reason ? " reason=" : "", reason ? reason : "", d->failures);
	buf_free(&u);
}

static bool submission_auth_line(struct smtp_session *s, struct slice line);

/* at the end of a callback: if it came from a check in flight, read
 * again (or free the session whose connection went meanwhile) */
static void
submission_auth_resume(struct smtp_session *s, bool was_waiting)
{
	struct submission_session *d = s->policy_data;

	if (!was_waiting)
		return;
	d->waiting = false;
	smtp_session_continue(s);	/* may free s */
}

/* "334 base64" (RFC 4954 4: "334 " alone for an empty challenge) */
static void
submission_auth_challenge(void *arg, const char *b64)
{
	struct smtp_session *s = arg;
	struct submission_session *d = s->policy_data;
	bool was_waiting = d->waiting;
	struct buf b = BUF_INIT;

	d->answered = true;
	if (!s->conn_gone) {
		buf_printf(&b, "334 %s\r\n", b64);
		conn_write(s->conn, b.data, b.len);
		buf_free(&b);
		s->line_hook = submission_auth_line;
	}
	submission_auth_resume(s, was_waiting);
}

/* the outcome: 235; or refused: blocked (421, close), store trouble
 * (454), bad credentials (535; 421 and close after auth.max_failures of
 * them), the client's cancel (501) or bad base64 (501) */
static void
submission_auth_outcome(struct smtp_session *s,
			const struct auth_sasl_outcome *o)
{
	struct submission_session *d = s->policy_data;

	switch (o->end) {
	case AUTH_SASL_OK:
		smtp_session_set_auth(s, o->account_id, o->address);
		submission_auth_log(s, "ok", o->address, o->mech, NULL);
		submission_auth_end(s);
		smtp_session_reply(s, 235, "2.7.0",
				   "Authentication successful");
		return;
	case AUTH_SASL_BLOCKED:
		submission_auth_log(s, "blocked", o->username, o->mech,
				    o->reason);
		submission_auth_end(s);
		smtp_session_close(s, "4.7.0",
				   "Too many failed authentications, try later",
				   "auth-blocked");
		return;
	case AUTH_SASL_TEMPFAIL:
		submission_auth_log(s, "failed", o->username, o->mech,
				    o->reason);
		submission_auth_end(s);
		smtp_session_reply(s, 454, "4.7.0",
				   "Temporary authentication failure");
		return;
	case AUTH_SASL_CANCELLED:
		/* RFC 4954 4: the client gave up; not a failed login */
		d->bad_line = true;
		submission_auth_log(s, "cancelled", o->username, o->mech,
				    NULL);
		submission_auth_end(s);
		smtp_session_reply(s, 501, "5.0.0", "Authentication cancelled");
		return;
	case AUTH_SASL_MALFORMED:
		d->bad_line = true;
		submission_auth_end(s);
		smtp_session_reply(s, 501, "5.5.2", "Invalid base64 data");
		return;
	case AUTH_SASL_FAILED:
		d->failures++;
		submission_auth_log(s, "failed", o->username, o->mech,
				    o->reason);
		submission_auth_end(s);
		smtp_session_reply(s, 535, "5.7.8",
				   "Authentication credentials invalid");
		if (d->failures >= smtp_session_conf(s)->auth.max_failures)
			smtp_session_close(s, "4.7.0",
					   "Too many failed authentications",
					   "auth-failures");
		return;
	}
}

static void
submission_auth_done(void *arg, const struct auth_sasl_outcome *o)
{
	struct smtp_session *s = arg;
	struct submission_session *d = s->policy_data;
	bool was_waiting = d->waiting;

	d->answered = true;
	if (!s->conn_gone)
		submission_auth_outcome(s, o);
	else
		submission_auth_free(d);
	submission_auth_resume(s, was_waiting);
}

static const struct auth_sasl_ops submission_auth_ops = {
	.challenge = submission_auth_challenge,
	.done = submission_auth_done,
};

/* after a call into the driver: if it neither challenged nor ended, a
 * check is in flight; wait for it suspended (its answer resumes) */
static void
submission_auth_wait(struct smtp_session *s)
{
	struct submission_session *d = s->policy_data;

	if (d->answered || d->sasl == NULL)
		return;
	d->waiting = true;
	smtp_session_suspend(s);
}

/* an answer line to a 334 challenge */
static bool
submission_auth_line(struct smtp_session *s, struct slice line)
{
	struct submission_session *d = s->policy_data;

	if (line.p == NULL) {
		/* over-long or bare-LF line: it was dropped, so end the
		 * exchange rather than read the next command as an answer */
		submission_auth_end(s);
		smtp_session_reply(s, 500, "5.5.2",
				   "Line too long or not CRLF ended: authentication aborted");
		return false;
	}
	s->line_hook = NULL;
	d->answered = false;
	d->bad_line = false;
	auth_sasl_line(d->sasl, (const char *)line.p, line.len);
	submission_auth_wait(s);
	return !d->bad_line;
}

/* check: "mechanism [initial-response]", allowed now, decodable */
static bool
submission_check_auth(struct smtp_session *s, struct slice args,
		      char *mech, size_t mech_size, bool *has_ir,
		      struct buf *ir)
{
	ptrdiff_t sp = slice_find(args, ' ');
	struct slice name = { args.p, sp < 0 ? args.len : (size_t)sp };
	struct slice resp = { NULL, 0 };

	if (sp >= 0) {
		resp.p = args.p + sp + 1;
		resp.len = args.len - (size_t)sp - 1;
	}
	if (!submission_auth_allowed(s)) {
		smtp_session_reply(s, 530, "5.7.0",
				   "Must issue a STARTTLS command first");
		return false;
	}
	if (name.len == 0 || name.len >= mech_size ||
	    slice_find(resp, ' ') >= 0) {
		smtp_session_reply(s, 501, "5.5.4",
				   "Syntax: AUTH mechanism [initial-response]");
		return false;
	}
	memcpy(mech, name.p, name.len);
	mech[name.len] = '\0';
	if (!sasl_mech_supported(mech)) {
		smtp_session_reply(s, 504, "5.5.4",
				   "Unrecognized authentication type");
		return false;
	}
	if (!submission_plaintext_ok(s)) {
		/* RFC 4954 6; every mechanism is a password one (sasl.h) */
		smtp_session_reply(s, 538, "5.7.11", "Encryption required "
				   "for requested authentication mechanism");
		return false;
	}
	*has_ir = sp >= 0;
	/* RFC 4954 4: "=" is an empty initial response */
	if (*has_ir && !(resp.len == 1 && resp.p[0] == '=') &&
	    !base64_decode(ir, resp.p, resp.len)) {
		smtp_session_reply(s, 501, "5.5.2", "Invalid base64 data");
		return false;
	}
	return true;
}

bool
submission_cmd_auth(struct smtp_session *s, struct slice args)
{
	struct submission_session *d;
	struct buf ir = BUF_INIT;
	char mech[32];
	bool has_ir = false, ok;

	ok = submission_check_auth(s, args, mech, sizeof(mech), &has_ir, &ir);
	if (ok) {
		/* proceed */
		d = submission_auth_data(s);
		submission_auth_free(d);
		d->sasl = auth_sasl_new(submission_auth_env(s),
					conn_peer_ip(s->conn), mech,
					&submission_auth_ops, s);
		auth_sasl_start(d->sasl, has_ir, ir.data, ir.len);
		submission_auth_wait(s);
	}
	if (ir.data != NULL)
		explicit_bzero(ir.data, ir.len);
	buf_free(&ir);
	return ok;
}
