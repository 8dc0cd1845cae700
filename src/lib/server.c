/* server.c - listeners, live connections, limits, TLS reload, shutdown */
#include "lib/server.h"
#include "lib/conn-private.h"
#include "lib/log.h"
#include "lib/tls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERVER_MAX_LISTENERS 64
#define IP_BUCKETS 1024

struct listener {
	uv_tcp_t tcp;
	struct server *srv;
	struct listener_conf lc;	/* own copy: conf may be reloaded */
	const struct service *svc;
	bool open;
};

struct ip_count {
	char ip[64];
	uint64_t n;
	struct ip_count *next;
};

struct server {
	uv_loop_t *loop;
	struct service_env *env;
	const struct service *const *services;
	SSL_CTX *tls;
	struct listener *listeners[SERVER_MAX_LISTENERS];
	size_t n_listeners;
	struct conn *conns;
	size_t n_conns;
	struct ip_count *ips[IP_BUCKETS];
	uv_timer_t shutdown_timer;
	bool stopping;
	void (*done_cb)(void *);
	void *done_arg;
};

static const struct service *
service_find(const struct server *srv, const char *proto)
{
	for (size_t i = 0; srv->services[i]; i++)
		if (strcmp(srv->services[i]->proto, proto) == 0)
			return srv->services[i];
	return NULL;
}

struct server *
server_create(uv_loop_t *loop, struct service_env *env,
	      const struct service *const *services, char **error_r)
{
	struct server *srv = xcalloc(1, sizeof(*srv));

	srv->loop = loop;
	srv->services = services;
	srv->env = env;
	if (env->conf->tls.cert[0] || env->conf->tls.key[0]) {
		srv->tls = tls_ctx_create(env->conf, error_r);
		if (srv->tls == NULL) {
			free(srv);
			return NULL;
		}
	}
	uv_timer_init(loop, &srv->shutdown_timer);
	srv->shutdown_timer.data = srv;
	return srv;
}

SSL_CTX *
server_tls_ctx(struct server *srv)
{
	return srv->tls;
}

struct service_env *
server_env(struct server *srv)
{
	return srv->env;
}

size_t
server_connection_count(const struct server *srv)
{
	return srv->n_conns;
}

static unsigned
ip_hash(const char *ip)
{
	unsigned h = 5381;

	while (*ip)
		h = h * 33 + (unsigned char)*ip++;
	return h % IP_BUCKETS;
}

bool
server_conn_admit(struct server *srv, struct conn *c)
{
	const struct tern_conf *conf = srv->env->conf;
	const char *ip = conn_peer_ip(c);
	struct ip_count **slot = &srv->ips[ip_hash(ip)], *e;

	if (srv->stopping || srv->n_conns >= conf->server.max_connections)
		return false;
	for (e = *slot; e; e = e->next)
		if (strcmp(e->ip, ip) == 0)
			break;
	if (e != NULL && e->n >= conf->server.max_connections_per_ip)
		return false;
	if (e == NULL) {
		e = xcalloc(1, sizeof(*e));
		snprintf(e->ip, sizeof(e->ip), "%s", ip);
		e->next = *slot;
		*slot = e;
	}
	e->n++;
	srv->n_conns++;
	conn_list_link(&srv->conns, c);
	return true;
}

void
server_conn_gone(struct server *srv, struct conn *c)
{
	const char *ip = conn_peer_ip(c);
	struct ip_count **pp = &srv->ips[ip_hash(ip)];

	for (; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->ip, ip) == 0) {
			if (--(*pp)->n == 0) {
				struct ip_count *dead = *pp;

				*pp = dead->next;
				free(dead);
			}
			break;
		}
	}
	conn_list_unlink(&srv->conns, c);
	srv->n_conns--;
	if (srv->stopping && srv->n_conns == 0 && srv->done_cb) {
		void (*cb)(void *) = srv->done_cb;

		srv->done_cb = NULL;
		uv_timer_stop(&srv->shutdown_timer);
		cb(srv->done_arg);
	}
}

static void
on_connection(uv_stream_t *s, int status)
{
	struct listener *l = s->data;

	if (status < 0) {
		log_warn(0, "accept failed listener=%s error=%s", l->lc.proto,
			 uv_strerror(status));
		return;
	}
	if (l->svc->accept_stream) {
		l->svc->accept_stream(s, &l->lc, l->srv->env);
		return;
	}
	conn_accept(l->srv, s, &l->lc, l->svc);
}

