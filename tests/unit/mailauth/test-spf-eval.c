/* test-spf-eval.c - check_host() over a table resolver: mechanisms, the
 * null sender and HELO, DNS errors, cancellation, and hostile zones
 * (loops, chains, huge records), each with its verdict and a bound on
 * the questions asked */
#include "test.h"
#include "mailauth/spf.h"
#include "spf-dns-table.h"
#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>

struct got {
	int runs;
	enum spf_result result;
	char domain[256], sender[300], expl[512], reason[512];
};

static void
on_done(void *arg, const struct spf_outcome *o)
{
	struct got *g = arg;

	g->runs++;
	g->result = o->result;
	snprintf(g->domain, sizeof(g->domain), "%s", o->domain ? o->domain : "");
	snprintf(g->sender, sizeof(g->sender), "%s", o->sender ? o->sender : "");
	snprintf(g->expl, sizeof(g->expl), "%s",
		 o->explanation ? o->explanation : "");
	snprintf(g->reason, sizeof(g->reason), "%s", o->reason ? o->reason : "");
}

/* run a check to its end; the callback must not run inside spf_check
 * unless spf_check returned NULL */
static struct got
run_req(struct spf_table *t, struct spf_request *rq)
{
	struct mauth_resolver r;
	struct got g;
	struct spf_check *c;

	memset(&g, 0, sizeof(g));
	spf_table_resolver(t, &r);
	if (rq->helo == NULL)
		rq->helo = "mx.client.example";
	c = spf_check(&r, rq, on_done, &g);
	if (c != NULL && g.runs != 0)
		test_fail(__FILE__, __LINE__, "callback ran inside spf_check");
	spf_table_run(t, 100000);
	if (g.runs != 1)
		test_fail(__FILE__, __LINE__, "callback ran %d times", g.runs);
	return g;
}

static struct got
run(struct spf_table *t, const char *ip, const char *from)
{
	struct spf_request rq = { .client_ip = ip, .mail_from = from,
				  .receiver = "mx.tern.example" };

	return run_req(t, &rq);
}

TEST(spf_eval_mechanisms)
{
	struct spf_table *t = spf_table_new();
	struct got g;

	spf_table_txt(t, "example.com", "v=spf1 ip4:192.0.2.0/24 a mx/30 "
		      "include:_spf.example.net ip6:2001:db8::/32 -all");
	spf_table_txt(t, "example.com", "some other TXT record");
	spf_table_add(t, "example.com", MAUTH_DNS_A, "198.51.100.7", 12, 0);
	spf_table_add(t, "example.com", MAUTH_DNS_MX, "mx.example.com", 14, 10);
	spf_table_add(t, "mx.example.com", MAUTH_DNS_A, "198.51.100.20", 13, 0);
	spf_table_txt(t, "_spf.example.net", "v=spf1 ip4:203.0.113.9 ?all");

	g = run(t, "192.0.2.77", "alice@example.com");
	CHECK_INT(g.result, SPF_PASS);
	CHECK_STR(g.domain, "example.com");
	CHECK_STR(g.sender, "alice@example.com");
	CHECK_INT(run(t, "198.51.100.7", "a@example.com").result, SPF_PASS);
	CHECK_INT(run(t, "198.51.100.22", "a@example.com").result, SPF_PASS);
	CHECK_INT(run(t, "198.51.100.24", "a@example.com").result, SPF_FAIL);
	/* include: its pass matches, its neutral does not */
	CHECK_INT(run(t, "203.0.113.9", "a@example.com").result, SPF_PASS);
	g = run(t, "203.0.113.10", "a@example.com");
	CHECK_INT(g.result, SPF_FAIL);
	CHECK(strstr(g.expl, "203.0.113.10") != NULL);
	CHECK_INT(run(t, "2001:db8::1", "a@example.com").result, SPF_PASS);
	CHECK_INT(run(t, "2001:db9::1", "a@example.com").result, SPF_FAIL);
	/* an IPv4-mapped IPv6 client is an IPv4 client */
	CHECK_INT(run(t, "::ffff:192.0.2.1", "a@example.com").result, SPF_PASS);
	/* names are case-insensitive, and so are record and mechanisms */
	CHECK_INT(run(t, "192.0.2.1", "a@EXAMPLE.Com").result, SPF_PASS);
	spf_table_txt(t, "upper.example", "V=SPF1 IP4:192.0.2.1 REDIRECT=Example.COM");
	CHECK_INT(run(t, "192.0.2.1", "a@upper.example").result, SPF_PASS);
	CHECK_INT(run(t, "198.51.100.24", "a@upper.example").result, SPF_FAIL);
	/* no record, several records */
	CHECK_INT(run(t, "192.0.2.1", "a@nothing.example").result, SPF_NONE);
	spf_table_txt(t, "two.example", "v=spf1 -all");
	spf_table_txt(t, "two.example", "v=spf1 +all");
	CHECK_INT(run(t, "192.0.2.1", "a@two.example").result, SPF_PERMERROR);
	/* not a domain: none, without a question */
	g = run(t, "192.0.2.1", "a@[192.0.2.1]");
	CHECK_INT(g.result, SPF_NONE);
	CHECK_INT(run(t, "not-an-ip", "a@example.com").result, SPF_PERMERROR);
	spf_table_free(t);
}

