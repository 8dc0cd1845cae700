/* dmarc-xml.c - the bounded reader of DMARC aggregate reports (contract
 * in dmarc-xml.h). One pass over the bytes: tags push and pop a stack of
 * names, the text of a leaf goes to the field its path names. */
#include "mailauth/dmarc-xml.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

#define DMARC_XML_NAME 32
#define DMARC_XML_RECORDS 100000

struct xml {
	const char *p, *end;
	char stack[DMARC_XML_MAX_DEPTH][DMARC_XML_NAME];
	int depth;
	char text[DMARC_XML_FIELD];
	size_t text_len;
	bool in_record;
	size_t max_records;
	struct dmarc_xml_report *r;
	const char *error;
};

static int
fail(struct xml *x, const char *why)
{
	if (x->error == NULL)
		x->error = why;
	return -1;
}

static void
text_add(struct xml *x, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (x->text_len + 1 < sizeof(x->text))
			x->text[x->text_len++] = s[i];
}

static void
utf8_put(struct xml *x, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	text_add(x, b, n);
}

/* "&...;" at x->p: the five predefined entities and &#N; &#xN; */
static int
entity(struct xml *x)
{
	static const struct { const char *name; char c; } e[] = {
		{ "amp", '&' }, { "lt", '<' }, { "gt", '>' },
		{ "quot", '"' }, { "apos", '\'' },
	};
	const char *semi = memchr(x->p, ';', (size_t)(x->end - x->p) < 16 ?
				  (size_t)(x->end - x->p) : 16);
	const char *name = x->p + 1;
	size_t n;

	if (semi == NULL)
		return fail(x, "bad entity reference");
	n = (size_t)(semi - name);
	if (n > 1 && name[0] == '#') {
		unsigned long cp = 0;
		bool hex = name[1] == 'x';

		for (size_t i = hex ? 2 : 1; i < n; i++) {
			char c = name[i];
			int d = c >= '0' && c <= '9' ? c - '0' :
				hex && c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

			if (d < 0 || cp > 0x10ffff)
				return fail(x, "bad character reference");
			cp = cp * (hex ? 16 : 10) + (unsigned long)d;
		}
		if (n == (hex ? 2u : 1u) || cp == 0 || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return fail(x, "bad character reference");
		utf8_put(x, cp);
		x->p = semi + 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(e) / sizeof(e[0]); i++)
		if (strlen(e[i].name) == n && memcmp(e[i].name, name, n) == 0) {
			text_add(x, &e[i].c, 1);
			x->p = semi + 1;
			return 0;
		}
	/* no DTD: any other entity is undefined (and never expanded) */
	return fail(x, "undefined entity");
}

static void
copy_field(char *dst, size_t size, const char *src, size_t n)
{
	/* surrounding white space is not part of the value */
	while (n > 0 && (*src == ' ' || *src == '\t' || *src == '\r' ||
			 *src == '\n')) {
		src++;
		n--;
	}
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\t' ||
			 src[n - 1] == '\r' || src[n - 1] == '\n'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool
path_is(const struct xml *x, const char *const *names, int n)
{
	if (x->depth != n)
		return false;
	for (int i = 0; i < n; i++)
		if (strcmp(x->stack[i], names[i]) != 0)
			return false;
	return true;
}

#define PATH(...) path_is(x, (const char *const[]){ __VA_ARGS__ }, \
	(int)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *)))