static int
listener_open(struct server *srv, const struct listener_conf *lc,
	      const struct service *svc, char **error_r)
{
	struct listener *l = xcalloc(1, sizeof(*l));
	struct sockaddr_storage ss;
	int rc;

	l->srv = srv;
	l->svc = svc;
	l->lc = *lc;
	l->lc.proto = xstrdup(lc->proto);
	l->lc.address = xstrdup(lc->address);
	if (strchr(lc->address, ':'))
		rc = uv_ip6_addr(lc->address, lc->port, (struct sockaddr_in6 *)&ss);
	else
		rc = uv_ip4_addr(lc->address, lc->port, (struct sockaddr_in *)&ss);
	uv_tcp_init(srv->loop, &l->tcp);
	l->tcp.data = l;
	srv->listeners[srv->n_listeners++] = l;
	l->open = true;
	if (rc == 0)
		rc = uv_tcp_bind(&l->tcp, (struct sockaddr *)&ss,
				 strchr(lc->address, ':') ? UV_TCP_IPV6ONLY : 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&l->tcp, 511, on_connection);
	if (rc != 0) {
		*error_r = xasprintf("%s:%d: listen %s %s%s%s:%d: %s",
				     srv->env->conf->path, lc->line, lc->proto,
				     strchr(lc->address, ':') ? "[" : "",
				     lc->address,
				     strchr(lc->address, ':') ? "]" : "",
				     lc->port, uv_strerror(rc));
		return -1;
	}
	log_info(0, "listening proto=%s address=%s port=%d tls=%s", lc->proto,
		 lc->address, lc->port, tls_mode_name(lc->tls));
	return 0;
}

int
server_listen(struct server *srv, char **error_r)
{
	const struct tern_conf *conf = srv->env->conf;

	for (size_t i = 0; i < conf->n_listeners; i++) {
		const struct listener_conf *lc = &conf->listeners[i];
		const struct service *svc = service_find(srv, lc->proto);

		if (svc == NULL) {
			log_warn(0, "listener skipped proto=%s address=%s port=%d "
				 "reason=\"protocol not built into this tern\"",
				 lc->proto, lc->address, lc->port);
			continue;
		}
		if (srv->n_listeners >= SERVER_MAX_LISTENERS) {
			*error_r = xstrdup("too many listeners");
			return -1;
		}
		if (listener_open(srv, lc, svc, error_r) < 0)
			return -1;
	}
	return 0;
}

int
server_reload(struct server *srv, const struct tern_conf *conf, char **error_r)
{
	SSL_CTX *tls = NULL;

	if (conf->tls.cert[0] || conf->tls.key[0]) {
		tls = tls_ctx_create(conf, error_r);
		if (tls == NULL)
			return -1;
	}
	/* live connections keep a reference to the old context */
	SSL_CTX_free(srv->tls);
	srv->tls = tls;
	return 0;
}

static void
on_listener_closed(uv_handle_t *h)
{
	struct listener *l = h->data;

	free(l->lc.proto);
	free(l->lc.address);
	free(l);
}

static void
listeners_close(struct server *srv)
{
	for (size_t i = 0; i < srv->n_listeners; i++)
		uv_close((uv_handle_t *)&srv->listeners[i]->tcp, on_listener_closed);
	srv->n_listeners = 0;
}

void
server_abort(struct server *srv)
{
	struct conn *c, *next;

	uv_timer_stop(&srv->shutdown_timer);
	for (c = srv->conns; c; c = next) {
		next = conn_next(c);
		conn_abort(c, "shutdown");
	}
}

static void
on_shutdown_timeout(uv_timer_t *t)
{
	struct server *srv = t->data;

	log_info(0, "shutdown timeout: closing connections=%zu", srv->n_conns);
	server_abort(srv);
}

void
server_shutdown(struct server *srv, void (*done_cb)(void *), void *arg)
{
	struct conn *c, *next;

	if (srv->stopping)
		return;
	srv->stopping = true;
	srv->env->shutting_down = true;
	srv->done_cb = done_cb;
	srv->done_arg = arg;
	listeners_close(srv);
	for (size_t i = 0; srv->services[i]; i++)
		if (srv->services[i]->stop)
			srv->services[i]->stop(srv->env);
	log_info(0, "shutting down connections=%zu", srv->n_conns);
	if (srv->n_conns == 0) {
		srv->done_cb = NULL;
		done_cb(arg);
		return;
	}
	for (c = srv->conns; c; c = next) {
		next = conn_next(c);
		conn_shutdown(c);
	}
	uv_timer_start(&srv->shutdown_timer, on_shutdown_timeout,
		       srv->env->conf->server.shutdown_timeout_ms, 0);
}

static void
on_timer_closed(uv_handle_t *h)
{
	free(h->data);
}

void
server_destroy(struct server **srvp)
{
	struct server *srv = *srvp;

	if (srv == NULL)
		return;
	listeners_close(srv);
	for (size_t i = 0; i < IP_BUCKETS; i++) {
		while (srv->ips[i]) {
			struct ip_count *e = srv->ips[i];

			srv->ips[i] = e->next;
			free(e);
		}
	}
	SSL_CTX_free(srv->tls);
	uv_close((uv_handle_t *)&srv->shutdown_timer, on_timer_closed);
	*srvp = NULL;
}
