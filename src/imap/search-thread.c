/* search-thread.c - THREAD (RFC 5256 section 3): ORDEREDSUBJECT, and
 * REFERENCES (the algorithm of section 4: link by Message-ID and
 * References/In-Reply-To, prune dummies, group the roots by base
 * subject, sort siblings by sent date). Dates are the SORT DATE key
 * (Date: in UTC, else the internal date); ties go in mailbox order. */
#include "imap/imap-search.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mime/mime.h"

struct tnode {
	struct sort_item *msg;		/* NULL: a dummy */
	struct tnode *parent, *child, *next;	/* first child, sibling */
	const char *id;			/* key in the id table, or NULL */
	bool reply;			/* its subject was a reply/forward */
};

#define TCHUNK 256

struct tchunk {
	struct tchunk *next;
	size_t n;
	struct tnode v[TCHUNK];
};

struct tctx {
	struct tchunk *first, *last;	/* every node, in creation order */
	struct tnode **table;		/* Message-ID -> node */
	size_t tcap, tn;
	char **ids;			/* parsed ids, kept until the end */
	size_t n_ids, cap_ids;
	uint32_t (*seq)(void *arg, uint32_t uid);
	void *arg;
};

/* ---- nodes and the id table ---- */

static struct tnode *
tnode_new(struct tctx *t)
{
	/* chunks: nodes never move */
	if (t->last == NULL || t->last->n == TCHUNK) {
		struct tchunk *c = xcalloc(1, sizeof(*c));

		if (t->last)
			t->last->next = c;
		else
			t->first = c;
		t->last = c;
	}
	return &t->last->v[t->last->n++];
}

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct tnode **
id_slot(struct tctx *t, const char *id)
{
	size_t i = (size_t)str_hash(id) & (t->tcap - 1);

	while (t->table[i] != NULL && strcmp(t->table[i]->id, id) != 0)
		i = (i + 1) & (t->tcap - 1);
	return &t->table[i];
}

static struct tnode *
id_node(struct tctx *t, const char *id)
{
	struct tnode **slot;

	if (2 * (t->tn + 1) > t->tcap) {
		struct tnode **old = t->table;
		size_t oldcap = t->tcap;

		t->tcap = oldcap ? 2 * oldcap : 256;
		t->table = xcalloc(t->tcap, sizeof(*t->table));
		for (size_t i = 0; i < oldcap; i++)
			if (old[i] != NULL)
				*id_slot(t, old[i]->id) = old[i];
		free(old);
	}
	slot = id_slot(t, id);
	if (*slot == NULL) {
		*slot = tnode_new(t);
		(*slot)->id = id;
		t->tn++;
	}
	return *slot;
}

/* the ids of a header value, kept in t (freed with it) */
static size_t
ids_parse(struct tctx *t, const char *value, char ***v_r)
{
	struct mime_msgids l = { NULL, 0 };
	size_t first = t->n_ids;

	if (value != NULL)
		mime_msgid_parse((const unsigned char *)value, strlen(value),
				 &l);
	for (size_t i = 0; i < l.n; i++) {
		if (t->n_ids == t->cap_ids) {
			t->cap_ids = t->cap_ids ? t->cap_ids * 2 : 64;
			t->ids = xrealloc(t->ids, t->cap_ids * sizeof(char *));
		}
		t->ids[t->n_ids++] = l.v[i];
	}
	free(l.v);
	*v_r = t->ids + first;
	return l.n;
}

/* ---- the tree ---- */

static bool
is_ancestor(const struct tnode *a, const struct tnode *x)
{
	for (; x != NULL; x = x->parent)
		if (x == a)
			return true;
	return false;
}

static void
unlink_node(struct tnode *x)
{
	struct tnode **pp;

	if (x->parent == NULL)
		return;
	for (pp = &x->parent->child; *pp != x; pp = &(*pp)->next)
		;
	*pp = x->next;
	x->next = NULL;
	x->parent = NULL;
}

