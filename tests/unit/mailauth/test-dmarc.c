/* test-dmarc.c - DMARC record, organizational domain, alignment, policy
 * selection, and the asynchronous check over a table of DNS answers. */
#include "test.h"

#include "mailauth/dmarc.h"
#include "mailauth/mauth-table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- record parse ---------------------------------------------- */

static int
parse(const char *s, struct dmarc_record *r)
{
	return dmarc_record_parse(s, strlen(s), r);
}

TEST(dmarc_record_rfc_examples)
{
	struct dmarc_record r;

	/* RFC 7489 B.2.1 */
	CHECK_INT(parse("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com", &r), 0);
	CHECK(r.p_valid);
	CHECK_INT(r.p, DMARC_POLICY_NONE);
	CHECK_INT(r.sp, DMARC_POLICY_NONE);
	CHECK(!r.sp_given);
	CHECK_INT(r.n_rua, 1);
	CHECK_STR(r.rua[0], "mailto:dmarc-feedback@example.com");
	CHECK_INT(r.n_ruf, 0);
	CHECK_INT(r.adkim, DMARC_ALIGN_RELAXED);
	CHECK_INT(r.aspf, DMARC_ALIGN_RELAXED);
	CHECK_INT(r.pct, 100);
	CHECK_STR(r.fo, "0");
	CHECK_STR(r.rf, "afrf");
	CHECK_INT(r.ri, 86400);
	dmarc_record_free(&r);

	/* B.2.3, with a size limit and two URIs */
	CHECK_INT(parse("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; "
			"ruf=mailto:auth-reports@thirdparty.example.net!10m,"
			" mailto:x@example.com", &r), 0);
	CHECK_INT(r.n_ruf, 2);
	CHECK_STR(r.ruf[0], "mailto:auth-reports@thirdparty.example.net!10m");
	CHECK_STR(r.ruf[1], "mailto:x@example.com");
	dmarc_record_free(&r);

	/* B.2.4 */
	CHECK_INT(parse("v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com; pct=25", &r), 0);
	CHECK_INT(r.p, DMARC_POLICY_QUARANTINE);
	CHECK_INT(r.pct, 25);
	dmarc_record_free(&r);

	CHECK_INT(parse("v=DMARC1;p=reject;sp=none;adkim=s;aspf=s;fo=1:d;rf=afrf;ri=3600;", &r), 0);
	CHECK_INT(r.p, DMARC_POLICY_REJECT);
	CHECK_INT(r.sp, DMARC_POLICY_NONE);
	CHECK(r.sp_given);
	CHECK_INT(r.adkim, DMARC_ALIGN_STRICT);
	CHECK_INT(r.aspf, DMARC_ALIGN_STRICT);
	CHECK_STR(r.fo, "1:d");
	CHECK_INT(r.ri, 3600);
	dmarc_record_free(&r);

	/* whitespace around tags and values, case-insensitive keywords */
	CHECK_INT(parse("v = DMARC1 ;\tP = Reject ; ADKIM=S", &r), 0);
	CHECK(r.p_valid);
	CHECK_INT(r.p, DMARC_POLICY_REJECT);
	CHECK_INT(r.adkim, DMARC_ALIGN_STRICT);
	dmarc_record_free(&r);
}

TEST(dmarc_uri_split)
{
	uint64_t max;
	char *u;

	u = dmarc_uri_split("mailto:a@example.com!10m", &max);
	CHECK_STR(u, "mailto:a@example.com");
	CHECK_INT(max, 10ull * 1024 * 1024);
	free(u);
	u = dmarc_uri_split("mailto:a@example.com!500", &max);
	CHECK_STR(u, "mailto:a@example.com");
	CHECK_INT(max, 500);
	free(u);
	u = dmarc_uri_split("mailto:a@example.com!2k", &max);
	CHECK_INT(max, 2048);
	free(u);
	u = dmarc_uri_split("mailto:a!b@example.com", &max);
	CHECK_STR(u, "mailto:a!b@example.com");
	CHECK_INT(max, 0);
	free(u);
	u = dmarc_uri_split("mailto:a@example.com!1x", &max);
	CHECK_STR(u, "mailto:a@example.com!1x");
	CHECK_INT(max, 0);
	free(u);
}

