/* test-password.c - password prep, argon2id hash/verify */
#include "test.h"

#include <pthread.h>
#include <stdlib.h>

#include <sodium.h>

#include "auth/password.h"

/* cheapest argon2id for the tests; one test uses the real defaults */
static void
fast_params(void)
{
	password_set_params(1, 8192);
}

static void
check_prep(const char *in, size_t len, const char *want)
{
	struct buf out = BUF_INIT;
	bool ok = password_prep(in, len, &out);

	if (want == NULL) {
		CHECK(!ok);
		CHECK_INT(out.len, 0);
	} else {
		CHECK(ok);
		CHECK_MEM(out.data, out.len, want);
	}
	buf_free(&out);
}

TEST(auth_password_prep)
{
	check_prep("pencil", 6, "pencil");
	check_prep("pen cil", 7, "pen cil");
	/* U+00A0 NO-BREAK SPACE and U+3000 -> SPACE */
	check_prep("a\xc2\xa0" "b\xe3\x80\x80" "c", 8, "a b c");
	/* U+00AD SOFT HYPHEN and U+FEFF removed */
	check_prep("I\xc2\xad" "X\xef\xbb\xbf", 7, "IX");
	/* non-ASCII kept as is (no NFKC) */
	check_prep("\xc3\xa9t\xc3\xa9", 5, "\xc3\xa9t\xc3\xa9");
	/* Latin-1 bytes, not UTF-8: opaque */
	check_prep("caf\xe9", 4, "caf\xe9");
	/* refused: empty, controls, only mapped-to-nothing, too long */
	check_prep("", 0, NULL);
	check_prep("a\tb", 3, NULL);
	check_prep("a\0b", 3, NULL);
	check_prep("ab\x7f", 3, NULL);
	check_prep("a\xc2\x85", 3, NULL);		/* U+0085 */
	check_prep("a\xe2\x80\xa8", 4, NULL);	/* U+2028 */
	check_prep("caf\xe9\n", 5, NULL);		/* opaque, with LF */
	check_prep("\xc2\xad", 2, NULL);
	{
		char big[PASSWORD_MAX_LEN + 1];
		struct buf out = BUF_INIT;

		memset(big, 'x', sizeof(big));
		CHECK(password_prep(big, PASSWORD_MAX_LEN, &out));
		buf_reset(&out);
		CHECK(!password_prep(big, sizeof(big), &out));
		CHECK_STR(password_prep_reason(big, sizeof(big), &out),
			  "password too long");
		buf_free(&out);
	}
}

TEST(auth_password_hash_verify_roundtrip)
{
	char *h = NULL, *h2 = NULL;
	const char *err = NULL;

	fast_params();
	CHECK_INT(password_hash("pencil", 6, &h, &err), 0);
	CHECK(h != NULL && strncmp(h, "$argon2id$v=19$", 15) == 0);
	CHECK(password_verify(h, "pencil", 6));
	CHECK(!password_verify(h, "pencil2", 7));
	CHECK(!password_verify(h, "Pencil", 6));
	CHECK(!password_verify(h, "pencil", 5));
	CHECK(!password_verify(h, "", 0));
	/* same password, new salt: another hash */
	CHECK_INT(password_hash("pencil", 6, &h2, &err), 0);
	CHECK(strcmp(h, h2) != 0);
	CHECK(password_verify(h2, "pencil", 6));
	CHECK(!password_needs_rehash(h));
	password_set_params(2, 16384);
	CHECK(password_needs_rehash(h));
	fast_params();
	free(h);
	free(h2);
}

TEST(auth_password_non_ascii)
{
	char *h = NULL;
	const char *err = NULL;

	fast_params();
	/* set with a no-break space, typed with a plain one: same */
	CHECK_INT(password_hash("p\xc3\xa4ss\xc2\xa0word", 11, &h, &err), 0);
	CHECK(password_verify(h, "p\xc3\xa4ss word", 10));
	CHECK(password_verify(h, "p\xc3\xa4ss\xc2\xa0word", 11));
	CHECK(!password_verify(h, "pass word", 9));
	free(h);
	/* Latin-1 bytes roundtrip as opaque bytes */
	CHECK_INT(password_hash("gr\xfc\xdf", 4, &h, &err), 0);
	CHECK(password_verify(h, "gr\xfc\xdf", 4));
	CHECK(!password_verify(h, "gr\xc3\xbc\xc3\x9f", 6));
	free(h);
}

TEST(auth_password_hash_refuses)
{
	char *h = (char *)"x";
	const char *err = NULL;

	fast_params();
	CHECK_INT(password_hash("", 0, &h, &err), -1);
	CHECK(h == NULL);
	CHECK_STR(err, "password is empty");
	CHECK_INT(password_hash("a\nb", 3, &h, &err), -1);
	CHECK_STR(err, "password contains a control character");
}

TEST(auth_password_verify_unknown_and_junk)
{
	fast_params();
	CHECK(!password_verify(NULL, "pencil", 6));
	CHECK(!password_verify("", "pencil", 6));
	CHECK(!password_verify("{PLAIN}pencil", "pencil", 6));
	CHECK(!password_verify("$argon2id$v=19$m=8,t=1,p=1$junk", "pencil", 6));
	CHECK(password_needs_rehash(NULL));
	CHECK(password_needs_rehash("{PLAIN}x"));
}

TEST(auth_password_default_cost)
{
	char *h = NULL;
	const char *err = NULL;

	password_set_params(PASSWORD_OPSLIMIT_DEFAULT, PASSWORD_MEMLIMIT_DEFAULT);
	CHECK_INT(password_hash("correct horse", 13, &h, &err), 0);
	CHECK(h != NULL && strstr(h, "$m=19456,t=2,p=1$") != NULL);
	CHECK(password_verify(h, "correct horse", 13));
	CHECK(!password_needs_rehash(h));
	free(h);
	fast_params();
}

struct verify_job {
	const char *hash;
	int right, wrong;
};

static void *
verify_thread(void *arg)
{
	struct verify_job *j = arg;

	for (int i = 0; i < 5; i++) {
		j->right += password_verify(j->hash, "pencil", 6);
		j->wrong += password_verify(i % 2 ? NULL : j->hash, "pencil!", 7);
		j->wrong += password_verify(NULL, "pencil", 6);
	}
	return NULL;
}

/* worker threads verify at once (the dummy hash is made under a lock) */
TEST(auth_password_threads)
{
	pthread_t th[4];
	struct verify_job jobs[4];
	char *h = NULL;
	const char *err;

	password_set_params(1, 8192 * 2);	/* new dummy needed */
	CHECK_INT(password_hash("pencil", 6, &h, &err), 0);
	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct verify_job){ h, 0, 0 };
		CHECK_INT(pthread_create(&th[i], NULL, verify_thread, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_INT(jobs[i].right, 5);
		CHECK_INT(jobs[i].wrong, 0);
	}
	free(h);
	fast_params();
}