static int
number(struct xml *x, const char *t, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')
		i++;
	if (t[i] < '0' || t[i] > '9')
		return fail(x, "not a number");
	for (; t[i] >= '0' && t[i] <= '9'; i++) {
		uint64_t d = (uint64_t)(t[i] - '0');

		if (v > UINT64_MAX / 10 ||
		    (v == UINT64_MAX / 10 && d > UINT64_MAX % 10))
			return fail(x, "number too large");
		v = v * 10 + d;
	}
	while (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')
		i++;
	if (t[i] != '\0')
		return fail(x, "not a number");
	*out = v;
	return 0;
}

/* the closing tag of the element on top of the stack: keep its text */
static int
leaf(struct xml *x)
{
	struct dmarc_xml_report *r = x->r;
	struct dmarc_xml_record *rec = r->n ? &r->v[r->n - 1] : NULL;
	const char *t = x->text;
	size_t n = x->text_len;
	uint64_t v;

	x->text[x->text_len] = '\0';
#define KEEP(dst) copy_field(dst, sizeof(dst), t, n)
	if (PATH("feedback", "report_metadata", "org_name"))
		KEEP(r->org_name);
	else if (PATH("feedback", "report_metadata", "email"))
		KEEP(r->email);
	else if (PATH("feedback", "report_metadata", "report_id"))
		KEEP(r->report_id);
	else if (PATH("feedback", "report_metadata", "date_range", "begin") ||
		 PATH("feedback", "report_metadata", "date_range", "end")) {
		if (number(x, t, &v) < 0)
			return -1;
		if (v > INT64_MAX)
			return fail(x, "date out of range");
		if (strcmp(x->stack[3], "begin") == 0)
			r->begin = (int64_t)v;
		else
			r->end = (int64_t)v;
	} else if (PATH("feedback", "policy_published", "domain"))
		KEEP(r->domain);
	else if (PATH("feedback", "policy_published", "p"))
		KEEP(r->p);
	else if (rec && PATH("feedback", "record", "row", "source_ip"))
		KEEP(rec->source_ip);
	else if (rec && PATH("feedback", "record", "row", "count")) {
		if (number(x, t, &rec->count) < 0)
			return -1;
	} else if (rec && PATH("feedback", "record", "row",
			       "policy_evaluated", "disposition"))
		KEEP(rec->disposition);
	else if (rec && PATH("feedback", "record", "row",
			     "policy_evaluated", "dkim"))
		KEEP(rec->dkim);
	else if (rec && PATH("feedback", "record", "row",
			     "policy_evaluated", "spf"))
		KEEP(rec->spf);
	else if (rec && PATH("feedback", "record", "identifiers",
			     "header_from"))
		KEEP(rec->header_from);
#undef KEEP
	return 0;
}

static int
open_tag(struct xml *x, const char *name, size_t n)
{
	struct dmarc_xml_report *r = x->r;

	if (x->depth >= DMARC_XML_MAX_DEPTH)
		return fail(x, "nested too deep");
	if (n >= DMARC_XML_NAME)
		n = DMARC_XML_NAME - 1;	/* no element of ours is that long */
	memcpy(x->stack[x->depth], name, n);
	x->stack[x->depth][n] = '\0';
	x->depth++;
	if (x->depth == 1 && strcmp(x->stack[0], "feedback") != 0)
		return fail(x, "not a DMARC report (no <feedback>)");
	if (PATH("feedback", "record")) {
		if (r->n >= x->max_records)
			return fail(x, "too many records");
		if ((r->n & (r->n - 1)) == 0)	/* 0, 1, 2, 4...: grow */
			r->v = xrealloc(r->v, (r->n ? r->n * 2 : 1) *
					sizeof(*r->v));
		memset(&r->v[r->n++], 0, sizeof(*r->v));
	}
	x->text_len = 0;
	return 0;
}

static int
close_tag(struct xml *x, const char *name, size_t n)
{
	size_t top;

	if (x->depth == 0)
		return fail(x, "closing tag without an opening one");
	top = strlen(x->stack[x->depth - 1]);
	if (n >= DMARC_XML_NAME)
		n = DMARC_XML_NAME - 1;
	if (top != n || memcmp(x->stack[x->depth - 1], name, n) != 0)
		return fail(x, "mismatched closing tag");
	if (leaf(x) < 0)
		return -1;
	x->depth--;
	x->text_len = 0;
	return 0;
}

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	       c == ':' || (unsigned char)c >= 0x80;
}

