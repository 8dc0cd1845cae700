/* test-dkim.c - DKIM canonicalization (RFC 6376 3.4.5's examples), the
 * tag-list parser, the RFC 8463 Appendix A message, l=, limits, and
 * sign-then-verify with keys made by dkim_keys_generate(). */
#include "test.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "mailauth/dkim-private.h"
#include "mailauth/mauth-table.h"
#include "mailauth/dkim.h"

#define NOW_8463 1527915400	/* after both t= of the RFC 8463 signatures */

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

/* split a message into header fields and body; feed them */
struct feeder {
	void (*header)(void *, const char *, size_t);
	void (*end)(void *);
	void (*body)(void *, const void *, size_t);
	void *obj;
};

static void
feed(const struct feeder *fd, const char *m, size_t len, size_t chunk)
{
	size_t i = 0;

	while (i < len) {
		size_t start = i, end;

		if (m[i] == '\r' && i + 1 < len && m[i + 1] == '\n') {
			i += 2;
			break;	/* the empty line */
		}
		for (;;) {
			const char *crlf = memmem(m + i, len - i, "\r\n", 2);

			if (crlf == NULL) {
				end = i = len;
				break;
			}
			i = (size_t)(crlf - m) + 2;
			if (i >= len || (m[i] != ' ' && m[i] != '\t')) {
				end = i - 2;
				break;
			}
		}
		fd->header(fd->obj, m + start, end - start);
	}
	fd->end(fd->obj);
	for (; i < len; i += chunk)
		fd->body(fd->obj, m + i, len - i < chunk ? len - i : chunk);
}

static void vh(void *o, const char *f, size_t n) { dkim_verify_header(o, f, n); }
static void ve(void *o) { dkim_verify_end_header(o); }
static void vb(void *o, const void *p, size_t n) { dkim_verify_body(o, p, n); }
static void sh(void *o, const char *f, size_t n) { dkim_sign_header(o, f, n); }
static void se(void *o) { dkim_sign_end_header(o); }
static void sb(void *o, const void *p, size_t n) { dkim_sign_body(o, p, n); }

struct got {
	int calls;
	size_t n;
	struct dkim_sig_result r[16];
};

static void
got_cb(void *arg, const struct dkim_sig_result *res, size_t n)
{
	struct got *g = arg;

	g->calls++;
	g->n = n;
	for (size_t i = 0; i < n && i < 16; i++)
		g->r[i] = res[i];
}

/* verify m with the table in dns_path (or t), answers run afterwards */
static void
verify(const char *m, size_t len, struct mauth_table *t, time_t now,
       unsigned max, size_t chunk, struct got *g)
{
	struct dkim_verify_opts o = { .max_signatures = max, .now = now };
	struct dkim_verifier *v = dkim_verify_new(&o);
	struct feeder fd = { vh, ve, vb, v };
	struct mauth_resolver r;

	memset(g, 0, sizeof(*g));
	mauth_table_resolver(t, &r);
	feed(&fd, m, len, chunk);
	dkim_verify_finish(v, &r, got_cb, g);
	mauth_table_run(t, (size_t)-1);
	CHECK_INT(g->calls, 1);
	dkim_verify_free(v);
}

static struct mauth_table *
table_8463(void)
{
	struct mauth_table *t = mauth_table_new();

	CHECK(mauth_table_load(t, "tests/data/dkim/rfc8463.dns") == 0);
	return t;
}

static void
body_hash(bool relaxed, int64_t limit, const char *in, size_t chunk,
	  unsigned char out[32])
{
	struct dkim_bh bh;
	size_t n = strlen(in);

	dkim_bh_init(&bh, relaxed, limit);
	for (size_t i = 0; i < n; i += chunk)
		dkim_bh_update(&bh, (const unsigned char *)in + i,
			       n - i < chunk ? n - i : chunk);
	dkim_bh_final(&bh, out);
}

static void
check_body(bool relaxed, const char *in, const char *want)
{
	unsigned char h[32], w[32];
	unsigned int wn = 32;

	EVP_Digest(want, strlen(want), w, &wn, EVP_sha256(), NULL);
	for (size_t chunk = 1; chunk <= 7; chunk += 3) {
		body_hash(relaxed, -1, in, chunk, h);
		if (memcmp(h, w, 32) != 0)
			test_fail(__FILE__, __LINE__, "body \"%s\" %s chunk %zu",
				  in, relaxed ? "relaxed" : "simple", chunk);
	}
}

