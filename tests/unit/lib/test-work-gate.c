/* test-work-gate.c - one account's share of the thread pool */
#include "test.h"

#include <stdatomic.h>
#include <unistd.h>

#include "lib/work-gate.h"

struct gate_test {
	struct work_gate_job job;
	int64_t account;
	int seq;
};

static atomic_int gate_running[3], gate_max[3];
static int gate_started[16], gate_nstarted, gate_done;

static void
gate_work(uv_work_t *w)
{
	struct gate_test *g = w->data;
	int n = atomic_fetch_add(&gate_running[g->account], 1) + 1;
	int m = atomic_load(&gate_max[g->account]);

	while (n > m && !atomic_compare_exchange_weak(&gate_max[g->account],
						      &m, n))
		;
	usleep(20000);	/* overlap with the others, if they may run */
	atomic_fetch_sub(&gate_running[g->account], 1);
}

static void
gate_after(uv_work_t *w, int status)
{
	(void)w;
	(void)status;
	gate_done++;
}

static void
gate_after_order(uv_work_t *w, int status)
{
	struct gate_test *g = w->data;

	(void)status;
	gate_started[gate_nstarted++] = g->seq;
	gate_done++;
}

TEST(work_gate_bounds_one_account)
{
	uv_loop_t loop;
	struct work_gate *gate;
	struct work_gate_owner owners[8] = { { 0 } };
	struct gate_test t[10];

	uv_loop_init(&loop);
	gate = work_gate_create(&loop, 2, 1);
	gate_done = 0;
	for (int i = 0; i < 8; i++) {
		t[i].account = 1;
		t[i].job.work.data = &t[i];
		CHECK_INT(work_gate_queue(gate, &loop, &t[i].job, 1, &owners[i],
					  gate_work, gate_after), 0);
	}
	for (int i = 8; i < 10; i++) {
		t[i].account = 2;
		t[i].job.work.data = &t[i];
		CHECK_INT(work_gate_queue(gate, &loop, &t[i].job, 2, NULL,
					  gate_work, gate_after), 0);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(gate_done, 10);
	CHECK(atomic_load(&gate_max[1]) <= 2);
	CHECK(atomic_load(&gate_max[2]) <= 2);
	for (int i = 0; i < 8; i++)
		CHECK_INT(owners[i].active, 0);
	work_gate_destroy(&gate);
	CHECK(gate == NULL);
	uv_loop_close(&loop);
}

TEST(work_gate_one_session_one_job_in_order)
{
	uv_loop_t loop;
	struct work_gate *gate;
	struct work_gate_owner owner = { 0 };
	struct gate_test t[5];

	uv_loop_init(&loop);
	gate = work_gate_create(&loop, 0, 1);
	gate_done = gate_nstarted = 0;
	atomic_store(&gate_max[0], 0);
	for (int i = 0; i < 5; i++) {
		t[i].account = 0;
		t[i].seq = i;
		t[i].job.work.data = &t[i];
		/* account 7, counted in slot 0 of the test's arrays */
		CHECK_INT(work_gate_queue(gate, &loop, &t[i].job, 7, &owner,
					  gate_work, gate_after_order), 0);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	CHECK_INT(gate_done, 5);
	CHECK_INT(atomic_load(&gate_max[0]), 1);
	for (int i = 0; i < 5; i++)
		CHECK_INT(gate_started[i], i);
	work_gate_destroy(&gate);
	uv_loop_close(&loop);
}
