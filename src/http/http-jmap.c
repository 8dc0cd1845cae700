/* http-jmap.c - JMAP over h2o: the API endpoint, the session resource,
 * login/logout. Every JMAP path needs an authenticated user: HTTP Basic
 * (auth-check.h: the throttle and the verified-login cache IMAP uses)
 * or a bearer token from /jmap/login. JMAP is served on the https
 * listener only: plain http answers 403 (passwords and mail never go
 * over plaintext, loopback included: one rule, nothing to get wrong).
 *
 * An API request runs as one job on libuv's pool through the work gate
 * of its account (jmap_api_run is synchronous); the response is written
 * back on the loop. The client may go away meanwhile: h2o then disposes
 * the request's pool, and the holder registered there tells us. */
#include "http/http-jmap.h"
#include "http/http-private.h"

#include "auth/auth-check.h"
#include "jmap/jmap-api.h"
#include "lib/base64.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/work-gate.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* what one account has in progress, by kind (jmap_http_inflight_take) */
struct inflight {
	int64_t account_id;
	unsigned n[JMAP_INFLIGHT_KINDS];
};

static struct {
	struct inflight *v;
	size_t n, cap;
} R;

struct holder {
	struct jmap_http *r;
};

void
jmap_http_free(struct jmap_http *r)
{
	if (r->holder != NULL)
		r->holder->r = NULL;
	auth_check_cancel(&r->auth);
	free(r->address);
	free(r->body);
	buf_free(&r->out);
	if (r->token != NULL)
		sodium_memzero(r->token, strlen(r->token));
	free(r->token);
	if (r->ext_free != NULL)
		r->ext_free(r->ext);
	free(r);
}

/* h2o disposes the request (answered, or the client went away) */
static void
on_dispose(void *p)
{
	struct holder *h = p;
	struct jmap_http *r = h->r;

	if (r == NULL)
		return;
	r->req = NULL;
	r->holder = NULL;
	auth_check_cancel(&r->auth);
	if (!r->busy)
		jmap_http_free(r);
}

void
jmap_http_finish(struct jmap_http *r, int status, const char *reason,
		 const char *ct, const void *body, size_t len)
{
	if (r->req != NULL)
		http_respond(r->req, status, reason, ct, body, len);
	jmap_http_free(r);
}

void
jmap_http_problem(struct jmap_http *r, int status, const char *reason,
		  const char *type, const char *limit, const char *detail)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "{\"type\":\"%s\",\"status\":%d", type, status);
	if (limit != NULL)
		buf_printf(&b, ",\"limit\":\"%s\"", limit);
	if (detail != NULL)
		buf_printf(&b, ",\"detail\":\"%s\"", detail);
	buf_append_str(&b, "}");
	jmap_http_finish(r, status, reason, "application/problem+json",
			 b.data, b.len);
	buf_free(&b);
}

static void
unauthorized(struct jmap_http *r)
{
	static const char basic[] = "Basic realm=\"tern\", charset=\"UTF-8\"";
	static const char bearer[] = "Bearer realm=\"tern\"";

	if (r->req != NULL && !r->cookie) {
		h2o_add_header(&r->req->pool, &r->req->res.headers,
			       H2O_TOKEN_WWW_AUTHENTICATE, NULL, basic,
			       sizeof(basic) - 1);
		h2o_add_header(&r->req->pool, &r->req->res.headers,
			       H2O_TOKEN_WWW_AUTHENTICATE, NULL, bearer,
			       sizeof(bearer) - 1);
	}
	jmap_http_problem(r, 401, "Unauthorized", "about:blank", NULL,
			  "authentication required");
}

static void
authenticated(struct jmap_http *r)
{
	r->acct.id = r->account_id;
	r->acct.address = r->address;
	r->fn(r);
}

