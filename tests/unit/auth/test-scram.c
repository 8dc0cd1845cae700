/* test-scram.c - SCRAM-SHA-256 stored secrets */
#include "test.h"

#include <stdlib.h>

#include "auth/scram.h"
#include "lib/base64.h"

/* RFC 7677 section 3: user "user", password "pencil" */
#define RFC_SALT_B64 "W22ZaJ0SNY7soEsUEjb6gQ=="

static void
rfc_salt(struct buf *salt)
{
	CHECK(base64_decode(salt, RFC_SALT_B64, strlen(RFC_SALT_B64)));
}

TEST(auth_scram_secret_format_parse)
{
	struct scram_secret s, p;
	struct buf salt = BUF_INIT;
	const char *err = NULL;
	char *str, *str2;

	rfc_salt(&salt);
	CHECK_INT(scram_secret_derive("pencil", 6, 4096, salt.data, salt.len,
				      &s, &err), 0);
	str = scram_secret_format(&s);
	CHECK(strncmp(str, "SCRAM-SHA-256$4096:" RFC_SALT_B64 "$",
		      strlen("SCRAM-SHA-256$4096:" RFC_SALT_B64 "$")) == 0);
	CHECK(scram_secret_parse(str, &p));
	CHECK_INT(p.iterations, 4096);
	CHECK_INT(p.salt_len, 16);
	CHECK(memcmp(p.salt, s.salt, 16) == 0);
	CHECK(memcmp(p.stored_key, s.stored_key, SCRAM_KEY_LEN) == 0);
	CHECK(memcmp(p.server_key, s.server_key, SCRAM_KEY_LEN) == 0);
	str2 = scram_secret_format(&p);
	CHECK_STR(str2, str);
	CHECK(scram_secret_verify_password(&p, "pencil", 6));
	CHECK(!scram_secret_verify_password(&p, "pencil ", 7));
	CHECK(!scram_secret_verify_password(&p, "", 0));
	scram_secret_wipe(&p);
	CHECK_INT(p.iterations, 0);
	free(str);
	free(str2);
	buf_free(&salt);
}

/* The keys for RFC 7677's example, computed independently (Python
 * hashlib.pbkdf2_hmac + hmac): they make the RFC's proof verify. */
TEST(auth_scram_secret_rfc7677_keys)
{
	struct scram_secret s;
	struct buf salt = BUF_INIT, b = BUF_INIT;
	const char *err = NULL;

	rfc_salt(&salt);
	CHECK_INT(scram_secret_derive("pencil", 6, 4096, salt.data, salt.len,
				      &s, &err), 0);
	base64_encode(&b, s.stored_key, SCRAM_KEY_LEN);
	CHECK_MEM(b.data, b.len, "WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=");
	buf_reset(&b);
	base64_encode(&b, s.server_key, SCRAM_KEY_LEN);
	CHECK_MEM(b.data, b.len, "wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=");
	buf_free(&b);
	buf_free(&salt);
}

TEST(auth_scram_secret_make)
{
	struct scram_secret p;
	const char *err = NULL;
	char *a = NULL, *b = NULL;

	CHECK_INT(scram_secret_make("pencil", 6, 0, &a, &err), 0);
	CHECK(scram_secret_parse(a, &p));
	CHECK_INT(p.iterations, SCRAM_ITERATIONS_DEFAULT);
	CHECK_INT(p.salt_len, SCRAM_SALT_LEN);
	CHECK(scram_secret_verify_password(&p, "pencil", 6));
	CHECK_INT(scram_secret_make("pencil", 6, 4096, &b, &err), 0);
	CHECK(strcmp(a, b) != 0);	/* random salt */
	free(b);
	b = (char *)"x";
	CHECK_INT(scram_secret_make("pencil", 6, 100, &b, &err), -1);
	CHECK(b == NULL);
	CHECK_INT(scram_secret_make("", 0, 0, &b, &err), -1);
	CHECK_STR(err, "password is empty");
	CHECK_INT(scram_secret_make("a\rb", 3, 0, &b, &err), -1);
	free(a);
}

TEST(auth_scram_secret_prep_consistent)
{
	struct scram_secret p;
	const char *err = NULL;
	char *a = NULL;

	/* same prep as the argon2id hash: U+00A0 is a space */
	CHECK_INT(scram_secret_make("a\xc2\xa0" "b", 4, 4096, &a, &err), 0);
	CHECK(scram_secret_parse(a, &p));
	CHECK(scram_secret_verify_password(&p, "a b", 3));
	free(a);
}

TEST(auth_scram_secret_parse_malformed)
{
	static const char *bad[] = {
		"",
		"SCRAM-SHA-1$4096:" RFC_SALT_B64 "$AAAA:AAAA",
		"SCRAM-SHA-256$",
		"SCRAM-SHA-256$4096",
		"SCRAM-SHA-256$04096:" RFC_SALT_B64 "$x:y",
		"SCRAM-SHA-256$0:" RFC_SALT_B64 "$x:y",
		"SCRAM-SHA-256$99999999999:" RFC_SALT_B64 "$x:y",
		"SCRAM-SHA-256$4096:" RFC_SALT_B64,
		"SCRAM-SHA-256$4096:" RFC_SALT_B64 "$",
		"SCRAM-SHA-256$4096:$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="
			":wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
		/* short StoredKey */
		"SCRAM-SHA-256$4096:" RFC_SALT_B64 "$WG5d8oPm3OtcPnkdi4Uo7BkeZkBF"
			":wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
		/* junk in ServerKey */
		"SCRAM-SHA-256$4096:" RFC_SALT_B64 "$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="
			":wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=x",
		"SCRAM-SHA-256$4096:" RFC_SALT_B64 "$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="
			":wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=:",
		"$argon2id$v=19$m=8,t=1,p=1$x$y",
	};
	static const char *good =
		"SCRAM-SHA-256$4096:" RFC_SALT_B64 "$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY="
		":wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=";
	struct scram_secret p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (scram_secret_parse(bad[i], &p))
			test_fail(__FILE__, __LINE__, "parsed: %s", bad[i]);
	}
	CHECK(!scram_secret_parse(NULL, &p));
	CHECK(scram_secret_parse(good, &p));
	CHECK(scram_secret_verify_password(&p, "pencil", 6));
}
