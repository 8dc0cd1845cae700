/* test-jmap-email-render.c - the Email renderer on src/mime's output:
 * RFC 8621's body structure shapes, header forms, charsets */
#include "test.h"
#include "jmap/jmap-email-render.h"
#include "mime/mime.h"

#include <stdlib.h>

/* render props (a JSON array text) of msg: partmap from mime as the
 * store keeps it, offsets shifted by a prefix of plen bytes */
static json_t *
render(const char *msg, const char *props, bool fetch_all, size_t max)
{
	struct mime_summary sum;
	struct jmap_body_opts opt = { NULL, false, false, fetch_all, max };
	json_t *p = json_loads(props, 0, NULL), *email = json_object();
	size_t len = strlen(msg);

	mime_summary_init(&sum);
	mime_summarize((const unsigned char *)msg, len, NULL, &sum);
	struct jmap_msg_src src = {
		(const unsigned char *)msg, len, sum.header_len,
		sum.partmap.data, sum.partmap.len, 0, "Babc", NULL
	};
	jmap_email_render(&src, p, &opt, email);
	json_decref(p);
	mime_summary_free(&sum);
	return email;
}

/* the compact JSON of path in o */
static char *
dump(json_t *o)
{
	return json_dumps(o, JSON_COMPACT | JSON_ENCODE_ANY);
}

#define CHECK_JSON(j, want)                                               \
	do {                                                              \
		char *s_ = dump(j);                                       \
		CHECK_STR(s_, want);                                      \
		free(s_);                                                 \
	} while (0)

static const char rfc_msg[] =
	"From: Joe <joe@example.com>\r\n"
	"To: a@example.com\r\n"
	"Subject: multipart\r\n"
	"Content-Type: multipart/mixed; boundary=\"m\"\r\n"
	"\r\n"
	"--m\r\n"
	"Content-Type: multipart/alternative; boundary=\"a\"\r\n"
	"\r\n"
	"--a\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"\r\n"
	"Hello plain\r\n"
	"--a\r\n"
	"Content-Type: multipart/related; boundary=\"r\"\r\n"
	"\r\n"
	"--r\r\n"
	"Content-Type: text/html\r\n"
	"\r\n"
	"<p>Hello <img src=cid:i1></p>\r\n"
	"--r\r\n"
	"Content-Type: image/png\r\n"
	"Content-ID: <i1@x>\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"iVBORw0K\r\n"
	"--r--\r\n"
	"--a--\r\n"
	"--m\r\n"
	"Content-Type: application/pdf\r\n"
	"Content-Disposition: attachment; filename=\"r.pdf\"\r\n"
	"\r\n"
	"%PDF\r\n"
	"--m--\r\n";

TEST(jmap_render_structure)
{
	json_t *e = render(rfc_msg, "[\"bodyStructure\"]", false, 0);
	json_t *bs = json_object_get(e, "bodyStructure");
	json_t *alt = json_array_get(json_object_get(bs, "subParts"), 0);
	json_t *rel = json_array_get(json_object_get(alt, "subParts"), 1);
	json_t *img = json_array_get(json_object_get(rel, "subParts"), 1);

	CHECK_JSON(json_object_get(bs, "type"), "\"multipart/mixed\"");
	CHECK(json_is_null(json_object_get(bs, "partId")));
	CHECK_JSON(json_object_get(alt, "type"), "\"multipart/alternative\"");
	CHECK_JSON(json_object_get(rel, "type"), "\"multipart/related\"");
	CHECK_JSON(json_object_get(img, "partId"), "\"1.2.2\"");
	CHECK_JSON(json_object_get(img, "blobId"), "\"Babc.1.2.2\"");
	CHECK_JSON(json_object_get(img, "cid"), "\"i1@x\"");
	CHECK_JSON(json_object_get(img, "size"), "6");	/* decoded */
	CHECK(json_is_null(json_object_get(img, "charset")));
	json_decref(e);
}

