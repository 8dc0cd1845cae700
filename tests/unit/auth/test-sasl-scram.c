/* test-sasl-scram.c - SASL SCRAM-SHA-256: RFC 7677 exchange, a client
 * written here for other cases, unknown users, malformed messages */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "auth/sasl.h"
#include "auth/scram.h"
#include "lib/base64.h"

#define BYTES(s) (const unsigned char *)(s), sizeof(s) - 1
#define RFC_SECRET "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==" \
	"$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=" \
	":wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
#define RFC_NONCE "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"

/* RFC 7677 section 3, message by message */
TEST(sasl_scram_rfc7677_exchange)
{
	struct sasl_session *s = sasl_create("SCRAM-SHA-256");
	struct buf ch = BUF_INIT;

	sasl_test_set_nonce(s, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
	CHECK_INT(sasl_start(s, true, BYTES("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"),
			     &ch), SASL_NEED_SCRAM_SECRET);
	CHECK_STR(sasl_username(s), "user");
	CHECK_INT(ch.len, 0);
	CHECK_INT(sasl_set_scram_secret(s, RFC_SECRET, &ch), SASL_CONTINUE);
	CHECK_MEM(ch.data, ch.len, "r=" RFC_NONCE
		  ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
	buf_reset(&ch);
	CHECK_INT(sasl_step(s, BYTES("c=biws,r=" RFC_NONCE
		  ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="), &ch),
		  SASL_CONTINUE);
	CHECK_MEM(ch.data, ch.len,
		  "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
	buf_reset(&ch);
	CHECK_INT(sasl_step(s, NULL, 0, &ch), SASL_OK);
	CHECK_STR(sasl_username(s), "user");
	CHECK(sasl_error(s) == NULL);
	sasl_destroy(&s);
	buf_free(&ch);
}

/* the same exchange, without an initial response */
TEST(sasl_scram_rfc7677_no_initial_response)
{
	struct sasl_session *s = sasl_create("scram-sha-256");
	struct buf ch = BUF_INIT;

	sasl_test_set_nonce(s, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
	CHECK_INT(sasl_start(s, false, NULL, 0, &ch), SASL_CONTINUE);
	CHECK_INT(ch.len, 0);
	CHECK_INT(sasl_step(s, BYTES("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), &ch),
		  SASL_NEED_SCRAM_SECRET);
	CHECK_INT(sasl_set_scram_secret(s, RFC_SECRET, &ch), SASL_CONTINUE);
	buf_reset(&ch);
	CHECK_INT(sasl_step(s, BYTES("c=biws,r=" RFC_NONCE
		  ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="), &ch),
		  SASL_CONTINUE);
	buf_reset(&ch);
	/* a non-empty answer to v= is refused */
	CHECK_INT(sasl_step(s, BYTES("x"), &ch), SASL_FAIL);
	CHECK(sasl_error(s) != NULL);
	sasl_destroy(&s);
	buf_free(&ch);
}

/* the RFC's proof with a wrong stored secret: invalid credentials */
TEST(sasl_scram_rfc7677_wrong_password)
{
	struct sasl_session *s = sasl_create("SCRAM-SHA-256");
	struct buf ch = BUF_INIT;
	const char *err;
	char *other = NULL;

	CHECK_INT(scram_secret_make("pencil2", 7, 4096, &other, &err), 0);
	sasl_test_set_nonce(s, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
	CHECK_INT(sasl_start(s, true, BYTES("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"),
			     &ch), SASL_NEED_SCRAM_SECRET);
	CHECK_INT(sasl_set_scram_secret(s, other, &ch), SASL_CONTINUE);
	buf_reset(&ch);
	CHECK_INT(sasl_step(s, BYTES("c=biws,r=" RFC_NONCE
		  ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="), &ch),
		  SASL_FAIL);
	CHECK_STR(sasl_error(s), "invalid credentials");
	CHECK_INT(ch.len, 0);
	sasl_destroy(&s);
	buf_free(&ch);
	free(other);
}

/* ---- a small SCRAM client ---- */

struct client {
	const char *password;
	struct buf first_bare;
	struct buf gs2;
	char server_sig_b64[64];
};

static void
hmac(const void *key, size_t klen, const void *d, size_t n,
     unsigned char out[32])
{
	scram_hmac(key, klen, d, n, out);
}

/* value of attribute `a` in a server-first message */
static bool
attr(const struct buf *m, char a, struct buf *out)
{
	size_t i = 0;

	while (i + 2 <= m->len) {
		size_t j = i;

		while (j < m->len && m->data[j] != ',')
			j++;
		if (m->data[i] == a && m->data[i + 1] == '=') {
			buf_append(out, m->data + i + 2, j - i - 2);
			return true;
		}
		i = j + 1;
	}
	return false;
}

/* client-final for the server-first in sf; extra goes before ",p=" */
static void
client_final(struct client *c, const struct buf *sf, const char *extra,
	     struct buf *out)
{
	struct buf nonce = BUF_INIT, salt64 = BUF_INIT, salt = BUF_INIT;
	struct buf iter = BUF_INIT, msg = BUF_INIT;
	unsigned char sp[32], ck[32], sk[32], cs[32], svk[32], ss[32];
	unsigned char proof[32];
	size_t start = out->len;

	CHECK(attr(sf, 'r', &nonce));
	CHECK(attr(sf, 's', &salt64));
	CHECK(attr(sf, 'i', &iter));
	CHECK(base64_decode(&salt, salt64.data, salt64.len));
	CHECK(PKCS5_PBKDF2_HMAC(c->password, (int)strlen(c->password),
				salt.data, (int)salt.len,
				atoi(buf_cstr(&iter)), EVP_sha256(), 32, sp));
	hmac(sp, 32, "Client Key", 10, ck);
	scram_hash(ck, 32, sk);
	hmac(sp, 32, "Server Key", 10, svk);

	buf_append_str(out, "c=");
	base64_encode(out, c->gs2.data, c->gs2.len);
	buf_append_str(out, ",r=");
	buf_append(out, nonce.data, nonce.len);
	if (extra != NULL)
		buf_append_str(out, extra);
	buf_append(&msg, c->first_bare.data, c->first_bare.len);
	buf_append_byte(&msg, ',');
	buf_append(&msg, sf->data, sf->len);
	buf_append_byte(&msg, ',');
	buf_append(&msg, out->data + start, out->len - start);
	hmac(sk, 32, msg.data, msg.len, cs);
	for (int i = 0; i < 32; i++)
		proof[i] = ck[i] ^ cs[i];
	hmac(svk, 32, msg.data, msg.len, ss);
	{
		struct buf v = BUF_INIT;

		base64_encode(&v, ss, 32);
		snprintf(c->server_sig_b64, sizeof(c->server_sig_b64), "v=%s",
			 buf_cstr(&v));
		buf_free(&v);
	}
	buf_append_str(out, ",p=");
	base64_encode(out, proof, 32);
	buf_free(&nonce);
	buf_free(&salt64);
	buf_free(&salt);
	buf_free(&iter);
	buf_free(&msg);
}

/* a full exchange: gs2 header, bare client-first, the stored secret
 * (NULL: unknown user), the password the client uses. Returns the last
 * result; *s is left for the caller to inspect and destroy. */
static enum sasl_result
exchange(struct sasl_session **sp, const char *gs2, const char *bare,
	 const char *secret, const char *password, const char *extra)
{
	struct client c = { password, BUF_INIT, BUF_INIT, "" };
	struct buf ch = BUF_INIT, msg = BUF_INIT;
	enum sasl_result r;

	*sp = sasl_create("SCRAM-SHA-256");
	buf_append_str(&c.gs2, gs2);
	buf_append_str(&c.first_bare, bare);
	buf_append_str(&msg, gs2);
	buf_append_str(&msg, bare);
	r = sasl_start(*sp, true, msg.data, msg.len, &ch);
	if (r != SASL_NEED_SCRAM_SECRET)
		goto out;
	r = sasl_set_scram_secret(*sp, secret, &ch);
	if (r != SASL_CONTINUE)
		goto out;
	buf_reset(&msg);
	client_final(&c, &ch, extra, &msg);
	buf_reset(&ch);
	r = sasl_step(*sp, msg.data, msg.len, &ch);
	if (r != SASL_CONTINUE)
		goto out;
	CHECK_MEM(ch.data, ch.len, c.server_sig_b64);
	r = sasl_step(*sp, NULL, 0, &ch);
out:
	buf_free(&ch);
	buf_free(&msg);
	buf_free(&c.gs2);
	buf_free(&c.first_bare);
	return r;
}

static char *
secret_for(const char *pw)
{
	const char *err;
	char *secret = NULL;

	CHECK_INT(scram_secret_make(pw, strlen(pw), 4096, &secret, &err), 0);
	return secret;
}

TEST(sasl_scram_client_roundtrip)
{
	struct sasl_session *s;
	char *secret = secret_for("s3cret pass");

	CHECK_INT(exchange(&s, "n,,", "n=bob@Example.COM,r=abcdef", secret,
			   "s3cret pass", NULL), SASL_OK);
	CHECK_STR(sasl_username(s), "bob@example.com");
	sasl_destroy(&s);
	/* "y,,": client could bind but thinks we can't: fine */
	CHECK_INT(exchange(&s, "y,,", "n=bob,r=abcdef", secret,
			   "s3cret pass", NULL), SASL_OK);
	sasl_destroy(&s);
	/* authzid equal to the username */
	CHECK_INT(exchange(&s, "n,a=bob@example.com,",
			   "n=bob@EXAMPLE.com,r=x", secret, "s3cret pass",
			   NULL), SASL_OK);
	sasl_destroy(&s);
	/* escaped username: "a,b=c" */
	CHECK_INT(exchange(&s, "n,,", "n=a=2Cb=3Dc,r=x", secret,
			   "s3cret pass", NULL), SASL_OK);
	CHECK_STR(sasl_username(s), "a,b=c");
	sasl_destroy(&s);
	/* optional extensions in both messages are ignored */
	CHECK_INT(exchange(&s, "n,,", "n=bob,r=x,x=ext", secret,
			   "s3cret pass", ",z=ext"), SASL_OK);
	sasl_destroy(&s);
	/* wrong password */
	CHECK_INT(exchange(&s, "n,,", "n=bob,r=abcdef", secret, "s3cret pas",
			   NULL), SASL_FAIL);
	CHECK_STR(sasl_error(s), "invalid credentials");
	CHECK_STR(sasl_username(s), "bob");
	sasl_destroy(&s);
	free(secret);
}

TEST(sasl_scram_unknown_user_is_indistinguishable)
{
	struct sasl_session *s;
	struct buf ch1 = BUF_INIT, ch2 = BUF_INIT, ch3 = BUF_INIT;
	struct buf salt = BUF_INIT;
	size_t cut;

	/* the exchange runs to the proof, which fails like a bad password */
	CHECK_INT(exchange(&s, "n,,", "n=ghost@example.com,r=abc", NULL,
			   "whatever", NULL), SASL_FAIL);
	CHECK_STR(sasl_error(s), "invalid credentials");
	sasl_destroy(&s);

	/* the fake salt is stable per name, differs between names, and the
	 * iteration count is the default one */
	s = sasl_create("SCRAM-SHA-256");
	sasl_test_set_nonce(s, "N");
	CHECK_INT(sasl_start(s, true, BYTES("n,,n=ghost,r=abc"), &ch1),
		  SASL_NEED_SCRAM_SECRET);
	CHECK_INT(sasl_set_scram_secret(s, NULL, &ch1), SASL_CONTINUE);
	sasl_destroy(&s);
	s = sasl_create("SCRAM-SHA-256");
	sasl_test_set_nonce(s, "N");
	CHECK_INT(sasl_start(s, true, BYTES("n,,n=ghost,r=abc"), &ch2),
		  SASL_NEED_SCRAM_SECRET);
	CHECK_INT(sasl_set_scram_secret(s, NULL, &ch2), SASL_CONTINUE);
	sasl_destroy(&s);
	s = sasl_create("SCRAM-SHA-256");
	sasl_test_set_nonce(s, "N");
	CHECK_INT(sasl_start(s, true, BYTES("n,,n=ghost2,r=abc"), &ch3),
		  SASL_NEED_SCRAM_SECRET);
	CHECK_INT(sasl_set_scram_secret(s, NULL, &ch3), SASL_CONTINUE);
	sasl_destroy(&s);
	CHECK(ch1.len == ch2.len && memcmp(ch1.data, ch2.data, ch1.len) == 0);
	CHECK(ch1.len != ch3.len || memcmp(ch1.data, ch3.data, ch1.len) != 0);
	/* r=abcN,s=<24 chars>,i=10000 */
	CHECK(ch1.len > 9 && memcmp(ch1.data, "r=abcN,s=", 9) == 0);
	cut = 9;
	while (cut < ch1.len && ch1.data[cut] != ',')
		cut++;
	CHECK(base64_decode(&salt, ch1.data + 9, cut - 9));
	CHECK_INT(salt.len, SCRAM_SALT_LEN);
	CHECK_MEM(ch1.data + cut, ch1.len - cut, ",i=10000");
	buf_free(&ch1);
	buf_free(&ch2);
	buf_free(&ch3);
	buf_free(&salt);
}

TEST(sasl_scram_random_nonce)
{
	struct sasl_session *s = sasl_create("SCRAM-SHA-256");
	struct buf ch = BUF_INIT;

	CHECK_INT(sasl_start(s, true, BYTES("n,,n=user,r=cnonce"), &ch),
		  SASL_NEED_SCRAM_SECRET);
	CHECK_INT(sasl_set_scram_secret(s, RFC_SECRET, &ch), SASL_CONTINUE);
	/* r=cnonce + 24 base64 characters */
	CHECK(ch.len > 8 + 24 && memcmp(ch.data, "r=cnonce", 8) == 0 &&
	      ch.data[8 + 24] == ',');
	sasl_destroy(&s);
	buf_free(&ch);
}

TEST(sasl_scram_malformed_client_first)
{
	static const struct {
		const char *msg;
		const char *error;
	} bad[] = {
		{ "", "SCRAM: empty client-first-message" },
		{ "p=tls-unique,,n=user,r=abc", "SCRAM: channel binding not supported" },
		{ "x,,n=user,r=abc", "SCRAM: bad gs2 header" },
		{ "n,n=user,r=abc", "SCRAM: bad gs2 header" },
		{ "n", "SCRAM: bad gs2 header" },
		{ "n,a=,n=user,r=abc", "SCRAM: bad authzid" },
		{ "n,a=bob", "SCRAM: bad gs2 header" },
		{ "n,a=other,n=user,r=abc",
		  "authorization identity differs from username" },
		{ "n,,m=ext,n=user,r=abc", "SCRAM: mandatory extension not supported" },
		{ "n,,r=abc,n=user", "SCRAM: missing username" },
		{ "n,,n=,r=abc", "SCRAM: bad username" },
		{ "n,,n=us=2Xer,r=abc", "SCRAM: bad username" },
		{ "n,,n=user=,r=abc", "SCRAM: bad username" },
		{ "n,,n=us er,r=abc", "invalid username" },
		{ "n,,n=user", "SCRAM: missing nonce" },
		{ "n,,n=user,s=abc", "SCRAM: missing nonce" },
		{ "n,,n=user,r=", "SCRAM: bad nonce length" },
		{ "n,,n=user,r=ab c", "SCRAM: bad nonce character" },
		{ "n,,n=user,r=abc,", "SCRAM: bad extension" },
		{ "n,,n=user,r=abc,1=x", "SCRAM: bad extension" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sasl_session *s = sasl_create("SCRAM-SHA-256");
		struct buf ch = BUF_INIT;
		enum sasl_result r;

		r = sasl_start(s, true, (const unsigned char *)bad[i].msg,
			       strlen(bad[i].msg), &ch);
		if (r != SASL_FAIL || sasl_error(s) == NULL ||
		    strcmp(sasl_error(s), bad[i].error) != 0)
			test_fail(__FILE__, __LINE__, "\"%s\": %d %s, want %s",
				  bad[i].msg, r, sasl_error(s) ? sasl_error(s) :
				  "(null)", bad[i].error);
		CHECK_INT(ch.len, 0);
		sasl_destroy(&s);
		buf_free(&ch);
	}
	/* a NUL inside the username */
	{
		struct sasl_session *s = sasl_create("SCRAM-SHA-256");
		struct buf ch = BUF_INIT;

		CHECK_INT(sasl_start(s, true, BYTES("n,,n=us\0er,r=abc"), &ch),
			  SASL_FAIL);
		sasl_destroy(&s);
		buf_free(&ch);
	}
	/* an over-long nonce */
	{
		struct sasl_session *s = sasl_create("SCRAM-SHA-256");
		struct buf ch = BUF_INIT, m = BUF_INIT;

		buf_append_str(&m, "n,,n=user,r=");
		for (int i = 0; i < 513; i++)
			buf_append_byte(&m, 'x');
		CHECK_INT(sasl_start(s, true, m.data, m.len, &ch), SASL_FAIL);
		CHECK_STR(sasl_error(s), "SCRAM: bad nonce length");
		sasl_destroy(&s);
		buf_free(&ch);
		buf_free(&m);
	}
}

/* client-final variations against the RFC exchange */
static enum sasl_result
rfc_final(const char *final, const char **error_r)
{
	static char err[128];
	struct sasl_session *s = sasl_create("SCRAM-SHA-256");
	struct buf ch = BUF_INIT;
	enum sasl_result r;

	sasl_test_set_nonce(s, "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
	CHECK_INT(sasl_start(s, true, BYTES("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"),
			     &ch), SASL_NEED_SCRAM_SECRET);
	CHECK_INT(sasl_set_scram_secret(s, RFC_SECRET, &ch), SASL_CONTINUE);
	buf_reset(&ch);
	r = sasl_step(s, (const unsigned char *)final, strlen(final), &ch);
	snprintf(err, sizeof(err), "%s", sasl_error(s) ? sasl_error(s) : "");
	*error_r = err;
	if (r == SASL_FAIL)
		CHECK_INT(ch.len, 0);
	sasl_destroy(&s);
	buf_free(&ch);
	return r;
}

TEST(sasl_scram_malformed_client_final)
{
	static const struct {
		const char *msg;
		const char *error;
	} bad[] = {
		{ "", "SCRAM: missing channel binding" },
		{ "r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  "SCRAM: missing channel binding" },
		/* "eSws" is "y,,": not what the client sent first */
		{ "c=eSws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  "SCRAM: channel binding mismatch" },
		{ "c=biw,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  "SCRAM: channel binding mismatch" },
		{ "c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  "SCRAM: missing nonce" },
		{ "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  "SCRAM: nonce mismatch" },
		{ "c=biws,r=" RFC_NONCE "X,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  "SCRAM: nonce mismatch" },
		{ "c=biws,r=" RFC_NONCE, "SCRAM: missing proof" },
		{ "c=biws,r=" RFC_NONCE ",p=", "SCRAM: bad proof" },
		{ "c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9", "SCRAM: bad proof" },
		{ "c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ",
		  "SCRAM: bad proof" },
		{ "c=biws,r=" RFC_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=,x=y",
		  "SCRAM: proof is not last" },
		{ "c=biws,r=" RFC_NONCE ",,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  "SCRAM: bad attribute" },
		/* a valid-looking proof that is not the right one */
		{ "c=biws,r=" RFC_NONCE ",p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  "invalid credentials" },
		/* an extension changes AuthMessage: the RFC proof no longer fits */
		{ "c=biws,r=" RFC_NONCE ",x=1,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		  "invalid credentials" },
	};
	const char *err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum sasl_result r = rfc_final(bad[i].msg, &err);

		if (r != SASL_FAIL || strcmp(err, bad[i].error) != 0)
			test_fail(__FILE__, __LINE__, "\"%s\": %d %s, want %s",
				  bad[i].msg, r, err, bad[i].error);
	}
	CHECK_INT(rfc_final("c=biws,r=" RFC_NONCE
			    ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
			    &err), SASL_CONTINUE);
}

TEST(sasl_scram_bad_stored_secret)
{
	struct sasl_session *s = sasl_create("SCRAM-SHA-256");
	struct buf ch = BUF_INIT;

	CHECK_INT(sasl_start(s, true, BYTES("n,,n=user,r=abc"), &ch),
		  SASL_NEED_SCRAM_SECRET);
	CHECK_INT(sasl_set_scram_secret(s, "$argon2id$v=19$...", &ch),
		  SASL_FAIL);
	CHECK_STR(sasl_error(s), "SCRAM: stored secret does not parse");
	sasl_destroy(&s);

	/* stepping instead of handing the secret over */
	s = sasl_create("SCRAM-SHA-256");
	CHECK_INT(sasl_start(s, true, BYTES("n,,n=user,r=abc"), &ch),
		  SASL_NEED_SCRAM_SECRET);
	CHECK_INT(sasl_step(s, NULL, 0, &ch), SASL_FAIL);
	sasl_destroy(&s);
	buf_free(&ch);
}

TEST(sasl_scram_step_limit)
{
	struct sasl_session *s = sasl_create("SCRAM-SHA-256");
	struct buf ch = BUF_INIT;

	/* a client that never answers the empty challenge with data can't
	 * loop: the first empty client-first fails */
	CHECK_INT(sasl_start(s, false, NULL, 0, &ch), SASL_CONTINUE);
	CHECK_INT(sasl_step(s, NULL, 0, &ch), SASL_FAIL);
	sasl_destroy(&s);
	buf_free(&ch);
}