/* x becomes p's last child */
static void
add_child(struct tnode *p, struct tnode *x)
{
	struct tnode **pp;

	unlink_node(x);
	for (pp = &p->child; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = x;
	x->parent = p;
	x->next = NULL;
}

static int64_t
tnode_date(const struct tnode *x)
{
	/* a dummy sorts by its first child (its children are sorted) */
	while (x->msg == NULL && x->child != NULL)
		x = x->child;
	return x->msg ? x->msg->date : 0;
}

static uint32_t
tnode_uid(const struct tnode *x)
{
	while (x->msg == NULL && x->child != NULL)
		x = x->child;
	return x->msg ? x->msg->uid : 0;
}

static int
tnode_cmp(const void *pa, const void *pb)
{
	const struct tnode *a = *(struct tnode *const *)pa;
	const struct tnode *b = *(struct tnode *const *)pb;
	int64_t da = tnode_date(a), db = tnode_date(b);
	uint32_t ua = tnode_uid(a), ub = tnode_uid(b);

	if (da != db)
		return da < db ? -1 : 1;
	return ua < ub ? -1 : ua > ub;
}

/* sort a sibling list (children first, for the dummies' dates) */
static struct tnode *
sort_siblings(struct tnode *first, bool deep)
{
	struct tnode **v, *x;
	size_t n = 0, i;

	for (x = first; x != NULL; x = x->next) {
		if (deep)
			x->child = sort_siblings(x->child, true);
		n++;
	}
	if (n < 2)
		return first;
	v = xmalloc(n * sizeof(*v));
	for (i = 0, x = first; x != NULL; x = x->next)
		v[i++] = x;
	qsort(v, n, sizeof(*v), tnode_cmp);
	for (i = 0; i + 1 < n; i++)
		v[i]->next = v[i + 1];
	v[n - 1]->next = NULL;
	first = v[0];
	free(v);
	return first;
}

/* RFC 5256 4 (3): prune dummies in a sibling list; returns the list */
static struct tnode *
prune(struct tnode *first, struct tnode *parent, bool root)
{
	struct tnode *out = NULL, **tail = &out, *x, *next;

	for (x = first; x != NULL; x = next) {
		next = x->next;
		x->next = NULL;
		x->child = prune(x->child, x, false);
		if (x->msg == NULL && x->child == NULL)
			continue;			/* empty dummy: gone */
		if (x->msg == NULL &&
		    !(root && x->child->next != NULL)) {
			/* promote the children to this level */
			struct tnode *c;

			for (c = x->child; c != NULL; c = c->next)
				c->parent = parent;
			*tail = x->child;
			while (*tail != NULL)
				tail = &(*tail)->next;
			continue;
		}
		*tail = x;
		tail = &x->next;
	}
	return out;
}

/* the base subject of a root (a dummy: of its first child) */
static const char *
root_subject(const struct tnode *x, bool *reply_r)
{
	while (x->msg == NULL && x->child != NULL)
		x = x->child;
	*reply_r = x->reply;
	return x->msg && x->msg->subject ? x->msg->subject : "";
}

/* the table slot for subj (the one holding it, or an empty one) */
static size_t
subj_slot(struct tnode **tab, size_t cap, const char *subj)
{
	bool reply;
	size_t i = (size_t)str_hash(subj) & (cap - 1);

	while (tab[i] != NULL &&
	       strcasecmp(root_subject(tab[i], &reply), subj) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

/* RFC 5256 4 (5): roots with the same base subject share a thread */
static struct tnode *
group_by_subject(struct tctx *t, struct tnode *roots)
{
	struct tnode **tab, **r, *x, *out = NULL, **tail = &out;
	size_t n = 0, cap, i, k;

	for (x = roots; x != NULL; x = x->next)
		n++;
	if (n < 2)
		return roots;
	r = xmalloc(n * sizeof(*r));
	for (k = 0, x = roots; x != NULL; x = x->next)
		r[k++] = x;
	for (cap = 16; cap < 2 * n; cap *= 2)
		;
	tab = xcalloc(cap, sizeof(*tab));
	/* (B) one container per subject: a dummy, else a non-reply */
	for (k = 0; k < n; k++) {
		bool reply, oreply;
		const char *subj = root_subject(r[k], &reply);

		if (*subj == '\0')
			continue;
		i = subj_slot(tab, cap, subj);
		if (tab[i] != NULL)
			(void)root_subject(tab[i], &oreply);
		if (tab[i] == NULL ||
		    (tab[i]->msg != NULL && r[k]->msg == NULL) ||
		    (tab[i]->msg != NULL && r[k]->msg != NULL && oreply &&
		     !reply))
			tab[i] = r[k];
	}
	/* (C) merge the others into it; a new dummy takes its place */
	for (k = 0; k < n; k++) {
		bool reply, oreply;
		const char *subj;
		struct tnode *e, *d;
		size_t at;

		x = r[k];
		subj = root_subject(x, &reply);
		if (*subj == '\0')
			continue;
		i = subj_slot(tab, cap, subj);
		e = tab[i];
		if (e == x)
			continue;
		(void)root_subject(e, &oreply);
		r[k] = NULL;
		if (e->msg == NULL && x->msg == NULL) {
			while (x->child != NULL)
				add_child(e, x->child);
		} else if (e->msg == NULL || (!oreply && reply)) {
			add_child(e, x);
		} else {
			for (at = 0; at < n && r[at] != e; at++)
				;
			d = tnode_new(t);
			add_child(d, e);
			add_child(d, x);
			tab[i] = d;
			if (at < n)
				r[at] = d;
		}
	}
	for (k = 0; k < n; k++) {
		if (r[k] == NULL)
			continue;
		r[k]->next = NULL;
		*tail = r[k];
		tail = &r[k]->next;
	}
	free(tab);
	free(r);
	return out;
}

/* ---- output ---- */

static void
print_members(struct tctx *t, const struct tnode *x, struct buf *out)
{
	const struct tnode *c;

	if (x->msg != NULL)
		buf_printf(out, "%u", t->seq(t->arg, x->msg->uid));
	if (x->child == NULL)
		return;
	if (x->child->next == NULL && x->msg != NULL) {
		buf_append_byte(out, ' ');
		print_members(t, x->child, out);
		return;
	}
	if (x->msg != NULL)
		buf_append_byte(out, ' ');
	for (c = x->child; c != NULL; c = c->next) {
		buf_append_byte(out, '(');
		print_members(t, c, out);
		buf_append_byte(out, ')');
	}
}

static void
print_roots(struct tctx *t, const struct tnode *roots, struct buf *out)
{
	for (const struct tnode *x = roots; x != NULL; x = x->next) {
		buf_append_byte(out, '(');
		print_members(t, x, out);
		buf_append_byte(out, ')');
	}
}

/* ---- the two algorithms ---- */

static struct tnode *
thread_references(struct tctx *t, struct sort_item *v, size_t n)
{
	struct tnode *roots = NULL, **tail = &roots;
	size_t i, k;

	for (i = 0; i < n; i++) {
		char **ids, **refs;
		size_t nid = ids_parse(t, v[i].msgid, &ids);
		size_t nref;
		struct tnode *x = NULL, *prev = NULL;
		struct buf b = BUF_INIT;

		/* (1A) the message's container; none or a duplicate id
		 * gets one of its own */
		if (nid > 0) {
			x = id_node(t, ids[0]);
			if (x->msg != NULL)
				x = NULL;
		}
		if (x == NULL)
			x = tnode_new(t);
		x->msg = &v[i];
		if (v[i].subject_raw != NULL)
			x->reply = mime_summary_base_subject_reply(
				(const unsigned char *)v[i].subject_raw,
				strlen(v[i].subject_raw), &b);
		buf_free(&b);
		/* (1B) link the references in order, never into a loop */
		nref = ids_parse(t, v[i].refs, &refs);
		if (nref == 0) {
			nref = ids_parse(t, v[i].irt, &refs);
			if (nref > 1)
				nref = 1;
		}
		for (k = 0; k < nref; k++) {
			struct tnode *r = id_node(t, refs[k]);

			if (prev != NULL && r->parent == NULL && r != prev &&
			    !is_ancestor(r, prev))
				add_child(prev, r);
			prev = r;
		}
		/* (1C) the last reference is the message's parent: the
		 * link it has (from earlier references) goes first, and
		 * no link is made that would close a loop */
		unlink_node(x);
		if (prev != NULL && prev != x && !is_ancestor(x, prev))
			add_child(prev, x);
	}
	/* (2) the root set, in creation order */
	for (struct tchunk *c = t->first; c != NULL; c = c->next) {
		for (k = 0; k < c->n; k++) {
			struct tnode *x = &c->v[k];

			if (x->parent == NULL) {
				*tail = x;
				tail = &x->next;
			}
		}
	}
	roots = prune(roots, NULL, true);		/* (4) */
	roots = sort_siblings(roots, true);		/* (5)'s order */
	roots = group_by_subject(t, roots);		/* (5) */
	return sort_siblings(roots, true);		/* (6) */
}

static int
subject_cmp(const void *pa, const void *pb)
{
	const struct sort_item *a = pa, *b = pb;
	int c = sort_strcmp(a->subject, b->subject);

	if (c != 0)
		return c;
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return a->uid < b->uid ? -1 : a->uid > b->uid;
}

/* RFC 5256 3: by base subject, then date; each subject is a thread of
 * its first message with the others as its children */
static struct tnode *
thread_orderedsubject(struct tctx *t, struct sort_item *v, size_t n)
{
	struct tnode *roots = NULL, **tail = &roots, *first = NULL;
	size_t i;

	qsort(v, n, sizeof(*v), subject_cmp);
	for (i = 0; i < n; i++) {
		struct tnode *x = tnode_new(t);

		x->msg = &v[i];
		if (first != NULL &&
		    sort_strcmp(first->msg->subject, v[i].subject) == 0) {
			add_child(first, x);
			continue;
		}
		first = x;
		*tail = x;
		tail = &x->next;
	}
	return sort_siblings(roots, false);
}

void
thread_items(struct sort_item *v, size_t n, enum thread_alg alg,
	     uint32_t (*seq)(void *arg, uint32_t uid), void *arg,
	     struct buf *out)
{
	struct tctx t = { 0 };
	struct tnode *roots;
	size_t i;

	t.seq = seq;
	t.arg = arg;
	roots = alg == THREAD_REFERENCES ? thread_references(&t, v, n) :
		thread_orderedsubject(&t, v, n);
	print_roots(&t, roots, out);
	for (i = 0; i < t.n_ids; i++)
		free(t.ids[i]);
	free(t.ids);
	free(t.table);
	while (t.first != NULL) {
		struct tchunk *c = t.first;

		t.first = c->next;
		free(c);
	}
}
