/* test-throttle.c - failed-login throttling schedule, blocks, decay, memory */
#include "test.h"

#include <stdio.h>

#include "auth/throttle.h"

#define SEC 1000ULL

TEST(throttle_schedule_defaults)
{
	struct throttle *t = throttle_create(NULL);
	static const unsigned want[] = { 1000, 2000, 4000, 8000, 15000, 15000 };
	uint64_t now = 1000 * SEC;

	CHECK_INT(throttle_delay_ms(t, "192.0.2.1", now), 0);
	CHECK(!throttle_blocked(t, "192.0.2.1", now));
	CHECK_INT(throttle_entries(t), 0);
	for (size_t i = 0; i < 6; i++) {
		throttle_failure(t, "192.0.2.1", "bob@example.com", now);
		CHECK_INT(throttle_delay_ms(t, "192.0.2.1", now), want[i]);
	}
	/* another address is not affected */
	CHECK_INT(throttle_delay_ms(t, "192.0.2.2", now), 0);
	throttle_destroy(&t);
	CHECK(t == NULL);
	throttle_destroy(&t);
}

TEST(throttle_block_and_expiry)
{
	struct throttle_limits l;
	struct throttle *t;
	uint64_t now = 5 * SEC;

	throttle_limits_default(&l);
	t = throttle_create(&l);
	for (unsigned i = 0; i < l.block_failures - 1; i++)
		throttle_failure(t, "198.51.100.7", "a@b", now);
	CHECK(!throttle_blocked(t, "198.51.100.7", now));
	throttle_failure(t, "198.51.100.7", "a@b", now);
	CHECK(throttle_blocked(t, "198.51.100.7", now));
	CHECK(throttle_blocked(t, "198.51.100.7", now + l.block_ms - 1));
	/* a success can't lift a block */
	throttle_success(t, "198.51.100.7", "a@b", now + 1);
	CHECK(throttle_blocked(t, "198.51.100.7", now + 2));
	CHECK(!throttle_blocked(t, "198.51.100.7", now + l.block_ms));
	/* 15 min forgot 7 failures: 8 left, 7 more block again */
	CHECK_INT(throttle_delay_ms(t, "198.51.100.7", now + l.block_ms),
		  l.max_delay_ms);
	now += l.block_ms;
	for (unsigned i = 0; i < 6; i++)
		throttle_failure(t, "198.51.100.7", "a@b", now);
	CHECK(!throttle_blocked(t, "198.51.100.7", now));
	throttle_failure(t, "198.51.100.7", "a@b", now);
	CHECK(throttle_blocked(t, "198.51.100.7", now));
	throttle_destroy(&t);
}

TEST(throttle_decay)
{
	struct throttle *t = throttle_create(NULL);
	uint64_t now = 0;

	throttle_failure(t, "192.0.2.9", NULL, now);
	throttle_failure(t, "192.0.2.9", NULL, now);
	throttle_failure(t, "192.0.2.9", NULL, now);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.9", now), 4000);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.9", now + 119 * SEC), 4000);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.9", now + 120 * SEC), 2000);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.9", now + 300 * SEC), 1000);
	CHECK_INT(throttle_entries(t), 1);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.9", now + 360 * SEC), 0);
	/* a fully decayed entry is dropped */
	CHECK_INT(throttle_entries(t), 0);
	/* time going backwards changes nothing */
	throttle_failure(t, "192.0.2.9", NULL, 1000 * SEC);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.9", 10 * SEC), 1000);
	throttle_destroy(&t);
}

TEST(throttle_success_resets_own_typos_only)
{
	struct throttle *t = throttle_create(NULL);
	uint64_t now = 0;

	/* the user who mistyped her own password */
	throttle_failure(t, "192.0.2.1", "alice@example.com", now);
	throttle_failure(t, "192.0.2.1", "alice@example.com", now);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.1", now), 2000);
	throttle_success(t, "192.0.2.1", "alice@example.com", now);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.1", now), 0);

	/* a sprayer who owns one account */
	throttle_failure(t, "192.0.2.2", "alice@example.com", now);
	throttle_failure(t, "192.0.2.2", "bob@example.com", now);
	throttle_success(t, "192.0.2.2", "mallory@example.com", now);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.2", now), 2000);
	throttle_success(t, "192.0.2.2", "alice@example.com", now);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.2", now), 2000);

	/* failures against another name than the one succeeding */
	throttle_failure(t, "192.0.2.3", "alice@example.com", now);
	throttle_success(t, "192.0.2.3", "bob@example.com", now);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.3", now), 1000);
	/* a failure before a name was known counts as another name */
	throttle_failure(t, "192.0.2.4", NULL, now);
	throttle_success(t, "192.0.2.4", "bob@example.com", now);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.4", now), 1000);
	throttle_destroy(&t);
}

