/* authres.c - the Authentication-Results header field (RFC 8601 2.2):
 * tern's own, and recognizing the authserv-id of received ones. */
#include "mailauth/authres.h"
#include "lib/buf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_CHARS 78

/* RFC 2045 token: not SPACE, CTL or tspecials */
static bool
is_token_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

static bool
is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!is_token_char((unsigned char)*s))
			return false;
	return true;
}

/* dot-atom "@" domain, the unquoted form pvalue allows */
static bool
is_plain_address(const char *s)
{
	const char *at = strrchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strchr(s, '@') != at)
		return false;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (p == at)
			continue;
		if (!isalnum(c) && !strchr(p < at ? "!#$%&'*+-/=?^_`{|}~." : "-.", c))
			return false;
	}
	return s[0] != '.' && at[-1] != '.' && at[1] != '.';
}

static void
append_value(struct buf *b, const char *v, bool address_ok)
{
	if (is_token(v) || (address_ok && is_plain_address(v))) {
		buf_append_str(b, v);
		return;
	}
	buf_append_byte(b, '"');
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c < ' ' || c == 0x7f)
			continue;
		if (c == '"' || c == '\\')
			buf_append_byte(b, '\\');
		buf_append_byte(b, c);
	}
	buf_append_byte(b, '"');
}

/* "(text)" with parentheses and backslashes escaped, runs of control
 * characters as one space */
static void
append_comment(struct buf *b, const char *t)
{
	bool ctl = false;

	buf_append_byte(b, '(');
	for (; *t; t++) {
		unsigned char c = (unsigned char)*t;

		if (c < ' ' || c == 0x7f) {
			if (!ctl)
				buf_append_byte(b, ' ');
			ctl = true;
			continue;
		}
		ctl = false;
		if (c == '(' || c == ')' || c == '\\')
			buf_append_byte(b, '\\');
		buf_append_byte(b, c);
	}
	buf_append_byte(b, ')');
}

/* one resinfo: its words, then folded onto lines */
struct words {
	struct buf w[12];
	size_t n;
};

static struct buf *
word(struct words *ws)
{
	struct buf *b = &ws->w[ws->n++];

	buf_init(b);
	return b;
}

static void
word_method(struct words *ws, const char *method, const char *result,
	    const char *reason)
{
	struct buf *b = word(ws);

	buf_printf(b, "%s=", method);
	append_value(b, result && *result ? result : "none", false);
	if (reason && *reason)
		append_comment(word(ws), reason);
}

static void
word_prop(struct words *ws, const char *prop, const char *v)
{
	struct buf *b;

	if (v == NULL || *v == '\0')
		return;
	b = word(ws);
	buf_printf(b, "%s=", prop);
	append_value(b, v, true);
}

static void
emit(struct buf *out, struct words *ws, bool last)
{
	size_t col = 1;

	buf_append_byte(out, '\t');
	if (!last)
		buf_append_byte(&ws->w[ws->n - 1], ';');
	for (size_t i = 0; i < ws->n; i++) {
		size_t len = ws->w[i].len;

		if (i > 0 && col + 1 + len > LINE_MAX_CHARS) {
			buf_append_str(out, "\r\n\t");
			col = 1;
		}
		if (i > 0) {
			buf_append_byte(out, ' ');
			col++;
		}
		buf_append(out, ws->w[i].data, len);
		col += len;
		buf_free(&ws->w[i]);
	}
	buf_append_str(out, "\r\n");
	ws->n = 0;
}

