/* submission-auth.c - AUTH (RFC 4954): the mechanism and an optional
 * initial response on the command line, then "334" challenges and
 * base64 answer lines (s->line_hook) until 235 or an error. sasl.h runs
 * the mechanisms; auth-check.h checks credentials (throttle delay, store
 * lookup and argon2id off the loop) while the session is suspended. */
#include "smtp/submission-private.h"

#include <stdlib.h>
#include <string.h>

#include "auth/sasl.h"
#include "lib/base64.h"
#include "lib/log.h"

static void submission_auth_result(struct smtp_session *s,
				   enum sasl_result r, struct buf *challenge);

void
submission_auth_free(struct submission_session *d)
{
	auth_check_cancel(&d->req);
	sasl_destroy(&d->sasl);
	free(d->scram_address);
	d->scram_address = NULL;
	d->scram_account = 0;
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

	d->aenv.loop = s->env->loop;
	d->aenv.store = s->env->store;
	d->aenv.throttle = s->env->throttle;
	/* a good password login may add the SCRAM secret it lacked */
	d->aenv.upgrade = true;
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
		    const char *user, const char *reason)
{
	struct submission_session *d = s->policy_data;
	struct buf u = BUF_INIT;

	if (user != NULL)
		buf_append_escaped(&u, user, strlen(user), 100);
	log_info(s->id, "submission auth %s user=\"%s\" method=%s tls=%s "
		 "ip=%s%s%s failures=%u", what, buf_cstr(&u),
		 d->sasl ? sasl_mech_name(d->sasl) : "-",
		 conn_is_tls(s->conn) ? "yes" : "no", conn_peer_ip(s->conn),
		 reason ? " reason=" : "", reason ? reason : "", d->failures);
	buf_free(&u);
}

static void
submission_auth_ok(struct smtp_session *s, int64_t account_id,
		   const char *address)
{
	smtp_session_set_auth(s, account_id, address);
	submission_auth_log(s, "ok", address, NULL);
	submission_auth_end(s);
	smtp_session_reply(s, 235, "2.7.0", "Authentication successful");
}

/* a refused attempt: blocked (421, close), store trouble (454), or bad
 * credentials (535; 421 and close after auth.max_failures of them) */
static void
submission_auth_failed(struct smtp_session *s, bool blocked, bool tempfail,
		       const char *reason)
{
	struct submission_session *d = s->policy_data;
	const char *user = d->sasl ? sasl_username(d->sasl) : NULL;

	if (!blocked && !tempfail)
		d->failures++;
	submission_auth_log(s, blocked ? "blocked" : "failed", user, reason);
	submission_auth_end(s);
	if (blocked) {
		smtp_session_close(s, "4.7.0",
				   "Too many failed authentications, try later",
				   "auth-blocked");
		return;
	}
	if (tempfail) {
		smtp_session_reply(s, 454, "4.7.0",
				   "Temporary authentication failure");
		return;
	}
	smtp_session_reply(s, 535, "5.7.8",
			   "Authentication credentials invalid");
	if (d->failures >= smtp_session_conf(s)->auth.max_failures)
		smtp_session_close(s, "4.7.0",
				   "Too many failed authentications",
				   "auth-failures");
}

/* back from a check: read commands again unless another one runs; s
 * may be gone afterwards */
static void
submission_auth_resume(struct smtp_session *s)
{
	struct submission_session *d = s->policy_data;

	if (d->req == NULL)
		smtp_session_continue(s);
}

static void
submission_auth_password_checked(void *arg, struct auth_check_result *r)
{
	struct smtp_session *s = arg;
	struct submission_session *d = s->policy_data;

	d->req = NULL;
	if (s->conn_gone) {
		smtp_session_continue(s);	/* frees it */
		return;
	}
	if (r->blocked || r->tempfail)
		submission_auth_failed(s, r->blocked, r->tempfail, r->reason);
	else if (sasl_set_password_result(d->sasl, r->ok) == SASL_OK)
		submission_auth_ok(s, r->account_id, r->address);
	else
		submission_auth_failed(s, false, false, r->reason);
	submission_auth_resume(s);
}

static void
submission_auth_scram_checked(void *arg, struct auth_check_result *r)
{
	struct smtp_session *s = arg;
	struct submission_session *d = s->policy_data;
	struct buf ch = BUF_INIT;

	d->req = NULL;
	if (s->conn_gone) {
		smtp_session_continue(s);
		return;
	}
	if (r->blocked || r->tempfail) {
		submission_auth_failed(s, r->blocked, r->tempfail, r->reason);
	} else {
		/* NULL secret (unknown user...): fails at the proof */
		d->scram_account = r->account_id;
		free(d->scram_address);
		d->scram_address = r->address;
		r->address = NULL;
		submission_auth_result(s, sasl_set_scram_secret(
			d->sasl, r->scram_secret, &ch), &ch);
	}
	buf_free(&ch);
	submission_auth_resume(s);
}

