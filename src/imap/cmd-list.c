/* cmd-list.c - LIST, LSUB, STATUS */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap/imap-utf7.h"

/* does name match pattern? '*' anything, '%' anything but '/' */
static bool
list_match(const char *p, const char *n)
{
	for (; *p; p++) {
		if (*p == '*' || *p == '%') {
			bool star = *p == '*';

			for (;;) {
				if (list_match(p + 1, n))
					return true;
				if (*n == '\0' || (!star && *n == '/'))
					return false;
				n++;
			}
		}
		if (*p != *n)
			return false;
		n++;
	}
	return *n == '\0';
}

/* reference + pattern as UTF-8, "INBOX" in any case made "INBOX" */
static char *
list_pattern(struct imap_session *s, const struct imap_arg *ref,
	     const struct imap_arg *pat)
{
	struct buf b = BUF_INIT, d = BUF_INIT;

	buf_append(&b, ref->u.str, ref->len);
	buf_append(&b, pat->u.str, pat->len);
	if (!s->utf8 && imap_utf7_decode(&d, (const char *)b.data, b.len)) {
		buf_free(&b);
		b = d;
	} else {
		buf_free(&d);
	}
	buf_cstr(&b);
	if (b.len >= 5 && strncasecmp((char *)b.data, "INBOX", 5) == 0 &&
	    (b.len == 5 || b.data[5] == '/' || b.data[5] == '*' ||
	     b.data[5] == '%'))
		memcpy(b.data, "INBOX", 5);
	return buf_steal(&b);
}

static const struct {
	unsigned bit;
	const char *name;
} list_special[] = {
	{ STORE_SU_ALL, "\\All" },
	{ STORE_SU_ARCHIVE, "\\Archive" },
	{ STORE_SU_DRAFTS, "\\Drafts" },
	{ STORE_SU_FLAGGED, "\\Flagged" },
	{ STORE_SU_JUNK, "\\Junk" },
	{ STORE_SU_SENT, "\\Sent" },
	{ STORE_SU_TRASH, "\\Trash" },
};

struct list_opts {
	bool lsub;
	bool sel_subscribed, sel_special, recursive;
	bool ret_subscribed, ret_special;
	const struct imap_arg *ret_status;	/* STATUS items or NULL */
};

static void
list_line(struct imap_session *s, struct buf *b, const struct list_opts *o,
	  const struct store_mailbox *m, bool childinfo)
{
	bool first = true;
	size_t i;

	buf_printf(b, "* %s (", o->lsub ? "LSUB" : "LIST");
#define ATTR(x) do { if (!first) buf_append_byte(b, ' '); \
		buf_append_str(b, x); first = false; } while (0)
	if (m->attrs & STORE_MBX_NONEXISTENT) {
		/* a subscription whose mailbox is gone: LIST-EXTENDED says
		 * \NonExistent (RFC 5258 3.4), LSUB can only say \Noselect */
		ATTR(o->lsub ? "\\Noselect" : "\\NonExistent \\Subscribed");
	} else if (m->attrs & STORE_MBX_NOSELECT)
		ATTR("\\Noselect");
	if (!o->lsub && !(m->attrs & STORE_MBX_NONEXISTENT)) {
		ATTR(m->attrs & STORE_MBX_HASCHILDREN ? "\\HasChildren" :
		     "\\HasNoChildren");
		if ((o->ret_subscribed || o->sel_subscribed) &&
		    (m->attrs & STORE_MBX_SUBSCRIBED))
			ATTR("\\Subscribed");
		for (i = 0; i < sizeof(list_special) / sizeof(list_special[0]);
		     i++)
			if (m->special_use & list_special[i].bit)
				ATTR(list_special[i].name);
	}
#undef ATTR
	buf_append_str(b, ") \"/\" ");
	imap_append_mailbox(s, b, m->name);
	if (childinfo)
		buf_append_str(b, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	buf_append_str(b, "\r\n");
}

static int
list_name_cmp(const void *a, const void *b)
{
	const struct store_mailbox *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* the mailbox named name[0..len) in the sorted index, or SIZE_MAX */
static size_t
list_find(struct store_mailbox **idx, size_t n, const char *name,
	  size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(idx[mid]->name, name, len);

		if (c == 0 && idx[mid]->name[len] != '\0')
			c = 1;
		if (c < 0)
			lo = mid + 1;
		else if (c > 0)
			hi = mid;
		else
			return mid;
	}
	return SIZE_MAX;
}