/* RFC 6376 3.4.5 */
TEST(dkim_canon_rfc6376_examples)
{
	struct buf out = BUF_INIT;
	const char *a = "A: X", *b = "B : Y\t\r\n\tZ  ";

	dkim_canon_header(&out, true, a, strlen(a), true);
	dkim_canon_header(&out, true, b, strlen(b), true);
	CHECK_MEM(out.data, out.len, "a:X\r\nb:Y Z\r\n");
	buf_reset(&out);
	dkim_canon_header(&out, false, a, strlen(a), true);
	dkim_canon_header(&out, false, b, strlen(b), true);
	CHECK_MEM(out.data, out.len, "A: X\r\nB : Y\t\r\n\tZ  \r\n");
	buf_free(&out);

	check_body(true, " C \r\nD \t E\r\n\r\n\r\n", " C\r\nD E\r\n");
	check_body(false, " C \r\nD \t E\r\n\r\n\r\n", " C \r\nD \t E\r\n");
	/* empty bodies: CRLF simple (3.4.3), nothing relaxed (3.4.4) */
	check_body(false, "", "\r\n");
	check_body(true, "", "");
	check_body(false, "\r\n\r\n", "\r\n");
	check_body(true, " \r\n\t\r\n", "");
	/* a last line without CRLF gets one */
	check_body(false, "x", "x\r\n");
	check_body(true, "x  ", "x\r\n");
	/* empty lines inside stay */
	check_body(true, "a\r\n\r\n \r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n");
}

TEST(dkim_body_limit)
{
	unsigned char h[32], w[32];
	unsigned int wn = 32;
	struct dkim_bh bh;

	/* l=3 hashes "abc" of "abcdef\r\n" */
	EVP_Digest("abc", 3, w, &wn, EVP_sha256(), NULL);
	body_hash(false, 3, "abcdef\r\n", 1, h);
	CHECK(memcmp(h, w, 32) == 0);
	dkim_bh_init(&bh, true, 100);
	dkim_bh_update(&bh, (const unsigned char *)"ab\r\n", 4);
	dkim_bh_final(&bh, h);
	CHECK_INT(bh.total, 4);
}

TEST(dkim_tags_strict)
{
	static const char *const bad[] = {
		"", ";", "a=1;;b=2", "a=1; a=2", "1a=x", "a", "a=1 ; =2",
		"a=\x80", "a=b\r\nc=d", "a=x;b", "_a=1", "a=1\r\n",
		"a=\"x;y\"" /* ';' ends the value: then y" is not a tag */,
	};
	static const char *const good[] = {
		"a=1", "a=1;", " a = 1 ; b=2;", "a=", "a=b c\r\n\td",
		"v=1;\r\n h=from:to", "a_1=x",
	};
	struct dkim_tags tl;
	const char *err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (dkim_tags_parse(bad[i], strlen(bad[i]), &tl, &err))
			test_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!dkim_tags_parse(good[i], strlen(good[i]), &tl, &err))
			test_fail(__FILE__, __LINE__, "refused \"%s\": %s",
				  good[i], err);
	CHECK(dkim_tags_parse(" a = 1 2 ; b=2;", 15, &tl, &err));
	CHECK_INT(tl.n, 2);
	CHECK_MEM(tl.t[0].value, tl.t[0].value_len, "1 2");
}

TEST(dkim_key_records)
{
	struct dkim_pubkey k;
	const char *err;
	const char *ed = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

	CHECK(dkim_key_parse(ed, strlen(ed), &k, &err));
	CHECK_INT(k.kalg, DKIM_ED25519_SHA256);
	dkim_key_free(&k);
	CHECK(!dkim_key_parse("v=DKIM1; p=", 11, &k, &err));
	CHECK(k.revoked);
	CHECK(!dkim_key_parse("k=rsa; v=DKIM1; p=AA", 20, &k, &err));	/* v= not first */
	CHECK(!dkim_key_parse("v=DKIM2; p=AA", 13, &k, &err));
	CHECK(!dkim_key_parse("k=dsa; p=AA", 11, &k, &err));
	CHECK(!dkim_key_parse("h=sha1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
			      64, &k, &err));
	CHECK(!dkim_key_parse("k=ed25519; s=other; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
			      65, &k, &err));
	CHECK(!dkim_key_parse("k=ed25519; p=AAAA", 17, &k, &err));	/* not 32 bytes */
}

