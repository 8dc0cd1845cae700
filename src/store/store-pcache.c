/* store-pcache.c - an in-memory cache of the blobs' parse rows
 * (ENVELOPE, BODYSTRUCTURE, part map, decoded fields), shared by every
 * thread of the process.
 *
 * Why: any commit empties a WAL reader's page cache, so under steady
 * writes each blobs row FETCH or SEARCH touches was a pread of its own
 * page (bodies up to inline_max live in the same rows, one per page).
 * A blob's parse row never changes once written and its id is never
 * given to another blob (see store_blob_next_id), so entries need no
 * invalidation: iterators read messages rows only and take the rest
 * from here. Bounded in bytes (store.parse_cache), least recently used
 * out first; striped locks keep the FETCH/SEARCH workers apart. */
#include "store/store-private.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PC_STRIPES 16
#define PC_NSTR 19
#define PC_PREVIEW 18	/* its index there */	/* the string fields of struct store_parse */

struct pc_entry {
	int64_t blob_id;
	struct pc_entry *hnext;			/* hash chain */
	struct pc_entry *prev, *next;		/* LRU list, newest first */
	size_t bytes;
	int64_t sent_date;
	int32_t sent_tz;
	uint64_t header_len, body_lines;
	size_t partmap_len;
	unsigned char *partmap;
	unsigned char *header;	/* top-level header bytes, once read */
	char *str[PC_NSTR];	/* NULL: column was NULL */
};

struct pc_stripe {
	pthread_mutex_t lock;
	struct pc_entry **table;
	size_t cap, n, bytes, max_bytes;
	struct pc_entry *head, *tail;
};

struct store_pcache {
	struct pc_stripe stripe[PC_STRIPES];
};

/* the string fields of struct store_parse, by number */
static char **
pc_parse_str(struct store_parse *p, size_t i)
{
	char **v[PC_NSTR] = {
		&p->envelope, &p->body, &p->bodystructure, &p->subject,
		&p->from, &p->to, &p->cc, &p->bcc, &p->message_id,
		&p->in_reply_to, &p->references, &p->sort_subject,
		&p->sort_from, &p->sort_to, &p->sort_cc,
		&p->sort_display_from, &p->sort_display_to, &p->headers,
		&p->preview,
	};
	return v[i];
}

/* which strings a load of these fields wants (store.h's STORE_MSG_*) */
static bool
pc_wanted(unsigned fields, size_t i)
{
	if (fields & STORE_MSG_PARSE)
		return true;
	/* FETCH: envelope, body, bodystructure, preview; SEARCH: the
	 * decoded text */
	return ((fields & STORE_MSG_FETCH) && (i < 3 || i == PC_PREVIEW)) ||
	       ((fields & STORE_MSG_SEARCH) && i >= 3 && i < PC_PREVIEW);
}

struct store_pcache *
store_pcache_new(size_t max_bytes)
{
	struct store_pcache *c;

	if (max_bytes == 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	for (size_t i = 0; i < PC_STRIPES; i++) {
		pthread_mutex_init(&c->stripe[i].lock, NULL);
		c->stripe[i].max_bytes = max_bytes / PC_STRIPES;
	}
	return c;
}

static void
pc_entry_free(struct pc_entry *e)
{
	for (size_t i = 0; i < PC_NSTR; i++)
		free(e->str[i]);
	free(e->partmap);
	free(e->header);
	free(e);
}

void
store_pcache_free(struct store_pcache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < PC_STRIPES; i++) {
		struct pc_stripe *st = &c->stripe[i];
		struct pc_entry *e, *next;

		for (e = st->head; e != NULL; e = next) {
			next = e->next;
			pc_entry_free(e);
		}
		free(st->table);
		pthread_mutex_destroy(&st->lock);
	}
	free(c);
}

static uint64_t
pc_hash(int64_t id)
{
	return (uint64_t)id * 0x9e3779b97f4a7c15ull;
}

static struct pc_stripe *
pc_stripe(struct store_pcache *c, int64_t id)
{
	return &c->stripe[(pc_hash(id) >> 60) % PC_STRIPES];
}

static struct pc_entry **
pc_slot(struct pc_stripe *st, int64_t id)
{
	struct pc_entry **pp = &st->table[(pc_hash(id) >> 20) & (st->cap - 1)];

	while (*pp != NULL && (*pp)->blob_id != id)
		pp = &(*pp)->hnext;
	return pp;
}

static void
pc_lru_unlink(struct pc_stripe *st, struct pc_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		st->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		st->tail = e->prev;
	e->prev = e->next = NULL;
}

static void
pc_lru_front(struct pc_stripe *st, struct pc_entry *e)
{
	e->next = st->head;
	if (st->head)
		st->head->prev = e;
	st->head = e;
	if (st->tail == NULL)
		st->tail = e;
}

/* copy the entry's wanted fields into p (which the caller clears) */
static void
pc_copy_out(const struct pc_entry *e, unsigned fields, struct store_parse *p)
{
	for (size_t i = 0; i < PC_NSTR; i++)
		if (e->str[i] != NULL && pc_wanted(fields, i))
			*pc_parse_str(p, i) = xstrdup(e->str[i]);
	p->sent_date = e->sent_date;
	p->sent_tz = e->sent_tz;
	p->header_len = e->header_len;
	p->body_lines = e->body_lines;
	if (e->partmap_len && (fields & (STORE_MSG_PARSE | STORE_MSG_FETCH))) {
		p->partmap = xmalloc(e->partmap_len);
		memcpy(p->partmap, e->partmap, e->partmap_len);
		p->partmap_len = e->partmap_len;
	}
	if (e->header != NULL && (fields & STORE_MSG_HEADER)) {
		p->header = xmalloc(e->header_len);
		memcpy(p->header, e->header, e->header_len);
	}
}

