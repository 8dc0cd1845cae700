/* mime-address.c - RFC 5322 3.4 address lists (groups, obsolete routes,
 * obsolete phrases and local parts) into IMAP ENVELOPE address items */
#include "mime/mime-private.h"

#include <stdlib.h>
#include <string.h>

enum tok_type { T_ATOM, T_QSTR, T_DLIT, T_SPECIAL, T_COMMENT };

struct tok {
	enum tok_type type;
	unsigned char c;     /* T_SPECIAL: the character */
	bool ws_before;      /* whitespace or a comment precedes it */
	size_t off, len;     /* text in the tokenizer's buffer */
};

struct toks {
	struct tok *v;
	size_t n;
	struct buf text;
};

#define MISSING_DOMAIN "MISSING_DOMAIN"

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

static bool
is_special(unsigned char c)
{
	return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' ||
	       c == ']' || c == ':' || c == ';' || c == '@' || c == '\\' ||
	       c == ',' || c == '.' || c == '"';
}

static void
tok_add(struct toks *t, enum tok_type type, unsigned char c, bool ws,
	size_t off)
{
	t->v = mime_grow(t->v, t->n, sizeof(*t->v));
	t->v[t->n++] = (struct tok){ type, c, ws, off, t->text.len - off };
}

/* tokenize - split p into tokens; text of quoted parts is unescaped */
static void
tokenize(const unsigned char *p, size_t len, struct toks *t)
{
	size_t i = 0;
	bool ws = false;

	while (i < len) {
		unsigned char c = p[i];
		size_t off = t->text.len;

		if (is_ws(c)) {
			ws = true;
			i++;
		} else if (c == '(') {
			int depth = 0;

			for (; i < len; i++) {
				if (p[i] == '\\' && i + 1 < len) {
					i++;
				} else if (p[i] == '(') {
					if (depth++ == 0)
						continue;
				} else if (p[i] == ')') {
					if (--depth == 0) {
						i++;
						break;
					}
				}
				if (p[i] != '\r' && p[i] != '\n' && p[i] != '\0')
					buf_append_byte(&t->text, p[i]);
			}
			tok_add(t, T_COMMENT, 0, ws, off);
			ws = true;
		} else if (c == '"') {
			for (i++; i < len && p[i] != '"'; i++) {
				if (p[i] == '\\' && i + 1 < len)
					i++;
				if (p[i] != '\r' && p[i] != '\n' && p[i] != '\0')
					buf_append_byte(&t->text, p[i]);
			}
			i++;
			tok_add(t, T_QSTR, 0, ws, off);
			ws = false;
		} else if (c == '[') {
			for (; i < len && p[i] != ']'; i++)
				if (!is_ws(p[i]))
					buf_append_byte(&t->text, p[i]);
			buf_append_byte(&t->text, ']');
			i++;
			tok_add(t, T_DLIT, 0, ws, off);
			ws = false;
		} else if (is_special(c)) {
			buf_append_byte(&t->text, c);
			tok_add(t, T_SPECIAL, c, ws, off);
			ws = false;
			i++;
		} else {
			while (i < len && !is_ws(p[i]) && !is_special(p[i]))
				buf_append_byte(&t->text, p[i++]);
			tok_add(t, T_ATOM, 0, ws, off);
			ws = false;
		}
	}
}

static bool
is_sp(const struct toks *t, size_t i, unsigned char c)
{
	return t->v[i].type == T_SPECIAL && t->v[i].c == c;
}

static char *
dup_bytes(const unsigned char *p, size_t len)
{
	return slice_dup((struct slice){ p, len });
}

/* phrase - display name of tokens [a, b): words joined by one space */
static char *
phrase(const struct toks *t, size_t a, size_t b)
{
	struct buf out = BUF_INIT;
	char *s;

	for (size_t i = a; i < b; i++) {
		const struct tok *k = &t->v[i];

		if (k->type == T_COMMENT)
			continue;
		if (out.len > 0 && k->ws_before)
			buf_append_byte(&out, ' ');
		if (k->len == 0)
			continue;
		buf_append(&out, t->text.data + k->off, k->len);
	}
	if (out.len == 0) {
		buf_free(&out);
		return NULL;
	}
	s = buf_steal(&out);
	return s;
}

