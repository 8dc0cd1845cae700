/* pop3-sizes.c - the POP3 size cache: open addressing on (mailbox id,
 * uid) under one mutex (contract in pop3-sizes.h) */
#include "pop3/pop3-sizes.h"

#include <pthread.h>
#include <stdlib.h>

#include "lib/buf.h"

/* 512 Ki entries: the table (load <= 1/2) takes 24 MiB at most */
#define POP3_SIZES_DEFAULT_MAX (1u << 19)

struct pop3_size_entry {
	int64_t mailbox_id;	/* 0: empty slot (mailbox ids start at 1) */
	uint64_t size;
	uint32_t uid;
};

static pthread_mutex_t pop3_sizes_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pop3_size_entry *pop3_sizes_tab;
static uint32_t pop3_sizes_cap;		/* slots, a power of two */
static uint32_t pop3_sizes_used;
static uint32_t pop3_sizes_max = POP3_SIZES_DEFAULT_MAX;

static uint32_t
pop3_sizes_hash(int64_t mailbox_id, uint32_t uid)
{
	uint64_t h = ((uint64_t)mailbox_id * 0x9e3779b97f4a7c15ULL) ^
		     ((uint64_t)uid * 0xc2b2ae3d27d4eb4fULL);

	return (uint32_t)(h ^ (h >> 29));
}

/* pop3_sizes_find - the slot of the key, or the empty slot for it */
static struct pop3_size_entry *
pop3_sizes_find(struct pop3_size_entry *tab, uint32_t cap, int64_t mailbox_id,
		uint32_t uid)
{
	uint32_t i = pop3_sizes_hash(mailbox_id, uid) & (cap - 1);

	while (tab[i].mailbox_id != 0 &&
	       (tab[i].mailbox_id != mailbox_id || tab[i].uid != uid))
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

bool
pop3_sizes_get(int64_t mailbox_id, uint32_t uid, uint64_t *size_r)
{
	struct pop3_size_entry *e;
	bool found = false;

	pthread_mutex_lock(&pop3_sizes_lock);
	if (pop3_sizes_tab != NULL) {
		e = pop3_sizes_find(pop3_sizes_tab, pop3_sizes_cap, mailbox_id,
				    uid);
		if (e->mailbox_id != 0) {
			*size_r = e->size;
			found = true;
		}
	}
	pthread_mutex_unlock(&pop3_sizes_lock);
	return found;
}

/* pop3_sizes_grow - double the table (or start it, or empty it at max);
 * lock held */
static void
pop3_sizes_grow(void)
{
	struct pop3_size_entry *old = pop3_sizes_tab;
	uint32_t oldcap = pop3_sizes_cap, i;

	if (pop3_sizes_cap == 0) {
		pop3_sizes_cap = 1024;
	} else if ((uint64_t)pop3_sizes_cap >= 2ULL * pop3_sizes_max) {
		/* full: start over rather than grow past the bound */
		free(old);
		pop3_sizes_tab = xcalloc(pop3_sizes_cap,
					 sizeof(*pop3_sizes_tab));
		pop3_sizes_used = 0;
		return;
	} else {
		pop3_sizes_cap *= 2;
	}
	pop3_sizes_tab = xcalloc(pop3_sizes_cap, sizeof(*pop3_sizes_tab));
	for (i = 0; i < oldcap; i++) {
		if (old[i].mailbox_id != 0)
			*pop3_sizes_find(pop3_sizes_tab, pop3_sizes_cap,
					 old[i].mailbox_id,
					 old[i].uid) = old[i];
	}
	free(old);
}

void
pop3_sizes_put(int64_t mailbox_id, uint32_t uid, uint64_t size)
{
	struct pop3_size_entry *e;

	if (mailbox_id == 0)
		return;
	pthread_mutex_lock(&pop3_sizes_lock);
	/* keep the load under one half */
	if (pop3_sizes_tab == NULL ||
	    (pop3_sizes_used + 1) * 2 > pop3_sizes_cap)
		pop3_sizes_grow();
	e = pop3_sizes_find(pop3_sizes_tab, pop3_sizes_cap, mailbox_id, uid);
	if (e->mailbox_id == 0) {
		e->mailbox_id = mailbox_id;
		e->uid = uid;
		pop3_sizes_used++;
	}
	e->size = size;
	pthread_mutex_unlock(&pop3_sizes_lock);
}

void
pop3_sizes_set_max(uint32_t max_entries)
{
	pthread_mutex_lock(&pop3_sizes_lock);
	pop3_sizes_max = max_entries ? max_entries : POP3_SIZES_DEFAULT_MAX;
	pthread_mutex_unlock(&pop3_sizes_lock);
}

void
pop3_sizes_clear(void)
{
	pthread_mutex_lock(&pop3_sizes_lock);
	free(pop3_sizes_tab);
	pop3_sizes_tab = NULL;
	pop3_sizes_cap = 0;
	pop3_sizes_used = 0;
	pthread_mutex_unlock(&pop3_sizes_lock);
}
