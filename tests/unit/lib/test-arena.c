/* test-arena.c - arenas: alignment, zeroing, big allocations, clear */
#include "test.h"
#include "lib/arena.h"

#include <stdint.h>

TEST(arena_alloc_aligned_and_zeroed)
{
	struct arena a;

	arena_init(&a, 256);
	for (int i = 1; i < 200; i++) {
		unsigned char *p = arena_alloc(&a, (size_t)i);

		CHECK(((uintptr_t)p & 15) == 0);
		for (int j = 0; j < i; j++)
			CHECK(p[j] == 0);
		memset(p, 0xaa, (size_t)i);
	}
	arena_destroy(&a);
}

TEST(arena_big_and_clear)
{
	struct arena a;
	char *s, *big;

	arena_init(&a, 64);
	s = arena_strdup(&a, "session");
	big = arena_alloc(&a, 100000);
	big[99999] = 'x';
	CHECK_STR(s, "session");
	CHECK_STR(arena_slice_dup(&a, SLICE("cmd")), "cmd");
	CHECK(a.used_total >= 100000);
	arena_clear(&a);
	CHECK_INT(a.used_total, 0);
	CHECK_STR(arena_strndup(&a, "abcdef", 3), "abc");
	arena_destroy(&a);
	CHECK(a.head == NULL);
}
