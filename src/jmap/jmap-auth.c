/* jmap-auth.c - bearer tokens for JMAP (POST /jmap/login): 256 random
 * bits, handed out once as base64url; only their SHA-256 is kept, in
 * this process's memory, with the account and the expiry. A restart
 * logs every token out (clients fall back to Basic or log in again).
 * Loop thread only: no lock. At most TOKENS_PER_ACCOUNT per account
 * (the oldest goes) and expired ones are dropped as new ones come, so
 * the table stays bounded by the number of accounts. */
#include "jmap/jmap-api.h"

#include "lib/buf.h"
#include "lib/conf.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKENS_PER_ACCOUNT 16
#define TOKEN_BYTES 32

struct token {
	unsigned char hash[crypto_hash_sha256_BYTES];
	int64_t account_id;
	char *address;
	int64_t expires;	/* unix time, ms */
	int64_t issued;
};

static struct {
	struct token *v;
	size_t n, cap;
} T;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
token_hash(const char *token, unsigned char *out)
{
	crypto_hash_sha256(out, (const unsigned char *)token, strlen(token));
}

static void
token_drop(size_t i)
{
	free(T.v[i].address);
	T.v[i] = T.v[--T.n];
}

/* expired ones out, and the account's oldest while it has too many */
static void
tokens_trim(int64_t now, int64_t account_id)
{
	size_t mine = 0, oldest = 0;

	for (size_t i = 0; i < T.n;) {
		if (T.v[i].expires <= now) {
			token_drop(i);
			continue;
		}
		if (T.v[i].account_id == account_id) {
			if (mine == 0 || T.v[i].issued < T.v[oldest].issued)
				oldest = i;
			mine++;
		}
		i++;
	}
	if (mine >= TOKENS_PER_ACCOUNT)
		token_drop(oldest);
}

char *
jmap_token_issue(const struct tern_conf *conf, int64_t account_id,
		 const char *address, int64_t *expires_r)
{
	unsigned char raw[TOKEN_BYTES];
	char text[sodium_base64_ENCODED_LEN(TOKEN_BYTES,
			sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	int64_t now = now_ms();
	struct token *t;

	tokens_trim(now, account_id);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(text, sizeof(text), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	if (T.n == T.cap) {
		T.cap = T.cap ? T.cap * 2 : 16;
		T.v = xrealloc(T.v, T.cap * sizeof(*T.v));
	}
	t = &T.v[T.n++];
	token_hash(text, t->hash);
	t->account_id = account_id;
	t->address = xstrdup(address);
	t->issued = now;
	t->expires = now + (int64_t)conf->jmap.token_lifetime_ms;
	*expires_r = t->expires / 1000;
	return xstrdup(text);
}

static struct token *
token_find(const char *token)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	int64_t now = now_ms();

	token_hash(token, h);
	for (size_t i = 0; i < T.n; i++)
		if (sodium_memcmp(T.v[i].hash, h, sizeof(h)) == 0)
			return T.v[i].expires > now ? &T.v[i] : NULL;
	return NULL;
}

bool
jmap_token_check(const char *token, struct jmap_account *acct)
{
	struct token *t = token_find(token);

	if (t == NULL)
		return false;
	acct->id = t->account_id;
	acct->address = t->address;
	return true;
}

bool
jmap_token_revoke(const char *token)
{
	struct token *t = token_find(token);

	if (t == NULL)
		return false;
	token_drop((size_t)(t - T.v));
	return true;
}

void
jmap_tokens_free(void)
{
	while (T.n > 0)
		token_drop(0);
	free(T.v);
	memset(&T, 0, sizeof(T));
}
