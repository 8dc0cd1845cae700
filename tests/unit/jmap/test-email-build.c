/* test-email-build.c - the Email/set MIME builder: header forms,
 * encoded words read back by src/mime, the structure made from
 * textBody/htmlBody/attachments, encodings, and the SetErrors of bad
 * input */
#include "test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jmap/jmap-email-build.h"
#include "mime/mime.h"

/* one blob "Bpng" of 300 binary bytes; every other id is unknown */
static int
test_blob(void *ctx, const char *id, struct buf *out, char **type_r)
{
	(void)ctx;
	if (strcmp(id, "Bpng") != 0)
		return -ENOENT;
	for (int i = 0; i < 300; i++)
		buf_append_byte(out, (unsigned char)i);
	if (type_r)
		*type_r = xstrdup("image/png");
	return 0;
}

static const struct jmap_build test_b = {
	"mx.example.org", 1414650720, test_blob, NULL
};

/* build the JSON text; returns the message (or NULL and *err) */
static char *
build(const char *json, json_t **err)
{
	json_t *e = json_loads(json, 0, NULL);
	struct buf out = BUF_INIT;
	char *r = NULL;

	*err = NULL;
	if (e == NULL)
		return NULL;
	if (jmap_email_build(&test_b, e, &out, err) == 0)
		r = xstrdup(buf_cstr(&out));
	buf_free(&out);
	json_decref(e);
	return r;
}

/* the error's type and first property, "type:prop" */
static char *
err_str(json_t *err)
{
	json_t *p = json_array_get(json_object_get(err, "properties"), 0);
	json_t *nf = json_array_get(json_object_get(err, "notFound"), 0);
	char *s = xasprintf("%s:%s",
			    json_string_value(json_object_get(err, "type")),
			    p ? json_string_value(p) :
			    nf ? json_string_value(nf) : "");

	json_decref(err);
	return s;
}

static char *
bad(const char *json)
{
	json_t *err;
	char *m = build(json, &err);

	if (m != NULL) {
		free(m);
		return xstrdup("built");
	}
	return err ? err_str(err) : xstrdup("json");
}

/* every line of m at most max octets (CRLF excluded) */
static bool
lines_within(const char *m, size_t max)
{
	for (const char *p = m, *nl; *p; p = nl + 1) {
		nl = strstr(p, "\r\n");
		if (nl == NULL)
			return strlen(p) <= max;
		if ((size_t)(nl - p) > max)
			return false;
		nl++;
	}
	return true;
}

TEST(email_build_plain)
{
	json_t *err;
	char *m = build("{\"from\":[{\"name\":\"Joe Bloggs\","
			"\"email\":\"joe@example.com\"}],"
			"\"to\":[{\"email\":\"a@example.org\"},"
			"{\"name\":\"B. Smith\",\"email\":\"b@example.org\"}],"
			"\"subject\":\"Hello\","
			"\"sentAt\":\"2014-10-30T14:12:00+08:00\","
			"\"keywords\":{\"$draft\":true},"
			"\"textBody\":[{\"partId\":\"1\"}],"
			"\"bodyValues\":{\"1\":{\"value\":\"Hi there\\n\"}}}",
			&err);

	CHECK(m != NULL);
	CHECK(strstr(m, "From: Joe Bloggs <joe@example.com>\r\n") != NULL);
	CHECK(strstr(m, "To: a@example.org, \"B. Smith\" <b@example.org>\r\n"));
	CHECK(strstr(m, "Subject: Hello\r\n") != NULL);
	CHECK(strstr(m, "Date: Thu, 30 Oct 2014 14:12:00 +0800\r\n") != NULL);
	CHECK(strstr(m, "Message-ID: <jmap.") != NULL);
	CHECK(strstr(m, "MIME-Version: 1.0\r\n") != NULL);
	CHECK(strstr(m, "Content-Type: text/plain;\r\n charset=\"utf-8\"\r\n"
		     "\r\nHi there\r\n") != NULL);
	CHECK(strstr(m, "Content-Transfer-Encoding") == NULL);
	free(m);
}

