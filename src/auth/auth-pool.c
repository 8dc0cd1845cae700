/* auth-pool.c - password verification threads of their own */
#include "auth/auth-pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

#include "lib/buf.h"

#define AUTH_POOL_MAX_THREADS 64

struct auth_pool {
	uv_async_t async;	/* completions for the loop */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct auth_pool_job *todo, *todo_tail;	/* FIFO */
	struct auth_pool_job *done;		/* finished, any order */
	bool stopping;
	unsigned nthreads;
	pthread_t *threads;
};

static void *
auth_pool_main(void *arg)
{
	struct auth_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct auth_pool_job *job;

		while (p->todo == NULL && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->todo == NULL)
			break;
		job = p->todo;
		p->todo = job->next;
		if (p->todo == NULL)
			p->todo_tail = NULL;
		pthread_mutex_unlock(&p->lock);
		job->work(job);
		pthread_mutex_lock(&p->lock);
		job->next = p->done;
		p->done = job;
		uv_async_send(&p->async);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* on the loop: hand every finished job back */
static void
auth_pool_on_async(uv_async_t *a)
{
	struct auth_pool *p = a->data;
	struct auth_pool_job *list, *next;

	pthread_mutex_lock(&p->lock);
	list = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->lock);
	for (; list != NULL; list = next) {
		next = list->next;
		list->done(list);
	}
}

struct auth_pool *
auth_pool_create(struct uv_loop_s *loop, unsigned threads)
{
	struct auth_pool *p = xcalloc(1, sizeof(*p));

	if (threads < 1)
		threads = 1;
	if (threads > AUTH_POOL_MAX_THREADS)
		threads = AUTH_POOL_MAX_THREADS;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	uv_async_init(loop, &p->async, auth_pool_on_async);
	p->async.data = p;
	p->threads = xcalloc(threads, sizeof(*p->threads));
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, auth_pool_main, p)) {
			fputs("tern: cannot start auth threads\n", stderr);
			abort();
		}
		p->nthreads++;
	}
	return p;
}

void
auth_pool_queue(struct auth_pool *p, struct auth_pool_job *job,
		auth_pool_fn *work, auth_pool_fn *done)
{
	job->work = work;
	job->done = done;
	job->next = NULL;
	job->cancelled = false;
	pthread_mutex_lock(&p->lock);
	if (p->todo_tail != NULL)
		p->todo_tail->next = job;
	else
		p->todo = job;
	p->todo_tail = job;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

static void
auth_pool_on_close(uv_handle_t *h)
{
	free(h->data);
}

void
auth_pool_destroy(struct auth_pool **pp)
{
	struct auth_pool *p = *pp;
	struct auth_pool_job *left;

	if (p == NULL)
		return;
	*pp = NULL;
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	left = p->todo;
	p->todo = p->todo_tail = NULL;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	auth_pool_on_async(&p->async);
	while (left != NULL) {
		struct auth_pool_job *next = left->next;

		left->cancelled = true;
		left->done(left);
		left = next;
	}
	free(p->threads);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	uv_close((uv_handle_t *)&p->async, auth_pool_on_close);
}