static void
on_auth(void *arg, struct auth_check_result *res)
{
	struct jmap_http *r = arg;

	r->auth = NULL;
	if (res->ok) {
		r->account_id = res->account_id;
		r->address = res->address;
		res->address = NULL;
		r->basic = true;
		authenticated(r);
	} else if (res->blocked) {
		jmap_http_problem(r, 429, "Too Many Requests", "about:blank",
				  NULL, "too many failed logins");
	} else if (res->tempfail) {
		jmap_http_problem(r, 503, "Service Unavailable", "about:blank",
				  NULL, "try again later");
	} else {
		log_info(0, "jmap login failed reason=\"%s\"", res->reason);
		unauthorized(r);
	}
}

/* the value of the Authorization field, or NULL */
static const h2o_iovec_t *
authorization(h2o_req_t *req)
{
	ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);

	return i < 0 ? NULL : &req->headers.entries[i].value;
}

static bool
scheme_is(const h2o_iovec_t *v, const char *scheme, size_t *skip)
{
	size_t n = strlen(scheme);

	if (v->len <= n || strncasecmp(v->base, scheme, n) || v->base[n] != ' ')
		return false;
	*skip = n + 1;
	return true;
}

void
jmap_http_password(struct jmap_http *r, const char *user,
		    const char *password, size_t password_len)
{
	struct auth_check_env aenv;
	char ip[64];

	http_peer_ip(r->req, ip, sizeof(ip));
	auth_check_env_for(&aenv, r->env);
	aenv.metrics = metrics_proto("https");
	r->auth = auth_check_password_start(&aenv, ip, user, password,
					    password_len, on_auth, r);
}

/* Basic: the password check off the loop, answer in on_auth */
static void
start_basic(struct jmap_http *r, const char *b64, size_t len)
{
	struct buf dec = BUF_INIT;
	char *colon;

	if (!base64_decode(&dec, b64, len) ||
	    memchr(buf_cstr(&dec), '\0', dec.len) != NULL ||
	    (colon = strchr(buf_cstr(&dec), ':')) == NULL) {
		buf_free(&dec);
		unauthorized(r);
		return;
	}
	*colon = '\0';
	jmap_http_password(r, (const char *)dec.data, colon + 1,
			   strlen(colon + 1));
	sodium_memzero(dec.data, dec.len);
	buf_free(&dec);
}