bool
store_pcache_get(struct store_pcache *c, int64_t blob_id, unsigned fields,
		 struct store_parse *p)
{
	struct pc_stripe *st;
	struct pc_entry *e;

	if (c == NULL)
		return false;
	st = pc_stripe(c, blob_id);
	pthread_mutex_lock(&st->lock);
	e = st->cap ? *pc_slot(st, blob_id) : NULL;
	if (e != NULL) {
		pc_lru_unlink(st, e);
		pc_lru_front(st, e);
		pc_copy_out(e, fields, p);
	}
	pthread_mutex_unlock(&st->lock);
	return e != NULL;
}

static void
pc_grow(struct pc_stripe *st)
{
	struct pc_entry **old = st->table;
	size_t oldcap = st->cap;

	st->cap = oldcap ? oldcap * 2 : 256;
	st->table = xcalloc(st->cap, sizeof(*st->table));
	for (size_t i = 0; i < oldcap; i++) {
		struct pc_entry *e = old[i], *next;

		for (; e != NULL; e = next) {
			struct pc_entry **pp = pc_slot(st, e->blob_id);

			next = e->hnext;
			e->hnext = *pp;
			*pp = e;
		}
	}
	free(old);
}

/* least recently used out until the stripe fits (lock held) */
static void
pc_evict(struct pc_stripe *st)
{
	while (st->bytes > st->max_bytes && st->tail != NULL) {
		struct pc_entry *old = st->tail, **pp;

		pc_lru_unlink(st, old);
		pp = pc_slot(st, old->blob_id);
		*pp = old->hnext;
		st->n--;
		st->bytes -= old->bytes;
		pc_entry_free(old);
	}
}

void
store_pcache_set_preview(struct store_pcache *c, int64_t blob_id,
			 const char *preview)
{
	struct pc_stripe *st;
	struct pc_entry *e;

	if (c == NULL)
		return;
	st = pc_stripe(c, blob_id);
	pthread_mutex_lock(&st->lock);
	e = st->cap ? *pc_slot(st, blob_id) : NULL;
	if (e != NULL && e->str[PC_PREVIEW] == NULL) {
		e->str[PC_PREVIEW] = xstrdup(preview);
		e->bytes += strlen(preview) + 1;
		st->bytes += strlen(preview) + 1;
	}
	pthread_mutex_unlock(&st->lock);
}

void
store_pcache_put(struct store_pcache *c, int64_t blob_id,
		 const struct store_parse *p)
{
	struct pc_entry *e;
	struct pc_stripe *st;
	struct pc_entry **pp;

	if (c == NULL)
		return;
	e = xcalloc(1, sizeof(*e));
	e->blob_id = blob_id;
	e->bytes = sizeof(*e) + p->partmap_len;
	if (p->header != NULL && p->header_len > 0) {
		e->header = xmalloc(p->header_len);
		memcpy(e->header, p->header, p->header_len);
		e->bytes += p->header_len;
	}
	for (size_t i = 0; i < PC_NSTR; i++) {
		const char *s = *pc_parse_str((struct store_parse *)p, i);

		if (s != NULL) {
			e->str[i] = xstrdup(s);
			e->bytes += strlen(s) + 1;
		}
	}
	e->sent_date = p->sent_date;
	e->sent_tz = p->sent_tz;
	e->header_len = p->header_len;
	e->body_lines = p->body_lines;
	if (p->partmap_len) {
		e->partmap = xmalloc(p->partmap_len);
		memcpy(e->partmap, p->partmap, p->partmap_len);
		e->partmap_len = p->partmap_len;
	}
	st = pc_stripe(c, blob_id);
	pthread_mutex_lock(&st->lock);
	if (e->bytes > st->max_bytes) {
		pthread_mutex_unlock(&st->lock);
		pc_entry_free(e);
		return;
	}
	if (st->n >= st->cap)
		pc_grow(st);
	pp = pc_slot(st, blob_id);
	if (*pp != NULL) {		/* another thread was first */
		pthread_mutex_unlock(&st->lock);
		pc_entry_free(e);
		return;
	}
	*pp = e;
	pc_lru_front(st, e);
	st->n++;
	st->bytes += e->bytes;
	pc_evict(st);
	pthread_mutex_unlock(&st->lock);
}

void
store_pcache_put_header(struct store_pcache *c, int64_t blob_id,
			const void *hdr, size_t len)
{
	struct pc_stripe *st;
	struct pc_entry *e;
	unsigned char *copy;

	if (c == NULL || len == 0)
		return;
	copy = xmalloc(len);
	memcpy(copy, hdr, len);
	st = pc_stripe(c, blob_id);
	pthread_mutex_lock(&st->lock);
	e = st->cap ? *pc_slot(st, blob_id) : NULL;
	/* the length is the entry's: the bytes cover [0, header_len) */
	if (e != NULL && e->header == NULL && e->header_len == len &&
	    e->bytes + len <= st->max_bytes) {
		e->header = copy;
		copy = NULL;
		e->bytes += len;
		st->bytes += len;
		pc_evict(st);
	}
	pthread_mutex_unlock(&st->lock);
	free(copy);
}
