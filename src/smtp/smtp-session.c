/* smtp-session.c - session lifetime, input loop and command dispatch
 * (contract in smtp-session.h) */
#include "smtp/smtp-session.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "smtp/smtp-milter.h"
#include "smtp/smtp-reply.h"

typedef bool smtp_cmd_fn(struct smtp_session *s, struct slice args);

static smtp_cmd_fn *const smtp_session_handlers[SMTP_CMD_COUNT] = {
	[SMTP_CMD_HELO] = smtp_cmd_helo,
	[SMTP_CMD_EHLO] = smtp_cmd_ehlo,
	[SMTP_CMD_MAIL] = smtp_cmd_mail,
	[SMTP_CMD_RCPT] = smtp_cmd_rcpt,
	[SMTP_CMD_DATA] = smtp_cmd_data,
	[SMTP_CMD_BDAT] = smtp_cmd_bdat,
	[SMTP_CMD_RSET] = smtp_cmd_rset,
	[SMTP_CMD_NOOP] = smtp_cmd_noop,
	[SMTP_CMD_QUIT] = smtp_cmd_quit,
	[SMTP_CMD_HELP] = smtp_cmd_help,
	[SMTP_CMD_VRFY] = smtp_cmd_vrfy,
	[SMTP_CMD_EXPN] = smtp_cmd_expn,
	[SMTP_CMD_STARTTLS] = smtp_cmd_starttls,
	[SMTP_CMD_AUTH] = smtp_cmd_auth,
};

const struct tern_conf *
smtp_session_conf(const struct smtp_session *s)
{
	return s->env->conf;
}

void
smtp_session_reply(struct smtp_session *s, int code, const char *enh,
		   const char *fmt, ...)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	smtp_reply_lines(&out, code, enh, buf_cstr(&text));
	conn_write(s->conn, out.data, out.len);
	buf_free(&text);
	buf_free(&out);
}

void
smtp_session_status(struct smtp_session *s, const struct smtp_status *st)
{
	struct buf out = BUF_INIT;

	smtp_reply_status(&out, st);
	conn_write(s->conn, out.data, out.len);
	buf_free(&out);
}

void
smtp_session_close(struct smtp_session *s, const char *enh, const char *text,
		   const char *reason)
{
	if (s->state == SMTP_S_QUIT)
		return;
	smtp_session_reply(s, 421, enh, "%s %s", smtp_session_conf(s)->hostname,
			   text);
	s->state = SMTP_S_QUIT;
	conn_close(s->conn, reason);
}

void
smtp_session_timeout(struct smtp_session *s)
{
	const struct tern_conf *conf = smtp_session_conf(s);

	switch (s->state) {
	case SMTP_S_PREGREET:
		conn_set_timeout(s->conn, conf->smtp.greeting_delay_ms);
		break;
	case SMTP_S_DATA:
	case SMTP_S_BDAT:
		conn_set_timeout(s->conn, conf->smtp.timeout_data_ms);
		break;
	case SMTP_S_CHECK:
	case SMTP_S_DELIVER:
	case SMTP_S_QUIT:
		conn_set_timeout(s->conn, 0);
		break;
	case SMTP_S_CONNECTED:
		/* RFC 5321 4.5.3.2.1 covers the client; the server side uses
		 * the greeting timeout until the first command */
		conn_set_timeout(s->conn, conf->smtp.timeout_greeting_ms);
		break;
	default:
		conn_set_timeout(s->conn, conf->smtp.timeout_command_ms);
		break;
	}
}

static void
smtp_session_greet(struct smtp_session *s)
{
	conn_printf(s->conn, "220 %s ESMTP tern\r\n",
		    smtp_session_conf(s)->hostname);
	s->state = SMTP_S_CONNECTED;
	smtp_session_timeout(s);
}

struct smtp_session *
smtp_session_create(struct conn *c, struct service_env *env,
		    const struct smtp_policy *policy)
{
	struct smtp_session *s = xcalloc(1, sizeof(*s));

	s->conn = c;
	s->env = env;
	s->policy = policy;
	s->id = conn_id(c);
	if (env->shutting_down) {
		conn_printf(c, "421 4.3.2 %s Service shutting down\r\n",
			    env->conf->hostname);
		s->state = SMTP_S_QUIT;
		conn_close(c, "shutdown");
		return s;
	}
	if (!smtp_milter_start(s))
		smtp_session_begin(s);
	return s;
}

