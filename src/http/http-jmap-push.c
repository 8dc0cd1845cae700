/* http-jmap-push.c - JMAP push: EventSource (RFC 8620 7.3) and
 * WebSocket (RFC 8887, h2o's websocket.h over HTTP/1.1 upgrade).
 *
 * Both watch the account with store_watch_account_changes(): after each
 * commit that changed the account, its modseq (every type's state) is
 * read and, when it moved past what the client was last told, a
 * StateChange goes out. A push connection counts against
 * jmap.push_connections_per_account. At SIGTERM (http_jmap_push_stop)
 * every stream is ended so that the server can drain. */
#include "http/http-jmap.h"

#include "jmap/jmap-push.h"
#include "lib/log.h"
#include "lib/service.h"
#include "store/store.h"

#include <h2o/websocket.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* EventSource without pings: a comment this often */
#define KEEPALIVE_MS (60 * 1000)

struct ws_job;

struct push {
	bool websocket;
	struct service_env *env;
	struct jmap_account acct;
	char *address;
	unsigned mask;			/* the types asked for */
	bool enabled;			/* sends StateChanges (WS: after enable) */
	uint64_t known;			/* the modseq the client knows */
	struct store_watch *watch;
	uv_timer_t timer;		/* ES: ping; WS: idle */
	bool gone;			/* cleaned up, waiting for the timer's close */
	struct push *next, *prev;	/* P.list */
	/* EventSource */
	h2o_generator_t gen;
	h2o_req_t *req;			/* NULL once h2o disposed it */
	struct buf sending, pending;	/* h2o holds sending until proceed */
	bool in_flight, final, final_sent;
	bool close_after_state;
	uint64_t ping_ms;
	/* WebSocket */
	h2o_websocket_conn_t *ws;
	struct ws_job *jobs;		/* requests on the pool */
};

static struct {
	struct push *list;
} P;

/* ---- common ---- */

static void
on_timer_closed(uv_handle_t *h)
{
	struct push *p = h->data;

	buf_free(&p->sending);
	buf_free(&p->pending);
	free(p->address);
	free(p);
}

/* stop watching, leave the list, free once the timer has closed */
static void
push_cleanup(struct push *p)
{
	if (p->gone)
		return;
	p->gone = true;
	store_unwatch(&p->watch);
	jmap_http_inflight_done(p->acct.id, JMAP_INFLIGHT_PUSH);
	if (p->prev)
		p->prev->next = p->next;
	else
		P.list = p->next;
	if (p->next)
		p->next->prev = p->prev;
	uv_close((uv_handle_t *)&p->timer, on_timer_closed);
}

static struct push *
push_new(struct jmap_http *r, bool websocket)
{
	struct push *p = xcalloc(1, sizeof(*p));

	p->websocket = websocket;
	p->env = r->env;
	p->acct.id = r->account_id;
	p->address = xstrdup(r->address);
	p->acct.address = p->address;
	uv_timer_init(r->env->loop, &p->timer);
	p->timer.data = p;
	p->next = P.list;
	if (P.list)
		P.list->prev = p;
	P.list = p;
	return p;
}

/* the account's modseq now; 0 on a store error (then nothing is sent) */
static uint64_t
current_modseq(struct push *p)
{
	uint64_t m = 0;

	if (store_account_modseq(p->env->store, p->acct.id, &m) != 0)
		return 0;
	return m;
}

static void push_changed(struct push *p);

static void
on_account_changed(void *arg, int64_t id)
{
	(void)id;
	push_changed(arg);
}

/* ---- EventSource ---- */

static void
es_flush(struct push *p)
{
	h2o_iovec_t iov;

	if (p->req == NULL || p->in_flight || p->final_sent ||
	    (p->pending.len == 0 && !p->final))
		return;
	buf_reset(&p->sending);
	buf_append(&p->sending, p->pending.data, p->pending.len);
	buf_reset(&p->pending);
	iov = h2o_iovec_init(p->sending.data ? (char *)p->sending.data : "",
			     p->sending.len);
	p->in_flight = true;
	p->final_sent = p->final;
	h2o_send(p->req, &iov, 1, p->final ? H2O_SEND_STATE_FINAL :
					      H2O_SEND_STATE_IN_PROGRESS);
}

static void
es_event(struct push *p, const char *event, json_t *data)
{
	char *s = json_dumps(data, JSON_COMPACT);

	buf_printf(&p->pending, "event: %s\ndata: %s\n\n", event, s);
	free(s);
	json_decref(data);
	es_flush(p);
}

