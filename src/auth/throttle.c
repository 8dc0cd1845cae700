/* throttle.c - failed-login throttling: a bounded hash table with decay */
#include "auth/throttle.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lib/buf.h"

#define THROTTLE_NIL UINT32_MAX
#define THROTTLE_MAX_ENTRIES (1u << 24)

struct throttle_entry {
	uint64_t key;
	uint64_t since_ms;	/* start of the current forget period */
	uint64_t blocked_until;
	uint64_t user_key;	/* address: the name its failures were on */
	uint32_t failures;
	uint32_t inflight;	/* address: attempts being verified */
	uint32_t hnext;		/* bucket chain, or free list */
	uint32_t prev, next;	/* LRU list, most recent first */
	bool mixed;		/* address: failed on several names */
};

struct throttle {
	struct throttle_limits lim;
	unsigned char hkey[crypto_shorthash_KEYBYTES];
	struct throttle_entry *e;
	uint32_t used;		/* slots ever handed out */
	uint32_t alloc;		/* slots allocated */
	uint32_t *buckets;
	uint32_t mask;
	uint32_t free_head;
	uint32_t lru_head, lru_tail;
	size_t count;
};

void
throttle_limits_default(struct throttle_limits *l)
{
	l->free_failures = 0;
	l->delay_ms = 1000;
	l->max_delay_ms = 15000;
	l->block_failures = 15;
	l->block_ms = 15 * 60 * 1000;
	l->forget_ms = 2 * 60 * 1000;
	l->user_free_failures = 5;
	l->user_max_delay_ms = 8000;
	l->max_entries = 65536;
	l->ipv6_prefix = 64;
}

struct throttle *
throttle_create(const struct throttle_limits *limits)
{
	struct throttle *t = xcalloc(1, sizeof(*t));
	uint32_t nb = 16;

	if (limits != NULL)
		t->lim = *limits;
	else
		throttle_limits_default(&t->lim);
	if (t->lim.delay_ms == 0)
		t->lim.delay_ms = 1;
	if (t->lim.forget_ms == 0)
		t->lim.forget_ms = 1;
	if (t->lim.max_entries == 0)
		t->lim.max_entries = 1;
	if (t->lim.max_entries > THROTTLE_MAX_ENTRIES)
		t->lim.max_entries = THROTTLE_MAX_ENTRIES;
	if (t->lim.ipv6_prefix > 128)
		t->lim.ipv6_prefix = 128;
	while (nb < t->lim.max_entries)
		nb <<= 1;
	t->buckets = xmalloc(nb * sizeof(*t->buckets));
	for (uint32_t i = 0; i < nb; i++)
		t->buckets[i] = THROTTLE_NIL;
	t->mask = nb - 1;
	t->free_head = THROTTLE_NIL;
	t->lru_head = t->lru_tail = THROTTLE_NIL;
	if (sodium_init() < 0) {
		fputs("tern: sodium_init() failed\n", stderr);
		abort();
	}
	randombytes_buf(t->hkey, sizeof(t->hkey));
	return t;
}

void
throttle_destroy(struct throttle **tp)
{
	struct throttle *t = *tp;

	if (t == NULL)
		return;
	*tp = NULL;
	free(t->e);
	free(t->buckets);
	free(t);
}

size_t
throttle_entries(const struct throttle *t)
{
	return t->count;
}

/* keyed hash of a kind byte and the key bytes */
static uint64_t
throttle_hash(const struct throttle *t, char kind, const void *p,
	      size_t len)
{
	unsigned char in[1 + 512], out[crypto_shorthash_BYTES];
	uint64_t h;

	if (len > sizeof(in) - 1)
		len = sizeof(in) - 1;
	in[0] = (unsigned char)kind;
	memcpy(in + 1, p, len);
	crypto_shorthash(out, in, len + 1, t->hkey);
	memcpy(&h, out, sizeof(h));
	return h;
}

/* key of an address: IPv4 (also IPv4-mapped IPv6) as 4 bytes, IPv6 cut to
 * the configured prefix, anything else as its text */
