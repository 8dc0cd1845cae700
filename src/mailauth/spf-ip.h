/* spf-ip.h - the client address as SPF sees it (RFC 7208 5.6, 7.3):
 * IPv4-mapped IPv6 is IPv4, prefix matching, the reverse and macro
 * forms. */
#ifndef TERN_SPF_IP_H
#define TERN_SPF_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct spf_ip {
	bool v6;
	uint8_t b[16];		/* IPv4 in the first 4 bytes */
};

bool spf_ip_parse(struct spf_ip *ip, const char *text);
/* does ip lie in net/prefix (same family)? */
bool spf_ip_match(const struct spf_ip *ip, const uint8_t *net, bool v6,
		  unsigned prefix);
/* an A or AAAA answer's text against ip/prefix */
bool spf_ip_match_text(const struct spf_ip *ip, const char *text,
		       unsigned prefix);
/* "4.3.2.1.in-addr.arpa" / nibbles ".ip6.arpa" */
void spf_ip_reverse(const struct spf_ip *ip, char *out, size_t n);
/* %{i}: dotted quad, or 32 dotted nibbles */
void spf_ip_macro_i(const struct spf_ip *ip, char *out, size_t n);
/* %{c}: dotted quad, or RFC 5952 text */
void spf_ip_macro_c(const struct spf_ip *ip, char *out, size_t n);

#endif