TEST(throttle_user_delay)
{
	struct throttle *t = throttle_create(NULL);
	uint64_t now = 0;
	char ip[32];

	/* a distributed attack on one name, one failure per address */
	for (int i = 0; i < 5; i++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", i);
		throttle_failure(t, ip, "victim@example.com", now);
	}
	CHECK_INT(throttle_user_delay_ms(t, "victim@example.com", now), 0);
	throttle_failure(t, "203.0.113.99", "victim@example.com", now);
	CHECK_INT(throttle_user_delay_ms(t, "victim@example.com", now), 1000);
	for (int i = 0; i < 10; i++)
		throttle_failure(t, "203.0.113.99", "victim@example.com", now);
	CHECK_INT(throttle_user_delay_ms(t, "victim@example.com", now), 8000);
	CHECK_INT(throttle_user_delay_ms(t, "other@example.com", now), 0);
	CHECK_INT(throttle_user_delay_ms(t, NULL, now), 0);
	/* never a block for a name: only addresses are blocked */
	CHECK(!throttle_blocked(t, "203.0.113.1", now));
	/* the real user logs in: the name's count is forgotten */
	throttle_success(t, "198.51.100.1", "victim@example.com", now);
	CHECK_INT(throttle_user_delay_ms(t, "victim@example.com", now), 0);
	/* names and addresses do not share counts */
	CHECK_INT(throttle_delay_ms(t, "victim@example.com", now), 0);
	throttle_destroy(&t);
}

TEST(throttle_ipv6_prefix)
{
	struct throttle *t = throttle_create(NULL);

	throttle_failure(t, "2001:db8:1:2::1", NULL, 0);
	/* same /64 */
	CHECK_INT(throttle_delay_ms(t, "2001:db8:1:2:ffff::9", 0), 1000);
	CHECK_INT(throttle_delay_ms(t, "2001:0db8:0001:0002:0::1", 0), 1000);
	/* next /64 */
	CHECK_INT(throttle_delay_ms(t, "2001:db8:1:3::1", 0), 0);
	/* IPv4-mapped is the IPv4 address */
	throttle_failure(t, "192.0.2.77", NULL, 0);
	CHECK_INT(throttle_delay_ms(t, "::ffff:192.0.2.77", 0), 1000);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.78", 0), 0);
	/* anything else is a plain string */
	throttle_failure(t, "unix:/run/tern.sock", NULL, 0);
	CHECK_INT(throttle_delay_ms(t, "unix:/run/tern.sock", 0), 1000);
	throttle_destroy(&t);
}

TEST(throttle_bounded_memory)
{
	struct throttle_limits l;
	struct throttle *t;
	char ip[32];

	throttle_limits_default(&l);
	l.max_entries = 100;
	l.user_max_delay_ms = 0;	/* addresses only */
	t = throttle_create(&l);
	throttle_failure(t, "10.0.0.1", NULL, 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 256, i % 256);
		throttle_failure(t, ip, NULL, 0);
		/* keep the first one recently used */
		CHECK_INT(throttle_delay_ms(t, "10.0.0.1", 0), 1000);
	}
	CHECK_INT(throttle_entries(t), 100);
	/* the least recently used were dropped, the last ones are there */
	CHECK_INT(throttle_delay_ms(t, "10.1.0.0", 0), 0);
	CHECK_INT(throttle_delay_ms(t, "10.1.3.231", 0), 1000);	/* i=999 */
	throttle_destroy(&t);

	/* with user entries the same bound holds */
	throttle_limits_default(&l);
	l.max_entries = 10;
	t = throttle_create(&l);
	for (int i = 0; i < 100; i++) {
		char user[32];

		snprintf(ip, sizeof(ip), "10.2.0.%d", i);
		snprintf(user, sizeof(user), "u%d@example.com", i);
		throttle_failure(t, ip, user, 0);
	}
	CHECK_INT(throttle_entries(t), 10);
	throttle_destroy(&t);

	/* max_entries 1 still works */
	throttle_limits_default(&l);
	l.max_entries = 1;
	t = throttle_create(&l);
	throttle_failure(t, "10.3.0.1", "x@y", 0);
	throttle_failure(t, "10.3.0.2", "x@y", 0);
	CHECK_INT(throttle_entries(t), 1);
	throttle_destroy(&t);
}

