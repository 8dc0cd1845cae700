/* imap-session.c - one IMAP connection: greeting, feeding the parser,
 * literals, dispatch, waiting and resuming, timeouts, teardown */
#include "imap/imap-private.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/sasl.h"
#include "lib/log.h"
#include "store/store.h"

/* a SASL response line: base64 of SASL_MAX_INPUT bytes, CRLF, slack */
#define IMAP_SASL_MAX_LINE (4 * ((SASL_MAX_INPUT + 2) / 3) + 16)
/* bad commands in a row before the connection is closed */
#define IMAP_MAX_BAD 20

void
imap_session_ref(struct imap_session *s)
{
	s->refs++;
}

static void
imap_session_free(struct imap_session *s)
{
	imap_cmd_free(&s->cmd);
	imap_auth_cleanup(s);
	imap_append_cleanup(s);
	imap_view_close(s);
	imap_notify_free(s);
	imap_parser_destroy(&s->parser);
	free(s->user);
	free(s->saved);
	free(s);
}

void
imap_session_unref(struct imap_session *s)
{
	if (--s->refs == 0)
		imap_session_free(s);
}

void
imap_write(struct imap_session *s, const void *data, size_t len)
{
	if (!s->conn_gone)
		conn_write(s->conn, data, len);
}

void
imap_printf(struct imap_session *s, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (s->conn_gone)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	conn_write(s->conn, b.data, b.len);
	buf_free(&b);
}

void
imap_session_close(struct imap_session *s, const char *reason)
{
	if (!s->conn_gone)
		conn_close(s->conn, reason);
}

void
imap_session_count_bad(struct imap_session *s)
{
	if (++s->bad_count < IMAP_MAX_BAD)
		return;
	imap_printf(s, "* BYE Too many invalid commands\r\n");
	imap_session_close(s, "bad-commands");
}

int
imap_session_queue_work(struct imap_session *s, struct work_gate_job *job,
			uv_work_cb work, uv_after_work_cb after)
{
	return work_gate_queue(s->env->work_gate, s->env->loop, job,
			       s->account_id, &s->gate_owner, work, after);
}

bool
imap_session_plaintext_ok(const struct imap_session *s)
{
	return conn_is_tls(s->conn) || conn_peer_is_loopback(s->conn) ||
	       s->env->conf->server.allow_plaintext_auth;
}

static void
imap_session_set_limits(struct imap_session *s)
{
	const struct tern_conf *conf = s->env->conf;
	bool authed = s->state != IMAP_NOTAUTH;
	struct imap_parser_limits lim = {
		.max_line = authed ? conf->imap.max_line :
			    conf->imap.max_line_preauth,
		.max_literal = authed ? conf->imap.max_line :
			       conf->imap.max_literal_preauth,
		.max_args = conf->imap.max_args,
		.max_depth = (unsigned)conf->imap.max_depth,
	};

	/* a SASL-IR initial response must fit before login */
	if (!authed && lim.max_line < IMAP_SASL_MAX_LINE + 64)
		lim.max_line = IMAP_SASL_MAX_LINE + 64;
	if (!authed && lim.max_args > 64)
		lim.max_args = 64;
	imap_parser_set_limits(s->parser, &lim);
}

void
imap_session_login(struct imap_session *s, int64_t account_id,
		   const char *address)
{
	s->state = IMAP_AUTH;
	s->account_id = account_id;
	free(s->user);
	s->user = xstrdup(address);
	imap_session_set_limits(s);
	conn_set_timeout(s->conn, s->env->conf->imap.timeout_ms);
	log_info(s->id, "imap login user=%s", address);
}

void
imap_session_unlogin(struct imap_session *s)
{
	log_info(s->id, "imap unauthenticate user=%s", s->user);
	s->state = IMAP_NOTAUTH;
	imap_notify_free(s);	/* the old account's events stop here */
	s->account_id = 0;
	free(s->user);
	s->user = NULL;
	s->utf8 = s->condstore = s->qresync = s->rev2 = false;
	imap_session_set_limits(s);
	conn_set_timeout(s->conn, s->env->conf->imap.timeout_preauth_ms);
}

