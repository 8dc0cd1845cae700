/* relay-sched.c - the queue scheduler on the loop: due recipients ->
 * destination batches -> DNS -> worker threads; bounded active set */
#include "relay/relay-private.h"
#include "lib/log.h"
#include "lib/metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct relay *relay_global;	/* the service's instance */

/* ---- recipient ids in flight (open addressing, linear probing) ---- */

static size_t
relay_hash(int64_t id, size_t cap)
{
	uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ull;

	return (size_t)(x >> 17) & (cap - 1);
}

static bool
relay_inflight_has(const struct relay *r, int64_t id)
{
	if (r->inflight_cap == 0)
		return false;
	for (size_t i = relay_hash(id, r->inflight_cap);;
	     i = (i + 1) & (r->inflight_cap - 1)) {
		if (r->inflight[i] == 0)
			return false;
		if (r->inflight[i] == id)
			return true;
	}
}

static void
relay_inflight_put(struct relay *r, int64_t id);

static void
relay_inflight_grow(struct relay *r)
{
	int64_t *old = r->inflight;
	size_t oldcap = r->inflight_cap;

	r->inflight_cap = oldcap ? oldcap * 2 : 256;
	r->inflight = xcalloc(r->inflight_cap, sizeof(*r->inflight));
	r->inflight_n = 0;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i] != 0)
			relay_inflight_put(r, old[i]);
	free(old);
}

static void
relay_inflight_put(struct relay *r, int64_t id)
{
	size_t i;

	if ((r->inflight_n + 1) * 2 > r->inflight_cap)
		relay_inflight_grow(r);
	for (i = relay_hash(id, r->inflight_cap); r->inflight[i] != 0;
	     i = (i + 1) & (r->inflight_cap - 1))
		if (r->inflight[i] == id)
			return;
	r->inflight[i] = id;
	r->inflight_n++;
}

static void
relay_inflight_del(struct relay *r, int64_t id)
{
	size_t mask = r->inflight_cap - 1, i, j;

	if (r->inflight_cap == 0)
		return;
	for (i = relay_hash(id, r->inflight_cap); r->inflight[i] != id;
	     i = (i + 1) & mask)
		if (r->inflight[i] == 0)
			return;
	/* backward-shift deletion keeps probe chains intact */
	r->inflight[i] = 0;
	r->inflight_n--;
	for (j = (i + 1) & mask; r->inflight[j] != 0; j = (j + 1) & mask) {
		int64_t v = r->inflight[j];
		size_t h = relay_hash(v, r->inflight_cap);

		if ((j > i && (h <= i || h > j)) ||
		    (j < i && (h <= i && h > j))) {
			r->inflight[i] = v;
			r->inflight[j] = 0;
			i = j;
		}
	}
}

/* ---- destinations ---- */

static struct relay_dest *
relay_dest_get(struct relay *r, const char *name)
{
	struct relay_dest *d;

	for (d = r->dests; d; d = d->next)
		if (strcmp(d->name, name) == 0)
			return d;
	d = xcalloc(1, sizeof(*d));
	d->name = xstrdup(name);
	d->next = r->dests;
	r->dests = d;
	return d;
}

static void
relay_dest_release(struct relay *r, const char *name)
{
	struct relay_dest **pp, *d;

	for (pp = &r->dests; (d = *pp) != NULL; pp = &d->next) {
		if (strcmp(d->name, name) != 0)
			continue;
		if (--d->active == 0) {
			*pp = d->next;
			free(d->name);
			free(d);
		}
		return;
	}
}

/* ---- jobs ---- */

