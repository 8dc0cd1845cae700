/* jmap-email-sort.c - Email/query's sort (RFC 8621 4.4.2): the
 * session's emailQuerySortOptions, with the collations of the core
 * capability; ties in arrival order, as IMAP SORT breaks them */
#include "jmap/jmap-email-query.h"
#include "lib/casefold.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum skey {
	S_RECEIVED, S_SENT, S_SIZE, S_FROM, S_TO, S_SUBJECT, S_HAS_KW,
	S_ALL_KW, S_SOME_KW
};

static const char *const key_names[] = {
	"receivedAt", "sentAt", "size", "from", "to", "subject",
	"hasKeyword", "allInThreadHaveKeyword", "someInThreadHaveKeyword"
};

enum coll { C_UNICODE, C_ASCII, C_NUMERIC };

struct jsort_crit {
	enum skey key;
	bool asc;
	enum coll coll;
	char *kw;
};

struct jsort {
	struct jsort_crit *v;
	size_t n;
};

#define SORT_MAX 8

json_t *
jmap_sort_parse(json_t *sort, struct jsort **out)
{
	struct jsort *s = xcalloc(1, sizeof(*s));

	*out = s;
	if (sort == NULL || json_is_null(sort))
		return NULL;
	if (!json_is_array(sort) || json_array_size(sort) > SORT_MAX) {
		jmap_sort_free(s);
		*out = NULL;
		return jmap_error("invalidArguments", "sort");
	}
	s->v = xcalloc(json_array_size(sort) + 1, sizeof(*s->v));
	for (size_t i = 0; i < json_array_size(sort); i++) {
		json_t *c = json_array_get(sort, i);
		const char *p = json_string_value(json_object_get(c, "property"));
		json_t *asc = json_object_get(c, "isAscending");
		const char *coll = json_string_value(
			json_object_get(c, "collation"));
		struct jsort_crit *x = &s->v[s->n];
		size_t k;

		for (k = 0; p && k < sizeof(key_names) / sizeof(key_names[0]);
		     k++)
			if (strcmp(p, key_names[k]) == 0)
				break;
		if (p == NULL || k == sizeof(key_names) / sizeof(key_names[0]) ||
		    (asc && !json_is_boolean(asc))) {
			jmap_sort_free(s);
			*out = NULL;
			return jmap_error(p ? "unsupportedSort" :
				"invalidArguments", p ? p : "sort");
		}
		x->key = (enum skey)k;
		x->asc = asc == NULL || json_is_true(asc);
		if (coll == NULL || strcmp(coll, "i;unicode-casemap") == 0)
			x->coll = C_UNICODE;
		else if (strcmp(coll, "i;ascii-casemap") == 0)
			x->coll = C_ASCII;
		else if (strcmp(coll, "i;ascii-numeric") == 0)
			x->coll = C_NUMERIC;
		else {
			jmap_sort_free(s);
			*out = NULL;
			return jmap_error("unsupportedSort", coll);
		}
		if (x->key >= S_HAS_KW) {
			const char *kw = json_string_value(
				json_object_get(c, "keyword"));

			if (kw == NULL || kw[0] == '\0') {
				jmap_sort_free(s);
				*out = NULL;
				return jmap_error("invalidArguments",
						  "keyword");
			}
			x->kw = xstrdup(kw);
			for (char *q = x->kw; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q + 32);
		}
		s->n++;
	}
	return NULL;
}

void
jmap_sort_free(struct jsort *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].kw);
	free(s->v);
	free(s);
}

unsigned
jmap_sort_needs(const struct jsort *s)
{
	unsigned w = 0;

	for (size_t i = 0; s && i < s->n; i++) {
		if (s->v[i].key == S_SENT || s->v[i].key == S_FROM ||
		    s->v[i].key == S_TO || s->v[i].key == S_SUBJECT)
			w |= JMAP_ER_TEXT;
		if (s->v[i].key >= S_HAS_KW)
			w |= JMAP_ER_KEYWORDS;
		if (s->v[i].key >= S_ALL_KW)
			w |= JMAP_ER_THREADS;
	}
	return w;
}

bool
jmap_sort_by_received(const struct jsort *s, bool *asc_r)
{
	if (s == NULL || s->n != 1 || s->v[0].key != S_RECEIVED)
		return false;
	*asc_r = s->v[0].asc;
	return true;
}

/* per Email sort values, computed once before sorting */
struct skeyv {
	/* the arrival order of ties, kept here (no pointer to follow),
	 * and the first keys: one cache line for most comparisons */
	int64_t date, mailbox;
	uint32_t uid;
	int64_t num[SORT_MAX];
	char *str[SORT_MAX];
	struct qmail *m;
};