/* The capabilities of the session's state. Only what is complete. */
void
imap_session_capability(struct imap_session *s, struct buf *out)
{
	buf_append_str(out, "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID ENABLE IDLE "
		       "NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN");
	if (s->state == IMAP_NOTAUTH) {
		if (!conn_is_tls(s->conn) && conn_tls_available(s->conn) &&
		    conn_listener(s->conn)->tls == TLS_MODE_STARTTLS)
			buf_append_str(out, " STARTTLS");
		if (!imap_session_plaintext_ok(s)) {
			/* no password mechanism either (sasl.h) */
			buf_append_str(out, " LOGINDISABLED");
			return;
		}
		const char *p = sasl_mechanisms();

		while (*p) {
			const char *e = strchr(p, ' ');
			size_t n = e ? (size_t)(e - p) : strlen(p);

			buf_printf(out, " AUTH=%.*s", (int)n, p);
			p += n;
			while (*p == ' ')
				p++;
		}
		return;
	}
	buf_printf(out, " SPECIAL-USE CREATE-SPECIAL-USE STATUS=SIZE ESEARCH "
		   "SEARCHRES CONDSTORE QRESYNC BINARY LIST-EXTENDED LIST-STATUS "
		   "ESORT CONTEXT=SEARCH CONTEXT=SORT PARTIAL INPROGRESS "
		   "UTF8=ACCEPT QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE "
		   "SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES "
		   "MULTIAPPEND CATENATE REPLACE "
		   "COMPRESS=DEFLATE UNAUTHENTICATE METADATA METADATA-SERVER NOTIFY "
		   "OBJECTID PREVIEW SAVEDATE UIDONLY URLAUTH WITHIN "
		   "APPENDLIMIT=%llu",
		   (unsigned long long)s->env->conf->imap.max_literal);
	/* RFC 4314: k, x, t, e are rights of their own (imap-acl.c) */
	buf_append_str(out, " ACL RIGHTS=texk");
}

/* --- input --- */

static void
imap_session_bad(struct imap_session *s, const char *code, const char *text)
{
	const char *tag = imap_parser_tag(s->parser);

	imap_printf(s, "%s BAD %s%s%s%s\r\n", tag ? tag : "*",
		    code ? "[" : "", code ? code : "", code ? "] " : "", text);
	s->replied = true;
	imap_session_count_bad(s);
}

/* a literal header was read: accept it, refuse it, or hand it to APPEND */
static void
imap_session_literal(struct imap_session *s)
{
	struct imap_parser *p = s->parser;
	const char *name = imap_parser_name(p);
	uint64_t size = imap_parser_literal_size(p);
	bool sync = imap_parser_literal_sync(p);
	uint64_t limit = s->state == IMAP_NOTAUTH ?
		s->env->conf->imap.max_literal_preauth :
		s->env->conf->imap.max_line;

	if (imap_append_wants(s)) {
		/* a message, a CATENATE part or RFC 6855's UTF8 (~{n}) */
		imap_append_literal(s);
		return;
	}
	if (name != NULL && strcasecmp(name, "SETMETADATA") == 0 &&
	    s->state != IMAP_NOTAUTH && imap_parser_literal_depth(p) == 1 &&
	    imap_parser_arg_count(p) == 2) {
		const struct imap_arg *a = imap_parser_partial_args(p);
		uint64_t max = s->env->conf->store.metadata_max_value;

		/* RFC 5464 4.3: a value (odd place in the list) over the
		 * limit gets NO [METADATA MAXSIZE n], before it is read */
		if (a[1].type == IMAP_ARG_LIST && a[1].len % 2 == 1 &&
		    max != 0 && size > max) {
			const char *tag = imap_parser_tag(p);

			imap_parser_fail(p, NULL, "Value too big");
			imap_printf(s, "%s NO [METADATA MAXSIZE %llu] Value too "
				    "big\r\n", tag ? tag : "*",
				    (unsigned long long)max);
			s->replied = true;
			log_info(s->id, "imap setmetadata refused "
				 "reason=maxsize size=%llu",
				 (unsigned long long)size);
			return;
		}
	}
	if (size > limit) {
		imap_parser_fail(p, "TOOBIG", "Literal too big");
		imap_session_bad(s, "TOOBIG", "Literal too big");
		return;
	}
	if (!imap_parser_literal_accept(p)) {
		imap_session_bad(s, imap_parser_error_code(p),
				 imap_parser_error(p));
		return;
	}
	if (sync)
		imap_printf(s, "+ Ready for literal data\r\n");
}

/* feed the parser; false when it needs more input or a command waits */
static bool
imap_session_parse(struct imap_session *s)
{
	struct slice in = conn_input(s->conn);
	size_t used = 0;
	enum imap_parse_result r;

	r = imap_parser_feed(s->parser, in.p, in.len, &used);
	conn_consume(s->conn, used);
	switch (r) {
	case IMAP_PARSE_NEED_MORE:
		return false;
	case IMAP_PARSE_LITERAL:
		imap_session_literal(s);
		return true;
	case IMAP_PARSE_ERROR:
		imap_session_bad(s, imap_parser_error_code(s->parser),
				 imap_parser_error(s->parser));
		return true;
	case IMAP_PARSE_DONE:
		break;
	}
	if (imap_parser_failed(s->parser)) {
		if (!s->replied)
			imap_session_bad(s, imap_parser_error_code(s->parser),
					 imap_parser_error(s->parser));
		imap_parser_reset(s->parser);
		s->replied = false;
		return true;
	}
	imap_command_run(s);
	return s->wait == IMAP_WAIT_NONE;
}

