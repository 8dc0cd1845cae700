/* relay-private.h - shared by relay-sched.c and relay-worker.c */
#ifndef TERN_RELAY_PRIVATE_H
#define TERN_RELAY_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <uv.h>

#include "dns/dns.h"
#include "relay/relay.h"
#include "store/store.h"

#define RELAY_JOB_MAX_MSGS 20	/* messages per connection */

/* what a worker needs, copied from the config when the job starts */
struct relay_settings {
	char *hostname;
	int port;
	bool require_tls;
	char *auth_user, *auth_password;
	uint64_t connect_ms, command_ms, data_init_ms, data_block_ms,
		 data_end_ms;
	uint64_t min_backoff_ms, max_backoff_ms;
	uint64_t max_age_ms, delay_warning_ms;
	/* our own SMTP listeners: a route to them is a mail loop */
	size_t nself;
	struct relay_self {
		char addr[48];
		int port;
	} *self;
};

struct relay_job {
	struct relay *relay;
	struct relay_job *next;		/* relay->jobs (loop thread only) */
	/* relay->finished, under its lock: a job is on both lists from
	 * its worker's end until the loop reaps it, so one link would
	 * cut the jobs after it out of relay->jobs (and leak them) */
	struct relay_job *done_next;
	uint64_t id;			/* log session id */
	char *dest;			/* domain, or the smarthost */
	struct dns_query *query;
	struct dns_route *route;
	struct store_qmsg *msgs;	/* each with this dest's rcpts only */
	size_t nmsg;
	struct relay_settings set;
	pthread_t thread;
	bool thread_started;
	const bool *stop;		/* &relay->stop */
	size_t delivered, deferred, bounced;
};

struct relay_dest {
	struct relay_dest *next;
	char *name;
	size_t active;			/* jobs running for it */
};

struct relay {
	struct service_env *env;
	uv_loop_t *loop;
	struct store *store;
	struct dns *dns;		/* env->dns, or own_dns */
	struct dns *own_dns;		/* ours to destroy (no env->dns) */
	uv_timer_t timer;
	uv_async_t async;
	int handles_open;
	struct store_watch *watch;
	pthread_mutex_t lock;
	struct relay_job *finished;	/* under lock */
	struct relay_job *jobs;		/* loop thread only */
	size_t njobs;
	struct relay_dest *dests;
	/* recipient ids in flight: open addressing, 0 = empty */
	int64_t *inflight;
	size_t inflight_cap, inflight_n;
	bool stop;			/* atomic: workers end early */
	bool destroyed;
};

/* relay-worker.c: the thread body (SMTP session, then records) */
void *relay_worker_main(void *arg);
/* relay-worker.c: record every message with a failed route, without
 * a session (also runs on the worker thread) */
void relay_settings_free(struct relay_settings *s);
/* relay-worker.c: drop route addresses that are our own listeners;
 * true if something was dropped (pure, unit-tested) */
bool relay_route_drop_self(struct dns_route *route,
			   const struct relay_settings *set);

#endif