static void
relay_settings_fill(struct relay_settings *s, const struct tern_conf *c,
		    const char *dest, bool smarthost)
{
	s->hostname = xstrdup(c->hostname);
	s->port = (int)c->relay.port;
	s->require_tls = relay_domain_listed(c->relay.require_tls_domains,
					     dest);
	if (smarthost) {
		char *host = NULL;
		int port = 0;

		if (relay_parse_smarthost(c->relay.relay_host, s->port, &host,
					  &port) == 0)
			s->port = port;
		free(host);
		if (c->relay.relay_user && c->relay.relay_user[0]) {
			s->auth_user = xstrdup(c->relay.relay_user);
			s->auth_password = xstrdup(c->relay.relay_password ?
						   c->relay.relay_password : "");
		}
	}
	s->connect_ms = c->relay.connect_timeout_ms;
	s->command_ms = c->relay.timeout_command_ms;
	s->data_init_ms = c->relay.timeout_data_init_ms;
	s->data_block_ms = c->relay.timeout_data_block_ms;
	s->data_end_ms = c->relay.timeout_data_end_ms;
	s->min_backoff_ms = c->relay.min_backoff_ms;
	s->max_backoff_ms = c->relay.max_backoff_ms;
	s->max_age_ms = c->relay.max_age_ms;
	s->delay_warning_ms = c->relay.delay_warning_ms;
	s->self = xcalloc(c->n_listeners + 1, sizeof(*s->self));
	for (size_t i = 0; i < c->n_listeners; i++) {
		const struct listener_conf *l = &c->listeners[i];

		if (strcmp(l->proto, "smtp") != 0)
			continue;
		snprintf(s->self[s->nself].addr, sizeof(s->self->addr), "%s",
			 l->address);
		s->self[s->nself++].port = l->port;
	}
}

static void
relay_job_free(struct relay_job *job)
{
	for (size_t i = 0; i < job->nmsg; i++)
		store_qmsg_clear(&job->msgs[i]);
	free(job->msgs);
	if (job->route) {
		dns_route_free(job->route);
		free(job->route);
	}
	relay_settings_free(&job->set);
	free(job->dest);
	free(job);
}

static void
relay_job_unlink(struct relay *r, struct relay_job *job)
{
	struct relay_job **pp;

	for (pp = &r->jobs; *pp; pp = &(*pp)->next) {
		if (*pp == job) {
			*pp = job->next;
			break;
		}
	}
	r->njobs--;
	relay_dest_release(r, job->dest);
	for (size_t i = 0; i < job->nmsg; i++)
		for (size_t k = 0; k < job->msgs[i].n; k++)
			relay_inflight_del(r, job->msgs[i].rcpts[k].id);
}

static void relay_scan(struct relay *r);

static void
relay_on_timer(uv_timer_t *t)
{
	relay_scan(t->data);
}

static void
relay_on_route(void *arg, struct dns_route *route)
{
	struct relay_job *job = arg;
	struct relay *r = job->relay;
	int err;

	job->query = NULL;
	job->route = route;
	err = pthread_create(&job->thread, NULL, relay_worker_main, job);
	if (err != 0) {
		/* nothing recorded: the recipients stay due */
		log_error(job->id, "relay pthread_create failed: %s",
			  strerror(err));
		relay_job_unlink(r, job);
		relay_job_free(job);
		return;
	}
	job->thread_started = true;
}

/* a copy of q with only the recipients listed in idx */
static void
relay_qmsg_subset(struct store_qmsg *dst, const struct store_qmsg *q,
		  const size_t *idx, size_t n)
{
	memset(dst, 0, sizeof(*dst));
	dst->id = q->id;
	dst->sender = xstrdup(q->sender ? q->sender : "");
	dst->envid = q->envid ? xstrdup(q->envid) : NULL;
	dst->ret = q->ret;
	dst->created = q->created;
	dst->size = q->size;
	dst->n = n;
	dst->rcpts = xcalloc(n, sizeof(*dst->rcpts));
	for (size_t i = 0; i < n; i++) {
		const struct store_qrcpt *s = &q->rcpts[idx[i]];
		struct store_qrcpt *d = &dst->rcpts[i];

		*d = *s;
		d->address = xstrdup(s->address);
		d->orcpt = s->orcpt ? xstrdup(s->orcpt) : NULL;
		d->last_error = s->last_error ? xstrdup(s->last_error) : NULL;
	}
}

static struct relay_job *
relay_job_new(struct relay *r, const char *dest, bool smarthost)
{
	struct relay_job *job = xcalloc(1, sizeof(*job));

	job->relay = r;
	job->id = log_new_id();
	job->dest = xstrdup(dest);
	job->stop = &r->stop;
	relay_settings_fill(&job->set, r->env->conf, dest, smarthost);
	job->next = r->jobs;
	r->jobs = job;
	r->njobs++;
	relay_dest_get(r, dest)->active++;
	return job;
}

