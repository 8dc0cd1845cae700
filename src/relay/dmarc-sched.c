/* dmarc-sched.c - the server sends the DMARC aggregate reports once a
 * day at dmarc_reports.hour (UTC): a loop timer starts the run
 * (dmarc_send_run, blocking: DNS and store writes) on the thread pool,
 * so the loop never waits for it. A service without a listener, like
 * the relay. */
#include "relay/dmarc-report.h"
#include "relay/relay.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <uv.h>

#include "lib/conf.h"
#include "lib/log.h"
#include "lib/service.h"

struct dmarc_sched {
	struct service_env *env;
	uv_timer_t timer;
	uv_work_t work;
	const struct tern_conf *conf;	/* of the running work */
	int64_t end, now;
	int sent;
	/* deinit waits for a run in progress: it uses the store */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	bool running;
	/* loop thread: the work's completion has not run yet; the timer
	 * has closed (the last of the two frees d) */
	bool pending, closed;
};

static struct dmarc_sched *dmarc_sched_global;

static void dmarc_sched_arm(struct dmarc_sched *d);

static void
dmarc_sched_work(uv_work_t *w)
{
	struct dmarc_sched *d = w->data;
	char *err = NULL;

	d->sent = dmarc_send_run(d->conf, d->env->store, d->end, d->now, &err);
	if (d->sent < 0)
		log_warn(0, "dmarc reports failed error=\"%s\"",
			 err ? err : "store error");
	free(err);
	pthread_mutex_lock(&d->lock);
	d->running = false;
	pthread_cond_broadcast(&d->idle);
	pthread_mutex_unlock(&d->lock);
}

static void
dmarc_sched_free(struct dmarc_sched *d)
{
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->idle);
	free(d);
}

static void
dmarc_sched_done(uv_work_t *w, int status)
{
	struct dmarc_sched *d = w->data;

	d->pending = false;
	if (d->closed) {
		dmarc_sched_free(d);
		return;
	}
	if (d->sent >= 0)
		log_info(0, "dmarc reports sent=%d", d->sent);
	if (dmarc_sched_global == d)
		dmarc_sched_arm(d);
}

static void
dmarc_sched_fire(uv_timer_t *t)
{
	struct dmarc_sched *d = t->data;
	const struct tern_conf *conf = d->env->conf;

	/* SIGHUP may have turned reports off (or on) */
	if (!conf->dmarc_reports.enable || d->env->shutting_down) {
		dmarc_sched_arm(d);
		return;
	}
	d->conf = conf;
	d->now = (int64_t)time(NULL);
	d->end = dmarc_period_end(conf, d->now);
	d->running = d->pending = true;
	log_info(0, "dmarc reports run end=%lld", (long long)d->end);
	if (uv_queue_work(t->loop, &d->work, dmarc_sched_work,
			  dmarc_sched_done) != 0) {
		d->running = d->pending = false;
		dmarc_sched_arm(d);
	}
}

/* the next dmarc_reports.hour (a second past it, so the period's end
 * has passed) */
static void
dmarc_sched_arm(struct dmarc_sched *d)
{
	int64_t now = (int64_t)time(NULL);
	int64_t next = dmarc_period_end(d->env->conf, now) + 86400 + 1;

	uv_timer_start(&d->timer, dmarc_sched_fire,
		       (uint64_t)(next - now) * 1000, 0);
}

static int
dmarc_sched_init(struct service_env *env)
{
	struct dmarc_sched *d = xcalloc(1, sizeof(*d));

	d->env = env;
	d->work.data = d;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->idle, NULL);
	uv_timer_init(env->loop, &d->timer);
	d->timer.data = d;
	/* the daily timer alone does not keep the server running */
	uv_unref((uv_handle_t *)&d->timer);
	dmarc_sched_arm(d);
	dmarc_sched_global = d;
	return 0;
}

static void
dmarc_sched_closed(uv_handle_t *h)
{
	struct dmarc_sched *d = h->data;

	d->closed = true;
	if (!d->pending)
		dmarc_sched_free(d);
}

static void
dmarc_sched_deinit(struct service_env *env)
{
	struct dmarc_sched *d = dmarc_sched_global;

	if (d == NULL)
		return;
	dmarc_sched_global = NULL;
	pthread_mutex_lock(&d->lock);
	while (d->running)
		pthread_cond_wait(&d->idle, &d->lock);
	pthread_mutex_unlock(&d->lock);
	uv_timer_stop(&d->timer);
	uv_close((uv_handle_t *)&d->timer, dmarc_sched_closed);
}

const struct service dmarc_report_service = {
	.proto = "dmarc-reports",
	.default_tls = TLS_MODE_NONE,
	.init = dmarc_sched_init,
	.deinit = dmarc_sched_deinit,
	.accept = NULL,
	.ops = NULL,
};
