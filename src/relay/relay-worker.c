/* relay-worker.c - a delivery worker thread: one SMTP session for a
 * batch of queued messages to one destination, and the durable record
 * of each outcome (DSNs first, then the queue update) */
#include "relay/relay-private.h"
#include "relay/dsn.h"
#include "relay/smtp-client.h"
#include "lib/log.h"
#include "mailauth/srs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct relay_wmsg {
	struct store_reader *reader;
	bool gone;		/* removed from the queue meanwhile */
	bool recorded;
};

struct relay_worker {
	struct relay_job *job;
	struct smtp_client_msg *cms;
	struct relay_wmsg *w;
};

void
relay_settings_free(struct relay_settings *s)
{
	free(s->hostname);
	free(s->auth_user);
	if (s->auth_password) {
		explicit_bzero(s->auth_password, strlen(s->auth_password));
		free(s->auth_password);
	}
	free(s->self);
	memset(s, 0, sizeof(*s));
}

static bool
relay_addr_is_self(const struct dns_addr *a, int port,
		   const struct relay_settings *set)
{
	bool loop4 = strncmp(a->text, "127.", 4) == 0;
	bool loop6 = strcmp(a->text, "::1") == 0;

	for (size_t i = 0; i < set->nself; i++) {
		const struct relay_self *me = &set->self[i];

		if (me->port != port)
			continue;
		if (strcmp(me->addr, a->text) == 0)
			return true;
		/* a wildcard listener: every local address; loopback is
		 * the one we can be sure of */
		if ((strcmp(me->addr, "0.0.0.0") == 0 && loop4) ||
		    (strcmp(me->addr, "::") == 0 && (loop6 || loop4)))
			return true;
	}
	return false;
}

bool
relay_route_drop_self(struct dns_route *route, const struct relay_settings *set)
{
	bool dropped = false;
	size_t j = 0;

	for (size_t h = 0; h < route->n; h++) {
		struct dns_host *host = &route->hosts[h];
		size_t k = 0;

		for (size_t a = 0; a < host->naddr; a++) {
			if (relay_addr_is_self(&host->addrs[a], set->port, set))
				dropped = true;
			else
				host->addrs[k++] = host->addrs[a];
		}
		host->naddr = k;
		if (k > 0) {
			route->hosts[j++] = *host;
		} else {
			free(host->name);
			free(host->addrs);
		}
	}
	route->n = j;
	return dropped;
}

static ssize_t
relay_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	if (ctx == NULL)
		return 0;	/* original unreadable: report without it */
	return store_reader_pread(ctx, buf, len, off);
}

static bool
relay_stopping(const struct relay_job *job)
{
	return __atomic_load_n(job->stop, __ATOMIC_RELAXED);
}

static void
relay_send_dsn(struct relay_job *job, size_t idx, struct relay_wmsg *w,
	       const struct dsn_rcpt *r, size_t n, int64_t now)
{
	struct store_qmsg *q = &job->msgs[idx];
	struct dsn_msg m = {
		job->set.hostname, q->sender, q->envid, (int)q->ret,
		q->created, now, q->size, relay_read, w->reader
	};
	struct buf out = BUF_INIT;
	char orig[SRS_ADDR_MAX + 1];

	if (n == 0)
		return;
	/* forwarded with our SRS sender (smtp-srs.h): the report goes to
	 * the sender it stands for, however long the queue kept it */
	if (srs_reverse_file(store_data_dir(job->relay->store), (time_t)now,
			     SRS_MAX_AGE_ANY, q->sender, orig, sizeof(orig),
			     NULL) == SRS_OK)
		m.sender = orig;
	if (dsn_build(&m, r, n, &out) < 0) {
		/* the original went unreadable: a report without it */
		buf_reset(&out);
		m.read_ctx = NULL;
		dsn_build(&m, r, n, &out);
	}
	dsn_deliver(job->relay->store, m.sender, &out);
	buf_free(&out);
}

static void
relay_dsn_add(struct dsn_rcpt *v, size_t *n, const struct store_qrcpt *qr,
	      const struct smtp_client_rcpt *cr, enum dsn_action a,
	      const char *status, int64_t now, int64_t until)
{
	struct dsn_rcpt *d = &v[(*n)++];

	memset(d, 0, sizeof(*d));
	d->address = qr->address;
	d->orcpt = qr->orcpt;
	d->action = a;
	d->status = status;
	d->remote_mta = cr->remote ? cr->mta : NULL;
	d->diag = cr->diag;
	d->diag_smtp = cr->remote;
	d->last_attempt = now;
	d->retry_until = until;
}