static void
relay_job_start(struct relay *r, struct relay_job *job, bool smarthost)
{
	const char *name = job->dest;
	char *host = NULL;
	int port;

	if (smarthost) {
		if (relay_parse_smarthost(r->env->conf->relay.relay_host, 25,
					  &host, &port) < 0)
			host = xstrdup("[invalid relay_host]");
		name = host;
	}
	log_info(job->id, "relay start dest=%s messages=%zu", job->dest,
		 job->nmsg);
	job->query = dns_route_lookup(r->dns, name, !smarthost,
				      relay_on_route, job);
	free(host);
}

/* Take due recipients, group them by destination, start what the
 * concurrency limits allow; the rest waits in the store. */
static void
relay_scan(struct relay *r)
{
	const struct tern_conf *c = r->env->conf;
	bool smarthost = c->relay.relay_host && c->relay.relay_host[0];
	struct store_qlist list = { 0, NULL };
	uint64_t max_conc = c->relay.max_concurrency ?
			    c->relay.max_concurrency : 1;
	uint64_t max_dest = c->relay.max_per_destination ?
			    c->relay.max_per_destination : 1;
	int64_t now = (int64_t)time(NULL), next;
	uint64_t wait_ms = c->relay.queue_poll_ms ? c->relay.queue_poll_ms :
			   60000;
	size_t *idx = NULL;
	int ret;

	/* shutting down: no new lookups or workers while tern serve waits
	 * for the work in flight */
	if (r->stop || r->env->shutting_down)
		return;
	if (r->njobs < max_conc) {
		ret = store_queue_due(r->store, now, c->relay.max_active +
				      r->inflight_n, &list);
		if (ret != 0)
			log_error(0, "relay queue_due failed: %s",
				  store_strerror(ret));
	}
	/* destinations in the order of their oldest message */
	for (size_t m = 0; m < list.n && r->njobs < max_conc; m++) {
		for (size_t k = 0; k < list.v[m].n; k++) {
			struct store_qrcpt *qr = &list.v[m].rcpts[k];
			char *dest;
			struct relay_dest *d;
			struct relay_job *job;

			if (qr->state != STORE_Q_PENDING ||
			    relay_inflight_has(r, qr->id))
				continue;
			dest = smarthost ? xstrdup("[smarthost]") :
			       relay_dest_of(qr->address);
			if (dest == NULL)
				dest = xstrdup("[invalid]");
			d = relay_dest_get(r, dest);
			if (d->active >= max_dest || r->njobs >= max_conc) {
				if (d->active == 0) {
					/* created by the lookup: drop it */
					d->active = 1;
					relay_dest_release(r, dest);
				}
				free(dest);
				continue;
			}
			/* one job: this message and later ones with
			 * recipients for the same destination */
			job = relay_job_new(r, dest, smarthost);
			job->msgs = xcalloc(RELAY_JOB_MAX_MSGS,
					    sizeof(*job->msgs));
			idx = xrealloc(idx, (list.v[m].n + 1) * sizeof(*idx));
			for (size_t mm = m; mm < list.n &&
			     job->nmsg < RELAY_JOB_MAX_MSGS; mm++) {
				struct store_qmsg *q = &list.v[mm];
				size_t ni = 0;

				idx = xrealloc(idx, (q->n + 1) * sizeof(*idx));
				for (size_t kk = 0; kk < q->n; kk++) {
					struct store_qrcpt *x = &q->rcpts[kk];
					char *xd;

					if (x->state != STORE_Q_PENDING ||
					    relay_inflight_has(r, x->id))
						continue;
					xd = smarthost ?
					     xstrdup("[smarthost]") :
					     relay_dest_of(x->address);
					if (xd == NULL)
						xd = xstrdup("[invalid]");
					if (strcmp(xd, dest) == 0) {
						idx[ni++] = kk;
						relay_inflight_put(r, x->id);
					}
					free(xd);
				}
				if (ni > 0)
					relay_qmsg_subset(
						&job->msgs[job->nmsg++], q,
						idx, ni);
			}
			free(dest);
			relay_job_start(r, job, smarthost);
		}
	}
	free(idx);
	store_qlist_free(&list);

	/* sleep until the next due time, at most queue_poll */
	if (store_queue_next_time(r->store, &next) == 0 && next > now &&
	    (uint64_t)(next - now) * 1000 < wait_ms)
		wait_ms = (uint64_t)(next - now) * 1000;
	uv_timer_start(&r->timer, relay_on_timer, wait_ms, 0);
}

