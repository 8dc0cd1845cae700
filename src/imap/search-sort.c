/* search-sort.c - SORT (RFC 5256) and SORT=DISPLAY (RFC 5957): the sort
 * keys come from what the store computed at delivery (base subject,
 * first address's mailbox, display names, Date: in UTC); strings
 * compare with i;ascii-casemap, a missing value as "" */
#include "imap/imap-search.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	enum sort_key key;
} sort_names[] = {
	{ "ARRIVAL", SORT_ARRIVAL }, { "CC", SORT_CC }, { "DATE", SORT_DATE },
	{ "FROM", SORT_FROM }, { "SIZE", SORT_SIZE },
	{ "SUBJECT", SORT_SUBJECT }, { "TO", SORT_TO },
	{ "DISPLAYFROM", SORT_DISPLAYFROM }, { "DISPLAYTO", SORT_DISPLAYTO },
};

bool
sort_parse(const struct imap_arg *list, struct sort_crit *crit, size_t *n_r)
{
	const struct imap_arg *a;
	bool reverse = false;
	size_t n = 0, i;

	if (list->type != IMAP_ARG_LIST)
		return false;
	for (a = list->u.list; a->type != IMAP_ARG_EOL; a++) {
		if (imap_arg_atom_eq(a, "REVERSE") && !reverse) {
			reverse = true;
			continue;
		}
		for (i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
			if (imap_arg_atom_eq(a, sort_names[i].name))
				break;
		if (i == sizeof(sort_names) / sizeof(sort_names[0]) ||
		    n == SORT_MAX_CRIT)
			return false;
		crit[n].key = sort_names[i].key;
		crit[n++].reverse = reverse;
		reverse = false;
	}
	*n_r = n;
	return n > 0 && !reverse;	/* REVERSE must precede a key */
}

static char *
dup0(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void
sort_item_fill(struct sort_item *it, const struct store_msg *m, bool thread)
{
	const struct store_parse *p = &m->parse;

	memset(it, 0, sizeof(*it));
	it->uid = m->uid;
	it->modseq = m->modseq;
	it->arrival = m->internaldate;
	/* RFC 5256: Date: (as UTC), else the internal date */
	it->date = p->sent_date ? p->sent_date : m->internaldate;
	it->size = m->size;
	it->subject = dup0(p->sort_subject);
	it->from = dup0(p->sort_from);
	it->to = dup0(p->sort_to);
	it->cc = dup0(p->sort_cc);
	/* RFC 5957: the display name, else the address's mailbox */
	it->dfrom = dup0(p->sort_display_from ? p->sort_display_from :
			 p->sort_from);
	it->dto = dup0(p->sort_display_to ? p->sort_display_to : p->sort_to);
	if (thread) {
		it->subject_raw = dup0(p->subject);
		it->msgid = dup0(p->message_id);
		it->irt = dup0(p->in_reply_to);
		it->refs = dup0(p->references);
	}
}

void
sort_item_clear(struct sort_item *it)
{
	free(it->subject);
	free(it->from);
	free(it->to);
	free(it->cc);
	free(it->dfrom);
	free(it->dto);
	free(it->subject_raw);
	free(it->msgid);
	free(it->irt);
	free(it->refs);
}

int
sort_strcmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)(a ? a : "");
	const unsigned char *y = (const unsigned char *)(b ? b : "");

	/* not strcasecmp: it folds to lower case, which puts "[" and "_"
	 * before the letters */
	for (;; x++, y++) {
		int cx = *x >= 'a' && *x <= 'z' ? *x - 32 : *x;
		int cy = *y >= 'a' && *y <= 'z' ? *y - 32 : *y;

		if (cx != cy || cx == 0)
			return cx - cy;
	}
}

static int
cmp_str(const char *a, const char *b)
{
	return sort_strcmp(a, b);
}

static int
cmp_num(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int
sort_cmp_key(const struct sort_item *a, const struct sort_item *b,
	     enum sort_key key)
{
	switch (key) {
	case SORT_ARRIVAL:
		return cmp_num(a->arrival, b->arrival);
	case SORT_DATE:
		return cmp_num(a->date, b->date);
	case SORT_SIZE:
		return a->size < b->size ? -1 : a->size > b->size;
	case SORT_CC:
		return cmp_str(a->cc, b->cc);
	case SORT_FROM:
		return cmp_str(a->from, b->from);
	case SORT_TO:
		return cmp_str(a->to, b->to);
	case SORT_SUBJECT:
		return cmp_str(a->subject, b->subject);
	case SORT_DISPLAYFROM:
		return cmp_str(a->dfrom, b->dfrom);
	case SORT_DISPLAYTO:
		return cmp_str(a->dto, b->dto);
	}
	return 0;
}

/* qsort has no context argument: the criteria of this thread's sort */
static _Thread_local const struct sort_crit *sort_crit_cur;
static _Thread_local size_t sort_n_crit_cur;

static int
sort_cmp(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;

	for (size_t i = 0; i < sort_n_crit_cur; i++) {
		int c = sort_cmp_key(a, b, sort_crit_cur[i].key);

		if (c != 0)
			return sort_crit_cur[i].reverse ? -c : c;
	}
	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

int
sort_item_cmp(const struct sort_item *a, const struct sort_item *b,
	      const struct sort_crit *crit, size_t n_crit)
{
	sort_crit_cur = crit;
	sort_n_crit_cur = n_crit;
	return sort_cmp(a, b);
}

void
sort_items(struct sort_item *v, size_t n, const struct sort_crit *crit,
	   size_t n_crit)
{
	sort_crit_cur = crit;
	sort_n_crit_cur = n_crit;
	if (n > 1)
		qsort(v, n, sizeof(*v), sort_cmp);
}
