/* imap-acl.c - the one access check (RFC 4314) every command goes
 * through, and the shared namespace.
 *
 * A session sees its own mailboxes under their names and the mailboxes
 * other accounts share with it as "shared/<owner address>/<name>" (the
 * prefix of Dovecot's documented shared namespace, in NAMESPACE's
 * "other users" slot). Commands that name a mailbox call
 * imap_mailbox_access(); commands on the selected mailbox are checked
 * in imap_command_run() by imap_acl_command() against the rights read
 * again before each command, so a revoked right takes effect at the
 * next command (and a revoked r ends the session, as a deleted mailbox
 * does). */
#include "imap/imap-private.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

bool
imap_mailbox_shared(const char *name)
{
	size_t n = sizeof(IMAP_SHARED_PREFIX) - 2;	/* without '/' */

	return strncmp(name, IMAP_SHARED_PREFIX, n) == 0 &&
	       (name[n] == '\0' || name[n] == '/');
}

/* "shared/owner/rest" → the owner's id and rest (malloc'd); the
 * session's own address is no owner here (its mailboxes are its own
 * namespace's). ENOTFOUND for the namespace root, "shared/owner"
 * itself, or an unknown owner. */
static int
shared_split(struct imap_session *s, const char *name, int64_t *owner_r,
	     char **rest_r, char **owner_addr_r)
{
	const char *o = name + sizeof(IMAP_SHARED_PREFIX) - 1, *slash;
	struct store_account a;
	char *addr;
	int rc;

	*rest_r = NULL;
	if (name[sizeof(IMAP_SHARED_PREFIX) - 2] == '\0' ||
	    (slash = strchr(o, '/')) == NULL || slash[1] == '\0')
		return STORE_ENOTFOUND;
	addr = xstrndup(o, (size_t)(slash - o));
	rc = store_account_get(s->env->store, addr, 0, &a);
	free(addr);
	if (rc == STORE_EBADADDR)
		rc = STORE_ENOTFOUND;
	if (rc == 0 && a.id == s->account_id)
		rc = STORE_ENOTFOUND;
	if (rc == 0) {
		*owner_r = a.id;
		*rest_r = xstrdup(slash + 1);
		if (owner_addr_r)
			*owner_addr_r = xstrdup(a.address);
	}
	store_account_clear(&a);
	return rc;
}

void
imap_acl_log(struct imap_session *s, const char *what, const char *name,
	     const char *identifier, unsigned rights)
{
	struct buf b = BUF_INIT;
	char r[STORE_ACL_STRMAX];

	buf_append_str(&b, "mailbox=\"");
	buf_append_escaped(&b, name, strlen(name), 200);
	buf_append_str(&b, "\"");
	if (identifier != NULL) {
		buf_append_str(&b, " identifier=\"");
		buf_append_escaped(&b, identifier, strlen(identifier), 200);
		buf_append_str(&b, "\"");
	}
	log_info(s->id, "imap acl %s %s rights=%s", what, buf_cstr(&b),
		 store_acl_format(rights, r));
	buf_free(&b);
}

int64_t
imap_mailbox_status_owner(struct imap_session *s, const char *name)
{
	struct imap_mbox mb;
	int64_t owner = 0;

	if (!imap_mailbox_shared(name))
		return s->account_id;
	if (imap_mailbox_access(s, name, STORE_ACL_R, &mb) == 0)
		owner = mb.owner_id;
	imap_mbox_clear(&mb);
	return owner;
}

void
imap_mbox_clear(struct imap_mbox *mb)
{
	store_mailbox_clear(&mb->m);
	free(mb->oname);
	mb->oname = NULL;
}

int
imap_mailbox_access(struct imap_session *s, const char *name, unsigned need,
		    struct imap_mbox *out)
{
	char *rest = NULL, *owner = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!imap_mailbox_shared(name)) {
		out->owner_id = s->account_id;
		out->rights = STORE_ACL_ALL;
		rc = store_mailbox_get(s->env->store, s->account_id, name,
				       &out->m);
		if (rc == 0)
			out->oname = xstrdup(out->m.name);
		return rc;
	}
	rc = shared_split(s, name, &out->owner_id, &rest, &owner);
	if (rc == 0)
		rc = store_mailbox_get(s->env->store, out->owner_id, rest,
				       &out->m);
	free(rest);
	if (rc == 0)
		rc = store_acl_rights(s->env->store, s->account_id, s->user,
				      out->owner_id, out->m.id, &out->rights);
	/* without l, a mailbox the user may not use does not exist for
	 * it: the same answer as for one that does not (RFC 4314 4) */
	if (rc == 0 && (out->rights & need) != need) {
		imap_acl_log(s, "denied", name, NULL, need);
		rc = (out->rights & STORE_ACL_L) ? IMAP_ACL_ENOPERM
						 : STORE_ENOTFOUND;
	}
	if (rc == 0) {
		out->shared = true;
		out->oname = out->m.name;
		out->m.name = xasprintf(IMAP_SHARED_PREFIX "%s/%s", owner,
					out->oname);
	} else {
		store_mailbox_clear(&out->m);
	}
	free(owner);
	return rc;
}