/* DSNs, then one durable queue update for this message's recipients */
static void
relay_record(struct relay_job *job, size_t idx, struct smtp_client_msg *m,
	     struct relay_wmsg *w)
{
	const struct relay_settings *set = &job->set;
	struct store_qmsg *q = &job->msgs[idx];
	int64_t now = (int64_t)time(NULL);
	int64_t expire = q->created + (int64_t)(set->max_age_ms / 1000);
	int64_t warn = q->created + (int64_t)(set->delay_warning_ms / 1000);
	struct store_qupdate *u = xcalloc(m->n, sizeof(*u));
	struct dsn_rcpt *failed = xcalloc(m->n, sizeof(*failed));
	struct dsn_rcpt *delayed = xcalloc(m->n, sizeof(*delayed));
	struct dsn_rcpt *relayed = xcalloc(m->n, sizeof(*relayed));
	char **texts = xcalloc(m->n, sizeof(*texts));
	size_t nu = 0, nf = 0, nd = 0, nr = 0;
	bool stopping = relay_stopping(job);
	int ret;

	w->recorded = true;
	if (w->gone)
		goto out;
	for (size_t i = 0; i < m->n; i++) {
		struct store_qrcpt *qr = &q->rcpts[i];
		struct smtp_client_rcpt *cr = &m->rcpts[i];
		struct store_qupdate *up = &u[nu];

		up->rcpt_id = qr->id;
		up->error = cr->diag;
		switch (cr->status) {
		case SMTP_RCPT_OK:
			up->state = STORE_Q_DELIVERED;
			job->delivered++;
			if (!m->dsn_relayed &&
			    dsn_wanted(q->sender, qr->notify, DSN_RELAYED))
				relay_dsn_add(relayed, &nr, qr, cr, DSN_RELAYED,
					      "2.0.0", now, 0);
			break;
		case SMTP_RCPT_PERM:
			up->state = STORE_Q_FAILED;
			job->bounced++;
			if (dsn_wanted(q->sender, qr->notify, DSN_FAILED))
				relay_dsn_add(failed, &nf, qr, cr, DSN_FAILED,
					      cr->enh[0] ? cr->enh : "5.0.0",
					      now, 0);
			break;
		default:
			if (stopping)
				continue;	/* aborted: stays due */
			if (now >= expire) {
				texts[i] = xasprintf("delivery time expired; "
						     "last error: %s",
						     cr->diag ? cr->diag : "");
				up->state = STORE_Q_FAILED;
				up->error = texts[i];
				job->bounced++;
				if (dsn_wanted(q->sender, qr->notify,
					       DSN_FAILED)) {
					relay_dsn_add(failed, &nf, qr, cr,
						      DSN_FAILED, "4.4.7", now,
						      0);
					failed[nf - 1].diag = texts[i];
					failed[nf - 1].diag_smtp = false;
				}
				break;
			}
			{
				uint64_t d = relay_backoff_ms(
					qr->attempts + 1, set->min_backoff_ms,
					set->max_backoff_ms);

				d += arc4random_uniform((uint32_t)(d / 10 + 1));
				up->state = STORE_Q_PENDING;
				up->next_attempt = now +
					(int64_t)((d + 999) / 1000);
				if (up->next_attempt > expire && expire > now)
					up->next_attempt = expire;
			}
			job->deferred++;
			if (set->delay_warning_ms > 0 && now >= warn &&
			    qr->updated < warn &&
			    dsn_wanted(q->sender, qr->notify, DSN_DELAYED))
				relay_dsn_add(delayed, &nd, qr, cr,
					      DSN_DELAYED,
					      cr->enh[0] == '4' ? cr->enh :
					      "4.4.1", now, expire);
			break;
		}
		nu++;
	}
	/* the message must still exist while its DSNs read it: they go
	 * before the update that may remove it */
	relay_send_dsn(job, idx, w, failed, nf, now);
	relay_send_dsn(job, idx, w, delayed, nd, now);
	relay_send_dsn(job, idx, w, relayed, nr, now);
	if (nu > 0) {
		ret = store_queue_update(job->relay->store, u, nu, NULL, NULL);
		if (ret != 0)
			log_error(job->id, "relay queue_update failed "
				  "queue_id=%lld error=%s", (long long)q->id,
				  store_strerror(ret));
	}
out:
	for (size_t i = 0; i < m->n; i++)
		free(texts[i]);
	free(texts);
	free(u);
	free(failed);
	free(delayed);
	free(relayed);
}

static void
relay_on_msg_done(void *arg, struct smtp_client_msg *m)
{
	struct relay_worker *wk = arg;
	size_t idx = (size_t)(m - wk->cms);

	relay_record(wk->job, idx, m, &wk->w[idx]);
}