TEST(spf_eval_null_sender_and_helo)
{
	struct spf_table *t = spf_table_new();
	struct spf_request rq = { .client_ip = "192.0.2.1", .helo = "mx.Example.org",
				  .mail_from = "" };
	struct got g;

	spf_table_txt(t, "mx.example.org", "v=spf1 a -all");
	spf_table_add(t, "mx.example.org", MAUTH_DNS_A, "192.0.2.1", 9, 0);
	spf_table_txt(t, "example.com", "v=spf1 -all");
	g = run_req(t, &rq);
	CHECK_INT(g.result, SPF_PASS);
	CHECK_STR(g.sender, "postmaster@mx.Example.org");
	CHECK_STR(g.domain, "mx.Example.org");
	/* the HELO identity ignores MAIL FROM */
	rq.mail_from = "a@example.com";
	rq.identity = SPF_ID_HELO;
	g = run_req(t, &rq);
	CHECK_INT(g.result, SPF_PASS);
	CHECK_STR(g.domain, "mx.Example.org");
	rq.identity = SPF_ID_MAILFROM;
	CHECK_INT(run_req(t, &rq).result, SPF_FAIL);
	/* a HELO that is not a name: none */
	rq.helo = "[192.0.2.1]";
	rq.mail_from = NULL;
	CHECK_INT(run_req(t, &rq).result, SPF_NONE);
	rq.helo = "localhost";
	CHECK_INT(run_req(t, &rq).result, SPF_NONE);
	spf_table_free(t);
}

TEST(spf_eval_dns_errors)
{
	struct spf_table *t = spf_table_new();
	struct mauth_resolver r;
	struct spf_request rq = { .client_ip = "192.0.2.1", .helo = "h.example",
				  .mail_from = "a@example.com" };
	struct got g;

	spf_table_tempfail(t, "example.com", MAUTH_DNS_TXT);
	CHECK_INT(run(t, "192.0.2.1", "a@example.com").result, SPF_TEMPERROR);
	spf_table_txt(t, "a.example", "v=spf1 a:down.example -all");
	spf_table_tempfail(t, "down.example", MAUTH_DNS_A);
	CHECK_INT(run(t, "192.0.2.1", "x@a.example").result, SPF_TEMPERROR);
	spf_table_txt(t, "i.example", "v=spf1 include:down.example -all");
	spf_table_tempfail(t, "down.example", MAUTH_DNS_TXT);
	CHECK_INT(run(t, "192.0.2.1", "x@i.example").result, SPF_TEMPERROR);
	/* a question that cannot be asked: temperror, from inside */
	spf_table_refuse(t, 1);
	memset(&g, 0, sizeof(g));
	spf_table_resolver(t, &r);
	CHECK(spf_check(&r, &rq, on_done, &g) == NULL);
	CHECK_INT(g.runs, 1);
	CHECK_INT(g.result, SPF_TEMPERROR);
	spf_table_free(t);
}

