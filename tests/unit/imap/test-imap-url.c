/* test-imap-url.c - the IMAP URL parser CATENATE uses (RFC 5092) */
#include "test.h"

#include <stdlib.h>

#include "imap/imap-url.h"

static bool
parse(const char *s, struct imap_url *u)
{
	const char *err = NULL;
	bool ok = imap_url_parse(s, strlen(s), u, &err);

	if (!ok && err == NULL)
		test_fail(__FILE__, __LINE__, "no error text for %s", s);
	return ok;
}

TEST(imap_url_forms)
{
	struct imap_url u;

	/* RFC 4469 appendix A */
	CHECK(parse("/INBOX;UIDVALIDITY=785799047/;UID=113330/;SECTION=1.5.9",
		    &u));
	CHECK(!u.absolute);
	CHECK_STR(u.mailbox, "INBOX");
	CHECK_INT(u.uidvalidity, 785799047);
	CHECK_INT(u.uid, 113330);
	CHECK_STR(u.section, "1.5.9");
	imap_url_clear(&u);

	CHECK(parse("/Drafts/;UID=20/;SECTION=1.MIME", &u));
	CHECK_STR(u.mailbox, "Drafts");
	CHECK_INT(u.uidvalidity, 0);
	CHECK_STR(u.section, "1.MIME");
	imap_url_clear(&u);

	/* relative to the selected mailbox */
	CHECK(parse(";UID=7", &u));
	CHECK(u.mailbox == NULL);
	CHECK_INT(u.uid, 7);
	CHECK(u.section == NULL);
	imap_url_clear(&u);

	/* absolute, percent-encoded hierarchy and section, partial */
	CHECK(parse("imap://fred%40example.test;AUTH=*@mail.example.test:143"
		    "/Work/a%20b;uidvalidity=9/;uid=3/;section=HEADER.FIELDS%20"
		    "(FROM)/;PARTIAL=0.100", &u));
	CHECK(u.absolute);
	CHECK_STR(u.user, "fred@example.test");
	CHECK_STR(u.host, "mail.example.test");
	CHECK_INT(u.port, 143);
	CHECK_STR(u.mailbox, "Work/a b");
	CHECK_INT(u.uidvalidity, 9);
	CHECK_INT(u.uid, 3);
	CHECK_STR(u.section, "HEADER.FIELDS (FROM)");
	CHECK(u.partial);
	CHECK_INT(u.p_off, 0);
	CHECK_INT(u.p_len, 100);
	imap_url_clear(&u);

	CHECK(parse("imap://[::1]/INBOX/;UID=1/;PARTIAL=5", &u));
	CHECK_STR(u.host, "[::1]");
	CHECK(u.partial);
	CHECK_INT(u.p_off, 5);
	CHECK_INT(u.p_len, 0);
	imap_url_clear(&u);

	/* UTF-8 mailbox names are %-encoded UTF-8 (RFC 5092 3.1) */
	CHECK(parse("/Entw%C3%BCrfe/;UID=1", &u));
	CHECK_STR(u.mailbox, "Entw\xc3\xbcrfe");
	imap_url_clear(&u);
}

TEST(imap_url_malformed)
{
	static const char *const bad[] = {
		"", "/", "/INBOX", "/INBOX/", "/INBOX/;UID=", "/INBOX/;UID=0",
		"/INBOX/;UID=01", "/INBOX/;UID=4294967296", "/INBOX/;UID=x",
		"/INBOX;UIDVALIDITY=/;UID=1", "/INBOX;UIDVALIDITY=0/;UID=1",
		"/INBOX;UIDVALIDITY=5;UID=1", "/;UID=1", "/%zz/;UID=1",
		"/IN%00BOX/;UID=1", "/IN%4/;UID=1", "/INBOX/;UID=1/;SECTION=",
		"/INBOX/;UID=1/;PARTIAL=", "/INBOX/;UID=1/;PARTIAL=1.0",
		"/INBOX/;UID=1/;PARTIAL=a", "/INBOX/;UID=1/;URLAUTH=anonymous",
		"/INBOX/;UID=1;EXPIRE=2030-01-01T00:00:00Z", "/INBOX/;UID=1 ",
		"/INBOX/;UID=1/junk", "/IN BOX/;UID=1", "imap://", "imap:///INBOX/;UID=1",
		"imap://host", "imap://host:99999/INBOX/;UID=1",
		"imap://host:x/INBOX/;UID=1", "imap://[::1/INBOX/;UID=1",
		"imap://a:b@host/INBOX/;UID=1", "imap://u;AUTHX=1@h/INBOX/;UID=1",
		"imap://h/INBOX?SUBJECT%20x", ";SECTION=1", "UID=1", "?x",
		NULL,
	};
	struct imap_url u;

	for (size_t i = 0; bad[i] != NULL; i++) {
		if (parse(bad[i], &u))
			test_fail(__FILE__, __LINE__, "parsed \"%s\"", bad[i]);
		imap_url_clear(&u);
	}
	/* a NUL inside, and a URL over the length limit */
	CHECK(!imap_url_parse("/INBOX/;UID=1\0x", 15, &u, &(const char *){ 0 }));
	imap_url_clear(&u);
	char *big = malloc(9000);

	memset(big, 'a', 9000);
	big[0] = '/';
	CHECK(!imap_url_parse(big, 9000, &u, &(const char *){ 0 }));
	imap_url_clear(&u);
	free(big);
}

