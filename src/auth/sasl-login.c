/* sasl-login.c - the LOGIN mechanism (draft-murchison-sasl-login) */
#include "auth/sasl-private.h"

enum sasl_login_state {
	SASL_LOGIN_USERNAME,	/* "Username:" sent */
	SASL_LOGIN_PASSWORD,	/* "Password:" sent */
	SASL_LOGIN_DONE,
};

static enum sasl_result
sasl_login_username(struct sasl_session *s, const unsigned char *name,
		    size_t len, struct buf *out)
{
	if (len == 0)
		return sasl_fail(s, "LOGIN: empty username");
	if (!sasl_set_username(s, name, len))
		return SASL_FAIL;
	s->state = SASL_LOGIN_PASSWORD;
	buf_append_str(out, "Password:");
	return SASL_CONTINUE;
}

static enum sasl_result
sasl_login_start(struct sasl_session *s, bool has_ir,
		 const unsigned char *ir, size_t len, struct buf *out)
{
	/* Clients that send the username with the command (AUTH LOGIN
	 * <b64>) skip the first prompt; an empty one is no username, as
	 * Dovecot and Postfix treat it. */
	if (has_ir && len > 0)
		return sasl_login_username(s, ir, len, out);
	s->state = SASL_LOGIN_USERNAME;
	buf_append_str(out, "Username:");
	return SASL_CONTINUE;
}

static enum sasl_result
sasl_login_step(struct sasl_session *s, const unsigned char *data,
		size_t len, struct buf *out)
{
	switch (s->state) {
	case SASL_LOGIN_USERNAME:
		return sasl_login_username(s, data, len, out);
	case SASL_LOGIN_PASSWORD:
		s->state = SASL_LOGIN_DONE;
		if (!sasl_set_password(s, data, len))
			return SASL_FAIL;
		return SASL_NEED_PASSWORD;
	default:
		return sasl_fail(s, "LOGIN: unexpected response");
	}
}

static void
sasl_login_free(struct sasl_session *s)
{
}

const struct sasl_mech sasl_login_mech = {
	.name = "LOGIN",
	.start = sasl_login_start,
	.step = sasl_login_step,
	.set_scram_secret = NULL,
	.free = sasl_login_free,
};
