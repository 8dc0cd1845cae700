/* test-pop3-sizes.c - the POP3 size cache: hits, misses, growth, bound */
#include "test.h"

#include "pop3/pop3-sizes.h"

TEST(pop3_sizes_get_put)
{
	uint64_t size = 0;
	uint32_t uid;

	pop3_sizes_clear();
	CHECK(!pop3_sizes_get(1, 1, &size));
	pop3_sizes_put(1, 1, 100);
	pop3_sizes_put(2, 1, 200);
	CHECK(pop3_sizes_get(1, 1, &size) && size == 100);
	CHECK(pop3_sizes_get(2, 1, &size) && size == 200);
	CHECK(!pop3_sizes_get(1, 2, &size));
	CHECK(!pop3_sizes_get(3, 1, &size));
	/* mailbox id 0 is never stored */
	pop3_sizes_put(0, 5, 1);
	CHECK(!pop3_sizes_get(0, 5, &size));
	/* growth keeps every entry */
	for (uid = 1; uid <= 5000; uid++)
		pop3_sizes_put(7, uid, uid * 3ULL);
	for (uid = 1; uid <= 5000; uid++) {
		if (!pop3_sizes_get(7, uid, &size) || size != uid * 3ULL) {
			test_fail(__FILE__, __LINE__, "uid %u lost", uid);
			break;
		}
	}
	CHECK(pop3_sizes_get(1, 1, &size) && size == 100);
	pop3_sizes_clear();
	CHECK(!pop3_sizes_get(1, 1, &size));
}

TEST(pop3_sizes_bounded)
{
	uint64_t size;
	uint32_t uid, found = 0;

	pop3_sizes_clear();
	pop3_sizes_set_max(600);
	for (uid = 1; uid <= 100000; uid++)
		pop3_sizes_put(9, uid, uid);
	for (uid = 1; uid <= 100000; uid++)
		found += pop3_sizes_get(9, uid, &size);
	/* at most max entries (and the last one put is always there) */
	CHECK(found <= 1200);
	CHECK(pop3_sizes_get(9, 100000, &size) && size == 100000);
	pop3_sizes_set_max(0);
	pop3_sizes_clear();
}
