/* sasl.c - SASL sessions: mechanism table, call order, limits, accessors */
#include "auth/sasl-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "auth/auth.h"
#include "auth/password.h"

static const struct sasl_mech *const sasl_mechs[] = {
	&sasl_plain_mech,
	&sasl_login_mech,
	&sasl_scram_mech,
};

#define SASL_NMECHS (sizeof(sasl_mechs) / sizeof(sasl_mechs[0]))

static const struct sasl_mech *
sasl_mech_find(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < SASL_NMECHS; i++) {
		if (strcasecmp(name, sasl_mechs[i]->name) == 0)
			return sasl_mechs[i];
	}
	return NULL;
}

bool
sasl_mech_supported(const char *name)
{
	return sasl_mech_find(name) != NULL;
}

const char *
sasl_mechanisms(void)
{
	return "PLAIN LOGIN SCRAM-SHA-256";
}

struct sasl_session *
sasl_create(const char *mech)
{
	const struct sasl_mech *m = sasl_mech_find(mech);
	struct sasl_session *s;

	if (m == NULL)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->mech = m;
	s->last = SASL_CONTINUE;
	return s;
}

/* wipe and free the password copy */
static void
sasl_password_wipe(struct sasl_session *s)
{
	if (s->password != NULL) {
		sodium_memzero(s->password, s->password_len + 1);
		free(s->password);
		s->password = NULL;
		s->password_len = 0;
	}
}

void
sasl_destroy(struct sasl_session **sp)
{
	struct sasl_session *s = *sp;

	if (s == NULL)
		return;
	*sp = NULL;
	sasl_password_wipe(s);
	s->mech->free(s);
	free(s->username);
	free(s->test_nonce);
	sodium_memzero(s, sizeof(*s));
	free(s);
}

enum sasl_result
sasl_fail(struct sasl_session *s, const char *reason)
{
	if (s->error == NULL)
		s->error = reason;
	sasl_password_wipe(s);
	s->mech->free(s);
	s->last = SASL_FAIL;
	return SASL_FAIL;
}

/* hand a result to the caller, remembering it for the call-order checks */
static enum sasl_result
sasl_result(struct sasl_session *s, enum sasl_result r)
{
	if (r == SASL_FAIL)
		return sasl_fail(s, "authentication failed");
	if (r == SASL_OK)
		s->mech->free(s);
	s->last = r;
	return r;
}

bool
sasl_set_username(struct sasl_session *s, const void *name, size_t len)
{
	free(s->username);
	s->username = auth_normalize_username(name, len);
	if (s->username == NULL) {
		sasl_fail(s, "invalid username");
		return false;
	}
	return true;
}

bool
sasl_check_authzid(struct sasl_session *s, const void *authzid, size_t len)
{
	char *z;
	bool same;

	if (len == 0)
		return true;
	z = auth_normalize_username(authzid, len);
	same = z != NULL && s->username != NULL &&
	       strcmp(z, s->username) == 0;
	free(z);
	if (!same)
		sasl_fail(s, "authorization identity differs from username");
	return same;
}

bool
sasl_set_password(struct sasl_session *s, const void *pw, size_t len)
{
	if (len == 0) {
		sasl_fail(s, "empty password");
		return false;
	}
	if (len > PASSWORD_MAX_LEN) {
		sasl_fail(s, "password too long");
		return false;
	}
	if (memchr(pw, '\0', len) != NULL) {
		sasl_fail(s, "NUL byte in password");
		return false;
	}
	sasl_password_wipe(s);
	s->password = xmalloc(len + 1);
	memcpy(s->password, pw, len);
	s->password[len] = '\0';
	s->password_len = len;
	return true;
}

enum sasl_result
sasl_start(struct sasl_session *s, bool has_ir, const unsigned char *ir,
	   size_t ir_len, struct buf *challenge_out)
{
	if (s->last == SASL_FAIL)
		return SASL_FAIL;
	if (s->started)
		return sasl_fail(s, "sasl_start() called twice");
	s->started = true;
	if (!has_ir) {
		ir = NULL;
		ir_len = 0;
	}
	if (ir_len > SASL_MAX_INPUT)
		return sasl_fail(s, "client response too long");
	if (ir == NULL)
		ir = (const unsigned char *)"";
	return sasl_result(s, s->mech->start(s, has_ir, ir, ir_len,
					     challenge_out));
}

enum sasl_result
sasl_step(struct sasl_session *s, const unsigned char *data, size_t len,
	  struct buf *challenge_out)
{
	if (s->last == SASL_FAIL)
		return SASL_FAIL;
	if (!s->started || s->last != SASL_CONTINUE)
		return sasl_fail(s, "client response out of turn");
	if (++s->steps > SASL_MAX_STEPS)
		return sasl_fail(s, "too many steps");
	if (len > SASL_MAX_INPUT)
		return sasl_fail(s, "client response too long");
	if (data == NULL) {
		if (len != 0)
			return sasl_fail(s, "client response out of turn");
		data = (const unsigned char *)"";
	}
	return sasl_result(s, s->mech->step(s, data, len, challenge_out));
}

enum sasl_result
sasl_set_password_result(struct sasl_session *s, bool ok)
{
	if (s->last == SASL_FAIL)
		return SASL_FAIL;
	if (s->last != SASL_NEED_PASSWORD)
		return sasl_fail(s, "password result out of turn");
	sasl_password_wipe(s);
	if (!ok)
		return sasl_fail(s, "invalid credentials");
	return sasl_result(s, SASL_OK);
}

enum sasl_result
sasl_set_scram_secret(struct sasl_session *s, const char *secret,
		      struct buf *challenge_out)
{
	if (s->last == SASL_FAIL)
		return SASL_FAIL;
	if (s->last != SASL_NEED_SCRAM_SECRET || s->mech->set_scram_secret == NULL)
		return sasl_fail(s, "SCRAM secret out of turn");
	return sasl_result(s, s->mech->set_scram_secret(s, secret,
							challenge_out));
}

const char *
sasl_mech_name(const struct sasl_session *s)
{
	return s->mech->name;
}

const char *
sasl_username(const struct sasl_session *s)
{
	return s->username;
}

const char *
sasl_password(const struct sasl_session *s, size_t *len_r)
{
	if (s->last != SASL_NEED_PASSWORD || s->password == NULL) {
		*len_r = 0;
		return NULL;
	}
	*len_r = s->password_len;
	return s->password;
}

const char *
sasl_error(const struct sasl_session *s)
{
	return s->last == SASL_FAIL ? s->error : NULL;
}

void
sasl_test_set_nonce(struct sasl_session *s, const char *nonce)
{
	free(s->test_nonce);
	s->test_nonce = xstrdup(nonce);
}
