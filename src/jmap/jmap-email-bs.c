/* jmap-email-bs.c - read back the IMAP BODYSTRUCTURE the store keeps
 * per message (src/mime's writer, mime-bodystructure.c): the values
 * as a tree (strings, NIL, numbers, lists), so that what the structure
 * says (types, dispositions, file names) needs no read of the body. */
#include "jmap/jmap-email-render.h"

#include <stdlib.h>
#include <string.h>

#define BS_DEPTH 200		/* deeper: not ours, refused */

struct bs_cur {
	const char *p, *end;
};

static void
ws(struct bs_cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

static bool value(struct bs_cur *c, struct jmap_bsval *v, unsigned depth);

static bool
list(struct bs_cur *c, struct jmap_bsval *v, unsigned depth)
{
	size_t cap = 0;

	v->kind = JMAP_BS_LIST;
	c->p++;		/* '(' */
	for (;;) {
		ws(c);
		if (c->p >= c->end)
			return false;
		if (*c->p == ')') {
			c->p++;
			return true;
		}
		if (v->n == cap) {
			cap = cap ? cap * 2 : 8;
			v->kids = xrealloc(v->kids, cap * sizeof(*v->kids));
		}
		memset(&v->kids[v->n], 0, sizeof(v->kids[0]));
		if (!value(c, &v->kids[v->n++], depth + 1))
			return false;
	}
}

static bool
quoted(struct bs_cur *c, struct jmap_bsval *v)
{
	struct buf b = BUF_INIT;

	for (c->p++; c->p < c->end && *c->p != '"'; c->p++) {
		if (*c->p == '\\' && c->p + 1 < c->end)
			c->p++;
		buf_append_byte(&b, (unsigned char)*c->p);
	}
	if (c->p >= c->end) {
		buf_free(&b);
		return false;
	}
	c->p++;
	v->kind = JMAP_BS_STR;
	v->len = b.len;
	buf_append_byte(&b, '\0');
	v->s = buf_steal(&b);
	return true;
}

static bool
literal(struct bs_cur *c, struct jmap_bsval *v)
{
	char *e;
	unsigned long long n = strtoull(c->p + 1, &e, 10);

	if (e >= c->end - 2 || e[0] != '}' || e[1] != '\r' || e[2] != '\n' ||
	    n > (unsigned long long)(c->end - (e + 3)))
		return false;
	v->kind = JMAP_BS_STR;
	v->len = (size_t)n;
	v->s = xstrndup(e + 3, (size_t)n);
	c->p = e + 3 + n;
	return true;
}

static bool
value(struct bs_cur *c, struct jmap_bsval *v, unsigned depth)
{
	const char *s;

	if (depth > BS_DEPTH || c->p >= c->end)
		return false;
	if (*c->p == '(')
		return list(c, v, depth);
	if (*c->p == '"')
		return quoted(c, v);
	if (*c->p == '{')
		return literal(c, v);
	for (s = c->p; c->p < c->end && *c->p != ' ' && *c->p != ')' &&
	     *c->p != '('; c->p++)
		;
	if (c->p == s)
		return false;
	if (c->p - s == 3 && memcmp(s, "NIL", 3) == 0) {
		v->kind = JMAP_BS_NIL;
		return true;
	}
	v->kind = JMAP_BS_ATOM;	/* a number */
	v->len = (size_t)(c->p - s);
	v->s = xstrndup(s, v->len);
	return true;
}

bool
jmap_bs_parse(const char *s, struct jmap_bsval *out)
{
	struct bs_cur c = { s, s ? s + strlen(s) : s };

	memset(out, 0, sizeof(*out));
	if (s == NULL || *s != '(')
		return false;
	if (!value(&c, out, 0) || (ws(&c), c.p != c.end)) {
		jmap_bs_free(out);
		return false;
	}
	return true;
}

void
jmap_bs_free(struct jmap_bsval *v)
{
	for (size_t i = 0; i < v->n; i++)
		jmap_bs_free(&v->kids[i]);
	free(v->kids);
	free(v->s);
	memset(v, 0, sizeof(*v));
}
