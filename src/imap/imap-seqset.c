/* imap-seqset.c - sequence sets */
#include "imap/imap-seqset.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

static bool
parse_num(const char **sp, uint32_t *v, bool *star)
{
	const char *s = *sp;
	uint64_t n = 0;

	*star = *s == '*';
	if (*star) {
		*v = IMAP_SEQ_STAR;
		*sp = s + 1;
		return true;
	}
	if (*s < '1' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > 0xffffffffULL)	/* nz-number < 2^32 */
			return false;
		s++;
	}
	*v = (uint32_t)n;
	*sp = s;
	return true;
}

static void
add_range(struct imap_seqset *set, uint32_t lo, bool lo_star, uint32_t hi,
	  bool hi_star)
{
	struct imap_seq_range *r;

	if (set->n == 0 || (set->n >= 4 && (set->n & (set->n - 1)) == 0))
		set->v = xrealloc(set->v, (set->n ? set->n * 2 : 4) *
				  sizeof(*set->v));
	r = &set->v[set->n++];
	if (lo > hi) {
		r->lo = hi;
		r->lo_star = hi_star;
		r->hi = lo;
		r->hi_star = lo_star;
	} else {
		r->lo = lo;
		r->lo_star = lo_star;
		r->hi = hi;
		r->hi_star = hi_star;
	}
}

bool
imap_seqset_parse(const char *s, struct imap_seqset *out)
{
	memset(out, 0, sizeof(*out));
	if (strcmp(s, "$") == 0) {
		out->dollar = true;
		return true;
	}
	for (;;) {
		uint32_t lo, hi;
		bool lo_star, hi_star;

		if (!parse_num(&s, &lo, &lo_star))
			goto fail;
		hi = lo;
		hi_star = lo_star;
		if (*s == ':') {
			s++;
			if (!parse_num(&s, &hi, &hi_star))
				goto fail;
		}
		add_range(out, lo, lo_star, hi, hi_star);
		if (*s == '\0')
			return true;
		if (*s++ != ',')
			goto fail;
	}
fail:
	imap_seqset_free(out);
	return false;
}

void
imap_seqset_free(struct imap_seqset *set)
{
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static int
range_cmp(const void *a, const void *b)
{
	const struct imap_seq_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

void
imap_seqset_resolve(struct imap_seqset *set, uint32_t max)
{
	size_t i, o = 0;

	for (i = 0; i < set->n; i++) {
		struct imap_seq_range r = set->v[i];

		if (r.lo_star)
			r.lo = max;
		if (r.hi_star)
			r.hi = max;
		r.lo_star = r.hi_star = false;
		if (r.lo > r.hi) {
			uint32_t t = r.lo;

			r.lo = r.hi;
			r.hi = t;
		}
		if (r.hi == 0)
			continue;
		if (r.lo == 0)
			r.lo = 1;
		set->v[o++] = r;
	}
	set->n = o;
	if (o == 0)
		return;
	qsort(set->v, set->n, sizeof(*set->v), range_cmp);
	o = 0;
	for (i = 1; i < set->n; i++) {
		if ((uint64_t)set->v[o].hi + 1 >= set->v[i].lo) {
			if (set->v[i].hi > set->v[o].hi)
				set->v[o].hi = set->v[i].hi;
		} else {
			set->v[++o] = set->v[i];
		}
	}
	set->n = o + 1;
}

bool
imap_seqset_contains(const struct imap_seqset *set, uint32_t v)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v < set->v[mid].lo)
			hi = mid;
		else if (v > set->v[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

void
imap_seqset_from_sorted(struct imap_seqset *out, const uint32_t *v, size_t n)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (out->n > 0 && out->v[out->n - 1].hi + 1 == v[i])
			out->v[out->n - 1].hi = v[i];
		else if (out->n == 0 || out->v[out->n - 1].hi < v[i])
			add_range(out, v[i], false, v[i], false);
	}
}

char *
imap_seqset_format(const struct imap_seqset *set)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (i > 0)
			buf_append_byte(&b, ',');
		if (set->v[i].lo == set->v[i].hi)
			buf_printf(&b, "%u", set->v[i].lo);
		else
			buf_printf(&b, "%u:%u", set->v[i].lo, set->v[i].hi);
	}
	return buf_steal(&b);
}