TEST(dmarc_record_malformed)
{
	struct dmarc_record r;

	/* not DMARC records at all: v= not first, wrong version */
	CHECK_INT(parse("p=reject; v=DMARC1", &r), -1);
	CHECK_INT(parse("v=DMARC2; p=reject", &r), -1);
	CHECK_INT(parse("v=spf1 -all", &r), -1);
	CHECK_INT(parse("", &r), -1);
	CHECK_INT(parse("v=DMARC1x; p=none", &r), -1);

	/* p missing or invalid: still a record, p_valid false */
	CHECK_INT(parse("v=DMARC1", &r), 0);
	CHECK(!r.p_valid);
	dmarc_record_free(&r);
	CHECK_INT(parse("v=DMARC1; p=bounce; rua=mailto:a@example.com", &r), 0);
	CHECK(!r.p_valid);
	CHECK_INT(r.n_rua, 1);
	dmarc_record_free(&r);

	/* invalid values fall back to defaults; unknown tags ignored */
	CHECK_INT(parse("v=DMARC1; p=reject; pct=150; adkim=x; aspf=; ri=-5; "
			"fo=7; foo=bar; rua=not a uri, mailto:ok@example.com", &r), 0);
	CHECK(r.p_valid);
	CHECK_INT(r.pct, 100);
	CHECK_INT(r.adkim, DMARC_ALIGN_RELAXED);
	CHECK_INT(r.aspf, DMARC_ALIGN_RELAXED);
	CHECK_INT(r.ri, 86400);
	CHECK_STR(r.fo, "0");
	CHECK_INT(r.n_rua, 1);
	CHECK_STR(r.rua[0], "mailto:ok@example.com");
	dmarc_record_free(&r);

	/* an invalid sp= makes the record unusable like an invalid p= */
	CHECK_INT(parse("v=DMARC1; p=reject; sp=maybe", &r), 0);
	CHECK(!r.sp_given);
	CHECK(!r.p_valid);
	dmarc_record_free(&r);

	/* pct=0 is valid */
	CHECK_INT(parse("v=DMARC1; p=reject; pct=0", &r), 0);
	CHECK_INT(r.pct, 0);
	dmarc_record_free(&r);

	/* NUL inside, garbage separators */
	CHECK_INT(dmarc_record_parse("v=DMARC1; p=reject\0; sp=none", 29, &r), 0);
	dmarc_record_free(&r);
	CHECK_INT(parse("v=DMARC1;;;; p=reject;=;==;;", &r), 0);
	CHECK(r.p_valid);
	dmarc_record_free(&r);
}

/* ---- organizational domain and alignment --------------------------- */

static void
check_org(const char *in, const char *want)
{
	char *o = dmarc_org_domain(in);

	if (want == NULL)
		CHECK(o == NULL);
	else
		CHECK_STR(o, want);
	free(o);
}

TEST(dmarc_org_domain)
{
	check_org("example.com", "example.com");
	check_org("mail.example.com", "example.com");
	check_org("a.b.c.Example.COM.", "example.com");
	check_org("example.co.uk", "example.co.uk");
	check_org("mx.example.co.uk", "example.co.uk");
	check_org("co.uk", "co.uk");		/* a suffix is its own */
	check_org("com", "com");
	/* wildcard and exception rules (*.ck, !www.ck) */
	check_org("a.b.ck", "a.b.ck");
	check_org("x.www.ck", "www.ck");
	/* private section: each blogspot name is its own org domain */
	check_org("foo.blogspot.com", "foo.blogspot.com");
	check_org("a.foo.blogspot.com", "foo.blogspot.com");
	/* unknown TLD: the default rule "*" */
	check_org("mail.example.test", "example.test");
	check_org("", NULL);
	check_org("a..b", NULL);
	CHECK(strstr(dmarc_psl_source(), "libpsl") != NULL);
}

TEST(dmarc_aligned)
{
	CHECK(dmarc_aligned("example.com", "example.com", DMARC_ALIGN_STRICT));
	CHECK(dmarc_aligned("Example.COM", "example.com.", DMARC_ALIGN_STRICT));
	CHECK(!dmarc_aligned("example.com", "mail.example.com", DMARC_ALIGN_STRICT));
	CHECK(dmarc_aligned("example.com", "mail.example.com", DMARC_ALIGN_RELAXED));
	CHECK(dmarc_aligned("news.example.com", "mail.example.com", DMARC_ALIGN_RELAXED));
	CHECK(!dmarc_aligned("example.com", "example.net", DMARC_ALIGN_RELAXED));
	CHECK(!dmarc_aligned("a.example.co.uk", "b.other.co.uk", DMARC_ALIGN_RELAXED));
	CHECK(dmarc_aligned("a.example.co.uk", "b.example.co.uk", DMARC_ALIGN_RELAXED));
	CHECK(!dmarc_aligned("a.blogspot.com", "b.blogspot.com", DMARC_ALIGN_RELAXED));
	CHECK(!dmarc_aligned("example.com", "", DMARC_ALIGN_RELAXED));
	CHECK(!dmarc_aligned("example.com", NULL, DMARC_ALIGN_RELAXED));
}

