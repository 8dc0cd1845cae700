/* auth.c - login-name normalisation and UTF-8 checks */
#include "auth/auth.h"

#include <string.h>

#include "lib/buf.h"

size_t
auth_utf8_next(const unsigned char *p, size_t len, uint32_t *cp_r)
{
	uint32_t cp, min;
	size_t n;

	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
		min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
		min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return n;
}

bool
auth_utf8_valid(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t cp;

	while (len > 0) {
		size_t n = auth_utf8_next(p, len, &cp);

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
		size_t n = auth_utf8_next(p + i, len - i, &cp);

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
