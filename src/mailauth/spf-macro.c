/* spf-macro.c - SPF macro expansion (RFC 7208 7): %{letter digits r
 * delimiters}, %%, %_ and %-. */
#include "mailauth/spf-macro.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool
is_delim(char ch)
{
	return ch != '\0' && strchr(".-+,/_=", ch) != NULL;
}

static bool
letter_ok(char ch, bool exp)
{
	switch (ch | 0x20) {
	case 's': case 'l': case 'o': case 'd': case 'i': case 'p':
	case 'h': case 'v':
		return true;
	case 'c': case 'r': case 't':
		return exp;
	}
	return false;
}

/* One %-sequence at s[0] == '%': its length, 0 if malformed. For %{...}
 * the letter, digit count (-1 none), reverse flag and delimiters are
 * returned. */
struct mexp {
	char letter;		/* 0 for %% %_ %- */
	long digits;		/* -1: none */
	bool reverse;
	const char *delim;
	size_t ndelim;
};

static size_t
scan(const char *s, size_t len, bool exp, struct mexp *m)
{
	size_t i;

	if (len < 2)
		return 0;
	m->letter = 0;
	if (s[1] == '%' || s[1] == '_' || s[1] == '-') {
		m->delim = s + 1;	/* which one */
		return 2;
	}
	if (s[1] != '{' || len < 4 || !letter_ok(s[2], exp))
		return 0;
	m->letter = s[2];
	m->digits = -1;
	m->reverse = false;
	i = 3;
	if (i < len && s[i] >= '0' && s[i] <= '9') {
		long v = 0;

		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			if (v < 100000)
				v = v * 10 + (s[i] - '0');
		/* 7.1: a zero count makes no sense and is an error */
		if (v == 0)
			return 0;
		m->digits = v;
	}
	if (i < len && (s[i] | 0x20) == 'r') {
		m->reverse = true;
		i++;
	}
	m->delim = s + i;
	for (; i < len && is_delim(s[i]); i++)
		;
	m->ndelim = (size_t)(s + i - m->delim);
	if (i >= len || s[i] != '}')
		return 0;
	return i + 1;
}

bool
spf_macro_valid(const char *s, size_t len, bool exp)
{
	struct mexp m;

	for (size_t i = 0; i < len;) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '%') {
			size_t n = scan(s + i, len - i, exp, &m);

			if (n == 0)
				return false;
			i += n;
		} else if (ch < 0x21 || ch > 0x7e) {
			/* exp text may hold spaces (7.1 explain-string) */
			if (!(exp && ch == ' '))
				return false;
			i++;
		} else {
			i++;
		}
	}
	return true;
}

bool
spf_macro_uses_p(const char *s, size_t len)
{
	struct mexp m;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%')
			continue;
		size_t n = scan(s + i, len - i, true, &m);

		if (n == 0)
			continue;
		if ((m.letter | 0x20) == 'p')
			return true;
		i += n - 1;
	}
	return false;
}

static void
append_escaped(struct buf *out, const char *v, size_t n, bool url)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		/* 7.3: uppercase letters URL-escape what is not unreserved */
		if (url && !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
			     ch == '_' || ch == '~'))
			buf_printf(out, "%%%02X", ch);
		else
			buf_append_byte(out, ch);
	}
}

/* split value on the delimiters, reverse, keep the rightmost parts, join
 * with "." (7.3) */
static void
transform(struct buf *out, const char *v, const struct mexp *m, bool url)
{
	const char *delim = m->ndelim ? m->delim : ".";
	size_t nd = m->ndelim ? m->ndelim : 1;
	size_t vlen = strlen(v), nparts = 1, first;
	struct { size_t off, len; } part[256];
	size_t cap = sizeof(part) / sizeof(part[0]);

	if (m->digits < 0 && !m->reverse && m->ndelim == 0) {
		append_escaped(out, v, vlen, url);
		return;
	}
	/* the values are bounded (names, addresses, a sender of at most a
	 * few hundred bytes), but cap the parts anyway: extra delimiters
	 * fold into the last part */
	part[0].off = 0;
	for (size_t i = 0; i < vlen; i++) {
		if (memchr(delim, v[i], nd) != NULL && nparts < cap) {
			part[nparts - 1].len = i - part[nparts - 1].off;
			part[nparts].off = i + 1;
			nparts++;
		}
	}
	part[nparts - 1].len = vlen - part[nparts - 1].off;
	if (m->reverse)
		for (size_t a = 0, b = nparts - 1; a < b; a++, b--) {
			size_t o = part[a].off, l = part[a].len;

			part[a] = part[b];
			part[b].off = o;
			part[b].len = l;
		}
	first = 0;
	if (m->digits >= 0 && (size_t)m->digits < nparts)
		first = nparts - (size_t)m->digits;
	for (size_t k = first; k < nparts; k++) {
		if (k > first)
			buf_append_byte(out, '.');
		append_escaped(out, v + part[k].off, part[k].len, url);
	}
}

bool
spf_macro_expand(const char *s, size_t len, const struct spf_macro_ctx *mc,
		 bool exp, size_t max, struct buf *out)
{
	size_t start = out->len;
	struct mexp m;
	char tbuf[32];

	for (size_t i = 0; i < len;) {
		if (out->len - start > max)
			return false;
		if (s[i] != '%') {
			unsigned char ch = (unsigned char)s[i++];

			/* macro-literal; exp text may hold spaces */
			if ((ch < 0x21 || ch > 0x7e) && !(exp && ch == ' '))
				return false;
			buf_append_byte(out, ch);
			continue;
		}
		size_t n = scan(s + i, len - i, exp, &m);

		if (n == 0)
			return false;
		i += n;
		if (m.letter == 0) {
			/* %% -> %, %_ -> space, %- -> URL-encoded space */
			buf_append_str(out, *m.delim == '%' ? "%" :
				       *m.delim == '_' ? " " : "%20");
			continue;
		}
		const char *v = NULL;

		switch (m.letter | 0x20) {
		case 's': v = mc->s; break;
		case 'l': v = mc->l; break;
		case 'o': v = mc->o; break;
		case 'd': v = mc->d; break;
		case 'i': v = mc->i; break;
		case 'c': v = mc->c; break;
		case 'p': v = mc->p; break;
		case 'v': v = mc->v; break;
		case 'h': v = mc->h; break;
		case 'r': v = mc->r; break;
		case 't':
			snprintf(tbuf, sizeof(tbuf), "%lld", (long long)mc->t);
			v = tbuf;
			break;
		}
		transform(out, v ? v : "unknown", &m,
			  m.letter >= 'A' && m.letter <= 'Z');
	}
	return out->len - start <= max;
}
