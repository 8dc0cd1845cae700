/* http-server.c - h2o on the server's loop: the http, https and metrics
 * services, their limits, TLS (the server's certificate, ALPN h2), the
 * security headers every response carries and a log line per request.
 * Routes are http-router.c's. */
#include "http/http.h"
#include "http/http-private.h"

#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/tls.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

/* loop turns (1 ms apart) that closing connections get at exit */
#define DRAIN_ROUNDS 200

struct http_site_state {
	h2o_globalconf_t gc;
	h2o_context_t ctx;
	h2o_accept_ctx_t plain, tls;
	bool ready;
};

struct site_handler {
	h2o_handler_t super;
	enum http_site site;
};

/* one accepted connection: h2o owns it once h2o_accept ran */
struct http_conn {
	uv_tcp_t tcp;			/* first: h2o's close callback gets it */
	struct metrics_proto *m;
	enum http_site site;
	struct http_conn *next, *prev;	/* H.conns: the open ones */
	bool shut;
};

static struct {
	struct service_env *env;
	struct http_site_state site[HTTP_SITES];
	SSL_CTX *tls;
	const struct tern_conf *tls_conf;	/* the config tls was built from */
	struct http_conn *conns;
	uint64_t n_conns;			/* all of them */
	uint64_t n_site[HTTP_SITES];		/* per site: their limits */
	unsigned users;				/* services initialised */
	bool stopping;
} H;

static bool
site_is_https(h2o_req_t *req)
{
	return req->scheme == &H2O_URL_SCHEME_HTTPS;
}

/* the request line and header fields, as h2o parsed them */
static size_t
request_header_size(h2o_req_t *req)
{
	size_t n = req->method.len + req->path.len + req->authority.len + 16;

	for (size_t i = 0; i < req->headers.size; i++)
		n += req->headers.entries[i].name->len +
		     req->headers.entries[i].value.len + 4;
	return n;
}

static int
on_req(h2o_handler_t *self, h2o_req_t *req)
{
	struct site_handler *h = (struct site_handler *)self;

	if (request_header_size(req) > H.env->conf->http.max_header_size) {
		http_respond_error(req, 431, "Request Header Fields Too Large");
		return 0;
	}
	http_route(req, h->site, H.env);
	return 0;
}

static void
add_header(h2o_req_t *req, const char *name, const char *value)
{
	h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name),
			      1, NULL, value, strlen(value));
}

/* every response, h2o's own errors (413, 400) included */
static void
on_setup_ostream(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
	add_header(req, "x-content-type-options", "nosniff");
	add_header(req, "x-frame-options", "DENY");
	add_header(req, "referrer-policy", "no-referrer");
	/* the webmail's pages set their own (http_webmail_headers) */
	if (h2o_find_header_by_str(&req->res.headers,
				   H2O_STRLIT("content-security-policy"), -1) < 0)
		add_header(req, "content-security-policy",
			   "default-src 'none'; frame-ancestors 'none'");
	if (h2o_find_header(&req->res.headers, H2O_TOKEN_CACHE_CONTROL, -1) < 0)
		add_header(req, "cache-control", "no-store");
	if (site_is_https(req))
		add_header(req, "strict-transport-security",
			   "max-age=31536000");
	h2o_setup_next_ostream(req, slot);
}

static struct metrics_proto *
req_metrics(h2o_req_t *req)
{
	if (req->conn->ctx == &H.site[HTTP_SITE_ADMIN].ctx)
		return metrics_proto("metrics");
	return metrics_proto(site_is_https(req) ? "https" : "http");
}

/* one line per request, h2o's own errors included */
static void
on_log_access(h2o_logger_t *self, h2o_req_t *req)
{
	struct buf b = BUF_INIT;
	struct timeval now;
	char ip[64];
	double ms = 0;
	int status = req->res.status;

	gettimeofday(&now, NULL);
	if (!h2o_timeval_is_null(&req->timestamps.request_begin_at))
		ms = (now.tv_sec - req->timestamps.request_begin_at.tv_sec) * 1e3 +
		     (now.tv_usec - req->timestamps.request_begin_at.tv_usec) / 1e3;
	http_peer_ip(req, ip, sizeof(ip));
	req_metrics(req)->commands++;
	metrics.http_status[status >= 100 && status < 600 ? status / 100 : 0]++;
	buf_printf(&b, "http request ip=%s version=%s method=", ip,
		   req->version >= 0x200 ? "2" : req->version == 0x101 ? "1.1" : "1.0");
	buf_append_escaped(&b, req->method.base, req->method.len, 16);
	buf_append_str(&b, " path=");
	buf_append_escaped(&b, req->path.base, req->path.len, 256);
	buf_printf(&b, " status=%d bytes=%zu ms=%.1f", status, req->bytes_sent, ms);
	log_info(0, "%s", buf_cstr(&b));
	buf_free(&b);
}

