/* test-arc.c - ARC (RFC 8617): a chain sealed twice by python3-dkim
 * (tests/data/arc/make-fixture.py) verifies; alterations, malformed
 * sets (gaps, duplicates, i=0, i=51, garbage, 1,000 seals) and cv=
 * rules fail; seals made here verify here, at the next instance. */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>

#include "lib/buf.h"
#include "mailauth/arc.h"
#include "mailauth/mauth-table.h"

static char *
load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len = b.len;
	buf_append_byte(&b, 0);
	return buf_steal(&b);
}

struct got {
	int calls;
	struct arc_verdict v;
};

static void
got_cb(void *arg, const struct arc_verdict *res)
{
	struct got *g = arg;

	g->calls++;
	g->v = *res;
}

static struct mauth_table *
keys(void)
{
	struct mauth_table *t = mauth_table_new();

	CHECK(mauth_table_load(t, "tests/data/arc/keys.dns") == 0);
	return t;
}

static unsigned max_rsa_bits;	/* 0: the default */

/* verify m (the body in chunks of chunk bytes) */
static void
verify(const char *m, struct mauth_table *t, size_t chunk, struct got *g)
{
	struct arc_verifier *v = arc_verify_new(0);
	struct mauth_resolver r;
	const char *body = strstr(m, "\r\n\r\n");
	size_t hlen = body ? (size_t)(body - m) + 4 : strlen(m);
	size_t len = strlen(m);

	memset(g, 0, sizeof(*g));
	arc_verify_set_max_rsa_bits(v, max_rsa_bits);
	mauth_table_resolver(t, &r);
	/* the header whole, then the body chunk by chunk */
	arc_verify_message(v, m, hlen);
	for (size_t i = hlen; i < len; i += chunk)
		arc_verify_body(v, m + i, len - i < chunk ? len - i : chunk);
	arc_verify_finish(v, &r, got_cb, g);
	mauth_table_run(t, (size_t)-1);
	CHECK_INT(g->calls, 1);
	arc_verify_free(v);
}

static char *
replace(const char *m, const char *from, const char *to)
{
	const char *p = strstr(m, from);
	struct buf b = BUF_INIT;

	CHECK(p != NULL);
	if (p == NULL)
		return xstrdup(m);
	buf_append(&b, m, (size_t)(p - m));
	buf_append_str(&b, to);
	buf_append_str(&b, p + strlen(from));
	return buf_steal(&b);
}

static char *
fixture(void)
{
	size_t len;
	char *m = load("tests/data/arc/chain2.eml", &len);

	CHECK(m != NULL);
	return m ? m : xstrdup("");
}

TEST(arc_verify_python_chain)
{
	struct mauth_table *t = keys();
	char *m = fixture();
	struct got g;

	for (size_t chunk = 1; chunk < 40; chunk += 13) {
		verify(m, t, chunk, &g);
		CHECK_STR(arc_result_name(g.v.result), "pass");
		CHECK_INT(g.v.instance, 2);
		CHECK_STR(g.v.sealer, "fwd.example.net");
		CHECK(g.v.sealable);
		CHECK_INT(g.v.oldest_pass, 0);
	}
	free(m);
	mauth_table_free(t);
}

/* a key over auth_checks.dkim_max_rsa_bits is not worth its CPU: the
 * chain fails unverified */
TEST(arc_verify_key_too_large)
{
	struct mauth_table *t = keys();
	char *m = fixture();
	struct got g;

	max_rsa_bits = 1023;
	verify(m, t, 64, &g);
	max_rsa_bits = 0;
	CHECK_STR(arc_result_name(g.v.result), "fail");
	CHECK(strstr(g.v.reason, "RSA key too large") != NULL);
	verify(m, t, 64, &g);
	CHECK_STR(arc_result_name(g.v.result), "pass");
	free(m);
	mauth_table_free(t);
}

/* a footer added after seal 1: the chain passes, AMS 1 does not */
TEST(arc_verify_oldest_pass)
{
	struct mauth_table *t = keys();
	size_t len;
	char *m = load("tests/data/arc/footer.eml", &len);
	struct got g;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	verify(m, t, 4096, &g);
	CHECK_STR(arc_result_name(g.v.result), "pass");
	CHECK_INT(g.v.instance, 2);
	CHECK_INT(g.v.oldest_pass, 2);
	free(m);
	mauth_table_free(t);
}

static void
expect(const char *m, enum arc_result want, const char *reason)
{
	struct mauth_table *t = keys();
	struct got g;

	verify(m, t, 4096, &g);
	if (g.v.result != want)
		test_fail(__FILE__, __LINE__, "want %s got %s (%s)",
			  arc_result_name(want), arc_result_name(g.v.result),
			  g.v.reason);
	if (reason && !strstr(g.v.reason, reason))
		test_fail(__FILE__, __LINE__, "reason \"%s\" lacks \"%s\"",
			  g.v.reason, reason);
	mauth_table_free(t);
}

