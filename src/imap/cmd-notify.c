/* cmd-notify.c - NOTIFY (RFC 5465): which events of which mailboxes a
 * session is told of without asking, at any time between commands.
 *
 * The selected mailbox stays the view's (imap-view.c): NOTIFY only lets
 * its sync run between commands and adds the FETCH of new messages.
 * Other mailboxes each get a store watcher and the four numbers a
 * STATUS compares against; one account watcher (create, delete, rename,
 * (un)subscribe) re-reads the mailbox list, on the thread pool as LIST
 * does, for LIST responses and for the set of mailboxes watched.
 * Nothing is polled: a mailbox no session watches costs a commit one
 * failed hash lookup (store.c). */
#include "imap/imap-fetch.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "store/store.h"

enum {
	EV_NEW = 1 << 0,
	EV_EXPUNGE = 1 << 1,
	EV_FLAGS = 1 << 2,
	EV_NAME = 1 << 3,
	EV_SUBSCRIPTION = 1 << 4,
	EV_META_MBOX = 1 << 5,	/* MailboxMetadataChange */
	EV_META_SERVER = 1 << 6,	/* ServerMetadataChange */
	EV_MESSAGE = EV_NEW | EV_EXPUNGE | EV_FLAGS,
};

/* the events we support, for BADEVENT (RFC 5465 3.1: NO, listing them) */
#define NOTIFY_EVENTS "MessageNew MessageExpunge FlagChange MailboxName " \
		      "SubscriptionChange MailboxMetadataChange " \
		      "ServerMetadataChange"

enum notify_kind {
	NK_INBOXES,
	NK_PERSONAL,
	NK_SUBSCRIBED,
	NK_SUBTREE,
	NK_MAILBOXES,
};

struct notify_group {
	enum notify_kind kind;
	unsigned events;
	size_t nnames;
	char **names;		/* UTF-8, INBOX folded */
};

/* a watched mailbox other than the selected one: its last STATUS */
struct notify_mbox {
	int64_t id;
	int64_t owner;		/* its account: ours, or a sharer's */
	char *shared_name;	/* a sharer's: "shared/owner/name"; else NULL */
	uint64_t modseq;
	struct store_watch *watch;
	uint32_t messages, uidnext, unseen;
	uint8_t events;		/* EV_* (40 bytes in all) */
	bool pending;
};

/* the account's mailboxes as last seen, for MailboxName and
 * SubscriptionChange (only kept when one of those is asked for) */
struct notify_name {
	int64_t id;
	char *name;
	unsigned attrs;
};

struct imap_notify {
	/* SELECTED / SELECTED-DELAYED */
	bool selected, delayed;
	unsigned sel_events;
	unsigned fetch;		/* IMAP_NOTIFY_FETCH_* for MessageNew */
	/* other fetch-atts: the FETCH engine builds the answer on a
	 * worker, for the new uids told in an EXISTS (ascending) */
	bool rich;
	struct fetch_items items;
	uint32_t *new_uids;
	size_t n_new;
	struct buf held;	/* that FETCH, built while a command ran */
	bool held_ready;
	/* sets with a metadata event, in a list (one loop thread):
	 * SETMETADATA tells them (imap_notify_metadata) */
	unsigned meta_events;
	struct imap_session *s;	/* set while in the list */
	struct imap_notify *meta_prev, *meta_next;
	struct buf meta_out;	/* METADATA lines for the next flush */
	bool building;		/* a worker reads items: freed after it */
	bool dead;		/* freed while building */
	size_t ngroups;
	struct notify_group *groups;
	unsigned list_events;	/* EV_NAME | EV_SUBSCRIPTION of any group */
	size_t nmb;
	struct notify_mbox *mb;	/* ascending id */
	size_t nnames;
	struct notify_name *names;	/* ascending id */
	struct store_watch *acct;
	/* the highest mailbox id in the last list read (ids only grow):
	 * a mailbox above it was made since, and all it holds is new */
	int64_t max_id;
	bool listed;
	bool acct_pending;	/* the list changed: read it again */
	bool reading;		/* a read of it is on the thread pool */
	struct store_mailbox_list *ready;	/* read, not yet applied */
};

/* one read of the account's mailbox list on the thread pool: it grows
 * with the mailboxes, as LIST's does (every session that watches the
 * list reads it after a create, rename, delete or (un)subscribe) */
struct notify_read {
	struct work_gate_job job;	/* first */
	struct imap_session *s;
	struct imap_cmd *cmd;	/* the NOTIFY SET waiting for it, or NULL */
	uint64_t gen;		/* s->notify_gen when queued */
	bool status;		/* NOTIFY SET STATUS */
	int rc;
	struct store_mailbox_list l;
};

static struct imap_notify *notify_meta_head;

static void
notify_meta_unlink(struct imap_notify *n)
{
	if (n->s == NULL)
		return;	/* never linked (a refused set) or unlinked */
	if (n->meta_prev != NULL)
		n->meta_prev->meta_next = n->meta_next;
	else
		notify_meta_head = n->meta_next;
	if (n->meta_next != NULL)
		n->meta_next->meta_prev = n->meta_prev;
	n->s = NULL;
	n->meta_prev = n->meta_next = NULL;
}

/* ---- matching ---- */

static char *
notify_fold_inbox(char *name)
{
	if (strncasecmp(name, "INBOX", 5) == 0 &&
	    (name[5] == '\0' || name[5] == '/'))
		memcpy(name, "INBOX", 5);
	return name;
}

