/* test-sasl.c - SASL PLAIN, LOGIN and the session rules */
#include "test.h"

#include <stdlib.h>

#include "auth/password.h"
#include "auth/sasl.h"

#define BYTES(s) (const unsigned char *)(s), sizeof(s) - 1

TEST(sasl_mechanism_table)
{
	struct sasl_session *s;

	CHECK(sasl_mech_supported("PLAIN"));
	CHECK(sasl_mech_supported("plain"));
	CHECK(sasl_mech_supported("LOGIN"));
	CHECK(sasl_mech_supported("SCRAM-SHA-256"));
	CHECK(sasl_mech_supported("scram-sha-256"));
	CHECK(!sasl_mech_supported("SCRAM-SHA-256-PLUS"));
	CHECK(!sasl_mech_supported("CRAM-MD5"));
	CHECK(!sasl_mech_supported(""));
	CHECK(!sasl_mech_supported(NULL));
	CHECK_STR(sasl_mechanisms(), "PLAIN LOGIN SCRAM-SHA-256");
	CHECK(sasl_create("CRAM-MD5") == NULL);
	s = sasl_create("plain");
	CHECK(s != NULL);
	CHECK_STR(sasl_mech_name(s), "PLAIN");
	CHECK(sasl_username(s) == NULL);
	CHECK(sasl_error(s) == NULL);
	sasl_destroy(&s);
	CHECK(s == NULL);
	sasl_destroy(&s);
}

/* run PLAIN with an initial response; returns the result */
static enum sasl_result
plain_ir(struct sasl_session **sp, const void *data, size_t len)
{
	struct buf ch = BUF_INIT;
	enum sasl_result r;

	*sp = sasl_create("PLAIN");
	r = sasl_start(*sp, true, data, len, &ch);
	buf_free(&ch);
	return r;
}

/* RFC 4616 section 4 examples */
TEST(sasl_plain_rfc4616_examples)
{
	struct sasl_session *s;
	const char *pw;
	size_t len;

	/* "\0tim\0tanstaaftanstaaf" */
	CHECK_INT(plain_ir(&s, BYTES("\0tim\0tanstaaftanstaaf")),
		  SASL_NEED_PASSWORD);
	CHECK_STR(sasl_username(s), "tim");
	pw = sasl_password(s, &len);
	CHECK_MEM(pw, len, "tanstaaftanstaaf");
	CHECK_INT(sasl_set_password_result(s, true), SASL_OK);
	CHECK_STR(sasl_username(s), "tim");
	CHECK(sasl_password(s, &len) == NULL);
	CHECK_INT(len, 0);
	sasl_destroy(&s);

	/* "Ursel\0Kurt\0xipj3plmq": authzid differs -> refused */
	CHECK_INT(plain_ir(&s, BYTES("Ursel\0Kurt\0xipj3plmq")), SASL_FAIL);
	CHECK_STR(sasl_error(s), "authorization identity differs from username");
	sasl_destroy(&s);
}

TEST(sasl_plain_authzid_equal)
{
	struct sasl_session *s;

	CHECK_INT(plain_ir(&s, BYTES("bob@EXAMPLE.com\0bob@example.COM\0pw")),
		  SASL_NEED_PASSWORD);
	CHECK_STR(sasl_username(s), "bob@example.com");
	sasl_destroy(&s);
	CHECK_INT(plain_ir(&s, BYTES("alice@example.com\0bob@example.com\0pw")),
		  SASL_FAIL);
	sasl_destroy(&s);
}

TEST(sasl_plain_without_initial_response)
{
	struct sasl_session *s = sasl_create("PLAIN");
	struct buf ch = BUF_INIT;

	CHECK_INT(sasl_start(s, false, NULL, 0, &ch), SASL_CONTINUE);
	CHECK_INT(ch.len, 0);
	CHECK_INT(sasl_step(s, BYTES("\0user@example.com\0secret"), &ch),
		  SASL_NEED_PASSWORD);
	CHECK_STR(sasl_username(s), "user@example.com");
	CHECK_INT(sasl_set_password_result(s, false), SASL_FAIL);
	CHECK_STR(sasl_error(s), "invalid credentials");
	/* the failed name stays for the log and the throttle */
	CHECK_STR(sasl_username(s), "user@example.com");
	/* nothing works after a failure */
	CHECK_INT(sasl_step(s, BYTES("x"), &ch), SASL_FAIL);
	CHECK_INT(sasl_set_password_result(s, true), SASL_FAIL);
	sasl_destroy(&s);
	buf_free(&ch);
}

