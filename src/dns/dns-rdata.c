/* dns-rdata.c - one record's rdata to text for dns_lookup (pure) */
#include "dns/dns.h"
#include "lib/buf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* RFC 1035 3.3.14: one or more <character-string>s, each a length byte
 * and that many bytes; joined without separator (RFC 7208 3.3,
 * RFC 6376 3.6.2.2) */
static bool
dns_rdata_txt(const unsigned char *p, size_t len, struct dns_rr *out)
{
	char *text;
	size_t i = 0, o = 0;

	if (len == 0)
		return false;
	text = xmalloc(len + 1);
	while (i < len) {
		size_t l = p[i++];

		if (l > len - i) {
			free(text);
			return false;
		}
		memcpy(text + o, p + i, l);
		o += l;
		i += l;
	}
	text[o] = '\0';
	out->text = text;
	out->len = o;
	return true;
}

static bool
dns_rdata_name(const unsigned char *p, size_t len, struct dns_rr *out)
{
	char name[256];

	if (!dns_name_to_text(p, len, name, sizeof(name)))
		return false;
	/* the name must fill the rdata exactly */
	if (strlen(name) + (name[0] ? 2 : 1) != len)
		return false;
	out->text = xstrdup(name);
	out->len = strlen(name);
	return true;
}

bool
dns_rdata_decode(int type, const unsigned char *rdata, size_t len,
		 struct dns_rr *out)
{
	char addr[INET6_ADDRSTRLEN];

	memset(out, 0, sizeof(*out));
	switch (type) {
	case 1:
	case 28:
		if (len != (type == 1 ? 4u : 16u) ||
		    inet_ntop(type == 1 ? AF_INET : AF_INET6, rdata, addr,
			      sizeof(addr)) == NULL)
			return false;
		out->text = xstrdup(addr);
		out->len = strlen(addr);
		return true;
	case 16:
		return dns_rdata_txt(rdata, len, out);
	case 15:
		if (len < 3)
			return false;
		out->pref = (uint16_t)(rdata[0] << 8 | rdata[1]);
		return dns_rdata_name(rdata + 2, len - 2, out);
	case 12:
		return dns_rdata_name(rdata, len, out);
	default:
		return false;
	}
}
