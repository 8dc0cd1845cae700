/* relay-util.c - backoff schedule, destination keys (pure) */
#include "relay/relay.h"
#include "lib/buf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
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

int
relay_parse_smarthost(const char *s, int default_port, char **lookup_r,
		      int *port_r)
{
	char host[256];
	const char *end, *portp = NULL;
	unsigned char tmp[16];
	size_t len;

	*lookup_r = NULL;
	*port_r = default_port;
	if (s == NULL || *s == '\0')
		return -1;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return -1;
		len = (size_t)(end - s - 1);
		s++;
		if (end[1] == ':')
			portp = end + 2;
	} else {
		const char *c = strchr(s, ':');

		if (c && strchr(c + 1, ':'))
			return -1;	/* bare IPv6: needs brackets */
		len = c ? (size_t)(c - s) : strlen(s);
		if (c)
			portp = c + 1;
	}
	if (len == 0 || len >= sizeof(host))
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	if (portp) {
		char *e;
		long p = strtol(portp, &e, 10);

		if (*portp == '\0' || *e != '\0' || p < 1 || p > 65535)
			return -1;
		*port_r = (int)p;
	}
	if (inet_pton(AF_INET, host, tmp) == 1) {
		*lookup_r = xasprintf("[%s]", host);
	} else if (inet_pton(AF_INET6, host, tmp) == 1) {
		*lookup_r = xasprintf("[IPv6:%s]", host);
	} else {
		for (size_t i = 0; i < len; i++)
			if (!isalnum((unsigned char)host[i]) && host[i] != '-' &&
			    host[i] != '.' && host[i] != '_')
				return -1;
		*lookup_r = xstrdup(host);
	}
	return 0;
}
