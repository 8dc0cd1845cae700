/* test-dns-mx.c - MX parsing, ordering, null MX, literals, forwarders */
#include "test.h"
#include "dns/dns.h"

#include <stdlib.h>

static uint32_t
rnd_zero(void *arg, uint32_t bound)
{
	return 0;
}

static uint32_t
rnd_seq(void *arg, uint32_t bound)
{
	unsigned *s = arg;

	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) % bound;
}

TEST(dns_name_to_text_basic)
{
	char out[256];
	const unsigned char n[] = "\x02mx\x01" "A\x04TEST\x00";

	CHECK(dns_name_to_text(n, sizeof(n) - 1, out, sizeof(out)));
	CHECK_STR(out, "mx.a.test");
	CHECK(dns_name_to_text((const unsigned char *)"\0", 1, out,
			       sizeof(out)));
	CHECK_STR(out, "");
	/* truncated, pointer, label too long, bad byte */
	CHECK(!dns_name_to_text((const unsigned char *)"\x05mx", 3, out,
				sizeof(out)));
	CHECK(!dns_name_to_text((const unsigned char *)"\xc0\x0c", 2, out,
				sizeof(out)));
	CHECK(!dns_name_to_text((const unsigned char *)"\x02m.\0", 4, out,
				sizeof(out)));
	CHECK(!dns_name_to_text((const unsigned char *)"", 0, out,
				sizeof(out)));
}

TEST(dns_name_to_text_limits)
{
	unsigned char n[300];
	char out[256];
	size_t o = 0;

	/* 4 labels of 63 = 255 text chars with dots: too long (> 253) */
	for (int l = 0; l < 4; l++) {
		n[o++] = 63;
		memset(n + o, 'a', 63);
		o += 63;
	}
	n[o++] = 0;
	CHECK(!dns_name_to_text(n, o, out, sizeof(out)));
	/* small output buffer */
	CHECK(!dns_name_to_text((const unsigned char *)"\x03" "abc\0", 5,
				out, 3));
}

TEST(dns_mx_parse_records)
{
	struct dns_mx mx;
	const unsigned char r1[] = "\x00\x0a\x02mx\x01" "b\x04test\x00";
	const unsigned char nul[] = "\x00\x00\x00";

	CHECK(dns_mx_parse(r1, sizeof(r1) - 1, &mx));
	CHECK_INT(mx.pref, 10);
	CHECK_STR(mx.name, "mx.b.test");
	CHECK(dns_mx_parse(nul, 3, &mx));
	CHECK_INT(mx.pref, 0);
	CHECK_STR(mx.name, "");
	CHECK(!dns_mx_parse(r1, 2, &mx));
}

TEST(dns_mx_order_by_preference)
{
	struct dns_mx v[4] = {
		{ 20, "c" }, { 10, "a" }, { 30, "d" }, { 10, "b" },
	};
	size_t n = 4;

	CHECK(!dns_mx_order(v, &n, rnd_zero, NULL));
	CHECK_INT(n, 4);
	CHECK_INT(v[0].pref, 10);
	CHECK_INT(v[1].pref, 10);
	CHECK_STR(v[2].name, "c");
	CHECK_STR(v[3].name, "d");
}

TEST(dns_mx_order_shuffles_equals)
{
	/* over many runs, each of three equal hosts comes first sometimes,
	 * and the lower preference host always stays last */
	int first[3] = { 0, 0, 0 };
	unsigned seed = 1;

	for (int run = 0; run < 300; run++) {
		struct dns_mx v[4] = {
			{ 5, "h0" }, { 5, "h1" }, { 9, "z" }, { 5, "h2" },
		};
		size_t n = 4;

		CHECK(!dns_mx_order(v, &n, rnd_seq, &seed));
		CHECK_STR(v[3].name, "z");
		first[v[0].name[1] - '0']++;
	}
	for (int i = 0; i < 3; i++)
		CHECK(first[i] > 50);
}

TEST(dns_mx_order_default_random)
{
	struct dns_mx v[2] = { { 1, "b" }, { 0, "a" } };
	size_t n = 2;

	CHECK(!dns_mx_order(v, &n, NULL, NULL));
	CHECK_STR(v[0].name, "a");
}

TEST(dns_mx_null_mx)
{
	struct dns_mx v[1] = { { 0, "" } };
	struct dns_mx w[2] = { { 0, "" }, { 10, "mx" } };
	size_t n = 1, m = 2;

	CHECK(dns_mx_order(v, &n, rnd_zero, NULL));
	/* "." among real hosts: ignored, not a null MX */
	CHECK(!dns_mx_order(w, &m, rnd_zero, NULL));
	CHECK_INT(m, 1);
	CHECK_STR(w[0].name, "mx");
}

TEST(dns_literals)
{
	struct dns_addr a;

	CHECK(dns_parse_literal("[127.0.0.2]", &a));
	CHECK_STR(a.text, "127.0.0.2");
	CHECK_INT(a.ss.ss_family, AF_INET);
	CHECK(dns_parse_literal("[IPv6:::1]", &a));
	CHECK_STR(a.text, "::1");
	CHECK_INT(a.ss.ss_family, AF_INET6);
	CHECK(!dns_parse_literal("127.0.0.1", &a));
	CHECK(!dns_parse_literal("[::1]", &a));
	CHECK(!dns_parse_literal("[300.1.1.1]", &a));
	CHECK(!dns_parse_literal("[]", &a));
}

TEST(dns_forwarder_syntax)
{
	char ip[64];
	int port;

	CHECK(dns_parse_forwarder("127.0.0.1", ip, sizeof(ip), &port));
	CHECK_STR(ip, "127.0.0.1");
	CHECK_INT(port, 53);
	CHECK(dns_parse_forwarder("::1@5353", ip, sizeof(ip), &port));
	CHECK_STR(ip, "::1");
	CHECK_INT(port, 5353);
	CHECK(!dns_parse_forwarder("ns.example@53", ip, sizeof(ip), &port));
	CHECK(!dns_parse_forwarder("127.0.0.1@", ip, sizeof(ip), &port));
	CHECK(!dns_parse_forwarder("127.0.0.1@70000", ip, sizeof(ip), &port));
	CHECK(!dns_parse_forwarder("", ip, sizeof(ip), &port));
}
