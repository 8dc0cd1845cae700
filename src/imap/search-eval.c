/* search-eval.c - does a message match a SEARCH key tree? Header keys
 * use the decoded fields cached at delivery; BODY and TEXT decode the
 * text parts (charset to UTF-8) of the message read from its blob */
#include "imap/imap-search.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/casefold.h"

#include "mime/mime.h"

/* Case-insensitive matching (RFC 9051 6.4.4) for every script:
 * lib/casefold.c, the same fold the full-text index holds */
bool
search_contains(const char *hay, size_t hlen, const char *needle)
{
	return casefold_contains(hay, hlen, needle);
}

/* does the key's folded string occur in hay? */
static bool
key_in(const struct skey *k, const char *hay, size_t hlen)
{
	return casefold_find(hay, hlen, k->fold, k->fold_len);
}

static int64_t
search_day(int64_t t, int32_t tz)
{
	int64_t l = t + (int64_t)tz * 60;

	return l >= 0 ? l / 86400 : -((-l + 86399) / 86400);
}

/* "Name: value\n" lines of the cached header block */
static bool
search_header_lines(const char *h, const char *field, const struct skey *k)
{
	size_t flen = strlen(field);

	while (h != NULL && *h) {
		const char *eol = strchr(h, '\n');
		size_t len = eol ? (size_t)(eol - h) : strlen(h);

		if (len > flen && h[flen] == ':' &&
		    strncasecmp(h, field, flen) == 0) {
			const char *v = h + flen + 1;

			while (*v == ' ')
				v++;
			if (key_in(k, v, (size_t)(h + len - v)))
				return true;
		}
		h = eol ? eol + 1 : NULL;
	}
	return false;
}

/* the message's reader, opened on first need */
static struct store_reader *
search_reader(struct search_msg *sm)
{
	if (sm->reader == NULL && sm->store != NULL && !sm->reader_tried) {
		sm->reader_tried = true;
		(void)store_msg_open(sm->store, sm->account_id,
				     sm->mailbox_id, sm->m->uid, &sm->reader);
	}
	return sm->reader;
}

int
search_fts_prepare(struct skey *k, struct store *store, int64_t mailbox_id)
{
	int r, n = 0;

	for (size_t i = 0; i < k->n_kids; i++) {
		if ((r = search_fts_prepare(&k->kids[i], store,
					    mailbox_id)) < 0)
			return r;
		n += r;
	}
	if ((k->type != SK_BODY && k->type != SK_TEXT) || k->fold_len == 0 ||
	    !store_fts_usable(k->fold, k->fold_len))
		return n;
	/* TEXT: a match may span the prefix's last field and the blob's
	 * first only through a line end */
	if (k->type == SK_TEXT && memchr(k->fold, '\n', k->fold_len))
		return n;
	r = store_fts_search(store, k->fold, k->fold_len, k->type == SK_TEXT,
			     &k->fts_match, &k->fts_unindexed);
	if (r == 0 && k->type == SK_TEXT)
		r = store_fts_prefix_uids(store, mailbox_id, k->fold,
					  k->fold_len, &k->fts_prefix);
	if (r < 0)
		return r;
	k->fts = true;
	return n + 1;
}

void
search_fts_forget(struct skey *k)
{
	for (size_t i = 0; i < k->n_kids; i++)
		search_fts_forget(&k->kids[i]);
	k->fts = false;
	store_ids_free(&k->fts_match);
	store_ids_free(&k->fts_unindexed);
	store_ids_free(&k->fts_prefix);
}

bool
search_rows_only(const struct skey *k)
{
	switch (k->type) {
	case SK_AND:
	case SK_OR:
	case SK_NOT:
		for (size_t i = 0; i < k->n_kids; i++)
			if (!search_rows_only(&k->kids[i]))
				return false;
		return true;
	case SK_SENTBEFORE:
	case SK_SENTON:
	case SK_SENTSINCE:
	case SK_HEADER:
	case SK_ADDRESS:
		return false;
	case SK_BODY:
	case SK_TEXT:
		return k->fts && k->fts_unindexed.n == 0;
	default:
		return true;
	}
}

/* a BODY/TEXT key the index answers wholly */
static bool
fts_whole(const struct skey *k)
{
	return (k->type == SK_BODY || k->type == SK_TEXT) && k->fts &&
	       k->fts_unindexed.n == 0;
}

size_t
search_fts_bound(const struct skey *k)
{
	size_t best = SIZE_MAX, sum = 0, b;

	if (fts_whole(k))
		return k->fts_match.n;
	if (k->type == SK_AND) {
		/* every kid must hold: the one naming the fewest bodies */
		for (size_t i = 0; i < k->n_kids; i++)
			if ((b = search_fts_bound(&k->kids[i])) < best)
				best = b;
		return best;
	}
	if (k->type == SK_OR && k->n_kids > 0) {
		/* one kid must hold: only when each is bounded */
		for (size_t i = 0; i < k->n_kids; i++) {
			if ((b = search_fts_bound(&k->kids[i])) == SIZE_MAX)
				return SIZE_MAX;
			sum += b;
		}
		return sum;
	}
	return SIZE_MAX;
}