static void
pathconf_hooks(h2o_pathconf_t *pc)
{
	h2o_filter_t *f = h2o_create_filter(pc, sizeof(*f));
	h2o_logger_t *lg = h2o_create_logger(pc, sizeof(*lg));

	f->on_setup_ostream = on_setup_ostream;
	lg->log_access = on_log_access;
}

static void
on_tls_info(const SSL *ssl, int where, int ret)
{
	if (where & SSL_CB_HANDSHAKE_DONE)
		metrics_proto("https")->tls_handshakes++;
	else if ((where & SSL_CB_ALERT) && (where & SSL_CB_WRITE) &&
		 !SSL_is_init_finished(ssl))
		metrics_proto("https")->tls_failures++;
}

/* the server's certificate in a context of our own: ALPN must not be
 * offered to IMAP or SMTP clients. Rebuilt after a SIGHUP reload. */
static void
tls_refresh(void)
{
	const struct tern_conf *conf = H.env->conf;
	char *err = NULL;
	SSL_CTX *ctx;

	if (H.tls_conf == conf || !conf->tls.cert[0])
		return;
	H.tls_conf = conf;
	ctx = tls_ctx_create(conf, &err);
	if (ctx == NULL) {
		log_error(0, "https: keeping the old certificate error=\"%s\"", err);
		free(err);
		return;
	}
	h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
	SSL_CTX_set_info_callback(ctx, on_tls_info);
	SSL_CTX_free(H.tls);	/* connections hold their own reference */
	H.tls = ctx;
	for (int i = 0; i < HTTP_SITES; i++)
		H.site[i].tls.ssl_ctx = ctx;
}

static void
site_init(enum http_site site, uv_loop_t *loop, const struct tern_conf *conf)
{
	struct http_site_state *st = &H.site[site];
	h2o_hostconf_t *host;
	h2o_pathconf_t *pc;
	struct site_handler *h;

	h2o_config_init(&st->gc);
	st->gc.server_name = h2o_iovec_init(H2O_STRLIT("tern"));
	st->gc.max_request_entity_size = http_max_entity(conf);
	st->gc.handshake_timeout = conf->http.request_timeout_ms;
	st->gc.http1.req_timeout = conf->http.request_timeout_ms;
	st->gc.http2.idle_timeout = conf->http.idle_timeout_ms;
	st->gc.http2.max_concurrent_requests_per_connection =
		(size_t)conf->http.max_streams;
	host = h2o_config_register_host(&st->gc,
					h2o_iovec_init(H2O_STRLIT("default")), 65535);
	pc = h2o_config_register_path(host, "/", 0);
	h = (struct site_handler *)h2o_create_handler(pc, sizeof(*h));
	h->super.on_req = on_req;
	h->site = site;
	pathconf_hooks(pc);
	pathconf_hooks(&host->fallback_path);
	h2o_context_init(&st->ctx, loop, &st->gc);
	st->plain.ctx = st->tls.ctx = &st->ctx;
	st->plain.hosts = st->tls.hosts = st->gc.hosts;
	st->tls.ssl_ctx = H.tls;
	st->ready = true;
}

static bool
proto_is_http(const char *proto)
{
	return !strcmp(proto, "http") || !strcmp(proto, "https") ||
	       !strcmp(proto, "metrics");
}

static int
http_init(struct service_env *env)
{
	const struct tern_conf *conf = env->conf;
	bool want[HTTP_SITES] = { false, false };

	if (H.users++ > 0)
		return 0;
	H.env = env;
	for (size_t i = 0; i < conf->n_listeners; i++) {
		const char *p = conf->listeners[i].proto;

		if (proto_is_http(p))
			want[strcmp(p, "metrics") ? HTTP_SITE_PUBLIC : HTTP_SITE_ADMIN] = true;
	}
	if (!want[HTTP_SITE_PUBLIC] && !want[HTTP_SITE_ADMIN])
		return 0;
	tls_refresh();
	for (int i = 0; i < HTTP_SITES; i++)
		if (want[i])
			site_init((enum http_site)i, env->loop, conf);
	return 0;
}

/* The loop has stopped; connections still open (keep-alive, HTTP/2
 * after GOAWAY) must go before their context does: shut their sockets
 * down so that h2o sees the end of input and closes them itself. */
