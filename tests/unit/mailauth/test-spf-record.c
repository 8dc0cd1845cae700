/* test-spf-record.c - SPF record parsing (RFC 7208 4.5, 5, 6, 12) */
#include "test.h"
#include "mailauth/spf-record.h"
#include "lib/buf.h"

static bool
parses(const char *txt, struct spf_record *r)
{
	const char *err;
	size_t off;

	return spf_record_parse(r, txt, strlen(txt), &err, &off);
}

static bool
ok(const char *txt)
{
	struct spf_record r;
	bool res = parses(txt, &r);

	spf_record_free(&r);
	return res;
}

TEST(spf_record_selects_version)
{
	CHECK(spf_record_is_spf("v=spf1", 6));
	CHECK(spf_record_is_spf("V=SPF1 -all", 11));
	CHECK(!spf_record_is_spf("v=spf10 -all", 12));
	CHECK(!spf_record_is_spf("v=spf1-all", 10));
	CHECK(!spf_record_is_spf(" v=spf1 -all", 12));
	CHECK(!spf_record_is_spf("spf2.0/pra -all", 15));
}

TEST(spf_record_terms)
{
	struct spf_record r;

	CHECK(parses("v=spf1 +a mx/24 -ptr:Example.COM ~ip4:192.0.2.0/24 "
		     "?ip6:2001:db8::/32 a:%{d}.x.example//64 exists:%{i}.bl.example "
		     "include:_spf.example.net redirect=_r.example exp=why.example "
		     "foo=bar%{d} -ALL ", &r));
	CHECK_INT(r.n, 9);
	CHECK_INT(r.terms[0].mech, SPF_M_A);
	CHECK_INT(r.terms[0].qual, SPF_PASS);
	CHECK_INT(r.terms[0].spec.len, 0);
	CHECK_INT(r.terms[1].mech, SPF_M_MX);
	CHECK_INT(r.terms[1].cidr4, 24);
	CHECK_INT(r.terms[1].cidr6, 128);
	CHECK_INT(r.terms[2].mech, SPF_M_PTR);
	CHECK_INT(r.terms[2].qual, SPF_FAIL);
	CHECK_MEM(r.text + r.terms[2].spec.off, r.terms[2].spec.len, "Example.COM");
	CHECK_INT(r.terms[3].qual, SPF_SOFTFAIL);
	CHECK_INT(r.terms[3].cidr4, 24);
	CHECK(r.terms[3].addr[0] == 192 && r.terms[3].addr[2] == 2);
	CHECK_INT(r.terms[4].qual, SPF_NEUTRAL);
	CHECK_INT(r.terms[4].cidr6, 32);
	CHECK_INT(r.terms[5].cidr4, 32);
	CHECK_INT(r.terms[5].cidr6, 64);
	CHECK_MEM(r.text + r.terms[5].spec.off, r.terms[5].spec.len, "%{d}.x.example");
	CHECK_INT(r.terms[6].mech, SPF_M_EXISTS);
	CHECK_INT(r.terms[7].mech, SPF_M_INCLUDE);
	CHECK_INT(r.terms[8].mech, SPF_M_ALL);
	CHECK_INT(r.terms[8].qual, SPF_FAIL);
	CHECK_MEM(r.text + r.redirect.off, r.redirect.len, "_r.example");
	CHECK_MEM(r.text + r.exp.off, r.exp.len, "why.example");
	spf_record_free(&r);

	CHECK(parses("v=spf1 a:foo.example/24//64", &r));
	CHECK_INT(r.terms[0].cidr4, 24);
	CHECK_INT(r.terms[0].cidr6, 64);
	spf_record_free(&r);
	CHECK(parses("v=spf1", &r));
	CHECK_INT(r.n, 0);
	spf_record_free(&r);
}

TEST(spf_record_malformed)
{
	static const char *bad[] = {
		"v=spf1 foo",			/* unknown mechanism */
		"v=spf1 include",		/* include needs a domain */
		"v=spf1 include:",
		"v=spf1 a:",
		"v=spf1 all:foo.example",
		"v=spf1 all/8",
		"v=spf1 ptr/24",
		"v=spf1 exists:x.example/24",
		"v=spf1 ip4:192.0.2.1/33",
		"v=spf1 ip4:192.0.2.1/032",
		"v=spf1 ip4:192.0.2",
		"v=spf1 ip4",
		"v=spf1 ip6:::1/129",
		"v=spf1 ip6:::1//64",
		"v=spf1 ip6:192.0.2.1",
		"v=spf1 a/33",
		"v=spf1 a//129",
		"v=spf1 a:1.2.3.4",		/* numeric toplabel */
		"v=spf1 a:example",		/* no toplabel */
		"v=spf1 a:foo.example.-x",
		"v=spf1 redirect=a.example redirect=b.example",
		"v=spf1 exp=a.example exp=b.example",
		"v=spf1 exp=",
		"v=spf1 redirect=",
		"v=spf1 foo=%{x}",		/* unknown modifier, bad macro */
		"v=spf1 a:%{c}.example",	/* c only in exp text */
		"v=spf1 -all\x80",
		"v=spf1 ip4:192.0.2.5\n include:x.example",
		"v=spf1 -all\tmx",
		"v=spf1 =foo",
		"v=spf1 -",
		"v=spf1 ++all",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ok(bad[i]))
			test_fail(__FILE__, __LINE__, "parsed: %s", bad[i]);
	CHECK(ok("v=spf1 a:foo.example. mx:%{d} include:x.xn--p1ai -all "));
	CHECK(ok("v=spf1 unknown-mod=anything.%{d} x.y_z=1 -all"));
	CHECK(ok("v=spf1 a:a-1.example-x"));
	CHECK(ok("v=spf1 a:macro%%percent%_%_space%-url-space.example.com"));
}

TEST(spf_record_huge)
{
	struct buf b = BUF_INIT;
	struct spf_record r;
	const char *err;
	size_t off;

	/* 1000 terms parse into 1000 terms */
	buf_append_str(&b, "v=spf1");
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, " ip4:198.51.100.%d", i % 256);
	buf_append_str(&b, " -all");
	CHECK(spf_record_parse(&r, (const char *)b.data, b.len, &err, &off));
	CHECK_INT(r.n, 1001);
	spf_record_free(&r);
	/* 60000 bytes of one bad term: refused, with where */
	buf_reset(&b);
	buf_append_str(&b, "v=spf1 ");
	for (int i = 0; i < 60000; i++)
		buf_append_byte(&b, 'x');
	CHECK(!spf_record_parse(&r, (const char *)b.data, b.len, &err, &off));
	CHECK_INT(off, 7);
	spf_record_free(&r);
	buf_free(&b);
}
