/* imap-view.c - a session's view of its selected mailbox: the sequence
 * map, and the untagged EXISTS / FETCH / EXPUNGE that keep it in step
 * with the store (RFC 9051 7.4.1, RFC 2180) */
#include "imap/imap-private.h"
#include "imap/imap-search.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store.h"

static void
imap_view_on_watch(void *arg, int64_t mailbox_id)
{
	struct imap_session *s = arg;

	/* also while SELECT reads the store (not yet selected): the
	 * snapshot may predate this commit, the first sync looks */
	if (s->view.watch == NULL || s->view.mailbox_id != mailbox_id)
		return;
	s->view.changed = true;
	if (s->selected && s->wait == IMAP_WAIT_IDLE)
		imap_idle_changed(s);
	else if (s->selected && imap_notify_selected(s))
		imap_notify_kick(s);	/* RFC 5465: also between commands */
}

static void
imap_view_push(struct imap_view *v, uint32_t uid, uint32_t flags,
	       uint64_t modseq)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 64;
		v->msgs = xrealloc(v->msgs, v->cap * sizeof(*v->msgs));
	}
	v->msgs[v->n].uid = uid;
	v->msgs[v->n].flags = flags;
	v->msgs[v->n].modseq = modseq;
	v->n++;
}

/* \Recent (IMAP4rev1 only): take the uids below upto that no session
 * has been told of (read-only: only look, RFC 3501 6.3.2), and mark
 * those of msgs[from..] in the view. Returns how many it marked. */
static uint32_t
imap_view_claim_recent(struct imap_session *s, size_t from, uint32_t upto)
{
	struct imap_view *v = &s->view;
	uint32_t lo, hi, n = 0;
	size_t i;

	if (s->rev2 || from >= v->n ||
	    store_recent_claim(s->env->store, s->view.account_id, v->mailbox_id,
			       upto, !v->readonly, &lo, &hi) != 0 || lo == hi)
		return 0;
	i = imap_view_lower(v, lo);
	for (i = i > from ? i : from; i < v->n && v->msgs[i].uid < hi; i++) {
		if (!(v->msgs[i].flags & IMAP_F_RECENT)) {
			v->msgs[i].flags |= IMAP_F_RECENT;
			n++;
		}
	}
	v->n_recent += n;
	return n;
}

uint32_t
imap_view_recent(struct imap_view *v, uint32_t uid)
{
	const struct imap_msg *m;

	if (v->n_recent == 0)
		return 0;
	m = imap_view_find(v, uid);
	return m != NULL ? m->flags & IMAP_F_RECENT : 0;
}

void
imap_view_recent_drop(struct imap_session *s)
{
	struct imap_view *v = &s->view;
	size_t i;

	if (v->n_recent == 0)
		return;
	for (i = 0; i < v->n; i++)
		v->msgs[i].flags &= ~IMAP_F_RECENT;
	v->n_recent = 0;
}

void
imap_fetch_head(struct imap_session *s, struct buf *b, uint32_t uid)
{
	if (s->uidonly)
		buf_printf(b, "* %u UIDFETCH (", uid);
	else
		buf_printf(b, "* %u FETCH (", imap_view_seq(&s->view, uid));
}

void
imap_view_begin(struct imap_session *s, int64_t account_id,
		int64_t mailbox_id)
{
	struct imap_view *v = &s->view;

	imap_view_close(s);
	v->account_id = account_id;
	v->rights = STORE_ACL_ALL;
	v->mailbox_id = mailbox_id;
	/* watch first: a commit after the snapshot is seen by the next sync */
	v->watch = store_watch(s->env->store, mailbox_id, imap_view_on_watch,
			       s);
}

