/* idn.c - domain names between their U-label and A-label forms, with
 * libidn2 (IDNA2008 with the UTS #46 non-transitional mapping, as the
 * browsers and the big mail providers use) */
#include "lib/idn.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>

#include "lib/buf.h"

bool
idn_is_idn(const char *s)
{
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return true;
	for (const char *l = s; l != NULL; l = strchr(l, '.'), l = l ? l + 1 : l)
		if (strncasecmp(l, "xn--", 4) == 0)
			return true;
	return false;
}

static char *
lower_copy(const char *s)
{
	char *out = xstrdup(s);

	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

char *
idn_to_ascii(const char *domain)
{
	char *a = NULL, *out;

	if (!idn_is_idn(domain))
		return lower_copy(domain);
	if (idn2_lookup_u8((const uint8_t *)domain, (uint8_t **)&a,
			   IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL) != IDN2_OK)
		return NULL;
	out = lower_copy(a);
	idn2_free(a);
	return out;
}

char *
idn_to_unicode(const char *domain)
{
	char *a, *u = NULL, *out;

	if (!idn_is_idn(domain))
		return lower_copy(domain);
	/* through the A-label form: that checks the name and maps it */
	if ((a = idn_to_ascii(domain)) == NULL)
		return NULL;
	if (idn2_to_unicode_8z8z(a, &u, 0) != IDN2_OK) {
		free(a);
		return NULL;
	}
	free(a);
	out = xstrdup(u);
	idn2_free(u);
	return out;
}
