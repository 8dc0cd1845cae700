/* test-imap-items.c - FETCH item and SEARCH key parsing, table-driven */
#include "test.h"

#include <stdlib.h>
#include <time.h>

#include "imap/imap-fetch.h"
#include "imap/imap-search.h"

static const struct imap_parser_limits lim = {
	.max_line = 4096, .max_literal = 4096, .max_args = 100, .max_depth = 8,
};

/* parse "t CMD <args>" and return the parser (args valid until destroy) */
static struct imap_parser *
parse_line(const char *line)
{
	struct imap_parser *p = imap_parser_create(&lim);
	size_t used;

	CHECK_INT(imap_parser_feed(p, (const unsigned char *)line,
				   strlen(line), &used), IMAP_PARSE_DONE);
	return p;
}

static void
fetch_ok(const char *items, size_t n, const char *label0, bool seen)
{
	char line[512];
	struct imap_parser *p;
	struct fetch_items fi;
	const char *err;

	snprintf(line, sizeof(line), "t FETCH 1 %s\r\n", items);
	p = parse_line(line);
	if (!fetch_items_parse(&imap_parser_args(p)[1], &fi, &err)) {
		test_fail(__FILE__, __LINE__, "refused %s: %s", items, err);
		imap_parser_destroy(&p);
		return;
	}
	CHECK_INT(fi.n, n);
	if (label0 != NULL)
		CHECK_STR(fi.v[0].label, label0);
	CHECK_INT(fi.sets_seen, seen);
	fetch_items_free(&fi);
	imap_parser_destroy(&p);
}

static void
fetch_bad(const char *items)
{
	char line[512];
	struct imap_parser *p;
	struct fetch_items fi;
	const char *err;

	snprintf(line, sizeof(line), "t FETCH 1 %s\r\n", items);
	p = parse_line(line);
	if (fetch_items_parse(&imap_parser_args(p)[1], &fi, &err)) {
		test_fail(__FILE__, __LINE__, "accepted %s", items);
		fetch_items_free(&fi);
	}
	imap_parser_destroy(&p);
}

TEST(imap_fetch_items)
{
	fetch_ok("ALL", 4, NULL, false);
	fetch_ok("FAST", 3, NULL, false);
	fetch_ok("FULL", 5, NULL, false);
	fetch_ok("(FLAGS UID)", 2, NULL, false);
	fetch_ok("BODY[]", 1, "BODY[]", true);
	fetch_ok("BODY.PEEK[]<0.100>", 1, "BODY[]<0>", false);
	fetch_ok("(BODY.PEEK[HEADER.FIELDS (From \"To\")])", 1,
		 "BODY[HEADER.FIELDS (From To)]", false);
	fetch_ok("BODY[1.2.HEADER.FIELDS.NOT (X-A)]", 1,
		 "BODY[1.2.HEADER.FIELDS.NOT (X-A)]", true);
	fetch_ok("BODY[3.MIME]", 1, "BODY[3.MIME]", true);
	fetch_ok("BODY[2.TEXT]<5.7>", 1, "BODY[2.TEXT]<5>", true);
	fetch_ok("BODY.PEEK[1.2.3]", 1, "BODY[1.2.3]", false);
	fetch_ok("RFC822", 1, "RFC822", true);
	fetch_ok("RFC822.HEADER", 1, "RFC822.HEADER", false);
	fetch_ok("RFC822.TEXT", 1, "RFC822.TEXT", true);
	fetch_ok("BINARY.PEEK[1]", 1, "BINARY[1]", false);
	fetch_ok("BINARY[2]<0.10>", 1, "BINARY[2]<0>", true);
	fetch_ok("BINARY.SIZE[1]", 1, "BINARY.SIZE[1]", false);
	fetch_ok("(MODSEQ)", 1, NULL, false);
	fetch_bad("(FAST)");
	fetch_bad("()");
	fetch_bad("BOGUS");
	fetch_bad("BODY[MIME]");
	fetch_bad("BODY[0]");
	fetch_bad("BODY[1.]");
	fetch_bad("BODY[HEADER.FIELDS ()]");
	fetch_bad("BODY[]<1.0>");
	fetch_bad("BODY[]<1>");
	fetch_bad("BODY[]x");
	fetch_bad("BINARY[HEADER]");
	fetch_bad("BINARY.SIZE[1]<0.1>");
	fetch_bad("BODY[4294967296]");
}

static struct imap_session *
fake_session(uint32_t n)
{
	struct imap_session *s = xcalloc(1, sizeof(*s));

	s->selected = true;
	s->view.n = s->view.cap = n;
	s->view.msgs = xcalloc(n ? n : 1, sizeof(*s->view.msgs));
	for (uint32_t i = 0; i < n; i++)
		s->view.msgs[i].uid = 10 * (i + 1);
	return s;
}