void
imap_view_install(struct imap_session *s, const char *name, bool readonly,
		  const struct store_view *sv, char *keywords)
{
	struct imap_view *v = &s->view;
	size_t i;

	v->name = xstrdup(name);
	v->readonly = readonly;
	v->uidvalidity = sv->mailbox.uidvalidity;
	v->uidnext = sv->mailbox.uidnext;
	v->modseq = sv->mailbox.highestmodseq;
	for (i = 0; i < sv->n; i++)
		imap_view_push(v, sv->msgs[i].uid, sv->msgs[i].flags,
			       sv->msgs[i].modseq);
	v->keywords = keywords ? keywords : xstrdup("");
	imap_view_claim_recent(s, 0, sv->mailbox.uidnext);
	s->selected = true;
	s->state = IMAP_SELECTED;
}

int
imap_view_read(struct store *store, int64_t account_id, int64_t mailbox_id,
	       struct store_view *sv, char **keywords_r)
{
	int rc = store_mailbox_open(store, account_id, mailbox_id, sv);

	*keywords_r = NULL;
	if (rc == 0 && store_mailbox_keywords(store, account_id, mailbox_id,
					      keywords_r) != 0)
		*keywords_r = NULL;
	return rc;
}

void
imap_view_close(struct imap_session *s)
{
	struct imap_view *v = &s->view;

	/* RFC 5267 4.3: updates end with the selection */
	imap_updates_free(s);
	store_unwatch(&v->watch);
	free(v->name);
	free(v->msgs);
	free(v->pend);
	free(v->keywords);
	memset(v, 0, sizeof(*v));
	if (s->selected) {
		s->selected = false;
		s->state = IMAP_AUTH;
	}
	free(s->saved);
	s->saved = NULL;
	s->n_saved = 0;
}

static int
imap_uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void
imap_view_expunged(struct imap_session *s, const uint32_t *uids, size_t n)
{
	struct imap_view *v = &s->view;
	uint32_t *sorted, *gone;
	size_t i, o = 0, k = 0, removed = 0;
	uint32_t old_recent = v->n_recent;
	struct buf b = BUF_INIT;

	if (n == 0)
		return;
	sorted = xmalloc(n * sizeof(*sorted));
	memcpy(sorted, uids, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), imap_uid_cmp);
	/* RFC 5267 4.3.4: REMOVEFROM before the EXPUNGE it follows from */
	imap_updates_expunged(s, sorted, n);
	gone = xmalloc(n * sizeof(*gone));
	for (i = 0; i < v->n; i++) {
		while (k < n && sorted[k] < v->msgs[i].uid)
			k++;
		if (k < n && sorted[k] == v->msgs[i].uid) {
			if (v->msgs[i].flags & IMAP_F_RECENT)
				v->n_recent--;
			if (!s->qresync && !s->uidonly)
				buf_printf(&b, "* %zu EXPUNGE\r\n",
					   i + 1 - removed);
			gone[removed++] = v->msgs[i].uid;
			continue;
		}
		v->msgs[o++] = v->msgs[i];
	}
	v->n = o;
	if ((s->qresync || s->uidonly) && removed > 0) {
		/* RFC 7162 3.2.10: VANISHED replaces EXPUNGE (and RFC 9586
		 * 3.2 with UIDONLY) */
		struct imap_seqset set;
		char *f;

		imap_seqset_from_sorted(&set, gone, removed);
		f = imap_seqset_format(&set);
		buf_printf(&b, "* VANISHED %s\r\n", f);
		free(f);
		imap_seqset_free(&set);
	}
	free(gone);
	if (v->n_recent != old_recent)
		buf_printf(&b, "* %u RECENT\r\n", v->n_recent);
	/* announced now: not pending any more */
	for (i = 0, o = 0; i < v->n_pend; i++) {
		if (bsearch(&v->pend[i], sorted, n, sizeof(*sorted),
			    imap_uid_cmp) == NULL)
			v->pend[o++] = v->pend[i];
	}
	v->n_pend = o;
	free(sorted);
	imap_write(s, b.data, b.len);
	buf_free(&b);
}

static void
imap_view_pend(struct imap_view *v, uint32_t uid)
{
	size_t i;

	for (i = 0; i < v->n_pend; i++)
		if (v->pend[i] == uid)
			return;
	if (v->n_pend == v->cap_pend) {
		v->cap_pend = v->cap_pend ? v->cap_pend * 2 : 16;
		v->pend = xrealloc(v->pend, v->cap_pend * sizeof(*v->pend));
	}
	v->pend[v->n_pend++] = uid;
}

