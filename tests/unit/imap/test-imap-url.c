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
