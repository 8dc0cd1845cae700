/* cmd-store.c - STORE and UID STORE: FLAGS, +FLAGS, -FLAGS (.SILENT) */
#include "imap/imap-private.h"
#include "imap/imap-search.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct store_ctx {
	struct store_uid_range *ranges;
	struct buf keywords;
	bool silent;
	struct store_flags_result res;
	uint64_t unchangedsince;	/* STORE_UNCHANGEDSINCE_NONE if not given */
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

/* one untagged FETCH for a message the STORE reached */
static void
store_fetch_line(struct imap_cmd *cmd, const struct store_change *c,
		 struct buf *b)
{
	struct imap_session *s = cmd->s;
	struct store_ctx *x = cmd->ctx;
	uint32_t seq = imap_view_seq(&s->view, c->uid);

	if (seq == 0)
		return;
	imap_fetch_head(s, b, c->uid);
	if (!x->silent) {
		/* (silent: MODSEQ only, RFC 7162 3.1.3) */
		buf_append_str(b, "FLAGS ");
		imap_append_flags(b, c->flags | imap_view_recent(&s->view,
								  c->uid),
				  c->keywords);
		buf_append_byte(b, ' ');
	}
	if (cmd->uid && !s->uidonly)
		buf_printf(b, "UID %u ", c->uid);
	if (s->condstore)
		buf_printf(b, "MODSEQ (%llu) ", (unsigned long long)c->modseq);
	b->len--;	/* the last space */
	buf_append_str(b, ")\r\n");
}

static void
cmd_store_done(struct imap_cmd *cmd, int ret)
{
	struct imap_session *s = cmd->s;
	struct store_ctx *x = cmd->ctx;
	struct buf b = BUF_INIT;
	bool silent_modseq = s->condstore &&
		x->unchangedsince != STORE_UNCHANGEDSINCE_NONE;
	size_t i, j;
	bool new_kw = false;

	if (ret != 0) {
		imap_cmd_store_error(cmd, ret);
		imap_cmd_end(cmd);
		return;
	}
	for (i = 0; i < x->res.n; i++) {
		const struct store_change *c = &x->res.v[i];
		struct imap_msg *m = imap_view_find(&s->view, c->uid);

		if (m != NULL) {
			m->flags = c->flags | (m->flags & IMAP_F_RECENT);
			m->modseq = c->modseq;
		}
		if (c->keywords[0] != '\0')
			new_kw = true;
	}
	if (new_kw)
		imap_view_keywords_refresh(s);
	/* Non-silent: the flags of every message reached, changed or not,
	 * "as if a FETCH of those flags was done" (RFC 9051 6.4.6), in uid
	 * order. Silent: only the changed ones' MODSEQ, and only for a
	 * conditional STORE (RFC 7162 3.1.3). */
	if (!x->silent || silent_modseq) {
		for (i = j = 0; i < x->res.n || j < x->res.nsame;) {
			bool changed = j >= x->res.nsame ||
				(i < x->res.n &&
				 x->res.v[i].uid < x->res.same[j].uid);

			if (changed)
				store_fetch_line(cmd, &x->res.v[i++], &b);
			else if (!x->silent)
				store_fetch_line(cmd, &x->res.same[j++], &b);
			else
				j++;
		}
	}
	imap_write(s, b.data, b.len);
	buf_free(&b);
	if (s->n_updates > 0 && x->res.n > 0) {
		/* RETURN (UPDATE) results the new flags change */
		uint32_t *u = xmalloc(x->res.n * sizeof(*u));

		for (i = 0; i < x->res.n; i++)
			u[i] = x->res.v[i].uid;
		imap_updates_changed(s, u, x->res.n);
		free(u);
	}
	if (x->res.nfailed > 0) {
		struct imap_seqset set;
		char *f;

		if (!cmd->uid) {
			for (i = 0; i < x->res.nfailed; i++)
				x->res.failed[i] = imap_view_seq(
					&s->view, x->res.failed[i]);
		}
		imap_seqset_from_sorted(&set, x->res.failed, x->res.nfailed);
		f = imap_seqset_format(&set);
		imap_cmd_reply(cmd, "OK", "[MODIFIED %s] Conditional STORE "
			       "failed", f);
		free(f);
		imap_seqset_free(&set);
	} else {
		imap_cmd_reply(cmd, "OK", "Store completed");
	}
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
	unsigned need;
	size_t n;
	store_cb *cb;

	const struct imap_arg *set = &a[0];

	if (a[0].type != IMAP_ARG_ATOM)
		return imap_cmd_bad(cmd, "STORE needs a set, an item and flags");
	x = xcalloc(1, sizeof(*x));
	cmd->ctx = x;
	cmd->ctx_free = store_ctx_free;
	x->unchangedsince = STORE_UNCHANGEDSINCE_NONE;
	a++;
	if (a[0].type == IMAP_ARG_LIST) {
		/* RFC 7162: (UNCHANGEDSINCE modseq) */
		const struct imap_arg *m = a[0].u.list;

		if (!imap_arg_atom_eq(&m[0], "UNCHANGEDSINCE") ||
		    m[1].type != IMAP_ARG_ATOM || m[2].type != IMAP_ARG_EOL ||
		    !slice_to_u64(slice_from_cstr(m[1].u.str),
				  &x->unchangedsince) ||
		    x->unchangedsince > INT64_MAX)	/* 63-bit mod-sequence */
			return imap_cmd_bad(cmd, "Invalid STORE modifier");
		imap_condstore_enable(s);
		a++;
	}
	if (a[0].type != IMAP_ARG_ATOM || a[1].type == IMAP_ARG_EOL ||
	    a[2].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "STORE needs a set, an item and flags");
	if (s->view.readonly)
		return imap_cmd_reply(cmd, "NO", "[READ-ONLY] Mailbox is "
				      "read-only");
	what = a[0].u.str;
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
	if (!imap_parse_flags(&a[1], &flags, &x->keywords))
		return imap_cmd_bad(cmd, "Invalid flags");
	need = imap_acl_flags_need(op, flags, x->keywords.len > 0);
	if ((s->view.rights & need) != need)
		return imap_cmd_store_error(cmd, IMAP_ACL_ENOPERM);
	if (!imap_view_ranges(s, set->u.str, cmd->uid, &x->ranges, &n, &err))
		return imap_cmd_bad(cmd, err);
	if (n == 0)
		return imap_cmd_reply(cmd, "OK", "Store completed");
	cb = imap_cmd_write_prepare(cmd, cmd_store_done);
	return imap_cmd_write_started(cmd, store_flags(
		s->env->store, s->view.account_id, s->view.mailbox_id, x->ranges, n,
		op, flags, x->keywords.len ? buf_cstr(&x->keywords) : "",
		x->unchangedsince, &x->res, cb, s));
}