int
imap_mailbox_access_create(struct imap_session *s, const char *name,
			   int64_t *owner_r, char **oname_r)
{
	struct imap_mbox parent;
	char *rest = NULL, *slash, *p;
	int rc;

	*oname_r = NULL;
	if (!imap_mailbox_shared(name)) {
		*owner_r = s->account_id;
		*oname_r = xstrdup(name);
		return 0;
	}
	/* in another account's namespace: only below a mailbox where the
	 * user has k, and every failure looks the same */
	if (shared_split(s, name, owner_r, &rest, NULL) != 0 ||
	    (slash = strrchr(rest, '/')) == NULL) {
		free(rest);
		return IMAP_ACL_ENOPERM;
	}
	p = xstrndup(name, strlen(name) - strlen(slash));
	rc = imap_mailbox_access(s, p, STORE_ACL_K, &parent);
	free(p);
	imap_mbox_clear(&parent);
	if (rc != 0) {
		free(rest);
		return rc == STORE_EIO ? rc : IMAP_ACL_ENOPERM;
	}
	*oname_r = rest;
	return 0;
}

bool
imap_view_rights_refresh(struct imap_session *s)
{
	struct imap_view *v = &s->view;
	unsigned r = 0;

	if (!s->selected || v->account_id == s->account_id)
		return true;
	if (store_acl_rights(s->env->store, s->account_id, s->user,
			     v->account_id, v->mailbox_id, &r) < 0)
		return true;	/* keep what we had: the next command asks */
	v->rights = r;
	if (r & STORE_ACL_R)
		return true;
	/* nothing more of it may be shown, not even an EXPUNGE */
	log_info(s->id, "imap acl revoked mailbox=%lld",
		 (long long)v->mailbox_id);
	imap_printf(s, "* BYE [NOPERM] Access to the selected mailbox was "
		    "revoked\r\n");
	imap_session_close(s, "acl-revoked");
	return false;
}

/* rights the commands on the selected mailbox need (STORE: per flag,
 * imap_acl_flags_need) */
static const struct {
	imap_cmd_fn *fn;
	unsigned need;
} acl_selected[] = {
	{ cmd_fetch, STORE_ACL_R },
	{ cmd_search, STORE_ACL_R },
	{ cmd_sort, STORE_ACL_R },
	{ cmd_thread, STORE_ACL_R },
	{ cmd_copy, STORE_ACL_R },
	/* RFC 6851 3.3: MOVE is COPY + STORE \Deleted + EXPUNGE */
	{ cmd_move, STORE_ACL_R | STORE_ACL_T | STORE_ACL_E },
	{ cmd_expunge, STORE_ACL_E },
	/* RFC 8508 3.3: the old message goes as by STORE \Deleted and
	 * EXPUNGE (the target's i is cmd-append.c's) */
	{ cmd_replace, STORE_ACL_T | STORE_ACL_E },
};

bool
imap_acl_command(struct imap_session *s, const struct imap_command *def)
{
	const char *tag;

	if (!s->selected || s->view.account_id == s->account_id)
		return true;
	if (!imap_view_rights_refresh(s))
		return false;
	for (size_t i = 0; i < sizeof(acl_selected) / sizeof(*acl_selected);
	     i++) {
		unsigned need = acl_selected[i].need;

		if (acl_selected[i].fn != def->fn ||
		    (s->view.rights & need) == need)
			continue;
		imap_acl_log(s, "denied", s->view.name, NULL, need);
		tag = imap_parser_tag(s->parser);
		imap_printf(s, "%s NO [NOPERM] Permission denied\r\n",
			    tag ? tag : "*");
		return false;
	}
	return true;
}

unsigned
imap_acl_flags_need(int op, uint32_t flags, bool keywords)
{
	unsigned need = 0;

	if (op == STORE_FLAGS_SET)	/* replaces every flag */
		return STORE_ACL_S | STORE_ACL_T | STORE_ACL_W;
	if (flags & STORE_F_SEEN)
		need |= STORE_ACL_S;
	if (flags & STORE_F_DELETED)
		need |= STORE_ACL_T;
	if ((flags & ~(STORE_F_SEEN | STORE_F_DELETED)) || keywords)
		need |= STORE_ACL_W;
	return need;
}

