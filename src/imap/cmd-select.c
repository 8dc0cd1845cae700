/* cmd-select.c - SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE, UID EXPUNGE */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <strings.h>

/* RFC 7162 3.2.5.1: what changed since the client's modseq */
static void
cmd_select_qresync(struct imap_session *s, uint64_t modseq,
		   const struct store_uid_range *known, size_t n_known)
{
	struct store_uid_range all = { 1, UINT32_MAX };
	struct store_changes ch = { 0 };
	struct buf b = BUF_INIT;
	size_t i;

	imap_view_vanished_earlier(s, modseq, known ? known : &all,
				   known ? n_known : 1);
	if (store_mailbox_changes(s->env->store, s->view.account_id,
				  s->view.mailbox_id, modseq, &ch) != 0) {
		store_changes_free(&ch);
		return;
	}
	for (i = 0; i < ch.n; i++) {
		uint32_t seq = imap_view_seq(&s->view, ch.v[i].uid);

		if (seq == 0)
			continue;
		imap_fetch_head(s, &b, ch.v[i].uid);
		if (!s->uidonly)
			buf_printf(&b, "UID %u ", ch.v[i].uid);
		buf_append_str(&b, "FLAGS ");
		imap_append_flags(&b, ch.v[i].flags |
				  imap_view_recent(&s->view, ch.v[i].uid),
				  ch.v[i].keywords);
		buf_printf(&b, " MODSEQ (%llu))\r\n",
			   (unsigned long long)ch.v[i].modseq);
	}
	imap_write(s, b.data, b.len);
	buf_free(&b);
	store_changes_free(&ch);
}

/* SELECT/EXAMINE across the thread pool: the mailbox's snapshot (every
 * uid and flag: ~13 ms at 100,000 messages) is read off the loop */
struct select_ctx {
	struct work_gate_job job;
	bool readonly;
	struct store_mailbox mb;
	struct buf list;		/* rev2: the mailbox's LIST line */
	const struct imap_arg *qr;	/* QRESYNC parameters, or NULL */
	uint64_t qr_modseq;
	uint32_t qr_uidv;
	struct store_uid_range *qr_ranges;
	size_t qr_n;
	struct store_view sv;		/* read by the worker */
	char *keywords;
	int w_rc;
};

static void
select_ctx_free(void *p)
{
	struct select_ctx *x = p;

	store_mailbox_clear(&x->mb);
	buf_free(&x->list);
	free(x->qr_ranges);
	store_view_free(&x->sv);
	free(x->keywords);
	free(x);
}

/* the QRESYNC (uidvalidity modseq [known-uids]) list into x */
static bool
select_qresync_args(struct select_ctx *x)
{
	const struct imap_arg *qr = x->qr;
	uint64_t v;
	size_t i;

	if (qr[0].type != IMAP_ARG_ATOM || qr[1].type != IMAP_ARG_ATOM ||
	    !slice_to_u64(slice_from_cstr(qr[0].u.str), &v) ||
	    v == 0 || v > UINT32_MAX ||
	    !slice_to_u64(slice_from_cstr(qr[1].u.str), &x->qr_modseq) ||
	    x->qr_modseq == 0 ||
	    (qr[2].type != IMAP_ARG_EOL && qr[2].type != IMAP_ARG_ATOM))
		return false;
	x->qr_uidv = (uint32_t)v;
	if (qr[2].type == IMAP_ARG_ATOM) {
		struct imap_seqset set;

		if (!imap_seqset_parse(qr[2].u.str, &set) || set.dollar) {
			imap_seqset_free(&set);
			return false;
		}
		imap_seqset_resolve(&set, UINT32_MAX - 1);
		x->qr_ranges = xcalloc(set.n ? set.n : 1,
				       sizeof(*x->qr_ranges));
		for (i = 0; i < set.n; i++) {
			x->qr_ranges[i].lo = set.v[i].lo;
			x->qr_ranges[i].hi = set.v[i].hi;
		}
		x->qr_n = set.n;
		imap_seqset_free(&set);
	}
	return true;
}

/* RFC 9051 6.3.2: the mailbox's LIST line, sent with SELECT in rev2 */
static void
select_list_line(struct imap_session *s, const struct store_mailbox *mb,
		 struct buf *list)
{
	static const struct {
		unsigned bit;
		const char *name;
	} su[] = {
		{ STORE_SU_ALL, " \\All" },
		{ STORE_SU_ARCHIVE, " \\Archive" },
		{ STORE_SU_DRAFTS, " \\Drafts" },
		{ STORE_SU_FLAGGED, " \\Flagged" },
		{ STORE_SU_JUNK, " \\Junk" },
		{ STORE_SU_SENT, " \\Sent" },
		{ STORE_SU_TRASH, " \\Trash" },
	};
	size_t i;

	buf_printf(list, "* LIST (%s", mb->attrs & STORE_MBX_HASCHILDREN ?
		   "\\HasChildren" : "\\HasNoChildren");
	for (i = 0; i < sizeof(su) / sizeof(su[0]); i++)
		if (mb->special_use & su[i].bit)
			buf_append_str(list, su[i].name);
	buf_append_str(list, ") \"/\" ");
	imap_append_mailbox(s, list, mb->name);
	buf_append_str(list, "\r\n");
}