TEST(spf_eval_cancel)
{
	struct spf_table *t = spf_table_new();
	struct mauth_resolver r;
	struct spf_request rq = { .client_ip = "192.0.2.1", .helo = "h.example",
				  .mail_from = "a@example.com" };
	struct spf_check *c;
	struct got g;

	spf_table_txt(t, "example.com", "v=spf1 include:b.example ptr "
		      "exists:%{p}.x.example -all exp=why.example");
	spf_table_txt(t, "b.example", "v=spf1 mx -all");
	spf_table_add(t, "b.example", MAUTH_DNS_MX, "mx.b.example", 12, 0);
	spf_table_add(t, "1.2.0.192.in-addr.arpa", MAUTH_DNS_PTR, "h.example", 9, 0);
	spf_table_add(t, "h.example", MAUTH_DNS_A, "192.0.2.9", 9, 0);
	spf_table_txt(t, "why.example", "see %{p}");
	spf_table_resolver(t, &r);
	/* cancelled at every step of the evaluation in turn: include, MX,
	 * addresses, PTR, the names' addresses, exists, exp */
	bool completed = false;

	for (size_t steps = 0; steps < 30 && !completed; steps++) {
		memset(&g, 0, sizeof(g));
		c = spf_check(&r, &rq, on_done, &g);
		CHECK(c != NULL);
		spf_table_run(t, steps);
		if (g.runs != 0) {
			/* the whole check ran: every step was cut once */
			CHECK(steps >= 8);
			CHECK_INT(g.result, SPF_FAIL);
			CHECK_STR(g.expl, "see unknown");
			completed = true;
			break;
		}
		spf_cancel(c);
		CHECK_INT(spf_table_run(t, 1000), 0);
		CHECK_INT(g.runs, 0);
	}
	CHECK(completed);
	spf_table_free(t);
}

TEST(spf_eval_exp_only_on_fail)
{
	struct spf_table *t = spf_table_new();
	struct got g;
	size_t before;

	spf_table_txt(t, "example.com", "v=spf1 ip4:192.0.2.1 -all exp=why.%{d}");
	spf_table_txt(t, "why.example.com", "%{i} may not send for %{d} (%{l})");
	before = spf_table_asked(t);
	CHECK_INT(run(t, "192.0.2.1", "bob@example.com").result, SPF_PASS);
	CHECK_INT(spf_table_asked(t) - before, 1);
	g = run(t, "192.0.2.9", "bob@example.com");
	CHECK_INT(g.result, SPF_FAIL);
	CHECK_STR(g.expl, "192.0.2.9 may not send for example.com (bob)");
	/* a broken explanation gives the default, not an error */
	spf_table_txt(t, "bad.example", "v=spf1 -all exp=why.bad.example");
	spf_table_txt(t, "why.bad.example", "%{x}");
	g = run(t, "192.0.2.9", "bob@bad.example");
	CHECK_INT(g.result, SPF_FAIL);
	CHECK_STR(g.expl, "192.0.2.9 is not allowed to send mail from bad.example");
	spf_table_free(t);
}

TEST(spf_eval_p_macro_and_ptr)
{
	struct spf_table *t = spf_table_new();

	spf_table_txt(t, "example.com", "v=spf1 ptr -all");
	spf_table_add(t, "1.2.0.192.in-addr.arpa", MAUTH_DNS_PTR,
		      "mail.example.com", 16, 0);
	spf_table_add(t, "mail.example.com", MAUTH_DNS_A, "192.0.2.1", 9, 0);
	spf_table_add(t, "2.2.0.192.in-addr.arpa", MAUTH_DNS_PTR,
		      "forged.example.com", 18, 0);
	spf_table_add(t, "forged.example.com", MAUTH_DNS_A, "198.51.100.1", 12, 0);
	CHECK_INT(run(t, "192.0.2.1", "a@example.com").result, SPF_PASS);
	/* a name whose addresses do not lead back is not validated */
	CHECK_INT(run(t, "192.0.2.2", "a@example.com").result, SPF_FAIL);
	spf_table_txt(t, "p.example", "v=spf1 exists:%{p}.ok.example -all");
	spf_table_add(t, "mail.example.com.ok.example", MAUTH_DNS_A, "127.0.0.2", 9, 0);
	CHECK_INT(run(t, "192.0.2.1", "a@p.example").result, SPF_PASS);
	spf_table_add(t, "unknown.ok.example", MAUTH_DNS_A, "127.0.0.2", 9, 0);
	CHECK_INT(run(t, "192.0.2.2", "a@p.example").result, SPF_PASS);
	spf_table_free(t);
}

