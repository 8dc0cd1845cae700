/* imap-seqmap.c - the sequence map's lookups: sequence numbers and uids,
 * sequence sets resolved to uid ranges (no I/O: also used by tests) */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>

size_t
imap_view_lower(const struct imap_view *v, uint32_t uid)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (v->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t
imap_view_seq(const struct imap_view *v, uint32_t uid)
{
	size_t i = imap_view_lower(v, uid);

	return i < v->n && v->msgs[i].uid == uid ? (uint32_t)i + 1 : 0;
}

struct imap_msg *
imap_view_find(struct imap_view *v, uint32_t uid)
{
	uint32_t seq = imap_view_seq(v, uid);

	return seq ? &v->msgs[seq - 1] : NULL;
}

static bool
view_ranges(struct imap_session *s, const char *set, bool uid, bool clip,
	    struct store_uid_range **ranges_r, size_t *n_r,
	    const char **error_r)
{
	struct imap_view *v = &s->view;
	struct imap_seqset ss;
	struct store_uid_range *r;
	size_t i;

	*ranges_r = NULL;
	*n_r = 0;
	if (set == NULL || !imap_seqset_parse(set, &ss)) {
		*error_r = "Invalid sequence set";
		return false;
	}
	if (ss.dollar) {
		/* SEARCHRES: the saved uids */
		imap_seqset_free(&ss);
		imap_seqset_from_sorted(&ss, s->saved, s->n_saved);
		r = xcalloc(ss.n ? ss.n : 1, sizeof(*r));
		for (i = 0; i < ss.n; i++) {
			r[i].lo = ss.v[i].lo;
			r[i].hi = ss.v[i].hi;
		}
		*ranges_r = r;
		*n_r = ss.n;
		imap_seqset_free(&ss);
		return true;
	}
	if (uid) {
		imap_seqset_resolve(&ss, v->n ? v->msgs[v->n - 1].uid : 0);
	} else {
		for (i = 0; i < ss.n; i++) {
			bool star = ss.v[i].lo_star || ss.v[i].hi_star;

			/* "n:*" is clipped to the mailbox; a plain number
			 * beyond it is an error (but for SEARCH) */
			if (!star && !clip && ss.v[i].hi > v->n) {
				imap_seqset_free(&ss);
				*error_r = "Invalid sequence number";
				return false;
			}
		}
		imap_seqset_resolve(&ss, (uint32_t)v->n);
		for (i = 0; i < ss.n; i++)
			if (ss.v[i].hi > v->n)
				ss.v[i].hi = (uint32_t)v->n;
		while (ss.n > 0 && ss.v[ss.n - 1].lo > v->n)
			ss.n--;
	}
	r = xcalloc(ss.n ? ss.n : 1, sizeof(*r));
	for (i = 0; i < ss.n; i++) {
		if (uid) {
			r[i].lo = ss.v[i].lo;
			r[i].hi = ss.v[i].hi;
		} else {
			r[i].lo = v->msgs[ss.v[i].lo - 1].uid;
			r[i].hi = v->msgs[ss.v[i].hi - 1].uid;
		}
	}
	*ranges_r = r;
	*n_r = ss.n;
	imap_seqset_free(&ss);
	return true;
}

uint32_t *
imap_view_uids(struct imap_session *s, const struct store_uid_range *r,
	       size_t n, size_t *count_r)
{
	struct imap_view *v = &s->view;
	uint32_t *out = NULL;
	size_t i, cnt = 0, cap = 0;

	for (i = 0; i < n; i++) {
		size_t k = imap_view_lower(v, r[i].lo);

		for (; k < v->n && v->msgs[k].uid <= r[i].hi; k++) {
			if (cnt > 0 && out[cnt - 1] >= v->msgs[k].uid)
				continue;	/* overlapping ranges */
			if (cnt == cap) {
				cap = cap ? cap * 2 : 64;
				out = xrealloc(out, cap * sizeof(*out));
			}
			out[cnt++] = v->msgs[k].uid;
		}
	}
	*count_r = cnt;
	return out;
}


bool
imap_view_ranges(struct imap_session *s, const char *set, bool uid,
		 struct store_uid_range **ranges_r, size_t *n_r,
		 const char **error_r)
{
	return view_ranges(s, set, uid, false, ranges_r, n_r, error_r);
}

bool
imap_view_ranges_clipped(struct imap_session *s, const char *set, bool uid,
			 struct store_uid_range **ranges_r, size_t *n_r,
			 const char **error_r)
{
	return view_ranges(s, set, uid, true, ranges_r, n_r, error_r);
}
