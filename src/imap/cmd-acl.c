/* cmd-acl.c - SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS (RFC 4314).
 * The rights themselves are enforced by imap-acl.c. */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"

/* every right but the ones a group ties together is on its own:
 * LISTRIGHTS lists each (and c, d for RFC 2086 clients, as Dovecot) */
static const char acl_optional[] = "l r s w i p k x t e a c d";

struct acl_ctx {
	struct imap_mbox mb;
	char *identifier;
	unsigned rights;
};

static void
acl_ctx_free(void *p)
{
	struct acl_ctx *x = p;

	imap_mbox_clear(&x->mb);
	free(x->identifier);
	free(x);
}

/* mailbox argument + access with need; NULL: the reply is written */
static struct acl_ctx *
acl_begin(struct imap_cmd *cmd, unsigned need, enum imap_cmd_ret *ret_r)
{
	struct imap_session *s = cmd->s;
	struct acl_ctx *x;
	char *name;
	int rc;

	name = imap_mailbox_arg(s, &cmd->args[0]);
	if (name == NULL) {
		*ret_r = imap_cmd_bad(cmd, "Invalid mailbox name");
		return NULL;
	}
	x = xcalloc(1, sizeof(*x));
	cmd->ctx = x;
	cmd->ctx_free = acl_ctx_free;
	rc = imap_mailbox_access(s, name, need, &x->mb);
	free(name);
	if (rc != 0) {
		*ret_r = imap_cmd_store_error(cmd, rc);
		return NULL;
	}
	return x;
}

static enum imap_cmd_ret
acl_error(struct imap_cmd *cmd, int rc)
{
	struct acl_ctx *x = cmd->ctx;

	if (x != NULL && x->identifier != NULL)
		imap_acl_log(cmd->s, "refused", x->mb.m.name, x->identifier,
			     0);
	switch (rc) {
	case STORE_EINVAL:
		return imap_cmd_reply(cmd, "NO", "[CANNOT] Invalid identifier "
				      "(negative rights are not supported; "
				      "the owner has every right)");
	case STORE_ENOTFOUND:
		return imap_cmd_reply(cmd, "NO", "[CANNOT] No such identifier");
	case STORE_ELIMIT:
		return imap_cmd_reply(cmd, "NO", "[LIMIT] Too many ACL entries "
				      "or identifier too long");
	default:
		return imap_cmd_store_error(cmd, rc);
	}
}

static void
acl_set_done(struct imap_cmd *cmd, int ret)
{
	struct acl_ctx *x = cmd->ctx;

	if (ret != 0) {
		acl_error(cmd, ret);
	} else {
		imap_acl_log(cmd->s, "set", x->mb.m.name, x->identifier,
			     x->rights);
		imap_cmd_reply(cmd, "OK", "%s completed", cmd->name);
	}
	imap_cmd_end(cmd);
}

static enum imap_cmd_ret
acl_set(struct imap_cmd *cmd, const char *id, enum store_acl_mode mode,
	unsigned rights)
{
	struct imap_session *s = cmd->s;
	struct acl_ctx *x = cmd->ctx;
	store_cb *cb;
	int rc;

	x->identifier = xstrdup(id);
	cb = imap_cmd_write_prepare(cmd, acl_set_done);
	rc = store_acl_set(s->env->store, x->mb.owner_id, x->mb.m.id, id, mode,
			   rights, &x->rights, cb, s);
	if (rc < 0) {
		/* refused before it was queued: the reply says why */
		s->wr_done = NULL;
		imap_session_unref(s);
		return acl_error(cmd, rc);
	}
	return IMAP_CMD_WAIT;
}

enum imap_cmd_ret
cmd_setacl(struct imap_cmd *cmd)
{
	const struct imap_arg *a = cmd->args;
	enum store_acl_mode mode = STORE_ACL_REPLACE;
	enum imap_cmd_ret ret;
	const char *id, *mod;
	unsigned rights;

	if (a[0].type == IMAP_ARG_EOL || (id = imap_arg_str(&a[1])) == NULL ||
	    (mod = imap_arg_str(&a[2])) == NULL || a[3].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "SETACL needs a mailbox, an "
				    "identifier and rights");
	if (mod[0] == '+' || mod[0] == '-') {
		mode = mod[0] == '+' ? STORE_ACL_ADD : STORE_ACL_REMOVE;
		mod++;
	}
	/* RFC 4314 3.1: an unknown right is BAD */
	if (store_acl_parse(mod, &rights) != 0)
		return imap_cmd_bad(cmd, "Unknown right");
	if (acl_begin(cmd, STORE_ACL_A, &ret) == NULL)
		return ret;
	return acl_set(cmd, id, mode, rights);
}

enum imap_cmd_ret
cmd_deleteacl(struct imap_cmd *cmd)
{
	const struct imap_arg *a = cmd->args;
	enum imap_cmd_ret ret;
	const char *id;

	if (a[0].type == IMAP_ARG_EOL || (id = imap_arg_str(&a[1])) == NULL ||
	    a[2].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "DELETEACL needs a mailbox and an "
				    "identifier");
	if (acl_begin(cmd, STORE_ACL_A, &ret) == NULL)
		return ret;
	return acl_set(cmd, id, STORE_ACL_REPLACE, 0);
}

