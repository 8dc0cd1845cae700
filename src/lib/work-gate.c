/* work-gate.c - per-account and per-session share of the thread pool */
#include "lib/work-gate.h"

#include <stdbool.h>
#include <stdlib.h>

#include "lib/buf.h"

/* an account with jobs on the pool or waiting; freed when it has none */
struct work_gate_account {
	int64_t id;
	unsigned active;
	struct work_gate_job *head, *tail;	/* waiting, FIFO */
	struct work_gate_account *next;
};

struct work_gate {
	uv_loop_t *loop;
	unsigned per_account, per_session;	/* 0: no limit */
	/* few accounts work at one time: a list is enough */
	struct work_gate_account *accounts;
};

struct work_gate *
work_gate_create(uv_loop_t *loop, unsigned per_account, unsigned per_session)
{
	struct work_gate *g = xcalloc(1, sizeof(*g));

	g->loop = loop;
	g->per_account = per_account;
	g->per_session = per_session;
	return g;
}

static struct work_gate_account *
work_gate_account(struct work_gate *g, int64_t id)
{
	struct work_gate_account *a;

	for (a = g->accounts; a != NULL; a = a->next) {
		if (a->id == id)
			return a;
	}
	a = xcalloc(1, sizeof(*a));
	a->id = id;
	a->next = g->accounts;
	g->accounts = a;
	return a;
}

static void
work_gate_account_drop(struct work_gate *g, struct work_gate_account *a)
{
	struct work_gate_account **pp = &g->accounts;

	if (a->active > 0 || a->head != NULL)
		return;
	while (*pp != a)
		pp = &(*pp)->next;
	*pp = a->next;
	free(a);
}

static bool
work_gate_fits(const struct work_gate *g, const struct work_gate_job *j)
{
	return (g->per_account == 0 || j->acct->active < g->per_account) &&
	       (g->per_session == 0 || j->owner == NULL ||
		j->owner->active < g->per_session);
}

static void work_gate_after(uv_work_t *w, int status);

static int
work_gate_start(struct work_gate *g, struct work_gate_job *j)
{
	int rc = uv_queue_work(g->loop, &j->work, j->work_cb,
			       work_gate_after);

	if (rc == 0) {
		j->acct->active++;
		if (j->owner != NULL)
			j->owner->active++;
	}
	return rc;
}

/* start the account's first waiting jobs that fit, in order */
static void
work_gate_dispatch(struct work_gate *g, struct work_gate_account *a)
{
	struct work_gate_job **pp = &a->head, *prev = NULL;

	while (*pp != NULL &&
	       (g->per_account == 0 || a->active < g->per_account)) {
		struct work_gate_job *j = *pp;

		if (!work_gate_fits(g, j)) {
			prev = j;
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		if (a->tail == j)
			a->tail = prev;
		j->next = NULL;
		if (work_gate_start(g, j) != 0)
			j->after_cb(&j->work, UV_EINVAL);
	}
}

static void
work_gate_after(uv_work_t *w, int status)
{
	struct work_gate_job *j = (struct work_gate_job *)w;
	struct work_gate *g = j->gate;
	struct work_gate_account *a = j->acct;
	uv_after_work_cb after = j->after_cb;

	a->active--;
	if (j->owner != NULL)
		j->owner->active--;
	/* before after(): it may free j, or queue the next batch, which
	 * then waits behind the account's others */
	work_gate_dispatch(g, a);
	work_gate_account_drop(g, a);
	after(w, status);
}

int
work_gate_queue(struct work_gate *g, uv_loop_t *loop,
		struct work_gate_job *j, int64_t account_id,
		struct work_gate_owner *owner, uv_work_cb work,
		uv_after_work_cb after)
{
	struct work_gate_account *a;
	int rc;

	if (g == NULL || account_id == 0)
		return uv_queue_work(loop, &j->work, work, after);
	a = work_gate_account(g, account_id);
	j->work_cb = work;
	j->after_cb = after;
	j->gate = g;
	j->acct = a;
	j->owner = owner;
	j->next = NULL;
	if (a->head == NULL && work_gate_fits(g, j)) {
		rc = work_gate_start(g, j);
		work_gate_account_drop(g, a);
		return rc;
	}
	if (a->tail != NULL)
		a->tail->next = j;
	else
		a->head = j;
	a->tail = j;
	return 0;
}

void
work_gate_set_limits(struct work_gate *g, unsigned per_account,
		     unsigned per_session)
{
	g->per_account = per_account;
	g->per_session = per_session;
	for (struct work_gate_account *a = g->accounts, *next; a != NULL;
	     a = next) {
		next = a->next;
		work_gate_dispatch(g, a);
	}
}

void
work_gate_destroy(struct work_gate **gp)
{
	struct work_gate *g = *gp;

	if (g == NULL)
		return;
	*gp = NULL;
	while (g->accounts != NULL) {
		struct work_gate_account *a = g->accounts;

		g->accounts = a->next;
		free(a);
	}
	free(g);
}
