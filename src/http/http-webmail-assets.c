/* http-webmail-assets.c - the webmail's files, embedded in the binary:
 * "/" and "/webmail/" are index.html, "/webmail/<path>" the file
 * webmail/<path> of the source tree. ETag + Cache-Control: no-cache
 * (a new build is seen at once, an unchanged file costs a 304), gzip
 * (made at build time) when the client takes it, and
 * the page's security headers (http_webmail_headers) on every answer.
 * Plain http gets a redirect to the https listener's same path when
 * one is configured. */
#include "http/http-private.h"
#include "http/http-webmail.h"

#include "lib/conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* scripts only from us, never inline; the reading pane is an iframe
 * of srcdoc content (frame-src), which inherits this policy on top of
 * its own stricter one (webmail/js/sanitize.js): mail needs its inline
 * styles, and https images once the user clicks "Show images" (until
 * then the sanitizer removes them and the frame's own CSP forbids
 * them). The app itself never puts mail HTML into its own page. */
static const char csp[] =
	"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
	"img-src 'self' data: blob: https:; connect-src 'self'; "
	"frame-src 'self' blob: about:; object-src 'none'; base-uri 'none'; "
	"form-action 'self'; frame-ancestors 'none'";

/* h2o keeps the pointers: the value is copied into the request's pool */
static void
add(h2o_req_t *req, const char *name, const char *value)
{
	h2o_iovec_t v = h2o_strdup(&req->pool, value, strlen(value));

	h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name),
			      1, NULL, v.base, v.len);
}

void
http_webmail_headers(h2o_req_t *req)
{
	/* http-server.c's filter adds nosniff, DENY, no-referrer, HSTS and
	 * keeps a CSP or Cache-Control a handler set */
	add(req, "content-security-policy", csp);
	add(req, "permissions-policy",
	    "camera=(), microphone=(), geolocation=(), payment=(), usb=()");
	add(req, "cross-origin-opener-policy", "same-origin");
}

static const char *
content_type(const char *path)
{
	static const struct { const char *ext, *ct; } types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".mjs", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
		{ ".json", "application/json" },
		{ ".woff2", "font/woff2" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].ct;
	return "text/plain; charset=utf-8";
}

static const struct webmail_asset *
asset_find(const char *path, size_t len)
{
	for (const struct webmail_asset *a = webmail_assets; a->path; a++)
		if (strlen(a->path) == len && !memcmp(a->path, path, len) &&
		    a->len > 0)
			return a;
	return NULL;
}

static const struct listener_conf *
https_listener(const struct tern_conf *conf)
{
	for (size_t i = 0; i < conf->n_listeners; i++)
		if (!strcmp(conf->listeners[i].proto, "https"))
			return &conf->listeners[i];
	return NULL;
}

/* Accept-Encoding names gzip (without q=0: nobody sends that) */
static bool
accepts_gzip(h2o_req_t *req)
{
	ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT_ENCODING, -1);

	return i >= 0 && h2o_strstr(req->headers.entries[i].value.base,
				    req->headers.entries[i].value.len,
				    H2O_STRLIT("gzip")) != SIZE_MAX;
}

/* plain http: a redirect to the https listener (or a 404 saying it is
 * not configured) */
static void
redirect_to_https(h2o_req_t *req, struct service_env *env)
{
	static const char none[] = "the webmail is on the https listener, "
				   "which is not configured\n";
	const struct listener_conf *l = https_listener(env->conf);
	char *loc, *body;
	size_t hlen;
	const char *colon;

	if (l == NULL) {
		http_respond(req, 404, "Not Found", "text/plain; charset=utf-8",
			     none, sizeof(none) - 1);
		return;
	}
	/* the host the client asked for, without its port */
	hlen = req->authority.len;
	if (hlen > 0 && req->authority.base[0] == '[')
		colon = memchr(req->authority.base, ']', hlen);	/* IPv6 */
	else
		colon = memchr(req->authority.base, ':', hlen);
	if (colon != NULL && *colon == ']')
		colon++;
	if (colon != NULL && colon < req->authority.base + hlen)
		hlen = (size_t)(colon - req->authority.base);
	loc = l->port == 443 ?
	      xasprintf("https://%.*s%.*s", (int)hlen, req->authority.base,
			(int)req->path.len, req->path.base) :
	      xasprintf("https://%.*s:%d%.*s", (int)hlen, req->authority.base,
			l->port, (int)req->path.len, req->path.base);
	add(req, "location", loc);
	body = xasprintf("the webmail is at %s\n", loc);
	http_respond(req, 308, "Permanent Redirect", "text/plain; charset=utf-8",
		     body, strlen(body));
	free(body);
	free(loc);
}

void
http_webmail_asset(h2o_req_t *req, struct service_env *env)
{
	const char *p = req->path_normalized.base;
	size_t n = req->path_normalized.len;
	const struct webmail_asset *a;
	const char *etag;
	ssize_t inm;
	bool gz;

	if (req->scheme != &H2O_URL_SCHEME_HTTPS) {
		redirect_to_https(req, env);
		return;
	}
	http_webmail_headers(req);
	if ((n == 1 && p[0] == '/') || (n == 9 && !memcmp(p, "/webmail/", 9)))
		a = asset_find("/webmail/index.html", 19);
	else
		a = asset_find(p, n);
	if (a == NULL) {
		http_respond_error(req, 404, "Not Found");
		return;
	}
	gz = a->gz != NULL && accepts_gzip(req);
	etag = gz ? a->gz_etag : a->etag;
	add(req, "etag", etag);
	add(req, "cache-control", "no-cache");
	add(req, "vary", "accept-encoding");
	inm = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
	if (inm >= 0 && req->headers.entries[inm].value.len == strlen(etag) &&
	    !memcmp(req->headers.entries[inm].value.base, etag, strlen(etag))) {
		req->res.status = 304;
		req->res.reason = "Not Modified";
		h2o_send_inline(req, NULL, 0);
		return;
	}
	if (gz) {
		add(req, "content-encoding", "gzip");
		http_respond(req, 200, "OK", content_type(a->path), a->gz,
			     a->gz_len);
		return;
	}
	http_respond(req, 200, "OK", content_type(a->path), a->data, a->len);
}