/* skip past the first occurrence of end (x->p is after the opener) */
static int
skip_to(struct xml *x, const char *end, const char *why)
{
	const char *q = memmem(x->p, (size_t)(x->end - x->p), end, strlen(end));

	if (q == NULL)
		return fail(x, why);
	x->p = q + strlen(end);
	return 0;
}

/* "<" at x->p */
static int
tag(struct xml *x, bool *root_done)
{
	const char *p = x->p + 1, *name;
	bool closing = false;
	size_t n;

	if (p < x->end && *p == '?') {
		x->p = p;
		return skip_to(x, "?>", "unterminated processing instruction");
	}
	if (x->end - p >= 3 && memcmp(p, "!--", 3) == 0) {
		x->p = p + 3;
		return skip_to(x, "-->", "unterminated comment");
	}
	if (x->end - p >= 8 && memcmp(p, "![CDATA[", 8) == 0) {
		const char *q = memmem(p + 8, (size_t)(x->end - p - 8), "]]>", 3);

		if (q == NULL || x->depth == 0)
			return fail(x, "bad CDATA section");
		text_add(x, p + 8, (size_t)(q - p - 8));
		x->p = q + 3;
		return 0;
	}
	if (p < x->end && *p == '!')
		return fail(x, "DOCTYPE or declaration refused");
	if (p < x->end && *p == '/') {
		closing = true;
		p++;
	}
	name = p;
	while (p < x->end && name_char(*p))
		p++;
	n = (size_t)(p - name);
	if (n == 0)
		return fail(x, "bad tag");
	if (*root_done)
		return fail(x, "content after the root element");
	/* attributes (xmlns...) are skipped; quotes may hold '>' */
	while (p < x->end && *p != '>') {
		if (*p == '"' || *p == '\'') {
			const char *q = memchr(p + 1, *p, (size_t)(x->end - p - 1));

			if (q == NULL)
				return fail(x, "unterminated attribute");
			p = q;
		}
		p++;
	}
	if (p >= x->end)
		return fail(x, "unterminated tag");
	x->p = p + 1;
	if (closing) {
		if (close_tag(x, name, n) < 0)
			return -1;
	} else {
		if (open_tag(x, name, n) < 0)
			return -1;
		if (p[-1] == '/' && close_tag(x, name, n) < 0)
			return -1;
	}
	if (x->depth == 0)
		*root_done = true;
	return 0;
}

int
dmarc_xml_parse(const char *p, size_t len, size_t max_records,
		struct dmarc_xml_report *r, const char **error_r)
{
	struct xml *x = xcalloc(1, sizeof(*x));
	bool root_done = false;
	int ret = 0;

	memset(r, 0, sizeof(*r));
	x->p = p;
	x->end = p + len;
	x->r = r;
	x->max_records = max_records ? max_records : DMARC_XML_RECORDS;
	/* a UTF-8 byte order mark */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		x->p += 3;
	while (ret == 0 && x->p < x->end) {
		if (*x->p == '<') {
			ret = tag(x, &root_done);
		} else if (*x->p == '&') {
			if (x->depth == 0)
				ret = fail(x, "text outside the root element");
			else
				ret = entity(x);
		} else {
			const char *q = x->p;

			while (q < x->end && *q != '<' && *q != '&')
				q++;
			if (x->depth == 0) {
				for (const char *c = x->p; c < q; c++)
					if (*c != ' ' && *c != '\t' &&
					    *c != '\r' && *c != '\n')
						ret = fail(x, "text outside the "
							   "root element");
			} else {
				text_add(x, x->p, (size_t)(q - x->p));
			}
			x->p = q;
		}
	}
	if (ret == 0 && !root_done)
		ret = fail(x, "truncated: the report does not end");
	if (ret < 0) {
		*error_r = x->error;
		dmarc_xml_free(r);
	}
	free(x);
	return ret;
}

void
dmarc_xml_free(struct dmarc_xml_report *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
