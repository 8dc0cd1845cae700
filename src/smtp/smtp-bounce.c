/* smtp-bounce.c - DSN for recipients refused by the commit (contract in
 * smtp-bounce.h) */
#include "smtp/smtp-bounce.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "lib/log.h"
#include "relay/dsn.h"
#include "smtp/smtp-session.h"

struct smtp_bounce {
	uv_work_t req;
	struct store *store;
	uint64_t session_id;
	char *hostname, *sender, *envid;
	int ret;
	int64_t arrival;
	/* where a stored copy is: a delivered local message, else the queue */
	int64_t account_id, mailbox_id, queue_msg_id;
	uint32_t uid;
	size_t n;
	struct dsn_rcpt *rcpts;
	/* reading the original without its recipient's own trace fields */
	struct store_reader *reader;
	uint64_t skip;
};

static ssize_t
smtp_bounce_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	struct smtp_bounce *b = ctx;

	if (b->reader == NULL)
		return 0;
	return store_reader_pread(b->reader, buf, len, off + b->skip);
}

static void
smtp_bounce_work(uv_work_t *req)
{
	struct smtp_bounce *b = req->data;
	struct dsn_msg m;
	struct buf out = BUF_INIT;
	size_t prefix_len = 0;
	int rc;

	if (b->mailbox_id)
		rc = store_msg_open(b->store, b->account_id, b->mailbox_id,
				    b->uid, &b->reader);
	else
		rc = store_queue_open(b->store, b->queue_msg_id, &b->reader);
	if (rc != 0)
		b->reader = NULL;
	if (b->reader) {
		(void)store_reader_prefix(b->reader, &prefix_len);
		b->skip = prefix_len;
	}
	memset(&m, 0, sizeof(m));
	m.reporting_mta = b->hostname;
	m.sender = b->sender;
	m.envid = b->envid;
	m.ret = b->ret;
	m.arrival = b->arrival;
	m.now = time(NULL);
	m.size = b->reader ? store_reader_size(b->reader) - b->skip : 0;
	m.read = smtp_bounce_read;
	m.read_ctx = b;
	if (dsn_build(&m, b->rcpts, b->n, &out) < 0) {
		store_reader_close(&b->reader);
		buf_reset(&out);
		dsn_build(&m, b->rcpts, b->n, &out);
	}
	rc = dsn_deliver(b->store, b->sender, &out);
	if (rc != 0)
		log_error(b->session_id, "smtp bounce not delivered to=<%s> error=%s",
			  b->sender, store_strerror(rc));
	buf_free(&out);
}

static void
smtp_bounce_done(uv_work_t *req, int status)
{
	struct smtp_bounce *b = req->data;

	store_reader_close(&b->reader);
	for (size_t i = 0; i < b->n; i++) {
		free((char *)b->rcpts[i].address);
		free((char *)b->rcpts[i].orcpt);
	}
	free(b->rcpts);
	free(b->hostname);
	free(b->sender);
	free(b->envid);
	free(b);
}

void
smtp_bounce_failed(struct smtp_session *s)
{
	struct smtp_txn *t = &s->txn;
	const char *sender = t->from.null ? "" : t->from.addr;
	struct smtp_bounce *b;

	b = xcalloc(1, sizeof(*b));
	b->rcpts = xcalloc(t->n_srcpts, sizeof(*b->rcpts));
	for (size_t i = 0; i < t->n_srcpts; i++) {
		const struct store_rcpt *r = &t->srcpts[i];
		struct dsn_rcpt *d;

		if (r->status == 0) {
			if (b->mailbox_id == 0 && r->kind == STORE_RCPT_LOCAL) {
				b->account_id = r->account_id;
				b->mailbox_id = r->mailbox_id;
				b->uid = r->uid;
			}
			continue;
		}
		if (!dsn_wanted(sender, r->notify, DSN_FAILED))
			continue;
		d = &b->rcpts[b->n++];
		d->address = xstrdup(r->address);
		d->orcpt = r->orcpt ? xstrdup(r->orcpt) : NULL;
		d->action = DSN_FAILED;
		d->status = r->status == STORE_EQUOTA ? "5.2.2" : "5.1.1";
		d->diag = r->status == STORE_EQUOTA ? "mailbox full" :
			  "mailbox unavailable";
		d->last_attempt = time(NULL);
	}
	if (b->n == 0) {
		smtp_bounce_done(&b->req, 0);
		return;
	}
	b->req.data = b;
	b->store = s->env->store;
	b->session_id = s->id;
	b->hostname = xstrdup(smtp_session_conf(s)->hostname);
	b->sender = xstrdup(sender);
	b->envid = t->mail.envid[0] ? xstrdup(t->mail.envid) : NULL;
	b->ret = (int)t->mail.ret;
	b->arrival = time(NULL);
	b->queue_msg_id = t->queue_msg_id;
	log_info(s->id, "smtp bounce id=%s to=<%s> rcpts=%zu", t->id, sender, b->n);
	if (uv_queue_work(s->env->loop, &b->req, smtp_bounce_work,
			  smtp_bounce_done) != 0) {
		log_error(s->id, "smtp bounce could not start id=%s", t->id);
		smtp_bounce_done(&b->req, 0);
	}
}
