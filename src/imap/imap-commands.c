/* imap-commands.c - the command table, dispatch, tagged replies, and
 * commands that wait or yield to the loop */
#include "imap/imap-private.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "lib/metrics.h"
#include "store/store.h"

#define ANY (IMAP_CMD_F_NOTAUTH | IMAP_CMD_F_AUTH)
#define AUTH IMAP_CMD_F_AUTH
#define SEL (IMAP_CMD_F_AUTH | IMAP_CMD_F_SELECTED)

/* sorted by name for bsearch */
static const struct imap_command imap_commands[] = {
	{ "APPEND", cmd_append, AUTH },
	{ "AUTHENTICATE", cmd_authenticate, IMAP_CMD_F_NOTAUTH },
	{ "CANCELUPDATE", cmd_cancelupdate, SEL },
	{ "CAPABILITY", cmd_capability, ANY },
	{ "CHECK", cmd_noop, SEL },
	{ "CLOSE", cmd_close, SEL },
	{ "COMPRESS", cmd_compress, AUTH },
	{ "COPY", cmd_copy, SEL | IMAP_CMD_F_UID },
	{ "CREATE", cmd_create, AUTH },
	{ "DELETE", cmd_delete, AUTH },
	{ "DELETEACL", cmd_deleteacl, AUTH },
	{ "ENABLE", cmd_enable, AUTH },
	{ "EXAMINE", cmd_examine, AUTH },
	{ "EXPUNGE", cmd_expunge, SEL | IMAP_CMD_F_UID },
	{ "FETCH", cmd_fetch, SEL | IMAP_CMD_F_UID | IMAP_CMD_F_NO_EXPUNGE },
	{ "GENURLAUTH", cmd_genurlauth, AUTH },
	{ "GETACL", cmd_getacl, AUTH },
	{ "GETMETADATA", cmd_getmetadata, AUTH },
	{ "GETQUOTA", cmd_getquota, AUTH },
	{ "GETQUOTAROOT", cmd_getquotaroot, AUTH },
	{ "ID", cmd_id, ANY },
	{ "IDLE", cmd_idle, AUTH },
	{ "LIST", cmd_list, AUTH },
	{ "LISTRIGHTS", cmd_listrights, AUTH },
	{ "LOGIN", cmd_login, IMAP_CMD_F_NOTAUTH },
	{ "LOGOUT", cmd_logout, ANY },
	{ "LSUB", cmd_lsub, AUTH },
	{ "MOVE", cmd_move, SEL | IMAP_CMD_F_UID },
	{ "MYRIGHTS", cmd_myrights, AUTH },
	{ "NAMESPACE", cmd_namespace, AUTH },
	{ "NOOP", cmd_noop, ANY },
	{ "NOTIFY", cmd_notify, AUTH },
	{ "RENAME", cmd_rename, AUTH },
	{ "REPLACE", cmd_replace, SEL | IMAP_CMD_F_UID },
	{ "RESETKEY", cmd_resetkey, AUTH },
	{ "SEARCH", cmd_search, SEL | IMAP_CMD_F_UID | IMAP_CMD_F_NO_EXPUNGE },
	{ "SELECT", cmd_select, AUTH },
	{ "SETACL", cmd_setacl, AUTH },
	{ "SETMETADATA", cmd_setmetadata, AUTH },
	{ "SORT", cmd_sort, SEL | IMAP_CMD_F_UID | IMAP_CMD_F_NO_EXPUNGE },
	{ "STARTTLS", cmd_starttls, IMAP_CMD_F_NOTAUTH },
	{ "STATUS", cmd_status, AUTH },
	{ "STORE", cmd_store, SEL | IMAP_CMD_F_UID | IMAP_CMD_F_NO_EXPUNGE },
	{ "SUBSCRIBE", cmd_subscribe, AUTH },
	{ "THREAD", cmd_thread, SEL | IMAP_CMD_F_UID | IMAP_CMD_F_NO_EXPUNGE },
	{ "UNAUTHENTICATE", cmd_unauthenticate, AUTH },
	{ "UNSELECT", cmd_unselect, SEL },
	{ "UNSUBSCRIBE", cmd_unsubscribe, AUTH },
	{ "URLFETCH", cmd_urlfetch, AUTH },
};

static int
imap_command_cmp(const void *key, const void *elem)
{
	const struct imap_command *c = elem;

	return strcasecmp(key, c->name);
}

const struct imap_command *
imap_command_find(const char *name)
{
	return bsearch(name, imap_commands,
		       sizeof(imap_commands) / sizeof(imap_commands[0]),
		       sizeof(imap_commands[0]), imap_command_cmp);
}