/* a From in U-labels (SMTPUTF8 mail) against d= in A-labels */
TEST(dmarc_aligned_idn)
{
	CHECK(dmarc_aligned("bücher.example", "xn--bcher-kva.example",
			    DMARC_ALIGN_STRICT));
	CHECK(dmarc_aligned("BÜCHER.example", "mail.xn--bcher-kva.example",
			    DMARC_ALIGN_RELAXED));
	CHECK(dmarc_aligned("mail.bücher.de", "xn--bcher-kva.de",
			    DMARC_ALIGN_RELAXED));
	CHECK(!dmarc_aligned("bücher.example", "bucher.example",
			     DMARC_ALIGN_RELAXED));
	CHECK(!dmarc_aligned("xn--.example", "xn--.example",
			     DMARC_ALIGN_STRICT));
}

TEST(dmarc_apply_pct)
{
	CHECK_INT(dmarc_apply_pct(DMARC_POLICY_REJECT, 100, 99), DMARC_POLICY_REJECT);
	CHECK_INT(dmarc_apply_pct(DMARC_POLICY_REJECT, 25, 24), DMARC_POLICY_REJECT);
	CHECK_INT(dmarc_apply_pct(DMARC_POLICY_REJECT, 25, 25), DMARC_POLICY_QUARANTINE);
	CHECK_INT(dmarc_apply_pct(DMARC_POLICY_QUARANTINE, 25, 50), DMARC_POLICY_NONE);
	CHECK_INT(dmarc_apply_pct(DMARC_POLICY_REJECT, 0, 0), DMARC_POLICY_QUARANTINE);
	CHECK_INT(dmarc_apply_pct(DMARC_POLICY_NONE, 0, 0), DMARC_POLICY_NONE);
}

/* ---- header From ---------------------------------------------------- */

static enum dmarc_from_status
from(const char *a, const char *b, char ***d, size_t *n)
{
	const char *v[2] = { a, b };
	size_t l[2] = { a ? strlen(a) : 0, b ? strlen(b) : 0 };

	return dmarc_author_domains(v, l, b ? 2 : (a ? 1 : 0), d, n);
}

TEST(dmarc_author_domains)
{
	char **d;
	size_t n;

	CHECK_INT(from(" Joe <joe@Example.COM>", NULL, &d, &n), DMARC_FROM_OK);
	CHECK_INT(n, 1);
	CHECK_STR(d[0], "example.com");
	dmarc_domains_free(d, n);
	/* two addresses, one domain: one domain */
	CHECK_INT(from("a@example.com, \"B\" <b@EXAMPLE.com>", NULL, &d, &n), DMARC_FROM_OK);
	CHECK_INT(n, 1);
	dmarc_domains_free(d, n);
	/* two domains: both checked */
	CHECK_INT(from("a@example.com,\r\n\tb@example.net (c)", NULL, &d, &n), DMARC_FROM_OK);
	CHECK_INT(n, 2);
	CHECK_STR(d[0], "example.com");
	CHECK_STR(d[1], "example.net");
	dmarc_domains_free(d, n);
	CHECK_INT(from(NULL, NULL, &d, &n), DMARC_FROM_NONE);
	CHECK_INT(from("a@example.com", "b@example.com", &d, &n), DMARC_FROM_SEVERAL);
	CHECK_INT(from("undisclosed", NULL, &d, &n), DMARC_FROM_BAD);
	CHECK_INT(from("", NULL, &d, &n), DMARC_FROM_BAD);
}

/* ---- the check, over DNS tables ---------------------------------------- */

struct tab_rr { const char *name; enum mauth_dns_rcode rcode; const char *txt[3]; };

/* the zone below as the one table resolver (mailauth/mauth-table.h) */
static struct mauth_table *
tab_make(const struct tab_rr *zone, struct mauth_resolver *r)
{
	struct mauth_table *t = mauth_table_new();

	for (const struct tab_rr *z = zone; z->name; z++) {
		if (z->rcode == MAUTH_DNS_TEMPFAIL)
			mauth_table_tempfail_all(t, z->name);
		else if (z->rcode == MAUTH_DNS_NODATA)
			mauth_table_exists(t, z->name);
		for (size_t k = 0; k < 3 && z->txt[k]; k++)
			mauth_table_txt(t, z->name, z->txt[k]);
	}
	mauth_table_resolver(t, r);
	return t;
}

