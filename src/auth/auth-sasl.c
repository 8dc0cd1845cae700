/* auth-sasl.c - one SASL conversation for IMAP, POP3 and submission */
#include "auth/auth-sasl.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "auth/sasl.h"
#include "lib/base64.h"
#include "lib/buf.h"

struct auth_sasl {
	struct auth_check_env env;
	char *ip;
	struct sasl_session *sasl;
	struct auth_check_req *req;
	struct auth_sasl_ops ops;
	void *arg;
	bool scram_secret;	/* a SCRAM secret was looked up */
	int64_t scram_account;
	char *scram_address;
};

struct auth_sasl *
auth_sasl_new(const struct auth_check_env *env, const char *ip,
	      const char *mech, const struct auth_sasl_ops *ops, void *arg)
{
	struct auth_sasl *a = xcalloc(1, sizeof(*a));

	a->env = *env;
	a->ip = xstrdup(ip != NULL ? ip : "");
	a->sasl = sasl_create(mech);
	a->ops = *ops;
	a->arg = arg;
	return a;
}

void
auth_sasl_free(struct auth_sasl **ap)
{
	struct auth_sasl *a = *ap;

	if (a == NULL)
		return;
	*ap = NULL;
	auth_check_cancel(&a->req);
	sasl_destroy(&a->sasl);
	free(a->scram_address);
	free(a->ip);
	free(a);
}

/* the last thing any path does: done may free a */
static void
auth_sasl_end(struct auth_sasl *a, enum auth_sasl_end end,
	      int64_t account_id, const char *address, const char *reason)
{
	struct auth_sasl_outcome o = {
		.end = end,
		.account_id = account_id,
		.address = address,
		.username = a->sasl != NULL ? sasl_username(a->sasl) : NULL,
		.mech = a->sasl != NULL ? sasl_mech_name(a->sasl) : "-",
		.reason = reason,
	};

	a->ops.done(a->arg, &o);
}

/* the end of an exchange whose proof was checked here (SCRAM, or
 * malformed client data): record it, refuse if blocked */
static void
auth_sasl_report(struct auth_sasl *a, bool ok, const char *reason)
{
	bool blocked = auth_check_report(&a->env, a->ip,
					 sasl_username(a->sasl), ok);

	if (blocked)
		auth_sasl_end(a, AUTH_SASL_BLOCKED, 0, NULL, "blocked");
	else if (!ok)
		auth_sasl_end(a, AUTH_SASL_FAILED, 0, NULL, reason);
	else if (a->scram_address == NULL)
		auth_sasl_end(a, AUTH_SASL_FAILED, 0, NULL, "no account");
	else
		auth_sasl_end(a, AUTH_SASL_OK, a->scram_account,
			      a->scram_address, NULL);
}

static void auth_sasl_result(struct auth_sasl *a, enum sasl_result r,
			     struct buf *challenge);

static void
auth_sasl_password_checked(void *arg, struct auth_check_result *r)
{
	struct auth_sasl *a = arg;

	a->req = NULL;
	if (r->blocked || r->tempfail) {
		auth_sasl_end(a, r->blocked ? AUTH_SASL_BLOCKED :
			      AUTH_SASL_TEMPFAIL, 0, NULL, r->reason);
		return;
	}
	/* the check already counted it in the throttle */
	if (sasl_set_password_result(a->sasl, r->ok) == SASL_OK)
		auth_sasl_end(a, AUTH_SASL_OK, r->account_id, r->address,
			      NULL);
	else
		auth_sasl_end(a, AUTH_SASL_FAILED, 0, NULL, r->reason);
}

static void
auth_sasl_scram_checked(void *arg, struct auth_check_result *r)
{
	struct auth_sasl *a = arg;
	struct buf ch = BUF_INIT;

	a->req = NULL;
	if (r->blocked || r->tempfail) {
		auth_sasl_end(a, r->blocked ? AUTH_SASL_BLOCKED :
			      AUTH_SASL_TEMPFAIL, 0, NULL, r->reason);
		return;
	}
	/* a NULL secret (unknown user...) fails at the proof */
	a->scram_secret = true;
	a->scram_account = r->account_id;
	free(a->scram_address);
	a->scram_address = r->address;
	r->address = NULL;
	auth_sasl_result(a, sasl_set_scram_secret(a->sasl, r->scram_secret,
						  &ch), &ch);
	buf_free(&ch);
}

static void
auth_sasl_result(struct auth_sasl *a, enum sasl_result r,
		 struct buf *challenge)
{
	const char *user = sasl_username(a->sasl);
	struct buf b = BUF_INIT;
	const char *pw;
	size_t len;

	switch (r) {
	case SASL_CONTINUE:
		base64_encode(&b, challenge->data, challenge->len);
		a->ops.challenge(a->arg, buf_cstr(&b));
		buf_free(&b);
		return;
	case SASL_NEED_PASSWORD:
		pw = sasl_password(a->sasl, &len);
		a->req = auth_check_password_start(&a->env, a->ip, user, pw,
						   len,
						   auth_sasl_password_checked,
						   a);
		return;
	case SASL_NEED_SCRAM_SECRET:
		a->req = auth_check_scram_start(&a->env, a->ip, user,
						auth_sasl_scram_checked, a);
		return;
	case SASL_OK:
		/* SCRAM: the proof matched the secret looked up earlier */
		auth_sasl_report(a, true, NULL);
		return;
	case SASL_FAIL:
		/* a wrong SCRAM proof or malformed client data: counts */
		auth_sasl_report(a, false, sasl_error(a->sasl));
		return;
	}
}

void
auth_sasl_start(struct auth_sasl *a, bool has_ir, const unsigned char *ir,
		size_t ir_len)
{
	struct buf ch = BUF_INIT;

	auth_sasl_result(a, sasl_start(a->sasl, has_ir, ir, ir_len, &ch),
			 &ch);
	buf_free(&ch);
}

void
auth_sasl_line(struct auth_sasl *a, const char *line, size_t len)
{
	struct buf in = BUF_INIT, ch = BUF_INIT;
	enum sasl_result r;

	if (len == 1 && line[0] == '*') {
		auth_sasl_end(a, AUTH_SASL_CANCELLED, 0, NULL, "cancelled");
		return;
	}
	if (!(len == 0 || (len == 1 && line[0] == '=')) &&
	    !base64_decode(&in, line, len)) {
		buf_free(&in);
		auth_sasl_end(a, AUTH_SASL_MALFORMED, 0, NULL, "bad base64");
		return;
	}
	/* blocked since the SCRAM secret was looked up: no proof check */
	if (a->scram_secret && auth_check_blocked(&a->env, a->ip)) {
		if (in.data != NULL)
			sodium_memzero(in.data, in.len);
		buf_free(&in);
		auth_sasl_end(a, AUTH_SASL_BLOCKED, 0, NULL, "blocked");
		return;
	}
	r = sasl_step(a->sasl, in.data, in.len, &ch);
	if (in.data != NULL)
		sodium_memzero(in.data, in.len);
	buf_free(&in);
	auth_sasl_result(a, r, &ch);
	buf_free(&ch);
}

const char *
auth_sasl_mech(const struct auth_sasl *a)
{
	return sasl_mech_name(a->sasl);
}
