/* arena.h - allocation by lifetime.
 *
 * A session keeps one arena for what lives as long as the connection and
 * one for the current command, cleared when the command ends; nothing in
 * an arena is freed alone. Allocations are 16-byte aligned and zeroed;
 * running out of memory aborts (like xmalloc). */
#ifndef TERN_ARENA_H
#define TERN_ARENA_H

#include <stddef.h>

#include "lib/buf.h"

struct arena_chunk;

struct arena {
	struct arena_chunk *head;	/* chunk being filled */
	size_t chunk_size;		/* size of new chunks */
	size_t used_total;		/* bytes handed out since the last clear */
};

/* chunk_size 0 picks 4 KiB */
void arena_init(struct arena *a, size_t chunk_size);
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_slice_dup(struct arena *a, struct slice s);
/* free everything but the first chunk, ready for reuse */
void arena_clear(struct arena *a);
void arena_destroy(struct arena *a);

#endif