static void
search_case(struct imap_session *s, const char *keys, bool ok,
	    bool badcharset_want)
{
	char line[512];
	struct imap_parser *p;
	struct search_query q;
	const char *err;
	bool badcs;

	snprintf(line, sizeof(line), "t SEARCH %s\r\n", keys);
	p = imap_parser_create(&lim);
	size_t used;

	if (imap_parser_feed(p, (const unsigned char *)line, strlen(line),
			     &used) != IMAP_PARSE_DONE) {
		/* a syntax error already: BAD before SEARCH sees it */
		if (ok)
			test_fail(__FILE__, __LINE__, "%s: parser refused", keys);
		imap_parser_destroy(&p);
		return;
	}
	if (search_parse(s, imap_parser_args(p), &q, &err, &badcs) != ok)
		test_fail(__FILE__, __LINE__, "%s: want %s", keys,
			  ok ? "ok" : "error");
	else if (ok)
		search_query_free(&q);
	else
		CHECK_INT(badcs, badcharset_want);
	imap_parser_destroy(&p);
}

TEST(imap_search_keys)
{
	struct imap_session *s = fake_session(5);
	const char *good[] = {
		"ALL", "ANSWERED DELETED DRAFT FLAGGED SEEN NEW OLD RECENT",
		"UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN UNRECENT",
		"BCC x CC y FROM z TO w SUBJECT \"a b\"", "BODY x TEXT y",
		"HEADER X-Foo bar", "KEYWORD $Work UNKEYWORD Junk",
		"KEYWORD \\\\Seen", "LARGER 10 SMALLER 20",
		"BEFORE 1-Feb-1994 ON 01-Feb-1994 SINCE 1-Feb-1994",
		"SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 SENTSINCE 1-Jan-2000",
		"UID 1:*", "1:3,5", "*", "$", "NOT SEEN", "OR SEEN (DELETED DRAFT)",
		/* beyond the 5 messages: a criterion nothing meets, not an
		 * error (issue 12) */
		"6", "4:9", "UID 4294967295",
		"OR (OR SEEN DELETED) NOT (FLAGGED)",
		"CHARSET UTF-8 ALL", "RETURN (MIN MAX) ALL", "RETURN () ALL",
		"MODSEQ 5", "MODSEQ \"/flags/\\\\draft\" all 620162338",
		NULL };
	const char *bad[] = {
		"", "BOGUS", "OR SEEN", "NOT", "LARGER", "LARGER x",
		"SINCE 32-Jan-2000", "SINCE 1-Foo-2000", "UID", "4294967296",
		"0", "1:", "(SEEN", "()", "RETURN (BOGUS) ALL", "RETURN ALL",
		"HEADER X-Foo", "KEYWORD", "CHARSET", NULL };

	for (int i = 0; good[i]; i++)
		search_case(s, good[i], true, false);
	for (int i = 0; bad[i]; i++)
		search_case(s, bad[i], false, false);
	search_case(s, "CHARSET KOI8-R ALL", false, true);
	/* nesting is bounded */
	char deep[400] = "";

	for (int i = 0; i < 40; i++)
		strcat(deep, "NOT ");
	strcat(deep, "SEEN");
	search_case(s, deep, false, false);
	free(s->view.msgs);
	free(s);
}

