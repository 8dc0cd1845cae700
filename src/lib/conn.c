/* conn.c - one client connection on libuv: reads, corked writes, TLS via
 * memory BIOs (implicit or STARTTLS), bounded lines, timers (contract in
 * conn.h). */
#include "lib/conn.h"
#include "lib/conn-private.h"
#include "lib/deflate.h"
#include "lib/server.h"
#include "lib/linereader.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/tls.h"
#include "lib/turn.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define CONN_READ_CHUNK (64 * 1024)
#define CONN_DEFAULT_INPUT_LIMIT (256 * 1024)
#define CONN_CLOSE_GRACE_MS 5000

const size_t conn_low_water = 64 * 1024;

enum tls_state { TLS_OFF, TLS_HANDSHAKE, TLS_ON };

struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer;	/* idle timeout, and close grace */
	struct turn_entry turn;	/* resume input / flush, next loop turn */
	struct server *srv;
	const struct listener_conf *lc;
	const struct service *svc;
	struct metrics_proto *m;	/* its protocol's counters */
	void *ctx;
	uint64_t id;
	char peer_ip[64], local_ip[64];
	int peer_port, local_port;

	struct buf in;		/* plaintext input not yet consumed */
	struct buf line;	/* the last line conn_read_line returned */
	struct linereader lr;
	size_t input_limit;
	bool reading, paused, resume_pending, flush_pending;
	/* input units (lines, consumes) left before others get a turn */
	uint64_t budget;
	/* input held: replies above server.output_high_water unsent */
	bool out_held;
	int in_callback;

	struct buf out;		/* plaintext output not yet sent */
	size_t inflight;	/* bytes in uv_write requests */

	SSL *ssl;
	BIO *rbio, *wbio;
	enum tls_state tls;

	/* COMPRESS=DEFLATE (RFC 4978), above TLS; NULL: off */
	struct deflate_pair *z;
	struct buf zin;		/* compressed input not inflated yet */

	uint64_t timeout_ms;
	bool closing, closed, eof;
	bool counted;		/* admitted: server_conn_gone() owed */
	int handles_open;
	const char *close_reason;
	struct conn *next, *prev;
};

struct write_req {
	uv_write_t req;
	struct conn *c;
	size_t len;
	char data[];
};

static void conn_dispatch(struct conn *c);
static void conn_do_close(struct conn *c);
static void conn_update_reading(struct conn *c);
static void conn_schedule(struct conn *c);
static void on_timeout(uv_timer_t *t);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *ub);

/* --- list --- */

struct conn *
conn_next(struct conn *c)
{
	return c->next;
}

void
conn_list_link(struct conn **head, struct conn *c)
{
	c->prev = NULL;
	c->next = *head;
	if (*head)
		(*head)->prev = c;
	*head = c;
}

void
conn_list_unlink(struct conn **head, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		*head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

/* --- identity --- */

uint64_t conn_id(const struct conn *c) { return c->id; }
const char *conn_peer_ip(const struct conn *c) { return c->peer_ip; }
int conn_peer_port(const struct conn *c) { return c->peer_port; }
const char *conn_local_ip(const struct conn *c) { return c->local_ip; }
int conn_local_port(const struct conn *c) { return c->local_port; }
const struct listener_conf *conn_listener(const struct conn *c) { return c->lc; }
struct metrics_proto *conn_metrics(const struct conn *c) { return c->m; }
void *conn_ctx(const struct conn *c) { return c->ctx; }
bool conn_is_closing(const struct conn *c) { return c->closing; }
bool conn_is_tls(const struct conn *c) { return c->tls == TLS_ON; }
bool conn_tls_started(const struct conn *c) { return c->tls != TLS_OFF; }

bool
conn_peer_is_loopback(const struct conn *c)
{
	return strncmp(c->peer_ip, "127.", 4) == 0 ||
	       strcmp(c->peer_ip, "::1") == 0 ||
	       strncmp(c->peer_ip, "::ffff:127.", 11) == 0;
}

bool
conn_tls_available(const struct conn *c)
{
	return server_tls_ctx(c->srv) != NULL;
}

const char *
conn_tls_version(const struct conn *c)
{
	return c->tls == TLS_ON ? SSL_get_version(c->ssl) : NULL;
}

const char *
conn_tls_cipher(const struct conn *c)
{
	return c->tls == TLS_ON ? SSL_get_cipher_name(c->ssl) : NULL;
}

static void
sockaddr_to_ip(const struct sockaddr_storage *ss, char *ip, size_t iplen,
	       int *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		uv_ip6_name(s6, ip, iplen);
		*port = ntohs(s6->sin6_port);
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		uv_ip4_name(s4, ip, iplen);
		*port = ntohs(s4->sin_port);
	}
}

