/* auth-pool.h - worker threads of its own for password verification.
 *
 * Logins must not wait behind other work: libuv's one thread pool (4
 * threads by default) also runs searches, SELECT snapshots, message
 * reads, and one account's long searches would hold every thread while
 * another user's LOGIN waits for the pre-auth timeout. auth-check.c
 * runs its lookups and argon2id verifications here instead, on
 * auth.workers threads (default 2) that do nothing else. Jobs run in
 * FIFO order; completions come back to the loop through one uv_async_t.
 *
 *   p = auth_pool_create(loop, threads);
 *   auth_pool_queue(p, &job, work, done);   work(job) on a pool thread,
 *                                           then done(job) on the loop
 *   auth_pool_destroy(&p);   at exit, loop thread, after the sessions
 *                            are gone: waits for the running jobs; jobs
 *                            still queued complete with cancelled set
 *
 * The struct auth_pool_job is embedded in the caller's request; it must
 * stay valid until done runs. Loop thread, except work. */
#ifndef TERN_AUTH_POOL_H
#define TERN_AUTH_POOL_H

#include <stdbool.h>

struct uv_loop_s;
struct auth_pool;
struct auth_pool_job;

typedef void auth_pool_fn(struct auth_pool_job *job);

struct auth_pool_job {
	auth_pool_fn *work;
	auth_pool_fn *done;
	struct auth_pool_job *next;
	bool cancelled;		/* the pool stopped before it ran */
};

/* auth_pool_create - start threads (1..64) on loop */
struct auth_pool *auth_pool_create(struct uv_loop_s *loop, unsigned threads);

/* auth_pool_queue - run work(job) on a pool thread, then done(job) on
 * the loop (never from inside this call) */
void auth_pool_queue(struct auth_pool *p, struct auth_pool_job *job,
		     auth_pool_fn *work, auth_pool_fn *done);

/* auth_pool_destroy - stop and join the threads, complete what is left,
 * close the async handle; sets *p to NULL. NULL-safe. */
void auth_pool_destroy(struct auth_pool **p);

#endif
