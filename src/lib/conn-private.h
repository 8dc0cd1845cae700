/* conn-private.h - what server.c needs of conn.c */
#ifndef TERN_CONN_PRIVATE_H
#define TERN_CONN_PRIVATE_H

#include <uv.h>

#include "lib/conn.h"

struct server;
struct service;

/* Accept a pending connection on listener stream ls. Returns NULL (and
 * closes the socket) on failure. Creates the session via svc->accept. */
struct conn *conn_accept(struct server *srv, uv_stream_t *ls,
			 const struct listener_conf *lc,
			 const struct service *svc);
/* The server is stopping: call on_shutdown or close. */
void conn_shutdown(struct conn *c);
/* Close at once, not waiting for output. */
void conn_abort(struct conn *c, const char *reason);

/* server's intrusive list of live connections */
struct conn *conn_next(struct conn *c);
void conn_list_link(struct conn **head, struct conn *c);
void conn_list_unlink(struct conn **head, struct conn *c);

#endif