static bool list_match_any(char *const *pat, size_t npat, const char *name);

/* the mailboxes sorted by name, for list_find */
static struct store_mailbox **
list_index(const struct store_mailbox_list *l)
{
	struct store_mailbox **idx = xmalloc((l->n ? l->n : 1) * sizeof(*idx));

	for (size_t i = 0; i < l->n; i++)
		idx[i] = &l->v[i];
	qsort(idx, l->n, sizeof(*idx), list_name_cmp);
	return idx;
}

/* subchild[i]: a subscribed mailbox that the patterns do not return
 * lives below l->v[i] (RECURSIVEMATCH: RFC 5258 3.5 returns a parent
 * with CHILDINFO only for a matching child not also returned). Each
 * such mailbox marks its ancestors, found by binary search, and stops at
 * one already marked: O(n log n), not O(n^2). */
static bool *
list_subscribed_children(const struct store_mailbox_list *l,
			 char *const *pat, size_t npat)
{
	struct store_mailbox **idx = list_index(l);
	bool *mark = xcalloc(l->n ? l->n : 1, sizeof(*mark));
	for (size_t i = 0; i < l->n; i++) {
		const char *name = l->v[i].name;
		const char *q;

		if (!(l->v[i].attrs & STORE_MBX_SUBSCRIBED) ||
		    list_match_any(pat, npat, name))
			continue;
		for (q = strrchr(name, '/'); q != NULL;) {
			size_t k = list_find(idx, l->n, name, (size_t)(q - name));

			if (k != SIZE_MAX) {
				size_t at = (size_t)(idx[k] - l->v);

				if (mark[at])
					break;	/* its ancestors are marked */
				mark[at] = true;
			}
			while (q > name && *--q != '/')
				;
			if (q == name)
				q = NULL;
		}
	}
	free(idx);
	return mark;
}

static bool
list_status_items(struct imap_session *s, int64_t owner, struct buf *b,
		  const struct store_mailbox *m, const struct imap_arg *items);

static bool
list_match_any(char *const *pat, size_t npat, const char *name)
{
	for (size_t j = 0; j < npat; j++)
		if (list_match(pat[j], name))
			return true;
	return false;
}

static int
list_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* LSUB with '%' (RFC 3501 6.3.9): an unsubscribed parent of a subscribed
 * mailbox, where the parent matches and the mailbox does not, is
 * returned with \\Noselect, once per name. Candidates are sorted, not
 * compared pairwise: O(n log n). */
static void
lsub_parents(struct imap_session *s, struct buf *b,
	     const struct store_mailbox_list *l, char *const *pat, size_t npat)
{
	struct store_mailbox **idx = list_index(l);
	char **cand = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < l->n; i++) {
		const char *name = l->v[i].name;

		if (!(l->v[i].attrs & STORE_MBX_SUBSCRIBED) ||
		    list_match_any(pat, npat, name))
			continue;
		for (const char *q = strchr(name, '/'); q;
		     q = strchr(q + 1, '/')) {
			size_t len = (size_t)(q - name), k;
			char *parent = xstrndup(name, len);

			k = list_find(idx, l->n, name, len);
			if (!list_match_any(pat, npat, parent) ||
			    (k != SIZE_MAX &&
			     (idx[k]->attrs & STORE_MBX_SUBSCRIBED))) {
				free(parent);
				continue;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				cand = xrealloc(cand, cap * sizeof(*cand));
			}
			cand[n++] = parent;
		}
	}
	if (n > 1)
		qsort(cand, n, sizeof(*cand), list_str_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(cand[i], cand[i - 1]) != 0) {
			buf_append_str(b, "* LSUB (\\Noselect) \"/\" ");
			imap_append_mailbox(s, b, cand[i]);
			buf_append_str(b, "\r\n");
		}
	}
	for (size_t i = 0; i < n; i++)
		free(cand[i]);
	free(cand);
	free(idx);
}

static bool
list_pattern_ok(const char *pat)
{
	size_t i, w = 0;

	for (i = 0; pat[i]; i++)
		w += pat[i] == '*' || pat[i] == '%';
	/* backtracking cost grows with each wildcard */
	return w <= 8;
}