static bool
notify_group_has(const struct notify_group *g, const char *name,
		 unsigned attrs)
{
	size_t i, l;

	switch (g->kind) {
	case NK_INBOXES:
		/* mail is delivered to INBOX only (Sieve may file it
		 * elsewhere, but that is the user's own choice) */
		return strcmp(name, "INBOX") == 0;
	case NK_PERSONAL:
		/* the personal namespace: not what others share */
		return !imap_mailbox_shared(name);
	case NK_SUBSCRIBED:
		return (attrs & STORE_MBX_SUBSCRIBED) != 0;
	case NK_SUBTREE:
		for (i = 0; i < g->nnames; i++) {
			l = strlen(g->names[i]);
			if (strncmp(name, g->names[i], l) == 0 &&
			    (name[l] == '\0' || name[l] == '/'))
				return true;
		}
		return false;
	case NK_MAILBOXES:
		for (i = 0; i < g->nnames; i++)
			if (strcmp(name, g->names[i]) == 0)
				return true;
		return false;
	}
	return false;
}

/* the events asked for name (0: none); the groups are searched in
 * order and the first that names the mailbox decides (RFC 5465 6) */
static unsigned
notify_events_of(const struct imap_notify *n, const char *name,
		 unsigned attrs)
{
	for (size_t i = 0; i < n->ngroups; i++)
		if (notify_group_has(&n->groups[i], name, attrs))
			return n->groups[i].events;
	return 0;
}

/* ---- state ---- */

static void
notify_names_free(struct imap_notify *n)
{
	for (size_t i = 0; i < n->nnames; i++)
		free(n->names[i].name);
	free(n->names);
	n->names = NULL;
	n->nnames = 0;
}

static void
notify_free(struct imap_notify *n)
{
	size_t i, j;

	if (n == NULL)
		return;
	store_unwatch(&n->acct);
	notify_meta_unlink(n);
	buf_free(&n->meta_out);
	fetch_items_free(&n->items);
	free(n->new_uids);
	buf_free(&n->held);
	for (i = 0; i < n->nmb; i++) {
		store_unwatch(&n->mb[i].watch);
		free(n->mb[i].shared_name);
	}
	free(n->mb);
	for (i = 0; i < n->ngroups; i++) {
		for (j = 0; j < n->groups[i].nnames; j++)
			free(n->groups[i].names[j]);
		free(n->groups[i].names);
	}
	free(n->groups);
	notify_names_free(n);
	if (n->ready != NULL) {
		store_mailbox_list_free(n->ready);
		free(n->ready);
	}
	free(n);
}

void
imap_notify_free(struct imap_session *s)
{
	struct imap_notify *n = s->notify;

	/* a queued flush finds no notify and does nothing; a read in
	 * flight finds another generation */
	s->notify = NULL;
	s->notify_gen++;
	if (n != NULL)
		notify_meta_unlink(n);
	if (n != NULL && n->building) {
		/* the worker reads its items: notify_fetch_after frees it */
		store_unwatch(&n->acct);
		for (size_t i = 0; i < n->nmb; i++)
			store_unwatch(&n->mb[i].watch);
		n->dead = true;
		return;
	}
	if (n != NULL && n->held_ready) {
		/* its FETCH goes with it */
		s->notify_fetching = false;
		if (!s->conn_gone)
			conn_resume(s->conn);
	}
	notify_free(n);
}

static int
notify_mb_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct notify_mbox *)a)->id;
	int64_t y = ((const struct notify_mbox *)b)->id;

	return x < y ? -1 : x > y;
}

static int
notify_name_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct notify_name *)a)->id;
	int64_t y = ((const struct notify_name *)b)->id;

	return x < y ? -1 : x > y;
}

static struct notify_mbox *
notify_mb_find(struct imap_notify *n, int64_t id)
{
	struct notify_mbox key = { .id = id };

	return n->nmb == 0 ? NULL :
	       bsearch(&key, n->mb, n->nmb, sizeof(*n->mb), notify_mb_cmp);
}

static void notify_on_watch(void *arg, int64_t id);

/* the mailboxes to watch, from the account's list: entries kept (with
 * their watcher and last STATUS) for those still wanted */
static void
notify_rebuild(struct imap_session *s, const struct store_mailbox_list *l)
{
	struct imap_notify *n = s->notify;
	struct notify_mbox *mb = xcalloc(l->n ? l->n : 1, sizeof(*mb));
	size_t i, k = 0;

	for (i = 0; i < l->n; i++) {
		const struct store_mailbox *m = &l->v[i];
		unsigned ev = notify_events_of(n, m->name, m->attrs);
		struct notify_mbox *old;

		if (!(ev & EV_MESSAGE) || (m->attrs & STORE_MBX_NOSELECT))
			continue;
		old = notify_mb_find(n, m->id);
		if (old != NULL) {
			mb[k] = *old;
			old->watch = NULL;
			old->shared_name = NULL;
		} else {
			/* a shared mailbox is told of as STATUS tells: only
			 * with the read right (RFC 4314 4) */
			mb[k].owner = imap_mailbox_status_owner(s, m->name);
			if (mb[k].owner == 0)
				continue;
			if (mb[k].owner != s->account_id)
				mb[k].shared_name = xstrdup(m->name);
			mb[k].id = m->id;
			if (n->listed && m->id > n->max_id) {
				/* made after the last list: its messages
				 * may have come before this read */
				mb[k].uidnext = 1;
				mb[k].modseq = m->highestmodseq;
			} else {
				mb[k].messages = m->messages;
				mb[k].uidnext = m->uidnext;
				mb[k].unseen = m->unseen;
				mb[k].modseq = m->highestmodseq;
			}
			mb[k].watch = store_watch(s->env->store, m->id,
						  notify_on_watch, s);
			/* the list was read off the loop, before this
			 * watcher: look once more at the next flush */
			mb[k].pending = true;
		}
		mb[k].events = ev;
		k++;
	}
	for (i = 0; i < l->n; i++)
		if (l->v[i].id > n->max_id)
			n->max_id = l->v[i].id;
	n->listed = true;
	for (i = 0; i < n->nmb; i++) {
		store_unwatch(&n->mb[i].watch);
		free(n->mb[i].shared_name);
	}
	free(n->mb);
	n->mb = xrealloc(mb, (k ? k : 1) * sizeof(*mb));
	n->nmb = k;
	qsort(n->mb, n->nmb, sizeof(*n->mb), notify_mb_cmp);
}

