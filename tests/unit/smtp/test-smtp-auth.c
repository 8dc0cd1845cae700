/* test-smtp-auth.c - auth_checks.trusted_forwarders matching */
#include "test.h"
#include "smtp/smtp-auth.h"

TEST(smtp_auth_ip_listed_addresses_and_prefixes)
{
	const char *l = "192.0.2.7, 198.51.100.0/24 2001:db8::/32";

	CHECK(smtp_auth_ip_listed(l, "192.0.2.7"));
	CHECK(!smtp_auth_ip_listed(l, "192.0.2.8"));
	CHECK(smtp_auth_ip_listed(l, "198.51.100.200"));
	CHECK(!smtp_auth_ip_listed(l, "198.51.101.1"));
	CHECK(smtp_auth_ip_listed(l, "2001:db8:1::5"));
	CHECK(!smtp_auth_ip_listed(l, "2001:db9::5"));
	/* an IPv4-mapped client is its IPv4 address */
	CHECK(smtp_auth_ip_listed(l, "::ffff:192.0.2.7"));
	/* /0 is everything of that family; junk entries match nothing */
	CHECK(smtp_auth_ip_listed("0.0.0.0/0", "203.0.113.1"));
	CHECK(!smtp_auth_ip_listed("0.0.0.0/0", "2001:db8::1"));
	CHECK(!smtp_auth_ip_listed("192.0.2.0/33 mx.example 192.0.2.0/x",
				   "192.0.2.1"));
	CHECK(!smtp_auth_ip_listed("", "192.0.2.1"));
	CHECK(!smtp_auth_ip_listed(NULL, "192.0.2.1"));
}