void
smtp_session_begin(struct smtp_session *s)
{
	if (smtp_session_conf(s)->smtp.greeting_delay_ms > 0) {
		s->state = SMTP_S_PREGREET;
		smtp_session_timeout(s);
	} else {
		smtp_session_greet(s);
	}
}

void
smtp_session_set_auth(struct smtp_session *s, int64_t account_id,
		      const char *address)
{
	free(s->auth_address);
	s->auth_account_id = account_id;
	s->auth_address = address ? xstrdup(address) : NULL;
}

void
smtp_session_reset(struct smtp_session *s)
{
	smtp_milter_txn_end(s);
	smtp_txn_clear(&s->txn);
	if (s->state != SMTP_S_QUIT)
		s->state = s->helo[0] ? SMTP_S_HELO : SMTP_S_CONNECTED;
}

static bool
smtp_session_dispatch(struct smtp_session *s, struct slice line)
{
	struct smtp_cmd cmd;
	const struct smtp_verb *v;

	if (s->conn)
		conn_metrics(s->conn)->commands++;
	if (!smtp_cmd_parse(line, &cmd)) {
		smtp_session_reply(s, 500, "5.5.2", "Invalid characters in command");
		return false;
	}
	v = cmd.verb;
	if (v == NULL) {
		smtp_session_reply(s, 500, "5.5.1", "Command unrecognized");
		return false;
	}
	if ((v->flags & SMTP_CF_ARGS) && cmd.args.len == 0) {
		smtp_session_reply(s, 501, "5.5.4", "Syntax: %s needs an argument",
				   v->name);
		return false;
	}
	if ((v->flags & SMTP_CF_NOARGS) && cmd.args.len != 0) {
		smtp_session_reply(s, 501, "5.5.4", "Syntax: %s takes no argument",
				   v->name);
		return false;
	}
	if ((v->flags & SMTP_CF_NEED_HELO) && s->state < SMTP_S_HELO) {
		smtp_session_reply(s, 503, "5.5.1", "Send EHLO or HELO first");
		return false;
	}
	if ((v->flags & SMTP_CF_ESMTP) && !s->esmtp) {
		smtp_session_reply(s, 503, "5.5.1", "%s needs EHLO first", v->name);
		return false;
	}
	if ((v->flags & SMTP_CF_JUNK) && ++s->junk > SMTP_JUNK_LIMIT) {
		smtp_session_close(s, "4.7.0", "Too many commands without mail",
				   "junk");
		return true;
	}
	return smtp_session_handlers[v->id](s, cmd.args);
}

static void
smtp_session_line(struct smtp_session *s, struct slice line, bool bare_lf)
{
	bool ok;

	if (bare_lf && s->line_hook) {
		ok = s->line_hook(s, (struct slice){ NULL, 0 });
	} else if (bare_lf) {
		/* a command line must end in CRLF (RFC 5321 2.3.8) */
		smtp_session_reply(s, 500, "5.5.2",
				   "Bare LF in command: use CRLF line endings");
		ok = false;
	} else if (s->line_hook) {
		ok = s->line_hook(s, line);
	} else {
		ok = smtp_session_dispatch(s, line);
	}
	if (!ok && ++s->errors >= smtp_session_conf(s)->smtp.max_errors &&
	    s->state != SMTP_S_QUIT)
		smtp_session_close(s, "4.7.0", "Too many errors, closing",
				   "errors");
}