static void
notify_names_take(struct imap_notify *n, const struct store_mailbox_list *l)
{
	notify_names_free(n);
	if (n->list_events == 0)
		return;
	n->names = xcalloc(l->n ? l->n : 1, sizeof(*n->names));
	for (size_t i = 0; i < l->n; i++) {
		n->names[i].id = l->v[i].id;
		n->names[i].name = xstrdup(l->v[i].name);
		n->names[i].attrs = l->v[i].attrs;
	}
	n->nnames = l->n;
	qsort(n->names, n->nnames, sizeof(*n->names), notify_name_cmp);
}

/* ---- output ---- */

static bool
notify_is_selected(const struct imap_session *s, int64_t id)
{
	return s->selected && s->view.mailbox_id == id;
}

static void
notify_status_line(struct imap_session *s, struct buf *b,
		   const struct store_mailbox *m, bool counts, bool validity)
{
	buf_append_str(b, "* STATUS ");
	imap_append_mailbox(s, b, m->name);
	buf_append_str(b, " (");
	if (counts)
		buf_printf(b, "MESSAGES %u UIDNEXT %u ", m->messages,
			   m->uidnext);
	/* with a new UIDNEXT also UIDVALIDITY, as Dovecot: the uids it
	 * speaks of are those of this uidvalidity */
	if (validity)
		buf_printf(b, "UIDVALIDITY %u ", m->uidvalidity);
	buf_printf(b, "UNSEEN %u", m->unseen);
	if (s->condstore)
		buf_printf(b, " HIGHESTMODSEQ %llu",
			   (unsigned long long)m->highestmodseq);
	buf_append_str(b, ")\r\n");
}

/* "* LIST (attrs) "/" name [("OLDNAME" (old))]" */
static void
notify_list_line(struct imap_session *s, struct buf *b, const char *attrs,
		 const char *name, const char *old)
{
	buf_printf(b, "* LIST (%s) \"/\" ", attrs);
	imap_append_mailbox(s, b, name);
	if (old != NULL) {
		buf_append_str(b, " (\"OLDNAME\" (");
		imap_append_mailbox(s, b, old);
		buf_append_str(b, "))");
	}
	buf_append_str(b, "\r\n");
}

/* MailboxName and SubscriptionChange: the list now against the list
 * last seen, by id (a rename keeps the ids of the mailbox and its
 * children) */
static void
notify_list_diff(struct imap_session *s, struct buf *b,
		 const struct store_mailbox_list *l)
{
	struct imap_notify *n = s->notify;
	struct notify_name *cur;
	size_t i = 0, j = 0;

	if (n->list_events == 0)
		return;
	cur = xcalloc(l->n ? l->n : 1, sizeof(*cur));
	for (size_t k = 0; k < l->n; k++) {
		cur[k].id = l->v[k].id;
		cur[k].name = l->v[k].name;
		cur[k].attrs = l->v[k].attrs;
	}
	qsort(cur, l->n, sizeof(*cur), notify_name_cmp);
	while (i < n->nnames || j < l->n) {
		struct notify_name *o = i < n->nnames ? &n->names[i] : NULL;
		struct notify_name *c = j < l->n ? &cur[j] : NULL;
		unsigned ev;

		if (c == NULL || (o != NULL && o->id < c->id)) {
			/* gone */
			if (notify_events_of(n, o->name, o->attrs) & EV_NAME)
				notify_list_line(s, b, "\\NonExistent",
						 o->name, NULL);
			i++;
			continue;
		}
		if (o == NULL || c->id < o->id) {
			/* new */
			if (notify_events_of(n, c->name, c->attrs) & EV_NAME)
				notify_list_line(s, b, (c->attrs &
					STORE_MBX_SUBSCRIBED) ? "\\Subscribed" :
					"", c->name, NULL);
			j++;
			continue;
		}
		ev = notify_events_of(n, c->name, c->attrs) |
		     notify_events_of(n, o->name, o->attrs);
		if (strcmp(o->name, c->name) != 0 && (ev & EV_NAME))
			notify_list_line(s, b, (c->attrs &
				STORE_MBX_SUBSCRIBED) ? "\\Subscribed" : "",
				c->name, o->name);
		else if (((o->attrs ^ c->attrs) & STORE_MBX_NOSELECT) &&
			 (ev & EV_NAME))
			/* deleted, but its children keep it as \Noselect */
			notify_list_line(s, b, (c->attrs & STORE_MBX_NOSELECT) ?
					 "\\Noselect" : "", c->name, NULL);
		else if (((o->attrs ^ c->attrs) & STORE_MBX_SUBSCRIBED) &&
			 (ev & EV_SUBSCRIPTION))
			notify_list_line(s, b, (c->attrs &
				STORE_MBX_SUBSCRIBED) ? "\\Subscribed" : "",
				c->name, NULL);
		i++;
		j++;
	}
	free(cur);
}

