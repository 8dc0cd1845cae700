/* jmap-email-qcache.c - a few recent Email/query results (see
 * jmap-email-qcache.h); methods run on pool threads: one mutex */
#include "jmap/jmap-email-qcache.h"
#include "lib/buf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define QCACHE_ENTRIES 16
#define QCACHE_MAX_IDS 2000000	/* all entries together (16 MB) */

struct entry {
	int64_t account;
	uint64_t modseq;
	char *key;
	struct qresult r;
	uint64_t used;		/* a clock: the smallest goes first */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry cache[QCACHE_ENTRIES];
static uint64_t clock_now;
static size_t total_ids;

static void
entry_clear(struct entry *e)
{
	total_ids -= e->r.n;
	free(e->key);
	free(e->r.ids);
	memset(e, 0, sizeof(*e));
}

bool
jmap_qcache_get(int64_t account, uint64_t modseq, const char *key,
		struct qresult *out)
{
	bool hit = false;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < QCACHE_ENTRIES; i++) {
		struct entry *e = &cache[i];

		if (e->key == NULL || e->account != account)
			continue;
		if (e->modseq < modseq) {	/* an older state: never again */
			entry_clear(e);
			continue;
		}
		if (e->modseq != modseq || strcmp(e->key, key) != 0)
			continue;
		out->n = e->r.n;
		out->ids = xmalloc((e->r.n ? e->r.n : 1) * sizeof(uint64_t));
		memcpy(out->ids, e->r.ids, e->r.n * sizeof(uint64_t));
		e->used = ++clock_now;
		hit = true;
		break;
	}
	pthread_mutex_unlock(&lock);
	return hit;
}

void
jmap_qcache_put(int64_t account, uint64_t modseq, const char *key,
		const struct qresult *r)
{
	struct entry *slot = NULL;

	if (r->n > QCACHE_MAX_IDS / 4)
		return;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < QCACHE_ENTRIES; i++) {
		struct entry *e = &cache[i];

		if (e->key != NULL && e->account == account &&
		    e->modseq == modseq && strcmp(e->key, key) == 0) {
			slot = NULL;	/* another thread was first */
			goto out;
		}
		if (slot == NULL || e->key == NULL ||
		    (slot->key != NULL && e->used < slot->used))
			slot = e;
	}
	entry_clear(slot);
	/* room for the ids: the least recently used go */
	while (total_ids + r->n > QCACHE_MAX_IDS) {
		struct entry *old = NULL;

		for (size_t i = 0; i < QCACHE_ENTRIES; i++)
			if (cache[i].key != NULL &&
			    (old == NULL || cache[i].used < old->used))
				old = &cache[i];
		if (old == NULL)
			break;
		entry_clear(old);
	}
	slot->account = account;
	slot->modseq = modseq;
	slot->key = xstrdup(key);
	slot->r.n = r->n;
	slot->r.ids = xmalloc((r->n ? r->n : 1) * sizeof(uint64_t));
	memcpy(slot->r.ids, r->ids, r->n * sizeof(uint64_t));
	slot->used = ++clock_now;
	total_ids += r->n;
out:
	pthread_mutex_unlock(&lock);
}

void
jmap_qresult_free(struct qresult *r)
{
	free(r->ids);
	r->ids = NULL;
	r->n = 0;
}
