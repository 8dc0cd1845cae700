/* test-relay-dsn-sign.c - tern's reports are DKIM-signed with the keys
 * of the reporting host's domain (or its parent), and verify */
#include "test.h"
#include "mailauth/dkim-table.h"
#include "mailauth/dkim.h"
#include "relay/dsn.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char original[] =
	"From: alice@a.test\r\nTo: bob@b.test\r\nSubject: hello\r\n"
	"\r\nthe body line\r\n";

static ssize_t
mem_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	size_t n = sizeof(original) - 1;

	if (off >= n)
		return 0;
	n -= off;
	if (n > len)
		n = len;
	memcpy(buf, original + off, n);
	return (ssize_t)n;
}

struct got {
	size_t n;
	enum dkim_result r[4];
	char d[4][64];
};

static void
got_cb(void *arg, const struct dkim_sig_result *res, size_t n)
{
	struct got *g = arg;

	g->n = n;
	for (size_t i = 0; i < n && i < 4; i++) {
		g->r[i] = res[i].result;
		snprintf(g->d[i], sizeof(g->d[i]), "%s", res[i].domain);
	}
}

TEST(relay_dsn_dkim_signed)
{
	const char *dir = test_tmpdir();
	struct dsn_msg m = {
		"mail.a.test", "alice@a.test", NULL, STORE_RET_FULL,
		1795000000, 1795000100, sizeof(original) - 1, mem_read, NULL
	};
	struct dsn_rcpt r = { "bob@b.test", NULL, DSN_FAILED, "5.1.1",
			      "mx.b.test", "550 5.1.1 no such user", true,
			      1795000090, 0 };
	struct buf report = BUF_INIT, out = BUF_INIT;
	struct dkim_dns_record *rec;
	struct dkim_table *t = dkim_table_new();
	struct mauth_resolver res;
	struct dkim_verifier *v;
	struct got g = { 0 };
	char *err = NULL;
	size_t n;

	CHECK_INT(dsn_build(&m, &r, 1, &report), 0);
	/* no keys: not signed */
	CHECK(!dsn_sign(dir, &report, m.now, &out));
	CHECK_INT(out.len, 0);
	CHECK_INT(dkim_keys_generate(dir, "a.test", 0, (uid_t)-1, (gid_t)-1,
				     NULL, NULL, &err), 0);
	CHECK(dsn_sign(dir, &report, m.now, &out));
	CHECK(out.len > report.len &&
	      !memcmp(out.data, "DKIM-Signature:", 15) &&
	      !memcmp(out.data + out.len - report.len, report.data, report.len));

	CHECK_INT(dkim_dns_records(dir, "a.test", &rec, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		dkim_table_add(t, rec[i].name, rec[i].value);
	dkim_dns_records_free(rec, n);
	dkim_table_resolver(t, &res);
	v = dkim_verify_new(NULL);
	dkim_verify_message(v, (const char *)out.data, out.len);
	dkim_verify_finish(v, &res, got_cb, &g);
	dkim_table_run(t);
	dkim_verify_free(v);
	CHECK_INT(g.n, 2);
	CHECK_INT(g.r[0], DKIM_PASS);
	CHECK_INT(g.r[1], DKIM_PASS);
	CHECK_STR(g.d[0], "a.test");
	dkim_table_free(t);
	buf_free(&report);
	buf_free(&out);
}
