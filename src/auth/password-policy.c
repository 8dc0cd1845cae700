/* password-policy.c - length and common-password checks for new
 * passwords (contract in password-policy.h) */
#include "auth/password-policy.h"

#include <string.h>
#include <strings.h>

size_t
password_chars(const char *pw, size_t len)
{
	size_t n = 0;

	/* every byte but a UTF-8 continuation byte starts a character */
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)pw[i] & 0xc0) != 0x80)
			n++;
	return n;
}

bool
password_is_common(const char *pw, size_t len)
{
	for (const char *const *c = password_common; *c != NULL; c++)
		if (strlen(*c) == len && strncasecmp(*c, pw, len) == 0)
			return true;
	return false;
}

enum password_verdict
password_policy_check(const char *pw, size_t len, size_t min_chars)
{
	if (password_chars(pw, len) < min_chars)
		return PASSWORD_TOO_SHORT;
	if (password_is_common(pw, len))
		return PASSWORD_COMMON;
	return PASSWORD_OK;
}
