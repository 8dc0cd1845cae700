/* managesieve-session.c - one ManageSieve connection: greeting, lines
 * and literals into the parser, waiting and resuming, responses,
 * timeouts, shutdown, teardown; the "sieve" service */
#include "managesieve/managesieve-private.h"

#include <stdlib.h>
#include <string.h>

#include "auth/sasl.h"
#include "lib/log.h"

/* a SASL response line: base64 of SASL_MAX_INPUT bytes, quotes, slack */
#define MS_SASL_MAX_LINE (4 * ((SASL_MAX_INPUT + 2) / 3) + 16)

void
ms_session_ref(struct ms_session *s)
{
	s->refs++;
}

void
ms_session_unref(struct ms_session *s)
{
	if (--s->refs > 0)
		return;
	ms_auth_cleanup(s);
	ms_parser_free(&s->parser);
	free(s->address);
	free(s->op_warnings);
	free(s);
}

void
ms_write(struct ms_session *s, const char *text)
{
	if (!s->conn_gone)
		conn_write_str(s->conn, text);
}

/* RFC 5804 4: quoted strings hold no CR, LF or NUL and at most 1024
 * octets; anything else goes as a literal {n} */
void
ms_write_string(struct ms_session *s, const char *p, size_t len)
{
	bool quoted = len <= MS_MAX_QUOTED;
	struct buf b = BUF_INIT;

	if (s->conn_gone)
		return;
	for (size_t i = 0; i < len && quoted; i++)
		quoted = p[i] != '\r' && p[i] != '\n' && p[i] != '\0';
	if (quoted) {
		buf_append_byte(&b, '"');
		for (size_t i = 0; i < len; i++) {
			if (p[i] == '"' || p[i] == '\\')
				buf_append_byte(&b, '\\');
			buf_append_byte(&b, (unsigned char)p[i]);
		}
		buf_append_byte(&b, '"');
	} else {
		buf_printf(&b, "{%zu}\r\n", len);
		buf_append(&b, p, len);
	}
	conn_write(s->conn, b.data, b.len);
	buf_free(&b);
}

void
ms_reply(struct ms_session *s, const char *status, const char *code,
	 const char *text)
{
	if (s->conn_gone)
		return;
	conn_write_str(s->conn, status);
	if (code != NULL) {
		conn_write_str(s->conn, " (");
		conn_write_str(s->conn, code);
		conn_write_str(s->conn, ")");
	}
	if (text != NULL) {
		conn_write_str(s->conn, " ");
		ms_write_string(s, text, strlen(text));
	}
	conn_write_str(s->conn, "\r\n");
	if (s->wait != MS_WAIT_NONE)	/* a completion: send it now */
		conn_flush(s->conn);
}

void
ms_close(struct ms_session *s, const char *reason)
{
	if (!s->conn_gone)
		conn_close(s->conn, reason);
}

bool
ms_plaintext_ok(const struct ms_session *s)
{
	return conn_tls_started(s->conn) || conn_peer_is_loopback(s->conn) ||
	       s->env->conf->server.allow_plaintext_auth;
}

bool
ms_starttls_ok(const struct ms_session *s)
{
	return s->state == MS_NONAUTH && !conn_tls_started(s->conn) &&
	       conn_listener(s->conn)->tls == TLS_MODE_STARTTLS &&
	       conn_tls_available(s->conn);
}

void
ms_session_done_waiting(struct ms_session *s)
{
	s->wait = MS_WAIT_NONE;
	if (s->conn_gone || conn_is_closing(s->conn))
		return;
	if (s->shutdown && s->sasl == NULL) {
		ms_reply(s, "BYE", "TRYLATER", "Server shutting down");
		ms_close(s, "shutdown");
		return;
	}
	conn_resume(s->conn);
}

/* a literal announced: keep it, drop it (too big after login: the
 * command answers NO), or refuse it before login */
static void
ms_session_literal(struct ms_session *s, uint64_t n)
{
	const struct tern_conf *conf = s->env->conf;
	uint64_t max = s->state == MS_AUTH ? conf->sieve.max_script_size :
		       conf->managesieve.max_literal_preauth;

	if (n <= max)
		return;
	if (s->state != MS_AUTH) {	/* even in a refused command */
		log_info(s->id, "managesieve literal too big size=%llu",
			 (unsigned long long)n);
		ms_reply(s, "BYE", NULL, "Literal too big before login");
		ms_close(s, "literal");
		return;
	}
	if (s->parser.error == NULL)
		ms_parse_literal_skip(&s->parser);
}

