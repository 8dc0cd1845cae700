/* sasl-plain.c - the PLAIN mechanism (RFC 4616) */
#include "auth/sasl-private.h"

#include <string.h>

#include "auth/auth.h"

/* message = [authzid] NUL authcid NUL passwd */
static enum sasl_result
sasl_plain_parse(struct sasl_session *s, const unsigned char *data,
		 size_t len)
{
	const unsigned char *nul1, *nul2, *authcid, *pw;
	size_t authzid_len, authcid_len, pw_len;

	nul1 = memchr(data, '\0', len);
	if (nul1 == NULL)
		return sasl_fail(s, "PLAIN: missing NUL separator");
	authzid_len = (size_t)(nul1 - data);
	authcid = nul1 + 1;
	nul2 = memchr(authcid, '\0', len - authzid_len - 1);
	if (nul2 == NULL)
		return sasl_fail(s, "PLAIN: missing NUL separator");
	authcid_len = (size_t)(nul2 - authcid);
	pw = nul2 + 1;
	pw_len = len - authzid_len - authcid_len - 2;
	if (authcid_len == 0)
		return sasl_fail(s, "PLAIN: empty username");
	if (!sasl_set_username(s, authcid, authcid_len) ||
	    !sasl_check_authzid(s, data, authzid_len) ||
	    !sasl_set_password(s, pw, pw_len))
		return SASL_FAIL;
	return SASL_NEED_PASSWORD;
}

static enum sasl_result
sasl_plain_start(struct sasl_session *s, bool has_ir,
		 const unsigned char *ir, size_t len, struct buf *out)
{
	if (!has_ir)
		return SASL_CONTINUE;	/* empty challenge */
	return sasl_plain_parse(s, ir, len);
}

static enum sasl_result
sasl_plain_step(struct sasl_session *s, const unsigned char *data,
		size_t len, struct buf *out)
{
	if (s->state != 0)
		return sasl_fail(s, "PLAIN: unexpected response");
	s->state = 1;
	return sasl_plain_parse(s, data, len);
}

static void
sasl_plain_free(struct sasl_session *s)
{
}

const struct sasl_mech sasl_plain_mech = {
	.name = "PLAIN",
	.start = sasl_plain_start,
	.step = sasl_plain_step,
	.set_scram_secret = NULL,
	.free = sasl_plain_free,
};