static uint64_t
throttle_ip_key(const struct throttle *t, const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return throttle_hash(t, '4', a, 4);
	if (inet_pton(AF_INET6, ip, a) == 1) {
		static const unsigned char mapped[12] = {
			0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
		};
		unsigned bits = t->lim.ipv6_prefix;

		if (memcmp(a, mapped, sizeof(mapped)) == 0)
			return throttle_hash(t, '4', a + 12, 4);
		for (unsigned i = 0; i < 16; i++) {
			if (bits >= 8)
				bits -= 8;
			else {
				a[i] &= (unsigned char)(0xff00u >> bits);
				bits = 0;
			}
		}
		return throttle_hash(t, '6', a, 16);
	}
	return throttle_hash(t, 's', ip, strlen(ip));
}

static uint64_t
throttle_user_key(const struct throttle *t, const char *username)
{
	return throttle_hash(t, 'u', username, strlen(username));
}

static void
throttle_lru_unlink(struct throttle *t, uint32_t i)
{
	struct throttle_entry *e = &t->e[i];

	if (e->prev != THROTTLE_NIL)
		t->e[e->prev].next = e->next;
	else
		t->lru_head = e->next;
	if (e->next != THROTTLE_NIL)
		t->e[e->next].prev = e->prev;
	else
		t->lru_tail = e->prev;
}

static void
throttle_lru_push(struct throttle *t, uint32_t i)
{
	struct throttle_entry *e = &t->e[i];

	e->prev = THROTTLE_NIL;
	e->next = t->lru_head;
	if (t->lru_head != THROTTLE_NIL)
		t->e[t->lru_head].prev = i;
	t->lru_head = i;
	if (t->lru_tail == THROTTLE_NIL)
		t->lru_tail = i;
}

static void
throttle_remove(struct throttle *t, uint32_t i)
{
	uint32_t *pp = &t->buckets[t->e[i].key & t->mask];

	while (*pp != i)
		pp = &t->e[*pp].hnext;
	*pp = t->e[i].hnext;
	throttle_lru_unlink(t, i);
	t->e[i].hnext = t->free_head;
	t->free_head = i;
	t->count--;
}

/* forget the failures whose time has passed */
static void
throttle_decay(const struct throttle *t, struct throttle_entry *e,
	       uint64_t now)
{
	uint64_t periods;

	if (e->failures == 0 || now <= e->since_ms) {
		if (e->failures == 0)
			e->since_ms = now;
		return;
	}
	periods = (now - e->since_ms) / t->lim.forget_ms;
	if (periods >= e->failures) {
		e->failures = 0;
		e->since_ms = now;
		e->mixed = false;
		e->user_key = 0;
	} else {
		e->failures -= (uint32_t)periods;
		e->since_ms += periods * t->lim.forget_ms;
	}
}

/* the entry for key, decayed to now, or THROTTLE_NIL; with create, a new
 * empty entry is made (evicting the least recently used one if full) */
static uint32_t
throttle_lookup(struct throttle *t, uint64_t key, uint64_t now, bool create)
{
	uint32_t i;
	struct throttle_entry *e;

	for (i = t->buckets[key & t->mask]; i != THROTTLE_NIL;
	     i = t->e[i].hnext) {
		if (t->e[i].key == key)
			break;
	}
	if (i != THROTTLE_NIL) {
		e = &t->e[i];
		throttle_decay(t, e, now);
		if (e->failures == 0 && e->blocked_until <= now &&
		    e->inflight == 0 && !create) {
			throttle_remove(t, i);
			return THROTTLE_NIL;
		}
		throttle_lru_unlink(t, i);
		throttle_lru_push(t, i);
		return i;
	}
	if (!create)
		return THROTTLE_NIL;
	if (t->free_head != THROTTLE_NIL) {
		i = t->free_head;
		t->free_head = t->e[i].hnext;
	} else if (t->used < t->lim.max_entries) {
		if (t->used == t->alloc) {
			uint32_t n = t->alloc ? t->alloc * 2 : 64;

			if (n > t->lim.max_entries)
				n = t->lim.max_entries;
			t->e = xrealloc(t->e, n * sizeof(*t->e));
			t->alloc = n;
		}
		i = t->used++;
	} else {
		throttle_remove(t, t->lru_tail);
		i = t->free_head;
		t->free_head = t->e[i].hnext;
	}
	e = &t->e[i];
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->since_ms = now;
	e->hnext = t->buckets[key & t->mask];
	t->buckets[key & t->mask] = i;
	throttle_lru_push(t, i);
	t->count++;
	return i;
}