TEST(jmap_render_bodies)
{
	json_t *e = render(rfc_msg, "[\"textBody\",\"htmlBody\",\"attachments\","
			   "\"hasAttachment\"]", false, 0);
	json_t *a = json_object_get(e, "attachments");

	/* the text/plain is the text, html + image the html (related),
	 * the image is inline media in an alternative: also an
	 * attachment, as RFC 8621 4.1.4's algorithm puts it */
	CHECK_INT(json_array_size(json_object_get(e, "textBody")), 1);
	CHECK_JSON(json_object_get(json_array_get(
		json_object_get(e, "textBody"), 0), "partId"), "\"1.1\"");
	CHECK_JSON(json_object_get(json_array_get(
		json_object_get(e, "htmlBody"), 0), "partId"), "\"1.2.1\"");
	CHECK_INT(json_array_size(a), 2);
	CHECK_JSON(json_object_get(json_array_get(a, 0), "partId"),
		   "\"1.2.2\"");
	CHECK_JSON(json_object_get(json_array_get(a, 1), "name"),
		   "\"r.pdf\"");
	CHECK_JSON(json_object_get(json_array_get(a, 1), "disposition"),
		   "\"attachment\"");
	CHECK(json_is_true(json_object_get(e, "hasAttachment")));
	json_decref(e);
}

TEST(jmap_render_single_part)
{
	static const char m[] =
		"Subject: =?iso-8859-1?q?caf=E9?=\r\n"
		"Content-Type: text/plain; charset=iso-8859-1\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n"
		"\r\n"
		"caf=E9 au lait,\r\ntr=E8s bon\r\n";
	json_t *e = render(m, "[\"subject\",\"bodyStructure\",\"bodyValues\","
			   "\"textBody\",\"htmlBody\",\"preview\"]", true, 0);
	json_t *bv = json_object_get(json_object_get(e, "bodyValues"), "1");

	CHECK_JSON(json_object_get(e, "subject"), "\"caf\xc3\xa9\"");
	CHECK_JSON(json_object_get(json_object_get(e, "bodyStructure"),
				   "partId"), "\"1\"");
	CHECK_JSON(json_object_get(json_object_get(e, "bodyStructure"),
				   "charset"), "\"iso-8859-1\"");
	/* line ends as LF (RFC 8621 4.1.4) */
	CHECK_JSON(json_object_get(bv, "value"),
		   "\"caf\xc3\xa9 au lait,\\ntr\xc3\xa8s bon\\n\"");
	CHECK(json_is_false(json_object_get(bv, "isTruncated")));
	CHECK(json_is_false(json_object_get(bv, "isEncodingProblem")));
	/* a single text/plain is both text and html body */
	CHECK_INT(json_array_size(json_object_get(e, "htmlBody")), 1);
	CHECK_JSON(json_object_get(e, "preview"),
		   "\"caf\xc3\xa9 au lait, tr\xc3\xa8s bon\"");
	json_decref(e);
}

TEST(jmap_render_truncate_and_problem)
{
	static const char m[] =
		"Content-Type: text/plain; charset=x-unknown-cs\r\n"
		"\r\n"
		"\xc3\xa9\xc3\xa9\xc3\xa9\r\n";
	json_t *e = render(m, "[\"bodyValues\"]", true, 3);
	json_t *bv = json_object_get(json_object_get(e, "bodyValues"), "1");

	/* 3 bytes cut back to a character boundary: one e-acute */
	CHECK_JSON(json_object_get(bv, "value"), "\"\xc3\xa9\"");
	CHECK(json_is_true(json_object_get(bv, "isTruncated")));
	CHECK(json_is_true(json_object_get(bv, "isEncodingProblem")));
	json_decref(e);
}