static void
relay_route_failed(struct relay_worker *wk)
{
	const struct dns_route *r = wk->job->route;
	enum smtp_rcpt_status st = r->status == DNS_TEMPFAIL ?
				   SMTP_RCPT_TEMP : SMTP_RCPT_PERM;
	const char *enh = r->loop ? "5.4.6" : r->status == DNS_NULLMX ? "5.1.10" :
			  r->status == DNS_PERMFAIL ? "5.1.2" : "4.4.3";

	log_info(wk->job->id, "relay route_failed dest=%s error=\"%s\"",
		 wk->job->dest, r->error ? r->error : "");
	for (size_t i = 0; i < wk->job->nmsg; i++) {
		struct smtp_client_msg *m = &wk->cms[i];

		for (size_t k = 0; k < m->n; k++)
			smtp_client_rcpt_set(&m->rcpts[k], st, enh, r->error,
					     false);
		m->done = true;
	}
}

void *
relay_worker_main(void *arg)
{
	struct relay_job *job = arg;
	struct relay *relay = job->relay;
	struct relay_worker wk = { job, NULL, NULL };
	struct smtp_client_params p;
	size_t n = job->nmsg;

	wk.cms = xcalloc(n, sizeof(*wk.cms));
	wk.w = xcalloc(n, sizeof(*wk.w));
	for (size_t i = 0; i < n; i++) {
		struct store_qmsg *q = &job->msgs[i];
		struct smtp_client_msg *m = &wk.cms[i];
		int ret = store_queue_open(relay->store, q->id,
					   &wk.w[i].reader);

		m->id = q->id;
		m->sender = q->sender;
		m->envid = q->envid;
		m->ret = (int)q->ret;
		m->size = q->size;
		m->read = relay_read;
		m->read_ctx = wk.w[i].reader;
		m->n = q->n;
		m->rcpts = xcalloc(q->n, sizeof(*m->rcpts));
		for (size_t k = 0; k < q->n; k++) {
			m->rcpts[k].address = q->rcpts[k].address;
			m->rcpts[k].orcpt = q->rcpts[k].orcpt;
			m->rcpts[k].notify = q->rcpts[k].notify;
		}
		if (ret == STORE_ENOTFOUND) {
			wk.w[i].gone = true;
			m->done = true;
		} else if (ret != 0) {
			for (size_t k = 0; k < m->n; k++)
				smtp_client_rcpt_set(&m->rcpts[k],
						     SMTP_RCPT_TEMP, "4.3.0",
						     "cannot open the queued "
						     "message", false);
			m->done = true;
		}
	}
	if (job->route->status == DNS_OK &&
	    relay_route_drop_self(job->route, &job->set) &&
	    job->route->n == 0) {
		/* RFC 5321 5.1: the best MX is ourselves */
		job->route->status = DNS_PERMFAIL;
		free(job->route->error);
		job->route->error = xasprintf("mail for %s loops back to "
					      "myself", job->dest);
		job->route->loop = true;
	}
	if (job->route->status != DNS_OK) {
		relay_route_failed(&wk);
	} else {
		memset(&p, 0, sizeof(p));
		p.helo = job->set.hostname;
		p.port = job->set.port;
		p.require_tls = job->set.require_tls;
		p.auth_user = job->set.auth_user;
		p.auth_password = job->set.auth_password;
		p.connect_ms = job->set.connect_ms;
		p.command_ms = job->set.command_ms;
		p.data_init_ms = job->set.data_init_ms;
		p.data_block_ms = job->set.data_block_ms;
		p.data_end_ms = job->set.data_end_ms;
		p.session_id = job->id;
		p.msg_done = relay_on_msg_done;
		p.arg = &wk;
		p.stop = job->stop;
		smtp_client_deliver(job->route, &p, wk.cms, n);
	}
	for (size_t i = 0; i < n; i++) {
		if (!wk.w[i].recorded)
			relay_record(job, i, &wk.cms[i], &wk.w[i]);
		for (size_t k = 0; k < wk.cms[i].n; k++)
			free(wk.cms[i].rcpts[k].diag);
		free(wk.cms[i].rcpts);
		store_reader_close(&wk.w[i].reader);
	}
	free(wk.cms);
	free(wk.w);
	log_info(job->id, "relay done dest=%s messages=%zu delivered=%zu "
		 "deferred=%zu bounced=%zu", job->dest, n, job->delivered,
		 job->deferred, job->bounced);

	pthread_mutex_lock(&relay->lock);
	job->done_next = relay->finished;
	relay->finished = job;
	pthread_mutex_unlock(&relay->lock);
	uv_async_send(&relay->async);
	return NULL;
}