TEST(sasl_plain_malformed)
{
	static const struct {
		const char *data;
		size_t len;
		const char *error;
	} bad[] = {
		{ "", 0, "PLAIN: missing NUL separator" },	/* "AUTH PLAIN =" */
		{ "timtanstaaf", 11, "PLAIN: missing NUL separator" },
		{ "\0timtanstaaf", 12, "PLAIN: missing NUL separator" },
		{ "\0\0pw", 4, "PLAIN: empty username" },
		{ "\0tim\0", 5, "empty password" },
		{ "\0tim\0pw\0x", 9, "NUL byte in password" },
		{ "\0ti m\0pw", 8, "invalid username" },
		{ "\0tim\r\n\0pw", 9, "invalid username" },
		{ "\0\xff\xfe\0pw", 6, "invalid username" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sasl_session *s;

		CHECK_INT(plain_ir(&s, bad[i].data, bad[i].len), SASL_FAIL);
		CHECK_STR(sasl_error(s), bad[i].error);
		CHECK(sasl_password(s, &(size_t){ 0 }) == NULL);
		sasl_destroy(&s);
	}
}

TEST(sasl_plain_overlong)
{
	static unsigned char big[SASL_MAX_INPUT + 1];
	struct sasl_session *s;
	size_t n;

	/* username over AUTH_USERNAME_MAX */
	memset(big, 'a', sizeof(big));
	big[0] = '\0';
	big[400] = '\0';
	CHECK_INT(plain_ir(&s, big, 410), SASL_FAIL);
	CHECK_STR(sasl_error(s), "invalid username");
	sasl_destroy(&s);
	/* password over PASSWORD_MAX_LEN */
	big[400] = 'a';
	big[10] = '\0';
	n = 11 + PASSWORD_MAX_LEN + 1;
	CHECK_INT(plain_ir(&s, big, n), SASL_FAIL);
	CHECK_STR(sasl_error(s), "password too long");
	sasl_destroy(&s);
	/* exactly PASSWORD_MAX_LEN is fine */
	CHECK_INT(plain_ir(&s, big, n - 1), SASL_NEED_PASSWORD);
	sasl_destroy(&s);
	/* whole response over SASL_MAX_INPUT */
	CHECK_INT(plain_ir(&s, big, sizeof(big)), SASL_FAIL);
	CHECK_STR(sasl_error(s), "client response too long");
	sasl_destroy(&s);
}

TEST(sasl_login_exchange)
{
	struct sasl_session *s = sasl_create("LOGIN");
	struct buf ch = BUF_INIT;
	const char *pw;
	size_t len;

	CHECK_INT(sasl_start(s, false, NULL, 0, &ch), SASL_CONTINUE);
	CHECK_MEM(ch.data, ch.len, "Username:");
	buf_reset(&ch);
	CHECK_INT(sasl_step(s, BYTES("tim@Example.Org"), &ch), SASL_CONTINUE);
	CHECK_MEM(ch.data, ch.len, "Password:");
	buf_reset(&ch);
	CHECK_INT(sasl_step(s, BYTES("tanstaaf"), &ch), SASL_NEED_PASSWORD);
	CHECK_INT(ch.len, 0);
	CHECK_STR(sasl_username(s), "tim@example.org");
	pw = sasl_password(s, &len);
	CHECK_MEM(pw, len, "tanstaaf");
	CHECK_INT(sasl_set_password_result(s, true), SASL_OK);
	/* nothing more after the end */
	CHECK_INT(sasl_step(s, BYTES(""), &ch), SASL_FAIL);
	sasl_destroy(&s);
	buf_free(&ch);
}

TEST(sasl_login_initial_response)
{
	struct sasl_session *s = sasl_create("LOGIN");
	struct buf ch = BUF_INIT;

	/* AUTH LOGIN dGlt: the username comes with the command */
	CHECK_INT(sasl_start(s, true, BYTES("tim"), &ch), SASL_CONTINUE);
	CHECK_MEM(ch.data, ch.len, "Password:");
	buf_reset(&ch);
	CHECK_INT(sasl_step(s, BYTES("pw"), &ch), SASL_NEED_PASSWORD);
	CHECK_STR(sasl_username(s), "tim");
	sasl_destroy(&s);

	/* AUTH LOGIN =: as if no initial response */
	s = sasl_create("LOGIN");
	CHECK_INT(sasl_start(s, true, NULL, 0, &ch), SASL_CONTINUE);
	CHECK_MEM(ch.data, ch.len, "Username:");
	sasl_destroy(&s);
	buf_free(&ch);
}

TEST(sasl_login_malformed)
{
	struct sasl_session *s = sasl_create("LOGIN");
	struct buf ch = BUF_INIT;

	CHECK_INT(sasl_start(s, false, NULL, 0, &ch), SASL_CONTINUE);
	CHECK_INT(sasl_step(s, NULL, 0, &ch), SASL_FAIL);
	CHECK_STR(sasl_error(s), "LOGIN: empty username");
	sasl_destroy(&s);

	s = sasl_create("LOGIN");
	CHECK_INT(sasl_start(s, true, BYTES("tim"), &ch), SASL_CONTINUE);
	CHECK_INT(sasl_step(s, NULL, 0, &ch), SASL_FAIL);
	CHECK_STR(sasl_error(s), "empty password");
	sasl_destroy(&s);

	s = sasl_create("LOGIN");
	CHECK_INT(sasl_start(s, true, BYTES("tim"), &ch), SASL_CONTINUE);
	CHECK_INT(sasl_step(s, BYTES("p\0w"), &ch), SASL_FAIL);
	CHECK_STR(sasl_error(s), "NUL byte in password");
	sasl_destroy(&s);

	s = sasl_create("LOGIN");
	CHECK_INT(sasl_start(s, true, BYTES("t\tim"), &ch), SASL_FAIL);
	CHECK_STR(sasl_error(s), "invalid username");
	sasl_destroy(&s);
	buf_free(&ch);
}

TEST(sasl_call_order)
{
	struct sasl_session *s = sasl_create("PLAIN");
	struct buf ch = BUF_INIT;

	/* step before start */
	CHECK_INT(sasl_step(s, BYTES("\0a\0b"), &ch), SASL_FAIL);
	CHECK_STR(sasl_error(s), "client response out of turn");
	sasl_destroy(&s);

	/* start twice */
	s = sasl_create("PLAIN");
	CHECK_INT(sasl_start(s, false, NULL, 0, &ch), SASL_CONTINUE);
	CHECK_INT(sasl_start(s, false, NULL, 0, &ch), SASL_FAIL);
	sasl_destroy(&s);

	/* password result before it was asked for */
	s = sasl_create("PLAIN");
	CHECK_INT(sasl_start(s, false, NULL, 0, &ch), SASL_CONTINUE);
	CHECK_INT(sasl_set_password_result(s, true), SASL_FAIL);
	sasl_destroy(&s);

	/* SCRAM secret handed to PLAIN */
	CHECK_INT(plain_ir(&s, BYTES("\0a\0b")), SASL_NEED_PASSWORD);
	CHECK_INT(sasl_set_scram_secret(s, NULL, &ch), SASL_FAIL);
	sasl_destroy(&s);

	/* NULL data with a length */
	s = sasl_create("LOGIN");
	CHECK_INT(sasl_start(s, false, NULL, 0, &ch), SASL_CONTINUE);
	CHECK_INT(sasl_step(s, NULL, 3, &ch), SASL_FAIL);
	sasl_destroy(&s);
	buf_free(&ch);
}

/* PLAIN and LOGIN end at the caller's password_verify(): the whole path */
TEST(sasl_plain_with_password_verify)
{
	struct sasl_session *s;
	const char *err, *pw;
	char *hash = NULL;
	size_t len;

	password_set_params(1, 8192);
	CHECK_INT(password_hash("tanstaaf", 8, &hash, &err), 0);

	CHECK_INT(plain_ir(&s, BYTES("\0tim\0tanstaaf")), SASL_NEED_PASSWORD);
	pw = sasl_password(s, &len);
	CHECK_INT(sasl_set_password_result(s, password_verify(hash, pw, len)),
		  SASL_OK);
	sasl_destroy(&s);

	CHECK_INT(plain_ir(&s, BYTES("\0tim\0tanstaaF")), SASL_NEED_PASSWORD);
	pw = sasl_password(s, &len);
	CHECK_INT(sasl_set_password_result(s, password_verify(hash, pw, len)),
		  SASL_FAIL);
	sasl_destroy(&s);

	/* unknown user: NULL hash, same answer as a wrong password */
	CHECK_INT(plain_ir(&s, BYTES("\0nobody\0tanstaaf")), SASL_NEED_PASSWORD);
	pw = sasl_password(s, &len);
	CHECK_INT(sasl_set_password_result(s, password_verify(NULL, pw, len)),
		  SASL_FAIL);
	CHECK_STR(sasl_error(s), "invalid credentials");
	sasl_destroy(&s);
	free(hash);
}