bool
search_fts_exact(const struct skey *k)
{
	if (fts_whole(k))
		return true;
	if (k->type == SK_AND && k->n_kids == 1)
		return search_fts_exact(&k->kids[0]);
	if (k->type != SK_OR || k->n_kids == 0)
		return false;
	for (size_t i = 0; i < k->n_kids; i++)
		if (!search_fts_exact(&k->kids[i]))
			return false;
	return true;
}

/* a and b ascending: their union, ascending, each id once, into a */
static void
ids_union(struct store_ids *a, struct store_ids *b)
{
	int64_t *v = xmalloc((a->n + b->n ? a->n + b->n : 1) * sizeof(*v));
	size_t i = 0, j = 0, n = 0;

	while (i < a->n || j < b->n) {
		int64_t x = j >= b->n || (i < a->n && a->v[i] <= b->v[j]) ?
			    a->v[i] : b->v[j];

		if (i < a->n && a->v[i] == x)
			i++;
		if (j < b->n && b->v[j] == x)
			j++;
		if (n == 0 || v[n - 1] != x)
			v[n++] = x;
	}
	store_ids_free(a);
	store_ids_free(b);
	a->v = v;
	a->n = n;
}

int
search_fts_candidates(const struct skey *k, struct store *store,
		      int64_t mailbox_id, struct store_ids *uids)
{
	const struct skey *best = NULL;
	int r;

	memset(uids, 0, sizeof(*uids));
	if (fts_whole(k))
		return store_fts_uids(store, mailbox_id, &k->fts_match,
				      k->type == SK_TEXT ? k->fold : NULL,
				      k->type == SK_TEXT ? k->fold_len : 0,
				      uids);
	if (k->type == SK_AND) {
		for (size_t i = 0; i < k->n_kids; i++)
			if (search_fts_bound(&k->kids[i]) != SIZE_MAX &&
			    (best == NULL || search_fts_bound(&k->kids[i]) <
					     search_fts_bound(best)))
				best = &k->kids[i];
		return best ? search_fts_candidates(best, store, mailbox_id,
						    uids) : STORE_EINVAL;
	}
	if (k->type == SK_OR && search_fts_bound(k) != SIZE_MAX) {
		for (size_t i = 0; i < k->n_kids; i++) {
			struct store_ids c;

			r = search_fts_candidates(&k->kids[i], store,
						  mailbox_id, &c);
			if (r != 0) {
				store_ids_free(uids);
				return r;
			}
			ids_union(uids, &c);
		}
		return 0;
	}
	return STORE_EINVAL;
}

/* BODY/TEXT from the index; false when it does not cover the message */
static bool
search_fts(const struct skey *k, struct search_msg *sm, bool *hit_r)
{
	const struct store_msg *m = sm->m;

	if (!k->fts || store_ids_has(&k->fts_unindexed, m->blob_id))
		return false;
	*hit_r = store_ids_has(&k->fts_match, m->blob_id);
	if (!*hit_r && k->type == SK_TEXT && m->prefix_len > 0)
		/* the per-recipient fields the blob's row lacks */
		*hit_r = store_ids_has(&k->fts_prefix, m->uid);
	return true;
}

/* the message's header fields, unfolded and decoded, one per line */
static const char *
search_headers(struct search_msg *sm)
{
	const struct store_msg *m = sm->m;
	struct buf raw = BUF_INIT;
	uint64_t len = m->prefix_len + m->parse.header_len, off = 0;

	if (m->parse.headers != NULL)
		return m->parse.headers;
	if (sm->hdr_loaded)
		return buf_cstr(sm->hdr);
	sm->hdr_loaded = true;
	if (len > m->size)
		len = m->size;
	while (search_reader(sm) != NULL && off < len) {
		size_t n = len - off > 65536 ? 65536 : (size_t)(len - off);
		unsigned char *p = buf_reserve(&raw, n);
		ssize_t got = store_reader_pread(sm->reader, p, n, off);

		if (got <= 0)
			break;
		raw.len += (size_t)got;
		off += (uint64_t)got;
	}
	mime_header_text(raw.data, raw.len, sm->hdr);
	buf_free(&raw);
	return buf_cstr(sm->hdr);
}

/* HEADER: the field's decoded text (Subject from the cache) */
static bool
search_header(const struct skey *k, struct search_msg *sm)
{
	const char *v = sm->m->parse.subject;

	if (strcmp(k->field, "subject") == 0)
		return v != NULL && key_in(k, v, strlen(v));
	return search_header_lines(search_headers(sm), k->field, k);
}

/* FROM/TO/CC/BCC: the addresses as the store keeps them for SEARCH, one
 * a line ("name <local@domain>"): no comments, group names or raw text */
static bool
search_address(const struct skey *k, struct search_msg *sm)
{
	const struct store_parse *ps = &sm->m->parse;
	const char *v = NULL;

	if (strcmp(k->field, "from") == 0)
		v = ps->from;
	else if (strcmp(k->field, "to") == 0)
		v = ps->to;
	else if (strcmp(k->field, "cc") == 0)
		v = ps->cc;
	else if (strcmp(k->field, "bcc") == 0)
		v = ps->bcc;
	return v != NULL && key_in(k, v, strlen(v));
}

