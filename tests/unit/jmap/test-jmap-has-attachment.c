/* test-jmap-has-attachment.c - hasAttachment from the stored
 * BODYSTRUCTURE (jmap_email_has_attachment, no body read) answers what
 * the rendered body (parseStructure over the part map and the part
 * headers) answers, on the shapes that decide it */
#include "test.h"
#include "jmap/jmap-email-render.h"
#include "mime/mime.h"

#include <stdlib.h>

#define MP(b) "Content-Type: multipart/mixed; boundary=" b "\r\n\r\n"
#define PART(b, hdr, body) "--" b "\r\n" hdr "\r\n" body "\r\n"

static const char *const shapes[] = {
	/* one part */
	"Subject: plain\r\n\r\nhello\r\n",
	"Content-Type: text/html\r\n\r\n<p>x</p>\r\n",
	"Content-Type: application/pdf\r\n\r\n%PDF\r\n",
	"Content-Type: image/png; name=\"a.png\"\r\n\r\nPNG\r\n",
	"Content-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nx\r\n",
	/* text + attachment, by disposition, by name, by type */
	MP("m") PART("m", "Content-Type: text/plain\r\n", "body")
	PART("m", "Content-Type: application/pdf\r\n"
	     "Content-Disposition: attachment; filename=\"a.pdf\"\r\n", "x")
	"--m--\r\n",
	MP("m") PART("m", "Content-Type: text/plain\r\n", "body")
	PART("m", "Content-Type: text/plain; name=\"notes.txt\"\r\n", "x")
	"--m--\r\n",
	MP("m") PART("m", "Content-Type: text/plain\r\n", "body")
	PART("m", "Content-Type: text/plain\r\n"
	     "Content-Disposition: inline\r\n", "more text")
	"--m--\r\n",
	MP("m") PART("m", "Content-Type: text/plain\r\n", "body")
	PART("m", "Content-Type: text/plain\r\n"
	     "Content-Disposition: ATTACHMENT\r\n", "x")
	"--m--\r\n",
	/* RFC 2231 file names: extended, continued, empty */
	MP("m") PART("m", "Content-Type: text/plain\r\n", "body")
	PART("m", "Content-Type: application/octet-stream\r\n"
	     "Content-Disposition: inline; filename*=utf-8''pl%C3%A0n.pdf\r\n",
	     "x")
	"--m--\r\n",
	MP("m") PART("m", "Content-Type: text/plain\r\n", "body")
	PART("m", "Content-Type: image/gif\r\n"
	     "Content-Disposition: inline; filename*0=\"a\"; filename*1=\"b.gif\"\r\n",
	     "x")
	"--m--\r\n",
	MP("m") PART("m", "Content-Type: text/plain\r\n", "body")
	PART("m", "Content-Type: text/plain; name=\"\"\r\n", "x")
	"--m--\r\n",
	/* alternative with and without inline images; related */
	"Content-Type: multipart/alternative; boundary=a\r\n\r\n"
	PART("a", "Content-Type: text/plain\r\n", "t")
	PART("a", "Content-Type: text/html\r\n", "<p>h</p>")
	"--a--\r\n",
	"Content-Type: multipart/alternative; boundary=a\r\n\r\n"
	PART("a", "Content-Type: text/plain\r\n", "t")
	PART("a", "Content-Type: multipart/related; boundary=r\r\n",
	     PART("r", "Content-Type: text/html\r\n", "<img src=cid:x>")
	     PART("r", "Content-Type: image/png\r\nContent-ID: <x>\r\n", "P")
	     "--r--")
	"--a--\r\n",
	"Content-Type: multipart/related; boundary=r\r\n\r\n"
	PART("r", "Content-Type: text/html\r\n", "<img src=cid:x>")
	PART("r", "Content-Type: image/png; name=\"x.png\"\r\n", "P")
	"--r--\r\n",
	MP("m") PART("m", "Content-Type: image/jpeg\r\n", "J")
	PART("m", "Content-Type: text/plain\r\n", "after")
	"--m--\r\n",
	/* an attached message (its own parts are not the outer's) */
	MP("m") PART("m", "Content-Type: text/plain\r\n", "fwd")
	PART("m", "Content-Type: message/rfc822\r\n",
	     "Subject: inner\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"
	     PART("i", "Content-Type: application/zip\r\n", "Z") "--i--")
	"--m--\r\n",
	"Content-Type: message/rfc822\r\n\r\nSubject: only\r\n\r\nx\r\n",
	/* nested mixed, a quoted boundary and parameter with escapes */
	MP("\"o u\"") PART("o u", "Content-Type: multipart/mixed; boundary=n\r\n",
			   PART("n", "Content-Type: text/plain\r\n", "deep")
			   PART("n", "Content-Type: audio/ogg; name=\"a \\\"q\\\".ogg\"\r\n",
				"O") "--n--")
	"--o u--\r\n",
	/* empty multipart, broken boundaries */
	MP("m") "no parts at all\r\n",
	MP("m") PART("m", "Content-Type: text/plain\r\n", "unterminated"),
};

