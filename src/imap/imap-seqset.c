/* imap-seqset.c - sequence sets */
#include "imap/imap-seqset.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

static bool
parse_num(const char **sp, uint32_t *v)
{
	const char *s = *sp;
	uint64_t n = 0;

	if (*s == '*') {
		*v = IMAP_SEQ_STAR;
		*sp = s + 1;
		return true;
	}
	if (*s < '1' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > 0xffffffffULL - 1)	/* nz-number < 2^32 - 1 */
			return false;
		s++;
	}
	*v = (uint32_t)n;
	*sp = s;
	return true;
}

static void
add_range(struct imap_seqset *set, uint32_t lo, uint32_t hi)
{
	if (set->n == 0 || (set->n >= 4 && (set->n & (set->n - 1)) == 0))
		set->v = xrealloc(set->v, (set->n ? set->n * 2 : 4) *
				  sizeof(*set->v));
	if (lo > hi) {
		uint32_t t = lo;

		lo = hi;
		hi = t;
	}
	set->v[set->n].lo = lo;
	set->v[set->n].hi = hi;
	set->n++;
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

		if (!parse_num(&s, &lo))
			goto fail;
		hi = lo;
		if (*s == ':') {
			s++;
			if (!parse_num(&s, &hi))
				goto fail;
		}
		add_range(out, lo, hi);
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

		if (r.lo == IMAP_SEQ_STAR)
			r.lo = max;
		if (r.hi == IMAP_SEQ_STAR)
			r.hi = max;
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
			add_range(out, v[i], v[i]);
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
