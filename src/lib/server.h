/* server.h - listeners, the set of live connections, limits, TLS context,
 * graceful shutdown. `tern serve` (src/cli/cmd-serve.c) drives it. */
#ifndef TERN_SERVER_H
#define TERN_SERVER_H

#include <openssl/ssl.h>
#include <uv.h>

#include "lib/service.h"

struct server;

/* Create the server for conf with the protocols in services (NULL
 * terminated): builds the TLS context when one is configured. NULL +
 * *error_r on failure. */
struct server *server_create(uv_loop_t *loop, struct service_env *env,
			     const struct service *const *services,
			     char **error_r);
/* Bind every listener whose protocol has a built-in service (others are
 * skipped with a log line). Fails (NULL listeners bound is not a
 * failure) with *error_r naming the address when one cannot bind. */
int server_listen(struct server *srv, char **error_r);
/* SIGHUP: new config (TLS certificates reloaded; limits take effect for
 * new connections; listener changes need a restart). */
int server_reload(struct server *srv, const struct tern_conf *conf,
		  char **error_r);
/* SIGTERM: stop accepting, ask sessions to finish, force-close after
 * server.shutdown_timeout; done_cb runs once no connection is left. */
void server_shutdown(struct server *srv, void (*done_cb)(void *), void *arg);
/* after server_shutdown: close every connection now (the timeout, or a
 * second signal); done_cb runs once their close callbacks have run */
void server_abort(struct server *srv);
size_t server_connection_count(const struct server *srv);
void server_destroy(struct server **srv);

/* --- for conn.c --- */
SSL_CTX *server_tls_ctx(struct server *srv);
/* admit a new connection from ip (limits); counts it when true */
bool server_conn_admit(struct server *srv, struct conn *c);
void server_conn_gone(struct server *srv, struct conn *c);
struct service_env *server_env(struct server *srv);

#endif
