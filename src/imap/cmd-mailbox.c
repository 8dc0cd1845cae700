/* cmd-mailbox.c - CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>

static void
cmd_mailbox_done(struct imap_cmd *cmd, int ret)
{
	if (ret != 0)
		imap_cmd_store_error(cmd, ret);
	else
		imap_cmd_reply(cmd, "OK", "%s completed", cmd->name);
	imap_cmd_end(cmd);
}

static char *cmd_mailbox_name(struct imap_cmd *cmd, size_t n);

/* CREATE's OK carries the new mailbox's MAILBOXID (RFC 8474 4.1) */
static void
cmd_create_done(struct imap_cmd *cmd, int ret)
{
	struct imap_session *s = cmd->s;
	struct imap_mbox m;
	char *name, oid[STORE_OBJECTID_MAX];

	if (ret != 0) {
		cmd_mailbox_done(cmd, ret);
		return;
	}
	name = cmd_mailbox_name(cmd, 0);
	/* a mailbox made in another account's namespace is that
	 * account's: found through the access check (no right needed:
	 * the session just made it) */
	if (name != NULL && imap_mailbox_access(s, name, 0, &m) == 0) {
		store_mailbox_objectid(s->env->store, m.m.id, m.m.uidvalidity,
				       oid);
		imap_cmd_reply(cmd, "OK", "[MAILBOXID (%s)] CREATE completed",
			       oid);
		imap_mbox_clear(&m);
		imap_cmd_end(cmd);
	} else {
		cmd_mailbox_done(cmd, 0);
	}
	free(name);
}

/* the mailbox argument n, without a trailing hierarchy separator */
static char *
cmd_mailbox_name(struct imap_cmd *cmd, size_t n)
{
	char *name = imap_mailbox_arg(cmd->s, &cmd->args[n]);
	size_t len;

	if (name == NULL)
		return NULL;
	len = strlen(name);
	if (len > 1 && name[len - 1] == '/')
		name[len - 1] = '\0';
	return name;
}

/* CREATE-SPECIAL-USE (RFC 6154 3): "(USE (\\Sent ...))"; the uses a
 * real mailbox can have (\\All and \\Flagged are virtual). 1 ok, 0 a
 * use we cannot give (NO [USEATTR]), -1 syntax error. */
static int
create_use(const struct imap_arg *a, unsigned *use)
{
	static const struct { const char *name; unsigned bit; } uses[] = {
		{ "\\Archive", STORE_SU_ARCHIVE }, { "\\Drafts", STORE_SU_DRAFTS },
		{ "\\Junk", STORE_SU_JUNK }, { "\\Sent", STORE_SU_SENT },
		{ "\\Trash", STORE_SU_TRASH },
	};
	const struct imap_arg *p = a->u.list, *f;
	bool known = true;

	*use = 0;
	for (; p->type != IMAP_ARG_EOL; p += 2) {
		if (!imap_arg_atom_eq(p, "USE") || p[1].type != IMAP_ARG_LIST)
			return -1;
		for (f = p[1].u.list; f->type != IMAP_ARG_EOL; f++) {
			size_t i, n = sizeof(uses) / sizeof(uses[0]);

			if (f->type != IMAP_ARG_ATOM)
				return -1;
			for (i = 0; i < n; i++)
				if (imap_arg_atom_eq(f, uses[i].name))
					break;
			if (i == n)
				known = false;
			else
				*use |= uses[i].bit;
		}
	}
	return known ? 1 : 0;
}

enum imap_cmd_ret
cmd_create(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	unsigned use = 0;
	int64_t owner;
	char *name, *oname;
	store_cb *cb;
	int rc;

	if (cmd->args[0].type == IMAP_ARG_EOL ||
	    (cmd->args[1].type != IMAP_ARG_EOL &&
	     (cmd->args[1].type != IMAP_ARG_LIST ||
	      cmd->args[2].type != IMAP_ARG_EOL)))
		return imap_cmd_bad(cmd, "CREATE needs a mailbox name "
				    "[and (USE (...))]");
	if (cmd->args[1].type == IMAP_ARG_LIST) {
		rc = create_use(&cmd->args[1], &use);
		if (rc < 0)
			return imap_cmd_bad(cmd, "Invalid CREATE parameters");
		if (rc == 0)
			return imap_cmd_reply(cmd, "NO", "[USEATTR] Special "
					      "use not supported");
	}
	name = cmd_mailbox_name(cmd, 0);
	if (name == NULL)
		return imap_cmd_bad(cmd, "Invalid mailbox name");
	rc = imap_mailbox_access_create(s, name, &owner, &oname);
	free(name);
	if (rc != 0)
		return imap_cmd_store_error(cmd, rc);
	cb = imap_cmd_write_prepare(cmd, cmd_create_done);
	rc = store_mailbox_create(s->env->store, owner, oname, use, NULL, cb,
				  s);
	free(oname);
	return imap_cmd_write_started(cmd, rc);
}

