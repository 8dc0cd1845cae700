/* pop3-commands.c - the dispatcher (state and argument checks from the
 * command table, done once) and the TRANSACTION commands that need no
 * waiting: CAPA, STAT, LIST, UIDL, DELE, NOOP, RSET */
#include "pop3/pop3-private.h"

#include <inttypes.h>

#include "auth/sasl.h"
#include "lib/log.h"
#include "lib/metrics.h"

/* pop3_commands_bad - refuse a command; too many refusals close */
void
pop3_commands_bad(struct pop3_session *s, const char *reply)
{
	if (++s->bad_commands >= s->env->conf->pop3.max_errors &&
	    s->env->conf->pop3.max_errors > 0) {
		log_info(s->id, "pop3 too many bad commands count=%u",
			 s->bad_commands);
		pop3_session_reply(s, "-ERR Too many bad commands, closing");
		pop3_session_close(s, "errors");
		return;
	}
	pop3_session_reply(s, "%s", reply);
}

/* CAPA (RFC 2449): exactly what works in this state on this connection */
static void
pop3_commands_capa(struct pop3_session *s, const struct pop3_command *cmd)
{
	bool plain = pop3_session_plaintext_ok(s);

	pop3_session_reply(s, "+OK Capability list follows");
	pop3_session_reply(s, "TOP");
	pop3_session_reply(s, "UIDL");
	pop3_session_reply(s, "RESP-CODES");
	pop3_session_reply(s, "AUTH-RESP-CODE");
	pop3_session_reply(s, "PIPELINING");
	if (s->state == POP3_AUTHORIZATION) {
		if (plain)
			pop3_session_reply(s, "USER");
		if (plain)
			pop3_session_reply(s, "SASL %s", sasl_mechanisms());
		if (pop3_session_stls_ok(s))
			pop3_session_reply(s, "STLS");
	}
	pop3_session_reply(s, "IMPLEMENTATION tern");
	pop3_session_reply(s, ".");
}

/* QUIT: in AUTHORIZATION just goodbye; in TRANSACTION enter UPDATE */
static void
pop3_commands_quit(struct pop3_session *s, const struct pop3_command *cmd)
{
	if (s->state == POP3_AUTHORIZATION) {
		pop3_session_reply(s, "+OK Bye");
		pop3_session_close(s, "quit");
		return;
	}
	pop3_update_quit(s);
}

static void
pop3_commands_stat(struct pop3_session *s, const struct pop3_command *cmd)
{
	uint32_t count;
	uint64_t octets;

	pop3_maildrop_stat(&s->md, &count, &octets);
	pop3_session_reply(s, "+OK %" PRIu32 " %" PRIu64, count, octets);
}

/* pop3_commands_msg - the message an argument names, or NULL after replying */
static const struct pop3_msg *
pop3_commands_msg(struct pop3_session *s, struct slice arg, uint32_t *msgno_r)
{
	const struct pop3_msg *m;

	if (!pop3_parse_msgno(arg, s->md.n, msgno_r)) {
		pop3_session_reply(s, "-ERR No such message");
		return NULL;
	}
	m = pop3_maildrop_get(&s->md, *msgno_r);
	if (m == NULL)
		pop3_session_reply(s, "-ERR Message "
				   "%" PRIu32 " is deleted", *msgno_r);
	return m;
}

/* LIST [msg] */
static void
pop3_commands_list(struct pop3_session *s, const struct pop3_command *cmd)
{
	const struct pop3_msg *m;
	uint32_t msgno, count;
	uint64_t octets;
	struct buf b = BUF_INIT;

	if (cmd->nargs == 1) {
		if ((m = pop3_commands_msg(s, cmd->args[0], &msgno)) != NULL)
			pop3_session_reply(s, "+OK %" PRIu32 " %" PRIu64,
					   msgno, m->size);
		return;
	}
	pop3_maildrop_stat(&s->md, &count, &octets);
	buf_printf(&b, "+OK %" PRIu32 " messages (%" PRIu64 " octets)\r\n",
		   count, octets);
	for (msgno = 1; msgno <= s->md.n; msgno++) {
		if ((m = pop3_maildrop_get(&s->md, msgno)) != NULL)
			buf_printf(&b, "%" PRIu32 " %" PRIu64 "\r\n", msgno,
				   m->size);
	}
	buf_append(&b, ".\r\n", 3);
	conn_write(s->conn, b.data, b.len);
	buf_free(&b);
}

/* UIDL [msg] (RFC 1939 section 7) */
static void
pop3_commands_uidl(struct pop3_session *s, const struct pop3_command *cmd)
{
	char uidl[POP3_UIDL_LEN + 1];
	const struct pop3_msg *m;
	struct buf b = BUF_INIT;
	uint32_t msgno;

	if (cmd->nargs == 1) {
		if ((m = pop3_commands_msg(s, cmd->args[0], &msgno)) != NULL) {
			pop3_maildrop_uidl(uidl, s->md.uidvalidity, m->uid);
			pop3_session_reply(s, "+OK "
					   "%" PRIu32 " %s", msgno, uidl);
		}
		return;
	}
	buf_append_str(&b, "+OK Unique-ID listing follows\r\n");
	for (msgno = 1; msgno <= s->md.n; msgno++) {
		if ((m = pop3_maildrop_get(&s->md, msgno)) == NULL)
			continue;
		pop3_maildrop_uidl(uidl, s->md.uidvalidity, m->uid);
		buf_printf(&b, "%" PRIu32 " %s\r\n", msgno, uidl);
	}
	buf_append(&b, ".\r\n", 3);
	conn_write(s->conn, b.data, b.len);
	buf_free(&b);
}

