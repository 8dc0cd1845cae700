/* spf-dns-table.c - a table resolver for the SPF tests (see the header) */
#include "spf-dns-table.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"

struct entry {
	char *name;
	int type;		/* 0: exists only; -1: tempfail for this type */
	int tf_type;
	struct mauth_rr rr;
};

struct pending {
	char *name;
	enum mauth_dns_type type;
	mauth_dns_cb *cb;
	void *arg;
	bool cancelled;
	struct pending *next;
};

struct spf_table {
	struct entry *e;
	size_t n, cap;
	struct pending *head, **tail;
	size_t asked, queued;
	int refuse;
};

static char *
norm(const char *name)
{
	char *s = xstrdup(name);
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '.')
		s[n - 1] = '\0';
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	return s;
}

struct spf_table *
spf_table_new(void)
{
	struct spf_table *t = xcalloc(1, sizeof(*t));

	t->tail = &t->head;
	return t;
}

static struct entry *
add(struct spf_table *t, const char *name)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		struct entry *ne = xcalloc(t->cap, sizeof(*ne));

		if (t->n)
			memcpy(ne, t->e, t->n * sizeof(*ne));
		free(t->e);
		t->e = ne;
	}
	struct entry *e = &t->e[t->n++];

	memset(e, 0, sizeof(*e));
	e->name = norm(name);
	return e;
}

void
spf_table_add(struct spf_table *t, const char *name, enum mauth_dns_type type,
	      const char *text, size_t len, uint16_t pref)
{
	struct entry *e = add(t, name);

	e->type = (int)type;
	e->rr.text = xmalloc(len + 1);
	memcpy(e->rr.text, text, len);
	e->rr.text[len] = '\0';
	e->rr.len = len;
	e->rr.pref = pref;
}

void
spf_table_txt(struct spf_table *t, const char *name, const char *text)
{
	spf_table_add(t, name, MAUTH_DNS_TXT, text, strlen(text), 0);
}

void
spf_table_tempfail(struct spf_table *t, const char *name,
		   enum mauth_dns_type type)
{
	struct entry *e = add(t, name);

	e->type = -1;
	e->tf_type = (int)type;
}

void
spf_table_tempfail_all(struct spf_table *t, const char *name)
{
	struct entry *e = add(t, name);

	e->type = -1;
	e->tf_type = 0;
}

void
spf_table_exists(struct spf_table *t, const char *name)
{
	add(t, name)->type = 0;
}

void
spf_table_refuse(struct spf_table *t, int refuse)
{
	t->refuse = refuse;
}

static void *
lookup(void *ctx, const char *name, enum mauth_dns_type type, mauth_dns_cb *cb,
       void *arg)
{
	struct spf_table *t = ctx;
	struct pending *p;

	t->asked++;
	if (t->refuse)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->name = norm(name);
	p->type = type;
	p->cb = cb;
	p->arg = arg;
	*t->tail = p;
	t->tail = &p->next;
	t->queued++;
	return p;
}

static void
cancel(void *ctx, void *handle)
{
	((struct pending *)handle)->cancelled = true;
}

void
spf_table_resolver(struct spf_table *t, struct mauth_resolver *out)
{
	out->ctx = t;
	out->lookup = lookup;
	out->cancel = cancel;
}

static void
answer(struct spf_table *t, struct pending *p)
{
	struct mauth_dns_answer a = { MAUTH_DNS_NXDOMAIN, 0, NULL, false };
	size_t cap = 0;

	for (size_t i = 0; i < t->n; i++) {
		struct entry *e = &t->e[i];

		if (strcmp(e->name, p->name) != 0)
			continue;
		if (e->type == -1 && (e->tf_type == 0 || e->tf_type == (int)p->type)) {
			a.rcode = MAUTH_DNS_TEMPFAIL;
			a.n = 0;
			break;
		}
		if (a.rcode == MAUTH_DNS_NXDOMAIN)
			a.rcode = MAUTH_DNS_NODATA;
		if (e->type != (int)p->type)
			continue;
		if (a.n == cap) {
			cap = cap ? cap * 2 : 4;
			struct mauth_rr *nr = xcalloc(cap, sizeof(*nr));

			if (a.n)
				memcpy(nr, a.rr, a.n * sizeof(*nr));
			free(a.rr);
			a.rr = nr;
		}
		a.rr[a.n++] = e->rr;
		a.rcode = MAUTH_DNS_DATA;
	}
	p->cb(p->arg, &a);
	free(a.rr);
}

size_t
spf_table_run(struct spf_table *t, size_t max)
{
	size_t done = 0;

	while (t->head != NULL && done < max) {
		struct pending *p = t->head;

		t->head = p->next;
		if (t->head == NULL)
			t->tail = &t->head;
		t->queued--;
		if (!p->cancelled) {
			answer(t, p);
			done++;
		}
		free(p->name);
		free(p);
	}
	return done;
}

size_t
spf_table_asked(const struct spf_table *t)
{
	return t->asked;
}

size_t
spf_table_queued(const struct spf_table *t)
{
	return t->queued;
}

void
spf_table_free(struct spf_table *t)
{
	while (t->head != NULL) {
		struct pending *p = t->head;

		t->head = p->next;
		free(p->name);
		free(p);
	}
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].name);
		free(t->e[i].rr.text);
	}
	free(t->e);
	free(t);
}
