/* auth-cache.c - verified password logins kept for a short while, as
 * keyed hashes (auth-cache.h) */
#include "auth/auth-cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "lib/buf.h"
#include "store/store.h"

#define MAC_LEN crypto_auth_hmacsha256_BYTES

struct ac_entry {
	char *address;			/* normalised: the key */
	struct ac_entry *hnext;		/* hash chain */
	struct ac_entry *prev, *next;	/* oldest first */
	int64_t account_id;
	uint64_t expires_ms;		/* monotonic */
	unsigned char pw_mac[MAC_LEN];	/* HMAC(key, password) */
	unsigned char cred_mac[MAC_LEN]; /* HMAC(key, id, hash, scram) */
};

struct auth_cache {
	pthread_mutex_t lock;
	unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
	size_t max, n, cap;		/* cap: buckets, a power of 2 */
	uint64_t ttl_ms;
	struct ac_entry **table;
	struct ac_entry *head, *tail;
};

static uint64_t
ac_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct auth_cache *
auth_cache_create(size_t entries, uint64_t ttl_ms)
{
	struct auth_cache *c;

	if (entries == 0 || ttl_ms == 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	randombytes_buf(c->key, sizeof(c->key));
	c->max = entries;
	c->ttl_ms = ttl_ms;
	for (c->cap = 16; c->cap < entries && c->cap < (1u << 20); c->cap *= 2)
		;
	c->table = xcalloc(c->cap, sizeof(*c->table));
	return c;
}

static void
ac_entry_free(struct ac_entry *e)
{
	sodium_memzero(e->pw_mac, sizeof(e->pw_mac));
	free(e->address);
	free(e);
}

void
auth_cache_destroy(struct auth_cache **cp)
{
	struct auth_cache *c = *cp;
	struct ac_entry *e, *next;

	if (c == NULL)
		return;
	*cp = NULL;
	for (e = c->head; e != NULL; e = next) {
		next = e->next;
		ac_entry_free(e);
	}
	free(c->table);
	pthread_mutex_destroy(&c->lock);
	sodium_memzero(c->key, sizeof(c->key));
	free(c);
}

static struct ac_entry **
ac_slot(struct auth_cache *c, const char *address)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */
	struct ac_entry **pp;

	for (const char *p = address; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	pp = &c->table[h & (c->cap - 1)];
	while (*pp != NULL && strcmp((*pp)->address, address) != 0)
		pp = &(*pp)->hnext;
	return pp;
}

static void
ac_unlink(struct auth_cache *c, struct ac_entry *e)
{
	struct ac_entry **pp = ac_slot(c, e->address);

	*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	c->n--;
}

static void
ac_mac_pw(const struct auth_cache *c, const char *pw, size_t len,
	  unsigned char out[MAC_LEN])
{
	crypto_auth_hmacsha256(out, (const unsigned char *)pw, len, c->key);
}

/* the stored strings the password was verified against */
static void
ac_mac_cred(const struct auth_cache *c, const struct store_auth *a,
	    unsigned char out[MAC_LEN])
{
	crypto_auth_hmacsha256_state st;
	unsigned char id[8];

	for (size_t i = 0; i < 8; i++)
		id[i] = (unsigned char)((uint64_t)a->account_id >> (8 * i));
	crypto_auth_hmacsha256_init(&st, c->key, sizeof(c->key));
	crypto_auth_hmacsha256_update(&st, id, sizeof(id));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)
				      a->password_hash,
				      strlen(a->password_hash) + 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)a->scram,
				      strlen(a->scram) + 1);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof(st));
}

bool
auth_cache_check(struct auth_cache *c, const struct store_auth *a,
		 const char *pw, size_t len)
{
	unsigned char pw_mac[MAC_LEN], cred_mac[MAC_LEN];
	struct ac_entry *e;
	bool hit = false;

	if (c == NULL)
		return false;
	/* outside the lock: HMACs of a few hundred bytes */
	ac_mac_pw(c, pw, len, pw_mac);
	ac_mac_cred(c, a, cred_mac);
	pthread_mutex_lock(&c->lock);
	e = *ac_slot(c, a->address);
	if (e != NULL) {
		if (e->expires_ms <= ac_now_ms() ||
		    e->account_id != a->account_id ||
		    sodium_memcmp(e->cred_mac, cred_mac, MAC_LEN) != 0) {
			/* expired, or the account changed since */
			ac_unlink(c, e);
			ac_entry_free(e);
		} else {
			hit = sodium_memcmp(e->pw_mac, pw_mac, MAC_LEN) == 0;
		}
	}
	pthread_mutex_unlock(&c->lock);
	sodium_memzero(pw_mac, sizeof(pw_mac));
	return hit;
}

void
auth_cache_put(struct auth_cache *c, const struct store_auth *a,
	       const char *pw, size_t len)
{
	struct ac_entry *e, *old;

	if (c == NULL)
		return;
	e = xcalloc(1, sizeof(*e));
	e->address = xstrdup(a->address);
	e->account_id = a->account_id;
	ac_mac_pw(c, pw, len, e->pw_mac);
	ac_mac_cred(c, a, e->cred_mac);
	pthread_mutex_lock(&c->lock);
	e->expires_ms = ac_now_ms() + c->ttl_ms;
	if ((old = *ac_slot(c, a->address)) != NULL) {
		ac_unlink(c, old);
		ac_entry_free(old);
	}
	while (c->n >= c->max && c->head != NULL) {
		old = c->head;
		ac_unlink(c, old);
		ac_entry_free(old);
	}
	*ac_slot(c, e->address) = e;
	e->prev = c->tail;
	if (c->tail)
		c->tail->next = e;
	else
		c->head = e;
	c->tail = e;
	c->n++;
	pthread_mutex_unlock(&c->lock);
}

void
auth_cache_drop(struct auth_cache *c, const char *address)
{
	struct ac_entry *e;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	e = *ac_slot(c, address);
	if (e != NULL) {
		ac_unlink(c, e);
		ac_entry_free(e);
	}
	pthread_mutex_unlock(&c->lock);
}