/* on the loop, the snapshot read: the view, the untagged data, OK */
static enum imap_cmd_ret
select_finish(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct select_ctx *x = cmd->ctx;
	struct imap_view *v = &s->view;
	struct buf b = BUF_INIT;
	char oid[STORE_OBJECTID_MAX];
	size_t i;

	if (x->w_rc != 0) {
		imap_view_close(s);
		return imap_cmd_store_error(cmd, x->w_rc);
	}
	imap_view_install(s, x->mb.name, x->readonly, &x->sv, x->keywords);
	x->keywords = NULL;
	store_view_free(&x->sv);
	imap_view_flags_line(s, &b);
	if (x->readonly) {
		/* replace the PERMANENTFLAGS line: nothing can change */
		buf_reset(&b);
		buf_append_str(&b, "* FLAGS (\\Answered \\Flagged \\Deleted "
			       "\\Seen \\Draft");
		if (v->keywords[0] != '\0')
			buf_printf(&b, " %s", v->keywords);
		buf_append_str(&b, ")\r\n* OK [PERMANENTFLAGS ()] Read-only "
			       "mailbox\r\n");
	}
	buf_printf(&b, "* %zu EXISTS\r\n", v->n);
	if (!s->rev2)
		buf_printf(&b, "* %u RECENT\r\n", v->n_recent);
	/* UNSEEN is a message number: not with UIDONLY (RFC 9586 3) */
	for (i = 0; i < v->n && !s->rev2 && !s->uidonly; i++) {
		if (!(v->msgs[i].flags & STORE_F_SEEN)) {
			buf_printf(&b, "* OK [UNSEEN %zu] First unseen\r\n",
				   i + 1);
			break;
		}
	}
	buf_printf(&b, "* OK [UIDVALIDITY %u] UIDs valid\r\n"
		   "* OK [UIDNEXT %u] Predicted next UID\r\n"
		   "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
		   v->uidvalidity, v->uidnext,
		   (unsigned long long)v->modseq);
	store_mailbox_objectid(s->env->store, x->mb.id, v->uidvalidity, oid);
	buf_printf(&b, "* OK [MAILBOXID (%s)] Ok\r\n", oid);
	buf_append_slice(&b, buf_slice(&x->list));
	imap_write(s, b.data, b.len);
	buf_free(&b);
	if (x->qr != NULL && x->qr_uidv == v->uidvalidity)
		cmd_select_qresync(s, x->qr_modseq, x->qr_ranges, x->qr_n);
	return imap_cmd_reply(cmd, "OK", "[%s] %s completed",
			      x->readonly ? "READ-ONLY" : "READ-WRITE",
			      cmd->name);
}

static void
select_work(uv_work_t *w)
{
	struct imap_cmd *cmd = w->data;
	struct select_ctx *x = cmd->ctx;

	x->w_rc = imap_view_read(cmd->s->env->store, cmd->s->view.account_id,
				 x->mb.id, &x->sv, &x->keywords);
}

static void
select_after_work(uv_work_t *w, int status)
{
	struct imap_cmd *cmd = w->data;
	struct imap_session *s = cmd->s;
	struct select_ctx *x = cmd->ctx;

	if (!s->conn_gone && s->cmd == cmd) {
		if (status != 0)
			x->w_rc = STORE_EIO;
		if (select_finish(cmd) == IMAP_CMD_DONE)
			imap_cmd_end(cmd);
	}
	imap_session_unref(s);
}