/* --- writing --- */

static void
on_write(uv_write_t *req, int status)
{
	struct write_req *wr = (struct write_req *)req;
	struct conn *c = wr->c;

	c->inflight -= wr->len;
	free(wr);
	if (status < 0 && !c->closed) {
		log_debug(c->id, "conn write failed error=%s", uv_strerror(status));
		conn_abort(c, "error");
		return;
	}
	if (c->closing) {
		if (c->inflight == 0 && c->out.len == 0)
			conn_do_close(c);
		return;
	}
	if (c->out_held && conn_output_pending(c) < conn_low_water) {
		/* the peer read its replies: its commands run again */
		c->out_held = false;
		c->resume_pending = true;
		conn_schedule(c);
		conn_update_reading(c);
	}
	if (c->svc->ops->on_drain && c->inflight < conn_low_water &&
	    c->out.len == 0) {
		c->in_callback++;
		c->svc->ops->on_drain(c, c->ctx);
		c->in_callback--;
		conn_flush(c);
	}
}

/* hand bytes to the kernel (already encrypted when TLS is on) */
static void
conn_send_raw(struct conn *c, const void *data, size_t len)
{
	struct write_req *wr;
	uv_buf_t ub;
	int rc;

	if (len == 0 || c->closed)
		return;
	wr = xmalloc(sizeof(*wr) + len);
	wr->c = c;
	wr->len = len;
	memcpy(wr->data, data, len);
	ub = uv_buf_init(wr->data, (unsigned)len);
	c->inflight += len;
	rc = uv_write(&wr->req, (uv_stream_t *)&c->tcp, &ub, 1, on_write);
	if (rc < 0) {
		c->inflight -= len;
		free(wr);
		conn_abort(c, "error");
	}
}

/* move whatever OpenSSL produced (records, alerts) to the socket */
static void
tls_pump_out(struct conn *c)
{
	char tmp[16384];
	int n;

	while ((n = BIO_read(c->wbio, tmp, sizeof(tmp))) > 0)
		conn_send_raw(c, tmp, (size_t)n);
}

void
conn_flush(struct conn *c)
{
	if (c->closed || c->out.len == 0)
		return;
	if (c->tls == TLS_HANDSHAKE)
		return;		/* held until the handshake ends */
	if (c->z != NULL) {
		struct buf zb = BUF_INIT;

		if (!deflate_pair_deflate(c->z, c->out.data, c->out.len,
					  &zb)) {
			buf_free(&zb);
			conn_abort(c, "deflate");
			return;
		}
		buf_free(&c->out);
		c->out = zb;
	}
	if (c->tls == TLS_ON) {
		size_t off = 0;

		while (off < c->out.len) {
			size_t n = c->out.len - off;
			int w;

			if (n > 16384)
				n = 16384;
			w = SSL_write(c->ssl, c->out.data + off, (int)n);
			if (w <= 0) {
				conn_abort(c, "tls");
				return;
			}
			off += (size_t)w;
			tls_pump_out(c);
		}
	} else {
		conn_send_raw(c, c->out.data, c->out.len);
	}
	buf_reset(&c->out);
}

static uint64_t
conn_per_turn(const struct conn *c)
{
	uint64_t n = server_env(c->srv)->conf->server.commands_per_turn;

	return n > 0 ? n : 1;
}

/* this connection's turn came round again (see turn.h) */
static void
on_turn(struct turn_entry *e)
{
	struct conn *c = (struct conn *)((char *)e - offsetof(struct conn, turn));

	if (c->closed)
		return;
	c->flush_pending = false;
	c->budget = conn_per_turn(c);
	if (c->resume_pending) {
		c->resume_pending = false;
		conn_dispatch(c);
	}
	conn_flush(c);
}

static void
conn_schedule(struct conn *c)
{
	if (!c->closed)
		turn_defer(server_env(c->srv)->loop, &c->turn, on_turn);
}

/* May the session take more input now? Not while its unsent replies
 * are above the high-water mark (a peer that sends commands but never
 * reads would grow them without bound), nor once it used this turn's
 * budget (the rest runs on the next turn, after the other sockets). */