TEST(email_build_encoded_words)
{
	const char *subj = "Größere Änderungen am Wochenende — bitte lesen, "
			   "es ist wichtig für alle Beteiligten";
	char *json = xasprintf("{\"from\":[{\"name\":\"Jürgen Müller\","
			       "\"email\":\"j@example.com\"}],"
			       "\"subject\":\"%s\"}", subj);
	struct buf raw = BUF_INIT, dec = BUF_INIT;
	json_t *err;
	char *m = build(json, &err);

	CHECK(m != NULL);
	CHECK(lines_within(m, 78));
	CHECK(mime_header_get((const unsigned char *)m, strlen(m), "Subject",
			      &raw));
	mime_header_decode(raw.data, raw.len, &dec);
	CHECK_STR(buf_cstr(&dec), subj);
	buf_reset(&raw);
	buf_reset(&dec);
	CHECK(mime_header_get((const unsigned char *)m, strlen(m), "From",
			      &raw));
	mime_header_decode(raw.data, raw.len, &dec);
	CHECK_STR(buf_cstr(&dec), "Jürgen Müller <j@example.com>");
	/* no body given: an empty text */
	CHECK(strstr(m, "Content-Type: text/plain; charset=utf-8\r\n\r\n"));
	buf_free(&raw);
	buf_free(&dec);
	free(json);
	free(m);
}

