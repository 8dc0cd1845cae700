/* test-jmap-keywords.c - JMAP keywords as IMAP flags and keywords
 * (RFC 8621 4.1.1), the rule Email/set and Email/import share */
#include "test.h"

#include <string.h>

#include "jmap/jmap-submission.h"

static bool
parse(const char *json, uint32_t *flags, struct buf *kw)
{
	json_t *o = json_loads(json, 0, NULL);
	bool ok;

	buf_reset(kw);
	ok = jmap_keywords_parse(o, flags, kw);
	json_decref(o);
	return ok;
}

TEST(jmap_keywords_parse)
{
	struct buf kw = BUF_INIT;
	uint32_t f;

	CHECK(parse("{}", &f, &kw));
	CHECK_INT(f, 0);
	CHECK_INT(kw.len, 0);
	CHECK(parse("{\"$seen\":true,\"$Flagged\":true,\"$answered\":true,"
		    "\"$draft\":true,\"Work\":true,\"$Forwarded\":true}",
		    &f, &kw));
	CHECK_INT(f, STORE_F_SEEN | STORE_F_FLAGGED | STORE_F_ANSWERED |
		  STORE_F_DRAFT);
	CHECK_STR(buf_cstr(&kw), "work $forwarded");
	/* only true values; atoms without ( ) { ] % * " \ or spaces */
	CHECK(!parse("{\"$seen\":false}", &f, &kw));
	CHECK(!parse("{\"a b\":true}", &f, &kw));
	CHECK(!parse("{\"a]\":true}", &f, &kw));
	CHECK(!parse("{\"\":true}", &f, &kw));
	CHECK(!parse("[\"$seen\"]", &f, &kw));
	CHECK(jmap_keyword_valid("$MDNSent"));
	CHECK(!jmap_keyword_valid("\\Seen"));
	CHECK(!jmap_keyword_valid("caf\xc3\xa9"));
	buf_free(&kw);
}