static bool
conn_input_open(struct conn *c)
{
	uint64_t high = server_env(c->srv)->conf->server.output_high_water;

	if (c->out_held)
		return false;
	if (high < conn_low_water)
		high = conn_low_water;
	if (conn_output_pending(c) > high) {
		log_debug(c->id, "conn input held pending_output=%zu",
			  conn_output_pending(c));
		c->out_held = true;
		conn_update_reading(c);
		return false;
	}
	if (c->budget == 0) {
		c->resume_pending = true;
		conn_schedule(c);
		return false;
	}
	return true;
}

void
conn_write(struct conn *c, const void *data, size_t len)
{
	if (c->closed)
		return;
	buf_append(&c->out, data, len);
	/* outside a callback (e.g. a store completion): flush soon */
	if (c->in_callback == 0 && !c->flush_pending) {
		c->flush_pending = true;
		conn_schedule(c);
	}
}

void
conn_write_str(struct conn *c, const char *s)
{
	conn_write(c, s, strlen(s));
}

void
conn_printf(struct conn *c, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	conn_write(c, b.data, b.len);
	buf_free(&b);
}

size_t
conn_output_pending(const struct conn *c)
{
	return c->out.len + c->inflight;
}

/* --- reading --- */

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *ub)
{
	static char chunk[CONN_READ_CHUNK];	/* the loop is single-threaded */

	ub->base = chunk;
	ub->len = sizeof(chunk);
}

static void
conn_update_reading(struct conn *c)
{
	bool want = !c->closing && !c->eof && !c->out_held &&
		    c->in.len < c->input_limit && c->zin.len < c->input_limit;

	if (want && !c->reading) {
		if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0)
			c->reading = true;
	} else if (!want && c->reading) {
		uv_read_stop((uv_stream_t *)&c->tcp);
		c->reading = false;
	}
}

static void
tls_handshake_step(struct conn *c)
{
	int rc = SSL_do_handshake(c->ssl);

	tls_pump_out(c);
	if (rc == 1) {
		c->tls = TLS_ON;
		c->m->tls_handshakes++;
		log_info(c->id, "tls established version=%s cipher=%s",
			 SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
		conn_flush(c);	/* greeting held during an implicit handshake */
		return;
	}
	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return;
	default: {
		char *err = tls_error_string();

		c->m->tls_failures++;
		log_info(c->id, "tls handshake failed error=\"%s\"", err);
		free(err);
		conn_abort(c, "tls");
	}
	}
}

/* ciphertext arrived: decrypt into c->in */
static void
tls_input(struct conn *c, const char *data, size_t len)
{
	if (BIO_write(c->rbio, data, (int)len) != (int)len) {
		conn_abort(c, "error");
		return;
	}
	if (c->tls == TLS_HANDSHAKE) {
		tls_handshake_step(c);
		if (c->tls != TLS_ON)
			return;
	}
	for (;;) {
		struct buf *dst = c->z ? &c->zin : &c->in;
		unsigned char *p = buf_reserve(dst, 16384);
		int n = SSL_read(c->ssl, p, 16384);

		if (n > 0) {
			dst->len += (size_t)n;
			continue;
		}
		switch (SSL_get_error(c->ssl, n)) {
		case SSL_ERROR_WANT_READ:
			tls_pump_out(c);
			return;
		case SSL_ERROR_ZERO_RETURN:
			c->eof = true;
			return;
		default: {
			char *err = tls_error_string();

			log_info(c->id, "tls read failed error=\"%s\"", err);
			free(err);
			conn_abort(c, "tls");
			return;
		}
		}
	}
}

static void
on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *ub)
{
	struct conn *c = s->data;

	if (nread < 0) {
		if (nread != UV_EOF) {
			log_debug(c->id, "conn read error=%s", uv_strerror((int)nread));
			conn_abort(c, "error");
			return;
		}
		/* half-close: replies already queued still go out */
		c->eof = true;
		conn_close(c, "eof");
		return;
	}
	if (nread == 0 || c->closing)
		return;
	if (c->tls != TLS_OFF)
		tls_input(c, ub->base, (size_t)nread);
	else
		buf_append(c->z ? &c->zin : &c->in, ub->base, (size_t)nread);
	if (c->closed)
		return;
	conn_dispatch(c);
	conn_flush(c);
	if (c->eof && !c->closing)
		conn_close(c, "eof");
}

/* compressed input into c->in, as far as the input limit allows */
static bool
conn_inflate(struct conn *c)
{
	if (c->z == NULL || c->zin.len == 0)
		return false;
	size_t had = c->in.len;

	if (!deflate_pair_inflate(c->z, &c->zin, &c->in, c->input_limit)) {
		log_info(c->id, "conn deflate stream corrupt");
		conn_abort(c, "deflate");
		return false;
	}
	return c->in.len > had;
}