void
imap_view_flags_line(struct imap_session *s, struct buf *b)
{
	buf_append_str(b, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen "
		       "\\Draft");
	if (s->view.keywords[0] != '\0')
		buf_printf(b, " %s", s->view.keywords);
	buf_append_str(b, ")\r\n* OK [PERMANENTFLAGS (");
	/* RFC 4314 4: only the flags the user's rights let it change */
	unsigned r = s->view.rights;
	struct buf f = BUF_INIT;

	if (r & STORE_ACL_W)
		buf_append_str(&f, " \\Answered \\Flagged");
	if (r & STORE_ACL_T)
		buf_append_str(&f, " \\Deleted");
	if (r & STORE_ACL_S)
		buf_append_str(&f, " \\Seen");
	if (r & STORE_ACL_W) {
		buf_append_str(&f, " \\Draft");
		if (s->view.keywords[0] != '\0')
			buf_printf(&f, " %s", s->view.keywords);
		buf_append_str(&f, " \\*");
	}
	if (f.len > 0)
		buf_append(b, f.data + 1, f.len - 1);
	buf_free(&f);
	buf_append_str(b, ")] Flags permitted\r\n");
}

void
imap_condstore_enable(struct imap_session *s)
{
	if (s->condstore)
		return;
	s->condstore = true;
	/* RFC 7162 3.1.2.1: the first CONDSTORE-enabling command with a
	 * mailbox selected tells its HIGHESTMODSEQ */
	if (s->selected)
		imap_printf(s, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
			    (unsigned long long)s->view.modseq);
}

void
imap_view_keywords_refresh(struct imap_session *s)
{
	struct imap_view *v = &s->view;
	struct buf b = BUF_INIT;
	char *kw = NULL;

	if (store_mailbox_keywords(s->env->store, s->view.account_id,
				   v->mailbox_id, &kw) == 0 &&
	    strcmp(kw, v->keywords) != 0) {
		free(v->keywords);
		v->keywords = kw;
		kw = NULL;
		imap_view_flags_line(s, &b);
		imap_write(s, b.data, b.len);
	}
	buf_free(&b);
	free(kw);
}