TEST(jmap_render_truncate_html)
{
	static const char m[] =
		"Content-Type: text/html; charset=utf-8\r\n"
		"\r\n"
		"<p>Hello <a href=\"https://example.com\">you</a></p>\r\n";
	json_t *e = render(m, "[\"bodyValues\"]", true, 20);
	json_t *bv = json_object_get(json_object_get(e, "bodyValues"), "1");

	/* 20 bytes end inside the <a ...> tag: cut before it (RFC 8621 4.2) */
	CHECK_JSON(json_object_get(bv, "value"), "\"<p>Hello \"");
	CHECK(json_is_true(json_object_get(bv, "isTruncated")));
	json_decref(e);
	e = render(m, "[\"bodyValues\"]", true, 8);
	bv = json_object_get(json_object_get(e, "bodyValues"), "1");
	/* outside a tag: the cut stays */
	CHECK_JSON(json_object_get(bv, "value"), "\"<p>Hello\"");
	json_decref(e);
}

static const char hdr_msg[] =
	"From: \"Joe Q. Public\" <john.q.public@example.com>\r\n"
	"To: Mary Smith <mary@x.test>, jdoe@example.org, Who? "
	"<one@y.test>\r\n"
	"Cc: <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>\r\n"
	"Bcc: A Group:Ed Jones <c@a.test>,joe@where.test;, x@y.test\r\n"
	"Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
	"Message-ID: <5678.21-Nov-1997@example.com>\r\n"
	"References: <1234@local.machine.example> <3456@example.net>\r\n"
	"List-Unsubscribe: <mailto:u@l.test>, < https://l.test/u >\r\n"
	"X-Two: first\r\n"
	"X-Two: second\r\n"
	" folded\r\n"
	"\r\n"
	"body\r\n";

TEST(jmap_render_header_forms)
{
	json_t *e = render(hdr_msg,
		"[\"from\",\"to\",\"sentAt\",\"messageId\",\"references\","
		"\"header:Bcc:asGroupedAddresses\",\"bcc\","
		"\"header:List-Unsubscribe:asURLs\",\"header:X-Two\","
		"\"header:x-two:all\",\"header:X-Two:asText:all\","
		"\"header:X-None\",\"header:X-None:all\",\"inReplyTo\"]",
		false, 0);

	CHECK_JSON(json_object_get(e, "from"),
		   "[{\"name\":\"Joe Q. Public\","
		   "\"email\":\"john.q.public@example.com\"}]");
	CHECK_JSON(json_object_get(e, "to"),
		   "[{\"name\":\"Mary Smith\",\"email\":\"mary@x.test\"},"
		   "{\"name\":null,\"email\":\"jdoe@example.org\"},"
		   "{\"name\":\"Who?\",\"email\":\"one@y.test\"}]");
	CHECK_JSON(json_object_get(e, "sentAt"),
		   "\"2003-07-01T10:52:37+02:00\"");
	CHECK_JSON(json_object_get(e, "messageId"),
		   "[\"5678.21-Nov-1997@example.com\"]");
	CHECK_JSON(json_object_get(e, "references"),
		   "[\"1234@local.machine.example\",\"3456@example.net\"]");
	CHECK_JSON(json_object_get(e, "header:Bcc:asGroupedAddresses"),
		   "[{\"name\":\"A Group\",\"addresses\":["
		   "{\"name\":\"Ed Jones\",\"email\":\"c@a.test\"},"
		   "{\"name\":null,\"email\":\"joe@where.test\"}]},"
		   "{\"name\":null,\"addresses\":["
		   "{\"name\":null,\"email\":\"x@y.test\"}]}]");
	CHECK_INT(json_array_size(json_object_get(e, "bcc")), 3);
	CHECK_JSON(json_object_get(e, "header:List-Unsubscribe:asURLs"),
		   "[\"mailto:u@l.test\",\"https://l.test/u\"]");
	/* the last instance, raw (leading space and folding kept) */
	CHECK_JSON(json_object_get(e, "header:X-Two"),
		   "\" second\\r\\n folded\"");
	CHECK_JSON(json_object_get(e, "header:x-two:all"),
		   "[\" first\",\" second\\r\\n folded\"]");
	CHECK_JSON(json_object_get(e, "header:X-Two:asText:all"),
		   "[\"first\",\"second folded\"]");
	CHECK(json_is_null(json_object_get(e, "header:X-None")));
	CHECK_JSON(json_object_get(e, "header:X-None:all"), "[]");
	CHECK(json_is_null(json_object_get(e, "inReplyTo")));
	json_decref(e);
}

