/* http-private.h - what the files of src/http share: the request type
 * is h2o's; handlers answer with http_respond(). */
#ifndef TERN_HTTP_PRIVATE_H
#define TERN_HTTP_PRIVATE_H

#include <h2o.h>
#include <stdbool.h>

#include "lib/buf.h"
#include "lib/service.h"

/* which routes a listener serves */
enum http_site { HTTP_SITE_PUBLIC, HTTP_SITE_ADMIN, HTTP_SITES };

struct http_route {
	const char *method;	/* "GET", "POST"; HEAD is served as GET */
	const char *path;	/* exact, without the query; ending in "*": a prefix */
	bool nocase;		/* Outlook varies the case of its path */
	void (*fn)(h2o_req_t *req, struct service_env *env);
	/* JMAP: the path is a prefix; the body may be larger than
	 * http.max_body_size (the handler checks its own limit) */
	bool jmap;
};

/* http-router.c: the routes of each site; 404/405 for the rest */
void http_route(h2o_req_t *req, enum http_site site, struct service_env *env);

/* Answer with status and body (copied) of content_type. */
void http_respond(h2o_req_t *req, int status, const char *reason,
		  const char *content_type, const void *body, size_t len);
void http_respond_error(h2o_req_t *req, int status, const char *reason);
/* the query parameter name, decoded (malloc'd), or NULL */
char *http_query_param(h2o_req_t *req, const char *name);
/* a path segment, %XX decoded (malloc'd), or NULL (a NUL byte) */
char *http_path_decode(const char *p, size_t n);
/* the client's address as text ("-" if unknown) */
void http_peer_ip(h2o_req_t *req, char *out, size_t size);
/* the largest body h2o reads for any route: http.max_body_size, or
 * more for JMAP requests and uploads */
size_t http_max_entity(const struct tern_conf *conf);

/* http-autoconfig.c */
void http_autoconfig_thunderbird(h2o_req_t *req, struct service_env *env);
void http_autoconfig_autodiscover(h2o_req_t *req, struct service_env *env);
void http_autoconfig_mobileconfig(h2o_req_t *req, struct service_env *env);

/* http-jmap.c: the API endpoint, the session resource, login/logout */
void http_jmap_api(h2o_req_t *req, struct service_env *env);
void http_jmap_session(h2o_req_t *req, struct service_env *env);
void http_jmap_login(h2o_req_t *req, struct service_env *env);
void http_jmap_logout(h2o_req_t *req, struct service_env *env);
void http_jmap_deinit(void);
/* http-jmap-blob.c: uploads and downloads */
void http_jmap_upload(h2o_req_t *req, struct service_env *env);
void http_jmap_download(h2o_req_t *req, struct service_env *env);
/* http-jmap-push.c: EventSource and WebSocket; at SIGTERM every push
 * stream ends */
void http_jmap_eventsource(h2o_req_t *req, struct service_env *env);
void http_jmap_websocket(h2o_req_t *req, struct service_env *env);
void http_jmap_push_stop(void);

/* http-webmail-assets.c: the embedded files ("/", "/webmail/..."); the
 * security headers of a webmail page */
void http_webmail_asset(h2o_req_t *req, struct service_env *env);
void http_webmail_headers(h2o_req_t *req);
/* http-webmail.c: the login session endpoints; the session cookie's
 * value (malloc'd) or NULL */
void http_webmail_login(h2o_req_t *req, struct service_env *env);
void http_webmail_session(h2o_req_t *req, struct service_env *env);
void http_webmail_logout(h2o_req_t *req, struct service_env *env);
char *http_webmail_cookie(h2o_req_t *req);

/* http-metrics.c */
void http_metrics(h2o_req_t *req, struct service_env *env);
/* the exposition text (also for tests) */
void http_metrics_format(struct buf *out, struct service_env *env);

#endif
