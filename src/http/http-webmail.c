/* http-webmail.c - the webmail's login session: POST /webmail/login
 * {"username","password"} checks the password like IMAP does (the same
 * throttle: blocked -> 429) and sets the tern_session cookie (a token of
 * jmap-auth.c's store, kind session: Secure, HttpOnly, SameSite=Strict);
 * GET /webmail/session answers the same body while the cookie is valid
 * (a page reload keeps the session); POST /webmail/logout ends it. The
 * body's csrfToken goes back in X-CSRF-Token on every POST the page
 * makes (http-jmap.c checks it). No token is ever in a URL. */
#include "http/http-jmap.h"
#include "http/http-private.h"
#include "http/http-webmail.h"

#include "lib/conf.h"
#include "lib/log.h"

#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

char *
http_webmail_cookie(h2o_req_t *req)
{
	static const char name[] = WEBMAIL_COOKIE "=";
	const size_t nlen = sizeof(name) - 1;

	/* HTTP/2 may split the cookies over several fields */
	for (ssize_t i = -1; (i = h2o_find_header(&req->headers,
			H2O_TOKEN_COOKIE, i)) >= 0;) {
		const char *p = req->headers.entries[i].value.base;
		const char *end = p + req->headers.entries[i].value.len;

		while (p < end) {
			const char *semi = memchr(p, ';', (size_t)(end - p));
			const char *e = semi ? semi : end;

			while (p < e && *p == ' ')
				p++;
			if ((size_t)(e - p) > nlen && !memcmp(p, name, nlen))
				return xstrndup(p + nlen, (size_t)(e - p - nlen));
			p = e + 1;
		}
	}
	return NULL;
}

static void
set_cookie(h2o_req_t *req, const char *value, int64_t max_age)
{
	char *c = xasprintf("%s=%s; Path=/; Max-Age=%" PRId64
			    "; Secure; HttpOnly; SameSite=Strict",
			    WEBMAIL_COOKIE, value, max_age);

	h2o_iovec_t v = h2o_strdup(&req->pool, c, strlen(c));

	free(c);
	/* h2o keeps the pointer: the pool's copy */
	h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_SET_COOKIE,
		       NULL, v.base, v.len);
}

/* {"csrfToken": ..., "username": ...} */
static void
answer_session(struct jmap_http *r, const char *token)
{
	char csrf[JMAP_CSRF_LEN];
	json_t *o;
	char *body;

	jmap_token_csrf(token, csrf);
	o = json_pack("{s:s, s:s}", "csrfToken", csrf, "username", r->address);
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	sodium_memzero(csrf, sizeof(csrf));
	jmap_http_finish(r, 200, "OK", "application/json", body, strlen(body));
	free(body);
}

static void
login_done(struct jmap_http *r)
{
	int64_t expires;
	char *tok;

	tok = jmap_token_issue(r->env->store, r->env->conf, JMAP_TOKEN_SESSION,
			       r->account_id, r->address, &expires);
	if (r->req != NULL)
		set_cookie(r->req, tok,
			   (int64_t)(r->env->conf->jmap.session_lifetime_ms / 1000));
	log_info(0, "webmail login account=%" PRId64, r->account_id);
	answer_session(r, tok);
	sodium_memzero(tok, strlen(tok));
	free(tok);
}

static bool
is_json(h2o_req_t *req)
{
	ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
	static const char ct[] = "application/json";

	return i >= 0 && req->headers.entries[i].value.len >= sizeof(ct) - 1 &&
	       !strncasecmp(req->headers.entries[i].value.base, ct,
			    sizeof(ct) - 1);
}

void
http_webmail_login(h2o_req_t *req, struct service_env *env)
{
	struct jmap_http *r = jmap_http_new(req, env, login_done);
	const char *user, *pass;
	json_t *root;

	if (r == NULL)
		return;
	r->cookie = true;
	/* JSON only: a form on another site cannot post it without a CORS
	 * preflight we never grant (no login CSRF) */
	if (!is_json(req)) {
		jmap_http_problem(r, 415, "Unsupported Media Type", "about:blank",
				  NULL, "send application/json");
		return;
	}
	root = json_loadb(req->entity.base, req->entity.len,
			  JSON_REJECT_DUPLICATES, NULL);
	user = json_string_value(json_object_get(root, "username"));
	pass = json_string_value(json_object_get(root, "password"));
	if (user == NULL || pass == NULL || !*user ||
	    memchr(pass, '\0', json_string_length(json_object_get(root,
			   "password"))) != NULL) {
		json_decref(root);
		jmap_http_problem(r, 400, "Bad Request", "about:blank", NULL,
				  "expected {\\\"username\\\": ..., "
				  "\\\"password\\\": ...}");
		return;
	}
	jmap_http_password(r, user, pass, strlen(pass));
	json_decref(root);
}

static void
no_session(struct jmap_http *r)
{
	jmap_http_problem(r, 401, "Unauthorized", "about:blank", NULL,
			  "no webmail session");
}

/* a request that the session cookie authenticates; done answers it */
static void
cookie_request(h2o_req_t *req, struct service_env *env,
	       void (*done)(struct jmap_http *r))
{
	struct jmap_http *r = jmap_http_new(req, env, done);
	char *tok;

	if (r == NULL)
		return;
	r->cookie = true;
	if ((tok = http_webmail_cookie(req)) == NULL) {
		no_session(r);
		return;
	}
	free(tok);
	jmap_http_authenticate(r);
}

static void
session_done(struct jmap_http *r)
{
	if (!r->cookie || r->token == NULL) {
		no_session(r);
		return;
	}
	answer_session(r, r->token);
}

void
http_webmail_session(h2o_req_t *req, struct service_env *env)
{
	cookie_request(req, env, session_done);
}

static void
logout_done(struct jmap_http *r)
{
	if (!r->cookie || r->token == NULL) {
		no_session(r);
		return;
	}
	jmap_token_revoke(r->env->store, r->token);
	log_info(0, "webmail logout account=%" PRId64, r->account_id);
	if (r->req != NULL)
		set_cookie(r->req, "", 0);
	jmap_http_finish(r, 204, "No Content", "text/plain", "", 0);
}

void
http_webmail_logout(h2o_req_t *req, struct service_env *env)
{
	cookie_request(req, env, logout_done);
}