static void
conn_dispatch(struct conn *c)
{
	conn_inflate(c);
	if (c->closed)
		return;
	if (c->closing || c->paused || c->tls == TLS_HANDSHAKE)
		goto out;
	if (c->in.len == 0 || !conn_input_open(c))
		goto out;
	if (c->timeout_ms)
		uv_timer_start(&c->timer, on_timeout, c->timeout_ms, 0);
	c->in_callback++;
	/* what the session consumed made room for more compressed input,
	 * inflated only as far as it is used: the turn's budget bounds both
	 * the commands run and the bytes inflated */
	do {
		c->svc->ops->on_input(c, c->ctx);
	} while (!c->closing && !c->paused && conn_input_open(c) &&
		 conn_inflate(c));
	c->in_callback--;
out:
	conn_update_reading(c);
}

enum conn_line_result
conn_read_line(struct conn *c, size_t max, struct slice *line, bool *bare_lf_r)
{
	if (!conn_input_open(c))
		return CONN_LINE_NONE;
	switch (linereader_next(&c->lr, &c->in, max, &c->line, bare_lf_r)) {
	case LINE_OK:
		line->p = c->line.data;
		line->len = c->line.len;
		c->budget--;
		conn_update_reading(c);
		return CONN_LINE_OK;
	case LINE_TOO_LONG:
		c->budget--;
		conn_update_reading(c);
		return CONN_LINE_TOO_LONG;
	default:
		conn_update_reading(c);
		return CONN_LINE_NONE;
	}
}

struct slice
conn_input(struct conn *c)
{
	if (!conn_input_open(c))
		return (struct slice){ c->in.data, 0 };
	return (struct slice){ c->in.data, c->in.len };
}

void
conn_consume(struct conn *c, size_t n)
{
	if (n > 0 && c->budget > 0)
		c->budget--;
	buf_consume(&c->in, n);
	linereader_reset_scan(&c->lr);
	conn_update_reading(c);
	if (c->zin.len > 0 && c->in_callback == 0 && !c->paused) {
		/* room for compressed input waiting here, not on the socket */
		c->resume_pending = true;
		conn_schedule(c);
	}
}

void
conn_pause(struct conn *c)
{
	c->paused = true;
}

void
conn_resume(struct conn *c)
{
	if (!c->paused)
		return;
	c->paused = false;
	c->resume_pending = true;
	conn_schedule(c);
}

void
conn_set_input_limit(struct conn *c, size_t max)
{
	c->input_limit = max;
	conn_update_reading(c);
}

/* --- TLS start --- */

static bool
conn_tls_begin(struct conn *c)
{
	SSL_CTX *ctx = server_tls_ctx(c->srv);

	if (ctx == NULL || c->tls != TLS_OFF)
		return false;
	c->ssl = SSL_new(ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL) {
		SSL_free(c->ssl);
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		c->ssl = NULL;
		return false;
	}
	BIO_set_mem_eof_return(c->rbio, -1);
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_accept_state(c->ssl);
	c->tls = TLS_HANDSHAKE;
	return true;
}

bool
conn_starttls(struct conn *c)
{
	if (c->tls != TLS_OFF || server_tls_ctx(c->srv) == NULL)
		return false;
	conn_flush(c);		/* the "go ahead" reply, in plaintext */
	/* RFC 3207 4.2: nothing pipelined after STARTTLS may be executed */
	buf_reset(&c->in);
	linereader_reset_scan(&c->lr);
	return conn_tls_begin(c);
}

/* --- COMPRESS --- */

bool
conn_compress(struct conn *c)
{
	if (c->z != NULL || c->tls == TLS_HANDSHAKE)
		return false;
	conn_flush(c);		/* the tagged OK, uncompressed */
	if (c->closed)
		return false;
	c->z = deflate_pair_new();
	if (c->z == NULL)
		return false;
	/* as with STARTTLS: nothing pipelined after the command is run */
	buf_reset(&c->in);
	linereader_reset_scan(&c->lr);
	return true;
}

bool
conn_is_compressed(const struct conn *c)
{
	return c->z != NULL;
}

/* --- timers and lifetime --- */

static void
on_timeout(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (c->closing) {
		/* peer stopped reading what we had left to say */
		conn_abort(c, c->close_reason ? c->close_reason : "timeout");
		return;
	}
	log_info(c->id, "conn timeout");
	if (c->svc->ops->on_timeout) {
		c->in_callback++;
		c->svc->ops->on_timeout(c, c->ctx);
		c->in_callback--;
		conn_flush(c);
	} else {
		conn_close(c, "timeout");
	}
}

