/* arena.c - bump allocation in chunks, freed all at once */
#include "lib/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16

struct arena_chunk {
	struct arena_chunk *next;	/* older chunks */
	size_t size, used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

static struct arena_chunk *
chunk_new(size_t size, struct arena_chunk *next)
{
	struct arena_chunk *c = xmalloc(sizeof(*c) + size);

	c->next = next;
	c->size = size;
	c->used = 0;
	return c;
}

void
arena_init(struct arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : 4096;
	a->used_total = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (n > SIZE_MAX / 2)
		abort();
	if (c == NULL || c->size - c->used < need) {
		size_t size = need > a->chunk_size ? need : a->chunk_size;

		if (need > a->chunk_size && c != NULL) {
			/* a big one gets its own chunk behind the current one */
			struct arena_chunk *big = chunk_new(size, c->next);

			c->next = big;
			big->used = need;
			a->used_total += need;
			memset(big->data, 0, n);
			return big->data;
		}
		c = a->head = chunk_new(size, c);
	}
	p = c->data + c->used;
	c->used += need;
	a->used_total += need;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_slice_dup(struct arena *a, struct slice s)
{
	return arena_strndup(a, (const char *)s.p, s.len);
}

void
arena_clear(struct arena *a)
{
	struct arena_chunk *c = a->head, *keep = NULL;

	/* keep the oldest chunk (normally the regular-sized first one) */
	while (c != NULL) {
		struct arena_chunk *next = c->next;

		if (next == NULL)
			keep = c;
		else
			free(c);
		c = next;
	}
	if (keep != NULL && keep->size != a->chunk_size) {
		free(keep);
		keep = NULL;
	}
	if (keep != NULL)
		keep->used = 0;
	a->head = keep;
	a->used_total = 0;
}

void
arena_destroy(struct arena *a)
{
	arena_clear(a);
	free(a->head);
	a->head = NULL;
}