/* "334 base64" (RFC 4954 4: "334 " alone for an empty challenge) */
static void
submission_auth_challenge(struct smtp_session *s, const struct buf *ch)
{
	struct buf b = BUF_INIT;

	buf_append_str(&b, "334 ");
	base64_encode(&b, ch->data, ch->len);
	buf_append_str(&b, "\r\n");
	conn_write(s->conn, b.data, b.len);
	buf_free(&b);
}

static bool submission_auth_line(struct smtp_session *s, struct slice line);

/* what the mechanism said: answer, or start a check (suspended) */
static void
submission_auth_result(struct smtp_session *s, enum sasl_result r,
		       struct buf *challenge)
{
	struct submission_session *d = s->policy_data;
	const char *user = sasl_username(d->sasl);
	const char *ip = conn_peer_ip(s->conn);
	const char *pw;
	size_t len;
	bool blocked;

	switch (r) {
	case SASL_CONTINUE:
		submission_auth_challenge(s, challenge);
		s->line_hook = submission_auth_line;
		return;
	case SASL_NEED_PASSWORD:
		pw = sasl_password(d->sasl, &len);
		smtp_session_suspend(s);
		d->req = auth_check_password_start(
			submission_auth_env(s), ip, user, pw, len,
			submission_auth_password_checked, s);
		return;
	case SASL_NEED_SCRAM_SECRET:
		smtp_session_suspend(s);
		d->req = auth_check_scram_start(
			submission_auth_env(s), ip, user,
			submission_auth_scram_checked, s);
		return;
	case SASL_OK:
		/* SCRAM: the proof matched the secret looked up earlier */
		auth_check_report(submission_auth_env(s), ip, user, true);
		if (d->scram_address == NULL) {
			submission_auth_failed(s, false, false, "no account");
			return;
		}
		submission_auth_ok(s, d->scram_account, d->scram_address);
		return;
	case SASL_FAIL:
		/* a wrong SCRAM proof or malformed client data: counts */
		blocked = auth_check_report(submission_auth_env(s), ip, user,
					    false);
		submission_auth_failed(s, blocked, false, sasl_error(d->sasl));
		return;
	}
}

/* an answer line to a 334 challenge */
static bool
submission_auth_line(struct smtp_session *s, struct slice line)
{
	struct submission_session *d = s->policy_data;
	struct buf in = BUF_INIT, ch = BUF_INIT;
	enum sasl_result r;

	if (line.p == NULL) {
		/* over-long or bare-LF line: it was dropped, so end the
		 * exchange rather than read the next command as an answer */
		submission_auth_end(s);
		smtp_session_reply(s, 500, "5.5.2",
				   "Line too long or not CRLF ended: authentication aborted");
		return false;
	}
	if (line.len == 1 && line.p[0] == '*') {
		/* RFC 4954 4: the client gave up; not a failed login */
		submission_auth_log(s, "cancelled", sasl_username(d->sasl),
				    NULL);
		submission_auth_end(s);
		smtp_session_reply(s, 501, "5.0.0", "Authentication cancelled");
		return false;
	}
	if (!base64_decode(&in, line.p, line.len)) {
		submission_auth_end(s);
		smtp_session_reply(s, 501, "5.5.2", "Invalid base64 data");
		buf_free(&in);
		return false;
	}
	r = sasl_step(d->sasl, in.data, in.len, &ch);
	/* PLAIN and LOGIN answers hold the password */
	if (in.data != NULL)
		explicit_bzero(in.data, in.len);
	buf_free(&in);
	submission_auth_result(s, r, &ch);
	buf_free(&ch);
	return true;
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
	struct buf ir = BUF_INIT, ch = BUF_INIT;
	char mech[32];
	bool has_ir = false, ok;
	enum sasl_result r;

	ok = submission_check_auth(s, args, mech, sizeof(mech), &has_ir, &ir);
	if (ok) {
		/* proceed */
		d = submission_auth_data(s);
		submission_auth_free(d);
		d->sasl = sasl_create(mech);
		r = sasl_start(d->sasl, has_ir, ir.data, ir.len, &ch);
		submission_auth_result(s, r, &ch);
	}
	if (ir.data != NULL)
		explicit_bzero(ir.data, ir.len);
	buf_free(&ir);
	buf_free(&ch);
	return ok;
}