/* a whole command or SASL response is in the parser */
static void
ms_session_dispatch(struct ms_session *s)
{
	if (s->sasl_waiting) {
		const char *b64 = s->parser.error ? NULL :
				  ms_arg_cstr(&s->parser.cmd, 0);

		ms_auth_response(s, b64);
	} else {
		ms_commands_run(s);
	}
	ms_parser_reset(&s->parser, s->sasl_waiting);
}

static void
ms_session_on_input(struct conn *c, void *ctx)
{
	struct ms_session *s = ctx;

	ms_session_ref(s);
	while (s->wait == MS_WAIT_NONE && !s->conn_gone &&
	       !conn_is_closing(c)) {
		size_t max = s->sasl_waiting ? MS_SASL_MAX_LINE :
			     (size_t)s->env->conf->managesieve.max_line;
		enum conn_line_result r;
		struct slice line;
		uint64_t lit;

		if (s->parser.want > 0) {
			struct slice in = conn_input(c);

			if (in.len == 0)
				break;
			conn_consume(c, ms_parse_literal(&s->parser, in.p,
							 in.len));
			continue;
		}
		r = conn_read_line(c, max, &line, NULL);
		if (r == CONN_LINE_NONE)
			break;
		if (r == CONN_LINE_TOO_LONG) {
			/* what follows could be a literal's bytes: no way
			 * to resynchronise */
			log_info(s->id, "managesieve line too long");
			ms_reply(s, "BYE", NULL, "Line too long");
			ms_close(s, "line-too-long");
			break;
		}
		if (ms_parse_line(&s->parser, line.p, line.len, &lit) ==
		    MS_PARSE_LITERAL) {
			ms_session_literal(s, lit);
			continue;
		}
		ms_session_dispatch(s);
	}
	if (!s->conn_gone && s->wait != MS_WAIT_NONE)
		conn_pause(c);
	ms_session_unref(s);
}

static void
ms_session_on_close(struct conn *c, void *ctx, const char *reason)
{
	struct ms_session *s = ctx;

	log_info(s->id, "managesieve disconnect reason=%s state=%s put=%u "
		 "get=%u delete=%u", reason,
		 s->state == MS_AUTH ? "auth" : "nonauth", s->n_put, s->n_get,
		 s->n_delete);
	s->conn_gone = true;
	s->conn = NULL;
	ms_auth_cleanup(s);
	ms_session_unref(s);
}

static void
ms_session_on_timeout(struct conn *c, void *ctx)
{
	struct ms_session *s = ctx;

	if (s->wait != MS_WAIT_NONE) {
		/* the client waits for us: it is not idle */
		conn_set_timeout(c, s->env->conf->managesieve.timeout_ms);
		return;
	}
	ms_reply(s, "BYE", NULL, "Idle for too long");
	ms_close(s, "timeout");
}

static void
ms_session_on_shutdown(struct conn *c, void *ctx)
{
	struct ms_session *s = ctx;

	if (s->wait == MS_WAIT_NONE) {
		ms_reply(s, "BYE", "TRYLATER", "Server shutting down");
		ms_close(s, "shutdown");
	} else {
		s->shutdown = true;
	}
}

const struct conn_ops ms_session_ops = {
	.on_input = ms_session_on_input,
	.on_close = ms_session_on_close,
	.on_timeout = ms_session_on_timeout,
	.on_shutdown = ms_session_on_shutdown,
};

/* RFC 5804 1.7: the greeting is the capability list and an OK */
void *
ms_session_accept(struct conn *c, struct service_env *env)
{
	struct ms_session *s = xcalloc(1, sizeof(*s));

	s->conn = c;
	s->env = env;
	s->id = conn_id(c);
	s->refs = 1;
	s->state = MS_NONAUTH;
	ms_parser_init(&s->parser);
	conn_set_timeout(c, env->conf->managesieve.timeout_ms);
	if (env->shutting_down) {
		ms_reply(s, "BYE", "TRYLATER", "Server shutting down");
		conn_close(c, "shutdown");
		return s;
	}
	ms_write_capabilities(s);
	ms_reply(s, "OK", NULL, "tern ManageSieve ready");
	return s;
}

const struct service managesieve_service = {
	.proto = "sieve",
	.default_tls = TLS_MODE_STARTTLS,
	.accept = ms_session_accept,
	.ops = &ms_session_ops,
	.busy_reply = "BYE (TRYLATER) \"Too many connections\"\r\n",
};