/* LIST/LSUB across the thread pool: reading every mailbox (up to
 * store.max_mailboxes) and matching the patterns is off the loop */
struct list_ctx {
	struct work_gate_job job;
	struct list_opts opt;
	char *pat[32];
	size_t npat;
	struct buf out;		/* the untagged responses */
	int rc;
};

static void
list_ctx_free(void *p)
{
	struct list_ctx *x = p;

	for (size_t j = 0; j < x->npat; j++)
		free(x->pat[j]);
	buf_free(&x->out);
	free(x);
}

/* on a worker: the session waits for this command and reads nothing
 * else meanwhile; only the store (its per-thread reader) is used */
static void
list_work(uv_work_t *w)
{
	struct imap_cmd *cmd = w->data;
	struct imap_session *s = cmd->s;
	struct list_ctx *x = cmd->ctx;
	const struct list_opts *opt = &x->opt;
	struct store_mailbox_list l = { 0 };
	bool *subchild = NULL;

	if (opt->lsub || opt->sel_subscribed)
		x->rc = store_mailbox_list_subscribed(s->env->store,
						      s->account_id, &l);
	else
		x->rc = store_mailbox_list(s->env->store, s->account_id, &l);
	if (x->rc == 0)
		x->rc = imap_acl_list_shared(s, &l);
	if (x->rc != 0) {
		store_mailbox_list_free(&l);
		return;
	}
	if (opt->recursive)
		subchild = list_subscribed_children(&l, x->pat, x->npat);
	for (size_t i = 0; i < l.n; i++) {
		const struct store_mailbox *m = &l.v[i];
		bool sub = (m->attrs & STORE_MBX_SUBSCRIBED) != 0;
		bool childinfo = false;
		int64_t owner;

		if (!list_match_any(x->pat, x->npat, m->name))
			continue;
		if (opt->lsub && !sub)
			continue;
		if (opt->sel_special && m->special_use == 0)
			continue;
		if (opt->sel_subscribed && !sub) {
			if (!opt->recursive || !subchild[i])
				continue;
			childinfo = true;
		}
		list_line(s, &x->out, opt, m, childinfo);
		if (opt->ret_status != NULL && !childinfo &&
		    !(m->attrs & (STORE_MBX_NOSELECT |
				  STORE_MBX_NONEXISTENT)) &&
		    (owner = imap_mailbox_status_owner(s, m->name)) != 0) {
			buf_append_str(&x->out, "* STATUS ");
			imap_append_mailbox(s, &x->out, m->name);
			buf_append_str(&x->out, " (");
			(void)list_status_items(s, owner, &x->out, m,
						opt->ret_status);
			buf_append_str(&x->out, ")\r\n");
		}
	}
	if (opt->lsub)
		lsub_parents(s, &x->out, &l, x->pat, x->npat);
	free(subchild);
	store_mailbox_list_free(&l);
}

static enum imap_cmd_ret
list_finish(struct imap_cmd *cmd)
{
	struct list_ctx *x = cmd->ctx;

	if (x->rc != 0)
		return imap_cmd_store_error(cmd, x->rc);
	imap_write(cmd->s, x->out.data, x->out.len);
	return imap_cmd_reply(cmd, "OK", "%s completed", cmd->name);
}

static void
list_after_work(uv_work_t *w, int status)
{
	struct imap_cmd *cmd = w->data;
	struct imap_session *s = cmd->s;
	struct list_ctx *x = cmd->ctx;

	if (!s->conn_gone && s->cmd == cmd) {
		if (status != 0)
			x->rc = STORE_EIO;
		if (list_finish(cmd) == IMAP_CMD_DONE)
			imap_cmd_end(cmd);
	}
	imap_session_unref(s);
}