/* a watched mailbox changed: STATUS if what changed was asked for */
static void
notify_mb_status(struct imap_session *s, struct buf *b, struct notify_mbox *m)
{
	struct store_mailbox st = { 0 };
	bool counts, flags;

	m->pending = false;
	if (m->owner != s->account_id) {
		/* a sharer may have taken the read right back since */
		unsigned rights = 0;

		if (store_acl_rights(s->env->store, s->account_id, s->user,
				     m->owner, m->id, &rights) != 0 ||
		    !(rights & STORE_ACL_R))
			return;
	}
	if (store_mailbox_status(s->env->store, m->owner, m->id, &st) != 0) {
		/* gone: the account watcher's list says so */
		store_mailbox_clear(&st);
		return;
	}
	if (m->shared_name != NULL) {
		/* named as the user sees it */
		free(st.name);
		st.name = xstrdup(m->shared_name);
	}
	counts = st.messages != m->messages || st.uidnext != m->uidnext;
	flags = !counts && (st.unseen != m->unseen ||
			    st.highestmodseq != m->modseq);
	if (!notify_is_selected(s, m->id) &&
	    ((counts && (m->events & (EV_NEW | EV_EXPUNGE))) ||
	     (flags && (m->events & EV_FLAGS)))) {
		if (counts)
			notify_status_line(s, b, &st, true,
					   st.uidnext != m->uidnext);
		else {
			/* a flag change: only what it can change (as
			 * Dovecot) */
			buf_append_str(b, "* STATUS ");
			imap_append_mailbox(s, b, st.name);
			buf_printf(b, " (UNSEEN %u", st.unseen);
			if (s->condstore)
				buf_printf(b, " HIGHESTMODSEQ %llu",
					   (unsigned long long)
					   st.highestmodseq);
			buf_append_str(b, ")\r\n");
		}
	}
	m->messages = st.messages;
	m->uidnext = st.uidnext;
	m->unseen = st.unseen;
	m->modseq = st.highestmodseq;
	store_mailbox_clear(&st);
}

/* RFC 5465 5.8: a client that does not read its notifications gets
 * one NOTIFICATIONOVERFLOW and none after it (as after NOTIFY NONE),
 * instead of making the server keep them */
static bool
notify_overflow(struct imap_session *s)
{
	uint64_t high = s->env->conf->server.output_high_water;

	if (high < conn_low_water)	/* as conn.c's input hold */
		high = conn_low_water;
	if (conn_output_pending(s->conn) <= high)
		return false;
	log_info(s->id, "imap notify overflow pending_output=%zu",
		 conn_output_pending(s->conn));
	imap_printf(s, "* OK [NOTIFICATIONOVERFLOW] Client is too slow; "
		    "NOTIFY is off\r\n");
	imap_notify_free(s);
	return true;
}

static enum imap_cmd_ret notify_set_finish(struct notify_read *r);

static void
notify_read_work(uv_work_t *w)
{
	struct notify_read *r = w->data;

	r->rc = store_mailbox_list(r->s->env->store, r->s->account_id, &r->l);
	/* and what others share with the user, as LIST shows it */
	if (r->rc == 0)
		r->rc = imap_acl_list_shared(r->s, &r->l);
}

static void
notify_read_free(struct notify_read *r)
{
	store_mailbox_list_free(&r->l);
	free(r);
}

static void
notify_read_after(uv_work_t *w, int status)
{
	struct notify_read *r = w->data;
	struct imap_session *s = r->s;
	struct imap_notify *n = s->notify;

	if (status != 0 && r->rc == 0)
		r->rc = STORE_EIO;
	if (r->cmd != NULL) {
		struct imap_cmd *cmd = r->cmd;

		if (!s->conn_gone && s->cmd == cmd) {
			if (notify_set_finish(r) == IMAP_CMD_DONE)
				imap_cmd_end(cmd);
		} else {
			notify_read_free(r);
		}
	} else {
		if (!s->conn_gone && n != NULL && s->notify_gen == r->gen) {
			n->reading = false;
			if (r->rc == 0) {
				n->ready = xmalloc(sizeof(*n->ready));
				*n->ready = r->l;
				memset(&r->l, 0, sizeof(r->l));
			}
			imap_notify_kick(s);
		}
		notify_read_free(r);
	}
	imap_session_unref(s);
}

static struct notify_read *
notify_read_new(struct imap_session *s, struct imap_cmd *cmd, bool status)
{
	struct notify_read *r = xcalloc(1, sizeof(*r));

	r->s = s;
	r->cmd = cmd;
	r->gen = s->notify_gen;
	r->status = status;
	r->job.work.data = r;
	return r;
}

/* a read for the flush (cmd NULL): its result waits in n->ready */
static void
notify_read_start(struct imap_session *s, struct imap_cmd *cmd, bool status)
{
	struct notify_read *r = notify_read_new(s, cmd, status);

	imap_session_ref(s);
	if (imap_session_queue_work(s, &r->job, notify_read_work,
				    notify_read_after) == 0)
		return;
	/* no thread pool: here */
	notify_read_work(&r->job.work);
	notify_read_after(&r->job.work, 0);
}

/* ---- FETCH of new messages through the FETCH engine ---- */

struct notify_fetch {
	struct work_gate_job job;	/* first */
	struct imap_session *s;
	uint64_t gen;
	struct imap_notify *n;	/* valid while s->notify_gen == gen */
	uint32_t *uids;
	size_t n_uids;
	struct buf out;
	size_t left;		/* uids left out by the size limit */
	int rc;
};

