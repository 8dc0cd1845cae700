/* test-spf-macro.c - SPF macro expansion: RFC 7208 7.4's examples,
 * URL escaping, malformed macros */
#include "test.h"
#include "mailauth/spf-macro.h"

#include <stdlib.h>

static struct spf_macro_ctx rfc_ctx = {
	.s = "strong-bad@email.example.com", .l = "strong-bad",
	.o = "email.example.com", .d = "email.example.com",
	.i = "192.0.2.3", .c = "192.0.2.3", .p = "mx.example.org",
	.v = "in-addr", .h = "mx.example.org", .r = "rcpt.example", .t = 1234,
};

static char *
expand(const struct spf_macro_ctx *mc, const char *s, bool exp)
{
	struct buf b = BUF_INIT;

	if (!spf_macro_expand(s, strlen(s), mc, exp, 8192, &b)) {
		buf_free(&b);
		return strdup("(error)");
	}
	return buf_steal(&b);
}

#define EXPANDS(mc, in, want)                                            \
	do {                                                             \
		char *got_ = expand((mc), (in), false);                  \
		CHECK_STR(got_, (want));                                 \
		free(got_);                                              \
	} while (0)

TEST(spf_macro_rfc7208_7_4_letters)
{
	EXPANDS(&rfc_ctx, "%{s}", "strong-bad@email.example.com");
	EXPANDS(&rfc_ctx, "%{o}", "email.example.com");
	EXPANDS(&rfc_ctx, "%{d}", "email.example.com");
	EXPANDS(&rfc_ctx, "%{d4}", "email.example.com");
	EXPANDS(&rfc_ctx, "%{d3}", "email.example.com");
	EXPANDS(&rfc_ctx, "%{d2}", "example.com");
	EXPANDS(&rfc_ctx, "%{d1}", "com");
	EXPANDS(&rfc_ctx, "%{dr}", "com.example.email");
	EXPANDS(&rfc_ctx, "%{d2r}", "example.email");
	EXPANDS(&rfc_ctx, "%{l}", "strong-bad");
	EXPANDS(&rfc_ctx, "%{l-}", "strong.bad");
	EXPANDS(&rfc_ctx, "%{lr}", "strong-bad");
	EXPANDS(&rfc_ctx, "%{lr-}", "bad.strong");
	EXPANDS(&rfc_ctx, "%{l1r-}", "strong");
}

TEST(spf_macro_rfc7208_7_4_strings)
{
	struct spf_macro_ctx v6 = rfc_ctx;

	EXPANDS(&rfc_ctx, "%{ir}.%{v}._spf.%{d2}",
		"3.2.0.192.in-addr._spf.example.com");
	EXPANDS(&rfc_ctx, "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com");
	EXPANDS(&rfc_ctx, "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
		"bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
	EXPANDS(&rfc_ctx, "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
		"3.2.0.192.in-addr.strong.lp._spf.example.com");
	EXPANDS(&rfc_ctx, "%{d2}.trusted-domains.example.net",
		"example.com.trusted-domains.example.net");
	/* 2001:db8::cb01 in the i form spf-ip.c makes */
	v6.i = "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1";
	v6.v = "ip6";
	EXPANDS(&v6, "%{ir}.%{v}._spf.%{d2}",
		"1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
		".ip6._spf.example.com");
}

TEST(spf_macro_escapes_and_url)
{
	struct spf_macro_ctx mc = rfc_ctx;

	EXPANDS(&mc, "a%%b%_c%-d", "a%b c%20d");
	mc.l = "~jack&jill=up-a_b3.c";
	/* uppercase letters URL-escape (7.3), the suite's upper-macro case */
	EXPANDS(&mc, "http://example.com/why.html?l=%{L}",
		"http://example.com/why.html?l=~jack%26jill%3Dup-a_b3.c");
	EXPANDS(&mc, "%{l}", "~jack&jill=up-a_b3.c");
	/* several delimiters, a count larger than the parts */
	mc.l = "foo-bar+baz";
	EXPANDS(&mc, "%{l2r+-}", "bar.foo");
	EXPANDS(&mc, "%{l99}", "foo-bar+baz");
	EXPANDS(&mc, "%{l99-+}", "foo.bar.baz");
}

TEST(spf_macro_exp_only_letters)
{
	char *s;

	CHECK(!spf_macro_valid("%{c}", 4, false));
	CHECK(!spf_macro_valid("%{r}", 4, false));
	CHECK(!spf_macro_valid("%{t}", 4, false));
	CHECK(spf_macro_valid("%{c} %{r} %{t}", 14, true));
	s = expand(&rfc_ctx, "%{c} at %{r} %{t}", true);
	CHECK_STR(s, "192.0.2.3 at rcpt.example 1234");
	free(s);
	s = expand(&rfc_ctx, "%{c}", false);
	CHECK_STR(s, "(error)");
	free(s);
}

TEST(spf_macro_malformed)
{
	static const char *bad[] = {
		"%", "%{", "%{s", "%{x}", "%{s0}", "%{sr", "%{s:}", "%a",
		"%{}", "foo%", "%{s1r2}", "a b", "%{S!}", "\x80",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = expand(&rfc_ctx, bad[i], false);

		if (spf_macro_valid(bad[i], strlen(bad[i]), false))
			test_fail(__FILE__, __LINE__, "valid: %s", bad[i]);
		if (strcmp(s, "(error)") != 0)
			test_fail(__FILE__, __LINE__, "expanded: %s -> %s", bad[i], s);
		free(s);
	}
	CHECK(spf_macro_valid("%{s}%{l}%{o}%{d}%{i}%{p}%{v}%{h}", 32, false));
	CHECK(spf_macro_uses_p("x.%{p}.y", 8));
	CHECK(spf_macro_uses_p("%{P2r}", 6));
	CHECK(!spf_macro_uses_p("%%{p}", 5));
}

TEST(spf_macro_output_bounded)
{
	struct buf b = BUF_INIT;
	struct buf in = BUF_INIT;

	for (int i = 0; i < 2000; i++)
		buf_append_str(&in, "%{s}");
	CHECK(!spf_macro_expand((const char *)in.data, in.len, &rfc_ctx, false,
				8192, &b));
	CHECK(b.len < 8192 + 64);
	buf_free(&b);
	buf_free(&in);
}