struct jmap_http *
jmap_http_new(h2o_req_t *req, struct service_env *env,
	      void (*fn)(struct jmap_http *r))
{
	struct jmap_http *r;
	struct holder *h;

	if (req->scheme != &H2O_URL_SCHEME_HTTPS) {
		http_respond_error(req, 403, "Forbidden");
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->req = req;
	r->env = env;
	r->fn = fn;
	h = h2o_mem_alloc_shared(&req->pool, sizeof(*h), on_dispose);
	h->r = r;
	r->holder = h;
	return r;
}

/* the webmail's session cookie: a request that changes something (any
 * method but GET and HEAD) must also carry the session's CSRF token in
 * X-CSRF-Token (403 otherwise); GETs (downloads, EventSource) need only
 * the cookie, which SameSite=Strict keeps from other sites */
static void
start_cookie(struct jmap_http *r, char *tok)
{
	struct jmap_account acct;
	char csrf[JMAP_CSRF_LEN];
	bool safe = h2o_memis(r->req->method.base, r->req->method.len,
			      H2O_STRLIT("GET")) ||
		    h2o_memis(r->req->method.base, r->req->method.len,
			      H2O_STRLIT("HEAD"));
	ssize_t i;

	r->cookie = true;
	if (!jmap_token_check(r->env->store, r->env->conf, tok,
			      JMAP_TOKEN_SESSION, &acct)) {
		free(tok);
		unauthorized(r);
		return;
	}
	if (!safe) {
		jmap_token_csrf(tok, csrf);
		i = h2o_find_header_by_str(&r->req->headers,
					   H2O_STRLIT("x-csrf-token"), -1);
		if (i < 0 || r->req->headers.entries[i].value.len !=
			     strlen(csrf) ||
		    sodium_memcmp(r->req->headers.entries[i].value.base,
				  csrf, strlen(csrf)) != 0) {
			free(tok);
			jmap_http_problem(r, 403, "Forbidden", "about:blank",
					  NULL, "missing or wrong X-CSRF-Token");
			return;
		}
	}
	r->account_id = acct.id;
	r->address = xstrdup(acct.address);
	r->token = tok;
	authenticated(r);
}

void
jmap_http_authenticate(struct jmap_http *r)
{
	const h2o_iovec_t *a = authorization(r->req);
	char *cookie;
	size_t skip;

	if (a == NULL) {
		if ((cookie = http_webmail_cookie(r->req)) != NULL)
			start_cookie(r, cookie);
		else
			unauthorized(r);
	} else if (scheme_is(a, "Basic", &skip)) {
		start_basic(r, a->base + skip, a->len - skip);
	} else if (scheme_is(a, "Bearer", &skip)) {
		char *tok = xstrndup(a->base + skip, a->len - skip);
		struct jmap_account acct;

		if (jmap_token_check(r->env->store, r->env->conf, tok,
				     JMAP_TOKEN_BEARER, &acct)) {
			r->account_id = acct.id;
			r->address = xstrdup(acct.address);
			r->token = tok;
			tok = NULL;
			authenticated(r);
		} else {
			unauthorized(r);
		}
		free(tok);
	} else {
		unauthorized(r);
	}
}

/* ---- the API endpoint ---- */

void
jmap_http_queue(struct jmap_http *r, uv_work_cb work, uv_after_work_cb after,
		enum jmap_inflight kind)
{
	r->job.work.data = r;
	r->busy = true;
	if (work_gate_queue(r->env->work_gate, r->env->loop, &r->job,
			    r->account_id, NULL, work, after) != 0) {
		r->busy = false;
		if (kind != JMAP_INFLIGHT_NONE)
			jmap_http_inflight_done(r->account_id, kind);
		jmap_http_problem(r, 503, "Service Unavailable", "about:blank",
				  NULL, "try again later");
	}
}

static struct inflight *
inflight_of(int64_t account_id)
{
	for (size_t i = 0; i < R.n; i++)
		if (R.v[i].account_id == account_id)
			return &R.v[i];
	if (R.n == R.cap) {
		R.cap = R.cap ? R.cap * 2 : 16;
		R.v = xrealloc(R.v, R.cap * sizeof(*R.v));
	}
	R.v[R.n] = (struct inflight){ .account_id = account_id };
	return &R.v[R.n++];
}

bool
jmap_http_inflight_take(int64_t account_id, enum jmap_inflight kind,
			uint64_t limit)
{
	struct inflight *f = inflight_of(account_id);

	/* at least one, so that a refusal leaves no empty entry */
	if (f->n[kind] >= (limit > 0 ? limit : 1))
		return false;
	f->n[kind]++;
	return true;
}

void
jmap_http_inflight_done(int64_t account_id, enum jmap_inflight kind)
{
	struct inflight *f = inflight_of(account_id);

	f->n[kind]--;
	/* an account with nothing in flight leaves the table */
	for (int k = 0; k < JMAP_INFLIGHT_KINDS; k++)
		if (f->n[k] > 0)
			return;
	*f = R.v[--R.n];
	if (R.n == 0) {
		free(R.v);
		memset(&R, 0, sizeof(R));
	}
}

static void
api_work(uv_work_t *w)
{
	struct jmap_http *r = w->data;

	r->status = jmap_api_run(r->env, &r->acct, r->body, r->body_len,
				 &r->out, &r->ct);
}

static void
api_after(uv_work_t *w, int status)
{
	struct jmap_http *r = w->data;

	(void)status;
	r->busy = false;
	jmap_http_inflight_done(r->account_id, JMAP_INFLIGHT_API);
	jmap_http_finish(r, r->status, r->status == 200 ? "OK" : "Bad Request",
			 r->ct, r->out.data, r->out.len);
}

static void
api_run(struct jmap_http *r)
{
	if (!jmap_http_inflight_take(r->account_id, JMAP_INFLIGHT_API,
				     r->env->conf->jmap.max_concurrent_requests)) {
		jmap_http_problem(r, 429, "Too Many Requests",
				  "urn:ietf:params:jmap:error:limit",
				  "maxConcurrentRequests",
				  "too many requests in progress");
		return;
	}
	r->body_len = r->req->entity.len;
	r->body = xmalloc(r->body_len + 1);
	memcpy(r->body, r->req->entity.base, r->body_len);
	jmap_http_queue(r, api_work, api_after, JMAP_INFLIGHT_API);
}

void
http_jmap_api(h2o_req_t *req, struct service_env *env)
{
	struct jmap_http *r = jmap_http_new(req, env, api_run);

	if (r == NULL)
		return;
	/* before any password check: an oversized body costs nothing */
	if (req->entity.len > env->conf->jmap.max_size_request) {
		jmap_http_problem(r, 400, "Bad Request",
				  "urn:ietf:params:jmap:error:limit",
				  "maxSizeRequest", "the request is too large");
		return;
	}
	jmap_http_authenticate(r);
}

/* ---- the session resource ---- */

/* "https://" + the Host the client used, if it looks like a host name
 * (it goes into URLs the client follows), else the configured name */
char *
jmap_http_url_base(struct jmap_http *r)
{
	h2o_iovec_t a = r->req->authority;
	bool ok = a.len > 0 && a.len < 256;

	for (size_t i = 0; ok && i < a.len; i++) {
		char c = a.base[i];

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		     (c >= '0' && c <= '9') || strchr(".-:[]", c) != NULL;
	}
	if (!ok)
		return xasprintf("https://%s", r->env->conf->hostname);
	return xasprintf("https://%.*s", (int)a.len, a.base);
}

static void
session_run(struct jmap_http *r)
{
	char *base = jmap_http_url_base(r);
	char *s = jmap_session_json(r->env->conf, &r->acct, base);

	jmap_http_finish(r, 200, "OK", "application/json", s, strlen(s));
	free(s);
	free(base);
}

void
http_jmap_session(h2o_req_t *req, struct service_env *env)
{
	struct jmap_http *r = jmap_http_new(req, env, session_run);

	if (r != NULL)
		jmap_http_authenticate(r);
}

/* ---- bearer tokens ---- */

static void
login_run(struct jmap_http *r)
{
	int64_t expires;
	char *tok, *body, when[32];
	struct tm tm;
	time_t t;

	if (!r->basic) {
		jmap_http_problem(r, 400, "Bad Request", "about:blank", NULL,
				  "log in with a password (Basic)");
		return;
	}
	tok = jmap_token_issue(r->env->store, r->env->conf, JMAP_TOKEN_BEARER,
			       r->account_id, r->address, &expires);
	t = (time_t)expires;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	body = xasprintf("{\"accessToken\":\"%s\",\"expires\":\"%s\"}", tok, when);
	log_info(0, "jmap login account=%" PRId64, r->account_id);
	jmap_http_finish(r, 200, "OK", "application/json", body, strlen(body));
	free(body);
	sodium_memzero(tok, strlen(tok));
	free(tok);
}

static void
logout_run(struct jmap_http *r)
{
	if (r->token == NULL) {
		jmap_http_problem(r, 400, "Bad Request", "about:blank", NULL,
				  "log out with the token (Bearer)");
		return;
	}
	jmap_token_revoke(r->env->store, r->token);
	jmap_http_finish(r, 204, "No Content", "text/plain", "", 0);
}

void
http_jmap_login(h2o_req_t *req, struct service_env *env)
{
	struct jmap_http *r = jmap_http_new(req, env, login_run);

	if (r != NULL)
		jmap_http_authenticate(r);
}

void
http_jmap_logout(h2o_req_t *req, struct service_env *env)
{
	struct jmap_http *r = jmap_http_new(req, env, logout_run);

	if (r != NULL)
		jmap_http_authenticate(r);
}

void
http_jmap_deinit(void)
{
	jmap_tokens_free();
	free(R.v);
	memset(&R, 0, sizeof(R));
}
