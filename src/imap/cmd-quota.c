/* cmd-quota.c - GETQUOTAROOT and GETQUOTA (RFC 9208): the account's
 * limits as one quota root over all its mailboxes. Limits are set by the
 * administrator (`tern account quota`), so SETQUOTA is not offered (no
 * QUOTASET capability). */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>

#include "store/store.h"

/* the name clients show (Dovecot's too, so scripts find it familiar) */
#define QUOTA_ROOT "User quota"

/* "* QUOTA root (...)" for the account; false if it has no limits */
static bool
quota_line(const struct store_account *a, struct buf *b)
{
	if (a->quota_bytes == 0 && a->quota_messages == 0)
		return false;
	buf_append_str(b, "* QUOTA ");
	imap_append_astring(b, QUOTA_ROOT, strlen(QUOTA_ROOT));
	buf_append_str(b, " (");
	if (a->quota_bytes != 0)	/* STORAGE counts units of 1024 octets */
		buf_printf(b, "STORAGE %llu %llu",
			   (unsigned long long)((a->used_bytes + 1023) / 1024),
			   (unsigned long long)(a->quota_bytes / 1024));
	if (a->quota_messages != 0)
		buf_printf(b, "%sMESSAGE %llu %llu",
			   a->quota_bytes != 0 ? " " : "",
			   (unsigned long long)a->used_messages,
			   (unsigned long long)a->quota_messages);
	buf_append_str(b, ")\r\n");
	return true;
}

static int
quota_account(struct imap_session *s, struct store_account *a)
{
	memset(a, 0, sizeof(*a));
	return store_account_get(s->env->store, NULL, s->account_id, a);
}

enum imap_cmd_ret
cmd_getquotaroot(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	struct store_mailbox m = { 0 };
	struct store_account acc;
	struct buf b = BUF_INIT, q = BUF_INIT;
	char *name;
	int rc;

	if (a[0].type == IMAP_ARG_EOL || a[1].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "GETQUOTAROOT needs a mailbox");
	name = imap_mailbox_arg(s, &a[0]);
	if (name == NULL)
		return imap_cmd_bad(cmd, "Invalid mailbox name");
	rc = store_mailbox_get(s->env->store, s->account_id, name, &m);
	free(name);
	if (rc == 0)
		rc = quota_account(s, &acc);
	if (rc != 0) {
		store_mailbox_clear(&m);
		return imap_cmd_store_error(cmd, rc);
	}
	/* a mailbox under no limit is under no quota root */
	buf_append_str(&b, "* QUOTAROOT ");
	imap_append_mailbox(s, &b, m.name);
	if (quota_line(&acc, &q)) {
		buf_append_byte(&b, ' ');
		imap_append_astring(&b, QUOTA_ROOT, strlen(QUOTA_ROOT));
	}
	buf_append_str(&b, "\r\n");
	buf_append(&b, q.data, q.len);
	imap_write(s, b.data, b.len);
	buf_free(&b);
	buf_free(&q);
	store_account_clear(&acc);
	store_mailbox_clear(&m);
	return imap_cmd_reply(cmd, "OK", "Getquotaroot completed");
}

enum imap_cmd_ret
cmd_getquota(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	const char *root = imap_arg_str(&a[0]);
	struct store_account acc;
	struct buf b = BUF_INIT;
	int rc;

	if (root == NULL || a[1].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "GETQUOTA needs a quota root");
	if ((rc = quota_account(s, &acc)) != 0)
		return imap_cmd_store_error(cmd, rc);
	if (strcmp(root, QUOTA_ROOT) != 0 || !quota_line(&acc, &b)) {
		store_account_clear(&acc);
		buf_free(&b);
		return imap_cmd_reply(cmd, "NO", "[NONEXISTENT] No such quota "
				      "root");
	}
	imap_write(s, b.data, b.len);
	buf_free(&b);
	store_account_clear(&acc);
	return imap_cmd_reply(cmd, "OK", "Getquota completed");
}