static void
notify_fetch_work(uv_work_t *w)
{
	struct notify_fetch *f = w->data;

	f->rc = imap_fetch_build(f->s, &f->n->items, f->uids, f->n_uids,
				 f->s->env->conf->imap.notify_fetch_max,
				 &f->out, &f->left);
}

/* the FETCH goes out between commands or in IDLE, never inside a
 * command's output (a command that synced mid-way may still run) */
static bool
notify_fetch_write(struct imap_session *s, struct buf *out)
{
	if (s->wait != IMAP_WAIT_NONE && s->wait != IMAP_WAIT_IDLE)
		return false;
	imap_write(s, out->data, out->len);
	buf_reset(out);
	s->notify_fetching = false;
	conn_resume(s->conn);
	/* what came while it was built */
	imap_notify_kick(s);
	if (s->selected && s->wait == IMAP_WAIT_IDLE)
		imap_view_sync(s, true);
	return true;
}

static void
notify_fetch_after(uv_work_t *w, int status)
{
	struct notify_fetch *f = w->data;
	struct imap_session *s = f->s;
	struct imap_notify *n = f->n;

	n->building = false;
	if (n->dead) {
		notify_free(n);
		s->notify_fetching = false;
		if (!s->conn_gone)
			conn_resume(s->conn);
	} else if (!s->conn_gone) {
		if (status != 0 || f->rc != 0) {
			log_warn(s->id, "imap notify fetch failed rc=%d",
				 f->rc);
			buf_reset(&f->out);
		} else if (f->left > 0) {
			log_info(s->id, "imap notify fetch limited left=%zu "
				 "of=%zu imap.notify_fetch_max=%llu", f->left,
				 f->n_uids, (unsigned long long)
				 s->env->conf->imap.notify_fetch_max);
		}
		if (!notify_fetch_write(s, &f->out)) {
			/* held until the command ends (its imap_cmd_end
			 * kicks the flush); the view waits with it */
			buf_append(&n->held, f->out.data, f->out.len);
			n->held_ready = true;
		}
	}
	buf_free(&f->out);
	free(f->uids);
	free(f);
	imap_session_unref(s);
}

/* the selected mailbox's new messages told in an EXISTS: their FETCH
 * is built on a worker; until it is written, the session reads no
 * command and its view does not change, so nothing comes between */
static void
notify_fetch_start(struct imap_session *s)
{
	struct imap_notify *n = s->notify;
	struct notify_fetch *f = xcalloc(1, sizeof(*f));

	f->s = s;
	f->gen = s->notify_gen;
	f->n = n;
	f->uids = n->new_uids;
	f->n_uids = n->n_new;
	n->new_uids = NULL;
	n->n_new = 0;
	f->job.work.data = f;
	s->notify_fetching = true;
	n->building = true;
	imap_session_ref(s);
	if (imap_session_queue_work(s, &f->job, notify_fetch_work,
				    notify_fetch_after) == 0)
		return;
	notify_fetch_work(&f->job.work);	/* no thread pool: here */
	notify_fetch_after(&f->job.work, 0);
}

void
imap_notify_new_fetch_start(struct imap_session *s)
{
	/* at once, not at the next flush: a pipelined SELECT must not
	 * come first and change what the uids belong to */
	if (s->notify != NULL && s->notify->n_new > 0 && !s->notify_fetching)
		notify_fetch_start(s);
}

/* send what is pending, if the session may be told now: between
 * commands or in IDLE (RFC 5465 5: not while a command's own responses
 * are being written) */
static void
notify_flush(struct imap_session *s)
{
	struct imap_notify *n = s->notify;
	struct buf b = BUF_INIT;

	if (n != NULL && !s->conn_gone && n->held_ready &&
	    notify_fetch_write(s, &n->held))
		n->held_ready = false;
	if (n == NULL || s->conn_gone || conn_is_closing(s->conn) ||
	    s->notify_fetching ||
	    (s->wait != IMAP_WAIT_NONE && s->wait != IMAP_WAIT_IDLE))
		return;
	if (notify_overflow(s))
		return;
	if (n->ready != NULL) {
		notify_list_diff(s, &b, n->ready);
		notify_names_take(n, n->ready);
		notify_rebuild(s, n->ready);
		store_mailbox_list_free(n->ready);
		free(n->ready);
		n->ready = NULL;
	}
	if (n->acct_pending && !n->reading) {
		n->acct_pending = false;
		n->reading = true;
		notify_read_start(s, NULL, false);
	}
	for (size_t i = 0; i < n->nmb; i++)
		if (n->mb[i].pending)
			notify_mb_status(s, &b, &n->mb[i]);
	buf_append(&b, n->meta_out.data, n->meta_out.len);
	buf_reset(&n->meta_out);
	imap_write(s, b.data, b.len);
	buf_free(&b);
	if (n->selected && s->selected && s->view.changed &&
	    s->wait == IMAP_WAIT_NONE)
		imap_view_sync(s, !n->delayed);
}

/* the turn entry belongs to the session (its notify may be freed and
 * replaced while queued) */
static void
notify_session_turn(struct turn_entry *e)
{
	struct imap_session *s = (struct imap_session *)
		((char *)e - offsetof(struct imap_session, notify_turn));

	notify_flush(s);
	imap_session_unref(s);
}

void
imap_notify_kick(struct imap_session *s)
{
	if (s->notify == NULL || s->conn_gone ||
	    turn_queued(&s->notify_turn))
		return;
	imap_session_ref(s);
	turn_defer(s->env->loop, &s->notify_turn, notify_session_turn);
}