/* RFC 8463 Appendix A.3: both signatures of the example verify */
TEST(dkim_verify_rfc8463)
{
	size_t len;
	char *m = load("tests/data/dkim/rfc8463.eml", &len);
	struct mauth_table *t = table_8463();
	struct got g;

	CHECK(m != NULL);
	if (m == NULL)
		return;
	for (size_t chunk = 1; chunk < 200; chunk += 67) {
		verify(m, len, t, NOW_8463 + 10, 0, chunk, &g);
		CHECK_INT(g.n, 2);
		CHECK_INT(g.r[0].result, DKIM_PASS);
		CHECK_STR(g.r[0].algorithm, "ed25519-sha256");
		CHECK_STR(g.r[0].domain, "football.example.com");
		CHECK_STR(g.r[0].selector, "brisbane");
		CHECK_STR(g.r[0].b, "9/dsDChY0YMT");
		CHECK_INT(g.r[1].result, DKIM_PASS);
		CHECK_STR(g.r[1].reason, "good signature");
		CHECK_STR(g.r[1].algorithm, "rsa-sha256");
	}
	mauth_table_free(t);
	free(m);
}

static void
replace(char *m, const char *from, const char *to)
{
	char *p = strstr(m, from);

	CHECK(p != NULL && strlen(from) == strlen(to));
	if (p)
		memcpy(p, to, strlen(to));
}

TEST(dkim_verify_altered_fails)
{
	size_t len;
	char *m = load("tests/data/dkim/rfc8463.eml", &len);
	struct mauth_table *t = table_8463();
	struct got g;

	if (m == NULL)
		return;
	/* a signed header field changed: the signature fails */
	replace(m, "Is dinner ready?", "Is dinner ready!");
	verify(m, len, t, NOW_8463, 0, 4096, &g);
	CHECK_INT(g.r[0].result, DKIM_FAIL);
	CHECK_INT(g.r[1].result, DKIM_FAIL);
	CHECK_STR(g.r[0].reason, "signature did not verify");
	replace(m, "Is dinner ready!", "Is dinner ready?");
	/* the body changed: the body hash fails */
	replace(m, "We lost the game.", "We won the game!!");
	verify(m, len, t, NOW_8463, 0, 4096, &g);
	CHECK_INT(g.r[0].result, DKIM_FAIL);
	CHECK_STR(g.r[0].reason, "body hash did not verify");
	replace(m, "We won the game!!", "We lost the game.");
	/* no key: permerror; DNS failure: temperror */
	mauth_table_free(t);
	t = mauth_table_new();
	mauth_table_tempfail_all(t, "test._domainkey.football.example.com");
	verify(m, len, t, NOW_8463, 0, 4096, &g);
	CHECK_INT(g.r[0].result, DKIM_PERMERROR);
	CHECK_INT(g.r[1].result, DKIM_TEMPERROR);
	/* revoked key */
	mauth_table_txt(t, "brisbane._domainkey.football.example.com", "v=DKIM1; k=ed25519; p=");
	verify(m, len, t, NOW_8463, 0, 4096, &g);
	CHECK_INT(g.r[0].result, DKIM_PERMERROR);
	CHECK_STR(g.r[0].reason, "key revoked");
	mauth_table_free(t);
	free(m);
}