enum imap_cmd_ret
cmd_delete(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_mbox mb;
	char *name;
	store_cb *cb;
	int rc;

	if (cmd->args[0].type == IMAP_ARG_EOL ||
	    cmd->args[1].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "DELETE needs one mailbox name");
	name = cmd_mailbox_name(cmd, 0);
	if (name == NULL)
		return imap_cmd_bad(cmd, "Invalid mailbox name");
	if (s->selected && strcmp(name, s->view.name) == 0) {
		/* RFC 9051 6.3.4 lets us refuse deleting the open one */
		free(name);
		return imap_cmd_reply(cmd, "NO", "[INUSE] Mailbox is selected");
	}
	rc = imap_mailbox_access(s, name, STORE_ACL_X, &mb);
	free(name);
	if (rc != 0) {
		imap_mbox_clear(&mb);
		return imap_cmd_store_error(cmd, rc);
	}
	cb = imap_cmd_write_prepare(cmd, cmd_mailbox_done);
	rc = store_mailbox_delete(s->env->store, mb.owner_id, mb.oname, cb, s);
	imap_mbox_clear(&mb);
	return imap_cmd_write_started(cmd, rc);
}

enum imap_cmd_ret
cmd_rename(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct imap_mbox mb;
	char *from, *to, *oto = NULL;
	int64_t owner = 0;
	store_cb *cb;
	int rc;

	if (cmd->args[0].type == IMAP_ARG_EOL ||
	    cmd->args[1].type == IMAP_ARG_EOL ||
	    cmd->args[2].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "RENAME needs two mailbox names");
	from = cmd_mailbox_name(cmd, 0);
	to = cmd_mailbox_name(cmd, 1);
	if (from == NULL || to == NULL) {
		free(from);
		free(to);
		return imap_cmd_bad(cmd, "Invalid mailbox name");
	}
	rc = imap_mailbox_access(s, from, STORE_ACL_X, &mb);
	if (rc == 0)
		rc = imap_mailbox_access_create(s, to, &owner, &oto);
	free(from);
	free(to);
	/* a mailbox stays with its owner */
	if (rc == 0 && owner != mb.owner_id)
		rc = STORE_EPERM;
	if (rc != 0) {
		imap_mbox_clear(&mb);
		free(oto);
		return imap_cmd_store_error(cmd, rc);
	}
	cb = imap_cmd_write_prepare(cmd, cmd_mailbox_done);
	rc = store_mailbox_rename(s->env->store, owner, mb.oname, oto, cb, s);
	imap_mbox_clear(&mb);
	free(oto);
	return imap_cmd_write_started(cmd, rc);
}

static enum imap_cmd_ret
cmd_subscribe_common(struct imap_cmd *cmd, bool on)
{
	struct imap_session *s = cmd->s;
	struct imap_mbox mb = { 0 };
	char *name;
	store_cb *cb;
	int rc;

	if (cmd->args[0].type == IMAP_ARG_EOL ||
	    cmd->args[1].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "One mailbox name expected");
	name = cmd_mailbox_name(cmd, 0);
	if (name == NULL)
		return imap_cmd_bad(cmd, "Invalid mailbox name");
	/* a shared name: the user's own list, and SUBSCRIBE needs the
	 * mailbox visible (l); one it may not see answers as one that
	 * does not exist (NONEXISTENT), so nothing more is told */
	if (imap_mailbox_shared(name)) {
		rc = imap_mailbox_access(s, name, on ? STORE_ACL_L : 0, &mb);
		if (rc != 0 && on) {
			free(name);
			imap_mbox_clear(&mb);
			return imap_cmd_store_error(cmd, rc);
		}
	}
	cb = imap_cmd_write_prepare(cmd, cmd_mailbox_done);
	rc = store_mailbox_subscribe_other(s->env->store, s->account_id,
					   mb.m.name ? mb.m.name : name,
					   mb.oname ? mb.owner_id :
					   s->account_id, mb.oname, on, cb, s);
	imap_mbox_clear(&mb);
	free(name);
	return imap_cmd_write_started(cmd, rc);
}

enum imap_cmd_ret
cmd_subscribe(struct imap_cmd *cmd)
{
	return cmd_subscribe_common(cmd, true);
}

enum imap_cmd_ret
cmd_unsubscribe(struct imap_cmd *cmd)
{
	return cmd_subscribe_common(cmd, false);
}