struct got {
	int calls;
	enum dmarc_result result;
	enum dmarc_policy policy, applied;
	bool subdomain, spf_aligned, dkim_aligned;
	char from[64], org[64], record_domain[64];
};

static void
got_cb(void *arg, const struct dmarc_verdict *v)
{
	struct got *g = arg;

	g->calls++;
	g->result = v->result;
	g->policy = v->policy;
	g->applied = v->applied;
	g->subdomain = v->subdomain;
	g->spf_aligned = v->spf_aligned;
	g->dkim_aligned = v->dkim_aligned;
	snprintf(g->from, sizeof g->from, "%s", v->from_domain ? v->from_domain : "");
	snprintf(g->org, sizeof g->org, "%s", v->org_domain ? v->org_domain : "");
	snprintf(g->record_domain, sizeof g->record_domain, "%s",
		 v->record_domain ? v->record_domain : "");
}

static const struct tab_rr zone[] = {
	{ "_dmarc.example.com", MAUTH_DNS_DATA,
	  { "v=DMARC1; p=reject; sp=quarantine; rua=mailto:r@example.com", "v=spf1 -all" } },
	{ "_dmarc.strict.example", MAUTH_DNS_DATA,
	  { "v=DMARC1; p=reject; adkim=s; aspf=s" } },
	{ "_dmarc.half.example", MAUTH_DNS_DATA, { "v=DMARC1; p=reject; pct=50" } },
	{ "_dmarc.none.example", MAUTH_DNS_DATA, { "v=DMARC1; p=none" } },
	{ "_dmarc.two.example", MAUTH_DNS_DATA, { "v=DMARC1; p=none", "v=DMARC1; p=reject" } },
	{ "_dmarc.bad.example", MAUTH_DNS_DATA, { "v=DMARC1; p=nope" } },
	{ "_dmarc.badrua.example", MAUTH_DNS_DATA,
	  { "v=DMARC1; p=nope; rua=mailto:r@badrua.example" } },
	{ "_dmarc.temp.example", MAUTH_DNS_TEMPFAIL, { NULL } },
	{ "_dmarc.sub.temp2.example", MAUTH_DNS_NODATA, { NULL } },
	{ "_dmarc.temp2.example", MAUTH_DNS_TEMPFAIL, { NULL } },
	{ "_dmarc.own.example.com", MAUTH_DNS_DATA, { "v=DMARC1; p=none; sp=reject" } },
	{ NULL, 0, { NULL } },
};

static void
run_check(const char *from1, const char *from2, const char *spfdom, bool spfpass,
	  const char *dkimdom, bool dkimpass, int roll, struct got *g)
{
	const char *froms[2] = { from1, from2 };
	struct dmarc_dkim_in dk = { dkimdom, dkimpass };
	struct dmarc_request req = {
		.from_status = DMARC_FROM_OK,
		.from_domains = froms, .n_from = from2 ? 2 : 1,
		.spf_domain = spfdom, .spf_pass = spfpass,
		.dkim = &dk, .n_dkim = dkimdom ? 1 : 0,
		.pct_roll = roll,
	};
	struct dmarc_check *c;
	struct mauth_resolver r;
	struct mauth_table *t = tab_make(zone, &r);

	memset(g, 0, sizeof *g);
	c = dmarc_check(&r, &req, got_cb, g);
	CHECK(c != NULL);
	CHECK_INT(g->calls, 0);		/* never inside the call */
	for (int i = 0; i < 8 && g->calls == 0; i++)
		mauth_table_run(t, (size_t)-1);
	CHECK_INT(g->calls, 1);
	mauth_table_free(t);
}

TEST(dmarc_check_pass_fail)
{
	struct got g;

	/* SPF aligned (relaxed: a subdomain of the From domain) */
	run_check("example.com", NULL, "bounce.example.com", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_PASS);
	CHECK(g.spf_aligned);
	CHECK(!g.dkim_aligned);
	CHECK_INT(g.policy, DMARC_POLICY_REJECT);
	CHECK_INT(g.applied, DMARC_POLICY_NONE);
	CHECK_STR(g.record_domain, "example.com");
	/* DKIM aligned, SPF not */
	run_check("example.com", NULL, "other.net", true, "example.com", true, 0, &g);
	CHECK_INT(g.result, DMARC_PASS);
	CHECK(!g.spf_aligned);
	CHECK(g.dkim_aligned);
	/* aligned but failing identifiers do not count */
	run_check("example.com", NULL, "example.com", false, "example.com", false, 0, &g);
	CHECK_INT(g.result, DMARC_FAIL);
	CHECK_INT(g.applied, DMARC_POLICY_REJECT);
	/* strict alignment: subdomains fail */
	run_check("strict.example", NULL, "mail.strict.example", true,
		  "mail.strict.example", true, 0, &g);
	CHECK_INT(g.result, DMARC_FAIL);
	run_check("strict.example", NULL, "strict.example", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_PASS);
}