static void
notify_on_watch(void *arg, int64_t id)
{
	struct imap_session *s = arg;
	struct imap_notify *n = s->notify;
	struct notify_mbox *m;

	if (n == NULL)
		return;
	if (id < 0) {
		n->acct_pending = true;
	} else if ((m = notify_mb_find(n, id)) != NULL) {
		m->pending = true;
	} else {
		return;
	}
	imap_notify_kick(s);
}

bool
imap_notify_selected(const struct imap_session *s)
{
	return s->notify != NULL && s->notify->selected;
}

/* ---- FETCH of new messages in the selected mailbox ---- */

bool
imap_notify_new_fetch_wanted(const struct imap_session *s)
{
	const struct imap_notify *n = s->notify;

	return n != NULL && n->selected && (n->sel_events & EV_NEW) &&
	       (n->fetch != 0 || n->rich);
}

void
imap_notify_new_fetch(struct imap_session *s, struct buf *b, size_t i,
		      const char *keywords)
{
	const struct imap_msg *m = &s->view.msgs[i];
	struct imap_notify *n = s->notify;
	unsigned fetch = n->fetch;
	const char *sep = "";

	if (n->rich) {
		/* built later, off the loop (notify_fetch_start) */
		n->new_uids = xrealloc(n->new_uids,
				       (n->n_new + 1) * sizeof(*n->new_uids));
		n->new_uids[n->n_new++] = m->uid;
		return;
	}

	imap_fetch_head(s, b, m->uid);	/* UIDFETCH under UIDONLY */
	if (fetch & IMAP_NOTIFY_FETCH_UID) {
		buf_printf(b, "UID %u", m->uid);
		sep = " ";
	}
	if (fetch & IMAP_NOTIFY_FETCH_FLAGS) {
		buf_printf(b, "%sFLAGS ", sep);
		imap_append_flags(b, m->flags, keywords);
		sep = " ";
	}
	if (fetch & IMAP_NOTIFY_FETCH_MODSEQ)
		buf_printf(b, "%sMODSEQ (%llu)", sep,
			   (unsigned long long)m->modseq);
	buf_append_str(b, ")\r\n");
}

/* ---- the command ---- */

struct notify_parse {
	struct imap_notify *n;
	const char *bad;	/* BAD text */
	bool badevent;		/* NO [BADEVENT] */
	bool limit;		/* NO [LIMIT] */
	size_t nmailboxes;	/* names (a PERSONAL, INBOXES or SUBSCRIBED
				   filter is one), against the limit */
};

static bool
notify_parse_fetch(struct notify_parse *p, const struct imap_arg *l)
{
	const struct imap_arg *l0 = l;
	const char *err;

	if (l->type == IMAP_ARG_EOL) {
		p->bad = "NOTIFY: fetch attribute expected";
		return false;
	}
	for (; l->type != IMAP_ARG_EOL; l++) {
		if (imap_arg_atom_eq(l, "UID"))
			p->n->fetch |= IMAP_NOTIFY_FETCH_UID;
		else if (imap_arg_atom_eq(l, "FLAGS"))
			p->n->fetch |= IMAP_NOTIFY_FETCH_FLAGS;
		else if (imap_arg_atom_eq(l, "MODSEQ"))
			p->n->fetch |= IMAP_NOTIFY_FETCH_MODSEQ;
		else
			break;
	}
	if (l->type == IMAP_ARG_EOL)
		return true;	/* what the view holds: no store read */
	/* any other fetch-att: the FETCH engine, as FETCH would answer
	 * (a list of items is what fetch_items_parse takes) */
	struct imap_arg list = { .type = IMAP_ARG_LIST, .u.list = l0 };

	for (l = l0; l->type != IMAP_ARG_EOL; l++)
		list.len++;
	fetch_items_free(&p->n->items);
	if (!fetch_items_parse(&list, &p->n->items, &err)) {
		p->bad = err;
		return false;
	}
	p->n->rich = true;
	if (p->n->items.want_modseq)
		p->n->fetch |= IMAP_NOTIFY_FETCH_MODSEQ;
	return true;
}

/* events: "NONE" or a list; false with p->bad or p->badevent */
static bool
notify_parse_events(struct notify_parse *p, const struct imap_arg *a,
		    bool selected, unsigned *ev_r)
{
	unsigned ev = 0;

	*ev_r = 0;
	if (imap_arg_atom_eq(a, "NONE"))
		return true;
	if (a->type != IMAP_ARG_LIST || a->len == 0) {
		p->bad = "NOTIFY: event list expected";
		return false;
	}
	for (a = a->u.list; a->type != IMAP_ARG_EOL; a++) {
		if (a->type != IMAP_ARG_ATOM) {
			p->bad = "NOTIFY: event name expected";
			return false;
		}
		if (imap_arg_atom_eq(a, "MessageNew")) {
			ev |= EV_NEW;
			if (a[1].type == IMAP_ARG_LIST) {
				if (!selected) {
					p->bad = "NOTIFY: fetch attributes "
						 "only for SELECTED";
					return false;
				}
				a++;
				if (!notify_parse_fetch(p, a->u.list))
					return false;
			}
		} else if (imap_arg_atom_eq(a, "MessageExpunge")) {
			ev |= EV_EXPUNGE;
		} else if (imap_arg_atom_eq(a, "FlagChange")) {
			ev |= EV_FLAGS;
		} else if (imap_arg_atom_eq(a, "MailboxName")) {
			ev |= EV_NAME;
		} else if (imap_arg_atom_eq(a, "SubscriptionChange")) {
			ev |= EV_SUBSCRIPTION;
		} else if (imap_arg_atom_eq(a, "MailboxMetadataChange")) {
			ev |= EV_META_MBOX;
		} else if (imap_arg_atom_eq(a, "ServerMetadataChange")) {
			ev |= EV_META_SERVER;
		} else {
			/* AnnotationChange (ANNOTATE is not built) and any
			 * other: RFC 5465 3.1 says NO [BADEVENT] */
			p->badevent = true;
			return false;
		}
	}
	/* RFC 5465 5: both or neither; FlagChange needs both */
	if (!!(ev & EV_NEW) != !!(ev & EV_EXPUNGE) ||
	    ((ev & EV_FLAGS) && !(ev & EV_NEW))) {
		p->bad = "NOTIFY: MessageNew and MessageExpunge go together "
			 "(and with FlagChange)";
		return false;
	}
	/* RFC 5465 6.1: only message events for the selected mailbox */
	if (selected && (ev & ~EV_MESSAGE)) {
		p->bad = "NOTIFY: only message events for SELECTED";
		return false;
	}
	*ev_r = ev;
	return true;
}