TEST(spf_eval_limits)
{
	struct spf_table *t = spf_table_new();
	struct buf b = BUF_INIT;
	struct got g;
	size_t before;

	/* 11 MX names: permerror (4.6.4) */
	spf_table_txt(t, "mx.example", "v=spf1 mx -all");
	for (int i = 0; i < 11; i++) {
		char n[32];

		snprintf(n, sizeof(n), "mx%d.mx.example", i);
		spf_table_add(t, "mx.example", MAUTH_DNS_MX, n, strlen(n), 0);
	}
	CHECK_INT(run(t, "192.0.2.1", "a@mx.example").result, SPF_PERMERROR);
	/* 20 PTR names: only 10 looked at */
	spf_table_txt(t, "ptr.example", "v=spf1 ptr -all");
	for (int i = 0; i < 20; i++) {
		char n[32];

		snprintf(n, sizeof(n), "p%d.ptr.example", i);
		spf_table_add(t, "1.2.0.192.in-addr.arpa", MAUTH_DNS_PTR, n,
			      strlen(n), 0);
	}
	spf_table_add(t, "p15.ptr.example", MAUTH_DNS_A, "192.0.2.1", 9, 0);
	before = spf_table_asked(t);
	CHECK_INT(run(t, "192.0.2.1", "a@ptr.example").result, SPF_FAIL);
	CHECK_INT(spf_table_asked(t) - before, 1 + 1 + 10);
	/* two void lookups are fine, the third is a permerror */
	spf_table_txt(t, "void2.example", "v=spf1 a:n1.example a:n2.example ?all");
	spf_table_txt(t, "void3.example",
		      "v=spf1 a:n1.example a:n2.example a:n3.example ?all");
	CHECK_INT(run(t, "192.0.2.1", "a@void2.example").result, SPF_NEUTRAL);
	CHECK_INT(run(t, "192.0.2.1", "a@void3.example").result, SPF_PERMERROR);
	/* the limits come from the caller */
	spf_table_exists(t, "n1.example");
	{
		struct spf_limits lim = { .dns_terms = 2 };
		struct spf_request rq = { .client_ip = "192.0.2.1",
					  .mail_from = "a@void3.example",
					  .limits = &lim };

		g = run_req(t, &rq);
		CHECK_INT(g.result, SPF_PERMERROR);
		CHECK(strstr(g.reason, "more than 2 DNS") != NULL);
	}
	/* a record over record_max bytes */
	buf_append_str(&b, "v=spf1");
	for (int i = 0; i < 100; i++)
		buf_append_str(&b, " ip4:198.51.100.1");
	spf_table_txt(t, "long.example", buf_cstr(&b));
	{
		struct spf_limits lim = { .record_max = 1000 };
		struct spf_request rq = { .client_ip = "192.0.2.1",
					  .mail_from = "a@long.example",
					  .limits = &lim };

		CHECK_INT(run_req(t, &rq).result, SPF_PERMERROR);
	}
	CHECK_INT(run(t, "192.0.2.1", "a@long.example").result, SPF_NEUTRAL);
	buf_free(&b);
	spf_table_free(t);
}