void
conn_set_timeout(struct conn *c, uint64_t ms)
{
	c->timeout_ms = ms;
	if (c->closing)
		return;
	if (ms)
		uv_timer_start(&c->timer, on_timeout, ms, 0);
	else
		uv_timer_stop(&c->timer);
}

static void
on_handle_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->handles_open > 0)
		return;
	c->in_callback++;
	if (c->ctx != NULL)
		c->svc->ops->on_close(c, c->ctx,
				      c->close_reason ? c->close_reason : "closed");
	if (c->counted) {
		c->m->open--;
		server_conn_gone(c->srv, c);
	}
	buf_free(&c->in);
	buf_free(&c->line);
	buf_free(&c->out);
	buf_free(&c->zin);
	deflate_pair_free(c->z);
	SSL_free(c->ssl);
	free(c);
}

static void
conn_do_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	if (c->ssl && c->tls == TLS_ON) {
		SSL_shutdown(c->ssl);	/* best effort close_notify */
		tls_pump_out(c);
	}
	turn_cancel(&c->turn);
	c->handles_open = 2;
	uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
	uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

void
conn_close(struct conn *c, const char *reason)
{
	if (c->closing)
		return;
	c->closing = true;
	c->close_reason = reason;
	conn_update_reading(c);
	if (c->tls == TLS_HANDSHAKE) {
		conn_do_close(c);
		return;
	}
	conn_flush(c);
	if (c->inflight == 0 && c->out.len == 0) {
		conn_do_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_timeout, CONN_CLOSE_GRACE_MS, 0);
}

void
conn_abort(struct conn *c, const char *reason)
{
	if (c->closed)
		return;
	if (!c->closing) {
		c->closing = true;
		c->close_reason = reason;
	}
	buf_reset(&c->out);
	conn_do_close(c);
}

void
conn_shutdown(struct conn *c)
{
	if (c->closing)
		return;
	if (c->svc->ops->on_shutdown) {
		c->in_callback++;
		c->svc->ops->on_shutdown(c, c->ctx);
		c->in_callback--;
		conn_flush(c);
	} else {
		conn_close(c, "shutdown");
	}
}

struct conn *
conn_accept(struct server *srv, uv_stream_t *ls, const struct listener_conf *lc,
	    const struct service *svc)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	struct service_env *env = server_env(srv);
	struct sockaddr_storage ss;
	int len;

	c->srv = srv;
	c->lc = lc;
	c->svc = svc;
	c->m = metrics_proto(lc->proto);
	c->id = log_new_id();
	c->input_limit = CONN_DEFAULT_INPUT_LIMIT;
	uv_tcp_init(env->loop, &c->tcp);
	uv_timer_init(env->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->budget = conn_per_turn(c);
	if (uv_accept(ls, (uv_stream_t *)&c->tcp) != 0) {
		conn_abort(c, "error");
		return NULL;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	len = sizeof(ss);
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_to_ip(&ss, c->peer_ip, sizeof(c->peer_ip), &c->peer_port);
	len = sizeof(ss);
	if (uv_tcp_getsockname(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
		sockaddr_to_ip(&ss, c->local_ip, sizeof(c->local_ip), &c->local_port);
	if (!server_conn_admit(srv, c)) {
		c->m->refused++;
		log_warn(c->id, "%s refused ip=%s reason=too-many-connections",
			 lc->proto, c->peer_ip);
		if (lc->tls != TLS_MODE_IMPLICIT && svc->busy_reply)
			conn_send_raw(c, svc->busy_reply, strlen(svc->busy_reply));
		conn_close(c, "busy");
		return NULL;
	}
	c->counted = true;
	c->m->connections++;
	c->m->open++;
	log_info(c->id, "%s connect ip=%s port=%d local=%s:%d", lc->proto,
		 c->peer_ip, c->peer_port, c->local_ip, c->local_port);
	if (lc->tls == TLS_MODE_IMPLICIT && !conn_tls_begin(c)) {
		log_error(c->id, "no TLS context for implicit TLS listener");
		conn_abort(c, "tls");
		return NULL;
	}
	c->in_callback++;
	c->ctx = svc->accept(c, env);
	c->in_callback--;
	if (c->ctx == NULL) {
		conn_close(c, "refused");
		return NULL;
	}
	conn_flush(c);
	conn_update_reading(c);
	return c;
}