/* RFC 4467 URLAUTH and RFC 5092 EXPIRE on absolute URLs */
TEST(imap_url_urlauth)
{
	static const char rump[] = "imap://joe@example.com/INBOX/;uid=20/"
		";section=1.2;urlauth=submit+fred";
	static const char full[] = "imap://joe@example.com/INBOX/;uid=20/"
		";section=1.2;urlauth=submit+fred:internal:"
		"91354a473744909de610943775f92038";
	struct imap_url u;

	/* RFC 4467 section 8's example, rump and full */
	CHECK(parse(rump, &u));
	CHECK_STR(u.section, "1.2");
	CHECK_INT(u.access, IMAP_URL_ACCESS_SUBMIT);
	CHECK_STR(u.access_user, "fred");
	CHECK_INT(u.rump_len, strlen(rump));
	CHECK(u.mech == NULL && u.token == NULL && !u.has_expire);
	imap_url_clear(&u);
	CHECK(parse(full, &u));
	CHECK_INT(u.rump_len, strlen(rump));
	CHECK_STR(u.mech, "internal");
	CHECK_STR(u.token, "91354a473744909de610943775f92038");
	imap_url_clear(&u);

	/* EXPIRE with an offset and fractional seconds */
	CHECK(parse("imap://joe@h/INBOX/;UID=1;EXPIRE=2030-01-01T01:30:00.5+01:"
		    "30;URLAUTH=user+ann%40x.test", &u));
	CHECK(u.has_expire);
	CHECK_INT(u.expire, 1893456000);
	CHECK_INT(u.access, IMAP_URL_ACCESS_USER);
	CHECK_STR(u.access_user, "ann@x.test");
	imap_url_clear(&u);
	CHECK(parse("imap://joe@h/INBOX/;UID=1/;PARTIAL=0.5;EXPIRE=1970-01-01"
		    "T00:01:00Z;URLAUTH=AuthUser", &u));
	CHECK_INT(u.expire, 60);
	CHECK_INT(u.access, IMAP_URL_ACCESS_AUTHUSER);
	CHECK(u.partial);
	imap_url_clear(&u);
	CHECK(parse("imap://joe@h/INBOX/;UID=1;URLAUTH=anonymous:x-y.z:"
		    "0123456789abcdef0123456789ABCDEF00", &u));
	CHECK_INT(u.access, IMAP_URL_ACCESS_ANONYMOUS);
	CHECK_STR(u.mech, "x-y.z");
	imap_url_clear(&u);
}

TEST(imap_url_urlauth_malformed)
{
	static const char *const bad[] = {
		/* relative URLs take no URLAUTH */
		";UID=1;URLAUTH=anonymous",
		"imap://j@h/INBOX/;UID=1;URLAUTH=",
		"imap://j@h/INBOX/;UID=1;URLAUTH=nobody",
		"imap://j@h/INBOX/;UID=1;URLAUTH=user+",
		"imap://j@h/INBOX/;UID=1;URLAUTH=user+a/b",
		"imap://j@h/INBOX/;UID=1;URLAUTH=user+a%zz",
		"imap://j@h/INBOX/;UID=1;URLAUTH=anonymous:",
		"imap://j@h/INBOX/;UID=1;URLAUTH=anonymous:internal",
		"imap://j@h/INBOX/;UID=1;URLAUTH=anonymous:internal:",
		/* token: at least 32 hex digits */
		"imap://j@h/INBOX/;UID=1;URLAUTH=anonymous:internal:abc",
		"imap://j@h/INBOX/;UID=1;URLAUTH=anonymous:internal:"
		"0123456789abcdef0123456789abcdeg",
		"imap://j@h/INBOX/;UID=1;URLAUTH=anonymous:in_t:"
		"0123456789abcdef0123456789abcdef",
		"imap://j@h/INBOX/;UID=1;URLAUTH=anonymous:internal:"
		"0123456789abcdef0123456789abcdef;x",
		"imap://j@h/INBOX/;UID=1;EXPIRE=2030-01-01T00:00:00Z",
		"imap://j@h/INBOX/;UID=1;EXPIRE=2030-01-01;URLAUTH=anonymous",
		"imap://j@h/INBOX/;UID=1;EXPIRE=2030-13-01T00:00:00Z"
		";URLAUTH=anonymous",
		"imap://j@h/INBOX/;UID=1;EXPIRE=2030-01-01T00:00:00"
		";URLAUTH=anonymous",
		"imap://j@h/INBOX/;UID=1;EXPIRE=2030-01-01T00:00:00+1:00"
		";URLAUTH=anonymous",
		"imap://j@h/INBOX/;UID=1;URLAUTH=anonymous;EXPIRE="
		"2030-01-01T00:00:00Z",
		"imap://j@h/INBOX/;UID=1;FOO=1",
		NULL,
	};
	struct imap_url u;

	for (size_t i = 0; bad[i] != NULL; i++) {
		if (parse(bad[i], &u))
			test_fail(__FILE__, __LINE__, "parsed \"%s\"", bad[i]);
		imap_url_clear(&u);
	}
}
