/* test-auth-pool.c - the password verification threads */
#include "test.h"

#include <string.h>

#include <uv.h>

#include "auth/auth-pool.h"

struct pool_test {
	struct auth_pool_job job;
	int worked;		/* set on a pool thread */
	int done;		/* set on the loop */
	int cancelled;
};

static void
pool_work(struct auth_pool_job *job)
{
	((struct pool_test *)job)->worked++;
}

static void
pool_done(struct auth_pool_job *job)
{
	struct pool_test *t = (struct pool_test *)job;

	t->done++;
	t->cancelled = job->cancelled;
}

TEST(auth_pool_runs_and_completes_on_the_loop)
{
	uv_loop_t loop;
	struct auth_pool *p;
	struct pool_test t[20];
	int left = 20;

	memset(t, 0, sizeof(t));
	uv_loop_init(&loop);
	p = auth_pool_create(&loop, 2);
	for (int i = 0; i < 20; i++)
		auth_pool_queue(p, &t[i].job, pool_work, pool_done);
	/* the async handle keeps the loop alive: run until all are back */
	for (int turns = 0; left > 0 && turns < 100000; turns++) {
		uv_run(&loop, UV_RUN_ONCE);
		left = 0;
		for (int i = 0; i < 20; i++)
			left += t[i].done == 0;
	}
	CHECK_INT(left, 0);
	for (int i = 0; i < 20; i++) {
		CHECK_INT(t[i].worked, 1);
		CHECK_INT(t[i].done, 1);
		CHECK_INT(t[i].cancelled, 0);
	}
	auth_pool_destroy(&p);
	CHECK(p == NULL);
	auth_pool_destroy(&p);
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(uv_loop_close(&loop), 0);
}

TEST(auth_pool_destroy_completes_every_job)
{
	uv_loop_t loop;
	struct auth_pool *p;
	struct pool_test t[50];

	memset(t, 0, sizeof(t));
	uv_loop_init(&loop);
	p = auth_pool_create(&loop, 1);
	for (int i = 0; i < 50; i++)
		auth_pool_queue(p, &t[i].job, pool_work, pool_done);
	auth_pool_destroy(&p);
	for (int i = 0; i < 50; i++) {
		/* ran, or never ran and said so: done exactly once */
		CHECK_INT(t[i].done, 1);
		CHECK_INT(t[i].worked + t[i].cancelled, 1);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(uv_loop_close(&loop), 0);
}
