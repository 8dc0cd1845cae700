/* test-relay-sched.c - backoff schedule and destination keys */
#include "test.h"
#include "relay/relay.h"

#include <stdlib.h>

TEST(relay_backoff_schedule)
{
	uint64_t min = 5 * 60 * 1000, max = 60 * 60 * 1000;

	CHECK_INT(relay_backoff_ms(0, min, max), min);
	CHECK_INT(relay_backoff_ms(1, min, max), min);
	CHECK_INT(relay_backoff_ms(2, min, max), 2 * min);
	CHECK_INT(relay_backoff_ms(3, min, max), 4 * min);
	CHECK_INT(relay_backoff_ms(4, min, max), 8 * min);
	CHECK_INT(relay_backoff_ms(5, min, max), max);
	CHECK_INT(relay_backoff_ms(1000000, min, max), max);
	/* min > max: max wins */
	CHECK_INT(relay_backoff_ms(1, 10, 5), 5);
	/* a 5-day max_age with the defaults is about 124 attempts, not
	 * thousands: the schedule levels off at max */
	{
		uint64_t t = 0;
		uint32_t n = 0;

		while (t < 5ull * 24 * 3600 * 1000)
			t += relay_backoff_ms(++n, min, max);
		CHECK(n > 100 && n < 130);
	}
}

TEST(relay_dest_keys)
{
	char *d = relay_dest_of("Bob@B.Test");

	CHECK_STR(d, "b.test");
	free(d);
	d = relay_dest_of("\"a@b\"@c.test");
	CHECK_STR(d, "c.test");
	free(d);
	CHECK(relay_dest_of("nobody") == NULL);
	CHECK(relay_dest_of("x@") == NULL);
	CHECK(relay_domain_listed("a.test b.test", "B.TEST"));
	CHECK(relay_domain_listed("a.test,b.test", "a.test"));
	CHECK(!relay_domain_listed("a.test b.test", "c.test"));
	CHECK(!relay_domain_listed("aa.test", "a.test"));
	CHECK(!relay_domain_listed("", "a.test"));
	CHECK(!relay_domain_listed(NULL, "a.test"));
}

TEST(relay_smarthost_syntax)
{
	static const struct {
		const char *in, *lookup;
		int port;
	} ok[] = {
		{ "relay.example", "relay.example", 25 },
		{ "relay.example:587", "relay.example", 587 },
		{ "[relay.example]:2525", "relay.example", 2525 },
		{ "127.0.0.5:2525", "[127.0.0.5]", 2525 },
		{ "127.0.0.5", "[127.0.0.5]", 25 },
		{ "[::1]:26", "[IPv6:::1]", 26 },
		{ "[2001:db8::1]", "[IPv6:2001:db8::1]", 25 },
	};
	static const char *const bad[] = {
		"", "::1", "a:b:c", "host:", "host:0", "host:70000",
		"[host", "[host]x", "ho st", "host:25x",
	};
	char *l;
	int port;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(relay_parse_smarthost(ok[i].in, 25, &l, &port), 0);
		CHECK_STR(l, ok[i].lookup);
		CHECK_INT(port, ok[i].port);
		free(l);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(relay_parse_smarthost(bad[i], 25, &l, &port), -1);
		CHECK(l == NULL);
	}
}

#include "relay/relay-private.h"

#include <arpa/inet.h>

static void
add_host(struct dns_route *r, const char *name, const char *const *addrs)
{
	struct dns_host *h;

	r->hosts = realloc(r->hosts, (r->n + 1) * sizeof(*r->hosts));
	h = &r->hosts[r->n++];
	memset(h, 0, sizeof(*h));
	h->name = strdup(name);
	for (; *addrs; addrs++) {
		h->addrs = realloc(h->addrs, (h->naddr + 1) * sizeof(*h->addrs));
		memset(&h->addrs[h->naddr], 0, sizeof(*h->addrs));
		snprintf(h->addrs[h->naddr].text, sizeof(h->addrs->text), "%s",
			 *addrs);
		h->naddr++;
	}
}

TEST(relay_loop_detection)
{
	struct relay_self self[2] = { { "127.0.0.2", 2525 }, { "::", 25 } };
	struct relay_settings set;
	struct dns_route r;
	static const char *const a1[] = { "127.0.0.2", "127.0.0.9", NULL };
	static const char *const a2[] = { "127.0.0.2", NULL };

	memset(&set, 0, sizeof(set));
	set.self = self;
	set.nself = 1;
	set.port = 2525;
	memset(&r, 0, sizeof(r));
	add_host(&r, "mx1", a1);
	add_host(&r, "mx2", a2);
	CHECK(relay_route_drop_self(&r, &set));
	CHECK_INT(r.n, 1);
	CHECK_STR(r.hosts[0].name, "mx1");
	CHECK_INT(r.hosts[0].naddr, 1);
	CHECK_STR(r.hosts[0].addrs[0].text, "127.0.0.9");
	/* another port: not us */
	set.port = 25;
	CHECK(!relay_route_drop_self(&r, &set));
	/* a wildcard listener on that port covers loopback */
	set.nself = 2;
	CHECK(relay_route_drop_self(&r, &set));
	CHECK_INT(r.n, 0);
	dns_route_free(&r);
}