/* join - tokens [a, b) concatenated (addr-spec parts), comments dropped */
static char *
join(const struct toks *t, size_t a, size_t b)
{
	struct buf out = BUF_INIT;

	for (size_t i = a; i < b; i++) {
		/* comments and stray angle brackets are no part of it */
		if (t->v[i].type == T_COMMENT || is_sp(t, i, '<') ||
		    is_sp(t, i, '>') || t->v[i].len == 0)
			continue;
		buf_append(&out, t->text.data + t->v[i].off, t->v[i].len);
	}
	buf_append(&out, "", 0);
	buf_cstr(&out);
	return buf_steal(&out);
}

static void
emit(struct mime_address_list *l, char *name, char *route, char *mailbox,
     char *host)
{
	l->v = mime_grow(l->v, l->n, sizeof(*l->v));
	l->v[l->n++] = (struct mime_address){ name, route, mailbox, host };
}

/* addr_spec - local@domain of tokens [a, b); name from a comment */
static void
addr_spec(const struct toks *t, size_t a, size_t b, char *name,
	  char *route, struct mime_address_list *l)
{
	size_t at = b, real = 0;
	char *host;

	for (size_t i = a; i < b; i++) {
		if (is_sp(t, i, '@'))
			at = i;
		if (t->v[i].type != T_COMMENT)
			real++;
	}
	if (real == 0 && a < b) {
		/* nothing but comments: no address */
		free(name);
		free(route);
		return;
	}
	if (name == NULL) {
		for (size_t i = a; i < b; i++) {
			if (t->v[i].type == T_COMMENT && t->v[i].len > 0) {
				name = dup_bytes(t->text.data + t->v[i].off,
						 t->v[i].len);
				break;
			}
		}
	}
	if (at < b)
		host = join(t, at + 1, b);
	else if (a == b)
		host = xstrdup("");
	else
		host = xstrdup(MISSING_DOMAIN);
	emit(l, name, route, join(t, a, at), host);
}

void
mime_address_parse(const unsigned char *p, size_t len,
		   struct mime_address_list *out)
{
	struct toks t = { NULL, 0, BUF_INIT };
	size_t i = 0;
	bool in_group = false;

	tokenize(p, len, &t);
	while (i < t.n) {
		size_t j = i;

		if (is_sp(&t, i, ',') || (is_sp(&t, i, ';') && !in_group) ||
		    is_sp(&t, i, '>')) {
			i++;
			continue;
		}
		while (j < t.n && !is_sp(&t, j, '<') && !is_sp(&t, j, ',') &&
		       !is_sp(&t, j, ';') && !(is_sp(&t, j, ':') && !in_group))
			j++;
		if (j < t.n && is_sp(&t, j, '<')) {
			char *name = phrase(&t, i, j), *route = NULL;
			size_t k = j + 1, e;

			e = k;
			while (e < t.n && !is_sp(&t, e, '>') &&
			       !is_sp(&t, e, ',') && !is_sp(&t, e, ';') &&
			       !is_sp(&t, e, '<'))
				e++;
			/* an obsolete route "@a,@b:" inside the brackets */
			if (k < t.n && is_sp(&t, k, '@')) {
				size_t r = k;

				while (r < t.n && !is_sp(&t, r, ':') &&
				       !is_sp(&t, r, '>'))
					r++;
				if (r < t.n && is_sp(&t, r, ':')) {
					route = join(&t, k, r);
					k = r + 1;
					e = k;
					while (e < t.n && !is_sp(&t, e, '>') &&
					       !is_sp(&t, e, ',') &&
					       !is_sp(&t, e, ';') &&
					       !is_sp(&t, e, '<'))
						e++;
				}
			}
			addr_spec(&t, k, e, name, route, out);
			/* skip junk after '>' up to the next separator */
			i = e;
			if (i < t.n && is_sp(&t, i, '>'))
				i++;
			while (i < t.n && !is_sp(&t, i, ',') &&
			       !is_sp(&t, i, ';'))
				i++;
		} else if (j < t.n && is_sp(&t, j, ':')) {
			char *name = phrase(&t, i, j);

			emit(out, NULL, NULL, name ? name : xstrdup(""), NULL);
			in_group = true;
			i = j + 1;
		} else {
			if (j > i)
				addr_spec(&t, i, j, NULL, NULL, out);
			if (j < t.n && is_sp(&t, j, ';') && in_group) {
				emit(out, NULL, NULL, NULL, NULL);
				in_group = false;
			}
			i = j + 1;
		}
	}
	if (in_group)
		emit(out, NULL, NULL, NULL, NULL);
	free(t.v);
	buf_free(&t.text);
}

void
mime_address_list_free(struct mime_address_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].route);
		free(l->v[i].mailbox);
		free(l->v[i].host);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