static bool
notify_parse_names(struct imap_session *s, struct notify_parse *p,
		   struct notify_group *g, const struct imap_arg *a)
{
	const struct imap_arg *l = a;
	size_t n = 1;

	if (a->type == IMAP_ARG_LIST) {
		l = a->u.list;
		n = a->len;
	}
	if (n == 0) {
		p->bad = "NOTIFY: mailbox expected";
		return false;
	}
	p->nmailboxes += n;
	if (p->nmailboxes > s->env->conf->imap.max_notify_mailboxes) {
		p->limit = true;
		return false;
	}
	g->names = xcalloc(n, sizeof(*g->names));
	for (size_t i = 0; i < n; i++) {
		char *name = imap_mailbox_arg(s, &l[i]);

		if (name == NULL) {
			p->bad = "NOTIFY: invalid mailbox name";
			return false;
		}
		g->names[g->nnames++] = notify_fold_inbox(name);
	}
	return true;
}

static bool
notify_parse_group(struct imap_session *s, struct notify_parse *p,
		   const struct imap_arg *grp)
{
	struct imap_notify *n = p->n;
	const struct imap_arg *a;
	struct notify_group *g;
	unsigned ev;

	if (grp->type != IMAP_ARG_LIST || grp->len < 2) {
		p->bad = "NOTIFY: event group expected";
		return false;
	}
	a = grp->u.list;
	if (imap_arg_atom_eq(a, "SELECTED") ||
	    imap_arg_atom_eq(a, "SELECTED-DELAYED")) {
		if (grp->len != 2) {
			p->bad = "NOTIFY: SELECTED takes only events";
			return false;
		}
		if (!notify_parse_events(p, &a[1], true, &ev))
			return false;
		n->selected = ev != 0;
		n->delayed = imap_arg_atom_eq(a, "SELECTED-DELAYED");
		n->sel_events = ev;
		return true;
	}
	n->groups = xrealloc(n->groups, (n->ngroups + 1) * sizeof(*g));
	g = &n->groups[n->ngroups++];
	memset(g, 0, sizeof(*g));
	if (imap_arg_atom_eq(a, "INBOXES"))
		g->kind = NK_INBOXES;
	else if (imap_arg_atom_eq(a, "PERSONAL"))
		g->kind = NK_PERSONAL;
	else if (imap_arg_atom_eq(a, "SUBSCRIBED"))
		g->kind = NK_SUBSCRIBED;
	else if (imap_arg_atom_eq(a, "SUBTREE") ||
		 imap_arg_atom_eq(a, "MAILBOXES")) {
		g->kind = imap_arg_atom_eq(a, "SUBTREE") ? NK_SUBTREE :
			  NK_MAILBOXES;
		if (grp->len != 3) {
			p->bad = "NOTIFY: mailboxes and events expected";
			return false;
		}
		if (!notify_parse_names(s, p, g, &a[1]))
			return false;
		a++;
	} else {
		p->bad = "NOTIFY: unknown mailbox filter";
		return false;
	}
	/* a filter without names counts as one */
	if (g->nnames == 0 &&
	    ++p->nmailboxes > s->env->conf->imap.max_notify_mailboxes) {
		p->limit = true;
		return false;
	}
	if (g->kind != NK_SUBTREE && g->kind != NK_MAILBOXES &&
	    grp->len != 2) {
		p->bad = "NOTIFY: a filter takes only events";
		return false;
	}
	if (!notify_parse_events(p, &a[1], false, &g->events))
		return false;
	n->list_events |= g->events & (EV_NAME | EV_SUBSCRIPTION);
	n->meta_events |= g->events & (EV_META_MBOX | EV_META_SERVER);
	return true;
}

