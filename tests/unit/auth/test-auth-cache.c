/* test-auth-cache.c - verified logins: hits, misses, changes, bounds,
 * expiry */
#include "test.h"

#include <stdio.h>
#include <time.h>

#include "auth/auth-cache.h"
#include "store/store.h"

static struct store_auth
acct(int64_t id, char *address, char *hash)
{
	struct store_auth a = { id, address, hash, "", true };

	return a;
}

TEST(auth_cache_hit_and_miss)
{
	struct auth_cache *c = auth_cache_create(10, 60000);
	struct store_auth a = acct(1, "a@example.org", "$argon2id$one");
	struct store_auth changed = acct(1, "a@example.org", "$argon2id$two");

	CHECK(!auth_cache_check(c, &a, "pw", 2));
	auth_cache_put(c, &a, "pw", 2);
	CHECK(auth_cache_check(c, &a, "pw", 2));
	CHECK(!auth_cache_check(c, &a, "pW", 2));
	CHECK(!auth_cache_check(c, &a, "pw", 1));
	CHECK(auth_cache_check(c, &a, "pw", 2));	/* a miss keeps it */
	/* stored strings changed (tern passwd): dropped at once */
	CHECK(!auth_cache_check(c, &changed, "pw", 2));
	CHECK(!auth_cache_check(c, &a, "pw", 2));
	auth_cache_put(c, &a, "pw", 2);
	auth_cache_drop(c, "a@example.org");
	CHECK(!auth_cache_check(c, &a, "pw", 2));
	auth_cache_destroy(&c);
	CHECK(c == NULL);
}

TEST(auth_cache_bounded_and_off)
{
	struct auth_cache *c = auth_cache_create(3, 60000);
	char names[5][32];
	struct store_auth a[5];

	for (int i = 0; i < 5; i++) {
		snprintf(names[i], sizeof(names[i]), "u%d@example.org", i);
		a[i] = acct(i + 1, names[i], "$argon2id$h");
		auth_cache_put(c, &a[i], "pw", 2);
	}
	/* the oldest two went out */
	CHECK(!auth_cache_check(c, &a[0], "pw", 2));
	CHECK(!auth_cache_check(c, &a[1], "pw", 2));
	for (int i = 2; i < 5; i++)
		CHECK(auth_cache_check(c, &a[i], "pw", 2));
	auth_cache_destroy(&c);
	CHECK(auth_cache_create(0, 60000) == NULL);
	CHECK(auth_cache_create(10, 0) == NULL);
	/* NULL: no cache, nothing remembered */
	auth_cache_put(NULL, &a[0], "pw", 2);
	CHECK(!auth_cache_check(NULL, &a[0], "pw", 2));
}

TEST(auth_cache_expires)
{
	struct auth_cache *c = auth_cache_create(10, 20);
	struct store_auth a = acct(1, "a@example.org", "$argon2id$one");
	struct timespec t0, t;
	bool gone = false;

	auth_cache_put(c, &a, "pw", 2);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* wait for the expiry (20 ms), at most 30 s */
	do {
		struct timespec nap = { 0, 5 * 1000 * 1000 };

		if (!auth_cache_check(c, &a, "pw", 2)) {
			gone = true;
			break;
		}
		nanosleep(&nap, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (t.tv_sec - t0.tv_sec < 30);
	CHECK(gone);
	auth_cache_destroy(&c);
}
