/* test-auth.c - login-name normalisation and UTF-8 checks */
#include "test.h"

#include <stdlib.h>

#include "auth/auth.h"

static void
check_norm(const char *in, const char *want)
{
	char *out = auth_normalize_username(in, strlen(in));

	if (want == NULL) {
		if (out != NULL)
			test_fail(__FILE__, __LINE__, "\"%s\" -> \"%s\", want NULL",
				  in, out);
	} else {
		CHECK_STR(out, want);
	}
	free(out);
}

TEST(auth_normalize_username_cases)
{
	check_norm("user@example.com", "user@example.com");
	check_norm("User@Example.COM", "user@example.com");
	check_norm("  user@EXAMPLE.org\t", "user@example.org");
	check_norm("\"A@B\"@EX.com", "\"a@b\"@ex.com");
	check_norm("PostMaster", "postmaster");
	check_norm("J\xc3\xb6rg@B\xc3\x9c" "CHER.de", "j\xc3\xb6rg@b\xc3\x9c" "cher.de");
	check_norm("", NULL);
	check_norm("   ", NULL);
	check_norm("us er@example.com", NULL);
	check_norm("user\r\n@example.com", NULL);
	check_norm("user\x7f@example.com", NULL);
	check_norm("user\xc2\x85@example.com", NULL);	/* U+0085 NEL */
	check_norm("user\xff@example.com", NULL);	/* not UTF-8 */
	check_norm("user\xc0\xaf@example.com", NULL);	/* overlong */
}

TEST(auth_normalize_username_nul_and_length)
{
	char big[AUTH_USERNAME_MAX + 2];
	char *out;

	out = auth_normalize_username("a\0b@x", 5);
	CHECK(out == NULL);
	memset(big, 'a', sizeof(big));
	big[10] = '@';
	out = auth_normalize_username(big, AUTH_USERNAME_MAX);
	CHECK(out != NULL && strlen(out) == AUTH_USERNAME_MAX);
	free(out);
	out = auth_normalize_username(big, AUTH_USERNAME_MAX + 1);
	CHECK(out == NULL);
}

TEST(auth_utf8_validation)
{
	uint32_t cp = 0;

	CHECK(auth_utf8_valid("", 0));
	CHECK(auth_utf8_valid("abc", 3));
	CHECK(auth_utf8_valid("\xe2\x82\xac", 3));		/* U+20AC */
	CHECK(auth_utf8_valid("\xf0\x9f\x98\x80", 4));		/* U+1F600 */
	CHECK(!auth_utf8_valid("\xe2\x82", 2));			/* truncated */
	CHECK(!auth_utf8_valid("\xed\xa0\x80", 3));		/* surrogate */
	CHECK(!auth_utf8_valid("\xf4\x90\x80\x80", 4));		/* > 10FFFF */
	CHECK(!auth_utf8_valid("\xe0\x80\xaf", 3));		/* overlong */
	CHECK(!auth_utf8_valid("\x80", 1));
	CHECK_INT(utf8_next((const unsigned char *)"\xc3\xa9", 2, &cp), 2);
	CHECK_INT(cp, 0xe9);
	CHECK_INT(utf8_next((const unsigned char *)"x", 0, &cp), 0);
}