TEST(jmap_hform_text)
{
	static const char v[] = "   spaced\r\n  out  =?utf-8?q?caf=C3=A9?=  \r\n";
	json_t *j = jmap_hform_value((const unsigned char *)v, strlen(v),
				     JMAP_HF_TEXT);

	/* RFC 8621 4.1.2.2: unfolded, leading SP gone, trailing kept */
	CHECK_JSON(j, "\"spaced  out  caf\xc3\xa9  \"");
	json_decref(j);
}

TEST(jmap_hprop_parse)
{
	struct jmap_hprop hp;

	CHECK_INT(jmap_hprop_parse("header:From:asAddresses:all", &hp), 1);
	CHECK(hp.all && hp.form == JMAP_HF_ADDRESSES);
	CHECK_INT(jmap_hprop_parse("header:X-Foo:asDate", &hp), 1);
	CHECK_INT(jmap_hprop_parse("header:Subject:asText", &hp), 1);
	/* forms a known field does not allow */
	CHECK_INT(jmap_hprop_parse("header:Subject:asAddresses", &hp), -1);
	CHECK_INT(jmap_hprop_parse("header:From:asDate", &hp), -1);
	CHECK_INT(jmap_hprop_parse("header:From:asBogus", &hp), -1);
	CHECK_INT(jmap_hprop_parse("header:From:all:asRaw", &hp), -1);
	CHECK_INT(jmap_hprop_parse("header:", &hp), -1);
	CHECK_INT(jmap_hprop_parse("header:A B", &hp), -1);
	CHECK_INT(jmap_hprop_parse("subject", &hp), 1);
	CHECK_STR(hp.name, "Subject");
	CHECK_INT(jmap_hprop_parse("bogus", &hp), 0);
	CHECK(jmap_email_prop_valid("header:X-Any:asURLs:all"));
	CHECK(!jmap_email_prop_valid("bogus"));
	CHECK(jmap_body_prop_valid("header:Content-Type"));
	CHECK(!jmap_body_prop_valid("keywords"));
}

TEST(jmap_render_headers_and_prefix)
{
	/* the store serves prefix + blob; the part map is the blob's */
	static const char prefix[] = "Return-Path: <x@y>\r\n";
	static const char blob[] =
		"Subject: hi\r\n"
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\nContent-Type: text/plain\r\n\r\nA\r\n--b--\r\n";
	struct mime_summary sum;
	struct buf msg = BUF_INIT;
	struct jmap_body_opts opt = { NULL, false, false, true, 0 };
	json_t *p = json_loads("[\"headers\",\"bodyValues\",\"subject\"]", 0,
			       NULL), *e = json_object();

	mime_summary_init(&sum);
	mime_summarize((const unsigned char *)blob, strlen(blob), NULL, &sum);
	buf_append_str(&msg, prefix);
	buf_append_str(&msg, blob);
	struct jmap_msg_src src = {
		msg.data, msg.len, strlen(prefix) + sum.header_len,
		sum.partmap.data, sum.partmap.len, strlen(prefix), NULL, NULL
	};
	jmap_email_render(&src, p, &opt, e);
	CHECK_JSON(json_object_get(e, "headers"),
		   "[{\"name\":\"Return-Path\",\"value\":\" <x@y>\"},"
		   "{\"name\":\"Subject\",\"value\":\" hi\"},"
		   "{\"name\":\"Content-Type\",\"value\":"
		   "\" multipart/mixed; boundary=b\"}]");
	CHECK_JSON(json_object_get(json_object_get(json_object_get(e,
		"bodyValues"), "1"), "value"), "\"A\"");
	json_decref(p);
	json_decref(e);
	buf_free(&msg);
	mime_summary_free(&sum);
}