TEST(imap_search_eval_basic)
{
	struct imap_session *s = fake_session(3);
	struct imap_parser *p = parse_line(
		"t SEARCH OR (SEEN LARGER 100) (KEYWORD $work UID 20)\r\n");
	struct search_query q;
	const char *err;
	bool badcs;
	struct store_msg m = { 0 };
	struct buf text = BUF_INIT, hdr = BUF_INIT;
	struct search_msg sm = { .m = &m, .text = &text, .hdr = &hdr };

	CHECK(search_parse(s, imap_parser_args(p), &q, &err, &badcs));
	m.uid = 20;
	m.keywords = (char *)"Junk $Work";
	CHECK(search_eval(&q.root, &sm));
	m.uid = 30;
	CHECK(!search_eval(&q.root, &sm));
	m.flags = STORE_F_SEEN;
	m.size = 101;
	CHECK(search_eval(&q.root, &sm));
	m.size = 100;
	CHECK(!search_eval(&q.root, &sm));
	search_query_free(&q);
	imap_parser_destroy(&p);
	CHECK(search_contains("Hello World", 11, "o w"));
	CHECK(!search_contains("Hello", 5, "hello!"));
	CHECK(search_contains(NULL, 0, ""));
	CHECK(!search_contains(NULL, 0, "a"));
	/* case folding beyond ASCII: Latin-1, Greek, Cyrillic */
	CHECK(search_contains("Grand \xc3\x89t\xc3\xa9", 11,
			      "\xc3\xa9T\xc3\x89"));		/* ÉTÉ / été */
	CHECK(search_contains("\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91", 10,
			      "\xcf\x83\xce\xbf\xcf\x86"));	/* ΣΟΦΙΑ / σοφ */
	CHECK(search_contains("\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2", 12,
			      "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"));
	/* a match never starts or ends inside a character */
	CHECK(!search_contains("\xc3\xa9", 2, "\xa9"));
	/* RFC 5051's NFKD makes é e + U+0301, so "cafe" is in "café"
	 * (Dovecot 2.3 answers the same) */
	CHECK(search_contains("caf\xc3\xa9", 5, "cafe"));
	CHECK(!search_contains("cafe", 4, "caf\xc3\xa9"));
	/* full folding: ß = ss (RFC 5051's titlecase alone keeps them
	 * apart, as Dovecot does) */
	CHECK(search_contains("Stra\xc3\x9f" "e", 7, "STRASSE"));
	/* bytes that are not UTF-8 still match themselves */
	CHECK(search_contains("a\xff" "b", 3, "\xff" "B"));
	CHECK(!search_contains("a\xff" "b", 3, "\xfe" "b"));
	buf_free(&text);
	buf_free(&hdr);
	free(s->view.msgs);
	free(s);
}

static uint32_t
uid_number(void *arg, uint32_t uid)
{
	(void)arg;
	return uid;
}

/* hostile References: loops, self-references, duplicate Message-IDs,
 * garbage; every message is printed exactly once */
TEST(imap_thread_references_hostile)
{
	struct sort_item v[6];
	struct buf out = BUF_INIT;
	const char *ids[6] = { "<a@x>", "<b@x>", "<a@x>", "<c@x>", NULL,
			       "<e@x>" };
	const char *refs[6] = { "<b@x>", "<a@x>", "<c@x> <a@x>", "<c@x>",
				"no ids here <<>>", "<e@x> <e@x>" };

	memset(v, 0, sizeof(v));
	for (int i = 0; i < 6; i++) {
		v[i].uid = (uint32_t)i + 1;
		v[i].date = 100 + i;
		v[i].subject = xstrdup(i < 3 ? "loop" : "other");
		v[i].subject_raw = xstrdup(v[i].subject);
		v[i].msgid = ids[i] ? xstrdup(ids[i]) : NULL;
		v[i].refs = xstrdup(refs[i]);
	}
	thread_items(v, 6, THREAD_REFERENCES, uid_number, NULL, &out);
	buf_append_byte(&out, '\0');
	/* each uid once */
	for (int u = 1; u <= 6; u++) {
		char want[8];
		int seen = 0;
		const char *p = (const char *)out.data;

		snprintf(want, sizeof(want), "%d", u);
		for (; *p; p++)
			if (*p == want[0] && (p[1] < '0' || p[1] > '9') &&
			    (p == (const char *)out.data || p[-1] < '0' ||
			     p[-1] > '9'))
				seen++;
		CHECK_INT(seen, 1);
	}
	buf_reset(&out);
	thread_items(v, 6, THREAD_ORDEREDSUBJECT, uid_number, NULL, &out);
	buf_append_byte(&out, '\0');
	CHECK_STR((const char *)out.data, "(1 (2)(3))(4 (5)(6))");
	buf_reset(&out);
	thread_items(v, 0, THREAD_REFERENCES, uid_number, NULL, &out);
	CHECK_INT(out.len, 0);
	for (int i = 0; i < 6; i++)
		sort_item_clear(&v[i]);
	buf_free(&out);
}

/* issue 12's per-message items and keys: OBJECTID, SAVEDATE, WITHIN,
 * PREVIEW, UIDONLY */