/* an atom when it is one (as Dovecot writes identifiers and rights),
 * else a string */
static void
acl_append_word(struct buf *b, const char *w)
{
	size_t n = strlen(w);

	if (n > 0 && strcasecmp(w, "NIL") != 0 &&
	    w[strcspn(w, "(){ %*\"\\]")] == '\0') {
		bool atom = true;

		for (size_t i = 0; i < n; i++)
			if ((unsigned char)w[i] <= ' ' ||
			    (unsigned char)w[i] >= 0x7f)
				atom = false;
		if (atom) {
			buf_append(b, w, n);
			return;
		}
	}
	imap_append_astring(b, w, n);
}

static void
acl_append_entry(struct buf *b, const char *id, unsigned rights)
{
	char r[STORE_ACL_STRMAX];

	buf_append_byte(b, ' ');
	acl_append_word(b, id);
	buf_append_byte(b, ' ');
	acl_append_word(b, store_acl_format(rights, r));
}

enum imap_cmd_ret
cmd_getacl(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct store_acl_rows rows;
	struct store_account owner;
	enum imap_cmd_ret ret;
	struct buf b = BUF_INIT;
	struct acl_ctx *x;
	int rc;

	if (cmd->args[0].type == IMAP_ARG_EOL ||
	    cmd->args[1].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "GETACL needs a mailbox");
	if ((x = acl_begin(cmd, STORE_ACL_A, &ret)) == NULL)
		return ret;
	rc = store_acl_get(s->env->store, x->mb.owner_id, x->mb.m.id, &rows);
	if (rc == 0)
		rc = store_account_get(s->env->store, NULL, x->mb.owner_id,
				       &owner);
	if (rc != 0)
		return imap_cmd_store_error(cmd, rc);
	buf_append_str(&b, "* ACL ");
	imap_append_mailbox(s, &b, x->mb.m.name);
	/* the owner's implicit rights first: who may do everything */
	acl_append_entry(&b, owner.address, STORE_ACL_ALL);
	for (size_t i = 0; i < rows.n; i++)
		acl_append_entry(&b, rows.v[i].identifier, rows.v[i].rights);
	buf_append_str(&b, "\r\n");
	imap_write(s, b.data, b.len);
	buf_free(&b);
	store_acl_rows_free(&rows);
	store_account_clear(&owner);
	return imap_cmd_reply(cmd, "OK", "Getacl completed");
}

enum imap_cmd_ret
cmd_listrights(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	struct store_account owner;
	enum imap_cmd_ret ret;
	struct buf b = BUF_INIT;
	struct acl_ctx *x;
	const char *id;
	char *norm = NULL, r[STORE_ACL_STRMAX];
	bool is_owner;

	if (a[0].type == IMAP_ARG_EOL || (id = imap_arg_str(&a[1])) == NULL ||
	    a[2].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "LISTRIGHTS needs a mailbox and an "
				    "identifier");
	if ((x = acl_begin(cmd, STORE_ACL_A, &ret)) == NULL)
		return ret;
	if (store_account_get(s->env->store, NULL, x->mb.owner_id, &owner) != 0)
		return imap_cmd_store_error(cmd, STORE_EIO);
	(void)store_address_normalize(id, false, &norm);
	is_owner = norm != NULL && strcmp(norm, owner.address) == 0;
	free(norm);
	store_account_clear(&owner);
	buf_append_str(&b, "* LISTRIGHTS ");
	imap_append_mailbox(s, &b, x->mb.m.name);
	buf_append_byte(&b, ' ');
	acl_append_word(&b, id);
	if (is_owner) {
		/* always granted, nothing more to give */
		store_acl_format(STORE_ACL_ALL, r);
		buf_printf(&b, " %s\r\n", r);
	} else {
		buf_printf(&b, " \"\" %s\r\n", acl_optional);
	}
	imap_write(s, b.data, b.len);
	buf_free(&b);
	return imap_cmd_reply(cmd, "OK", "Listrights completed");
}

enum imap_cmd_ret
cmd_myrights(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	enum imap_cmd_ret ret;
	struct buf b = BUF_INIT;
	struct acl_ctx *x;
	char r[STORE_ACL_STRMAX];

	if (cmd->args[0].type == IMAP_ARG_EOL ||
	    cmd->args[1].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "MYRIGHTS needs a mailbox");
	/* RFC 4314 4: any right lets the user see its rights */
	if ((x = acl_begin(cmd, 0, &ret)) == NULL)
		return ret;
	if (x->mb.rights == 0)
		return imap_cmd_store_error(cmd, STORE_ENOTFOUND);
	buf_append_str(&b, "* MYRIGHTS ");
	imap_append_mailbox(s, &b, x->mb.m.name);
	buf_printf(&b, " %s\r\n", store_acl_format(x->mb.rights, r));
	imap_write(s, b.data, b.len);
	buf_free(&b);
	return imap_cmd_reply(cmd, "OK", "Myrights completed");
}
