/* dmarc-record.c - the DMARC TXT record (RFC 7489 6.3, 6.4).
 *
 * "v=DMARC1" must be the first tag or the record is not DMARC. Other
 * tags are case-insensitive names; a value that does not parse keeps the
 * tag's default (6.3: "syntax errors in the remainder of the record
 * SHOULD be discarded in favor of default values"), except p= and sp=,
 * whose absence or error the check handles (6.6.3 step 6). */
#include "mailauth/dmarc.h"
#include "lib/buf.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct slice
trim(const char *p, size_t n)
{
	while (n > 0 && is_wsp(*p)) {
		p++;
		n--;
	}
	while (n > 0 && is_wsp(p[n - 1]))
		n--;
	return (struct slice){ (const unsigned char *)p, n };
}

static bool
policy_parse(struct slice v, enum dmarc_policy *p)
{
	if (slice_case_eq_cstr(v, "none"))
		*p = DMARC_POLICY_NONE;
	else if (slice_case_eq_cstr(v, "quarantine"))
		*p = DMARC_POLICY_QUARANTINE;
	else if (slice_case_eq_cstr(v, "reject"))
		*p = DMARC_POLICY_REJECT;
	else
		return false;
	return true;
}

static bool
uint_parse(struct slice v, unsigned long max, unsigned long *out)
{
	unsigned long n = 0;

	if (v.len == 0 || v.len > 10)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		if (!isdigit(v.p[i]))
			return false;
		n = n * 10 + (unsigned long)(v.p[i] - '0');
	}
	if (n > max)
		return false;
	*out = n;
	return true;
}

/* dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]; the URI
 * part is checked for a scheme and no white space or separators */
static bool
uri_valid(struct slice u)
{
	size_t i = 0;

	if (u.len == 0 || u.len > 1024 || !isalpha(u.p[0]))
		return false;
	while (i < u.len && (isalnum(u.p[i]) || u.p[i] == '+' ||
			     u.p[i] == '-' || u.p[i] == '.'))
		i++;
	if (i >= u.len - 1 || u.p[i] != ':')
		return false;
	for (; i < u.len; i++) {
		if (u.p[i] <= ' ' || u.p[i] >= 0x7f || u.p[i] == ';' ||
		    u.p[i] == ',')
			return false;
	}
	return true;
}

static void
uris_parse(struct slice v, char ***out, size_t *n)
{
	const char *p = (const char *)v.p, *end = p + v.len;

	while (p <= end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		const char *e = c ? c : end;
		struct slice u = trim(p, (size_t)(e - p));

		if (uri_valid(u) && *n < 16) {
			*out = xrealloc(*out, (*n + 1) * sizeof(char *));
			(*out)[(*n)++] = slice_dup(u);
		}
		p = e + 1;
	}
}

/* fo: "0" / "1" / "d" / "s" joined by ':' */
static bool
fo_valid(struct slice v)
{
	if (v.len == 0 || v.len >= 16)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		char c = (char)tolower(v.p[i]);

		if (i % 2 == 1 ? c != ':' : !strchr("01ds", c))
			return false;
	}
	return v.len % 2 == 1;
}

/* rf: keywords joined by ':' */
static bool
rf_valid(struct slice v)
{
	if (v.len == 0 || v.len >= 16 || v.p[0] == ':' || v.p[v.len - 1] == ':')
		return false;
	for (size_t i = 0; i < v.len; i++)
		if (!isalnum(v.p[i]) && v.p[i] != '-' && v.p[i] != ':')
			return false;
	return true;
}

static void
copy_slice(char *dst, size_t size, struct slice v)
{
	size_t n = v.len < size - 1 ? v.len : size - 1;

	memcpy(dst, v.p, n);
	dst[n] = '\0';
}

