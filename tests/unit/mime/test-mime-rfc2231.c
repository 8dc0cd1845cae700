/* test-mime-rfc2231.c - Content-Type values and RFC 2231 parameters */
#include "test.h"
#include "mime/mime.h"

static const struct mime_param *
parse(const char *in, struct buf *value, struct mime_params *ps,
      const char *name)
{
	mime_rfc2231_parse((const unsigned char *)in, strlen(in), value, ps);
	return mime_params_get(ps, name);
}

TEST(mime_rfc2231_plain_params)
{
	struct buf v = BUF_INIT;
	struct mime_params ps = { NULL, 0 };
	const struct mime_param *p;

	p = parse("Text/Plain (a comment); CharSet=\"us-ascii\" ; format=flowed;"
		  " name=\"a \\\"b\\\" c;d\"", &v, &ps, "charset");
	CHECK_STR(buf_cstr(&v), "Text/Plain");
	CHECK(p != NULL && !p->extended);
	CHECK_MEM(p->value.data, p->value.len, "us-ascii");
	p = mime_params_get(&ps, "name");
	CHECK(p != NULL);
	CHECK_MEM(p->value.data, p->value.len, "a \"b\" c;d");
	p = mime_params_get(&ps, "format");
	CHECK(p != NULL);
	CHECK_MEM(p->raw.data, p->raw.len, "flowed");
	CHECK_INT(ps.n, 3);
	mime_params_free(&ps);
	buf_free(&v);
}

TEST(mime_rfc2231_examples)
{
	struct buf v = BUF_INIT;
	struct mime_params ps = { NULL, 0 };
	const struct mime_param *p;

	/* RFC 2231 section 3: continuations */
	p = parse("message/external-body; access-type=URL;\r\n"
		  " URL*0=\"ftp://\";\r\n URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
		  &v, &ps, "url");
	CHECK(p != NULL && !p->extended);
	CHECK_MEM(p->value.data, p->value.len,
		  "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar");
	mime_params_free(&ps);
	buf_reset(&v);

	/* section 4: charset and language */
	p = parse("application/x-stuff;\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
		  &v, &ps, "title");
	CHECK(p != NULL && p->extended);
	CHECK_MEM(p->value.data, p->value.len, "This is ***fun***");
	CHECK_MEM(p->raw.data, p->raw.len,
		  "us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
	mime_params_free(&ps);
	buf_reset(&v);

	/* section 4.1: both, sections out of order, mixed encoded/plain */
	p = parse("application/x-stuff;\r\n title*2=\"isn't it!\";\r\n"
		  " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n"
		  " title*0*=us-ascii'en'This%20is%20even%20more%20",
		  &v, &ps, "title");
	CHECK(p != NULL && p->extended);
	CHECK_MEM(p->value.data, p->value.len,
		  "This is even more ***fun*** isn't it!");
	mime_params_free(&ps);
	buf_free(&v);
}

TEST(mime_rfc2231_charsets_and_junk)
{
	struct buf v = BUF_INIT;
	struct mime_params ps = { NULL, 0 };
	const struct mime_param *p;

	p = parse("attachment; filename*=iso-8859-1''caf%E9.txt", &v, &ps,
		  "filename");
	CHECK(p != NULL);
	CHECK_MEM(p->value.data, p->value.len, "caf\xc3\xa9.txt");
	mime_params_free(&ps);
	buf_reset(&v);

	p = parse("attachment; filename*0*=utf-8''%E2%82; filename*1*=%AC.txt",
		  &v, &ps, "filename");
	CHECK(p != NULL);
	CHECK_MEM(p->value.data, p->value.len, "\xe2\x82\xac.txt");
	mime_params_free(&ps);
	buf_reset(&v);

	/* RFC 2047 words inside a quoted value (common, not standard) */
	p = parse("attachment; filename=\"=?utf-8?q?=E2=82=AC?=.pdf\"", &v,
		  &ps, "filename");
	CHECK(p != NULL);
	CHECK_MEM(p->value.data, p->value.len, "\xe2\x82\xac.pdf");
	mime_params_free(&ps);
	buf_reset(&v);

	/* junk: no '=', empty names, unterminated quotes, gaps */
	parse("text/plain; junk; =x; a=\"unterminated; b*1=late", &v, &ps, "a");
	CHECK_STR(buf_cstr(&v), "text/plain");
	CHECK(mime_params_get(&ps, "a") != NULL);
	mime_params_free(&ps);
	buf_reset(&v);
	parse("", &v, &ps, "a");
	CHECK_INT(v.len, 0);
	CHECK_INT(ps.n, 0);
	mime_params_free(&ps);
	buf_free(&v);
}

TEST(mime_rfc2231_params_keep_header_order)
{
	/* BODYSTRUCTURE lists parameters in the header's order, as
	 * Dovecot; continuations join at their first piece's place */
	struct buf v = BUF_INIT;
	struct mime_params ps = { NULL, 0 };
	static const char *const want[] = { "format", "name", "charset", "delsp" };

	parse("text/plain; format=flowed; name*1=b; name*0=a; charset=utf-8;"
	      " delsp=yes", &v, &ps, "charset");
	CHECK_INT(ps.n, 4);
	for (size_t i = 0; i < ps.n && i < 4; i++)
		CHECK_MEM(ps.v[i].name.data, ps.v[i].name.len, want[i]);
	CHECK_MEM(mime_params_get(&ps, "name")->value.data,
		  mime_params_get(&ps, "name")->value.len, "ab");
	mime_params_free(&ps);
	buf_free(&v);
}
