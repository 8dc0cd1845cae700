/* password-policy.h - what `tern account add/passwd` accepts as a new
 * password: at least auth.min_password_length characters (NIST SP
 * 800-63B 5.1.1.2 asks for 8 and a check against commonly used
 * passwords), and a warning for one of the most common passwords. */
#ifndef TERN_PASSWORD_POLICY_H
#define TERN_PASSWORD_POLICY_H

#include <stdbool.h>
#include <stddef.h>

enum password_verdict {
	PASSWORD_OK,
	PASSWORD_COMMON,	/* accepted, but say it is a common one */
	PASSWORD_TOO_SHORT,	/* refused */
};

/* the list (password-common.c), NULL-terminated */
extern const char *const password_common[];

/* characters in pw: UTF-8 code points, a stray byte counting as one */
size_t password_chars(const char *pw, size_t len);
/* pw is in password_common, ignoring ASCII case */
bool password_is_common(const char *pw, size_t len);
/* the verdict for a new password */
enum password_verdict password_policy_check(const char *pw, size_t len,
					    size_t min_chars);

#endif
