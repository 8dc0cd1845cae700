/* cmd-store.c - STORE and UID STORE: FLAGS, +FLAGS, -FLAGS (.SILENT) */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct store_ctx {
	struct store_uid_range *ranges;
	struct buf keywords;
	bool silent;
	struct store_flags_result res;
};

static void
store_ctx_free(void *p)
{
	struct store_ctx *x = p;

	free(x->ranges);
	buf_free(&x->keywords);
	store_flags_result_free(&x->res);
	free(x);
}

static void
cmd_store_done(struct imap_cmd *cmd, int ret)
{
	struct imap_session *s = cmd->s;
	struct store_ctx *x = cmd->ctx;
	struct buf b = BUF_INIT;
	size_t i;

	if (ret != 0) {
		imap_cmd_store_error(cmd, ret);
		imap_cmd_end(cmd);
		return;
	}
	for (i = 0; i < x->res.n; i++) {
		const struct store_change *c = &x->res.v[i];
		struct imap_msg *m = imap_view_find(&s->view, c->uid);

		if (m == NULL)
			continue;
		m->flags = c->flags;
		m->modseq = c->modseq;
		if (x->silent)
			continue;
		buf_printf(&b, "* %u FETCH (FLAGS ",
			   imap_view_seq(&s->view, c->uid));
		imap_append_flags(&b, c->flags, c->keywords);
		if (cmd->uid)
			buf_printf(&b, " UID %u", c->uid);
		buf_append_str(&b, ")\r\n");
	}
	imap_write(s, b.data, b.len);
	buf_free(&b);
	imap_cmd_reply(cmd, "OK", "Store completed");
	imap_cmd_end(cmd);
}

enum imap_cmd_ret
cmd_store(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	enum store_flag_op op;
	struct store_ctx *x;
	const char *err, *what;
	uint32_t flags;
	size_t n;
	store_cb *cb;

	if (a[0].type != IMAP_ARG_ATOM || a[1].type != IMAP_ARG_ATOM ||
	    a[2].type == IMAP_ARG_EOL || a[3].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "STORE needs a set, an item and flags");
	if (s->view.readonly)
		return imap_cmd_reply(cmd, "NO", "[READ-ONLY] Mailbox is "
				      "read-only");
	x = xcalloc(1, sizeof(*x));
	cmd->ctx = x;
	cmd->ctx_free = store_ctx_free;
	what = a[1].u.str;
	if (*what == '+') {
		op = STORE_FLAGS_ADD;
		what++;
	} else if (*what == '-') {
		op = STORE_FLAGS_REMOVE;
		what++;
	} else {
		op = STORE_FLAGS_SET;
	}
	if (strcasecmp(what, "FLAGS.SILENT") == 0)
		x->silent = true;
	else if (strcasecmp(what, "FLAGS") != 0)
		return imap_cmd_bad(cmd, "Unknown STORE item");
	if (!imap_parse_flags(&a[2], &flags, &x->keywords))
		return imap_cmd_bad(cmd, "Invalid flags");
	if (!imap_view_ranges(s, a[0].u.str, cmd->uid, &x->ranges, &n, &err))
		return imap_cmd_bad(cmd, err);
	if (n == 0)
		return imap_cmd_reply(cmd, "OK", "Store completed");
	cb = imap_cmd_write_prepare(cmd, cmd_store_done);
	return imap_cmd_write_started(cmd, store_flags(
		s->env->store, s->account_id, s->view.mailbox_id, x->ranges, n,
		op, flags, x->keywords.len ? buf_cstr(&x->keywords) : "",
		0, &x->res, cb, s));
}
