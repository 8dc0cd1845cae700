/* test-mime-corpus.c - every message of tests/data/mime/: the parse
 * result matches its reviewed .ref file, and is identical whatever the
 * chunking (whole, one byte at a time, odd sizes) */
#include "test.h"
#include "mime-testlib.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const corpus[] = {
	"rfc5322-a1-1", "rfc5322-a1-3", "rfc5322-a2-reply", "rfc5322-a3-resent",
	"rfc5322-a4-trace", "rfc5322-a5", "rfc5322-a6-obsolete",
	"rfc5322-obs-date", "nested", "missing-boundary-param",
	"broken-boundary", "boundary-never-found", "binary-8bit",
	"encoded-words", "no-body", "empty", "digest", "lf-only",
	"rfc822-attachment", "rfc2231-params", "deep-nesting",
	"mixed-line-endings",
};

static void
check_one(const char *name)
{
	char path[256], ref_path[256];
	struct buf msg = BUF_INIT, ref = BUF_INIT, dump = BUF_INIT;
	struct mime_summary whole;
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 4096 };

	snprintf(path, sizeof(path), "tests/data/mime/%s.eml", name);
	snprintf(ref_path, sizeof(ref_path), "tests/data/mime/%s.ref", name);
	if (!mime_test_load(path, &msg)) {
		test_fail(__FILE__, __LINE__, "cannot read %s", path);
		return;
	}
	mime_summary_init(&whole);
	mime_test_parse(msg.data, msg.len, 0, NULL, &whole);
	mime_test_dump(&whole, &dump);
	if (getenv("MIME_WRITE_REF") != NULL) {
		FILE *f = fopen(ref_path, "wb");

		if (f != NULL) {
			fwrite(dump.data, 1, dump.len, f);
			fclose(f);
		}
	}
	if (!mime_test_load(ref_path, &ref))
		test_fail(__FILE__, __LINE__, "cannot read %s", ref_path);
	else if (ref.len != dump.len || memcmp(ref.data, dump.data, ref.len) != 0)
		test_fail(__FILE__, __LINE__, "%s differs from %s:\n%s", name,
			  ref_path, buf_cstr(&dump));
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		struct mime_summary part;

		mime_summary_init(&part);
		mime_test_parse(msg.data, msg.len, chunks[i], NULL, &part);
		if (!mime_test_same(&whole, &part))
			test_fail(__FILE__, __LINE__,
				  "%s: chunks of %zu differ from whole", name,
				  chunks[i]);
		mime_summary_free(&part);
	}
	/* the convenience call gives the same */
	{
		struct mime_summary s;

		mime_summary_init(&s);
		mime_summarize(msg.data, msg.len, NULL, &s);
		CHECK(mime_test_same(&whole, &s));
		mime_summary_free(&s);
	}
	mime_summary_free(&whole);
	buf_free(&msg);
	buf_free(&ref);
	buf_free(&dump);
}

TEST(mime_corpus_matches_ref_any_chunking)
{
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
		check_one(corpus[i]);
}