char *
authres_build(const char *authserv_id, const struct authres_input *in)
{
	struct buf out;
	struct words ws = { .n = 0 };
	size_t total = (in->spf != NULL) + (in->dmarc != NULL) +
		(in->arc != NULL) +
		(in->n_dkim > 0 ? in->n_dkim : in->dkim_checked);
	size_t done = 0;

	if (authserv_id == NULL || *authserv_id == '\0')
		return NULL;
	/* a quoted-string cannot carry control characters */
	for (const char *p = authserv_id; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return NULL;
	buf_init(&out);
	buf_append_str(&out, "Authentication-Results: ");
	append_value(&out, authserv_id, false);
	if (total == 0) {
		buf_append_str(&out, "; none\r\n");
		return buf_steal(&out);
	}
	buf_append_str(&out, ";\r\n");
	if (in->spf) {
		word_method(&ws, "spf", in->spf->result, in->spf->reason);
		word_prop(&ws, "smtp.mailfrom", in->spf->mailfrom);
		word_prop(&ws, "smtp.helo", in->spf->helo);
		emit(&out, &ws, ++done == total);
	}
	for (size_t i = 0; i < in->n_dkim; i++) {
		const struct authres_dkim *d = &in->dkim[i];

		word_method(&ws, "dkim", d->result, d->reason);
		word_prop(&ws, "header.d", d->d);
		word_prop(&ws, "header.s", d->s);
		word_prop(&ws, "header.a", d->a);
		word_prop(&ws, "header.b", d->b);
		emit(&out, &ws, ++done == total);
	}
	if (in->n_dkim == 0 && in->dkim_checked) {
		word_method(&ws, "dkim", "none", NULL);
		emit(&out, &ws, ++done == total);
	}
	if (in->dmarc) {
		word_method(&ws, "dmarc", in->dmarc->result, in->dmarc->reason);
		word_prop(&ws, "header.from", in->dmarc->from);
		word_prop(&ws, "policy.dmarc", in->dmarc->policy);
		emit(&out, &ws, ++done == total);
	}
	if (in->arc) {
		word_method(&ws, "arc", in->arc->result, in->arc->reason);
		word_prop(&ws, "smtp.remote-ip", in->arc->remote_ip);
		word_prop(&ws, "header.oldest-pass", in->arc->oldest_pass);
		emit(&out, &ws, ++done == total);
	}
	return buf_steal(&out);
}

/* ---- the predicate ------------------------------------------------ */

/* skip FWS and comments (nested, with quoted-pairs); false on an
 * unterminated comment */
static bool
skip_cfws(const char **pp, const char *end)
{
	const char *p = *pp;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
			p++;
		if (p < end && *p == '(') {
			int depth = 0;

			do {
				if (*p == '\\' && p + 1 < end)
					p++;
				else if (*p == '(')
					depth++;
				else if (*p == ')')
					depth--;
				p++;
			} while (p < end && depth > 0);
			if (depth > 0)
				return false;
			continue;
		}
		break;
	}
	*pp = p;
	return true;
}

bool
authres_claims(const char *field, size_t len, const char *authserv_id)
{
	static const char name[] = "Authentication-Results";
	const char *p = field, *end = field + len;
	struct buf id;
	bool ok = false;

	if (authserv_id == NULL || *authserv_id == '\0' ||
	    len < sizeof name || strncasecmp(p, name, sizeof name - 1) != 0)
		return false;
	p += sizeof name - 1;
	/* obsolete syntax allows WSP before the colon */
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p >= end || *p++ != ':')
		return false;
	if (!skip_cfws(&p, end) || p >= end)
		return false;
	buf_init(&id);
	if (*p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			if (*p != '\r' && *p != '\n')
				buf_append_byte(&id, (unsigned char)*p);
		}
		if (p >= end)
			goto out;
		p++;
	} else {
		while (p < end && is_token_char((unsigned char)*p))
			buf_append_byte(&id, (unsigned char)*p++);
	}
	/* the id ends at CFWS, ';' or the end of the field */
	if (p < end && !strchr(" \t\r\n(;", *p))
		goto out;
	ok = id.len == strlen(authserv_id) &&
		strncasecmp((const char *)id.data, authserv_id, id.len) == 0;
out:
	buf_free(&id);
	return ok;
}
