/* cmd-idle.c - IDLE (RFC 2177): changes are pushed as the store's
 * watcher reports them, until the client says DONE */
#include "imap/imap-private.h"

#include <strings.h>

enum imap_cmd_ret
cmd_idle(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;

	if (cmd->args[0].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "IDLE takes no arguments");
	imap_printf(s, "+ idling\r\n");
	s->wait = IMAP_WAIT_IDLE;
	conn_set_timeout(s->conn, s->env->conf->imap.timeout_idle_ms);
	imap_view_sync(s, true);
	return IMAP_CMD_WAIT;
}

void
imap_idle_changed(struct imap_session *s)
{
	imap_view_sync(s, true);
}

void
imap_idle_line(struct imap_session *s, struct slice line)
{
	struct imap_cmd *cmd = s->cmd;

	conn_set_timeout(s->conn, s->env->conf->imap.timeout_ms);
	if (slice_case_eq_cstr(line, "DONE"))
		imap_cmd_reply(cmd, "OK", "IDLE terminated");
	else
		imap_cmd_bad(cmd, "Expected DONE");
	imap_cmd_end(cmd);
}