/* end the stream; cleanup follows when h2o disposes the request */
static void
es_finish(struct push *p)
{
	if (p->final)
		return;
	p->final = true;
	store_unwatch(&p->watch);
	uv_timer_stop(&p->timer);
	es_flush(p);
}

static void
es_proceed(h2o_generator_t *g, h2o_req_t *req)
{
	struct push *p = (struct push *)((char *)g - offsetof(struct push, gen));

	(void)req;
	p->in_flight = false;
	es_flush(p);
}

static void
es_stop(h2o_generator_t *g, h2o_req_t *req)
{
	(void)g;
	(void)req;
	/* the client went away: es_disposed follows */
}

static void
es_disposed(void *arg)
{
	struct push **holder = arg;
	struct push *p = *holder;

	p->req = NULL;
	push_cleanup(p);
}

/* without pings: a comment now and then, so that a client that went
 * away is noticed (a write fails) and frees its push connection */
static void
es_keepalive(uv_timer_t *t)
{
	struct push *p = t->data;

	buf_append_str(&p->pending, ":\n\n");
	es_flush(p);
}

static void
es_ping(uv_timer_t *t)
{
	struct push *p = t->data;

	es_event(p, "ping", json_pack("{s:I}", "interval",
				      (json_int_t)(p->ping_ms / 1000)));
}

static void
es_run(struct jmap_http *r)
{
	const struct tern_conf *conf = r->env->conf;
	char *types = http_query_param(r->req, "types");
	char *close = http_query_param(r->req, "closeafter");
	char *ping = http_query_param(r->req, "ping");
	unsigned long ping_s = 0;
	char *end = NULL;
	struct push *p, **holder;
	bool bad;

	if (ping != NULL && ping[0] >= '0' && ping[0] <= '9')
		ping_s = strtoul(ping, &end, 10);
	bad = (ping != NULL && (end == NULL || *end != '\0')) ||
	      (close != NULL && strcmp(close, "state") && strcmp(close, "no"));
	if (bad) {
		free(types);
		free(close);
		free(ping);
		jmap_http_problem(r, 400, "Bad Request", "about:blank", NULL,
				  "bad ping or closeafter");
		return;
	}
	if (!jmap_http_inflight_take(r->account_id, JMAP_INFLIGHT_PUSH,
				     conf->jmap.push_connections_per_account)) {
		free(types);
		free(close);
		free(ping);
		jmap_http_problem(r, 429, "Too Many Requests", "about:blank",
				  NULL, "too many push connections");
		return;
	}
	p = push_new(r, false);
	p->mask = jmap_push_types_parse(types);
	p->close_after_state = close != NULL && !strcmp(close, "state");
	/* RFC 8620 7.3: the server may raise a too short interval */
	if (ping_s > 0) {
		p->ping_ms = ping_s * 1000 < conf->jmap.push_ping_min_ms ?
			     conf->jmap.push_ping_min_ms : ping_s * 1000;
		if (p->ping_ms > 3600 * 1000)
			p->ping_ms = 3600 * 1000;
	}
	free(types);
	free(close);
	free(ping);
	p->req = r->req;
	p->enabled = true;
	p->known = current_modseq(p);
	holder = h2o_mem_alloc_shared(&r->req->pool, sizeof(*holder), es_disposed);
	*holder = p;
	p->gen.proceed = es_proceed;
	p->gen.stop = es_stop;
	r->req->res.status = 200;
	r->req->res.reason = "OK";
	h2o_add_header(&r->req->pool, &r->req->res.headers, H2O_TOKEN_CONTENT_TYPE,
		       NULL, H2O_STRLIT("text/event-stream"));
	h2o_start_response(r->req, &p->gen);
	/* the headers go now: the client knows the stream is open */
	buf_append_str(&p->pending, ": tern\n\n");
	es_flush(p);
	p->watch = store_watch_account_changes(r->env->store, r->account_id,
					       on_account_changed, p);
	if (p->ping_ms > 0)
		uv_timer_start(&p->timer, es_ping, p->ping_ms, p->ping_ms);
	else
		uv_timer_start(&p->timer, es_keepalive, KEEPALIVE_MS, KEEPALIVE_MS);
	log_info(0, "jmap eventsource account=%" PRId64 " types=%#x closeafter=%s ping=%" PRIu64,
		 r->account_id, p->mask, p->close_after_state ? "state" : "no",
		 p->ping_ms / 1000);
	jmap_http_free(r);
}