TEST(arc_verify_altered)
{
	char *m = fixture(), *x;

	x = replace(m, "Hello, chain.", "Hello, chain!");
	expect(x, ARC_FAIL, "body hash");
	free(x);
	x = replace(m, "Subject: sealed twice", "Subject: sealed thrice");
	expect(x, ARC_FAIL, "ARC-Message-Signature");
	free(x);
	/* the older set's AAR: only the seals cover it */
	x = replace(m, "i=1; lists.example.org; spf=pass",
		    "i=1; lists.example.org; spf=fail");
	expect(x, ARC_FAIL, "ARC-Seal");
	free(x);
	free(m);
}

TEST(arc_verify_structure)
{
	char *m = fixture(), *x;

	expect("From: a@example.com\r\n\r\nhi\r\n", ARC_NONE, NULL);
	/* a gap: set 1's seal renamed away */
	x = replace(m, "ARC-Seal: i=1;", "X-Seal: i=1;");
	expect(x, ARC_FAIL, "incomplete");
	free(x);
	/* two seals in set 2 */
	x = replace(m, "ARC-Seal: i=1;", "ARC-Seal: i=2;");
	expect(x, ARC_FAIL, "two ARC fields");
	free(x);
	x = replace(m, "ARC-Seal: i=1;", "ARC-Seal: i=0;");
	expect(x, ARC_FAIL, "out of range");
	free(x);
	x = replace(m, "ARC-Authentication-Results: i=2;",
		    "ARC-Authentication-Results: i=51;");
	expect(x, ARC_FAIL, "out of range");
	free(x);
	x = replace(m, "ARC-Seal: i=2; cv=pass;", "ARC-Seal: i=2; cv=pass;;=;");
	expect(x, ARC_FAIL, "valid i=");
	free(x);
	x = replace(m, "c=relaxed/relaxed;\r\n d=fwd", "c=relaxed/relaxed; x\r\n d=fwd");
	expect(x, ARC_FAIL, "valid i=");
	free(x);
	x = replace(m, "ARC-Authentication-Results: i=2;",
		    "ARC-Authentication-Results: i=two;");
	expect(x, ARC_FAIL, "i=");
	free(x);
	x = replace(m, "ARC-Seal: i=2; cv=pass;", "ARC-Seal: i=2; cv=maybe;");
	expect(x, ARC_FAIL, "cv=");
	free(x);
	x = replace(m, "ARC-Seal: i=2; cv=pass;", "ARC-Seal: i=2; cv=fail;");
	expect(x, ARC_FAIL, "cv=fail");
	free(x);
	x = replace(m, "ARC-Seal: i=1; cv=none;", "ARC-Seal: i=1; cv=pass;");
	expect(x, ARC_FAIL, "cv=none");
	free(x);
	x = replace(m, "ARC-Seal: i=2; cv=pass;", "ARC-Seal: i=2; cv=none;");
	expect(x, ARC_FAIL, "cv=pass");
	free(x);
	x = replace(m, "ARC-Seal: i=2; cv=pass;", "ARC-Seal: i=2; cv=pass; h=from;");
	expect(x, ARC_FAIL, "h=");
	free(x);
	x = replace(m, "a=rsa-sha256; d=fwd", "a=rsa-sha1; d=fwd");
	expect(x, ARC_FAIL, "algorithm");
	free(x);
	free(m);
}

TEST(arc_verify_thousand_seals)
{
	struct buf b = BUF_INIT;
	struct mauth_table *t = keys();
	struct got g;

	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "ARC-Seal: i=%d; cv=none; a=rsa-sha256; "
			   "d=example.com; s=x; b=AAAA\r\n", i % 60);
	buf_append_str(&b, "From: a@example.com\r\n\r\nhi\r\n");
	verify(buf_cstr(&b), t, 7, &g);
	CHECK_INT(g.v.result, ARC_FAIL);
	CHECK(!g.v.sealable);
	CHECK_INT(mauth_table_asked(t), 0);
	buf_free(&b);
	mauth_table_free(t);
}

TEST(arc_verify_dns_tempfail)
{
	struct mauth_table *t = mauth_table_new();
	char *m = fixture();
	struct got g;

	mauth_table_load(t, "tests/data/arc/keys.dns");
	mauth_table_tempfail(t, "arc._domainkey.lists.example.org",
			     MAUTH_DNS_TXT);
	verify(m, t, 4096, &g);
	CHECK_STR(arc_result_name(g.v.result), "temperror");
	mauth_table_free(t);
	/* no key published: fail */
	t = mauth_table_new();
	verify(m, t, 4096, &g);
	CHECK_STR(arc_result_name(g.v.result), "fail");
	mauth_table_free(t);
	free(m);
}

