/* search-eval.c - does a message match a SEARCH key tree? Header keys
 * use the decoded fields cached at delivery; BODY and TEXT decode the
 * text parts (charset to UTF-8) of the message read from its blob */
#include "imap/imap-search.h"

#include <ctype.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "lib/utf8.h"

#include "mime/mime.h"

/* Case-insensitive matching (RFC 9051 6.4.4) for every script, not only
 * ASCII: each code point is compared through its simple lowercase mapping
 * from the C.UTF-8 locale's Unicode tables (a locale object, so the
 * process locale stays "C"). Bytes that are not UTF-8 compare as bytes. */
static locale_t search_loc;

static void
search_loc_init(void)
{
	search_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* the folded code point at p (bytes left: len >= 1); returns its length */
static size_t
search_fold(const unsigned char *p, size_t len, uint32_t *cp_r)
{
	size_t n;

	if (p[0] < 0x80) {
		*cp_r = (uint32_t)(p[0] >= 'A' && p[0] <= 'Z' ? p[0] + 32 : p[0]);
		return 1;
	}
	n = utf8_next(p, len, cp_r);
	if (n == 0) {
		*cp_r = 0x110000u + p[0];	/* a lone byte: itself only */
		return 1;
	}
	if (search_loc != (locale_t)0)
		*cp_r = (uint32_t)towlower_l((wint_t)*cp_r, search_loc);
	return n;
}

bool
search_contains(const char *hay, size_t hlen, const char *needle)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const unsigned char *h = (const unsigned char *)hay;
	const unsigned char *nd = (const unsigned char *)needle;
	size_t nlen = strlen(needle), i, k, n, m = 0;
	uint32_t stackv[64], *nv = stackv, cp;
	bool found = false;

	if (nlen == 0)
		return true;
	if (hay == NULL)
		return false;
	pthread_once(&once, search_loc_init);
	if (nlen > 64)
		nv = xmalloc(nlen * sizeof(*nv));
	for (k = 0; k < nlen; k += n)
		n = search_fold(nd + k, nlen - k, &nv[m++]);
	/* at each code point of hay: do the folded code points match? */
	for (i = 0; i < hlen && !found; i += search_fold(h + i, hlen - i, &cp)) {
		size_t j = i, q = 0;

		while (q < m && j < hlen) {
			j += search_fold(h + j, hlen - j, &cp);
			if (cp != nv[q])
				break;
			q++;
		}
		found = q == m;
	}
	if (nv != stackv)
		free(nv);
	return found;
}

static int64_t
search_day(int64_t t, int32_t tz)
{
	int64_t l = t + (int64_t)tz * 60;

	return l >= 0 ? l / 86400 : -((-l + 86399) / 86400);
}

/* "Name: value\n" lines of the cached header block */
static bool
search_header_lines(const char *h, const char *field, const char *str)
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
			if (search_contains(v, (size_t)(h + len - v), str))
				return true;
		}
		h = eol ? eol + 1 : NULL;
	}
	return false;
}

/* the message's header fields, unfolded and decoded, one per line */
static const char *
search_headers(struct search_msg *sm)
{
	const struct store_msg *m = sm->m;
	struct buf raw = BUF_INIT, v = BUF_INIT;
	uint64_t len = m->prefix_len + m->parse.header_len, off = 0;
	size_t i = 0;

	if (m->parse.headers != NULL)
		return m->parse.headers;
	if (sm->hdr_loaded)
		return buf_cstr(sm->hdr);
	sm->hdr_loaded = true;
	if (len > m->size)
		len = m->size;
	while (sm->reader != NULL && off < len) {
		size_t n = len - off > 65536 ? 65536 : (size_t)(len - off);
		unsigned char *p = buf_reserve(&raw, n);
		ssize_t got = store_reader_pread(sm->reader, p, n, off);

		if (got <= 0)
			break;
		raw.len += (size_t)got;
		off += (uint64_t)got;
	}
	while (i < raw.len) {
		size_t start = i, colon;

		/* one field: its line and the folded lines after it */
		while (i < raw.len) {
			if (raw.data[i++] != '\n')
				continue;
			if (i < raw.len && (raw.data[i] == ' ' ||
					    raw.data[i] == '\t'))
				continue;
			break;
		}
		for (colon = start; colon < i && raw.data[colon] != ':';
		     colon++)
			;
		if (colon >= i || colon == start)
			continue;
		buf_append(sm->hdr, raw.data + start, colon - start);
		buf_append_str(sm->hdr, ": ");
		buf_reset(&v);
		mime_header_decode(raw.data + colon + 1, i - colon - 1, &v);
		buf_append(sm->hdr, v.data, v.len);
		buf_append_byte(sm->hdr, '\n');
	}
	buf_free(&raw);
	buf_free(&v);
	return buf_cstr(sm->hdr);
}

/* HEADER: the field's decoded text (Subject from the cache) */
static bool
search_header(const struct skey *k, struct search_msg *sm)
{
	const char *v = sm->m->parse.subject;

	if (strcmp(k->field, "subject") == 0)
		return v != NULL && search_contains(v, strlen(v), k->str);
	return search_header_lines(search_headers(sm), k->field, k->str);
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
	return v != NULL && search_contains(v, strlen(v), k->str);
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
	if (sm->reader == NULL || m->parse.partmap == NULL)
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
	case SK_BODY:
		b = search_body(sm);
		return search_contains((const char *)b->data, b->len, k->str);
	case SK_TEXT: {
		const char *h = search_headers(sm);

		if (search_contains(h, strlen(h), k->str))
			return true;
	}
		b = search_body(sm);
		return search_contains((const char *)b->data, b->len, k->str);
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
