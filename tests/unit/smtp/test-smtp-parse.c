/* test-smtp-parse.c - verbs, paths, ESMTP parameters, xtext, replies */
#include "test.h"
#include "smtp/smtp-addr.h"
#include "smtp/smtp-cmd.h"
#include "smtp/smtp-param.h"
#include "smtp/smtp-reply.h"

#include <stdio.h>
#include <string.h>

static struct slice
S(const char *s)
{
	return slice_from_cstr(s);
}

TEST(smtp_cmd_split)
{
	struct smtp_cmd c;

	CHECK(smtp_cmd_parse(S("ehlo client.example"), &c));
	CHECK(c.verb && c.verb->id == SMTP_CMD_EHLO);
	CHECK_MEM(c.args.p, c.args.len, "client.example");
	CHECK(smtp_cmd_parse(S("MAIL FROM:<a@b> SIZE=10  "), &c));
	CHECK(c.verb && c.verb->id == SMTP_CMD_MAIL);
	CHECK_MEM(c.args.p, c.args.len, "FROM:<a@b> SIZE=10");
	CHECK(smtp_cmd_parse(S("QUIT"), &c));
	CHECK(c.verb && c.verb->id == SMTP_CMD_QUIT);
	CHECK_INT(c.args.len, 0);
	CHECK(smtp_cmd_parse(S("StartTLS"), &c));
	CHECK(c.verb && c.verb->id == SMTP_CMD_STARTTLS);
	CHECK(smtp_cmd_parse(S("XYZZY foo"), &c));
	CHECK(c.verb == NULL);
	CHECK(smtp_cmd_parse(S(""), &c));
	CHECK(c.verb == NULL);
	CHECK(!smtp_cmd_parse((struct slice){ (const unsigned char *)"NO\0OP", 5 }, &c));
	CHECK(!smtp_cmd_parse(S("NOOP\r"), &c));
	CHECK(smtp_cmd_verb(SMTP_CMD_DATA)->flags & SMTP_CF_LAST);
}

TEST(smtp_cmd_prefix)
{
	struct slice rest;

	CHECK(smtp_cmd_strip_prefix(S("FROM:<a@b>"), "FROM:", &rest));
	CHECK_MEM(rest.p, rest.len, "<a@b>");
	CHECK(smtp_cmd_strip_prefix(S("from: <a@b> X"), "FROM:", &rest));
	CHECK_MEM(rest.p, rest.len, "<a@b> X");
	CHECK(!smtp_cmd_strip_prefix(S("FROM <a@b>"), "FROM:", &rest));
	CHECK(!smtp_cmd_strip_prefix(S("TO:<a@b>"), "FROM:", &rest));
}

struct path_case {
	const char *in;
	bool allow_null, utf8;
	enum smtp_addr_result want;
	const char *addr;	/* expected addr (OK only) */
	const char *rest;
};

