/* cmd-copy.c - COPY and MOVE (RFC 6851), with UIDPLUS COPYUID */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>

struct copy_ctx {
	struct store_uid_range *ranges;
	struct store_uidmap map;
	bool move;
};

static void
copy_ctx_free(void *p)
{
	struct copy_ctx *x = p;

	free(x->ranges);
	store_uidmap_free(&x->map);
	free(x);
}

/* "COPYUID v src dst" (src ascending, dst in the same order) */
static void
copy_uid_code(const struct store_uidmap *map, struct buf *b)
{
	struct imap_seqset set;
	char *src;
	struct buf d = BUF_INIT;
	size_t i;

	imap_seqset_from_sorted(&set, map->src, map->n);
	src = imap_seqset_format(&set);
	imap_seqset_free(&set);
	/* dst uids are ascending too (new uids given in order) */
	for (i = 0; i < map->n; i++) {
		size_t j = i;

		while (j + 1 < map->n && map->dst[j + 1] == map->dst[j] + 1 &&
		       map->src[j + 1] > map->src[j])
			j++;
		if (i > 0)
			buf_append_byte(&d, ',');
		if (j > i)
			buf_printf(&d, "%u:%u", map->dst[i], map->dst[j]);
		else
			buf_printf(&d, "%u", map->dst[i]);
		i = j;
	}
	buf_printf(b, "COPYUID %u %s %s", map->dst_uidvalidity, src,
		   buf_cstr(&d));
	free(src);
	buf_free(&d);
}

static void
cmd_copy_done(struct imap_cmd *cmd, int ret)
{
	struct copy_ctx *x = cmd->ctx;
	struct buf code = BUF_INIT;

	if (ret != 0) {
		if (ret == STORE_ENOTFOUND)
			imap_cmd_reply(cmd, "NO", "[TRYCREATE] No such mailbox");
		else
			imap_cmd_store_error(cmd, ret);
		imap_cmd_end(cmd);
		return;
	}
	if (x->map.n > 0)
		copy_uid_code(&x->map, &code);
	if (x->move) {
		if (code.len > 0)
			imap_printf(cmd->s, "* OK [%s] Moved\r\n",
				    buf_cstr(&code));
		imap_view_expunged(cmd->s, x->map.src, x->map.n);
		imap_cmd_reply(cmd, "OK", "Move completed");
	} else if (code.len > 0) {
		imap_cmd_reply(cmd, "OK", "[%s] Copy completed",
			       buf_cstr(&code));
	} else {
		imap_cmd_reply(cmd, "OK", "Copy completed");
	}
	buf_free(&code);
	imap_cmd_end(cmd);
}

static enum imap_cmd_ret
cmd_copy_common(struct imap_cmd *cmd, bool move)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	struct imap_mbox m;
	struct copy_ctx *x;
	const char *err;
	char *name;
	size_t n;
	int rc;
	store_cb *cb;

	if (a[0].type != IMAP_ARG_ATOM || a[1].type == IMAP_ARG_EOL ||
	    a[2].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "A set and a mailbox expected");
	if (move && s->view.readonly)
		return imap_cmd_reply(cmd, "NO", "[READ-ONLY] Mailbox is "
				      "read-only");
	x = xcalloc(1, sizeof(*x));
	x->move = move;
	cmd->ctx = x;
	cmd->ctx_free = copy_ctx_free;
	if (!imap_view_ranges(s, a[0].u.str, cmd->uid, &x->ranges, &n, &err))
		return imap_cmd_bad(cmd, err);
	name = imap_mailbox_arg(s, &a[1]);
	if (name == NULL)
		return imap_cmd_bad(cmd, "Invalid mailbox name");
	rc = imap_mailbox_access(s, name, STORE_ACL_I, &m);
	free(name);
	if (rc == 0 && (m.m.attrs & STORE_MBX_NOSELECT))
		rc = STORE_ENOSELECT;
	if (rc != 0) {
		imap_mbox_clear(&m);
		if (rc == STORE_ENOTFOUND || rc == STORE_EBADNAME)
			return imap_cmd_reply(cmd, "NO", "[TRYCREATE] No such "
					      "mailbox");
		return imap_cmd_store_error(cmd, rc);
	}
	if (n == 0) {
		imap_mbox_clear(&m);
		return imap_cmd_reply(cmd, "OK", "%s completed",
				      move ? "Move" : "Copy");
	}
	cb = imap_cmd_write_prepare(cmd, cmd_copy_done);
	rc = store_copy_between(s->env->store, s->view.account_id,
				s->view.mailbox_id, x->ranges, n, m.owner_id,
				m.m.id, move, &x->map, cb, s);
	imap_mbox_clear(&m);
	return imap_cmd_write_started(cmd, rc);
}

enum imap_cmd_ret
cmd_copy(struct imap_cmd *cmd)
{
	return cmd_copy_common(cmd, false);
}

enum imap_cmd_ret
cmd_move(struct imap_cmd *cmd)
{
	return cmd_copy_common(cmd, true);
}