static void
relay_reap(struct relay *r)
{
	struct relay_job *done, *next;

	pthread_mutex_lock(&r->lock);
	done = r->finished;
	r->finished = NULL;
	pthread_mutex_unlock(&r->lock);
	for (; done; done = next) {
		next = done->done_next;
		pthread_join(done->thread, NULL);
		/* the worker's tallies, counted here on the loop thread */
		metrics.relay_delivered += done->delivered;
		metrics.relay_deferred += done->deferred;
		metrics.relay_bounced += done->bounced;
		relay_job_unlink(r, done);
		relay_job_free(done);
	}
}

static void
relay_on_async(uv_async_t *h)
{
	struct relay *r = h->data;

	relay_reap(r);
	relay_scan(r);
}

void
relay_kick(struct relay *r)
{
	relay_scan(r);
}

static void
relay_on_watch(void *arg, int64_t mailbox_id)
{
	struct relay *r = arg;

	/* new queue rows: start soon, batched with others this turn */
	uv_timer_start(&r->timer, relay_on_timer, 0, 0);
}

struct relay *
relay_create(struct service_env *env, char **error_r)
{
	struct relay *r = xcalloc(1, sizeof(*r));

	r->env = env;
	r->loop = env->loop;
	r->store = env->store;
	/* the server's shared context; one of our own without it */
	r->dns = env->dns;
	if (r->dns == NULL) {
		r->dns = r->own_dns = dns_create(env->loop, env->conf, error_r);
		if (r->dns == NULL) {
			free(r);
			return NULL;
		}
	}
	pthread_mutex_init(&r->lock, NULL);
	uv_timer_init(r->loop, &r->timer);
	r->timer.data = r;
	uv_unref((uv_handle_t *)&r->timer);
	uv_async_init(r->loop, &r->async, relay_on_async);
	r->async.data = r;
	uv_unref((uv_handle_t *)&r->async);
	r->handles_open = 2;
	r->watch = store_watch(r->store, 0, relay_on_watch, r);
	/* first look right after startup: mail queued before a restart */
	uv_timer_start(&r->timer, relay_on_timer, 0, 0);
	return r;
}

static void
relay_on_closed(uv_handle_t *h)
{
	struct relay *r = h->data;

	if (--r->handles_open == 0) {
		pthread_mutex_destroy(&r->lock);
		free(r->inflight);
		free(r);
	}
}

void
relay_destroy(struct relay **rp)
{
	struct relay *r = *rp;
	struct relay_job *job, *next;

	if (r == NULL)
		return;
	*rp = NULL;
	__atomic_store_n(&r->stop, true, __ATOMIC_RELAXED);
	store_unwatch(&r->watch);
	uv_timer_stop(&r->timer);
	/* workers notice stop within a second; their finished outcomes
	 * (sent, bounced) are recorded, aborted ones stay due */
	for (job = r->jobs; job; job = next) {
		next = job->next;
		if (job->thread_started)
			continue;
		dns_cancel(job->query);
		job->query = NULL;
		relay_job_unlink(r, job);
		relay_job_free(job);
	}
	while (r->jobs) {
		relay_reap(r);
		if (r->jobs) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	r->dns = NULL;
	dns_destroy(&r->own_dns);
	while (r->dests) {
		struct relay_dest *d = r->dests;

		r->dests = d->next;
		free(d->name);
		free(d);
	}
	uv_close((uv_handle_t *)&r->timer, relay_on_closed);
	uv_close((uv_handle_t *)&r->async, relay_on_closed);
}

static int
relay_service_init(struct service_env *env)
{
	char *err = NULL;

	relay_global = relay_create(env, &err);
	if (relay_global == NULL) {
		log_error(0, "relay failed to start: %s", err ? err : "?");
		free(err);
		return -1;
	}
	log_info(0, "relay started mode=%s", env->conf->relay.relay_host &&
		 env->conf->relay.relay_host[0] ? "smarthost" : "mx");
	return 0;
}

static void
relay_service_deinit(struct service_env *env)
{
	relay_destroy(&relay_global);
}

const struct service relay_service = {
	.proto = "relay",
	.default_tls = TLS_MODE_NONE,
	.init = relay_service_init,
	.deinit = relay_service_deinit,
	.accept = NULL,
	.ops = NULL,
};
