/* service.h - how a protocol plugs into the server.
 *
 * Each protocol module exports one `struct service` per listener
 * protocol name (src/smtp: "smtp", "submission", "submissions"; src/imap:
 * "imap", "imaps"; src/pop3: "pop3", "pop3s"; src/http: "http", "https",
 * "metrics"). `tern serve` opens a
 * listener only when a service for its protocol is built in (no fake
 * banners). The table of built-in services is src/cli/services.c. */
#ifndef TERN_SERVICE_H
#define TERN_SERVICE_H

#include <uv.h>

#include "lib/conf.h"
#include "lib/conn.h"

struct auth_cache;
struct dns;
struct submit_dkim_keys;
struct srs_secrets;
struct auth_pool;
struct store;
struct throttle;
struct work_gate;

/* What every session may reach: shared, owned by the server. */
struct service_env {
	uv_loop_t *loop;
	const struct tern_conf *conf;	/* replaced on SIGHUP: don't cache fields across commands */
	struct store *store;
	struct throttle *throttle;
	struct auth_pool *auth_pool;	/* password checks (auth-pool.h) */
	struct auth_cache *auth_cache;	/* verified logins (auth-cache.h) */
	struct work_gate *work_gate;	/* thread-pool share (work-gate.h) */
	struct dns *dns;		/* the loop's one libunbound context
					   (dns.h): relay routes, mail checks */
	struct submit_dkim_keys *dkim_keys;	/* signing keys in memory
						   (submit/submit-dkim-keys.h) */
	struct srs_secrets *srs;	/* srs.secret, read at start and on
					   SIGHUP (mailauth/srs.h) */
	bool shutting_down;
};

struct service {
	const char *proto;		/* listener protocol name */
	enum tls_mode default_tls;	/* used when the listen line names none */
	/* once at startup (may be NULL); nonzero fails startup */
	int (*init)(struct service_env *env);
	/* once at exit (may be NULL) */
	void (*deinit)(struct service_env *env);
	/* A new connection: create the session, write the greeting, return
	 * the session pointer (passed back to every conn_ops callback). For
	 * implicit TLS the greeting is held until the handshake ends. */
	void *(*accept)(struct conn *c, struct service_env *env);
	const struct conn_ops *ops;
	/* written (plaintext listeners only) to a client refused because of
	 * connection limits, e.g. "421 4.7.0 Too many connections\r\n" */
	const char *busy_reply;
	/* Instead of accept/ops (may be NULL): the service takes the
	 * listener's pending connection itself (uv_accept) and runs it
	 * with its own library (src/http: h2o); its own limits apply. */
	void (*accept_stream)(uv_stream_t *listener,
			      const struct listener_conf *lc,
			      struct service_env *env);
	/* SIGTERM, after the listeners closed (may be NULL): ask the
	 * service's own connections to finish */
	void (*stop)(struct service_env *env);
};

/* src/cli/services.c: NULL-terminated list of the built-in services
 * (given to server_create; src/lib never refers to it) */
extern const struct service *const tern_services[];

#endif