uint32_t
imap_acl_flags_allowed(unsigned rights)
{
	uint32_t f = 0;

	if (rights & STORE_ACL_S)
		f |= STORE_F_SEEN;
	if (rights & STORE_ACL_T)
		f |= STORE_F_DELETED;
	if (rights & STORE_ACL_W)
		f |= STORE_F_ALL & ~(STORE_F_SEEN | STORE_F_DELETED);
	return f;
}

/* LIST/LSUB: the mailboxes others share with the session (l right),
 * subscribed when its list of shared names has them, named
 * in the shared namespace, with the namespace root and one \Noselect
 * level per owner as parents (as Dovecot lists them). A subscribed name
 * the session cannot see is not listed. */
int
imap_acl_list_shared(struct imap_session *s, struct store_mailbox_list *l)
{
	struct store_acl_rows rows;
	struct store_strlist subs;
	size_t cap = l->n;
	const char *last_owner = NULL;
	int rc;

	/* a subscribed shared name is listed (below) only while the user
	 * sees its mailbox, never as \NonExistent: the user may not tell
	 * whether it went or is no longer shared */
	for (size_t i = 0, j = 0; i <= l->n; i++) {
		if (i == l->n) {
			l->n = j;
			break;
		}
		if ((l->v[i].attrs & STORE_MBX_NONEXISTENT) &&
		    imap_mailbox_shared(l->v[i].name)) {
			store_mailbox_clear(&l->v[i]);
			continue;
		}
		l->v[j++] = l->v[i];
	}
	cap = l->n;
	rc = store_acl_rows(s->env->store, s->user, &rows);
	if (rc != 0)
		return rc;
	if ((rc = store_subscription_list(s->env->store, s->account_id,
					  &subs)) != 0) {
		store_acl_rows_free(&rows);
		return rc;
	}
	for (size_t i = 0; i < rows.n; i++) {
		struct store_acl_row *r = &rows.v[i];
		struct store_mailbox m;

		if (!(r->rights & STORE_ACL_L) ||
		    store_mailbox_status(s->env->store, r->owner_id,
					 r->mailbox_id, &m) != 0)
			continue;
		if (l->n + 3 > cap) {
			cap = cap * 2 + 8;
			l->v = xrealloc(l->v, cap * sizeof(*l->v));
		}
		if (last_owner == NULL) {
			memset(&l->v[l->n], 0, sizeof(l->v[0]));
			l->v[l->n].name = xstrndup(IMAP_SHARED_PREFIX,
					sizeof(IMAP_SHARED_PREFIX) - 2);
			l->v[l->n++].attrs = STORE_MBX_NOSELECT |
					     STORE_MBX_HASCHILDREN;
		}
		if (last_owner == NULL || strcmp(last_owner, r->owner) != 0) {
			memset(&l->v[l->n], 0, sizeof(l->v[0]));
			l->v[l->n].name = xasprintf(IMAP_SHARED_PREFIX "%s",
						    r->owner);
			l->v[l->n++].attrs = STORE_MBX_NOSELECT |
					     STORE_MBX_HASCHILDREN;
			last_owner = r->owner;
		}
		free(m.name);
		m.name = xasprintf(IMAP_SHARED_PREFIX "%s/%s", r->owner,
				   r->mailbox);
		/* children the user cannot see are not told of; the
		 * subscription is the owner's, not the user's */
		m.attrs &= ~(STORE_MBX_HASCHILDREN | STORE_MBX_SUBSCRIBED);
		for (size_t j = i + 1; j < rows.n; j++) {
			size_t n = strlen(r->mailbox);

			if (rows.v[j].owner_id != r->owner_id)
				break;
			if (strncmp(rows.v[j].mailbox, r->mailbox, n) == 0 &&
			    rows.v[j].mailbox[n] == '/' &&
			    (rows.v[j].rights & STORE_ACL_L))
				m.attrs |= STORE_MBX_HASCHILDREN;
		}
		m.special_use = 0;
		for (size_t j = 0; j < subs.n; j++)
			if (strcmp(subs.v[j], m.name) == 0)
				m.attrs |= STORE_MBX_SUBSCRIBED;
		l->v[l->n++] = m;
	}
	store_acl_rows_free(&rows);
	store_strlist_free(&subs);
	return 0;
}
