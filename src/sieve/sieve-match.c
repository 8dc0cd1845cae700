/* sieve-match.c - comparators (RFC 4790: i;octet, i;ascii-casemap,
 * i;ascii-numeric), match types :is :contains :matches (RFC 5228 2.7.1),
 * :regex (draft-ietf-sieve-regex, POSIX ERE) and relational :value
 * (RFC 5231) */
#include "sieve/sieve-private.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REGEX_MAX_LEN 1024
#define REGEX_MAX_REPEAT 1000	/* product of the {m,n} bounds */

static int
lc(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool
byte_eq(bool casemap, unsigned char a, unsigned char b)
{
	return casemap ? lc(a) == lc(b) : a == b;
}

/* i;ascii-numeric: the leading digits as a number; no digit: infinity */
static bool
numeric(const char *s, size_t len, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	if (len == 0 || s[0] < '0' || s[0] > '9')
		return false;
	while (i < len && s[i] >= '0' && s[i] <= '9') {
		uint64_t d = (uint64_t)(s[i] - '0');
		*v = *v > (UINT64_MAX - d) / 10 ? UINT64_MAX : *v * 10 + d;
		i++;
	}
	return true;
}

/* <0, 0, >0 */
static int
compare(enum sieve_cmp cmp, const char *a, size_t alen, const char *b,
	size_t blen)
{
	if (cmp == CMP_NUMERIC) {
		uint64_t x, y;
		bool fx = numeric(a, alen, &x), fy = numeric(b, blen, &y);
		if (!fx || !fy)
			return fx ? -1 : fy ? 1 : 0;
		return x < y ? -1 : x > y;
	}
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++) {
		int ca = (unsigned char)a[i], cb = (unsigned char)b[i];
		if (cmp == CMP_CASEMAP) {
			ca = lc(ca);
			cb = lc(cb);
		}
		if (ca != cb)
			return ca - cb;
	}
	return alen < blen ? -1 : alen > blen;
}

bool
sieve_rel_cmp(enum sieve_cmp cmp, enum sieve_rel rel, const char *a,
	      size_t alen, const char *b, size_t blen)
{
	int c = compare(cmp, a, alen, b, blen);

	switch (rel) {
	case REL_GT: return c > 0;
	case REL_GE: return c >= 0;
	case REL_LT: return c < 0;
	case REL_LE: return c <= 0;
	case REL_EQ: return c == 0;
	case REL_NE: return c != 0;
	}
	return false;
}

static void
mv_set(struct sieve_mvars *mv, size_t i, const char *p, size_t n)
{
	if (i >= 10)
		return;
	buf_reset(&mv->v[i]);
	buf_append(&mv->v[i], p, n);
	if (mv->n < i + 1)
		mv->n = i + 1;
}

/* glob tokens: a literal byte, '?' or '*' */
enum { G_LIT, G_ONE, G_STAR };

bool
sieve_glob(const char *pat, size_t plen, const char *s, size_t slen,
	   bool casemap, struct sieve_mvars *mv)
{
	unsigned char *kind = xmalloc(plen + 1);
	unsigned char *lit = xmalloc(plen + 1);
	size_t *tpos = xmalloc((plen + 2) * sizeof(size_t));
	size_t nt = 0;
	bool ok = false;

	for (size_t k = 0; k < plen; k++) {
		if (pat[k] == '\\' && k + 1 < plen) {
			kind[nt] = G_LIT;
			lit[nt++] = (unsigned char)pat[++k];
		} else if (pat[k] == '*') {
			if (nt && kind[nt - 1] == G_STAR && !mv)
				continue;
			kind[nt++] = G_STAR;
		} else if (pat[k] == '?') {
			kind[nt++] = G_ONE;
		} else {
			kind[nt] = G_LIT;
			lit[nt++] = (unsigned char)pat[k];
		}
	}
	/* the classic last-star backtracking: earlier stars keep the
	 * shortest match (RFC 5229 3.2's ${N} values), O(n * m) */
	size_t i = 0, j = 0, star_j = SIZE_MAX, star_i = 0;
	while (i < slen || j < nt) {
		if (j < nt) {
			tpos[j] = i;
			if (kind[j] == G_STAR) {
				star_j = j;
				star_i = i;
				j++;
				continue;
			}
			/* one octet: i;octet and i;ascii-casemap work on
			 * octets (RFC 4790; as Pigeonhole) */
			if (i < slen && kind[j] == G_ONE) {
				i++;
				j++;
				continue;
			}
			if (i < slen && kind[j] == G_LIT &&
			    byte_eq(casemap, (unsigned char)s[i], lit[j])) {
				i++;
				j++;
				continue;
			}
		}
		if (star_j == SIZE_MAX || star_i >= slen)
			goto out;
		i = ++star_i;
		j = star_j + 1;
	}
	ok = true;
	tpos[nt] = slen;
	if (mv) {
		size_t w = 1;
		for (size_t k = 0; k < 10; k++)
			buf_reset(&mv->v[k]);
		mv->n = 0;
		mv_set(mv, 0, s, slen);
		for (size_t k = 0; k < nt; k++)
			if (kind[k] != G_LIT)
				mv_set(mv, w++, s + tpos[k], tpos[k + 1] - tpos[k]);
	}
out:
	free(kind);
	free(lit);
	free(tpos);
	return ok;
}