static enum imap_cmd_ret
cmd_select_common(struct imap_cmd *cmd, bool readonly)
{
	struct imap_session *s = cmd->s;
	struct imap_mbox mbox;
	struct select_ctx *x;
	char *name;
	int rc;

	if (cmd->args[0].type == IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "Mailbox name expected");
	x = xcalloc(1, sizeof(*x));
	cmd->ctx = x;
	cmd->ctx_free = select_ctx_free;
	x->readonly = readonly;
	if (cmd->args[1].type == IMAP_ARG_LIST &&
	    cmd->args[2].type == IMAP_ARG_EOL) {
		const struct imap_arg *p = cmd->args[1].u.list;

		for (; p->type != IMAP_ARG_EOL; p++) {
			if (imap_arg_atom_eq(p, "CONDSTORE")) {
				s->condstore = true;
			} else if (imap_arg_atom_eq(p, "QRESYNC") &&
				   s->qresync && p[1].type == IMAP_ARG_LIST) {
				x->qr = (++p)->u.list;
			} else {
				return imap_cmd_bad(cmd, "Invalid SELECT "
						    "parameters");
			}
		}
	} else if (cmd->args[1].type != IMAP_ARG_EOL) {
		return imap_cmd_bad(cmd, "Invalid SELECT parameters");
	}
	if (x->qr != NULL && !select_qresync_args(x))
		return imap_cmd_bad(cmd, "Invalid QRESYNC parameters");
	name = imap_mailbox_arg(s, &cmd->args[0]);
	if (name == NULL)
		return imap_cmd_bad(cmd, "Invalid mailbox name");
	if (s->selected) {
		imap_view_close(s);
		if (s->qresync || s->rev2)
			imap_printf(s, "* OK [CLOSED] Previous mailbox closed\r\n");
	}
	rc = imap_mailbox_access(s, name, STORE_ACL_R, &mbox);
	free(name);
	x->mb = mbox.m;
	mbox.m.name = NULL;
	imap_mbox_clear(&mbox);
	if (rc == 0 && (x->mb.attrs & STORE_MBX_NOSELECT))
		rc = STORE_ENOSELECT;
	if (rc != 0)
		return imap_cmd_store_error(cmd, rc);
	/* RFC 4314 4: without a right to change anything, read-only */
	if (!(mbox.rights & (STORE_ACL_S | STORE_ACL_W | STORE_ACL_T |
			     STORE_ACL_E)))
		x->readonly = true;
	if (s->rev2)
		select_list_line(s, &x->mb, &x->list);
	imap_view_begin(s, mbox.owner_id, x->mb.id);
	s->view.rights = mbox.rights;
	x->job.work.data = cmd;
	imap_session_ref(s);
	if (imap_session_queue_work(s, &x->job, select_work,
				    select_after_work) == 0)
		return IMAP_CMD_WAIT;
	imap_session_unref(s);
	select_work(&x->job.work);	/* no thread pool: here */
	return select_finish(cmd);
}

enum imap_cmd_ret
cmd_select(struct imap_cmd *cmd)
{
	return cmd_select_common(cmd, false);
}

enum imap_cmd_ret
cmd_examine(struct imap_cmd *cmd)
{
	return cmd_select_common(cmd, true);
}

enum imap_cmd_ret
cmd_unselect(struct imap_cmd *cmd)
{
	if (cmd->args[0].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "No arguments expected");
	imap_view_close(cmd->s);
	return imap_cmd_reply(cmd, "OK", "Unselect completed");
}

static void
cmd_close_done(struct imap_cmd *cmd, int ret)
{
	/* expunged silently (RFC 9051 6.4.1), errors included */
	imap_view_close(cmd->s);
	imap_cmd_reply(cmd, "OK", "Close completed");
	imap_cmd_end(cmd);
}

enum imap_cmd_ret
cmd_close(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	store_cb *cb;

	if (cmd->args[0].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "No arguments expected");
	/* RFC 4314 4: CLOSE expunges only with the e right */
	if (s->view.readonly || !(s->view.rights & STORE_ACL_E)) {
		imap_view_close(s);
		return imap_cmd_reply(cmd, "OK", "Close completed");
	}
	cb = imap_cmd_write_prepare(cmd, cmd_close_done);
	return imap_cmd_write_started(cmd, store_expunge(
		s->env->store, s->view.account_id, s->view.mailbox_id, NULL, 0,
		true, NULL, cb, s));
}

struct expunge_ctx {
	struct store_uid_range *ranges;
	struct store_uidlist expunged;
};

static void
expunge_ctx_free(void *p)
{
	struct expunge_ctx *x = p;

	free(x->ranges);
	store_uidlist_free(&x->expunged);
	free(x);
}

static void
cmd_expunge_done(struct imap_cmd *cmd, int ret)
{
	struct expunge_ctx *x = cmd->ctx;

	if (ret != 0) {
		imap_cmd_store_error(cmd, ret);
	} else {
		imap_view_expunged(cmd->s, x->expunged.v, x->expunged.n);
		imap_cmd_reply(cmd, "OK", "Expunge completed");
	}
	imap_cmd_end(cmd);
}

enum imap_cmd_ret
cmd_expunge(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	struct expunge_ctx *x;
	const char *err;
	store_cb *cb;
	size_t n = 0;

	if (s->view.readonly)
		return imap_cmd_reply(cmd, "NO", "[READ-ONLY] Mailbox is "
				      "read-only");
	x = xcalloc(1, sizeof(*x));
	cmd->ctx = x;
	cmd->ctx_free = expunge_ctx_free;
	if (cmd->uid) {
		if (cmd->args[0].type != IMAP_ARG_ATOM ||
		    cmd->args[1].type != IMAP_ARG_EOL)
			return imap_cmd_bad(cmd, "UID EXPUNGE needs a UID set");
		if (!imap_view_ranges(s, cmd->args[0].u.str, true, &x->ranges,
				      &n, &err))
			return imap_cmd_bad(cmd, err);
		if (n == 0)
			return imap_cmd_reply(cmd, "OK", "Expunge completed");
	} else if (cmd->args[0].type != IMAP_ARG_EOL) {
		return imap_cmd_bad(cmd, "EXPUNGE takes no arguments");
	}
	cb = imap_cmd_write_prepare(cmd, cmd_expunge_done);
	return imap_cmd_write_started(cmd, store_expunge(
		s->env->store, s->view.account_id, s->view.mailbox_id,
		cmd->uid ? x->ranges : NULL, n, true, &x->expunged, cb, s));
}