TEST(throttle_custom_limits)
{
	struct throttle_limits l;
	struct throttle *t;

	throttle_limits_default(&l);
	l.free_failures = 2;
	l.delay_ms = 500;
	l.max_delay_ms = 3000;
	l.block_failures = 0;	/* never block */
	t = throttle_create(&l);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.1", 0), 0);
	throttle_failure(t, "192.0.2.1", NULL, 0);
	throttle_failure(t, "192.0.2.1", NULL, 0);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.1", 0), 0);
	throttle_failure(t, "192.0.2.1", NULL, 0);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.1", 0), 500);
	throttle_failure(t, "192.0.2.1", NULL, 0);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.1", 0), 1000);
	for (int i = 0; i < 100; i++)
		throttle_failure(t, "192.0.2.1", NULL, 0);
	CHECK_INT(throttle_delay_ms(t, "192.0.2.1", 0), 3000);
	CHECK(!throttle_blocked(t, "192.0.2.1", 0));
	throttle_destroy(&t);
}

/* the header's promise: a guesser going as fast as allowed from one
 * address gets some 30 guesses an hour with the defaults */
TEST(throttle_persistent_attacker_rate)
{
	struct throttle *t = throttle_create(NULL);
	uint64_t now = 0, end = 10 * 3600 * SEC;
	int guesses = 0;

	while (now < end) {
		if (throttle_blocked(t, "192.0.2.66", now)) {
			now += SEC;
			continue;
		}
		now += throttle_delay_ms(t, "192.0.2.66", now);
		throttle_failure(t, "192.0.2.66", "victim@example.com", now);
		guesses++;
		now += 20;
	}
	CHECK(guesses >= 250 && guesses <= 350);
	throttle_destroy(&t);
}

TEST(throttle_checks_in_flight_count_toward_the_block)
{
	struct throttle_limits l;
	struct throttle *t;
	uint64_t now = 7 * SEC;
	const char *ip = "203.0.113.9";

	throttle_limits_default(&l);
	l.block_failures = 3;
	t = throttle_create(&l);
	/* three may run at once, the fourth waits */
	for (int i = 0; i < 3; i++)
		CHECK_INT(throttle_begin(t, ip, now), THROTTLE_GO);
	CHECK_INT(throttle_begin(t, ip, now), THROTTLE_WAIT);
	CHECK_INT(throttle_begin(t, "203.0.113.10", now), THROTTLE_GO);
	/* one succeeds: room again, and the entry is kept while counted */
	throttle_end(t, ip, now);
	throttle_success(t, ip, "a@b", now);
	CHECK_INT(throttle_begin(t, ip, now), THROTTLE_GO);
	CHECK_INT(throttle_begin(t, ip, now), THROTTLE_WAIT);
	/* all three fail: blocked, whatever comes next */
	for (int i = 0; i < 3; i++) {
		throttle_end(t, ip, now);
		throttle_failure(t, ip, "a@b", now);
	}
	CHECK(throttle_blocked(t, ip, now));
	CHECK_INT(throttle_begin(t, ip, now), THROTTLE_BLOCKED);
	/* an end without a begin (entry evicted) is harmless */
	throttle_end(t, "203.0.113.11", now);
	throttle_destroy(&t);
}

TEST(throttle_never_block_never_waits)
{
	struct throttle_limits l;
	struct throttle *t;

	throttle_limits_default(&l);
	l.block_failures = 0;
	t = throttle_create(&l);
	for (int i = 0; i < 100; i++)
		CHECK_INT(throttle_begin(t, "192.0.2.50", SEC), THROTTLE_GO);
	throttle_destroy(&t);
}