TEST(dkim_verify_l_tag)
{
	size_t len;
	char *m = load("tests/data/dkim/l-tag.eml", &len);
	struct mauth_table *t = table_8463();
	struct buf b = BUF_INIT;
	struct got g;

	if (m == NULL) {
		CHECK(!"tests/data/dkim/l-tag.eml");
		return;
	}
	verify(m, len, t, time(NULL), 0, 4096, &g);
	CHECK_INT(g.r[0].result, DKIM_PASS);
	/* text added after l= bytes: still passes */
	buf_append(&b, m, len);
	buf_append_str(&b, "P.S. appended by a list\r\n");
	verify((const char *)b.data, b.len, t, time(NULL), 0, 4096, &g);
	CHECK_INT(g.r[0].result, DKIM_PASS);
	/* a body shorter than l=: fails */
	verify(m, len - 8, t, time(NULL), 0, 4096, &g);
	CHECK_INT(g.r[0].result, DKIM_FAIL);
	CHECK_STR(g.r[0].reason, "body shorter than l=");
	buf_free(&b);
	mauth_table_free(t);
	free(m);
}

/* 1,000 DKIM-Signature fields: max_signatures of them are checked */
TEST(dkim_verify_many_signatures)
{
	struct buf m = BUF_INIT;
	struct mauth_table *t = mauth_table_new();
	struct got g;

	for (int i = 0; i < 1000; i++)
		buf_printf(&m, "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; "
			   "s=s%d; h=from; bh=AAAA; b=AAAA\r\n", i);
	buf_append_str(&m, "From: a@example.com\r\n\r\nbody\r\n");
	verify((const char *)m.data, m.len, t, 0, 0, 4096, &g);
	CHECK_INT(g.n, DKIM_MAX_SIGNATURES);
	CHECK_INT(g.r[9].result, DKIM_FAIL);	/* body hash */
	verify((const char *)m.data, m.len, t, 0, 3, 4096, &g);
	CHECK_INT(g.n, 3);
	buf_free(&m);
	mauth_table_free(t);
}

TEST(dkim_verify_bad_signatures)
{
	static const struct {
		const char *sig;
		enum dkim_result want;
	} cases[] = {
		{ "v=1; a=rsa-sha1; d=e.com; s=s; h=from; bh=AA==; b=AA==", DKIM_FAIL },
		{ "v=1; a=rsa-md5; d=e.com; s=s; h=from; bh=AA==; b=AA==", DKIM_PERMERROR },
		{ "v=2; a=rsa-sha256; d=e.com; s=s; h=from; bh=AA==; b=AA==", DKIM_PERMERROR },
		{ "v=1; a=rsa-sha256; d=e.com; s=s; h=to; bh=AA==; b=AA==", DKIM_PERMERROR },
		{ "v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AA==", DKIM_PERMERROR },
		{ "v=1; v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AA==; b=AA==", DKIM_PERMERROR },
		{ "v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AA==; b=AA==; i=x@other.com", DKIM_PERMERROR },
		{ "v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AA==; b=AA==; x=1000", DKIM_FAIL },
		{ "v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AA==; b=AA==; t=2000; x=1000", DKIM_PERMERROR },
		{ "v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AA==; b=AA==; t=99999999999", DKIM_FAIL },
		{ "v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AA==; b=AA==; c=fancy", DKIM_PERMERROR },
		{ "v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AA==; b=AA==; l=x", DKIM_PERMERROR },
		{ "v=1; a=rsa-sha256; d=e.com; s=s; h=from; bh=AA==; b=AA==; q=http", DKIM_PERMERROR },
		{ "v=1; a=rsa-sha256; d=e/com; s=s; h=from; bh=AA==; b=AA==", DKIM_PERMERROR },
	};
	struct mauth_table *t = mauth_table_new();
	struct got g;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = xasprintf("DKIM-Signature: %s\r\nFrom: a@e.com\r\n\r\nx\r\n",
				    cases[i].sig);

		verify(m, strlen(m), t, 1000000000, 0, 4096, &g);
		CHECK_INT(g.n, 1);
		if (g.r[0].result != cases[i].want)
			test_fail(__FILE__, __LINE__, "%s: %s (%s)", cases[i].sig,
				  dkim_result_name(g.r[0].result), g.r[0].reason);
		free(m);
	}
	/* no signature: n == 0, the callback still runs once */
	verify("From: a@e.com\r\n\r\nx\r\n", 20, t, 0, 0, 4096, &g);
	CHECK_INT(g.n, 0);
	mauth_table_free(t);
}