TEST(email_build_alternative_mixed)
{
	json_t *err;
	char *m = build("{\"from\":[{\"email\":\"joe@example.com\"}],"
			"\"textBody\":[{\"partId\":\"t\"}],"
			"\"htmlBody\":[{\"partId\":\"h\"}],"
			"\"attachments\":[{\"blobId\":\"Bpng\","
			"\"name\":\"café.png\"},"
			"{\"blobId\":\"Bpng\",\"type\":\"image/png\","
			"\"disposition\":\"inline\",\"cid\":\"img1@x\"}],"
			"\"bodyValues\":{\"t\":{\"value\":\"plain\"},"
			"\"h\":{\"value\":\"<p>é</p>\"}}}", &err);
	const char *mixed, *related, *alt, *att;

	CHECK(m != NULL);
	mixed = strstr(m, "Content-Type: multipart/mixed;");
	alt = strstr(m, "Content-Type: multipart/alternative;");
	related = strstr(m, "Content-Type: multipart/related;");
	CHECK(mixed != NULL && alt != NULL && related != NULL);
	CHECK(mixed < alt && alt < related);
	/* the HTML is not ASCII: quoted-printable */
	CHECK(strstr(m, "Content-Type: text/html;\r\n charset=\"utf-8\"\r\n"
		     "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		     "<p>=C3=A9</p>") != NULL);
	CHECK(strstr(m, "Content-ID: <img1@x>\r\n") != NULL);
	/* the attachment: its type from the blob, base64, RFC 2231 name */
	att = strstr(m, "Content-Type: image/png;\r\n name*=utf-8''caf%C3%A9.png");
	CHECK(att != NULL);
	CHECK(strstr(m, "Content-Disposition: attachment;\r\n"
		     " filename*=utf-8''caf%C3%A9.png\r\n") != NULL);
	CHECK(strstr(m, "Content-Transfer-Encoding: base64\r\n"));
	CHECK(strstr(m, "\r\n\r\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKiss"
		     "LS4vMDEyMzQ1Njc4\r\n") != NULL);
	CHECK(lines_within(m, 78));
	free(m);
}

TEST(email_build_quoted_printable)
{
	struct buf value = BUF_INIT, dec = BUF_INIT;
	char *json, *m, *vs;
	const char *body;
	json_t *err, *v;

	/* a 200-character line with non-ASCII and a trailing space */
	for (int i = 0; i < 40; i++)
		buf_append_str(&value, "abcé=");
	buf_append_str(&value, " \nnext line");
	v = json_stringn((const char *)value.data, value.len);
	vs = json_dumps(v, JSON_ENCODE_ANY);
	json = xasprintf("{\"textBody\":[{\"partId\":\"1\"}],"
			 "\"bodyValues\":{\"1\":{\"value\":%s}}}", vs);
	free(vs);
	m = build(json, &err);
	CHECK(m != NULL);
	CHECK(strstr(m, "Content-Transfer-Encoding: quoted-printable\r\n"));
	CHECK(lines_within(m, 76));
	body = strstr(m, "\r\n\r\n") + 4;
	mime_decode_qp((const unsigned char *)body, strlen(body), &dec);
	buf_truncate(&value, value.len - strlen(" \nnext line"));
	buf_append_str(&value, " \r\nnext line");
	CHECK_INT(dec.len, value.len);
	CHECK(memcmp(dec.data, value.data, value.len) == 0);
	json_decref(v);
	buf_free(&value);
	buf_free(&dec);
	free(json);
	free(m);
}

TEST(email_build_header_forms)
{
	json_t *err;
	char *m = build("{\"header:X-Tag:asText\":\"één\","
			"\"header:List-Post:asURLs\":[\"mailto:l@example.org\"],"
			"\"header:X-Raw\":\" kept\\r\\n as is\","
			"\"header:X-Many:all\":[\" one\",\" two\"],"
			"\"header:Resent-To:asGroupedAddresses\":[{\"name\":"
			"\"Team\",\"addresses\":[{\"email\":\"t@example.org\"}]}],"
			"\"inReplyTo\":[\"a@b\"],\"references\":[\"x@y\",\"a@b\"],"
			"\"bodyStructure\":{\"type\":\"multipart/mixed\","
			"\"subParts\":[{\"partId\":\"1\",\"type\":\"text/plain\","
			"\"header:X-Part\":\" p\"}]},"
			"\"bodyValues\":{\"1\":{\"value\":\"x\"}}}", &err);

	CHECK(m != NULL);
	CHECK(strstr(m, "X-Tag: =?UTF-8?B?w6nDqW4=?=\r\n") != NULL);
	CHECK(strstr(m, "List-Post: <mailto:l@example.org>\r\n") != NULL);
	CHECK(strstr(m, "X-Raw: kept\r\n as is\r\n") != NULL);
	CHECK(strstr(m, "X-Many: one\r\nX-Many: two\r\n") != NULL);
	CHECK(strstr(m, "Resent-To: Team: t@example.org;\r\n") != NULL);
	CHECK(strstr(m, "In-Reply-To: <a@b>\r\nReferences: <x@y> <a@b>\r\n"));
	CHECK(strstr(m, "X-Part: p\r\nContent-Type: text/plain;") != NULL);
	free(m);
}

TEST(email_build_dates)
{
	struct buf b = BUF_INIT;

	CHECK(jmap_hdr_date(&b, "2014-10-30T14:12:00+08:00"));
	CHECK_STR(buf_cstr(&b), "Thu, 30 Oct 2014 14:12:00 +0800");
	buf_reset(&b);
	CHECK(jmap_hdr_date(&b, "2026-12-04T13:00:05.123Z"));
	CHECK_STR(buf_cstr(&b), "Fri, 4 Dec 2026 13:00:05 +0000");
	CHECK(!jmap_hdr_date(&b, "2026-02-31T00:00:00Z"));
	CHECK(!jmap_hdr_date(&b, "2026-12-04 13:00:05Z"));
	CHECK(!jmap_hdr_date(&b, "2026-12-04T13:00:05+0100"));
	CHECK(!jmap_hdr_date(&b, "2026-12-04T13:00:05"));
	buf_free(&b);
}

#define BAD(json, want)                                                   \
	do {                                                              \
		char *s_ = bad(json);                                     \
		CHECK_STR(s_, want);                                      \
		free(s_);                                                 \
	} while (0)

TEST(email_build_errors)
{
	BAD("{\"foo\":1}", "invalidProperties:foo");
	BAD("{\"id\":\"M1\"}", "invalidProperties:id");
	BAD("{\"headers\":[]}", "invalidProperties:headers");
	BAD("{\"from\":[{\"email\":\"a@b\"}],\"header:From\":\" a@b\"}",
	    "invalidProperties:header:From");
	BAD("{\"header:Content-Type\":\" text/plain\"}",
	    "invalidProperties:header:Content-Type");
	BAD("{\"header:Subject:asAddresses\":[]}",
	    "invalidProperties:header:Subject:asAddresses");
	BAD("{\"header:X:asNothing\":\"x\"}",
	    "invalidProperties:header:X:asNothing");
	BAD("{\"header:X-Bad\":\" a\\r\\nInjected: yes\"}",
	    "invalidProperties:header:X-Bad");
	BAD("{\"from\":[{\"email\":\"no-at-sign\"}]}", "invalidProperties:from");
	BAD("{\"to\":[{\"email\":\"a@b>, evil@c\"}]}", "invalidProperties:to");
	BAD("{\"sentAt\":\"yesterday\"}", "invalidProperties:sentAt");
	BAD("{\"messageId\":[\"no brackets<>\"]}", "invalidProperties:messageId");
	BAD("{\"bodyStructure\":{\"partId\":\"1\"},\"textBody\":[]}",
	    "invalidProperties:bodyStructure");
	BAD("{\"textBody\":[{\"partId\":\"1\",\"type\":\"text/html\"}],"
	    "\"bodyValues\":{\"1\":{\"value\":\"x\"}}}",
	    "invalidProperties:textBody");
	BAD("{\"textBody\":[{\"partId\":\"nope\"}]}", "invalidProperties:textBody");
	BAD("{\"textBody\":[{\"partId\":\"1\"}],\"bodyValues\":{\"1\":"
	    "{\"value\":\"x\",\"isTruncated\":true}}}",
	    "invalidProperties:textBody");
	BAD("{\"bodyStructure\":{\"partId\":\"1\",\"blobId\":\"Bpng\"},"
	    "\"bodyValues\":{\"1\":{\"value\":\"x\"}}}",
	    "invalidProperties:bodyStructure");
	BAD("{\"bodyStructure\":{\"blobId\":\"Bpng\","
	    "\"header:Content-Transfer-Encoding\":\" 8bit\"}}",
	    "invalidProperties:bodyStructure");
	BAD("{\"bodyStructure\":{\"blobId\":\"Bpng\",\"type\":\"a b/c\"}}",
	    "invalidProperties:bodyStructure");
	BAD("{\"bodyStructure\":{\"type\":\"multipart/mixed\",\"subParts\":[]}}",
	    "invalidProperties:bodyStructure");
	BAD("{\"attachments\":[{\"blobId\":\"Bpng\",\"type\":\"x\"}]}",
	    "invalidProperties:attachments");
	BAD("{\"attachments\":[7]}", "invalidProperties:attachments");
	BAD("{\"htmlBody\":[{\"partId\":\"1\",\"cid\":\"a b\"}],"
	    "\"bodyValues\":{\"1\":{\"value\":\"x\"}}}",
	    "invalidProperties:htmlBody");
	BAD("{\"bodyStructure\":{\"type\":\"multipart/mixed\","
	    "\"header:Content-Type\":\" multipart/mixed\","
	    "\"subParts\":[{\"blobId\":\"Bpng\"}]}}",
	    "invalidProperties:bodyStructure");
	BAD("{\"attachments\":[{\"blobId\":\"Bmissing\"}]}",
	    "blobNotFound:Bmissing");
	BAD("{\"attachments\":[{\"blobId\":\"Bpng\"}]}", "built");
}
