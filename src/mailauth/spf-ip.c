/* spf-ip.c - the client address as SPF sees it: IPv4-mapped IPv6 is
 * IPv4 (RFC 7208 5), prefixes, reverse and macro forms. */
#include "mailauth/spf-ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

bool
spf_ip_parse(struct spf_ip *ip, const char *text)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };

	memset(ip, 0, sizeof(*ip));
	if (text == NULL)
		return false;
	if (inet_pton(AF_INET, text, ip->b) == 1)
		return true;
	if (inet_pton(AF_INET6, text, ip->b) != 1)
		return false;
	if (memcmp(ip->b, mapped, 12) == 0) {
		memmove(ip->b, ip->b + 12, 4);
		memset(ip->b + 4, 0, 12);
		return true;
	}
	ip->v6 = true;
	return true;
}

bool
spf_ip_match(const struct spf_ip *ip, const uint8_t *net, bool v6,
	     unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;

	if (ip->v6 != v6 || prefix > (v6 ? 128u : 32u))
		return false;
	if (memcmp(ip->b, net, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));

	return (ip->b[full] & mask) == (net[full] & mask);
}

bool
spf_ip_match_text(const struct spf_ip *ip, const char *text, unsigned prefix)
{
	uint8_t b[16];

	if (ip->v6)
		return inet_pton(AF_INET6, text, b) == 1 &&
		       spf_ip_match(ip, b, true, prefix);
	return inet_pton(AF_INET, text, b) == 1 &&
	       spf_ip_match(ip, b, false, prefix);
}

static void
nibbles(const struct spf_ip *ip, char *out, size_t n, bool reverse)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (int k = 0; k < 32 && o + 2 < n; k++) {
		int idx = reverse ? 31 - k : k;
		uint8_t byte = ip->b[idx / 2];

		out[o++] = hex[idx % 2 ? byte & 15 : byte >> 4];
		if (k < 31)
			out[o++] = '.';
	}
	out[o] = '\0';
}

void
spf_ip_reverse(const struct spf_ip *ip, char *out, size_t n)
{
	if (!ip->v6) {
		snprintf(out, n, "%u.%u.%u.%u.in-addr.arpa", ip->b[3], ip->b[2],
			 ip->b[1], ip->b[0]);
		return;
	}
	nibbles(ip, out, n, true);
	strncat(out, ".ip6.arpa", n - strlen(out) - 1);
}

void
spf_ip_macro_i(const struct spf_ip *ip, char *out, size_t n)
{
	if (!ip->v6)
		snprintf(out, n, "%u.%u.%u.%u", ip->b[0], ip->b[1], ip->b[2],
			 ip->b[3]);
	else
		nibbles(ip, out, n, false);
}

void
spf_ip_macro_c(const struct spf_ip *ip, char *out, size_t n)
{
	if (inet_ntop(ip->v6 ? AF_INET6 : AF_INET, ip->b, out, (socklen_t)n) == NULL)
		snprintf(out, n, "unknown");
}