static char *
sign(const struct dkim_keyset *ks, const char *m, size_t chunk)
{
	struct dkim_signer *s = dkim_sign_new(ks, 1800000000);
	struct feeder fd = { sh, se, sb, s };
	char *err = NULL, *out;

	feed(&fd, m, strlen(m), chunk);
	out = dkim_sign_finish(s, &err);
	CHECK(out != NULL);
	free(err);
	dkim_sign_free(s);
	return out;
}

TEST(dkim_sign_verify_roundtrip)
{
	const char *dir = test_tmpdir();
	const char *msg =
		"From: Ann <ann@example.org>\r\n"
		"To: bob@example.net\r\n"
		"Subject: a rather long subject line that goes on and on\r\n"
		"  and is folded\r\n"
		"Date: Thu, 03 Dec 2026 16:00:00 +0000\r\n"
		"Message-ID: <1@example.org>\r\n"
		"X-Unsigned: yes\r\n"
		"List-Id: <l.example.org>\r\n"
		"\r\n"
		"Hello  there\t\r\n\r\n.dot\r\n\r\n\r\n";
	char sr[32], se_[32], *err = NULL;
	struct dkim_keyset *ks = NULL;
	struct dkim_dns_record *rec;
	struct mauth_table *t = mauth_table_new();
	struct stat st;
	size_t n;
	struct got g;
	char *sig, *path;

	CHECK(dkim_keys_generate(dir, "example.org", 1796313600, (uid_t)-1,
				 (gid_t)-1, sr, se_, &err) == 0);
	CHECK_STR(sr, "t20261203r");
	CHECK_STR(se_, "t20261203e");
	path = xasprintf("%s/dkim/example.org/%s.key", dir, sr);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	free(path);
	CHECK_INT(dkim_keys_load(dir, "example.net", &ks, &err), 1);
	CHECK(ks == NULL);
	CHECK_INT(dkim_keys_load(dir, "example.org", &ks, &err), 0);
	if (ks == NULL)
		return;
	CHECK_INT(dkim_dns_records(dir, "example.org", &rec, &n, &err), 0);
	CHECK_INT(n, 2);
	for (size_t i = 0; i < n; i++)
		mauth_table_txt(t, rec[i].name, rec[i].value);

	for (size_t chunk = 1; chunk < 100; chunk += 33) {
		struct buf m = BUF_INIT;

		sig = sign(ks, msg, chunk);
		CHECK(strstr(sig, "h=list-id:message-id:date:subject:to:from:from;") != NULL ||
		      !fprintf(stderr, "%s", sig));
		buf_append_str(&m, sig);
		buf_append_str(&m, msg);
		verify((const char *)m.data, m.len, t, 1800000001, 0, 5, &g);
		CHECK_INT(g.n, 2);
		CHECK_INT(g.r[0].result, DKIM_PASS);
		CHECK_STR(g.r[0].algorithm, "rsa-sha256");
		CHECK_INT(g.r[1].result, DKIM_PASS);
		CHECK_STR(g.r[1].algorithm, "ed25519-sha256");
		CHECK_STR(g.r[1].domain, "example.org");
		/* a second From added below: the oversigned From fails */
		buf_reset(&m);
		buf_append_str(&m, sig);
		buf_append_str(&m, msg);
		{
			char *body = strstr((char *)buf_cstr(&m), "\r\n\r\n");
			struct buf m2 = BUF_INIT;

			buf_append(&m2, m.data, (size_t)(body - (char *)m.data) + 2);
			buf_append_str(&m2, "From: evil@example.com\r\n");
			buf_append_str(&m2, body + 2);
			verify((const char *)m2.data, m2.len, t, 1800000001, 0, 4096, &g);
			CHECK_INT(g.r[0].result, DKIM_FAIL);
			CHECK_INT(g.r[1].result, DKIM_FAIL);
			buf_free(&m2);
		}
		buf_free(&m);
		free(sig);
	}
	/* rotate: a new pair signs, the old one stays published */
	CHECK(dkim_keys_generate(dir, "example.org", 1796313600, (uid_t)-1,
				 (gid_t)-1, sr, se_, &err) == 0);
	CHECK_STR(sr, "t20261203r2");
	dkim_dns_records_free(rec, n);
	CHECK_INT(dkim_dns_records(dir, "example.org", &rec, &n, &err), 0);
	CHECK_INT(n, 4);
	CHECK(dkim_keys_retire(dir, "example.org", "t20261203r2", &err) < 0);
	free(err);
	err = NULL;
	CHECK(dkim_keys_retire(dir, "example.org", "t20261203r", &err) == 0);
	dkim_dns_records_free(rec, n);
	CHECK_INT(dkim_dns_records(dir, "example.org", &rec, &n, &err), 0);
	CHECK_INT(n, 3);
	dkim_keys_free(ks);
	CHECK(dkim_keys_load(dir, "../etc", &ks, &err) < 0);
	free(err);
	dkim_dns_records_free(rec, n);
	mauth_table_free(t);
}