void
smtp_session_input(struct smtp_session *s)
{
	const struct tern_conf *conf = smtp_session_conf(s);

	while (!s->suspended && !conn_is_closing(s->conn)) {
		struct slice line;
		bool bare_lf = false;

		switch (s->state) {
		case SMTP_S_PREGREET:
			log_info(s->id, "smtp early talker ip=%s",
				 conn_peer_ip(s->conn));
			conn_printf(s->conn, "554 5.5.0 %s Talking before the greeting\r\n",
				    conf->hostname);
			s->state = SMTP_S_QUIT;
			conn_close(s->conn, "early-talker");
			return;
		case SMTP_S_DATA:
		case SMTP_S_BDAT:
			if (!smtp_cmd_data_input(s))
				return;
			continue;
		case SMTP_S_CHECK:
		case SMTP_S_DELIVER:
		case SMTP_S_QUIT:
			return;
		default:
			break;
		}
		switch (conn_read_line(s->conn, conf->smtp.max_line, &line, &bare_lf)) {
		case CONN_LINE_NONE:
			return;
		case CONN_LINE_TOO_LONG:
			if (s->line_hook)
				/* a dropped SASL line ends the exchange */
				(void)s->line_hook(s, (struct slice){ NULL, 0 });
			else
				smtp_session_reply(s, 500, "5.5.2", "Line too long");
			if (++s->errors >= conf->smtp.max_errors)
				smtp_session_close(s, "4.7.0",
						   "Too many errors, closing",
						   "errors");
			continue;
		case CONN_LINE_OK:
			break;
		}
		smtp_session_line(s, line, bare_lf);
		if (s->shutdown && s->state <= SMTP_S_HELO)
			/* the transaction ended (RSET...): now goodbye */
			smtp_session_close(s, "4.3.2", "Service shutting down",
					   "shutdown");
		if (s->state != SMTP_S_QUIT)
			smtp_session_timeout(s);
	}
}

static void
smtp_session_on_input(struct conn *c, void *ctx)
{
	smtp_session_input(ctx);
}

static void
smtp_session_free(struct smtp_session *s)
{
	if (s->policy->free)
		s->policy->free(s);
	smtp_milter_free(s);
	smtp_txn_clear(&s->txn);
	free(s->auth_address);
	free(s);
}

static void
smtp_session_on_close(struct conn *c, void *ctx, const char *reason)
{
	struct smtp_session *s = ctx;

	log_info(s->id, "smtp disconnect reason=%s txns=%u errors=%u",
		 reason, s->n_txns, s->errors);
	if (s->state == SMTP_S_DELIVER || s->state == SMTP_S_CHECK ||
	    s->suspended) {
		/* the store (or an async step) still holds us: free when
		 * it completes */
		s->conn_gone = true;
		s->conn = NULL;
		(void)smtp_milter_abandon(s);
		return;
	}
	smtp_session_free(s);
}

void
smtp_session_release(struct smtp_session *s)
{
	smtp_session_free(s);
}

void
smtp_session_suspend(struct smtp_session *s)
{
	s->suspended = true;
	conn_set_timeout(s->conn, 0);
	conn_pause(s->conn);
}

bool
smtp_session_continue(struct smtp_session *s)
{
	s->suspended = false;
	if (s->conn_gone) {
		smtp_session_free(s);
		return false;
	}
	if (s->state != SMTP_S_QUIT) {
		smtp_session_timeout(s);
		conn_resume(s->conn);
	}
	return true;
}

static void
smtp_session_on_timeout(struct conn *c, void *ctx)
{
	struct smtp_session *s = ctx;

	if (s->state == SMTP_S_PREGREET) {
		smtp_session_greet(s);
		return;
	}
	log_info(s->id, "smtp timeout state=%d", s->state);
	smtp_session_close(s, "4.4.2", "Timeout exceeded, closing", "timeout");
}

static void
smtp_session_on_shutdown(struct conn *c, void *ctx)
{
	struct smtp_session *s = ctx;

	switch (s->state) {
	case SMTP_S_MAIL:
	case SMTP_S_RCPT:
	case SMTP_S_DATA:
	case SMTP_S_BDAT:
	case SMTP_S_CHECK:
	case SMTP_S_DELIVER:
		/* finish this transaction; 421 follows its last reply (the
		 * server's shutdown_timeout bounds the wait) */
		s->shutdown = true;
		break;
	default:
		smtp_session_close(s, "4.3.2", "Service shutting down",
				   "shutdown");
		break;
	}
}

const struct conn_ops smtp_session_ops = {
	.on_input = smtp_session_on_input,
	.on_close = smtp_session_on_close,
	.on_timeout = smtp_session_on_timeout,
	.on_shutdown = smtp_session_on_shutdown,
};