/* base doubling after `free` failures, capped */
static unsigned
throttle_schedule(uint32_t failures, unsigned free_failures, unsigned base,
		  unsigned cap)
{
	uint32_t k;
	uint64_t d;

	if (failures <= free_failures)
		return 0;
	k = failures - free_failures - 1;
	if (k >= 32)
		return cap;
	d = (uint64_t)base << k;
	return d > cap ? cap : (unsigned)d;
}

unsigned
throttle_delay_ms(struct throttle *t, const char *ip, uint64_t now_ms)
{
	uint32_t i = throttle_lookup(t, throttle_ip_key(t, ip), now_ms, false);

	if (i == THROTTLE_NIL)
		return 0;
	return throttle_schedule(t->e[i].failures, t->lim.free_failures,
				 t->lim.delay_ms, t->lim.max_delay_ms);
}

unsigned
throttle_user_delay_ms(struct throttle *t, const char *username,
		       uint64_t now_ms)
{
	uint32_t i;

	if (t->lim.user_max_delay_ms == 0 || username == NULL)
		return 0;
	i = throttle_lookup(t, throttle_user_key(t, username), now_ms, false);
	if (i == THROTTLE_NIL)
		return 0;
	return throttle_schedule(t->e[i].failures, t->lim.user_free_failures,
				 t->lim.delay_ms, t->lim.user_max_delay_ms);
}

bool
throttle_blocked(struct throttle *t, const char *ip, uint64_t now_ms)
{
	uint32_t i = throttle_lookup(t, throttle_ip_key(t, ip), now_ms, false);

	return i != THROTTLE_NIL && t->e[i].blocked_until > now_ms;
}

enum throttle_go
throttle_begin(struct throttle *t, const char *ip, uint64_t now_ms)
{
	struct throttle_entry *e;
	uint32_t i;

	i = throttle_lookup(t, throttle_ip_key(t, ip), now_ms, true);
	e = &t->e[i];
	if (e->blocked_until > now_ms)
		return THROTTLE_BLOCKED;
	if (t->lim.block_failures > 0 &&
	    (uint64_t)e->failures + e->inflight >= t->lim.block_failures)
		return THROTTLE_WAIT;
	e->inflight++;
	return THROTTLE_GO;
}

void
throttle_end(struct throttle *t, const char *ip, uint64_t now_ms)
{
	uint32_t i;

	/* an entry with attempts in flight is only gone if evicted */
	i = throttle_lookup(t, throttle_ip_key(t, ip), now_ms, false);
	if (i != THROTTLE_NIL && t->e[i].inflight > 0)
		t->e[i].inflight--;
}

void
throttle_failure(struct throttle *t, const char *ip, const char *username,
		 uint64_t now_ms)
{
	uint64_t uk = username != NULL ? throttle_user_key(t, username) : 0;
	struct throttle_entry *e;
	uint32_t i;

	i = throttle_lookup(t, throttle_ip_key(t, ip), now_ms, true);
	e = &t->e[i];
	if (e->failures == 0) {
		e->user_key = uk;
		e->mixed = username == NULL;
	} else if (uk != e->user_key || username == NULL) {
		e->mixed = true;
	}
	if (e->failures < UINT32_MAX)
		e->failures++;
	if (t->lim.block_failures > 0 &&
	    e->failures >= t->lim.block_failures)
		e->blocked_until = now_ms + t->lim.block_ms;

	if (username != NULL && t->lim.user_max_delay_ms > 0) {
		/* may evict; the address entry is not used after this */
		i = throttle_lookup(t, uk, now_ms, true);
		if (t->e[i].failures < UINT32_MAX)
			t->e[i].failures++;
	}
}

void
throttle_success(struct throttle *t, const char *ip, const char *username,
		 uint64_t now_ms)
{
	uint64_t uk = username != NULL ? throttle_user_key(t, username) : 0;
	uint32_t i;

	i = throttle_lookup(t, throttle_ip_key(t, ip), now_ms, false);
	if (i != THROTTLE_NIL) {
		struct throttle_entry *e = &t->e[i];

		if (e->blocked_until <= now_ms && username != NULL &&
		    (e->failures == 0 || (!e->mixed && e->user_key == uk))) {
			if (e->inflight > 0) {
				e->failures = 0;
				e->mixed = false;
				e->user_key = 0;
			} else {
				throttle_remove(t, i);
			}
		}
	}
	if (username != NULL) {
		i = throttle_lookup(t, uk, now_ms, false);
		if (i != THROTTLE_NIL)
			throttle_remove(t, i);
	}
}