/* RFC 8301 3.2: a signature by an RSA key under 1024 bits fails, even
 * when it is mathematically right */
TEST(dkim_verify_small_rsa_key_fails)
{
	const char *msg = "From: a@small.test\r\nSubject: s\r\n\r\nbody\r\n";
	struct dkim_keyset ks = { .domain = (char *)"small.test", .n = 1 };
	struct mauth_table *t = mauth_table_new();
	struct buf m = BUF_INIT;
	struct got g;
	char *rec, *sig;

	for (unsigned bits = 512; bits <= 1024; bits += 512) {
		ks.key[0].pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
		CHECK(ks.key[0].pkey != NULL);
		if (ks.key[0].pkey == NULL)
			return;
		ks.key[0].alg = DKIM_RSA_SHA256;
		snprintf(ks.key[0].selector, sizeof(ks.key[0].selector), "k%u", bits);
		rec = dkim_key_record(ks.key[0].pkey);
		mauth_table_txt(t, bits == 512 ? "k512._domainkey.small.test" :
			       "k1024._domainkey.small.test", rec);
		sig = sign(&ks, msg, 4096);
		buf_reset(&m);
		buf_append_str(&m, sig);
		buf_append_str(&m, msg);
		verify((const char *)m.data, m.len, t, 1800000001, 0, 4096, &g);
		CHECK_INT(g.n, 1);
		if (bits == 512) {
			CHECK_INT(g.r[0].result, DKIM_FAIL);
			CHECK_STR(g.r[0].reason, "RSA key shorter than 1024 bits (RFC 8301)");
		} else {
			CHECK_INT(g.r[0].result, DKIM_PASS);
		}
		free(rec);
		free(sig);
		EVP_PKEY_free(ks.key[0].pkey);
	}
	buf_free(&m);
	mauth_table_free(t);
}

/* i= in a subdomain of d=: fine, unless the key says t=s (3.6.1);
 * t=y (testing) still passes, and says so */
TEST(dkim_verify_key_flags)
{
	static const struct {
		const char *rec;
		enum dkim_result want;
		const char *reason;
	} cases[] = {
		{ "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		  DKIM_PASS, "good signature" },
		{ "v=DKIM1; k=ed25519; t=s; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		  DKIM_PERMERROR, "key t=s: i= must be d=" },
		{ "v=DKIM1; k=ed25519; t=y; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		  DKIM_PASS, "good signature (key in testing, t=y)" },
		{ "v=DKIM1; k=rsa; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		  DKIM_PERMERROR, "key does not decode" },
		{ "v=DKIM1; k=ed25519; h=sha1; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
		  DKIM_PERMERROR, "key does not allow sha256" },
	};
	size_t len;
	char *m = load("tests/data/dkim/i-subdomain.eml", &len);
	struct got g;

	if (m == NULL) {
		CHECK(!"tests/data/dkim/i-subdomain.eml");
		return;
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mauth_table *t = mauth_table_new();

		mauth_table_txt(t, "brisbane._domainkey.football.example.com",
			       cases[i].rec);
		verify(m, len, t, time(NULL), 0, 4096, &g);
		CHECK_INT(g.r[0].result, cases[i].want);
		CHECK_STR(g.r[0].reason, cases[i].reason);
		CHECK_STR(g.r[0].identity, "joe@sub.football.example.com");
		mauth_table_free(t);
	}
	free(m);
}
