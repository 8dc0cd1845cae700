/* dkim-table.c - TXT answers from a table (see dkim-table.h) */
#include "mailauth/dkim-table.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"

struct entry {
	char *name, *text;
};

struct question {
	char *name;
	mauth_dns_cb *cb;
	void *arg;
	bool cancelled;
};

struct dkim_table {
	size_t n, nq;
	struct entry *e;
	struct question **q;
};

struct dkim_table *
dkim_table_new(void)
{
	return xcalloc(1, sizeof(struct dkim_table));
}

void
dkim_table_add(struct dkim_table *t, const char *name, const char *text)
{
	t->e = xrealloc(t->e, (t->n + 1) * sizeof(*t->e));
	t->e[t->n].name = xstrdup(name);
	t->e[t->n].text = text ? xstrdup(text) : NULL;
	t->n++;
}

int
dkim_table_load(struct dkim_table *t, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (f == NULL)
		return -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		char *sp;

		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (line[0] == '#' || (sp = strchr(line, ' ')) == NULL)
			continue;
		*sp++ = '\0';
		dkim_table_add(t, line, sp);
	}
	free(line);
	fclose(f);
	return 0;
}

static void *
lookup(void *ctx, const char *name, enum mauth_dns_type type,
       mauth_dns_cb *cb, void *arg)
{
	struct dkim_table *t = ctx;
	struct question *q = xcalloc(1, sizeof(*q));

	(void)type;	/* TXT is all DKIM asks */
	q->name = xstrdup(name);
	q->cb = cb;
	q->arg = arg;
	t->q = xrealloc(t->q, (t->nq + 1) * sizeof(*t->q));
	t->q[t->nq++] = q;
	return q;
}

static void
cancel(void *ctx, void *handle)
{
	((struct question *)handle)->cancelled = true;
}

void
dkim_table_resolver(struct dkim_table *t, struct mauth_resolver *r)
{
	r->ctx = t;
	r->lookup = lookup;
	r->cancel = cancel;
}

static void
answer(struct dkim_table *t, struct question *q)
{
	struct mauth_rr rr[16];
	struct mauth_dns_answer a = { MAUTH_DNS_NXDOMAIN, 0, rr, false };

	for (size_t i = 0; i < t->n && a.n < 16; i++) {
		if (strcasecmp(t->e[i].name, q->name))
			continue;
		if (t->e[i].text == NULL) {
			a.rcode = MAUTH_DNS_TEMPFAIL;
			break;
		}
		rr[a.n].text = t->e[i].text;
		rr[a.n].len = strlen(t->e[i].text);
		rr[a.n].pref = 0;
		a.n++;
		a.rcode = MAUTH_DNS_DATA;
	}
	q->cb(q->arg, &a);
}

size_t
dkim_table_run(struct dkim_table *t)
{
	size_t done = 0;

	/* a callback may ask again (t->q grows) */
	for (size_t i = 0; i < t->nq; i++) {
		struct question *q = t->q[i];

		if (!q->cancelled) {
			q->cancelled = true;
			answer(t, q);
			done++;
		}
	}
	for (size_t i = 0; i < t->nq; i++) {
		free(t->q[i]->name);
		free(t->q[i]);
	}
	free(t->q);
	t->q = NULL;
	t->nq = 0;
	return done;
}

void
dkim_table_free(struct dkim_table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nq; i++)
		t->q[i]->cancelled = true;
	dkim_table_run(t);
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].name);
		free(t->e[i].text);
	}
	free(t->e);
	free(t);
}