static enum imap_cmd_ret
cmd_list_common(struct imap_cmd *cmd, bool lsub)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args, *pats, *o;
	struct list_opts opt = { .lsub = lsub };
	struct list_ctx *x;
	char *pat[32];
	size_t i, j, npat = 0, n_in;

	/* LIST-EXTENDED (RFC 5258): LIST [(sel)] ref pattern(s) [RETURN
	 * (opts)] */
	if (!lsub && a[0].type == IMAP_ARG_LIST) {
		for (o = a[0].u.list; o->type != IMAP_ARG_EOL; o++) {
			if (imap_arg_atom_eq(o, "SUBSCRIBED"))
				opt.sel_subscribed = true;
			else if (imap_arg_atom_eq(o, "SPECIAL-USE"))
				opt.sel_special = true;
			else if (imap_arg_atom_eq(o, "RECURSIVEMATCH"))
				opt.recursive = true;
			else if (!imap_arg_atom_eq(o, "REMOTE"))
				return imap_cmd_bad(cmd, "Unknown LIST "
						    "selection option");
		}
		if (opt.recursive && !opt.sel_subscribed)
			return imap_cmd_bad(cmd, "RECURSIVEMATCH alone");
		a++;
	}
	if (!imap_arg_is_astring(&a[0]))
		return imap_cmd_bad(cmd, "Reference and pattern expected");
	pats = &a[1];
	if (!lsub && pats->type == IMAP_ARG_LIST) {
		n_in = pats->len;
		pats = pats->u.list;
	} else if (imap_arg_is_astring(pats)) {
		n_in = 1;
	} else {
		return imap_cmd_bad(cmd, "Reference and pattern expected");
	}
	if (n_in == 0 || n_in > 32)
		return imap_cmd_bad(cmd, "Invalid pattern list");
	o = &a[2];
	if (!lsub && imap_arg_atom_eq(o, "RETURN") &&
	    o[1].type == IMAP_ARG_LIST) {
		const struct imap_arg *r;

		for (r = o[1].u.list; r->type != IMAP_ARG_EOL; r++) {
			if (imap_arg_atom_eq(r, "SUBSCRIBED"))
				opt.ret_subscribed = true;
			else if (imap_arg_atom_eq(r, "SPECIAL-USE"))
				opt.ret_special = true;
			else if (imap_arg_atom_eq(r, "CHILDREN"))
				;	/* always given */
			else if (imap_arg_atom_eq(r, "STATUS") &&
				 r[1].type == IMAP_ARG_LIST) {
				struct buf t = BUF_INIT;
				struct store_mailbox dummy = { 0 };
				bool ok;

				opt.ret_status = ++r;
				ok = list_status_items(NULL, 0, &t, &dummy,
						       opt.ret_status);
				buf_free(&t);
				if (!ok)
					return imap_cmd_bad(cmd, "Unknown "
							    "STATUS item");
			} else
				return imap_cmd_bad(cmd, "Unknown LIST return "
						    "option");
		}
		o += 2;
	}
	if (o->type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "Invalid LIST arguments");
	/* RFC 9051 6.3.9: "" asks for the delimiter (and the root of the
	 * reference, which is "" in our one flat namespace) */
	if (n_in == 1 && pats[0].len == 0 &&
	    !opt.sel_subscribed && !opt.sel_special) {
		if (!lsub)
			imap_printf(s, "* LIST (\\Noselect) \"/\" \"\"\r\n");
		return imap_cmd_reply(cmd, "OK", "%s completed", cmd->name);
	}
	for (i = 0; i < n_in; i++) {
		if (!imap_arg_is_astring(&pats[i]))
			goto bad_pattern;
		pat[npat] = list_pattern(s, &a[0], &pats[i]);
		npat++;
		if (!list_pattern_ok(pat[npat - 1]))
			goto bad_pattern;
	}
	x = xcalloc(1, sizeof(*x));
	cmd->ctx = x;
	cmd->ctx_free = list_ctx_free;
	x->npat = npat;
	memcpy(x->pat, pat, npat * sizeof(pat[0]));
	x->opt = opt;
	x->job.work.data = cmd;
	imap_session_ref(s);
	if (imap_session_queue_work(s, &x->job, list_work,
				    list_after_work) == 0)
		return IMAP_CMD_WAIT;
	imap_session_unref(s);
	list_work(&x->job.work);	/* no thread pool: here */
	return list_finish(cmd);
bad_pattern:
	for (j = 0; j < npat; j++)
		free(pat[j]);
	return imap_cmd_bad(cmd, "Invalid or too complex pattern");
}

enum imap_cmd_ret
cmd_list(struct imap_cmd *cmd)
{
	return cmd_list_common(cmd, false);
}

enum imap_cmd_ret
cmd_lsub(struct imap_cmd *cmd)
{
	return cmd_list_common(cmd, true);
}