int
dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *r)
{
	const char *p = txt, *end = txt + len;
	bool first = true, sp_bad = false;
	unsigned seen = 0;

	memset(r, 0, sizeof *r);
	r->pct = 100;
	r->ri = 86400;
	strcpy(r->fo, "0");
	strcpy(r->rf, "afrf");
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *e = semi ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		struct slice tag, v;

		if (eq == NULL) {
			if (first)
				return -1;
			/* an empty spec between ';'s is harmless */
			p = e + 1;
			continue;
		}
		tag = trim(p, (size_t)(eq - p));
		v = trim(eq + 1, (size_t)(e - eq - 1));
		p = e + 1;
		if (first) {
			/* %x44 %x4d %x41 %x52 %x43 %x31: exact bytes */
			if (!slice_eq_cstr(tag, "v") || !slice_eq_cstr(v, "DMARC1"))
				return -1;
			first = false;
			continue;
		}
		/* the first of a repeated tag counts */
#define ONCE(bit) if (seen & (bit)) continue; seen |= (bit)
		if (slice_case_eq_cstr(tag, "p")) {
			ONCE(1u);
			r->p_valid = policy_parse(v, &r->p);
		} else if (slice_case_eq_cstr(tag, "sp")) {
			ONCE(2u);
			r->sp_given = policy_parse(v, &r->sp);
			sp_bad = !r->sp_given;
		} else if (slice_case_eq_cstr(tag, "adkim") ||
			   slice_case_eq_cstr(tag, "aspf")) {
			bool dk = slice_case_eq_cstr(tag, "adkim");
			enum dmarc_align *a = dk ? &r->adkim : &r->aspf;

			ONCE(dk ? 4u : 8u);
			if (slice_case_eq_cstr(v, "s"))
				*a = DMARC_ALIGN_STRICT;
			else
				*a = DMARC_ALIGN_RELAXED;
		} else if (slice_case_eq_cstr(tag, "pct")) {
			unsigned long n;

			ONCE(16u);
			if (uint_parse(v, 100, &n))
				r->pct = (unsigned)n;
		} else if (slice_case_eq_cstr(tag, "rua")) {
			ONCE(32u);
			uris_parse(v, &r->rua, &r->n_rua);
		} else if (slice_case_eq_cstr(tag, "ruf")) {
			ONCE(64u);
			uris_parse(v, &r->ruf, &r->n_ruf);
		} else if (slice_case_eq_cstr(tag, "fo")) {
			ONCE(128u);
			if (fo_valid(v))
				copy_slice(r->fo, sizeof r->fo, v);
		} else if (slice_case_eq_cstr(tag, "rf")) {
			ONCE(256u);
			if (rf_valid(v))
				copy_slice(r->rf, sizeof r->rf, v);
		} else if (slice_case_eq_cstr(tag, "ri")) {
			unsigned long n;

			ONCE(512u);
			if (uint_parse(v, 4294967295ul, &n))
				r->ri = n;
		}
#undef ONCE
	}
	if (first)
		return -1;
	if (!r->sp_given)
		r->sp = r->p;
	/* an sp= that is not valid makes the policy unusable (6.6.3) */
	if (sp_bad)
		r->p_valid = false;
	return 0;
}

char *
dmarc_uri_split(const char *entry, uint64_t *max_bytes)
{
	const char *bang = strrchr(entry, '!');
	uint64_t n = 0;
	const char *p;

	*max_bytes = 0;
	/* "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] at the end, else part of the URI */
	if (bang == NULL || !isdigit((unsigned char)bang[1]))
		return xstrdup(entry);
	for (p = bang + 1; isdigit((unsigned char)*p) && n < (UINT64_MAX - 9) / 10; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	/* a size too long to count, or junk after it: not a size */
	if (*p != '\0' && !(strchr("kmgtKMGT", *p) && p[1] == '\0'))
		return xstrdup(entry);
	for (const char *u = "kmgt"; *p && *u; u++) {
		n = n > UINT64_MAX / 1024 ? UINT64_MAX : n * 1024;
		if (tolower((unsigned char)*p) == *u)
			break;
	}
	*max_bytes = n;
	return xstrndup(entry, (size_t)(bang - entry));
}

void
dmarc_record_free(struct dmarc_record *r)
{
	for (size_t i = 0; i < r->n_rua; i++)
		free(r->rua[i]);
	for (size_t i = 0; i < r->n_ruf; i++)
		free(r->ruf[i]);
	free(r->rua);
	free(r->ruf);
	r->rua = r->ruf = NULL;
	r->n_rua = r->n_ruf = 0;
}

const char *
dmarc_result_name(enum dmarc_result r)
{
	static const char *const names[] = { "none", "pass", "fail",
					     "temperror", "permerror" };

	return (unsigned)r < 5 ? names[r] : "permerror";
}

const char *
dmarc_policy_name(enum dmarc_policy p)
{
	static const char *const names[] = { "none", "quarantine", "reject" };

	return (unsigned)p < 3 ? names[p] : "none";
}

enum dmarc_policy
dmarc_apply_pct(enum dmarc_policy p, unsigned pct, unsigned roll)
{
	if (roll < pct || p == DMARC_POLICY_NONE)
		return p;
	return p == DMARC_POLICY_REJECT ? DMARC_POLICY_QUARANTINE : DMARC_POLICY_NONE;
}
