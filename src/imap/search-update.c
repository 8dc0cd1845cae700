/* search-update.c - CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 4.3): the
 * results of SEARCH/SORT ... RETURN (UPDATE) kept in step with the
 * mailbox, the changes sent as ESEARCH ADDTO / REMOVEFROM, and
 * CANCELUPDATE. The view calls in with the messages that are new or
 * whose flags changed (after EXISTS) and with the ones expunged (before
 * EXPUNGE), so the sequence numbers sent are always the client's. */
#include "imap/imap-search.h"

#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

struct imap_update {
	char *tag;
	bool uid;		/* UID SEARCH/SORT: uids, else numbers */
	struct search_query q;
	/* SORT: the criteria and the result in sort order; SEARCH: n_crit
	 * is 0 and uids holds the result in mailbox (uid) order */
	struct sort_crit crit[SORT_MAX_CRIT];
	size_t n_crit;
	struct sort_item *items;
	uint32_t *uids;
	size_t n, cap;
};

static void
update_free(struct imap_update *u)
{
	free(u->tag);
	search_query_free(&u->q);
	for (size_t i = 0; u->items != NULL && i < u->n; i++)
		sort_item_clear(&u->items[i]);
	free(u->items);
	free(u->uids);
	free(u);
}

static size_t
update_limit(const struct imap_session *s)
{
	/* RFC 5267 4.3.1: at least one context per client */
	uint64_t l = s->env->conf->imap.max_search_updates;

	return l > 0 ? (size_t)l : 1;
}

bool
imap_update_tag_used(const struct imap_session *s, const char *tag)
{
	for (size_t i = 0; i < s->n_updates; i++)
		if (strcmp(s->updates[i]->tag, tag) == 0)
			return true;
	return false;
}

bool
imap_update_add(struct imap_session *s, const char *tag, bool uid,
		struct search_query *q, const struct sort_crit *crit,
		size_t n_crit, uint32_t *uids, struct sort_item *items,
		size_t n)
{
	struct imap_update *u;

	if (s->n_updates >= update_limit(s)) {
		log_info(s->id, "imap search update refused tag=%s limit=%zu",
			 tag, update_limit(s));
		return false;
	}
	u = xcalloc(1, sizeof(*u));
	u->tag = xstrdup(tag);
	u->uid = uid;
	u->q = *q;
	memset(q, 0, sizeof(*q));
	search_fts_forget(&u->q.root);
	u->n_crit = n_crit;
	if (n_crit > 0)
		memcpy(u->crit, crit, n_crit * sizeof(*crit));
	u->uids = uids;
	u->items = items;
	u->n = u->cap = n;
	s->updates = xrealloc(s->updates,
			      (s->n_updates + 1) * sizeof(*s->updates));
	s->updates[s->n_updates++] = u;
	return true;
}

bool
imap_update_cancel(struct imap_session *s, const char *tag)
{
	for (size_t i = 0; i < s->n_updates; i++) {
		if (strcmp(s->updates[i]->tag, tag) == 0) {
			update_free(s->updates[i]);
			memmove(&s->updates[i], &s->updates[i + 1],
				(s->n_updates - i - 1) * sizeof(*s->updates));
			s->n_updates--;
			return true;
		}
	}
	return false;
}

void
imap_updates_free(struct imap_session *s)
{
	for (size_t i = 0; i < s->n_updates; i++)
		update_free(s->updates[i]);
	free(s->updates);
	s->updates = NULL;
	s->n_updates = 0;
}