void
http_jmap_eventsource(h2o_req_t *req, struct service_env *env)
{
	struct jmap_http *r = jmap_http_new(req, env, es_run);

	if (r != NULL)
		jmap_http_authenticate(r);
}

/* ---- WebSocket ---- */

struct ws_job {
	struct work_gate_job job;
	struct push *p;			/* NULL once the socket went */
	struct service_env *env;
	struct jmap_account acct;
	char *address;
	char *msg;
	size_t len;
	struct buf out;
	enum jmap_ws_action act;
	unsigned mask;
	char *push_state;
	struct ws_job *next;
};

static void
ws_send(struct push *p, const void *data, size_t len)
{
	struct wslay_event_msg m = { WSLAY_TEXT_FRAME, data, len };

	if (p->ws == NULL)
		return;
	wslay_event_queue_msg(p->ws->ws_ctx, &m);
	/* before the 101 is out there is no socket: h2o sends what is
	 * queued once the upgrade completes */
	if (p->ws->sock != NULL)
		h2o_websocket_proceed(p->ws);
}

static void
ws_close(struct push *p)
{
	h2o_websocket_conn_t *ws = p->ws;

	p->ws = NULL;
	for (struct ws_job *j = p->jobs; j; j = j->next)
		j->p = NULL;
	p->jobs = NULL;
	push_cleanup(p);
	if (ws != NULL)
		h2o_websocket_close(ws);
}

static void
ws_idle(uv_timer_t *t)
{
	struct push *p = t->data;

	log_info(0, "jmap websocket idle account=%" PRId64, p->acct.id);
	ws_close(p);
}

static void
ws_job_work(uv_work_t *w)
{
	struct ws_job *j = w->data;

	j->act = jmap_ws_message(j->env, &j->acct, j->msg, j->len, &j->out,
				 &j->mask, &j->push_state);
}

static void
ws_job_after(uv_work_t *w, int status)
{
	struct ws_job *j = w->data;
	struct push *p = j->p;

	(void)status;
	jmap_http_inflight_done(j->acct.id, JMAP_INFLIGHT_API);
	if (p != NULL) {
		for (struct ws_job **pp = &p->jobs; *pp; pp = &(*pp)->next)
			if (*pp == j) {
				*pp = j->next;
				break;
			}
		if (j->act == JMAP_WS_REPLY) {
			ws_send(p, j->out.data, j->out.len);
		} else if (j->act == JMAP_WS_PUSH_ENABLE) {
			char *end = NULL;

			p->enabled = true;
			p->mask = j->mask;
			p->known = current_modseq(p);
			/* a pushState from an earlier connection: what
			 * changed since is sent at once */
			if (j->push_state != NULL) {
				unsigned long long v = strtoull(j->push_state, &end, 10);

				if (end != j->push_state && *end == '\0')
					p->known = v;
			}
			push_changed(p);
		} else {
			p->enabled = false;
		}
	}
	free(j->push_state);
	free(j->msg);
	free(j->address);
	buf_free(&j->out);
	free(j);
}

static void
ws_request_error(struct push *p, const char *limit, const char *detail)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "{\"@type\":\"RequestError\",\"type\":\"urn:ietf:params:jmap:error:limit\",\"status\":400,\"limit\":\"%s\",\"detail\":\"%s\"}",
		   limit, detail);
	ws_send(p, b.data, b.len);
	buf_free(&b);
}

static void
on_ws_msg(h2o_websocket_conn_t *conn, const struct wslay_event_on_msg_recv_arg *arg)
{
	struct push *p = conn->data;
	const struct tern_conf *conf = p->env->conf;
	struct ws_job *j;

	if (arg == NULL) {
		ws_close(p);
		return;
	}
	uv_timer_start(&p->timer, ws_idle, conf->jmap.push_idle_timeout_ms, 0);
	if (wslay_is_ctrl_frame(arg->opcode))
		return;
	if (arg->opcode != WSLAY_TEXT_FRAME) {
		ws_request_error(p, "notJSON", "binary messages are not JMAP");
		return;
	}
	if (!jmap_http_inflight_take(p->acct.id, JMAP_INFLIGHT_API,
				     conf->jmap.max_concurrent_requests)) {
		ws_request_error(p, "maxConcurrentRequests",
				 "too many requests in progress");
		return;
	}
	j = xcalloc(1, sizeof(*j));
	j->p = p;
	j->env = p->env;
	j->address = xstrdup(p->address);
	j->acct.id = p->acct.id;
	j->acct.address = j->address;
	j->msg = xmalloc(arg->msg_length + 1);
	memcpy(j->msg, arg->msg, arg->msg_length);
	j->len = arg->msg_length;
	j->job.work.data = j;
	j->next = p->jobs;
	p->jobs = j;
	if (work_gate_queue(p->env->work_gate, p->env->loop, &j->job, p->acct.id,
			    NULL, ws_job_work, ws_job_after) != 0) {
		p->jobs = j->next;
		jmap_http_inflight_done(p->acct.id, JMAP_INFLIGHT_API);
		free(j->msg);
		free(j->address);
		free(j);
		ws_request_error(p, "serverFail", "try again later");
	}
}