enum imap_cmd_ret
cmd_notify(struct imap_cmd *cmd)
{
	struct imap_session *s = cmd->s;
	const struct imap_arg *a = cmd->args;
	struct notify_parse p = { 0 };
	struct notify_read *r;
	bool status = false;
	struct imap_notify *n;

	if (imap_arg_atom_eq(a, "NONE") && a[1].type == IMAP_ARG_EOL) {
		imap_notify_free(s);
		return imap_cmd_reply(cmd, "OK", "NOTIFY completed");
	}
	if (!imap_arg_atom_eq(a, "SET"))
		return imap_cmd_bad(cmd, "NOTIFY SET or NOTIFY NONE expected");
	a++;
	if (imap_arg_atom_eq(a, "STATUS")) {
		status = true;
		a++;
	}
	p.n = n = xcalloc(1, sizeof(*n));
	for (; a->type != IMAP_ARG_EOL; a++)
		if (!notify_parse_group(s, &p, a))
			break;
	if (p.bad || p.badevent || p.limit) {
		notify_free(n);
		if (p.limit) {
			log_info(s->id, "imap notify refused: over "
				 "imap.max_notify_mailboxes=%llu",
				 (unsigned long long)
				 s->env->conf->imap.max_notify_mailboxes);
			return imap_cmd_reply(cmd, "NO", "[LIMIT] Too many "
					      "mailboxes in NOTIFY (at most "
					      "%llu)", (unsigned long long)
					      s->env->conf->imap.
					      max_notify_mailboxes);
		}
		log_info(s->id, "imap notify refused: %s",
			 p.badevent ? "unsupported event" : p.bad);
		if (p.badevent)
			return imap_cmd_reply(cmd, "NO", "[BADEVENT ("
					      NOTIFY_EVENTS ")] Unsupported "
					      "NOTIFY event");
		return imap_cmd_bad(cmd, p.bad);
	}
	/* the new set replaces the old one at once (RFC 5465 3) */
	imap_notify_free(s);
	s->notify = n;
	if (n->meta_events != 0) {
		n->s = s;
		n->meta_next = notify_meta_head;
		if (notify_meta_head != NULL)
			notify_meta_head->meta_prev = n;
		notify_meta_head = n;
	}
	if (n->fetch & IMAP_NOTIFY_FETCH_MODSEQ)
		imap_condstore_enable(s);
	if (n->ngroups == 0) {
		log_debug(s->id, "imap notify groups=0 selected=%d",
			  n->selected);
		return imap_cmd_reply(cmd, "OK", "NOTIFY completed");
	}
	/* watch the list first: a change while it is read is read again */
	n->acct = store_watch(s->env->store, STORE_WATCH_ACCOUNT(s->account_id),
			      notify_on_watch, s);
	r = notify_read_new(s, cmd, status);
	imap_session_ref(s);
	if (imap_session_queue_work(s, &r->job, notify_read_work,
				    notify_read_after) == 0)
		return IMAP_CMD_WAIT;
	imap_session_unref(s);
	notify_read_work(&r->job.work);	/* no thread pool: here */
	return notify_set_finish(r);
}

/* NOTIFY SET's list was read: watch, STATUS, OK (frees r) */
static enum imap_cmd_ret
notify_set_finish(struct notify_read *r)
{
	struct imap_session *s = r->s;
	struct imap_cmd *cmd = r->cmd;
	struct imap_notify *n = s->notify;
	struct buf b = BUF_INIT;
	enum imap_cmd_ret ret;
	int rc = r->rc;

	if (rc != 0 || n == NULL || s->notify_gen != r->gen) {
		notify_read_free(r);
		imap_notify_free(s);
		return imap_cmd_store_error(cmd, rc ? rc : STORE_EIO);
	}
	notify_names_take(n, &r->l);
	notify_rebuild(s, &r->l);
	/* RFC 5465 3: STATUS of every mailbox it names but the selected
	 * one, before the OK */
	for (size_t i = 0; r->status && i < r->l.n; i++) {
		const struct store_mailbox *m = &r->l.v[i];

		if (!(m->attrs & STORE_MBX_NOSELECT) &&
		    !notify_is_selected(s, m->id) &&
		    notify_events_of(n, m->name, m->attrs) != 0)
			notify_status_line(s, &b, m, true, true);
	}
	imap_write(s, b.data, b.len);
	buf_free(&b);
	log_debug(s->id, "imap notify groups=%zu watched=%zu selected=%d",
		  n->ngroups, n->nmb, n->selected);
	notify_read_free(r);
	ret = imap_cmd_reply(cmd, "OK", "NOTIFY completed");
	/* what changed while the list was read */
	imap_notify_kick(s);
	return ret;
}

/* ---- METADATA changes (RFC 5465 5.7, 5.8) ---- */

void
imap_notify_metadata(struct imap_session *from, const char *mailbox,
		     const struct store_meta_entry *e, size_t ne)
{
	for (struct imap_notify *n = notify_meta_head; n != NULL;
	     n = n->meta_next) {
		struct imap_session *s = n->s;
		unsigned want = 0;

		/* the session that made the change has its OK */
		if (s == from || s->account_id != from->account_id ||
		    s->conn_gone)
			continue;
		if (mailbox[0] == '\0') {
			want = n->meta_events & EV_META_SERVER;
		} else {
			unsigned attrs = 0;

			for (size_t i = 0; i < n->nnames; i++)
				if (strcmp(n->names[i].name, mailbox) == 0)
					attrs = n->names[i].attrs;
			want = notify_events_of(n, mailbox, attrs) &
			       EV_META_MBOX;
		}
		if (want == 0)
			continue;
		/* RFC 5464 4.4.2: the entries that changed, no values */
		buf_append_str(&n->meta_out, "* METADATA ");
		if (mailbox[0] == '\0')
			buf_append_str(&n->meta_out, "\"\"");
		else
			imap_append_mailbox(s, &n->meta_out, mailbox);
		for (size_t i = 0; i < ne; i++) {
			buf_append_byte(&n->meta_out, ' ');
			buf_append_str(&n->meta_out, e[i].name);
		}
		buf_append_str(&n->meta_out, "\r\n");
		imap_notify_kick(s);
	}
}