TEST(spf_eval_hostile)
{
	struct spf_table *t = spf_table_new();
	struct buf b = BUF_INIT;
	size_t before;
	struct got g;

	/* an include loop: permerror after 10 terms */
	spf_table_txt(t, "loop.example", "v=spf1 include:loop2.example -all");
	spf_table_txt(t, "loop2.example", "v=spf1 include:loop.example -all");
	before = spf_table_asked(t);
	g = run(t, "192.0.2.1", "a@loop.example");
	CHECK_INT(g.result, SPF_PERMERROR);
	CHECK(spf_table_asked(t) - before <= 11);
	/* a self-redirect, and a chain of 1000 redirects */
	spf_table_txt(t, "self.example", "v=spf1 redirect=self.example");
	CHECK_INT(run(t, "192.0.2.1", "a@self.example").result, SPF_PERMERROR);
	for (int i = 0; i < 1000; i++) {
		char n[32], v[64];

		snprintf(n, sizeof(n), "r%d.example", i);
		snprintf(v, sizeof(v), "v=spf1 redirect=r%d.example", i + 1);
		spf_table_txt(t, n, v);
	}
	before = spf_table_asked(t);
	CHECK_INT(run(t, "192.0.2.1", "a@r0.example").result, SPF_PERMERROR);
	CHECK(spf_table_asked(t) - before <= 11);
	/* includes nested 9 deep that end in a pass: a pass */
	for (int i = 0; i < 9; i++) {
		char n[32], v[64];

		snprintf(n, sizeof(n), "n%d.example", i);
		snprintf(v, sizeof(v), "v=spf1 include:n%d.example -all", i + 1);
		spf_table_txt(t, n, v);
	}
	spf_table_txt(t, "n9.example", "v=spf1 ip4:192.0.2.1 -all");
	CHECK_INT(run(t, "192.0.2.1", "a@n0.example").result, SPF_PASS);
	CHECK_INT(run(t, "192.0.2.2", "a@n0.example").result, SPF_FAIL);
	/* 1000 a terms: permerror at the 11th, 11 questions at most */
	buf_append_str(&b, "v=spf1");
	for (int i = 0; i < 1000; i++)
		buf_append_str(&b, " a");
	spf_table_txt(t, "many.example", buf_cstr(&b));
	spf_table_add(t, "many.example", MAUTH_DNS_A, "198.51.100.1", 12, 0);
	before = spf_table_asked(t);
	CHECK_INT(run(t, "192.0.2.1", "a@many.example").result, SPF_PERMERROR);
	CHECK(spf_table_asked(t) - before <= 11);
	/* 1000 ip4 terms: no DNS, the last matches */
	buf_reset(&b);
	buf_append_str(&b, "v=spf1");
	for (int i = 0; i < 999; i++)
		buf_printf(&b, " -ip4:198.51.%d.%d", i / 256, i % 256);
	buf_append_str(&b, " ip4:192.0.2.1 -all");
	spf_table_txt(t, "ip4s.example", buf_cstr(&b));
	before = spf_table_asked(t);
	CHECK_INT(run(t, "192.0.2.1", "a@ip4s.example").result, SPF_PASS);
	CHECK_INT(spf_table_asked(t) - before, 1);
	CHECK_INT(run(t, "198.51.3.200", "a@ip4s.example").result, SPF_FAIL);
	/* a 60000-byte TXT record: garbage is a permerror */
	buf_reset(&b);
	buf_append_str(&b, "v=spf1 ");
	for (int i = 0; i < 60000; i++)
		buf_append_byte(&b, "a:%{"[i % 4]);
	spf_table_txt(t, "huge.example", buf_cstr(&b));
	g = run(t, "192.0.2.1", "a@huge.example");
	CHECK_INT(g.result, SPF_PERMERROR);
	CHECK(strlen(g.reason) < 500);
	/* a sender whose macros expand past any name: cut to 253 bytes */
	spf_table_txt(t, "big.example", "v=spf1 exists:%{l}.%{l}.%{l}.%{l}.%{l}.x.example -all");
	g = run(t, "192.0.2.1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"@big.example");
	CHECK_INT(g.result, SPF_FAIL);
	/* a one-label target with a label over 63 bytes is not asked */
	spf_table_txt(t, "label.example", "v=spf1 exists:%{l} -all");
	before = spf_table_asked(t);
	g = run(t, "192.0.2.1", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		"@label.example");
	CHECK_INT(g.result, SPF_PERMERROR);
	CHECK_INT(spf_table_asked(t) - before, 1);
	buf_free(&b);
	spf_table_free(t);
}
