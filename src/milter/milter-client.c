/* milter-client.c - one milter connection on the loop (contract in
 * milter-client.h) */
#include "milter/milter-client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

struct milter_client {
	uv_loop_t *loop;
	union {
		uv_handle_t handle;
		uv_stream_t stream;
		uv_tcp_t tcp;
		uv_pipe_t pipe;
	} h;
	uv_timer_t timer;
	uv_connect_t creq;
	int open_handles;		/* freed when both are closed */
	struct buf in;
	uint32_t max_reply;
	uint64_t log_id;
	uint64_t command_ms;
	uint64_t await_ms;		/* the current await's timeout */
	uint64_t replies;		/* handed over so far */
	char *name;
	milter_reply_cb *cb;		/* the await (or open) pending */
	void *arg;
	bool awaiting, dead, closing, negotiated;
	struct milter_client_info info;
};

struct milter_write {
	uv_write_t req;
	struct milter_client *c;
	unsigned char data[];
};

static void milter_client_try(struct milter_client *c);

static void
milter_client_fail(struct milter_client *c, enum milter_status st,
		   const char *why)
{
	milter_reply_cb *cb = c->cb;

	if (!c->dead) {
		c->dead = true;
		snprintf(c->info.error, sizeof(c->info.error), "%s", why);
		log_warn(c->log_id, "milter %s failed: %s", c->name, why);
		uv_read_stop(&c->h.stream);
	}
	uv_timer_stop(&c->timer);
	if (!c->awaiting || c->closing)
		return;
	c->awaiting = false;
	c->cb = NULL;
	cb(c->arg, st, NULL);
}

static void
milter_client_on_timer(uv_timer_t *t)
{
	struct milter_client *c = t->data;

	if (c->dead)
		milter_client_fail(c, MILTER_EIO, c->info.error);
	else if (c->awaiting && c->in.len > 0) {
		uint64_t n = c->replies;

		milter_client_try(c);
		/* only part of a packet: wait for the rest */
		if (n == c->replies && c->awaiting && !c->dead && !c->closing)
			uv_timer_start(&c->timer, milter_client_on_timer,
				       c->await_ms, 0);
	} else
		milter_client_fail(c, MILTER_ETIMEOUT, "timeout");
}

/* OPTNEG: what the filter wants must be within what we offered */
static bool
milter_client_optneg(struct milter_client *c, const struct milter_reply *r,
		     const char **why)
{
	if (r->cmd != SMFIR_OPTNEG) {
		*why = "no OPTNEG reply";
		return false;
	}
	if (r->version < 2 || r->version > MILTER_VERSION) {
		*why = "unsupported protocol version";
		return false;
	}
	/* filters (rspamd) often name every action they know: they get
	 * what was offered, and one that takes another is broken then */
	if ((r->actions & ~(uint32_t)MILTER_ACTIONS) ||
	    (r->protocol & ~(uint32_t)MILTER_PROTOCOL))
		log_debug(c->log_id, "milter %s asks for actions 0x%x protocol "
			  "0x%x: offered 0x%x 0x%x", c->name, r->actions,
			  r->protocol, MILTER_ACTIONS, MILTER_PROTOCOL);
	c->info.actions = r->actions & MILTER_ACTIONS;
	c->info.protocol = r->protocol & MILTER_PROTOCOL;
	for (int i = 0; i < MILTER_STAGE_COUNT; i++)
		if (r->symlist[i])
			c->info.symlist[i] = xstrndup(r->symlist[i],
						      r->symlist_len[i]);
	return true;
}

/* a whole packet buffered and someone waiting: hand it over */
static void
milter_client_try(struct milter_client *c)
{
	struct milter_reply r;
	const unsigned char *data;
	struct buf pkt = BUF_INIT;
	milter_reply_cb *cb;
	const char *why;
	size_t len, used;
	char cmd;
	int rc;

	if (!c->awaiting || c->dead || c->closing)
		return;
	rc = milter_packet_next(c->in.data, c->in.len, c->max_reply, &cmd,
				&data, &len, &used);
	if (rc < 0) {
		milter_client_fail(c, MILTER_EIO, "bad packet length");
		return;
	}
	if (rc == 0)
		return;
	/* the reply points into a copy: the callback may await again */
	buf_append(&pkt, c->in.data, used);
	buf_consume(&c->in, used);
	if (!milter_reply_parse(cmd, pkt.data + 5, len, &r, &why)) {
		buf_free(&pkt);
		milter_client_fail(c, MILTER_EIO, why);
		return;
	}
	if (!c->negotiated) {
		if (!milter_client_optneg(c, &r, &why)) {
			buf_free(&pkt);
			milter_client_fail(c, MILTER_EIO, why);
			return;
		}
		c->negotiated = true;
	}
	uv_timer_stop(&c->timer);
	c->awaiting = false;
	c->replies++;
	cb = c->cb;
	c->cb = NULL;
	cb(c->arg, MILTER_OK, &r);
	buf_free(&pkt);
}

static void
milter_client_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct milter_client *c = h->data;
	unsigned char *p = buf_reserve(&c->in, 16384);

	(void)hint;
	*b = uv_buf_init((char *)p, 16384);
}

static void
milter_client_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct milter_client *c = s->data;

	(void)b;
	if (n < 0) {
		milter_client_fail(c, MILTER_EIO, n == UV_EOF ?
				   "connection closed by the filter" :
				   uv_strerror((int)n));
		return;
	}
	c->in.len += (size_t)n;
	if (c->in.len > (size_t)c->max_reply + 5 + 16384) {
		milter_client_fail(c, MILTER_EIO, "filter sends too much");
		return;
	}
	milter_client_try(c);
}