void
imap_cmd_free(struct imap_cmd **cmdp)
{
	struct imap_cmd *cmd = *cmdp;

	if (cmd == NULL)
		return;
	if (cmd->ctx_free != NULL && cmd->ctx != NULL)
		cmd->ctx_free(cmd->ctx);
	free(cmd);
	*cmdp = NULL;
}

static void
imap_command_bad(struct imap_session *s, const char *text)
{
	const char *tag = imap_parser_tag(s->parser);

	imap_printf(s, "%s BAD %s\r\n", tag ? tag : "*", text);
	imap_session_count_bad(s);
}

void
imap_command_run(struct imap_session *s)
{
	const char *name = imap_parser_name(s->parser);
	const struct imap_arg *args = imap_parser_args(s->parser);
	const struct imap_command *def;
	struct imap_cmd *cmd;

	if (s->conn)
		conn_metrics(s->conn)->commands++;
	bool uid = false;

	if (strcasecmp(name, "UID") == 0) {
		if (args[0].type != IMAP_ARG_ATOM) {
			imap_command_bad(s, "UID needs a command");
			goto done;
		}
		name = args[0].u.str;
		args++;
		uid = true;
	}
	def = imap_command_find(name);
	if (def == NULL || (uid && !(def->flags & IMAP_CMD_F_UID))) {
		imap_command_bad(s, "Unknown command");
		goto done;
	}
	if (s->state == IMAP_NOTAUTH && !(def->flags & IMAP_CMD_F_NOTAUTH)) {
		imap_command_bad(s, "Log in first");
		goto done;
	}
	if (s->state != IMAP_NOTAUTH && !(def->flags & IMAP_CMD_F_AUTH)) {
		imap_command_bad(s, "Already logged in");
		goto done;
	}
	if ((def->flags & IMAP_CMD_F_SELECTED) && !s->selected) {
		imap_command_bad(s, "No mailbox selected");
		goto done;
	}
	/* RFC 9586 3: with UIDONLY, the commands that take (or answer
	 * with) message numbers exist only in their UID form; EXPUNGE
	 * takes none */
	if (s->uidonly && !uid && (def->flags & IMAP_CMD_F_UID) &&
	    strcmp(def->name, "EXPUNGE") != 0) {
		log_info(s->id, "imap bad cmd=%s reason=uidrequired",
			 def->name);
		imap_command_bad(s, "[UIDREQUIRED] Message numbers are not "
				 "used with UIDONLY");
		goto done;
	}
	if (!imap_acl_command(s, def))
		goto done;
	cmd = xcalloc(1, sizeof(*cmd));
	cmd->s = s;
	cmd->def = def;
	cmd->tag = imap_parser_tag(s->parser);
	cmd->name = def->name;
	cmd->args = args;
	cmd->uid = uid;
	cmd->resume = def->fn;
	s->cmd = cmd;
	if (def->fn(cmd) == IMAP_CMD_WAIT) {
		/* (it may have ended already: then s->cmd is another) */
		if (s->cmd == cmd && s->wait == IMAP_WAIT_NONE)
			s->wait = IMAP_WAIT_CMD;
		return;
	}
	imap_cmd_free(&s->cmd);
done:
	imap_parser_reset(s->parser);
	s->replied = false;
}

enum imap_cmd_ret
imap_cmd_reply(struct imap_cmd *cmd, const char *status, const char *fmt,
	       ...)
{
	struct imap_session *s = cmd->s;
	struct buf b = BUF_INIT;
	va_list ap;

	if (s->selected && strcmp(status, "BAD") != 0)
		imap_view_sync(s, !(cmd->def->flags & IMAP_CMD_F_NO_EXPUNGE) ||
			       cmd->uid);
	buf_printf(&b, "%s %s ", cmd->tag, status);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	buf_append(&b, "\r\n", 2);
	imap_write(s, b.data, b.len);
	buf_free(&b);
	if (strcmp(status, "BAD") == 0)
		imap_session_count_bad(s);
	else
		s->bad_count = 0;
	return IMAP_CMD_DONE;
}

enum imap_cmd_ret
imap_cmd_bad(struct imap_cmd *cmd, const char *text)
{
	return imap_cmd_reply(cmd, "BAD", "%s", text);
}

void
imap_cmd_end(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;

	if (s->cmd == cmd)
		imap_cmd_free(&s->cmd);
	imap_parser_reset(s->parser);
	s->replied = false;
	s->wait = IMAP_WAIT_NONE;
	s->drain_wait = false;
	if (s->conn_gone)
		return;
	if (s->state == IMAP_LOGOUT)
		return;
	if (s->shutdown) {
		imap_printf(s, "* BYE Server shutting down\r\n");
		imap_session_close(s, "shutdown");
		return;
	}
	conn_resume(s->conn);
	imap_notify_kick(s);	/* what came while the command ran */
}

