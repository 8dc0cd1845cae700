/* jmap-auth.c - login tokens: JMAP bearer tokens (POST /jmap/login) and
 * webmail sessions (the tern_session cookie of POST /webmail/login), one
 * store of both. A token is 256 random bits, handed out once as
 * base64url; only its SHA-256 is kept, with the account, the kind, the
 * expiry and the last use: in this process's memory (the lookups) and
 * in the store (store-token.c, written through), so a restart logs
 * nobody out. Loop thread only: no lock. At most TOKENS_PER_ACCOUNT per
 * account (the oldest goes) and expired ones are dropped as new ones
 * come, so the table stays bounded by the number of accounts.
 * A token also ends when its account is removed or disabled or its
 * password changes (the CLI writes the store, not us): each token
 * rechecks its account (a tag of the password hash) once per
 * auth.cache_ttl, the staleness a verified Basic login has too. */
#include "jmap/jmap-api.h"

#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/log.h"
#include "store/store.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKENS_PER_ACCOUNT 16
#define TOKEN_BYTES 32
/* the last use is written to the store at most this often per token */
#define LAST_USE_WRITE_MS (10 * 60 * 1000)

struct token {
	unsigned char hash[crypto_hash_sha256_BYTES];
	int64_t account_id;
	char *address;
	enum jmap_token_kind kind;
	int64_t expires;	/* unix time, ms */
	int64_t issued;
	int64_t last_used;
	int64_t secret_tag;	/* of the account's password at issue */
	int64_t checked;	/* when the account was last looked at */
};