/* index of uid in the result, or n */
static size_t
update_find(const struct imap_update *u, uint32_t uid)
{
	size_t lo = 0, hi = u->n;

	if (u->n_crit > 0) {
		for (lo = 0; lo < u->n; lo++)
			if (u->items[lo].uid == uid)
				return lo;
		return u->n;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (u->uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < u->n && u->uids[lo] == uid ? lo : u->n;
}

static void
update_remove_at(struct imap_update *u, size_t i)
{
	if (u->n_crit > 0) {
		sort_item_clear(&u->items[i]);
		memmove(&u->items[i], &u->items[i + 1],
			(u->n - i - 1) * sizeof(*u->items));
	} else {
		memmove(&u->uids[i], &u->uids[i + 1],
			(u->n - i - 1) * sizeof(*u->uids));
	}
	u->n--;
}

/* insert a new hit at its place (it: its sort keys, taken, for SORT);
 * returns its index */
static size_t
update_insert(struct imap_update *u, uint32_t uid, struct sort_item *it)
{
	size_t lo = 0, hi = u->n;

	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 16;
		if (u->n_crit > 0)
			u->items = xrealloc(u->items,
					    u->cap * sizeof(*u->items));
		else
			u->uids = xrealloc(u->uids, u->cap * sizeof(*u->uids));
	}
	if (u->n_crit > 0) {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (sort_item_cmp(&u->items[mid], it, u->crit,
					  u->n_crit) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(&u->items[lo + 1], &u->items[lo],
			(u->n - lo) * sizeof(*u->items));
		u->items[lo] = *it;
	} else {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (u->uids[mid] < uid)
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(&u->uids[lo + 1], &u->uids[lo],
			(u->n - lo) * sizeof(*u->uids));
		u->uids[lo] = uid;
	}
	u->n++;
	return lo;
}

static uint32_t
update_id(struct imap_session *s, const struct imap_update *u, uint32_t uid)
{
	return u->uid ? uid : imap_view_seq(&s->view, uid);
}

static void
update_head(struct buf *b, const struct imap_update *u)
{
	buf_append_str(b, "* ESEARCH (TAG ");
	imap_append_astring(b, u->tag, strlen(u->tag));
	buf_append_str(b, ")");
	if (u->uid)
		buf_append_str(b, " UID");
}

/* " NAME (0 set)": a SEARCH context's changes, in mailbox order */
static void
update_set_item(struct buf *b, const char *name, uint32_t *ids, size_t n)
{
	if (n == 0)
		return;
	buf_printf(b, " %s (0 ", name);
	esearch_append_set(b, ids, n);
	buf_append_byte(b, ')');
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* re-evaluate uids (ascending) for u: those that match now and did not
 * are added, those that did and do not are removed. Removals are
 * applied (and numbered) first, then additions: the order the client
 * applies REMOVEFROM then ADDTO in (4.3.2). */
static void
update_eval(struct imap_session *s, struct imap_update *u,
	    const uint32_t *uids, size_t n, struct buf *out)
{
	struct imap_seqset set;
	struct store_uid_range *r;
	struct store_msg_iter *it = NULL;
	const struct store_msg *m;
	struct buf text = BUF_INIT, hdr = BUF_INIT;
	struct buf rm = BUF_INIT, ad = BUF_INIT;	/* SORT: pos id pairs */
	uint32_t *gone = xmalloc(n * sizeof(*gone));
	uint32_t *added = xmalloc(n * sizeof(*added));
	struct sort_item *add_items = u->n_crit > 0 ?
		xcalloc(n, sizeof(*add_items)) : NULL;
	size_t n_gone = 0, n_added = 0, i, k;
	unsigned fields = u->q.fields;
	int rc;

	if (u->n_crit > 0 && !(fields & STORE_MSG_PARSE))
		fields |= STORE_MSG_SEARCH;
	imap_seqset_from_sorted(&set, uids, n);
	r = xcalloc(set.n, sizeof(*r));
	for (i = 0; i < set.n; i++) {
		r[i].lo = set.v[i].lo;
		r[i].hi = set.v[i].hi;
	}
	/* a few messages read on the loop, as the view's own sync does */
	rc = store_msg_iter_init(s->env->store, s->view.account_id,
				 s->view.mailbox_id, r, set.n, fields, &it);
	while (rc == 0 && store_msg_iter_next(it, &m) == 1) {
		struct search_msg sm = {
			.m = m, .store = s->env->store, .text = &text,
			.hdr = &hdr, .account_id = s->view.account_id,
			.mailbox_id = s->view.mailbox_id,
		};
		const struct imap_msg *vm = imap_view_find(&s->view, m->uid);
		struct store_msg vmsg;
		bool match;

		if (vm == NULL)
			continue;
		/* the flags the client was told of, \Recent included */
		vmsg = *m;
		vmsg.flags = vm->flags;
		sm.m = &vmsg;
		if (u->q.body)
			(void)store_msg_open(s->env->store, s->view.account_id,
					     s->view.mailbox_id, m->uid,
					     &sm.reader);
		buf_reset(&text);
		buf_reset(&hdr);
		match = search_eval(&u->q.root, &sm);
		store_reader_close(&sm.reader);
		k = update_find(u, m->uid);
		if (match && k == u->n) {
			if (add_items != NULL)
				sort_item_fill(&add_items[n_added], &vmsg,
					       false);
			added[n_added++] = m->uid;
		} else if (!match && k < u->n) {
			if (u->n_crit > 0)
				buf_printf(&rm, "%s%zu %u", rm.len ? " " : "",
					   k + 1, update_id(s, u, m->uid));
			else
				gone[n_gone++] = update_id(s, u, m->uid);
			update_remove_at(u, k);
		}
	}
	store_msg_iter_free(&it);
	if (rc != 0)
		log_warn(s->id, "imap search update tag=%s: store error %d",
			 u->tag, rc);
	for (i = 0; i < n_added; i++) {
		size_t pos = update_insert(u, added[i], add_items != NULL ?
					   &add_items[i] : NULL);

		if (u->n_crit > 0)
			buf_printf(&ad, "%s%zu %u", ad.len ? " " : "",
				   pos + 1, update_id(s, u, added[i]));
		else
			added[i] = update_id(s, u, added[i]);
	}
	if (n_gone + n_added > 0 || rm.len > 0) {
		update_head(out, u);
		if (u->n_crit > 0) {
			if (rm.len > 0)
				buf_printf(out, " REMOVEFROM (%.*s)",
					   (int)rm.len, (const char *)rm.data);
			if (ad.len > 0)
				buf_printf(out, " ADDTO (%.*s)", (int)ad.len,
					   (const char *)ad.data);
		} else {
			update_set_item(out, "REMOVEFROM", gone, n_gone);
			update_set_item(out, "ADDTO", added, n_added);
		}
		buf_append_str(out, "\r\n");
	}
	imap_seqset_free(&set);
	free(r);
	free(gone);
	free(added);
	free(add_items);
	buf_free(&text);
	buf_free(&hdr);
	buf_free(&rm);
	buf_free(&ad);
}

void
imap_updates_changed(struct imap_session *s, uint32_t *uids, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i, o = 0;

	if (s->n_updates == 0 || n == 0)
		return;
	qsort(uids, n, sizeof(*uids), uid_cmp);
	for (i = 0; i < n; i++)
		if (o == 0 || uids[o - 1] != uids[i])
			uids[o++] = uids[i];
	for (i = 0; i < s->n_updates; i++)
		update_eval(s, s->updates[i], uids, o, &b);
	imap_write(s, b.data, b.len);
	buf_free(&b);
}

void
imap_updates_expunged(struct imap_session *s, const uint32_t *sorted,
		      size_t n)
{
	struct buf b = BUF_INIT, rm = BUF_INIT;
	uint32_t *gone;
	size_t i, j, k, n_gone;

	if (s->n_updates == 0 || n == 0)
		return;
	gone = xmalloc(n * sizeof(*gone));
	for (i = 0; i < s->n_updates; i++) {
		struct imap_update *u = s->updates[i];

		n_gone = 0;
		buf_reset(&rm);
		for (j = 0; j < n; j++) {
			k = update_find(u, sorted[j]);
			if (k == u->n)
				continue;
			/* before the EXPUNGE: the numbers still hold */
			if (u->n_crit > 0)
				buf_printf(&rm, "%s%zu %u", rm.len ? " " : "",
					   k + 1, update_id(s, u, sorted[j]));
			else
				gone[n_gone++] = update_id(s, u, sorted[j]);
			update_remove_at(u, k);
		}
		if (n_gone == 0 && rm.len == 0)
			continue;
		update_head(&b, u);
		if (u->n_crit > 0)
			buf_printf(&b, " REMOVEFROM (%.*s)", (int)rm.len,
				   (const char *)rm.data);
		else
			update_set_item(&b, "REMOVEFROM", gone, n_gone);
		buf_append_str(&b, "\r\n");
	}
	free(gone);
	imap_write(s, b.data, b.len);
	buf_free(&b);
	buf_free(&rm);
}

/* CANCELUPDATE "tag" ... (RFC 5267 4.3.5) */
enum imap_cmd_ret
cmd_cancelupdate(struct imap_cmd *cmd)
{
	const struct imap_arg *a = cmd->args;

	if (a->type == IMAP_ARG_EOL)
		return imap_cmd_bad(cmd, "CANCELUPDATE needs a tag");
	for (; a->type != IMAP_ARG_EOL; a++)
		if (a->type != IMAP_ARG_QUOTED)
			return imap_cmd_bad(cmd, "CANCELUPDATE takes quoted "
					    "tags");
	for (a = cmd->args; a->type != IMAP_ARG_EOL; a++)
		if (!imap_update_tag_used(cmd->s, a->u.str))
			return imap_cmd_reply(cmd, "NO", "Unknown search "
					      "update tag");
	for (a = cmd->args; a->type != IMAP_ARG_EOL; a++)
		(void)imap_update_cancel(cmd->s, a->u.str);
	return imap_cmd_reply(cmd, "OK", "Updates cancelled");
}