static char *
collate_key(const char *s, enum coll c)
{
	struct buf b = BUF_INIT;

	if (s == NULL)
		s = "";
	if (c == C_UNICODE) {
		casefold(s, strlen(s), &b);
		return buf_steal(&b);
	}
	char *d = xstrdup(s);

	for (char *p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return d;
}

static bool
thread_kw(struct qset *q, const struct qmail *m, const char *kw, bool all)
{
	size_t g = m->thread, have = 0, n = 0;

	if (q->thread_start == NULL)
		return jmap_row_has_keyword(m->rows, kw);
	for (size_t i = q->thread_start[g]; i < q->thread_start[g + 1]; i++) {
		n++;
		have += jmap_row_has_keyword(q->v[q->by_thread[i]].rows, kw);
	}
	return all ? have == n : have > 0;
}

/* qsort has no context argument; methods run on several threads */
static _Thread_local const struct jsort *cur_sort;

static int
numeric_cmp(const char *a, const char *b)
{
	/* i;ascii-numeric: the leading digits as a number; none is
	 * greater than any number (RFC 4790 9.1) */
	bool da = *a >= '0' && *a <= '9', db = *b >= '0' && *b <= '9';

	if (!da || !db)
		return da == db ? 0 : da ? -1 : 1;
	unsigned long long x = strtoull(a, NULL, 10), y = strtoull(b, NULL, 10);

	return x < y ? -1 : x > y;
}

static int
skey_cmp(const void *pa, const void *pb)
{
	const struct skeyv *a = *(const struct skeyv *const *)pa;
	const struct skeyv *b = *(const struct skeyv *const *)pb;

	for (size_t i = 0; i < cur_sort->n; i++) {
		const struct jsort_crit *c = &cur_sort->v[i];
		int d;

		if (a->str[i] != NULL)
			d = c->coll == C_NUMERIC ?
				numeric_cmp(a->str[i], b->str[i]) :
				strcmp(a->str[i], b->str[i]);
		else
			d = a->num[i] < b->num[i] ? -1 : a->num[i] > b->num[i];
		if (d != 0)
			return c->asc ? d : -d;
	}
	/* ties in arrival order (mailbox, then uid of the first row),
	 * reversed when the first key is descending: "newest first"
	 * stays so within one second */
	int dir = cur_sort->n > 0 && !cur_sort->v[0].asc ? -1 : 1;

	if (a->date != b->date)
		return dir * (a->date < b->date ? -1 : 1);
	if (a->mailbox != b->mailbox)
		return dir * (a->mailbox < b->mailbox ? -1 : 1);
	return dir * (a->uid < b->uid ? -1 : a->uid > b->uid);
}

void
jmap_sort_apply(struct qset *q, const struct jsort *s, struct qmail **v,
		size_t n)
{
	struct skeyv *k = xcalloc(n ? n : 1, sizeof(*k));
	/* pointers are sorted: the keys are big to move */
	struct skeyv **p = xcalloc(n ? n : 1, sizeof(*p));

	for (size_t i = 0; i < n; i++) {
		const struct jmap_erow *r = v[i]->rows;
		const struct jmap_etext *t = r->t;

		k[i].m = v[i];
		k[i].date = r->internaldate;
		k[i].mailbox = r->mailbox_id;
		k[i].uid = r->uid;
		p[i] = &k[i];
		for (size_t j = 0; j < s->n; j++) {
			const struct jsort_crit *c = &s->v[j];

			switch (c->key) {
			case S_RECEIVED:
				k[i].num[j] = r->internaldate;
				break;
			case S_SENT:
				k[i].num[j] = t ? t->sent_date : 0;
				break;
			case S_SIZE:
				k[i].num[j] = (int64_t)r->size;
				break;
			case S_FROM:
				k[i].str[j] = collate_key(
					t ? t->display_from : NULL, c->coll);
				break;
			case S_TO:
				k[i].str[j] = collate_key(
					t ? t->display_to : NULL, c->coll);
				break;
			case S_SUBJECT:
				k[i].str[j] = collate_key(
					t ? t->sort_subject : NULL, c->coll);
				break;
			case S_HAS_KW:
				k[i].num[j] = jmap_row_has_keyword(r, c->kw);
				break;
			case S_ALL_KW:
			case S_SOME_KW:
				k[i].num[j] = thread_kw(q, v[i], c->kw,
							c->key == S_ALL_KW);
				break;
			}
		}
	}
	cur_sort = s;
	qsort(p, n, sizeof(*p), skey_cmp);
	for (size_t i = 0; i < n; i++) {
		v[i] = p[i]->m;
		for (size_t j = 0; j < s->n; j++)
			free(k[i].str[j]);
	}
	free(p);
	free(k);
}
