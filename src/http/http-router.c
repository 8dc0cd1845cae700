/* http-router.c - which path each site serves, and the one way to
 * answer (http_respond) */
#include "http/http-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct http_route public_routes[] = {
	{ "GET", "/mail/config-v1.1.xml", false, http_autoconfig_thunderbird, false },
	{ "GET", "/.well-known/autoconfig/mail/config-v1.1.xml", false,
	  http_autoconfig_thunderbird, false },
	{ "POST", "/autodiscover/autodiscover.xml", true,
	  http_autoconfig_autodiscover, false },
	{ "GET", "/apple/mobileconfig", false, http_autoconfig_mobileconfig, false },
	/* JMAP (RFC 8620): http-jmap.c */
	{ "GET", "/.well-known/jmap", false, http_jmap_session, true },
	{ "POST", "/jmap/api/", false, http_jmap_api, true },
	{ "POST", "/jmap/login", false, http_jmap_login, true },
	{ "POST", "/jmap/logout", false, http_jmap_logout, true },
	{ "POST", "/jmap/upload/*", false, http_jmap_upload, true },
	{ "GET", "/jmap/download/*", false, http_jmap_download, true },
	{ "GET", "/jmap/eventsource/", false, http_jmap_eventsource, true },
	{ "GET", "/jmap/ws", false, http_jmap_websocket, true },
	/* the webmail: http-webmail.c, http-webmail-assets.c */
	{ "POST", "/webmail/login", false, http_webmail_login, false },
	{ "GET", "/webmail/session", false, http_webmail_session, false },
	{ "POST", "/webmail/logout", false, http_webmail_logout, false },
	{ "GET", "/", false, http_webmail_asset, false },
	{ "GET", "/webmail/*", false, http_webmail_asset, false },
	{ NULL, NULL, false, NULL, false }
};

static const struct http_route admin_routes[] = {
	{ "GET", "/metrics", false, http_metrics, false },
	{ NULL, NULL, false, NULL, false }
};

static bool
path_is(h2o_req_t *req, const struct http_route *r)
{
	size_t n = strlen(r->path);

	/* a path ending in "*" is a prefix */
	if (n > 0 && r->path[n - 1] == '*')
		return req->path_normalized.len >= n - 1 &&
		       !memcmp(req->path_normalized.base, r->path, n - 1);
	if (req->path_normalized.len != n)
		return false;
	return r->nocase ? !strncasecmp(req->path_normalized.base, r->path, n) :
			   !memcmp(req->path_normalized.base, r->path, n);
}

static bool
method_is(h2o_req_t *req, const char *m)
{
	size_t n = strlen(m);

	return req->method.len == n && !memcmp(req->method.base, m, n);
}

void
http_route(h2o_req_t *req, enum http_site site, struct service_env *env)
{
	const struct http_route *r = site == HTTP_SITE_ADMIN ? admin_routes :
				     public_routes;
	bool path_found = false;

	for (; r->path; r++) {
		if (!path_is(req, r))
			continue;
		path_found = true;
		if (method_is(req, r->method) ||
		    (!strcmp(r->method, "GET") && method_is(req, "HEAD"))) {
			/* h2o reads up to http_max_entity(): only JMAP
			 * routes take more than http.max_body_size */
			if (!r->jmap &&
			    req->entity.len > env->conf->http.max_body_size) {
				http_respond_error(req, 413, "Payload Too Large");
				return;
			}
			r->fn(req, env);
			return;
		}
	}
	if (path_found)
		http_respond_error(req, 405, "Method Not Allowed");
	else
		http_respond_error(req, 404, "Not Found");
}

size_t
http_max_entity(const struct tern_conf *conf)
{
	uint64_t n = conf->http.max_body_size;

	if (conf->jmap.max_size_request > n)
		n = conf->jmap.max_size_request;
	if (conf->jmap.max_size_upload > n)
		n = conf->jmap.max_size_upload;
	return (size_t)n;
}

void
http_peer_ip(h2o_req_t *req, char *out, size_t size)
{
	struct sockaddr_storage ss;

	snprintf(out, size, "-");
	if (req->conn->callbacks->get_peername(req->conn,
					       (struct sockaddr *)&ss) <= 0)
		return;
	if (ss.ss_family == AF_INET6)
		uv_ip6_name((struct sockaddr_in6 *)&ss, out, size);
	else
		uv_ip4_name((struct sockaddr_in *)&ss, out, size);
}

void
http_respond(h2o_req_t *req, int status, const char *reason,
	     const char *content_type, const void *body, size_t len)
{
	req->res.status = status;
	req->res.reason = reason;
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
		       NULL, content_type, strlen(content_type));
	req->res.content_length = len;
	h2o_send_inline(req, body, len);
}

void
http_respond_error(h2o_req_t *req, int status, const char *reason)
{
	char *body = xasprintf("%d %s\n", status, reason);

	/* h2o_send_inline copies the body into the request's pool */
	http_respond(req, status, reason, "text/plain; charset=utf-8", body,
		     strlen(body));
	free(body);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX (and + in a query) decoded; NUL bytes refused */
static char *
percent_decode(const char *p, size_t n, bool plus_is_space)
{
	char *out = xmalloc(n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)p[i];

		if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '%' && i + 2 < n &&
			   hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
			c = hexval(p[i + 1]) * 16 + hexval(p[i + 2]);
			i += 2;
		}
		if (c == 0) {
			free(out);
			return NULL;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

char *
http_query_param(h2o_req_t *req, const char *name)
{
	size_t nlen = strlen(name), i, end;
	const char *q;
	size_t qlen;

	if (req->query_at == SIZE_MAX)
		return NULL;
	q = req->path.base + req->query_at + 1;
	qlen = req->path.len - req->query_at - 1;
	for (i = 0; i < qlen; i = end + 1) {
		for (end = i; end < qlen && q[end] != '&'; end++)
			;
		if (end - i > nlen && q[i + nlen] == '=' &&
		    !memcmp(q + i, name, nlen))
			return percent_decode(q + i + nlen + 1, end - i - nlen - 1,
					      true);
	}
	return NULL;
}

char *
http_path_decode(const char *p, size_t n)
{
	return percent_decode(p, n, false);
}