TEST(jmap_render_no_partmap)
{
	/* an older store's message: no part map kept; made from msg
	 * (prefix included), whatever pm_off says */
	static const char m[] =
		"Return-Path: <x@y>\r\n"
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n";
	struct jmap_body_opts opt = { NULL, false, false, true, 0 };
	json_t *p = json_loads("[\"bodyValues\",\"preview\"]", 0, NULL);
	json_t *e = json_object();
	struct jmap_msg_src src = {
		(const unsigned char *)m, strlen(m), 67, NULL, 0, 20, NULL,
		NULL
	};

	jmap_email_render(&src, p, &opt, e);
	CHECK_JSON(json_object_get(json_object_get(json_object_get(e,
		"bodyValues"), "1"), "value"), "\"hello\"");
	CHECK_JSON(json_object_get(e, "preview"), "\"hello\"");
	json_decref(p);
	json_decref(e);
}

/* RFC 8621 4.1.4's example structure: which parts are the text body,
 * the HTML body and the attachments (G, H, J are attachments by their
 * Content-Disposition) */
TEST(jmap_render_rfc8621_example)
{
	static const char m[] =
		"Content-Type: multipart/mixed; boundary=1\r\n\r\n"
		"--1\r\nContent-Type: text/plain\r\n\r\nA\r\n"
		"--1\r\nContent-Type: multipart/mixed; boundary=2\r\n\r\n"
		"--2\r\nContent-Type: multipart/alternative; boundary=3\r\n\r\n"
		"--3\r\nContent-Type: multipart/mixed; boundary=4\r\n\r\n"
		"--4\r\nContent-Type: text/plain\r\n\r\nB\r\n"
		"--4\r\nContent-Type: image/jpeg\r\n\r\nC\r\n"
		"--4\r\nContent-Type: text/plain\r\n\r\nD\r\n"
		"--4--\r\n"
		"--3\r\nContent-Type: multipart/related; boundary=5\r\n\r\n"
		"--5\r\nContent-Type: text/html\r\n\r\nE\r\n"
		"--5\r\nContent-Type: image/jpeg\r\n\r\nF\r\n"
		"--5--\r\n"
		"--3--\r\n"
		"--2\r\nContent-Type: image/jpeg\r\n"
		"Content-Disposition: attachment\r\n\r\nG\r\n"
		"--2\r\nContent-Type: application/x-excel\r\n"
		"Content-Disposition: attachment\r\n\r\nH\r\n"
		"--2\r\nContent-Type: message/rfc822\r\n"
		"Content-Disposition: attachment\r\n\r\nSubject: J\r\n\r\nJ\r\n"
		"--2--\r\n"
		"--1\r\nContent-Type: text/plain\r\n\r\nK\r\n"
		"--1--\r\n";
	json_t *e = render(m, "[\"textBody\",\"htmlBody\",\"attachments\"]",
			   false, 0);
	const char *names[] = { "textBody", "htmlBody", "attachments" };
	/* the part ids of A..K */
	const char *want[] = {
		"1 2.1.1.1 2.1.1.2 2.1.1.3 3",		/* A B C D K */
		"1 2.1.2.1 3",				/* A E K */
		"2.1.1.2 2.1.2.2 2.2 2.3 2.4",		/* C F G H J */
	};

	for (size_t i = 0; i < 3; i++) {
		json_t *l = json_object_get(e, names[i]);
		struct buf got = BUF_INIT;

		for (size_t k = 0; k < json_array_size(l); k++)
			buf_printf(&got, "%s%s", k ? " " : "",
				   json_string_value(json_object_get(
					   json_array_get(l, k), "partId")));
		CHECK_STR(buf_cstr(&got), want[i]);
		buf_free(&got);
	}
	json_decref(e);
}
