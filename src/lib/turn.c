/* turn.c - the next-turn queue (contract in turn.h) */
#include "lib/turn.h"

#include <stddef.h>

static struct {
	uv_loop_t *loop;
	uv_idle_t idle;
	struct turn_entry queue;	/* sentinel: waiting for the next turn */
	struct turn_entry running;	/* sentinel: this turn's entries */
} T;

static void
list_init(struct turn_entry *head)
{
	head->next = head->prev = head;
}

static bool
list_empty(const struct turn_entry *head)
{
	return head->next == head;
}

static void
on_idle(uv_idle_t *h)
{
	/* only what was queued before this turn; the rest after a poll */
	if (list_empty(&T.queue)) {
		uv_idle_stop(&T.idle);
		return;
	}
	T.running.next = T.queue.next;
	T.running.prev = T.queue.prev;
	T.running.next->prev = &T.running;
	T.running.prev->next = &T.running;
	list_init(&T.queue);
	while (!list_empty(&T.running)) {
		struct turn_entry *e = T.running.next;

		turn_cancel(e);
		e->fn(e);
	}
	if (list_empty(&T.queue))
		uv_idle_stop(&T.idle);
}

bool
turn_queued(const struct turn_entry *e)
{
	return e->next != NULL;
}

void
turn_cancel(struct turn_entry *e)
{
	if (e->next == NULL)
		return;
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}

void
turn_defer(uv_loop_t *loop, struct turn_entry *e, turn_fn *fn)
{
	/* (re)initialised for a new loop, or after exit closed the handle */
	if (T.loop != loop || uv_is_closing((uv_handle_t *)&T.idle)) {
		T.loop = loop;
		/* active (and keeping the loop alive) only while entries
		 * wait: the loop must not end with a session's turn owed */
		uv_idle_init(loop, &T.idle);
		list_init(&T.queue);
		list_init(&T.running);
	}
	e->fn = fn;
	if (e->next != NULL)
		return;
	e->prev = T.queue.prev;
	e->next = &T.queue;
	T.queue.prev->next = e;
	T.queue.prev = e;
	uv_idle_start(&T.idle, on_idle);
}