/* does the client offer the "jmap" subprotocol (RFC 8887 3)? */
static bool
offers_jmap(h2o_req_t *req)
{
	ssize_t i = -1;

	while ((i = h2o_find_header_by_str(&req->headers,
					   H2O_STRLIT("sec-websocket-protocol"),
					   i)) >= 0) {
		h2o_iovec_t v = req->headers.entries[i].value;
		size_t k = 0;

		while (k < v.len) {
			size_t s, e;

			while (k < v.len && (v.base[k] == ' ' || v.base[k] == ','))
				k++;
			s = k;
			while (k < v.len && v.base[k] != ',' && v.base[k] != ' ')
				k++;
			e = k;
			if (e - s == 4 && !memcmp(v.base + s, "jmap", 4))
				return true;
		}
	}
	return false;
}

static void
ws_run(struct jmap_http *r)
{
	const struct tern_conf *conf = r->env->conf;
	const char *key = NULL;
	struct push *p;

	/* h2o upgrades HTTP/1.1 only (RFC 8441 over HTTP/2 it has not) */
	if (r->req->version >= 0x200 ||
	    h2o_is_websocket_handshake(r->req, &key) != 0 || key == NULL ||
	    !offers_jmap(r->req)) {
		jmap_http_problem(r, 400, "Bad Request", "about:blank", NULL,
				  "a WebSocket upgrade with the jmap subprotocol is required");
		return;
	}
	if (!jmap_http_inflight_take(r->account_id, JMAP_INFLIGHT_PUSH,
				     conf->jmap.push_connections_per_account)) {
		jmap_http_problem(r, 429, "Too Many Requests", "about:blank",
				  NULL, "too many push connections");
		return;
	}
	p = push_new(r, true);
	h2o_add_header_by_str(&r->req->pool, &r->req->res.headers,
			      H2O_STRLIT("sec-websocket-protocol"), 0, NULL,
			      H2O_STRLIT("jmap"));
	p->ws = h2o_upgrade_to_websocket(r->req, key, p, on_ws_msg);
	/* wslay's own bound is 2 GB: a message is a request */
	wslay_event_config_set_max_recv_msg_length(p->ws->ws_ctx,
						   conf->jmap.max_size_request);
	uv_timer_start(&p->timer, ws_idle, conf->jmap.push_idle_timeout_ms, 0);
	p->watch = store_watch_account_changes(r->env->store, r->account_id,
					       on_account_changed, p);
	log_info(0, "jmap websocket account=%" PRId64, r->account_id);
	/* the request is h2o's now (the upgrade); r lets go of it */
	jmap_http_free(r);
}

void
http_jmap_websocket(h2o_req_t *req, struct service_env *env)
{
	struct jmap_http *r = jmap_http_new(req, env, ws_run);

	if (r != NULL)
		jmap_http_authenticate(r);
}

/* ---- both ---- */

static void
push_changed(struct push *p)
{
	uint64_t now;
	json_t *sc;

	if (p->gone || !p->enabled || (!p->websocket && p->final))
		return;
	now = current_modseq(p);
	if (now == 0 || now <= p->known || p->mask == 0) {
		if (now != 0 && now < p->known && p->websocket)
			p->known = now;		/* a pushState from the future */
		return;
	}
	p->known = now;
	sc = jmap_push_state_change(p->acct.id, now, p->mask);
	if (p->websocket) {
		char *s, state[32];

		snprintf(state, sizeof(state), "%" PRIu64, now);
		json_object_set_new(sc, "pushState", json_string(state));
		s = json_dumps(sc, JSON_COMPACT);
		ws_send(p, s, strlen(s));
		free(s);
		json_decref(sc);
		return;
	}
	es_event(p, "state", sc);
	if (p->close_after_state)
		es_finish(p);
}

void
http_jmap_push_stop(void)
{
	struct push *p = P.list, *next;

	for (; p; p = next) {
		next = p->next;
		if (p->websocket)
			ws_close(p);
		else
			es_finish(p);
	}
}
