/* dns-mx.c - MX record parsing and ordering, address literals (pure) */
#include "dns/dns.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
dns_name_to_text(const unsigned char *p, size_t len, char *out,
		 size_t outsize)
{
	size_t i = 0, o = 0;

	if (outsize == 0)
		return false;
	for (;;) {
		size_t l;

		if (i >= len)
			return false;
		l = p[i++];
		if (l == 0)
			break;
		if (l > 63 || i + l > len)
			return false;	/* compression pointers never here */
		if (o != 0) {
			if (o + 1 >= outsize)
				return false;
			out[o++] = '.';
		}
		if (o + l >= outsize || o + l > 253)
			return false;
		for (size_t k = 0; k < l; k++) {
			unsigned char c = p[i + k];

			/* a host name is letters, digits, '-', '_' */
			if (!isalnum(c) && c != '-' && c != '_')
				return false;
			out[o++] = (char)tolower(c);
		}
		i += l;
	}
	out[o] = '\0';
	return true;
}

bool
dns_mx_parse(const unsigned char *rdata, size_t len, struct dns_mx *mx)
{
	if (len < 3)
		return false;
	mx->pref = (uint16_t)(rdata[0] << 8 | rdata[1]);
	return dns_name_to_text(rdata + 2, len - 2, mx->name,
				sizeof(mx->name));
}

static uint32_t
dns_mx_default_rnd(void *arg, uint32_t bound)
{
	return arc4random_uniform(bound);
}

static int
dns_mx_cmp(const void *a, const void *b)
{
	const struct dns_mx *x = a, *y = b;

	return (int)x->pref - (int)y->pref;
}

bool
dns_mx_order(struct dns_mx *v, size_t *n,
	     uint32_t (*rnd)(void *arg, uint32_t bound), void *arg)
{
	size_t i, j, k;

	if (*n == 1 && v[0].name[0] == '\0')
		return true;
	/* a "." among real exchangers is ignored */
	for (i = j = 0; i < *n; i++)
		if (v[i].name[0] != '\0')
			v[j++] = v[i];
	*n = j;
	if (rnd == NULL)
		rnd = dns_mx_default_rnd;
	qsort(v, *n, sizeof(*v), dns_mx_cmp);
	/* Fisher-Yates within each run of equal preference */
	for (i = 0; i < *n; i = j) {
		for (j = i + 1; j < *n && v[j].pref == v[i].pref; j++)
			;
		for (k = j - 1; k > i; k--) {
			size_t r = i + rnd(arg, (uint32_t)(k - i + 1));
			struct dns_mx t = v[k];

			v[k] = v[r];
			v[r] = t;
		}
	}
	return false;
}

bool
dns_parse_literal(const char *domain, struct dns_addr *out)
{
	size_t len = strlen(domain);
	char tmp[64];

	if (len < 3 || domain[0] != '[' || domain[len - 1] != ']' ||
	    len - 2 >= sizeof(tmp))
		return false;
	memcpy(tmp, domain + 1, len - 2);
	tmp[len - 2] = '\0';
	memset(out, 0, sizeof(*out));
	if (strncasecmp(tmp, "IPv6:", 5) == 0) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;

		if (inet_pton(AF_INET6, tmp + 5, &s6->sin6_addr) != 1)
			return false;
		s6->sin6_family = AF_INET6;
		out->len = sizeof(*s6);
		inet_ntop(AF_INET6, &s6->sin6_addr, out->text,
			  sizeof(out->text));
		return true;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;

		if (inet_pton(AF_INET, tmp, &s4->sin_addr) != 1)
			return false;
		s4->sin_family = AF_INET;
		out->len = sizeof(*s4);
		inet_ntop(AF_INET, &s4->sin_addr, out->text,
			  sizeof(out->text));
		return true;
	}
}

bool
dns_parse_forwarder(const char *s, char *ip, size_t ipsize, int *port)
{
	const char *at = strchr(s, '@');
	size_t len = at ? (size_t)(at - s) : strlen(s);
	unsigned char tmp[sizeof(struct in6_addr)];

	if (len == 0 || len >= ipsize)
		return false;
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET, ip, tmp) != 1 &&
	    inet_pton(AF_INET6, ip, tmp) != 1)
		return false;
	*port = 53;
	if (at) {
		char *end;
		long p = strtol(at + 1, &end, 10);

		if (at[1] == '\0' || *end != '\0' || p < 1 || p > 65535)
			return false;
		*port = (int)p;
	}
	return true;
}
