/* test-mime-address.c - address lists: RFC 5322 appendix A, groups,
 * obsolete routes and phrases, junk */
#include "test.h"
#include "mime/mime.h"

#include <stdio.h>

/* render a list as "name|route|mailbox|host;" with - for NULL */
static void
render(const char *in, struct buf *out)
{
	struct mime_address_list l = { NULL, 0 };

	mime_address_parse((const unsigned char *)in, strlen(in), &l);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(out, "%s|%s|%s|%s;",
			   l.v[i].name ? l.v[i].name : "-",
			   l.v[i].route ? l.v[i].route : "-",
			   l.v[i].mailbox ? l.v[i].mailbox : "-",
			   l.v[i].host ? l.v[i].host : "-");
	mime_address_list_free(&l);
}

static void
check_addr(const char *in, const char *want, int line)
{
	struct buf out = BUF_INIT;

	render(in, &out);
	if (strcmp(buf_cstr(&out), want) != 0)
		test_fail(__FILE__, line, "parse(%s) == \"%s\", want \"%s\"",
			  in, buf_cstr(&out), want);
	buf_free(&out);
}

#define ADDR(in, want) check_addr(in, want, __LINE__)

TEST(mime_address_rfc5322_appendix_a)
{
	/* A.1.1 */
	ADDR("John Doe <jdoe@machine.example>", "John Doe|-|jdoe|machine.example;");
	ADDR("Mary Smith <mary@example.net>", "Mary Smith|-|mary|example.net;");
	/* A.1.2 */
	ADDR("\"Joe Q. Public\" <john.q.public@example.com>",
	     "Joe Q. Public|-|john.q.public|example.com;");
	ADDR("Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
	     "Mary Smith|-|mary|x.test;-|-|jdoe|example.org;Who?|-|one|y.test;");
	ADDR("<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	     "-|-|boss|nil.test;Giant; \"Big\" Box|-|sysservices|example.net;");
	/* A.1.3 groups */
	ADDR("A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	     "-|-|A Group|-;Ed Jones|-|c|a.test;-|-|joe|where.test;"
	     "John|-|jdoe|one.test;-|-|-|-;");
	ADDR("Undisclosed recipients:;", "-|-|Undisclosed recipients|-;-|-|-|-;");
	/* A.5 white space, comments */
	ADDR("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	     "Pete|-|pete|silly.test;");
	ADDR("A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
	     "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of the group)",
	     "-|-|A Group|-;Chris Jones|-|c|public.example;-|-|joe|example.org;"
	     "John|-|jdoe|one.test;-|-|-|-;");
	ADDR("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
	     "-|-|Hidden recipients|-;-|-|-|-;");
}

TEST(mime_address_obsolete)
{
	/* A.6.1 obsolete route, empty list members, spaces around dots */
	ADDR("Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
	     "Mary Smith|@node.test|mary|example.net;-|-|jdoe|test.example;");
	ADDR("<@a.test,@b.test:x@c.test>", "-|@a.test,@b.test|x|c.test;");
	ADDR("Joe Q. Public <john.q.public@example.com>",
	     "Joe Q. Public|-|john.q.public|example.com;");
	ADDR("john . q . public @ example . com", "-|-|john.q.public|example.com;");
}

TEST(mime_address_odd_input)
{
	ADDR("", "");
	ADDR("   ", "");
	ADDR(",,,", "");
	ADDR("<>", "-|-||;");
	ADDR("jdoe", "-|-|jdoe|MISSING_DOMAIN;");
	ADDR("jdoe@example.org (John Doe)", "John Doe|-|jdoe|example.org;");
	ADDR("\"quoted local\"@example.org", "-|-|quoted local|example.org;");
	ADDR("x@[192.0.2.1]", "-|-|x|[192.0.2.1];");
	ADDR("=?utf-8?q?J=C3=BCrgen?= <j@example.de>",
	     "=?utf-8?q?J=C3=BCrgen?=|-|j|example.de;");
	/* unterminated things don't crash and keep what they can */
	ADDR("Foo <a@b", "Foo|-|a|b;");
	ADDR("\"unterminated <a@b>", "-|-|unterminated <a@b>|MISSING_DOMAIN;");
	ADDR("(unterminated comment a@b", "");
	ADDR("G: a@b", "-|-|G|-;-|-|a|b;-|-|-|-;");
	ADDR("a@b>, c@d", "-|-|a|b;-|-|c|d;");
}
