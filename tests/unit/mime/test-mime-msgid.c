/* test-mime-msgid.c - message-id lists for THREAD=REFERENCES */
#include "test.h"
#include "mime/mime.h"

static void
check_ids(const char *in, const char *want, int line)
{
	struct mime_msgids l = { NULL, 0 };
	struct buf out = BUF_INIT;

	mime_msgid_parse((const unsigned char *)in, strlen(in), &l);
	for (size_t i = 0; i < l.n; i++)
		buf_printf(&out, "%s;", l.v[i]);
	if (strcmp(buf_cstr(&out), want) != 0)
		test_fail(__FILE__, line, "ids(%s) == \"%s\", want \"%s\"", in,
			  buf_cstr(&out), want);
	mime_msgid_free(&l);
	buf_free(&out);
}

#define IDS(in, want) check_ids(in, want, __LINE__)

TEST(mime_msgid_lists)
{
	IDS("<1234@local.machine.example>", "1234@local.machine.example;");
	IDS("<1234@local.machine.example> <3456@example.net>",
	    "1234@local.machine.example;3456@example.net;");
	IDS("\r\n <a@b>\r\n\t<c@d>(comment <x@y>)<e@f>", "a@b;c@d;e@f;");
	/* obsolete: phrases between ids, folding inside an id */
	IDS("John's message <a@b> of Monday", "a@b;");
	IDS("<a\r\n @b>", "a@b;");
	IDS("<\"quoted\"@b>", "quoted@b;");
	/* malformed ones are skipped */
	IDS("<no-at-sign> <@b> <a@> <a<b@c> <unterminated@x", "b@c;");
	IDS("", "");
}