static void
imap_cmd_on_yield(struct turn_entry *e)
{
	struct imap_session *s = (struct imap_session *)
		((char *)e - offsetof(struct imap_session, yield_turn));

	if (!s->conn_gone && s->cmd != NULL) {
		struct imap_cmd *cmd = s->cmd;

		if (cmd->resume(cmd) == IMAP_CMD_DONE)
			imap_cmd_end(cmd);
	}
	imap_session_unref(s);
}

/* continue the command on a later loop turn, after the other sockets
 * (a 0 ms timer would not: see lib/turn.h) */
void
imap_cmd_yield(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;

	if (s->conn_gone)
		return;
	if (conn_output_pending(s->conn) > 4 * conn_low_water) {
		s->drain_wait = true;
		return;
	}
	if (turn_queued(&s->yield_turn))
		return;
	imap_session_ref(s);
	turn_defer(s->env->loop, &s->yield_turn, imap_cmd_on_yield);
}

uint64_t
imap_now_ms(void)
{
	return uv_hrtime() / 1000000;
}

void
imap_cmd_progress(struct imap_cmd *cmd, uint64_t *last_ms, size_t done,
		  size_t goal, const char *verb)
{
	struct imap_session *s = cmd->s;
	uint64_t now = imap_now_ms();
	struct buf b = BUF_INIT;

	/* RFC 9585 4: none at the start or at the goal, count < goal */
	if (done == 0 || done >= goal ||
	    now - *last_ms < s->env->conf->imap.progress_ms)
		return;
	*last_ms = now;
	buf_append_str(&b, "* OK [INPROGRESS (");
	/* a tag holding "]" MUST be NIL (4) */
	if (strchr(cmd->tag, ']') != NULL)
		buf_append_str(&b, "NIL");
	else
		buf_printf(&b, "\"%s\"", cmd->tag);
	buf_printf(&b, " %zu %zu)] %s %zu of %zu messages\r\n", done, goal,
		   verb, done, goal);
	imap_write(s, b.data, b.len);
	buf_free(&b);
}

/* --- store writes --- */

static void
imap_cmd_store_cb(void *arg, int ret)
{
	struct imap_session *s = arg;
	imap_write_done *done = s->wr_done;

	s->wr_done = NULL;
	if (!s->conn_gone && s->cmd != NULL && done != NULL)
		done(s->cmd, ret);
	imap_session_unref(s);
}

store_cb *
imap_cmd_write_prepare(struct imap_cmd *cmd, imap_write_done *done)
{
	imap_session_ref(cmd->s);
	cmd->s->wr_done = done;
	return imap_cmd_store_cb;
}

enum imap_cmd_ret
imap_cmd_write_started(struct imap_cmd *cmd, int rc)
{
	if (rc < 0) {
		cmd->s->wr_done = NULL;
		imap_session_unref(cmd->s);
		return imap_cmd_store_error(cmd, rc);
	}
	return IMAP_CMD_WAIT;
}

enum imap_cmd_ret
imap_cmd_store_error(struct imap_cmd *cmd, int err)
{
	switch (err) {
	case STORE_ENOTFOUND:
		return imap_cmd_reply(cmd, "NO", "[NONEXISTENT] No such mailbox");
	case IMAP_ACL_ENOPERM:
		return imap_cmd_reply(cmd, "NO", "[NOPERM] Permission denied");
	case STORE_EEXIST:
		return imap_cmd_reply(cmd, "NO",
				      "[ALREADYEXISTS] Mailbox already exists");
	case STORE_EBADNAME:
		return imap_cmd_reply(cmd, "NO", "[CANNOT] Invalid mailbox name");
	case STORE_EQUOTA:
		return imap_cmd_reply(cmd, "NO", "[OVERQUOTA] Quota exceeded");
	case STORE_ENOSELECT:
		return imap_cmd_reply(cmd, "NO",
				      "[CANNOT] Mailbox cannot be selected");
	case STORE_EHASCHILDREN:
		return imap_cmd_reply(cmd, "NO",
				      "[HASCHILDREN] Mailbox has children");
	case STORE_EPERM:
		return imap_cmd_reply(cmd, "NO", "[CANNOT] Not allowed");
	case STORE_ETOOBIG:
		return imap_cmd_reply(cmd, "NO", "[TOOBIG] Message too big");
	case STORE_ELIMIT:
		return imap_cmd_reply(cmd, "NO",
				      "[LIMIT] Too many mailboxes");
	case STORE_ECLOSED:
		return imap_cmd_reply(cmd, "NO",
				      "[UNAVAILABLE] Server shutting down");
	default:
		return imap_cmd_reply(cmd, "NO",
				      "[SERVERBUG] Internal error (%s)",
				      store_strerror(err));
	}
}