enum imap_cmd_ret
cmd_status(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	struct imap_mbox mb;
	struct store_mailbox m;
	struct buf b = BUF_INIT;
	char *name;
	int rc;

	if (a[0].type == IMAP_ARG_EOL || a[1].type != IMAP_ARG_LIST ||
	    a[1].len == 0 || a[2].type != IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "STATUS needs a mailbox and items");
	name = imap_mailbox_arg(s, &a[0]);
	if (name == NULL)
		return imap_cmd_bad(cmd, "Invalid mailbox name");
	rc = imap_mailbox_access(s, name, STORE_ACL_R, &mb);
	free(name);
	m = mb.m;
	mb.m.name = NULL;
	imap_mbox_clear(&mb);
	if (rc == 0 && (m.attrs & STORE_MBX_NOSELECT))
		rc = STORE_ENOSELECT;
	if (rc != 0) {
		store_mailbox_clear(&m);
		return imap_cmd_store_error(cmd, rc);
	}
	buf_append_str(&b, "* STATUS ");
	imap_append_mailbox(s, &b, m.name);
	buf_append_str(&b, " (");
	if (!list_status_items(s, mb.owner_id, &b, &m, &a[1])) {
		buf_free(&b);
		store_mailbox_clear(&m);
		return imap_cmd_bad(cmd, "Unknown STATUS item");
	}
	buf_append_str(&b, ")\r\n");
	imap_write(s, b.data, b.len);
	buf_free(&b);
	store_mailbox_clear(&m);
	return imap_cmd_reply(cmd, "OK", "Status completed");
}

/* the STATUS items of list items (a list) for m; false on an unknown
 * one. s NULL: only check the names. */
static bool
list_status_items(struct imap_session *s, int64_t owner, struct buf *b,
		  const struct store_mailbox *m, const struct imap_arg *items)
{
	const struct imap_arg *it;

	for (it = items->u.list; it->type != IMAP_ARG_EOL; it++) {
		if (it != items->u.list)
			buf_append_byte(b, ' ');
		if (imap_arg_atom_eq(it, "MESSAGES"))
			buf_printf(b, "MESSAGES %u", m->messages);
		else if (imap_arg_atom_eq(it, "UIDNEXT"))
			buf_printf(b, "UIDNEXT %u", m->uidnext);
		else if (imap_arg_atom_eq(it, "UIDVALIDITY"))
			buf_printf(b, "UIDVALIDITY %u", m->uidvalidity);
		else if (imap_arg_atom_eq(it, "UNSEEN"))
			buf_printf(b, "UNSEEN %u", m->unseen);
		else if (imap_arg_atom_eq(it, "RECENT")) {
			/* IMAP4rev1: the selected mailbox's own \Recent
			 * (as Dovecot), else those no session claimed yet */
			uint32_t n = 0;

			if (s == NULL || s->rev2)
				n = 0;
			else if (s->selected && s->view.mailbox_id == m->id)
				n = s->view.n_recent;
			else if (store_recent_count(s->env->store,
						    owner, m->id,
						    &n) < 0)
				n = 0;
			buf_printf(b, "RECENT %u", n);
		}
		else if (imap_arg_atom_eq(it, "SIZE"))
			buf_printf(b, "SIZE %llu", (unsigned long long)m->size);
		else if (imap_arg_atom_eq(it, "MAILBOXID")) {
			char oid[STORE_OBJECTID_MAX] = "F";

			if (s != NULL)
				store_mailbox_objectid(s->env->store, m->id,
						       m->uidvalidity, oid);
			buf_printf(b, "MAILBOXID (%s)", oid);
		}
		else if (imap_arg_atom_eq(it, "HIGHESTMODSEQ"))
			buf_printf(b, "HIGHESTMODSEQ %llu",
				   (unsigned long long)m->highestmodseq);
		else if (imap_arg_atom_eq(it, "DELETED"))
			buf_printf(b, "DELETED %u", m->deleted);
		else if (imap_arg_atom_eq(it, "DELETED-STORAGE")) {
			/* RFC 9208 4.2.2: octets an EXPUNGE would free */
			uint64_t bytes = 0;

			if (s != NULL && m->deleted > 0 &&
			    store_mailbox_deleted_size(s->env->store,
						       owner, m->id,
						       &bytes) < 0)
				bytes = 0;
			buf_printf(b, "DELETED-STORAGE %llu",
				   (unsigned long long)bytes);
		}
		else
			return false;
	}
	return true;
}
