/* cmd-append.c - APPEND (RFC 9051 6.3.12, UIDPLUS APPENDUID): the
 * message literal is checked before a byte of it is read (mailbox,
 * size, quota), then streamed into a store blob as it arrives */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>

struct imap_append {
	struct store_blob *blob;
	int64_t owner_id;	/* the mailbox's (shared: not ours) */
	int64_t mailbox_id;
	uint32_t uidvalidity;
	uint32_t flags;
	struct buf keywords;
	int64_t date;
	int32_t tz;
	int error;		/* blob write failed */
	uint32_t uid;		/* out */
};

static void
imap_append_free(struct imap_append *app)
{
	if (app == NULL)
		return;
	store_blob_abort(&app->blob);
	buf_free(&app->keywords);
	free(app);
}

void
imap_append_cleanup(struct imap_session *s)
{
	imap_append_free(s->app);
	s->app = NULL;
}

/* refuse the literal before it is read; the reply is the command's */
static void
imap_append_refuse(struct imap_session *s, const char *status,
		   const char *code, const char *text)
{
	const char *tag = imap_parser_tag(s->parser);

	imap_parser_fail(s->parser, code, text);
	imap_printf(s, "%s %s %s%s%s%s\r\n", tag, status, code ? "[" : "",
		    code ? code : "", code ? "] " : "", text);
	s->replied = true;
	imap_append_cleanup(s);
}

void
imap_append_literal(struct imap_session *s)
{
	struct imap_parser *p = s->parser;
	const struct imap_arg *a = imap_parser_partial_args(p);
	size_t argc = imap_parser_arg_count(p), i = 1;
	uint64_t size = imap_parser_literal_size(p);
	struct imap_mbox m;
	struct imap_append *app;
	char *name;
	int rc;

	if (imap_parser_literal_depth(p) == 1)
		argc -= 2;	/* UTF8 ( */
	if (s->app != NULL || argc > 3) {
		imap_append_refuse(s, "BAD", NULL, "MULTIAPPEND is not "
				   "supported");
		return;
	}
	app = xcalloc(1, sizeof(*app));
	s->app = app;
	if (i < argc && a[i].type == IMAP_ARG_LIST) {
		if (!imap_parse_flags(&a[i], &app->flags, &app->keywords)) {
			imap_append_refuse(s, "BAD", NULL, "Invalid flags");
			return;
		}
		i++;
	}
	if (i < argc) {
		if (a[i].type != IMAP_ARG_QUOTED ||
		    !imap_parse_datetime(a[i].u.str, &app->date, &app->tz)) {
			imap_append_refuse(s, "BAD", NULL, "Invalid date-time");
			return;
		}
		i++;
	}
	if (i != argc) {
		imap_append_refuse(s, "BAD", NULL, "Invalid APPEND arguments");
		return;
	}
	if (size > s->env->conf->imap.max_literal) {
		imap_append_refuse(s, "NO", "TOOBIG", "Message too big");
		return;
	}
	name = imap_mailbox_arg(s, &a[0]);
	if (name == NULL) {
		imap_append_refuse(s, "BAD", NULL, "Invalid mailbox name");
		return;
	}
	rc = imap_mailbox_access(s, name, STORE_ACL_I, &m);
	free(name);
	if (rc == 0 && (m.m.attrs & STORE_MBX_NOSELECT))
		rc = STORE_ENOSELECT;
	app->owner_id = m.owner_id;
	app->mailbox_id = m.m.id;
	app->uidvalidity = m.m.uidvalidity;
	/* RFC 4314 4: the flags the user has no right to are not set */
	app->flags &= imap_acl_flags_allowed(m.rights);
	if (!(m.rights & STORE_ACL_W))
		buf_reset(&app->keywords);
	imap_mbox_clear(&m);
	if (rc == STORE_ENOTFOUND || rc == STORE_EBADNAME) {
		imap_append_refuse(s, "NO", "TRYCREATE", "No such mailbox");
		return;
	}
	if (rc == IMAP_ACL_ENOPERM) {
		imap_append_refuse(s, "NO", "NOPERM", "Permission denied");
		return;
	}
	if (rc == 0)
		rc = store_quota_check(s->env->store, app->owner_id, size);
	if (rc == STORE_EQUOTA) {
		imap_append_refuse(s, "NO", "OVERQUOTA", "Quota exceeded");
		return;
	}
	if (rc == 0)
		rc = store_blob_begin(s->env->store, &app->blob);
	if (rc != 0) {
		imap_append_refuse(s, "NO", rc == STORE_ENOSELECT ? "CANNOT" :
				   "SERVERBUG", store_strerror(rc));
		return;
	}
	imap_parser_literal_extern(p);
	s->lit_left = size;
	s->wait = size > 0 ? IMAP_WAIT_LITERAL : IMAP_WAIT_NONE;
	if (imap_parser_literal_sync(p))
		imap_printf(s, "+ Ready for literal data\r\n");
}

void
imap_append_input(struct imap_session *s)
{
	struct slice in = conn_input(s->conn);
	size_t n = in.len;

	if (n > s->lit_left)
		n = (size_t)s->lit_left;
	if (s->app != NULL && s->app->error == 0) {
		int rc = store_blob_write(s->app->blob, in.p, n);

		if (rc < 0)
			s->app->error = rc;
	}
	conn_consume(s->conn, n);
	s->lit_left -= n;
	if (s->lit_left == 0)
		s->wait = IMAP_WAIT_NONE;
}

static void
cmd_append_done(struct imap_cmd *cmd, int ret)
{
	struct imap_append *app = cmd->ctx;

	if (ret != 0)
		imap_cmd_store_error(cmd, ret);
	else
		imap_cmd_reply(cmd, "OK", "[APPENDUID %u %u] APPEND completed",
			       app->uidvalidity, app->uid);
	imap_cmd_end(cmd);
}

static void
imap_append_ctx_free(void *p)
{
	imap_append_free(p);
}

enum imap_cmd_ret
cmd_append(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_append *app = s->app;
	size_t n = imap_args_count(cmd->args);
	store_cb *cb;

	s->app = NULL;
	if (app == NULL)
		return imap_cmd_bad(cmd, "APPEND needs a message literal");
	cmd->ctx = app;
	cmd->ctx_free = imap_append_ctx_free;
	if (cmd->args[n - 1].type != IMAP_ARG_EXTERN &&
	    !(n >= 2 && imap_arg_atom_eq(&cmd->args[n - 2], "UTF8") &&
	      cmd->args[n - 1].type == IMAP_ARG_LIST &&
	      cmd->args[n - 1].len == 1 &&
	      cmd->args[n - 1].u.list[0].type == IMAP_ARG_EXTERN))
		return imap_cmd_bad(cmd, "Unexpected data after the message");
	if (app->error != 0)
		return imap_cmd_store_error(cmd, app->error);
	cb = imap_cmd_write_prepare(cmd, cmd_append_done);
	return imap_cmd_write_started(cmd, store_append(
		s->env->store, app->owner_id, app->mailbox_id, &app->blob,
		app->flags, app->keywords.len ? buf_cstr(&app->keywords) : NULL,
		app->date, app->tz, &app->uid, cb, s));
}