static void
drain_conns(uv_loop_t *loop)
{
	for (int round = 0; H.conns != NULL && round < DRAIN_ROUNDS; round++) {
		for (struct http_conn *c = H.conns; c; c = c->next) {
			uv_os_fd_t fd;

			if (!c->shut && uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
				shutdown(fd, SHUT_RDWR);
			c->shut = true;
			/* serve_drain unref'd every handle: uv_run polls
			 * only while one is ref'd */
			uv_ref((uv_handle_t *)&c->tcp);
		}
		/* a socket h2o lets go of mid-handshake at the stop (no
		 * reader, no timer) never sees the end: close it here */
		if (round == DRAIN_ROUNDS / 2)
			for (struct http_conn *c = H.conns; c; c = c->next)
				if (!uv_is_closing((uv_handle_t *)&c->tcp) &&
				    !uv_is_active((uv_handle_t *)&c->tcp)) {
					log_info(0, "http closing an idle %s socket at exit",
						 c->m->name);
					h2o_socket_close(c->tcp.data);
				}
		uv_run(loop, UV_RUN_NOWAIT);
		if (H.conns != NULL)
			uv_sleep(1);
	}
	if (H.conns != NULL)
		log_warn(0, "http connections still open=%llu",
			 (unsigned long long)H.n_conns);
}

static void
http_deinit(struct service_env *env)
{
	if (H.users == 0 || --H.users > 0)
		return;
	drain_conns(env->loop);
	http_jmap_deinit();
	for (int i = 0; i < HTTP_SITES; i++) {
		if (!H.site[i].ready)
			continue;
		if (h2o_timeout_is_linked(&H.site[i].ctx.http2._graceful_shutdown_timeout))
			h2o_timeout_unlink(&H.site[i].ctx.http2._graceful_shutdown_timeout);
		h2o_context_dispose(&H.site[i].ctx);
		h2o_config_dispose(&H.site[i].gc);
		H.site[i].ready = false;
	}
	SSL_CTX_free(H.tls);
	memset(&H, 0, sizeof(H));
}

static void
on_conn_closed(uv_handle_t *h)
{
	struct http_conn *c = (struct http_conn *)h;

	if (c->m != NULL) {
		c->m->open--;
		H.n_conns--;
		H.n_site[c->site]--;
		if (c->prev)
			c->prev->next = c->next;
		else
			H.conns = c->next;
		if (c->next)
			c->next->prev = c->prev;
	}
	free(c);
}

static void
http_accept(uv_stream_t *listener, const struct listener_conf *lc,
	    struct service_env *env)
{
	struct http_conn *c = xcalloc(1, sizeof(*c));
	struct http_site_state *st;
	struct metrics_proto *m = metrics_proto(lc->proto);
	enum http_site site;
	uint64_t limit;
	h2o_socket_t *sock;

	uv_tcp_init(env->loop, &c->tcp);
	if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
		uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
		return;
	}
	site = strcmp(lc->proto, "metrics") ? HTTP_SITE_PUBLIC : HTTP_SITE_ADMIN;
	/* the admin listener has its own budget: a crowd of web clients
	 * must not lock the operator out */
	limit = site == HTTP_SITE_ADMIN ? env->conf->http.max_admin_connections :
		env->conf->http.max_connections;
	if (H.stopping || H.n_site[site] >= limit) {
		m->refused++;
		log_warn(0, "%s refused reason=too-many-connections", lc->proto);
		uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	c->m = m;
	c->site = site;
	c->next = H.conns;
	if (H.conns)
		H.conns->prev = c;
	H.conns = c;
	m->connections++;
	m->open++;
	H.n_conns++;
	H.n_site[site]++;
	st = &H.site[site];
	if (lc->tls == TLS_MODE_IMPLICIT)
		tls_refresh();
	sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_closed);
	h2o_accept(lc->tls == TLS_MODE_IMPLICIT ? &st->tls : &st->plain, sock);
}

/* SIGTERM: HTTP/2 connections get GOAWAY, HTTP/1 ones close after
 * their request */
static void
http_stop(struct service_env *env)
{
	if (H.stopping)
		return;
	H.stopping = true;
	http_jmap_push_stop();
	for (int i = 0; i < HTTP_SITES; i++)
		if (H.site[i].ready)
			h2o_context_request_shutdown(&H.site[i].ctx);
}

const struct service http_service = {
	.proto = "http",
	.default_tls = TLS_MODE_NONE,
	.init = http_init,
	.deinit = http_deinit,
	.accept_stream = http_accept,
	.stop = http_stop,
};

const struct service https_service = {
	.proto = "https",
	.default_tls = TLS_MODE_IMPLICIT,
	.init = http_init,
	.deinit = http_deinit,
	.accept_stream = http_accept,
	.stop = http_stop,
};

const struct service metrics_service = {
	.proto = "metrics",
	.default_tls = TLS_MODE_NONE,
	.init = http_init,
	.deinit = http_deinit,
	.accept_stream = http_accept,
	.stop = http_stop,
};