static struct {
	struct token *v;
	size_t n, cap;
	bool loaded;		/* the store's tokens are in v */
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

static struct token *
token_add(void)
{
	if (T.n == T.cap) {
		T.cap = T.cap ? T.cap * 2 : 16;
		T.v = xrealloc(T.v, T.cap * sizeof(*T.v));
	}
	memset(&T.v[T.n], 0, sizeof(T.v[0]));
	return &T.v[T.n++];
}

static void
on_loaded(void *arg, const struct store_token *st)
{
	struct token *t = token_add();

	memcpy(t->hash, st->hash, sizeof(t->hash));
	t->account_id = st->account_id;
	t->address = xstrdup(st->address);
	t->kind = st->kind == JMAP_TOKEN_SESSION ? JMAP_TOKEN_SESSION :
		  JMAP_TOKEN_BEARER;
	t->issued = st->issued;
	t->expires = st->expires;
	t->last_used = st->last_used;
	t->secret_tag = st->secret_tag;
}

/* the first use after start: the tokens the store kept */
static void
tokens_load(struct store *store)
{
	if (T.loaded || store == NULL)
		return;
	T.loaded = true;
	if (store_tokens_load(store, now_ms(), on_loaded, NULL) < 0)
		log_error(0, "jmap: cannot load the stored login tokens");
}

static void
on_written(void *arg, int ret)
{
	if (ret < 0)
		log_error(0, "jmap: login token not stored (%d)", ret);
}

static void
token_store(struct store *store, const struct token *t, int64_t now)
{
	struct store_token st;

	if (store == NULL)
		return;
	memcpy(st.hash, t->hash, sizeof(st.hash));
	st.account_id = t->account_id;
	st.address = NULL;
	st.kind = (int)t->kind;
	st.issued = t->issued;
	st.expires = t->expires;
	st.last_used = now;
	st.secret_tag = t->secret_tag;
	if (store_token_put(store, &st, on_written, NULL) < 0)
		on_written(NULL, -1);
}

static void
token_drop(struct store *store, size_t i)
{
	if (store != NULL &&
	    store_token_delete(store, T.v[i].hash, now_ms(), on_written, NULL) < 0)
		on_written(NULL, -1);
	free(T.v[i].address);
	T.v[i] = T.v[--T.n];
}

/* expired ones out (of memory: the store's go with its next write),
 * and the account's oldest while it has too many */
static void
tokens_trim(struct store *store, int64_t now, int64_t account_id)
{
	size_t mine = 0, oldest = 0;

	for (size_t i = 0; i < T.n;) {
		if (T.v[i].expires <= now) {
			token_drop(NULL, i);
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
		token_drop(store, oldest);
}

/* 1 and the tag of the account's password (hash and SCRAM secret) if it
 * exists and is enabled; 0 if not; -1 if the store failed (a token is
 * not ended for that) */
static int
account_tag(struct store *store, const char *address, int64_t *tag_r)
{
	struct store_auth a;
	crypto_generichash_state st;
	unsigned char h[8];
	int ret;

	*tag_r = 0;
	if (store == NULL)
		return 1;
	memset(&a, 0, sizeof(a));
	ret = store_auth_lookup(store, address, &a);
	if (ret == STORE_ENOTFOUND)
		return 0;
	if (ret < 0)
		return -1;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)a.password_hash,
				  strlen(a.password_hash) + 1);
	crypto_generichash_update(&st, (const unsigned char *)a.scram,
				  strlen(a.scram));
	crypto_generichash_final(&st, h, sizeof(h));
	for (size_t i = 0; i < sizeof(h); i++)
		*tag_r = (int64_t)((uint64_t)*tag_r << 8 | h[i]);
	ret = a.enabled ? 1 : 0;
	store_auth_clear(&a);
	return ret;
}

char *
jmap_token_issue(struct store *store, const struct tern_conf *conf,
		 enum jmap_token_kind kind, int64_t account_id,
		 const char *address, int64_t *expires_r)
{
	unsigned char raw[TOKEN_BYTES];
	char text[sodium_base64_ENCODED_LEN(TOKEN_BYTES,
			sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
	int64_t now = now_ms();
	struct token *t;

	tokens_load(store);
	tokens_trim(store, now, account_id);
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(text, sizeof(text), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	t = token_add();
	token_hash(text, t->hash);
	t->account_id = account_id;
	t->address = xstrdup(address);
	t->kind = kind;
	t->issued = now;
	t->last_used = now;
	t->checked = now;
	account_tag(store, address, &t->secret_tag);
	t->expires = now + (int64_t)(kind == JMAP_TOKEN_SESSION ?
				     conf->jmap.session_lifetime_ms :
				     conf->jmap.token_lifetime_ms);
	token_store(store, t, now);
	*expires_r = t->expires / 1000;
	return xstrdup(text);
}

static struct token *
token_find(struct store *store, const char *token)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	int64_t now = now_ms();

	tokens_load(store);
	token_hash(token, h);
	for (size_t i = 0; i < T.n; i++)
		if (sodium_memcmp(T.v[i].hash, h, sizeof(h)) == 0)
			return T.v[i].expires > now ? &T.v[i] : NULL;
	return NULL;
}

bool
jmap_token_check(struct store *store, const struct tern_conf *conf,
		 const char *token, enum jmap_token_kind kind,
		 struct jmap_account *acct)
{
	struct token *t = token_find(store, token);
	int64_t now, tag;
	int ok;

	if (t == NULL || t->kind != kind)
		return false;
	now = now_ms();
	if (now - t->checked >= (int64_t)conf->auth.cache_ttl_ms) {
		ok = account_tag(store, t->address, &tag);
		if (ok == 0 || (ok == 1 && tag != t->secret_tag)) {
			log_info(0, "jmap: login token of account=%lld ended"
				 " (account removed, disabled or password changed)",
				 (long long)t->account_id);
			token_drop(store, (size_t)(t - T.v));
			return false;
		}
		t->checked = now;
	}
	if (now - t->last_used >= LAST_USE_WRITE_MS) {
		t->last_used = now;
		token_store(store, t, now);
	}
	acct->id = t->account_id;
	acct->address = t->address;
	return true;
}

bool
jmap_token_revoke(struct store *store, const char *token)
{
	struct token *t = token_find(store, token);

	if (t == NULL)
		return false;
	token_drop(store, (size_t)(t - T.v));
	return true;
}

void
jmap_token_csrf(const char *token, char out[JMAP_CSRF_LEN])
{
	/* HMAC keyed by the session token: only who holds the cookie (the
	 * page, which got it in the login answer) can know it */
	static const char label[] = "tern webmail csrf";
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)token,
				    strlen(token));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label,
				      sizeof(label) - 1);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2base64(out, JMAP_CSRF_LEN, mac, sizeof(mac),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(mac, sizeof(mac));
}

void
jmap_tokens_free(void)
{
	while (T.n > 0)
		token_drop(NULL, 0);
	free(T.v);
	memset(&T, 0, sizeof(T));
}