TEST(dmarc_check_policy_selection)
{
	struct got g;

	/* a subdomain without its own record: the org record's sp= */
	run_check("news.example.com", NULL, "x.net", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_FAIL);
	CHECK(g.subdomain);
	CHECK_INT(g.policy, DMARC_POLICY_QUARANTINE);
	CHECK_INT(g.applied, DMARC_POLICY_QUARANTINE);
	CHECK_STR(g.org, "example.com");
	CHECK_STR(g.record_domain, "example.com");
	/* a subdomain with its own record: its p=, not sp= */
	run_check("own.example.com", NULL, "x.net", true, NULL, false, 0, &g);
	CHECK_INT(g.policy, DMARC_POLICY_NONE);
	CHECK(!g.subdomain);
	CHECK_STR(g.record_domain, "own.example.com");
	/* sp absent: p applies to subdomains */
	run_check("a.strict.example", NULL, "x.net", true, NULL, false, 0, &g);
	CHECK_INT(g.policy, DMARC_POLICY_REJECT);
	CHECK(g.subdomain);
	/* pct=50: rolls under 50 get reject, others quarantine */
	run_check("half.example", NULL, "x.net", true, NULL, false, 49, &g);
	CHECK_INT(g.applied, DMARC_POLICY_REJECT);
	run_check("half.example", NULL, "x.net", true, NULL, false, 50, &g);
	CHECK_INT(g.policy, DMARC_POLICY_REJECT);
	CHECK_INT(g.applied, DMARC_POLICY_QUARANTINE);
}

TEST(dmarc_check_errors)
{
	struct got g;

	run_check("nothing.example", NULL, "x.net", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_NONE);
	CHECK_INT(g.applied, DMARC_POLICY_NONE);
	run_check("two.example", NULL, "x.net", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_PERMERROR);
	CHECK_INT(g.applied, DMARC_POLICY_NONE);
	run_check("bad.example", NULL, "x.net", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_PERMERROR);
	/* invalid p= but a valid rua=: as if p=none (RFC 7489 6.6.3) */
	run_check("badrua.example", NULL, "x.net", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_FAIL);
	CHECK_INT(g.policy, DMARC_POLICY_NONE);
	run_check("temp.example", NULL, "x.net", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_TEMPERROR);
	run_check("sub.temp2.example", NULL, "x.net", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_TEMPERROR);
}

TEST(dmarc_check_several_from_domains)
{
	struct got g;

	/* the strictest policy among the failing domains */
	run_check("none.example", "example.com", "none.example", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_FAIL);
	CHECK_INT(g.applied, DMARC_POLICY_REJECT);
	CHECK_STR(g.from, "example.com");
	/* all pass: pass */
	run_check("example.com", "news.example.com", "example.com", true, NULL, false, 0, &g);
	CHECK_INT(g.result, DMARC_PASS);
}

TEST(dmarc_check_unstarted)
{
	struct dmarc_request req = { .from_status = DMARC_FROM_SEVERAL };
	struct dmarc_verdict v;
	struct got g = { 0 };
	struct mauth_resolver r;
	struct mauth_table *t = tab_make(zone, &r);

	CHECK(dmarc_check(&r, &req, got_cb, &g) == NULL);
	mauth_table_free(t);
	dmarc_verdict_unstarted(&req, &v);
	CHECK_INT(v.result, DMARC_PERMERROR);
	CHECK_INT(v.applied, DMARC_POLICY_REJECT);
	CHECK_INT(g.calls, 0);
}

TEST(dmarc_check_cancel)
{
	const char *froms[1] = { "example.com" };
	struct dmarc_request req = { .from_status = DMARC_FROM_OK,
		.from_domains = froms, .n_from = 1, .pct_roll = -1 };
	struct got g = { 0 };
	struct dmarc_check *c;
	struct mauth_resolver r;
	struct mauth_table *t = tab_make(zone, &r);

	c = dmarc_check(&r, &req, got_cb, &g);
	CHECK(c != NULL);
	dmarc_cancel(c);
	mauth_table_run(t, (size_t)-1);
	CHECK_INT(g.calls, 0);
	mauth_table_free(t);
}