static const struct path_case path_cases[] = {
	{ "<user@example.org>", false, false, SMTP_ADDR_OK, "user@example.org", "" },
	{ "<User.Name+tag@Example.ORG> SIZE=5", false, false, SMTP_ADDR_OK,
	  "User.Name+tag@Example.ORG", " SIZE=5" },
	{ "<>", true, false, SMTP_ADDR_OK, "", "" },
	{ "<> BODY=8BITMIME", true, false, SMTP_ADDR_OK, "", " BODY=8BITMIME" },
	{ "<>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<@relay.example,@two.example:joe@example.org>", false, false,
	  SMTP_ADDR_OK, "joe@example.org", "" },
	{ "<@relay.example:joe@example.org>", false, false, SMTP_ADDR_OK,
	  "joe@example.org", "" },
	{ "<@bad_relay:joe@example.org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<\"john doe\"@example.org>", false, false, SMTP_ADDR_OK,
	  "\"john doe\"@example.org", "" },
	{ "<\"john\"@example.org>", false, false, SMTP_ADDR_OK, "john@example.org", "" },
	{ "<\"a\\\"b\"@example.org>", false, false, SMTP_ADDR_OK,
	  "\"a\\\"b\"@example.org", "" },
	{ "<\"unterminated@example.org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<Postmaster>", false, false, SMTP_ADDR_OK, "postmaster", "" },
	{ "<joe@[192.0.2.1]>", false, false, SMTP_ADDR_OK, "joe@[192.0.2.1]", "" },
	{ "<joe@[IPv6:2001:db8::1]>", false, false, SMTP_ADDR_OK,
	  "joe@[IPv6:2001:db8::1]", "" },
	{ "<joe@[300.0.0.1]>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<joe@[IPv6:zz]>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "user@example.org", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<user@example.org", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<user@example.org>junk", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<user@@example.org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<user@-example.org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<user@example-.org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<user@example..org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<user@example.org.>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<.user@example.org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<us..er@example.org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<user.@example.org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<us er@example.org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<user>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<@example.org>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<user@>", false, false, SMTP_ADDR_SYNTAX, NULL, NULL },
	/* SMTPUTF8 */
	{ "<J\xc3\xb6rg@b\xc3\xbc" "cher.example>", false, false,
	  SMTP_ADDR_NEED_UTF8, NULL, NULL },
	{ "<J\xc3\xb6rg@b\xc3\xbc" "cher.example>", false, true, SMTP_ADDR_OK,
	  "J\xc3\xb6rg@b\xc3\xbc" "cher.example", "" },
	{ "<\xe7\x94\xa8\xe6\x88\xb7@example.org>", false, true, SMTP_ADDR_OK,
	  "\xe7\x94\xa8\xe6\x88\xb7@example.org", "" },
	{ "<J\xc3rg@example.org>", false, true, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<J\xc0\xafrg@example.org>", false, true, SMTP_ADDR_SYNTAX, NULL, NULL },
	{ "<x@\xed\xa0\x80.example>", false, true, SMTP_ADDR_SYNTAX, NULL, NULL },
};

TEST(smtp_addr_paths)
{
	for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *t = &path_cases[i];
		struct smtp_path p;
		struct slice rest;
		enum smtp_addr_result r;

		r = smtp_addr_parse_path(S(t->in), t->allow_null, t->utf8, &p, &rest);
		if (r != t->want) {
			test_fail(__FILE__, __LINE__, "%s: got %d want %d",
				  t->in, r, t->want);
			continue;
		}
		if (r != SMTP_ADDR_OK)
			continue;
		if (strcmp(p.addr, t->addr) != 0)
			test_fail(__FILE__, __LINE__, "%s: addr %s want %s",
				  t->in, p.addr, t->addr);
		if (!slice_eq_cstr(rest, t->rest))
			test_fail(__FILE__, __LINE__, "%s: rest \"%.*s\"",
				  t->in, (int)rest.len, (const char *)rest.p);
	}
}

TEST(smtp_addr_fields)
{
	struct smtp_path p;
	struct slice rest;

	CHECK_INT(smtp_addr_parse_path(S("<a.b@Example.org>"), false, false,
				       &p, &rest), SMTP_ADDR_OK);
	CHECK_INT(p.local_len, 3);
	CHECK_STR(p.domain, "Example.org");
	CHECK(!p.null && !p.utf8 && !p.postmaster);
	CHECK_INT(smtp_addr_parse_path(S("<>"), true, false, &p, &rest), SMTP_ADDR_OK);
	CHECK(p.null);
	CHECK_STR(p.domain, "");
	CHECK_INT(smtp_addr_parse_path(S("<postMASTER>"), false, false, &p, &rest),
		  SMTP_ADDR_OK);
	CHECK(p.postmaster);
	CHECK_INT(smtp_addr_parse_path(S("<\xc3\xa4@x.org>"), false, true, &p,
				       &rest), SMTP_ADDR_OK);
	CHECK(p.utf8);
}

TEST(smtp_addr_limits)
{
	char in[1200], local[300];

	memset(local, 'a', 257);
	local[257] = '\0';
	snprintf(in, sizeof(in), "<%s@example.org>", local);
	struct smtp_path p;
	struct slice rest;
	CHECK_INT(smtp_addr_parse_path(S(in), false, false, &p, &rest),
		  SMTP_ADDR_TOO_LONG);
	local[256] = '\0';
	snprintf(in, sizeof(in), "<%s@example.org>", local);
	CHECK_INT(smtp_addr_parse_path(S(in), false, false, &p, &rest), SMTP_ADDR_OK);
	/* a label of 64 characters */
	memset(local, 'b', 64);
	local[64] = '\0';
	snprintf(in, sizeof(in), "<a@%s.org>", local);
	CHECK_INT(smtp_addr_parse_path(S(in), false, false, &p, &rest),
		  SMTP_ADDR_SYNTAX);
	CHECK(smtp_addr_valid_domain(S("mx-1.example.org"), false));
	CHECK(!smtp_addr_valid_domain(S("mx_1.example.org"), false));
	CHECK(smtp_addr_valid_literal(S("[127.0.0.1]")));
	CHECK(smtp_addr_valid_literal(S("[IPv6:::1]")));
	CHECK(!smtp_addr_valid_literal(S("[127.0.0.1")));
}