static bool
search_text_cb(void *ctx, const uint32_t *section, size_t depth,
	       const unsigned char *utf8, size_t len)
{
	struct buf *b = ctx;

	buf_append(b, utf8, len);
	return true;
}

/* the decoded text of the body parts, once per message */
static const struct buf *
search_body(struct search_msg *sm)
{
	const struct store_msg *m = sm->m;
	struct buf raw = BUF_INIT;
	uint64_t off = m->prefix_len;

	if (sm->text_loaded)
		return sm->text;
	sm->text_loaded = true;
	if (m->parse.partmap == NULL || search_reader(sm) == NULL)
		return sm->text;
	while (off < m->size) {
		size_t n = m->size - off > 65536 ? 65536 :
			   (size_t)(m->size - off);
		unsigned char *p = buf_reserve(&raw, n);
		ssize_t got = store_reader_pread(sm->reader, p, n, off);

		if (got <= 0)
			break;
		raw.len += (size_t)got;
		off += (uint64_t)got;
	}
	mime_body_text(m->parse.partmap, m->parse.partmap_len, raw.data,
		       raw.len, search_text_cb, sm->text);
	buf_free(&raw);
	return sm->text;
}

bool
search_eval(const struct skey *k, struct search_msg *sm)
{
	const struct store_msg *m = sm->m;
	const struct store_parse *ps = &m->parse;
	const struct buf *b;
	size_t i;

	switch (k->type) {
	case SK_AND:
		for (i = 0; i < k->n_kids; i++)
			if (!search_eval(&k->kids[i], sm))
				return false;
		return true;
	case SK_OR:
		return search_eval(&k->kids[0], sm) ||
		       search_eval(&k->kids[1], sm);
	case SK_NOT:
		return !search_eval(&k->kids[0], sm);
	case SK_NONE:
		return false;
	case SK_FLAG:
		return ((m->flags & k->flag) != 0) != k->neg;
	case SK_KEYWORD: {
		const char *kw = m->keywords ? m->keywords : "";
		size_t n = strlen(k->str);
		bool has = false;

		while (*kw) {
			size_t l = strcspn(kw, " ");

			if (l == n && strncasecmp(kw, k->str, n) == 0)
				has = true;
			kw += l;
			while (*kw == ' ')
				kw++;
		}
		return has != k->neg;
	}
	case SK_LARGER:
		return m->size > k->num;
	case SK_SMALLER:
		return m->size < k->num;
	case SK_BEFORE:
		return search_day(m->internaldate, m->internaldate_tz) < k->day;
	case SK_ON:
		return search_day(m->internaldate, m->internaldate_tz) == k->day;
	case SK_SINCE:
		return search_day(m->internaldate, m->internaldate_tz) >= k->day;
	case SK_OLDER:
		return m->internaldate <= k->day;
	case SK_YOUNGER:
		return m->internaldate >= k->day;
	case SK_SAVEDBEFORE:
		return search_day(m->savedate, 0) < k->day;
	case SK_SAVEDON:
		return search_day(m->savedate, 0) == k->day;
	case SK_SAVEDSINCE:
		return search_day(m->savedate, 0) >= k->day;
	case SK_SENTBEFORE:
	case SK_SENTON:
	case SK_SENTSINCE: {
		/* no valid Date: use the internal date (RFC 9051 6.4.4) */
		int64_t d = ps->sent_date != 0 ?
			search_day(ps->sent_date, ps->sent_tz) :
			search_day(m->internaldate, m->internaldate_tz);

		return k->type == SK_SENTBEFORE ? d < k->day :
		       k->type == SK_SENTON ? d == k->day : d >= k->day;
	}
	case SK_HEADER:
		return search_header(k, sm);
	case SK_ADDRESS:
		return search_address(k, sm);
	case SK_BODY: {
		bool hit;

		if (search_fts(k, sm, &hit))
			return hit;
	}
		b = search_body(sm);
		return key_in(k, (const char *)b->data, b->len);
	case SK_TEXT: {
		const char *h;
		bool hit;

		if (search_fts(k, sm, &hit))
			return hit;
		h = search_headers(sm);

		if (key_in(k, h, strlen(h)))
			return true;
	}
		b = search_body(sm);
		return key_in(k, (const char *)b->data, b->len);
	case SK_MODSEQ:
		return m->modseq >= k->num;
	case SK_EMAILID:
	case SK_THREADID: {
		char id[STORE_OBJECTID_MAX];

		if (k->type == SK_EMAILID)
			store_msg_emailid(m, id);
		else if (sm->store != NULL)
			store_msg_threadid(sm->store, m, id);
		else
			return false;
		return strcmp(id, k->str) == 0;
	}
	case SK_UIDS:
		for (i = 0; i < k->n_ranges; i++)
			if (m->uid >= k->ranges[i].lo &&
			    m->uid <= k->ranges[i].hi)
				return true;
		return false;
	}
	return false;
}
