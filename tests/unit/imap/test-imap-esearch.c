/* test-imap-esearch.c - RETURN options of SEARCH/SORT (RFC 4731, RFC
 * 5267 ESORT and CONTEXT, RFC 9394 PARTIAL), PARTIAL windows and the
 * sort-order sequence-sets of ESORT */
#include "test.h"

#include <stdlib.h>

#include "imap/imap-search.h"

static const struct imap_parser_limits lim = {
	.max_line = 4096, .max_literal = 4096, .max_args = 100, .max_depth = 8,
};

/* parse "t SEARCH RETURN (<opts>) ALL": the RETURN list's options */
static bool
ret_parse(const char *opts, struct search_query *q, const char **err)
{
	char line[512];
	struct imap_parser *p = imap_parser_create(&lim);
	size_t used;
	bool ok;

	snprintf(line, sizeof(line), "t SEARCH RETURN (%s) ALL\r\n", opts);
	memset(q, 0, sizeof(*q));
	if (imap_parser_feed(p, (const unsigned char *)line, strlen(line),
			     &used) != IMAP_PARSE_DONE) {
		imap_parser_destroy(&p);
		*err = "parser";
		return false;
	}
	ok = search_parse_return(imap_parser_args(p)[1].u.list, q, err);
	imap_parser_destroy(&p);
	return ok;
}

TEST(imap_search_return_options)
{
	struct search_query q;
	const char *err;
	const char *good[] = {
		"", "MIN", "MAX COUNT ALL", "SAVE", "CONTEXT", "UPDATE",
		"CONTEXT UPDATE COUNT", "PARTIAL 1:100", "PARTIAL 100:1",
		"PARTIAL -1:-100", "PARTIAL -100:-1", "partial 5:5",
		"PARTIAL 1:4294967295", "MIN MAX PARTIAL 1:10 COUNT SAVE",
		"UPDATE PARTIAL 1:10", NULL };
	const char *bad[] = {
		"BOGUS", "PARTIAL", "PARTIAL 0:5", "PARTIAL 5:0",
		"PARTIAL 5:-3", "PARTIAL -5:3", "PARTIAL 1:*", "PARTIAL *:1",
		"PARTIAL 5", "PARTIAL 1:4294967296", "PARTIAL 01:5",
		"PARTIAL 1:5:7", "PARTIAL 1:5,7:9", "PARTIAL \"1:5\"",
		"PARTIAL -0:-5", "PARTIAL --1:-5", "PARTIAL 1:99999999999999999999",
		"PARTIAL 1:5 ALL", "ALL PARTIAL 1:5", "PARTIAL 1:5 PARTIAL 6:9",
		"UPDATE UPDATE", "(MIN)", "MIN 5", NULL };

	for (int i = 0; good[i]; i++) {
		if (!ret_parse(good[i], &q, &err))
			test_fail(__FILE__, __LINE__, "refused %s: %s", good[i],
				  err);
	}
	for (int i = 0; bad[i]; i++) {
		if (ret_parse(bad[i], &q, &err))
			test_fail(__FILE__, __LINE__, "accepted %s", bad[i]);
	}
	/* RETURN () is ALL; CONTEXT alone too (a hint, as Dovecot);
	 * UPDATE alone asks for no result data */
	CHECK(ret_parse("", &q, &err) && q.r_all && q.esearch);
	CHECK(ret_parse("CONTEXT", &q, &err) && q.r_all && q.r_context);
	CHECK(ret_parse("UPDATE", &q, &err) && !q.r_all && q.r_update);
	CHECK(ret_parse("PARTIAL 100:1", &q, &err) && !q.r_all);
	CHECK_INT(q.partial.lo, 1);
	CHECK_INT(q.partial.hi, 100);
	CHECK(!q.partial.last);
	CHECK(ret_parse("PARTIAL -1:-100", &q, &err));
	CHECK_INT(q.partial.lo, 1);
	CHECK_INT(q.partial.hi, 100);
	CHECK(q.partial.last);
}

TEST(imap_search_partial_window)
{
	struct search_partial p;
	size_t from, count;

	CHECK(search_partial_parse("1:3", &p));
	search_partial_window(&p, 10, &from, &count);
	CHECK_INT(from, 0);
	CHECK_INT(count, 3);
	/* beyond the end: what there is */
	CHECK(search_partial_parse("8:20", &p));
	search_partial_window(&p, 10, &from, &count);
	CHECK_INT(from, 7);
	CHECK_INT(count, 3);
	CHECK(search_partial_parse("11:20", &p));
	search_partial_window(&p, 10, &from, &count);
	CHECK_INT(count, 0);
	/* -1 is the last result */
	CHECK(search_partial_parse("-1:-3", &p));
	search_partial_window(&p, 10, &from, &count);
	CHECK_INT(from, 7);
	CHECK_INT(count, 3);
	CHECK(search_partial_parse("-9:-20", &p));
	search_partial_window(&p, 10, &from, &count);
	CHECK_INT(from, 0);
	CHECK_INT(count, 2);
	CHECK(search_partial_parse("-11:-12", &p));
	search_partial_window(&p, 10, &from, &count);
	CHECK_INT(count, 0);
	search_partial_window(&p, 0, &from, &count);
	CHECK_INT(count, 0);
	CHECK(search_partial_parse("4294967295:4294967295", &p));
	search_partial_window(&p, 10, &from, &count);
	CHECK_INT(count, 0);
}

TEST(imap_esearch_ordered_set)
{
	struct buf b = BUF_INIT;
	const uint32_t sorted[] = { 1, 2, 3, 5, 7, 8 };
	const uint32_t order[] = { 5, 3, 4, 2, 9, 10, 11, 1 };
	const uint32_t down[] = { 23765, 23764, 23763 };

	esearch_append_set(&b, sorted, 6);
	buf_append_byte(&b, '\0');
	CHECK_STR((const char *)b.data, "1:3,5,7:8");
	buf_reset(&b);
	/* RFC 5267 3.2: a range only where the order ascends */
	esearch_append_set(&b, order, 8);
	buf_append_byte(&b, '\0');
	CHECK_STR((const char *)b.data, "5,3:4,2,9:11,1");
	buf_reset(&b);
	esearch_append_set(&b, down, 3);
	buf_append_byte(&b, '\0');
	CHECK_STR((const char *)b.data, "23765,23764,23763");
	buf_free(&b);
}
