/* import-seen.c - string set (open addressing, FNV-1a, linear probing;
 * contract in import-seen.h) */
#include "cli/import-seen.h"
#include "lib/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct import_seen {
	size_t n, cap;		/* cap: a power of two, at most half full */
	char **v;
};

static uint64_t
seen_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct import_seen *
import_seen_new(void)
{
	struct import_seen *set = xcalloc(1, sizeof(*set));

	set->cap = 1024;
	set->v = xcalloc(set->cap, sizeof(char *));
	return set;
}

/* the slot of key: where it is, or the empty one it would go in */
static size_t
seen_slot(char **v, size_t cap, const char *key)
{
	size_t i = (size_t)seen_hash(key) & (cap - 1);

	while (v[i] != NULL && strcmp(v[i], key) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

bool
import_seen_add(struct import_seen *set, char *key)
{
	size_t i;

	if (2 * (set->n + 1) > set->cap) {
		size_t cap = set->cap * 2;
		char **v = xcalloc(cap, sizeof(char *));

		for (size_t j = 0; j < set->cap; j++)
			if (set->v[j] != NULL)
				v[seen_slot(v, cap, set->v[j])] = set->v[j];
		free(set->v);
		set->v = v;
		set->cap = cap;
	}
	i = seen_slot(set->v, set->cap, key);
	if (set->v[i] != NULL) {
		free(key);
		return false;
	}
	set->v[i] = key;
	set->n++;
	return true;
}

void
import_seen_free(struct import_seen **setp)
{
	struct import_seen *set = *setp;

	if (set == NULL)
		return;
	for (size_t i = 0; i < set->cap; i++)
		free(set->v[i]);
	free(set->v);
	free(set);
	*setp = NULL;
}
