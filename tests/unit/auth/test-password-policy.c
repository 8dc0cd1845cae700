/* test-password-policy.c - new passwords: length in characters, the
 * common-password list */
#include "test.h"
#include "auth/password-policy.h"

#include <string.h>

#define S(s) (s), strlen(s)

TEST(password_chars_counts_characters)
{
	CHECK_INT(password_chars(S("")), 0);
	CHECK_INT(password_chars(S("abcdefgh")), 8);
	/* two-byte, three-byte and four-byte characters */
	CHECK_INT(password_chars(S("\xc3\xa4\xc3\xb6\xc3\xbc")), 3);
	CHECK_INT(password_chars(S("\xe6\x97\xa5\xe6\x9c\xac")), 2);
	CHECK_INT(password_chars(S("\xf0\x9f\x94\x91x")), 2);
	/* a stray continuation byte alone is no character of its own */
	CHECK_INT(password_chars(S("\xff\xfe")), 2);
}

TEST(password_policy_verdicts)
{
	CHECK_INT(password_policy_check(S("short"), 8), PASSWORD_TOO_SHORT);
	CHECK_INT(password_policy_check(S("1234567"), 8), PASSWORD_TOO_SHORT);
	CHECK_INT(password_policy_check(S("password"), 8), PASSWORD_COMMON);
	CHECK_INT(password_policy_check(S("PassWord1"), 8), PASSWORD_COMMON);
	CHECK_INT(password_policy_check(S("trustno1"), 8), PASSWORD_COMMON);
	CHECK_INT(password_policy_check(S("correct horse battery"), 8), PASSWORD_OK);
	/* a short common one is refused for its length first */
	CHECK_INT(password_policy_check(S("qwerty"), 8), PASSWORD_TOO_SHORT);
	CHECK_INT(password_policy_check(S("qwerty"), 6), PASSWORD_COMMON);
	/* a prefix of a listed password is not listed */
	CHECK(!password_is_common(S("passwor")));
	CHECK(!password_is_common("password\0x", 10));
}

TEST(password_common_list_is_sane)
{
	size_t n = 0;

	for (const char *const *c = password_common; *c; c++, n++)
		CHECK(**c != '\0');
	CHECK(n >= 300 && n <= 2000);
}