static void
pop3_commands_retr(struct pop3_session *s, const struct pop3_command *cmd)
{
	uint32_t msgno;

	if (pop3_commands_msg(s, cmd->args[0], &msgno) != NULL)
		pop3_retr_start(s, msgno, NULL);
}

/* TOP msg n (RFC 1939 section 7) */
static void
pop3_commands_top(struct pop3_session *s, const struct pop3_command *cmd)
{
	uint32_t msgno;
	uint64_t lines;

	if (!pop3_parse_lines(cmd->args[1], &lines)) {
		pop3_commands_bad(s, "-ERR Invalid line count");
		return;
	}
	if (pop3_commands_msg(s, cmd->args[0], &msgno) != NULL)
		pop3_retr_start(s, msgno, &lines);
}

static void
pop3_commands_dele(struct pop3_session *s, const struct pop3_command *cmd)
{
	uint32_t msgno;

	if (!pop3_parse_msgno(cmd->args[0], s->md.n, &msgno)) {
		pop3_session_reply(s, "-ERR No such message");
		return;
	}
	if (pop3_maildrop_dele(&s->md, msgno) != POP3_DELE_OK) {
		pop3_session_reply(s, "-ERR Message "
				   "%" PRIu32 " already deleted", msgno);
		return;
	}
	s->n_dele++;
	pop3_session_reply(s, "+OK Message %" PRIu32 " deleted", msgno);
}

static void
pop3_commands_noop(struct pop3_session *s, const struct pop3_command *cmd)
{
	pop3_session_reply(s, "+OK");
}

static void
pop3_commands_rset(struct pop3_session *s, const struct pop3_command *cmd)
{
	uint32_t count;
	uint64_t octets;

	pop3_maildrop_rset(&s->md);
	pop3_maildrop_stat(&s->md, &count, &octets);
	pop3_session_reply(s, "+OK %" PRIu32 " messages (%" PRIu64 " octets)",
		   count, octets);
}

typedef void pop3_commands_fn(struct pop3_session *s,
			 const struct pop3_command *cmd);

static pop3_commands_fn *const pop3_commands_handlers[POP3_CMD_COUNT] = {
	[POP3_CMD_USER] = pop3_auth_user,
	[POP3_CMD_PASS] = pop3_auth_pass,
	[POP3_CMD_AUTH] = pop3_auth_auth,
	[POP3_CMD_STLS] = pop3_auth_stls,
	[POP3_CMD_CAPA] = pop3_commands_capa,
	[POP3_CMD_QUIT] = pop3_commands_quit,
	[POP3_CMD_STAT] = pop3_commands_stat,
	[POP3_CMD_LIST] = pop3_commands_list,
	[POP3_CMD_RETR] = pop3_commands_retr,
	[POP3_CMD_DELE] = pop3_commands_dele,
	[POP3_CMD_NOOP] = pop3_commands_noop,
	[POP3_CMD_RSET] = pop3_commands_rset,
	[POP3_CMD_TOP] = pop3_commands_top,
	[POP3_CMD_UIDL] = pop3_commands_uidl,
};

/* pop3_commands_log - the command for the debug log; secrets never */
static void
pop3_commands_log(struct pop3_session *s, struct slice line,
		  const struct pop3_command *cmd)
{
	struct buf b = BUF_INIT;

	if (cmd->def != NULL && (cmd->def->cmd == POP3_CMD_PASS ||
				 cmd->def->cmd == POP3_CMD_AUTH))
		line = cmd->keyword;
	buf_append_escaped(&b, line.p, line.len, 80);
	log_debug(s->id, "pop3 cmd=\"%s\"", buf_cstr(&b));
	buf_free(&b);
}

/* pop3_commands_run - check one command line against the table, run it */
void
pop3_commands_run(struct pop3_session *s, struct slice line)
{
	struct pop3_command cmd;
	enum pop3_parse_result r;
	unsigned state_bit;

	if (!s->conn_gone)
		conn_metrics(s->conn)->commands++;
	r = pop3_parse_command(line, &cmd);
	pop3_commands_log(s, line, &cmd);
	switch (r) {
	case POP3_PARSE_OK:
		break;
	case POP3_PARSE_EMPTY:
	case POP3_PARSE_UNKNOWN:
		pop3_commands_bad(s, "-ERR Unknown command");
		return;
	case POP3_PARSE_BAD_CHAR:
		pop3_commands_bad(s, "-ERR Invalid character in command");
		return;
	case POP3_PARSE_BAD_ARGS:
		pop3_commands_bad(s, "-ERR Wrong arguments");
		return;
	}
	state_bit = s->state == POP3_AUTHORIZATION ? POP3_STATE_AUTHORIZATION :
		    s->state == POP3_TRANSACTION ? POP3_STATE_TRANSACTION : 0;
	if (!(cmd.def->states & state_bit)) {
		pop3_commands_bad(s, s->state == POP3_AUTHORIZATION ?
				  "-ERR Not logged in" :
				  "-ERR Not allowed after login");
		return;
	}
	pop3_commands_handlers[cmd.def->cmd](s, &cmd);
}