static bool
rendered(const char *msg)
{
	struct mime_summary sum;
	struct jmap_body_opts opt = { NULL, false, false, false, 0 };
	json_t *p = json_pack("[s]", "hasAttachment"), *e = json_object();
	size_t len = strlen(msg);
	bool att;

	mime_summary_init(&sum);
	mime_summarize((const unsigned char *)msg, len, NULL, &sum);
	struct jmap_msg_src src = {
		(const unsigned char *)msg, len, sum.header_len,
		sum.partmap.data, sum.partmap.len, 0, NULL, NULL
	};
	jmap_email_render(&src, p, &opt, e);
	att = json_is_true(json_object_get(e, "hasAttachment"));
	json_decref(p);
	json_decref(e);
	mime_summary_free(&sum);
	return att;
}

static int
stored(const char *msg)
{
	struct mime_summary sum;
	int att;

	mime_summary_init(&sum);
	mime_summarize((const unsigned char *)msg, strlen(msg), NULL, &sum);
	buf_append_byte(&sum.bodystructure, '\0');
	att = jmap_email_has_attachment((const char *)sum.bodystructure.data);
	mime_summary_free(&sum);
	return att;
}

TEST(jmap_has_attachment_from_bodystructure)
{
	size_t yes = 0;

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		int s = stored(shapes[i]);

		if (s != (int)rendered(shapes[i]))
			fprintf(stderr, "shape %zu: stored %d\n", i, s);
		CHECK_INT(s, (int)rendered(shapes[i]));
		yes += s == 1;
	}
	/* both answers occur */
	CHECK(yes > 3 && yes < sizeof(shapes) / sizeof(shapes[0]) - 3);
}

TEST(jmap_bodystructure_bad)
{
	static const char *const bad[] = {
		NULL, "", "(", "(\"text\" \"plain\"", "((", "{5}\r\nab",
		"(\"a\" {99}\r\nxx)", "(\"text\" \"plain\") junk", "NIL",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(jmap_email_has_attachment(bad[i]), -1);
	/* literals read back (an 8-bit name is one) */
	CHECK_INT(jmap_email_has_attachment(
		"(\"text\" \"plain\" ({4}\r\nname {3}\r\nx.c) NIL NIL \"7bit\""
		" 1 1 NIL NIL NIL NIL)"), 0);
	CHECK_INT(jmap_email_has_attachment(
		"((\"text\" \"plain\" NIL NIL NIL \"7bit\" 1 1 NIL NIL NIL NIL)"
		"(\"text\" \"plain\" ({4}\r\nname {3}\r\nx.c) NIL NIL \"7bit\""
		" 1 1 NIL NIL NIL NIL) \"mixed\" NIL NIL NIL NIL)"), 1);
}