static const char authres[] =
	"Authentication-Results: mx.example.org;\r\n\tspf=pass "
	"smtp.mailfrom=ann@example.com;\r\n\tarc=pass\r\n";

static char *
seal(const struct dkim_keyset *ks, const char *m, enum arc_result cv)
{
	struct arc_sealer *s = arc_seal_new(ks, 0);
	char *err = NULL, *set, *out;

	arc_seal_message(s, m, strlen(m));
	set = arc_seal_finish(s, cv, authres, &err);
	CHECK(err == NULL);
	free(err);
	arc_seal_free(s);
	if (set == NULL)
		return NULL;
	out = xasprintf("%s%s", set, m);
	free(set);
	return out;
}

TEST(arc_seal_roundtrip)
{
	const char *dir = test_tmpdir();
	struct mauth_table *t = keys();
	struct dkim_keyset *ks = NULL;
	struct dkim_dns_record *rec;
	char *err = NULL, *m = fixture(), *x, *y;
	size_t n;
	struct got g;

	CHECK(dkim_keys_generate(dir, "example.org", 1796313600, (uid_t)-1,
				 (gid_t)-1, NULL, NULL, &err) == 0);
	CHECK_INT(dkim_keys_load(dir, "example.org", &ks, &err), 0);
	CHECK_INT(dkim_dns_records(dir, "example.org", &rec, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		mauth_table_txt(t, rec[i].name, rec[i].value);
	dkim_dns_records_free(rec, n);
	if (ks == NULL)
		return;

	/* no chain: i=1, cv=none */
	x = seal(ks, "From: Ann <ann@example.com>\r\nSubject: hi\r\n\r\n"
		 "body  \r\n\r\n", ARC_NONE);
	CHECK(x && strstr(x, "ARC-Seal: i=1; a=rsa-sha256;"));
	CHECK(x && strstr(x, "cv=none;"));
	CHECK(x && strstr(x, "ARC-Authentication-Results: i=1; mx.example.org;"));
	verify(x, t, 5, &g);
	CHECK_STR(arc_result_name(g.v.result), "pass");
	CHECK_INT(g.v.instance, 1);
	CHECK_STR(g.v.sealer, "example.org");
	free(x);

	/* python's chain: i=3, cv=pass, and it still verifies */
	x = seal(ks, m, ARC_PASS);
	CHECK(x && strstr(x, "ARC-Seal: i=3;"));
	verify(x, t, 4096, &g);
	CHECK_STR(arc_result_name(g.v.result), "pass");
	CHECK_INT(g.v.instance, 3);
	free(x);

	/* a broken chain: sealed with cv=fail once, then never again */
	y = replace(m, "Hello, chain.", "Hello, altered.");
	x = seal(ks, y, ARC_FAIL);
	CHECK(x && strstr(x, "cv=fail;"));
	verify(x, t, 4096, &g);
	CHECK_STR(arc_result_name(g.v.result), "fail");
	CHECK(!g.v.sealable);
	CHECK(x && seal(ks, x, ARC_FAIL) == NULL);
	free(x);
	free(y);
	/* a DNS temperror: not sealed (a later retry may pass) */
	CHECK(seal(ks, m, ARC_TEMPERROR) == NULL);
	free(m);
	dkim_keys_free(ks);
	mauth_table_free(t);
}

TEST(arc_seal_at_fifty)
{
	struct buf b = BUF_INIT;
	struct dkim_keyset *ks = NULL;
	char *err = NULL;

	CHECK(dkim_keys_generate(test_tmpdir(), "example.org", 1796313600,
				 (uid_t)-1, (gid_t)-1, NULL, NULL, &err) == 0);
	CHECK_INT(dkim_keys_load(test_tmpdir(), "example.org", &ks, &err), 0);
	if (ks == NULL)
		return;
	for (int i = 1; i <= 50; i++)
		buf_printf(&b, "ARC-Seal: i=%d; cv=%s; a=rsa-sha256; d=e.com; "
			   "s=x; b=AAAA\r\nARC-Message-Signature: i=%d; "
			   "a=rsa-sha256; d=e.com; s=x; h=from; bh=AAAA; "
			   "b=AAAA\r\nARC-Authentication-Results: i=%d; e.com; "
			   "none\r\n", i, i == 1 ? "none" : "pass", i, i);
	buf_append_str(&b, "From: a@example.com\r\n\r\nhi\r\n");
	CHECK(seal(ks, buf_cstr(&b), ARC_PASS) == NULL);
	buf_free(&b);
	dkim_keys_free(ks);
}
