/* test-spf-ip.c - the client address as SPF sees it */
#include "test.h"
#include "mailauth/spf-ip.h"
#include "mailauth/spf.h"

TEST(spf_ip_forms)
{
	struct spf_ip ip;
	char out[128];

	CHECK(spf_ip_parse(&ip, "192.0.2.3"));
	CHECK(!ip.v6);
	spf_ip_reverse(&ip, out, sizeof(out));
	CHECK_STR(out, "3.2.0.192.in-addr.arpa");
	spf_ip_macro_i(&ip, out, sizeof(out));
	CHECK_STR(out, "192.0.2.3");
	/* an IPv4-mapped IPv6 address is the IPv4 address (RFC 7208 5) */
	CHECK(spf_ip_parse(&ip, "::FFFF:192.0.2.3"));
	CHECK(!ip.v6);
	spf_ip_macro_c(&ip, out, sizeof(out));
	CHECK_STR(out, "192.0.2.3");
	CHECK(spf_ip_parse(&ip, "2001:DB8::CB01"));
	CHECK(ip.v6);
	spf_ip_macro_i(&ip, out, sizeof(out));
	CHECK_STR(out, "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
	spf_ip_macro_c(&ip, out, sizeof(out));
	CHECK_STR(out, "2001:db8::cb01");
	spf_ip_reverse(&ip, out, sizeof(out));
	CHECK_STR(out, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
		  ".ip6.arpa");
	CHECK(!spf_ip_parse(&ip, "192.0.2"));
	CHECK(!spf_ip_parse(&ip, "[192.0.2.1]"));
	CHECK(!spf_ip_parse(&ip, ""));
	CHECK(!spf_ip_parse(&ip, NULL));
}

TEST(spf_ip_prefixes)
{
	struct spf_ip ip;
	uint8_t net4[16] = { 192, 0, 2, 128 };
	uint8_t net6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x80 };

	CHECK(spf_ip_parse(&ip, "192.0.2.200"));
	CHECK(spf_ip_match(&ip, net4, false, 25));
	CHECK(!spf_ip_match(&ip, net4, false, 26));
	CHECK(!spf_ip_match(&ip, net4, false, 32));
	CHECK(spf_ip_match(&ip, net4, false, 0));
	CHECK(!spf_ip_match(&ip, net4, true, 0));	/* other family */
	CHECK(!spf_ip_match(&ip, net4, false, 33));
	CHECK(spf_ip_match_text(&ip, "192.0.2.1", 24));
	CHECK(!spf_ip_match_text(&ip, "192.0.3.1", 24));
	CHECK(!spf_ip_match_text(&ip, "2001:db8::1", 0));
	CHECK(spf_ip_parse(&ip, "2001:db8:8000::1"));
	CHECK(spf_ip_match(&ip, net6, true, 33));
	CHECK(!spf_ip_match(&ip, net6, false, 0));
	CHECK(spf_ip_parse(&ip, "2001:db8:7fff::1"));
	CHECK(!spf_ip_match(&ip, net6, true, 33));
	CHECK(spf_ip_match(&ip, net6, true, 32));
	CHECK_STR(spf_result_name(SPF_SOFTFAIL), "softfail");
	CHECK_STR(spf_result_name(SPF_PERMERROR), "permerror");
}