TEST(imap_fetch_items_extensions)
{
	char line[128];
	struct imap_parser *p;
	struct fetch_items fi;
	const char *err;

	fetch_ok("(EMAILID THREADID SAVEDATE PREVIEW)", 4, NULL, false);
	fetch_ok("(PREVIEW (LAZY) UID)", 2, NULL, false);
	fetch_ok("PREVIEW", 1, NULL, false);
	fetch_bad("(PREVIEW (LAZY FUZZY))");
	fetch_bad("(PREVIEW ())");
	fetch_bad("(PREVIEW (FUZZY))");
	fetch_bad("(EMAILID (X))");
	/* "PREVIEW (LAZY)" as the lone item takes two arguments; a list
	 * that does not start with LAZY is left for the FETCH modifiers */
	snprintf(line, sizeof(line), "t FETCH 1 PREVIEW (LAZY)\r\n");
	p = parse_line(line);
	CHECK(fetch_items_parse(&imap_parser_args(p)[1], &fi, &err));
	CHECK_INT(fi.n_args, 2);
	CHECK(fi.v[0].kind == FETCH_PREVIEW && fi.v[0].lazy);
	fetch_items_free(&fi);
	imap_parser_destroy(&p);
	snprintf(line, sizeof(line), "t FETCH 1 PREVIEW (CHANGEDSINCE 4)\r\n");
	p = parse_line(line);
	CHECK(fetch_items_parse(&imap_parser_args(p)[1], &fi, &err));
	CHECK_INT(fi.n_args, 1);
	CHECK(!fi.v[0].lazy);
	fetch_items_free(&fi);
	imap_parser_destroy(&p);
}

TEST(imap_search_keys_extensions)
{
	struct imap_session *s = fake_session(5);
	char big[400];
	const char *good[] = {
		"EMAILID Mabc_DEF-123", "THREADID T0", "NOT EMAILID x",
		"EMAILID \"quoted_ok\"", "SAVEDBEFORE 1-Jan-2020",
		"SAVEDON 31-Dec-1999 SAVEDSINCE 1-Feb-1994",
		"SAVEDATESUPPORTED", "OR SAVEDATESUPPORTED SEEN",
		"OLDER 1", "YOUNGER 4294967295", NULL };
	const char *bad[] = {
		"EMAILID", "EMAILID \"\"", "EMAILID a.b", "EMAILID \"a b\"",
		"THREADID \"\xc3\xa9\"", "EMAILID (x)",
		"SAVEDON", "SAVEDON 32-Jan-2020", "SAVEDSINCE yesterday",
		"SAVEDBEFORE 1-Foo-2020",
		"OLDER", "OLDER 0", "YOUNGER -5", "OLDER 1.5", "YOUNGER x",
		"OLDER 4294967296", "OLDER 99999999999999999999999",
		"LARGER 99999999999999999999999", NULL };

	for (int i = 0; good[i]; i++)
		search_case(s, good[i], true, false);
	for (int i = 0; bad[i]; i++)
		search_case(s, bad[i], false, false);
	/* an object id is at most 255 characters */
	memset(big, 'a', 255);
	big[255] = '\0';
	char key[420];

	snprintf(key, sizeof(key), "EMAILID %s", big);
	search_case(s, key, true, false);
	snprintf(key, sizeof(key), "EMAILID %sa", big);
	search_case(s, key, false, false);
	/* UIDONLY: message numbers are refused, uids and $ are not */
	s->uidonly = true;
	search_case(s, "1:3", false, false);
	search_case(s, "*", false, false);
	search_case(s, "NOT 2", false, false);
	search_case(s, "UID 1:*", true, false);
	search_case(s, "$", true, false);
	free(s->view.msgs);
	free(s);
}

TEST(imap_search_eval_extensions)
{
	struct imap_session *s = fake_session(3);
	struct imap_parser *p = parse_line(
		"t SEARCH SAVEDON 2-Jan-2020 YOUNGER 100 NOT OLDER 50\r\n");
	struct search_query q;
	const char *err;
	bool badcs;
	struct store_msg m = { 0 };
	struct search_msg sm = { .m = &m };
	int64_t now = (int64_t)time(NULL);

	CHECK(search_parse(s, imap_parser_args(p), &q, &err, &badcs));
	m.savedate = 1577923200 + 3600;	/* 2-Jan-2020 01:00 UTC */
	m.internaldate = now - 10;
	CHECK(search_eval(&q.root, &sm));
	m.internaldate = now - 75;	/* younger than 100, older than 50 */
	CHECK(!search_eval(&q.root, &sm));
	m.internaldate = now - 10;
	m.savedate = 1577923200 - 1;	/* 1-Jan-2020 23:59:59 */
	CHECK(!search_eval(&q.root, &sm));
	search_query_free(&q);
	imap_parser_destroy(&p);
	/* THREADID without a store (no key) matches nothing */
	p = parse_line("t SEARCH THREADID T1\r\n");
	CHECK(search_parse(s, imap_parser_args(p), &q, &err, &badcs));
	CHECK(!search_eval(&q.root, &sm));
	search_query_free(&q);
	imap_parser_destroy(&p);
	free(s->view.msgs);
	free(s);
}