static void
imap_session_on_input(struct conn *c, void *ctx)
{
	struct imap_session *s = ctx;

	imap_session_ref(s);
	while (!s->conn_gone && !conn_is_closing(c)) {
		enum conn_line_result r;
		struct slice line;

		if (s->notify_fetching) {
			/* its FETCH goes out first (cmd-notify.c) */
			conn_pause(c);
			break;
		}

		if (s->wait == IMAP_WAIT_NONE) {
			if (!imap_session_parse(s))
				break;
			continue;
		}
		if (s->wait == IMAP_WAIT_LITERAL) {
			if (conn_input(c).len == 0)
				break;
			imap_append_input(s);
			continue;
		}
		if (s->wait != IMAP_WAIT_SASL && s->wait != IMAP_WAIT_IDLE)
			break;
		r = conn_read_line(c, IMAP_SASL_MAX_LINE, &line, NULL);
		if (r == CONN_LINE_NONE)
			break;
		if (r == CONN_LINE_TOO_LONG)
			line = (struct slice){ NULL, 0 };
		if (s->wait == IMAP_WAIT_SASL)
			imap_auth_sasl_line(s, r == CONN_LINE_TOO_LONG ?
					    SLICE("*") : line);
		else
			imap_idle_line(s, line);
	}
	if (!s->conn_gone && s->wait == IMAP_WAIT_CMD)
		conn_pause(c);
	imap_session_unref(s);
}

static void
imap_session_on_close(struct conn *c, void *ctx, const char *reason)
{
	struct imap_session *s = ctx;

	log_info(s->id, "imap disconnect reason=%s user=%s", reason,
		 s->user ? s->user : "-");
	s->conn_gone = true;
	s->conn = NULL;
	/* no watcher call may reach a closed session */
	if (s->view.watch != NULL)
		store_unwatch(&s->view.watch);
	imap_notify_free(s);
	imap_auth_cleanup(s);
	imap_session_unref(s);
}

static void
imap_session_on_timeout(struct conn *c, void *ctx)
{
	struct imap_session *s = ctx;

	imap_printf(s, "* BYE Autologout; idle for too long\r\n");
	imap_session_close(s, "timeout");
}

static void
imap_session_on_drain(struct conn *c, void *ctx)
{
	struct imap_session *s = ctx;

	if (s->drain_wait && s->cmd != NULL) {
		s->drain_wait = false;
		imap_cmd_yield(s->cmd);
	}
}

static void
imap_session_on_shutdown(struct conn *c, void *ctx)
{
	struct imap_session *s = ctx;

	if (s->wait == IMAP_WAIT_NONE || s->wait == IMAP_WAIT_IDLE ||
	    s->wait == IMAP_WAIT_SASL) {
		imap_printf(s, "* BYE Server shutting down\r\n");
		imap_session_close(s, "shutdown");
	} else {
		s->shutdown = true;
	}
}

const struct conn_ops imap_session_ops = {
	.on_input = imap_session_on_input,
	.on_close = imap_session_on_close,
	.on_timeout = imap_session_on_timeout,
	.on_drain = imap_session_on_drain,
	.on_shutdown = imap_session_on_shutdown,
};

void *
imap_session_accept(struct conn *c, struct service_env *env)
{
	struct imap_session *s = xcalloc(1, sizeof(*s));
	struct imap_parser_limits lim = { 0 };
	struct buf b = BUF_INIT;

	s->conn = c;
	s->env = env;
	s->id = conn_id(c);
	s->refs = 1;
	s->state = IMAP_NOTAUTH;
	s->parser = imap_parser_create(&lim);
	imap_session_set_limits(s);
	conn_set_timeout(c, env->conf->imap.timeout_preauth_ms);
	/* implicit TLS: the handshake runs, the greeting waits for it */
	log_info(s->id, "imap connect ip=%s tls=%s", conn_peer_ip(c),
		 conn_tls_started(c) ? "yes" : "no");
	if (env->shutting_down) {
		imap_printf(s, "* BYE Server shutting down\r\n");
		conn_close(c, "shutdown");
		return s;
	}
	buf_append_str(&b, "* OK [CAPABILITY ");
	imap_session_capability(s, &b);
	buf_printf(&b, "] %s IMAP server ready\r\n", env->conf->hostname);
	imap_write(s, b.data, b.len);
	buf_free(&b);
	return s;
}