TEST(smtp_param_mail_ok)
{
	struct smtp_mail_params p;

	CHECK(smtp_param_mail(S(""), true, &p) == NULL);
	CHECK(!p.has_size && p.body == SMTP_BODY_NONE && !p.smtputf8);
	CHECK(smtp_param_mail(S(" SIZE=12345 body=8bitmime SMTPUTF8 RET=HDRS ENVID=QQ+2B314"),
			      true, &p) == NULL);
	CHECK(p.has_size);
	CHECK_INT(p.size, 12345);
	CHECK_INT(p.body, SMTP_BODY_8BITMIME);
	CHECK(p.smtputf8);
	CHECK_INT(p.ret, STORE_RET_HDRS);
	CHECK_STR(p.envid, "QQ+2B314");
	CHECK(smtp_param_mail(S(" BODY=7BIT AUTH=<>"), true, &p) == NULL);
	CHECK_INT(p.body, SMTP_BODY_7BIT);
	CHECK_STR(p.auth, "<>");
}

TEST(smtp_param_mail_errors)
{
	struct smtp_mail_params p;
	const struct smtp_status *st;

	st = smtp_param_mail(S(" BODY=BINARYMIME"), true, &p);
	CHECK(st && st->code == 555);
	st = smtp_param_mail(S(" FOO=bar"), true, &p);
	CHECK(st && st->code == 555);
	st = smtp_param_mail(S(" RET=FULL"), false, &p);
	CHECK(st && st->code == 555);
	st = smtp_param_mail(S(" SIZE=12x"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_mail(S(" SIZE=99999999999999999999999"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_mail(S(" SIZE=1 SIZE=2"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_mail(S(" SMTPUTF8=yes"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_mail(S(" RET=ALL"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_mail(S(" ENVID=a+zz"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_mail(S(" ENVID="), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_mail(S(" =x"), true, &p);
	CHECK(st && st->code == 501);
	CHECK_STR(st->enh, "5.5.4");
}

TEST(smtp_param_rcpt_dsn)
{
	struct smtp_rcpt_params p;
	const struct smtp_status *st;

	CHECK(smtp_param_rcpt(S(" NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+40example.org"),
			      true, &p) == NULL);
	CHECK_INT(p.notify, STORE_NOTIFY_SUCCESS | STORE_NOTIFY_FAILURE);
	CHECK_STR(p.orcpt, "rfc822;bob+40example.org");
	CHECK(smtp_param_rcpt(S(" NOTIFY=never"), true, &p) == NULL);
	CHECK_INT(p.notify, STORE_NOTIFY_NEVER);
	CHECK(smtp_param_rcpt(S(" ORCPT=utf-8;J\xc3\xb6rg@x"), true, &p) == NULL);
	st = smtp_param_rcpt(S(" NOTIFY=NEVER,DELAY"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_rcpt(S(" NOTIFY=SUCCESS,"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_rcpt(S(" NOTIFY=SOMETIMES"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_rcpt(S(" ORCPT=bob@example.org"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_rcpt(S(" ORCPT=rfc822;"), true, &p);
	CHECK(st && st->code == 501);
	st = smtp_param_rcpt(S(" NOTIFY=DELAY"), false, &p);
	CHECK(st && st->code == 555);
}

TEST(smtp_xtext)
{
	struct buf b = BUF_INIT;

	CHECK(smtp_xtext_decode(S("a+2Bb+3Dc"), &b));
	CHECK_MEM(b.data, b.len, "a+b=c");
	CHECK(!smtp_xtext_decode(S("a+2"), NULL));
	CHECK(!smtp_xtext_decode(S("a+2b"), NULL));
	CHECK(!smtp_xtext_decode(S("a=b"), NULL));
	CHECK(!smtp_xtext_decode(S("a b"), NULL));
	buf_free(&b);
}

TEST(smtp_reply_format)
{
	struct buf b = BUF_INIT;
	static const struct smtp_status st = { 550, "5.1.1", "No such user" };

	smtp_reply(&b, 250, "2.1.0", "Sender <%s> ok", "a@b");
	CHECK_MEM(b.data, b.len, "250 2.1.0 Sender <a@b> ok\r\n");
	buf_reset(&b);
	smtp_reply_lines(&b, 250, NULL, "mx.example\nPIPELINING\nSIZE 100\n");
	CHECK_MEM(b.data, b.len, "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 100\r\n");
	buf_reset(&b);
	smtp_reply_lines(&b, 214, "2.0.0", "a\nb");
	CHECK_MEM(b.data, b.len, "214-2.0.0 a\r\n214 2.0.0 b\r\n");
	buf_reset(&b);
	smtp_reply(&b, 500, "5.5.2", "bad %s", "x\ry");
	CHECK_MEM(b.data, b.len, "500 5.5.2 bad x y\r\n");
	buf_reset(&b);
	smtp_reply_status(&b, &st);
	CHECK_MEM(b.data, b.len, "550 5.1.1 No such user\r\n");
	buf_free(&b);
}