void
imap_view_sync(struct imap_session *s, bool allow_expunge)
{
	struct imap_view *v = &s->view;
	struct store_changes ch = { 0 };
	struct buf b = BUF_INIT;
	size_t i, old_n = v->n;
	bool new_kw = false, fetch = imap_notify_new_fetch_wanted(s);
	uint32_t recent = 0;
	char **nkw = NULL;
	size_t nnew = 0;
	uint32_t *touched = NULL;	/* new or reflagged: for updates */
	size_t n_touched = 0;

	if (!s->selected || s->conn_gone)
		return;
	if (s->notify_fetching)
		return;	/* after NOTIFY's FETCH: its numbers stay */
	if (v->changed) {
		v->changed = false;
		/* an ACL change tells the watchers too */
		if (!imap_view_rights_refresh(s))
			return;
		int rc = store_mailbox_changes(s->env->store, s->view.account_id,
					       v->mailbox_id, v->modseq, &ch);

		if (rc != 0) {
			store_changes_free(&ch);
			if (rc == STORE_ENOTFOUND) {
				/* deleted by another session (Dovecot does
				 * the same): nothing left to be in step with */
				imap_printf(s, "* BYE Selected mailbox was "
					    "deleted\r\n");
				imap_session_close(s, "mailbox-deleted");
			}
			return;
		}
		for (i = 0; i < ch.nexpunged; i++)
			if (imap_view_find(v, ch.expunged[i]) != NULL)
				imap_view_pend(v, ch.expunged[i]);
		if (s->n_updates > 0 && ch.n > 0)
			touched = xmalloc(ch.n * sizeof(*touched));
		for (i = 0; i < ch.n; i++) {
			struct store_change *c = &ch.v[i];
			struct imap_msg *m;

			if (c->keywords[0] != '\0')
				new_kw = true;
			if (v->n == 0 || c->uid > v->msgs[v->n - 1].uid) {
				imap_view_push(v, c->uid, c->flags, c->modseq);
				if (fetch) {
					/* keywords for NOTIFY's FETCH */
					nkw = xrealloc(nkw, (nnew + 1) *
						       sizeof(*nkw));
					nkw[nnew++] = xstrdup(c->keywords);
				}
				if (touched != NULL)
					touched[n_touched++] = c->uid;
				continue;
			}
			m = imap_view_find(v, c->uid);
			if (m != NULL && touched != NULL)
				touched[n_touched++] = c->uid;
			if (m == NULL || m->modseq >= c->modseq)
				continue;
			m->flags = c->flags | (m->flags & IMAP_F_RECENT);
			m->modseq = c->modseq;
			imap_fetch_head(s, &b, c->uid);
			if (!s->uidonly)
				buf_printf(&b, "UID %u ", c->uid);
			buf_append_str(&b, "FLAGS ");
			imap_append_flags(&b, m->flags, c->keywords);
			if (s->condstore)
				buf_printf(&b, " MODSEQ (%llu)",
					   (unsigned long long)c->modseq);
			buf_append_str(&b, ")\r\n");
		}
		if (ch.highestmodseq > v->modseq)
			v->modseq = ch.highestmodseq;
		if (ch.uidnext > v->uidnext)
			v->uidnext = ch.uidnext;
		store_changes_free(&ch);
		/* the new messages: this session may be the first to be
		 * told (up to the last one it saw: a later commit is the
		 * next sync's) */
		if (v->n > old_n)
			recent = imap_view_claim_recent(s, old_n,
							v->msgs[v->n - 1].uid + 1);
	}
	/* FLAGS before any FETCH that shows a new keyword */
	if (new_kw)
		imap_view_keywords_refresh(s);
	if (v->n != old_n)
		buf_printf(&b, "* %zu EXISTS\r\n", v->n);
	if (recent > 0)
		buf_printf(&b, "* %u RECENT\r\n", v->n_recent);
	/* NOTIFY's FETCH of the new messages, after their \\Recent claim */
	for (i = 0; i < nnew; i++) {
		imap_notify_new_fetch(s, &b, old_n + i, nkw[i]);
		free(nkw[i]);
	}
	free(nkw);
	imap_write(s, b.data, b.len);
	buf_free(&b);
	if (nnew > 0)
		imap_notify_new_fetch_start(s);
	/* RFC 5267 4.3.3: ADDTO after the EXISTS that numbers them */
	imap_updates_changed(s, touched, n_touched);
	free(touched);
	if (allow_expunge && v->n_pend > 0) {
		uint32_t *p = v->pend;
		size_t n = v->n_pend;

		v->pend = NULL;
		v->n_pend = v->cap_pend = 0;
		imap_view_expunged(s, p, n);
		free(p);
	}
}

void
imap_view_vanished_earlier(struct imap_session *s, uint64_t modseq,
			   const struct store_uid_range *r, size_t n)
{
	struct store_changes ch = { 0 };
	struct imap_seqset set;
	uint32_t *v;
	size_t i, j, k = 0;
	char *f;

	if (store_mailbox_changes(s->env->store, s->view.account_id,
				  s->view.mailbox_id, modseq, &ch) != 0 ||
	    ch.nexpunged == 0) {
		store_changes_free(&ch);
		return;
	}
	v = xmalloc(ch.nexpunged * sizeof(*v));
	for (i = 0; i < ch.nexpunged; i++) {
		for (j = 0; j < n; j++) {
			if (ch.expunged[i] >= r[j].lo &&
			    ch.expunged[i] <= r[j].hi) {
				v[k++] = ch.expunged[i];
				break;
			}
		}
	}
	if (k > 0) {
		imap_seqset_from_sorted(&set, v, k);
		f = imap_seqset_format(&set);
		imap_printf(s, "* VANISHED (EARLIER) %s\r\n", f);
		free(f);
		imap_seqset_free(&set);
	}
	free(v);
	store_changes_free(&ch);
}
