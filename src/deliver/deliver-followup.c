/* deliver-followup.c - what a delivery's scripts decided that happens
 * after the commit: vacation replies (once per handle, sender and
 * period: store_vacation_claim) and the rejections' DSN (RFC 5429 2.1:
 * the recipients that refused the message while others took it), both
 * sent from <> through the store as DSNs are (dsn_deliver: local
 * INBOX or the queue, DKIM-signed when the domain has keys) */
#include "deliver/deliver-private.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "lib/conf.h"
#include "lib/log.h"
#include "relay/dsn.h"

static void
deliver_vacation(struct deliver_sieve *d, const struct deliver_vacation *v)
{
	const struct sieve_action *a = v->a;
	const struct deliver_unit *u = &d->units[v->unit];
	struct buf reply = BUF_INIT;
	bool claimed = false;
	int rc;

	if (a->vacation_to == NULL || a->vacation_to[0] == '\0')
		return;
	/* RFC 6131 2: ":seconds 0" answers every message */
	claimed = a->vacation_seconds == 0;
	rc = claimed ? 0 :
	     store_vacation_claim(d->env.store, u->account_id,
				  a->vacation_handle ? a->vacation_handle : "",
				  a->vacation_to, (int64_t)time(NULL),
				  a->vacation_seconds, &claimed);
	if (rc != 0 || !claimed) {
		log_info(d->env.log_id, "sieve vacation account=%s to=<%s> "
			 "sent=no reason=\"%s\"", u->address, a->vacation_to,
			 rc ? store_strerror(rc) : "replied within the period");
		return;
	}
	deliver_reply_build(d, v, &reply);
	rc = dsn_deliver(d->env.store, a->vacation_to, &reply);
	log_info(d->env.log_id, "sieve vacation account=%s to=<%s> sent=%s%s",
		 u->address, a->vacation_to, rc ? "no error=" : "yes",
		 rc ? store_strerror(rc) : "");
	buf_free(&reply);
}

static ssize_t
deliver_read_orig(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct deliver_sieve *d = ctx;

	if (off >= d->len)
		return 0;
	if (len > d->len - off)
		len = (size_t)(d->len - off);
	memcpy(buf, d->msg.data + d->headroom + off, len);
	return (ssize_t)len;
}

static void
deliver_rejections(struct deliver_sieve *d)
{
	struct dsn_rcpt *r = xcalloc(d->n_rej, sizeof(*r));
	struct dsn_msg m;
	struct buf out = BUF_INIT;
	size_t n = 0;
	int rc;

	for (size_t i = 0; i < d->n_rej; i++) {
		const struct deliver_unit *u = &d->units[d->rej[i].unit];
		const struct store_rcpt *src = &d->in[u->src];

		if (!dsn_wanted(d->sender, src->notify, DSN_FAILED))
			continue;
		r[n].address = u->address;
		r[n].orcpt = u->original ? src->orcpt : NULL;
		r[n].action = DSN_FAILED;
		r[n].status = "5.7.1";
		r[n].diag = d->rej[i].reason;
		r[n].last_attempt = time(NULL);
		n++;
	}
	if (n > 0 && d->loaded) {
		memset(&m, 0, sizeof(m));
		m.reporting_mta = d->env.conf->hostname;
		m.sender = d->sender;
		m.envid = d->envid;
		m.ret = d->env.ret;
		m.arrival = m.now = time(NULL);
		m.size = d->len;
		m.read = deliver_read_orig;
		m.read_ctx = d;
		if (dsn_build(&m, r, n, &out) == 0) {
			rc = dsn_deliver(d->env.store, d->sender, &out);
			log_info(d->env.log_id, "sieve reject id=%s to=<%s> "
				 "rcpts=%zu sent=%s", d->id, d->sender, n,
				 rc ? store_strerror(rc) : "yes");
		}
	}
	buf_free(&out);
	free(r);
}

void
deliver_sieve_followup(struct deliver_sieve *d)
{
	for (size_t i = 0; i < d->n_vac; i++)
		deliver_vacation(d, &d->vac[i]);
	if (d->n_rej > 0)
		deliver_rejections(d);
}
