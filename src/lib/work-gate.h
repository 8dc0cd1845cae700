/* work-gate.h - a fair share of libuv's thread pool per account and
 * per session.
 *
 * libuv runs queued work in FIFO order on UV_THREADPOOL_SIZE threads
 * (4 by default). Sixteen sessions of one account searching at once
 * would fill that queue, and every other user's work would wait behind
 * them. Work that belongs to an account goes through this gate instead:
 * at most server.worker_jobs_per_account jobs of one account, and
 * server.worker_jobs_per_session of one session, are on the pool at
 * once; the account's other jobs wait here in FIFO order, so one
 * account's work queues behind its own, not in front of others'.
 *
 *   struct work_gate_job job;            embedded in the caller's state;
 *   job.work.data = ctx;                 the uv_work_t callbacks see it
 *   work_gate_queue(g, loop, &job, account_id, &session->gate_owner,
 *                   work, after);
 *
 * work and after get &job.work exactly as with uv_queue_work(). after
 * runs on the loop; it may queue again (that job goes to the back of
 * the account's line) and may free the job. A NULL gate or account 0
 * goes straight to uv_queue_work() on loop. Loop thread only. */
#ifndef TERN_WORK_GATE_H
#define TERN_WORK_GATE_H

#include <stdint.h>

#include <uv.h>

struct work_gate;
struct work_gate_account;

/* a session's count of jobs on the pool */
struct work_gate_owner {
	unsigned active;
};

struct work_gate_job {
	uv_work_t work;		/* first: the callbacks get &work */
	uv_work_cb work_cb;
	uv_after_work_cb after_cb;
	struct work_gate *gate;
	struct work_gate_account *acct;
	struct work_gate_owner *owner;
	struct work_gate_job *next;
};

/* work_gate_create - a gate in front of loop's thread pool; limits 0
 * mean no limit */
struct work_gate *work_gate_create(uv_loop_t *loop, unsigned per_account,
				   unsigned per_session);

/* work_gate_set_limits - new limits (SIGHUP); waiting jobs start as soon
 * as they fit */
void work_gate_set_limits(struct work_gate *g, unsigned per_account,
			  unsigned per_session);

/* work_gate_queue - run work then after, when the account and the owner
 * (may be NULL) have room. Returns 0, or uv_queue_work()'s error when
 * the job could not be started at once (then nothing was queued). */
int work_gate_queue(struct work_gate *g, uv_loop_t *loop,
		    struct work_gate_job *job, int64_t account_id,
		    struct work_gate_owner *owner, uv_work_cb work,
		    uv_after_work_cb after);

/* work_gate_destroy - free; sets *g to NULL. No job may be left. */
void work_gate_destroy(struct work_gate **g);

#endif
