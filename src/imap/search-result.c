/* search-result.c - shaping an ESEARCH result: PARTIAL windows
 * (RFC 9394) and sequence-sets that keep a sort order (RFC 5267 3.2) */
#include "imap/imap-search.h"

#include <ctype.h>
#include <stdlib.h>

/* nz-number: no sign, no leading 0, below 2^32 */
static const char *
partial_number(const char *s, uint32_t *v)
{
	uint64_t n = 0;

	if (*s < '1' || *s > '9')
		return NULL;
	for (; isdigit((unsigned char)*s); s++) {
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > UINT32_MAX)
			return NULL;
	}
	*v = (uint32_t)n;
	return s;
}

bool
search_partial_parse(const char *s, struct search_partial *p)
{
	bool last = *s == '-';
	uint32_t a, b;

	if (last)
		s++;
	if ((s = partial_number(s, &a)) == NULL || *s++ != ':')
		return false;
	/* both ends carry the same sign */
	if (last != (*s == '-'))
		return false;
	if (last)
		s++;
	if ((s = partial_number(s, &b)) == NULL || *s != '\0')
		return false;
	p->lo = a < b ? a : b;
	p->hi = a < b ? b : a;
	p->last = last;
	return true;
}

void
search_partial_window(const struct search_partial *p, size_t n,
		      size_t *from, size_t *count)
{
	size_t lo = p->lo, hi = p->hi;

	*from = *count = 0;
	if (lo > n)
		return;
	if (hi > n)
		hi = n;
	*count = hi - lo + 1;
	/* -1 is the last result: -lo..-hi are n-hi .. n-lo (0-based) */
	*from = p->last ? n - hi : lo - 1;
}

void
search_partial_append(struct buf *out, const struct search_partial *p)
{
	if (p->last)
		buf_printf(out, "PARTIAL (-%u:-%u ", p->lo, p->hi);
	else
		buf_printf(out, "PARTIAL (%u:%u ", p->lo, p->hi);
}

void
esearch_append_set(struct buf *out, const uint32_t *ids, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j + 1 < n && ids[j + 1] == ids[j] + 1; j++)
			;
		if (i > 0)
			buf_append_byte(out, ',');
		if (j > i)
			buf_printf(out, "%u:%u", ids[i], ids[j]);
		else
			buf_printf(out, "%u", ids[i]);
		i = j + 1;
	}
}
