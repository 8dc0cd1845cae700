/* cmd-misc.c - CAPABILITY, NOOP/CHECK, LOGOUT, ID, ENABLE, NAMESPACE,
 * COMPRESS */
#include "imap/imap-private.h"

#include <stdlib.h>

#include "lib/log.h"
#include <strings.h>

enum imap_cmd_ret
cmd_capability(struct imap_cmd *cmd)
{
	struct buf b = BUF_INIT;

	if (cmd->args[0].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "CAPABILITY takes no arguments");
	buf_append_str(&b, "* CAPABILITY ");
	imap_session_capability(cmd->s, &b);
	buf_append_str(&b, "\r\n");
	imap_write(cmd->s, b.data, b.len);
	buf_free(&b);
	return imap_cmd_reply(cmd, "OK", "Capability completed");
}

enum imap_cmd_ret
cmd_noop(struct imap_cmd *cmd)
{
	if (cmd->args[0].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "No arguments expected");
	return imap_cmd_reply(cmd, "OK", "%s completed",
			      strcasecmp(cmd->name, "CHECK") == 0 ? "Check" :
			      "NOOP");
}

enum imap_cmd_ret
cmd_logout(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;

	if (cmd->args[0].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "LOGOUT takes no arguments");
	imap_printf(s, "* BYE Logging out\r\n%s OK Logout completed\r\n",
		    cmd->tag);
	s->state = IMAP_LOGOUT;
	imap_session_close(s, "logout");
	return IMAP_CMD_DONE;
}

/* RFC 2971: we answer with our name; what the client says is logged */
enum imap_cmd_ret
cmd_id(struct imap_cmd *cmd)
{
	const struct imap_arg *a = cmd->args;

	if (a[0].type == IMAP_ARG_LIST) {
		const struct imap_arg *l = a[0].u.list;
		size_t n = a[0].len, i;

		if (n % 2 != 0 || n > 60)
			return imap_cmd_bad(cmd, "Invalid ID list");
		for (i = 0; i < n; i++) {
			if (i % 2 == 0 ? !imap_arg_is_string(&l[i]) :
			    !imap_arg_is_nstring(&l[i]))
				return imap_cmd_bad(cmd, "Invalid ID list");
		}
	} else if (a[0].type != IMAP_ARG_NIL) {
		return imap_cmd_bad(cmd, "ID needs a list or NIL");
	}
	if (a[1].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "Too many arguments");
	imap_printf(cmd->s, "* ID (\"name\" \"tern\" \"version\" \"%s\")\r\n",
		    TERN_VERSION);
	return imap_cmd_reply(cmd, "OK", "ID completed");
}

/* RFC 5161; only extensions we have */
enum imap_cmd_ret
cmd_enable(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a;
	struct buf b = BUF_INIT;

	if (cmd->args[0].type == IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "ENABLE needs arguments");
	buf_append_str(&b, "* ENABLED");
	for (a = cmd->args; a->type != IMAP_ARG_EOL; a++) {
		if (a->type != IMAP_ARG_ATOM) {
			buf_free(&b);
			return imap_cmd_bad(cmd, "Invalid argument");
		}
		if (imap_arg_atom_eq(a, "CONDSTORE") && !s->condstore) {
			imap_condstore_enable(s);
			buf_append_str(&b, " CONDSTORE");
		} else if (imap_arg_atom_eq(a, "QRESYNC") && !s->qresync) {
			s->qresync = true;
			imap_condstore_enable(s);
			buf_append_str(&b, " QRESYNC");
		}
		else if (imap_arg_atom_eq(a, "UTF8=ACCEPT") && !s->utf8) {
			s->utf8 = true;
			buf_append_str(&b, " UTF8=ACCEPT");
		}
		else if (imap_arg_atom_eq(a, "UIDONLY") && !s->uidonly) {
			s->uidonly = true;
			buf_append_str(&b, " UIDONLY");
		}
		else if (imap_arg_atom_eq(a, "IMAP4rev2") && !s->rev2) {
			/* RFC 9051: UTF-8 mailbox names, ESEARCH answers,
			 * no \Recent */
			s->rev2 = true;
			s->utf8 = true;
			imap_view_recent_drop(s);
			buf_append_str(&b, " IMAP4rev2");
		}
	}
	buf_append_str(&b, "\r\n");
	imap_write(s, b.data, b.len);
	buf_free(&b);
	return imap_cmd_reply(cmd, "OK", "Enabled");
}

enum imap_cmd_ret
cmd_namespace(struct imap_cmd *cmd)
{
	if (cmd->args[0].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "NAMESPACE takes no arguments");
	/* the mailboxes others share: "shared/<owner>/..." (imap-acl.c) */
	imap_printf(cmd->s, "* NAMESPACE ((\"\" \"/\")) ((\"" IMAP_SHARED_PREFIX
		    "\" \"/\")) NIL\r\n");
	return imap_cmd_reply(cmd, "OK", "Namespace completed");
}

/* RFC 4978: COMPRESS DEFLATE; everything after the OK is deflated */
enum imap_cmd_ret
cmd_compress(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	enum imap_cmd_ret ret;

	if (!imap_arg_atom_eq(&cmd->args[0], "DEFLATE") ||
	    cmd->args[1].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "Unknown compression mechanism");
	if (conn_is_compressed(s->conn))
		return imap_cmd_reply(cmd, "NO", "[COMPRESSIONACTIVE] DEFLATE "
				      "active via COMPRESS");
	ret = imap_cmd_reply(cmd, "OK", "DEFLATE active");
	if (!conn_compress(s->conn))
		conn_close(s->conn, "compress");
	else
		log_info(s->id, "imap compress deflate");
	return ret;
}
