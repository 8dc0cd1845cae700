/* relay-util.c - backoff schedule, destination keys (pure) */
#include "smtp/relay.h"
#include "lib/buf.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

uint64_t
relay_backoff_ms(uint32_t attempts, uint64_t min_ms, uint64_t max_ms)
{
	uint64_t d = min_ms;

	if (attempts == 0)
		attempts = 1;
	for (uint32_t i = 1; i < attempts && d < max_ms; i++)
		d = d > UINT64_MAX / 2 ? UINT64_MAX : d * 2;
	return d > max_ms ? max_ms : d;
}

char *
relay_dest_of(const char *address)
{
	const char *at = strrchr(address, '@');
	char *d;

	if (at == NULL || at[1] == '\0')
		return NULL;
	d = xstrdup(at + 1);
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return d;
}

int
relay_domain_listed(const char *list, const char *domain)
{
	size_t dl = strlen(domain);

	while (list && *list) {
		size_t n;

		while (*list == ' ' || *list == ',' || *list == '\t')
			list++;
		n = strcspn(list, " ,\t");
		if (n > 0 && n == dl && strncasecmp(list, domain, n) == 0)
			return 1;
		list += n;
	}
	return 0;
}
