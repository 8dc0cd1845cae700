/* deliver-async.c - the Sieve step from the loop: the run on libuv's
 * pool through the account's work gate (a script may take up to
 * sieve.max_cpu), the follow-ups after the commit on the pool too */
#include "deliver/deliver-private.h"

#include "lib/log.h"

static void
deliver_async_run(uv_work_t *w)
{
	struct deliver_sieve *d = w->data;

	deliver_sieve_run(d, d->blob, NULL, 0);
}

static void
deliver_async_ran(uv_work_t *w, int status)
{
	struct deliver_sieve *d = w->data;

	(void)status;
	d->blob = NULL;
	d->cb(d->cb_arg);
}

int
deliver_sieve_start(struct deliver_sieve *d, struct uv_loop_s *loop,
		    struct work_gate *gate, struct store_blob *blob,
		    deliver_sieve_cb *cb, void *arg)
{
	int64_t account = 0;

	for (size_t i = 0; i < d->n_in && account == 0; i++)
		if (d->in[i].kind == STORE_RCPT_LOCAL)
			account = d->in[i].account_id;
	d->blob = blob;
	d->cb = cb;
	d->cb_arg = arg;
	d->job.work.data = d;
	return work_gate_queue(gate, loop, &d->job, account, NULL,
			       deliver_async_run, deliver_async_ran);
}

static void
deliver_async_follow(uv_work_t *w)
{
	deliver_sieve_followup(w->data);
}

static void
deliver_async_followed(uv_work_t *w, int status)
{
	struct deliver_sieve *d = w->data;

	(void)status;
	deliver_sieve_free(&d);
}

void
deliver_sieve_finish(struct deliver_sieve **dp, struct uv_loop_s *loop)
{
	struct deliver_sieve *d = *dp;

	*dp = NULL;
	if (d == NULL)
		return;
	if (d->n_vac == 0 && d->n_rej == 0) {
		deliver_sieve_free(&d);
		return;
	}
	d->follow.data = d;
	if (uv_queue_work(loop, &d->follow, deliver_async_follow,
			  deliver_async_followed) != 0) {
		log_error(d->env.log_id, "sieve follow-up could not start "
			  "id=%s", d->id);
		deliver_sieve_free(&d);
	}
}