static void
milter_client_on_write(uv_write_t *req, int status)
{
	struct milter_write *w = (struct milter_write *)req;
	struct milter_client *c = w->c;

	free(w);
	if (status < 0 && status != UV_ECANCELED && !c->closing)
		milter_client_fail(c, MILTER_EIO, uv_strerror(status));
}

void
milter_client_send(struct milter_client *c, const void *p, size_t n)
{
	struct milter_write *w;
	uv_buf_t b;

	if (c->dead || c->closing || n == 0)
		return;
	w = xmalloc(sizeof(*w) + n);
	w->c = c;
	memcpy(w->data, p, n);
	b = uv_buf_init((char *)w->data, (unsigned)n);
	if (uv_write(&w->req, &c->h.stream, &b, 1, milter_client_on_write) != 0) {
		free(w);
		c->dead = true;
		snprintf(c->info.error, sizeof(c->info.error), "write failed");
	}
}

void
milter_client_await(struct milter_client *c, uint64_t timeout_ms,
		    milter_reply_cb *cb, void *arg)
{
	c->cb = cb;
	c->arg = arg;
	c->awaiting = true;
	c->await_ms = timeout_ms;
	/* never call back from inside the await: buffered replies and
	 * failures come on the next loop turn */
	if (c->dead || c->in.len > 0)
		timeout_ms = 0;
	uv_timer_start(&c->timer, milter_client_on_timer, timeout_ms, 0);
}

static void
milter_client_on_connect(uv_connect_t *req, int status)
{
	struct milter_client *c = req->data;
	struct buf b = BUF_INIT;

	if (c->closing)
		return;
	if (status < 0) {
		milter_client_fail(c, MILTER_EIO, uv_strerror(status));
		return;
	}
	uv_read_start(&c->h.stream, milter_client_alloc, milter_client_on_read);
	milter_put_optneg(&b, MILTER_ACTIONS, MILTER_PROTOCOL);
	milter_client_send(c, b.data, b.len);
	buf_free(&b);
	/* the open's callback waits for the OPTNEG reply */
	uv_timer_start(&c->timer, milter_client_on_timer, c->command_ms, 0);
	milter_client_try(c);
}

struct milter_client *
milter_client_open(uv_loop_t *loop, const struct milter_spec *spec,
		   uint32_t max_reply, uint64_t log_id, milter_reply_cb *cb,
		   void *arg)
{
	struct milter_client *c = xcalloc(1, sizeof(*c));
	struct sockaddr_storage sa;
	int rc = 0;

	c->loop = loop;
	c->max_reply = max_reply < 65536 ? 65536 : max_reply;
	c->log_id = log_id;
	c->command_ms = spec->command_ms;
	c->await_ms = spec->command_ms;
	c->name = xstrdup(spec->name);
	c->cb = cb;
	c->arg = arg;
	c->awaiting = true;
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	c->open_handles = 2;
	c->creq.data = c;
	if (spec->path != NULL) {
		uv_pipe_init(loop, &c->h.pipe, 0);
		c->h.handle.data = c;
		uv_pipe_connect(&c->creq, &c->h.pipe, spec->path,
				milter_client_on_connect);
	} else {
		uv_tcp_init(loop, &c->h.tcp);
		c->h.handle.data = c;
		if (uv_ip4_addr(spec->host, spec->port,
				(struct sockaddr_in *)&sa) != 0 &&
		    uv_ip6_addr(spec->host, spec->port,
				(struct sockaddr_in6 *)&sa) != 0)
			rc = UV_EINVAL;
		if (rc == 0)
			rc = uv_tcp_connect(&c->creq, &c->h.tcp,
					    (const struct sockaddr *)&sa,
					    milter_client_on_connect);
	}
	if (rc != 0) {
		c->dead = true;
		snprintf(c->info.error, sizeof(c->info.error), "connect: %s",
			 uv_strerror(rc));
		log_warn(log_id, "milter %s failed: %s", c->name, c->info.error);
		uv_timer_start(&c->timer, milter_client_on_timer, 0, 0);
		return c;
	}
	uv_timer_start(&c->timer, milter_client_on_timer, spec->connect_ms, 0);
	return c;
}

const struct milter_client_info *
milter_client_info(const struct milter_client *c)
{
	return &c->info;
}

bool
milter_client_dead(const struct milter_client *c)
{
	return c->dead;
}

static void
milter_client_on_close(uv_handle_t *h)
{
	struct milter_client *c = h->data;

	if (--c->open_handles > 0)
		return;
	buf_free(&c->in);
	for (int i = 0; i < MILTER_STAGE_COUNT; i++)
		free(c->info.symlist[i]);
	free(c->name);
	free(c);
}

void
milter_client_close(struct milter_client *c)
{
	if (c == NULL || c->closing)
		return;
	if (c->negotiated && !c->dead) {
		struct buf b = BUF_INIT;
		uv_buf_t ub;

		/* best effort: a filter that misses it sees EOF */
		milter_put_empty(&b, SMFIC_QUIT);
		ub = uv_buf_init((char *)b.data, (unsigned)b.len);
		(void)uv_try_write(&c->h.stream, &ub, 1);
		buf_free(&b);
	}
	c->closing = true;
	c->awaiting = false;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, milter_client_on_close);
	uv_close(&c->h.handle, milter_client_on_close);
}
