/* spf-record.c - an SPF record's text parsed into terms (RFC 7208 12):
 * the whole record is checked before evaluation starts. */
#include "mailauth/spf-record.h"
#include "mailauth/spf-macro.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"

bool
spf_record_is_spf(const char *txt, size_t len)
{
	return len >= 6 && strncasecmp(txt, "v=spf1", 6) == 0 &&
	       (len == 6 || txt[6] == ' ');
}

static bool
is_alpha(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool
toplabel_ok(const char *s, size_t len)
{
	bool alpha = false;

	if (len == 0 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (is_alpha(s[i]))
			alpha = true;
		else if (s[i] == '-')
			alpha = true;	/* the second form */
		else if (!is_digit(s[i]))
			return false;
	}
	return alpha;
}

bool
spf_domain_spec_valid(const char *s, size_t len)
{
	size_t end = len, dot;

	if (len == 0 || !spf_macro_valid(s, len, false))
		return false;
	/* domain-end: a macro-expand ... */
	if (s[len - 1] == '}' || (len >= 2 && s[len - 2] == '%'))
		return true;
	/* ... or "." toplabel [ "." ] */
	if (s[end - 1] == '.')
		end--;
	for (dot = end; dot > 0 && s[dot - 1] != '.'; dot--)
		;
	if (dot == 0)
		return false;
	return toplabel_ok(s + dot, end - dot);
}

/* "/" ( "0" / %x31-39 0*N DIGIT ) up to max: the value or -1 */
static int
cidr_value(const char *s, size_t len, int max)
{
	int v = 0;

	if (len == 0 || len > 3 || (s[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* strip a trailing "/N" from s[0..*len): its digits, or NULL */
static const char *
trailing_cidr(const char *s, size_t *len, size_t *dlen)
{
	size_t i = *len;

	while (i > 0 && is_digit(s[i - 1]))
		i--;
	if (i == *len || i == 0 || s[i - 1] != '/')
		return NULL;
	*dlen = *len - i;
	*len = i - 1;
	return s + i;
}

/* ip4-cidr-length / ip6-cidr-length / dual-cidr-length at the end of
 * s[0..*len); *len shrinks to what is before them */
static bool
parse_cidrs(const char *s, size_t *len, bool v4, bool v6, struct spf_term *t)
{
	size_t dlen, l = *len;
	const char *d = trailing_cidr(s, &l, &dlen);
	int v;

	/* mechanisms without a prefix length keep the slash in their
	 * domain-spec, where the toplabel check refuses it */
	if (d == NULL || (!v4 && !v6))
		return true;
	if (v4 && v6 && l > 0 && s[l - 1] == '/') {
		/* "//N": the IPv6 length, maybe after an IPv4 one */
		if ((v = cidr_value(d, dlen, 128)) < 0)
			return false;
		t->cidr6 = (uint8_t)v;
		l--;
		*len = l;
		if ((d = trailing_cidr(s, &l, &dlen)) == NULL)
			return true;
	} else if (!v4) {
		if ((v = cidr_value(d, dlen, 128)) < 0)
			return false;
		t->cidr6 = (uint8_t)v;
		*len = l;
		return true;
	}
	if ((v = cidr_value(d, dlen, 32)) < 0)
		return false;
	t->cidr4 = (uint8_t)v;
	*len = l;
	return true;
}

static const struct {
	const char *name;
	enum spf_mech mech;
	bool arg;	/* ":" domain-spec / address required */
	bool opt;	/* ":" domain-spec optional */
	bool cidr4, cidr6;
} mechs[] = {
	{ "all", SPF_M_ALL, false, false, false, false },
	{ "include", SPF_M_INCLUDE, true, false, false, false },
	{ "a", SPF_M_A, false, true, true, true },
	{ "mx", SPF_M_MX, false, true, true, true },
	{ "ptr", SPF_M_PTR, false, true, false, false },
	{ "ip4", SPF_M_IP4, true, false, true, false },
	{ "ip6", SPF_M_IP6, true, false, false, true },
	{ "exists", SPF_M_EXISTS, true, false, false, false },
};

static bool
parse_mechanism(struct spf_record *r, size_t off, size_t len, struct spf_term *t)
{
	const char *s = r->text + off;
	enum spf_result q = SPF_PASS;
	size_t nlen, i;
	char addr[64];

	switch (s[0]) {
	case '+': q = SPF_PASS; break;
	case '-': q = SPF_FAIL; break;
	case '~': q = SPF_SOFTFAIL; break;
	case '?': q = SPF_NEUTRAL; break;
	}
	if (strchr("+-~?", s[0]) != NULL) {
		s++;
		off++;
		len--;
	}
	for (nlen = 0; nlen < len && is_alpha(s[nlen]) ; nlen++)
		;
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strlen(mechs[i].name) == nlen &&
		    strncasecmp(s, mechs[i].name, nlen) == 0 &&
		    (nlen == len || s[nlen] == ':' || s[nlen] == '/'))
			break;
	/* ip4/ip6 have a digit in the name */
	if (i == sizeof(mechs) / sizeof(mechs[0]) && len >= 3 &&
	    strncasecmp(s, "ip", 2) == 0 && (s[2] == '4' || s[2] == '6') &&
	    (len == 3 || s[3] == ':'))
		i = s[2] == '4' ? 5 : 6, nlen = 3;
	if (i == sizeof(mechs) / sizeof(mechs[0]))
		return false;
	t->mech = mechs[i].mech;
	t->qual = q;
	t->cidr4 = 32;
	t->cidr6 = 128;
	s += nlen;
	len -= nlen;
	off += nlen;
	if (!parse_cidrs(s, &len, mechs[i].cidr4, mechs[i].cidr6, t))
		return false;
	if (len == 0)
		return !mechs[i].arg;
	if (s[0] != ':' || (!mechs[i].arg && !mechs[i].opt))
		return false;
	s++;
	off++;
	len--;
	if (t->mech == SPF_M_IP4 || t->mech == SPF_M_IP6) {
		if (len == 0 || len >= sizeof(addr))
			return false;
		memcpy(addr, s, len);
		addr[len] = '\0';
		return inet_pton(t->mech == SPF_M_IP4 ? AF_INET : AF_INET6,
				 addr, t->addr) == 1;
	}
	if (!spf_domain_spec_valid(s, len))
		return false;
	t->spec.off = off;
	t->spec.len = len;
	return true;
}

/* modifier = name "=" macro-string; false if it is not a modifier */
static bool
is_modifier(const char *s, size_t len, size_t *eq)
{
	size_t i;

	if (len == 0 || !is_alpha(s[0]))
		return false;
	for (i = 1; i < len && (is_alpha(s[i]) || is_digit(s[i]) ||
				s[i] == '-' || s[i] == '_' || s[i] == '.'); i++)
		;
	if (i >= len || s[i] != '=')
		return false;
	*eq = i;
	return true;
}

bool
spf_record_parse(struct spf_record *r, const char *txt, size_t len,
		 const char **err, size_t *err_off)
{
	size_t i, cap = 0;

	memset(r, 0, sizeof(*r));
	r->text = xmalloc(len + 1);
	memcpy(r->text, txt, len);
	r->text[len] = '\0';
	r->len = len;
	*err = NULL;
	*err_off = 0;
	if (!spf_record_is_spf(txt, len)) {
		*err = "not an SPF record";
		return false;
	}
	/* 3.1: the record is 7-bit ASCII */
	for (i = 0; i < len; i++)
		if ((unsigned char)txt[i] > 0x7e ||
		    ((unsigned char)txt[i] < 0x20)) {
			*err = "not printable ASCII";
			*err_off = i;
			return false;
		}
	for (i = 6; i < len;) {
		size_t start, tl, eq;

		if (txt[i] == ' ') {
			i++;
			continue;
		}
		start = i;
		while (i < len && txt[i] != ' ')
			i++;
		tl = i - start;
		*err_off = start;
		if (is_modifier(txt + start, tl, &eq)) {
			struct spf_spec *m = NULL, sp = { start + eq + 1,
							  tl - eq - 1 };

			if (eq == 8 && strncasecmp(txt + start, "redirect", 8) == 0)
				m = &r->redirect;
			else if (eq == 3 && strncasecmp(txt + start, "exp", 3) == 0)
				m = &r->exp;
			if (m == NULL) {
				/* unknown modifiers are ignored, but must
				 * be well formed (6, 12) */
				if (!spf_macro_valid(txt + sp.off, sp.len, false)) {
					*err = "bad macro in modifier";
					return false;
				}
				continue;
			}
			if (m->len != 0) {
				*err = "modifier given twice";
				return false;
			}
			if (!spf_domain_spec_valid(txt + sp.off, sp.len)) {
				*err = "bad domain-spec";
				return false;
			}
			*m = sp;
			continue;
		}
		if (r->n == cap) {
			cap = cap ? cap * 2 : 8;
			struct spf_term *nt = xcalloc(cap, sizeof(*nt));

			if (r->n)
				memcpy(nt, r->terms, r->n * sizeof(*nt));
			free(r->terms);
			r->terms = nt;
		}
		struct spf_term *t = &r->terms[r->n];

		memset(t, 0, sizeof(*t));
		t->off = start;
		t->len = tl;
		if (!parse_mechanism(r, start, tl, t)) {
			*err = "bad mechanism";
			return false;
		}
		r->n++;
	}
	return true;
}

void
spf_record_free(struct spf_record *r)
{
	free(r->text);
	free(r->terms);
	memset(r, 0, sizeof(*r));
}
