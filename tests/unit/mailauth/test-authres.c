/* test-authres.c - building Authentication-Results (RFC 8601) and
 * recognizing fields that claim an authserv-id. */
#include "test.h"

#include "mailauth/authres.h"

#include <stdlib.h>
#include <string.h>

static bool
claims(const char *field, const char *id)
{
	return authres_claims(field, strlen(field), id);
}

TEST(authres_claims_rfc_examples)
{
	/* RFC 8601 B.2 - B.6 */
	CHECK(claims("Authentication-Results: example.org 1; none", "example.org"));
	CHECK(claims("Authentication-Results: example.com;\r\n"
		     "          spf=pass smtp.mailfrom=example.net", "example.com"));
	CHECK(claims("Authentication-Results: example.com;\r\n"
		     "          auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n"
		     "          spf=pass smtp.mailfrom=example.net\r\n", "EXAMPLE.COM"));
	CHECK(claims("Authentication-Results: mail-router.example.net;\r\n"
		     "          dkim=pass (good signature) header.d=newyork.example.com\r\n"
		     "                header.b=oINEO8hg;", "mail-router.example.net"));
	CHECK(!claims("Authentication-Results: mail-router.example.net;\r\n"
		      "          dkim=pass header.d=newyork.example.com", "example.net"));
	CHECK(!claims("Authentication-Results: example.com; none", "example.org"));
}

TEST(authres_claims_cfws_and_quoting)
{
	/* comments, nested and with quoted-pairs, before and after */
	CHECK(claims("Authentication-Results: (a (nested) \\) comment)\r\n\t mx.example.com"
		     " (x); spf=pass", "mx.example.com"));
	CHECK(claims("authentication-results:mx.example.com;spf=pass", "mx.example.com"));
	CHECK(claims("Authentication-Results : mx.example.com; none", "mx.example.com"));
	/* a quoted authserv-id compares by its content */
	CHECK(claims("Authentication-Results: \"mx.example.com\"; none", "mx.example.com"));
	CHECK(claims("Authentication-Results: \"mx.ex\\ample.com\"; none", "mx.example.com"));
	/* a longer or shorter name is another id */
	CHECK(!claims("Authentication-Results: mx.example.com.evil; none", "mx.example.com"));
	CHECK(!claims("Authentication-Results: mx.example; none", "mx.example.com"));
	CHECK(!claims("Authentication-Results: mx.example.comx; none", "mx.example.com"));
	/* other fields and broken ones */
	CHECK(!claims("ARC-Authentication-Results: i=1; mx.example.com; none", "mx.example.com"));
	CHECK(!claims("Authentication-Results-X: mx.example.com; none", "mx.example.com"));
	CHECK(!claims("X-Authentication-Results: mx.example.com; none", "mx.example.com"));
	CHECK(!claims("Authentication-Results: (unterminated mx.example.com; none", "mx.example.com"));
	CHECK(!claims("Authentication-Results:", "mx.example.com"));
	CHECK(!claims("Authentication-Results: \"mx.example.com", "mx.example.com"));
	CHECK(!claims("", "mx.example.com"));
	CHECK(!claims("Authentication-Results: mx.example.com; none", ""));
}

TEST(authres_build_all)
{
	struct authres_spf spf = { "pass", "user@example.net", "mail.example.net", NULL };
	struct authres_dkim dk[2] = {
		{ "pass", "example.net", "t20261203r", "rsa-sha256", "abc/def+", NULL },
		{ "fail", "example.net", "t20261203e", "ed25519-sha256", "xyzxyzxy",
		  "body hash did not verify" },
	};
	struct authres_dmarc dm = { "pass", "example.net", "none", "p=reject sp=none pct=100" };
	struct authres_arc arc = { "pass", "192.0.2.1", "2", NULL };
	struct authres_input in = { &spf, dk, 2, true, &dm, &arc };
	char *f = authres_build("mx.example.com", &in);

	CHECK_STR(f, "Authentication-Results: mx.example.com;\r\n"
		  "\tspf=pass smtp.mailfrom=user@example.net smtp.helo=mail.example.net;\r\n"
		  "\tdkim=pass header.d=example.net header.s=t20261203r header.a=rsa-sha256\r\n"
		  "\t header.b=\"abc/def+\";\r\n"
		  "\tdkim=fail (body hash did not verify) header.d=example.net header.s=t20261203e\r\n"
		  "\t header.a=ed25519-sha256 header.b=xyzxyzxy;\r\n"
		  "\tdmarc=pass (p=reject sp=none pct=100) header.from=example.net\r\n"
		  "\t policy.dmarc=none;\r\n"
		  "\tarc=pass smtp.remote-ip=192.0.2.1 header.oldest-pass=2\r\n");
	/* what tern writes, tern recognizes */
	CHECK(authres_claims(f, strlen(f), "mx.example.com"));
	free(f);
}

TEST(authres_build_edge)
{
	struct authres_input none = { 0 };
	struct authres_input nodkim = { .dkim_checked = true };
	struct authres_spf spf = { "softfail", "\"odd user\"@example.net", NULL,
				   "a (comment) with \\ and\r\nnewline" };
	struct authres_input odd = { .spf = &spf };
	char *f;

	f = authres_build("mx.example.com", &none);
	CHECK_STR(f, "Authentication-Results: mx.example.com; none\r\n");
	free(f);
	f = authres_build("mx.example.com", &nodkim);
	CHECK_STR(f, "Authentication-Results: mx.example.com;\r\n\tdkim=none\r\n");
	free(f);
	/* values that are not tokens are quoted; comments escaped */
	f = authres_build("mx.example.com", &odd);
	CHECK_STR(f, "Authentication-Results: mx.example.com;\r\n"
		  "\tspf=softfail (a \\(comment\\) with \\\\ and newline)\r\n"
		  "\t smtp.mailfrom=\"\\\"odd user\\\"@example.net\"\r\n");
	free(f);
	CHECK(authres_build("", &none) == NULL);
	CHECK(authres_build(NULL, &none) == NULL);
	CHECK(authres_build("mx\x01.example.com", &none) == NULL);
}
