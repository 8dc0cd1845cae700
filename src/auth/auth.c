/* auth.c - login-name normalisation and UTF-8 checks */
#include "auth/auth.h"

#include <string.h>

#include "lib/buf.h"
#include "lib/utf8.h"

bool
auth_utf8_valid(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t cp;

	while (len > 0) {
		size_t n = utf8_next(p, len, &cp);

		if (n == 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

char *
auth_normalize_username(const void *name, size_t len)
{
	const unsigned char *p = name;
	char *out;

	while (len > 0 && (p[0] == ' ' || p[0] == '\t')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len == 0 || len > AUTH_USERNAME_MAX || !auth_utf8_valid(p, len))
		return NULL;
	for (size_t i = 0; i < len; ) {
		uint32_t cp;
		size_t n = utf8_next(p + i, len - i, &cp);

		if (cp < 0x21 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
			return NULL;
		i += n;
	}
	out = xstrndup((const char *)p, len);
	for (char *c = out; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	}
	return out;
}