/* the bounds: length, no back-references, repetition product */
static bool
regex_bounds(const char *key, size_t len, char *err, size_t errlen)
{
	uint64_t prod = 1;

	if (len > REGEX_MAX_LEN) {
		snprintf(err, errlen, "regular expression too long (at most %d bytes)",
			 REGEX_MAX_LEN);
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (key[i] == '\\' && i + 1 < len) {
			if (key[i + 1] >= '1' && key[i + 1] <= '9') {
				snprintf(err, errlen,
					 "back-references (\\%c) are not allowed in a :regex key",
					 key[i + 1]);
				return false;
			}
			i++;
			continue;
		}
		if (key[i] == '{') {
			uint64_t a = 0, b = 0;
			size_t k = i + 1;
			while (k < len && key[k] >= '0' && key[k] <= '9' && a < 100000)
				a = a * 10 + (uint64_t)(key[k++] - '0');
			b = a;
			if (k < len && key[k] == ',') {
				k++;
				b = a + 1;
				if (k < len && key[k] >= '0' && key[k] <= '9') {
					b = 0;
					while (k < len && key[k] >= '0' &&
					       key[k] <= '9' && b < 100000)
						b = b * 10 + (uint64_t)(key[k++] - '0');
				}
			}
			prod *= (b > 1 ? b : 1);
			if (prod > REGEX_MAX_REPEAT) {
				snprintf(err, errlen,
					 "regular expression too complex (repetition bounds)");
				return false;
			}
		}
	}
	return true;
}

void *
sieve_regex_compile(const char *key, size_t len, bool casemap, bool subs,
		    char *err, size_t errlen)
{
	if (!regex_bounds(key, len, err, errlen))
		return NULL;
	regex_t *re = xmalloc(sizeof(*re));
	char *z = xstrndup(key, len);
	int rc = regcomp(re, z, REG_EXTENDED | (casemap ? REG_ICASE : 0) |
			 (subs ? 0 : REG_NOSUB));
	free(z);
	if (rc != 0) {
		char m[100];
		regerror(rc, re, m, sizeof(m));
		snprintf(err, errlen, "bad regular expression: %s", m);
		free(re);
		return NULL;
	}
	return re;
}

void
sieve_regex_free(void *re)
{
	if (re) {
		regfree(re);
		free(re);
	}
}

bool
sieve_regex_check(const char *key, size_t len, bool casemap, char *err,
		  size_t errlen)
{
	void *re = sieve_regex_compile(key, len, casemap, false, err, errlen);

	sieve_regex_free(re);
	return re != NULL;
}

bool
sieve_regex_exec(void *vre, const char *val, size_t vlen,
		 struct sieve_mvars *mv)
{
	regex_t *re = vre;
	regmatch_t pm[10];
	char *vz = xstrndup(val, vlen);
	int rc = regexec(re, vz, mv ? 10 : 0, mv ? pm : NULL, 0);

	if (rc == 0 && mv) {
		for (size_t k = 0; k < 10; k++)
			buf_reset(&mv->v[k]);
		mv->n = 0;
		for (size_t k = 0; k < 10 && k <= re->re_nsub; k++) {
			if (pm[k].rm_so < 0)
				mv_set(mv, k, "", 0);
			else
				mv_set(mv, k, vz + pm[k].rm_so,
				       (size_t)(pm[k].rm_eo - pm[k].rm_so));
		}
	}
	free(vz);
	return rc == 0;
}

/* memmem is linear (two-way); casemap searches lowercased copies */
static bool
contains(const char *h, size_t hl, const char *n, size_t nl, bool casemap)
{
	if (nl == 0)
		return true;
	if (!casemap)
		return memmem(h, hl, n, nl) != NULL;
	char *lh = xmalloc(hl + 1), *ln = xmalloc(nl + 1);
	for (size_t i = 0; i < hl; i++)
		lh[i] = (char)lc((unsigned char)h[i]);
	for (size_t i = 0; i < nl; i++)
		ln[i] = (char)lc((unsigned char)n[i]);
	bool hit = memmem(lh, hl, ln, nl) != NULL;
	free(lh);
	free(ln);
	return hit;
}

bool
sieve_match_one(const struct sieve_matcher *m, const char *val, size_t vlen,
		const char *key, size_t klen, struct sieve_mvars *mv)
{
	bool casemap = m->cmp == CMP_CASEMAP;

	switch (m->match) {
	case MT_IS:
		return compare(m->cmp, val, vlen, key, klen) == 0;
	case MT_CONTAINS:
		return contains(val, vlen, key, klen, casemap);
	case MT_MATCHES:
		return sieve_glob(key, klen, val, vlen, casemap, mv);
	case MT_VALUE:
		return sieve_rel_cmp(m->cmp, m->rel, val, vlen, key, klen);
	case MT_REGEX:	/* sieve_regex_exec, a key compiled once */
	case MT_COUNT:
		break;
	}
	return false;
}
