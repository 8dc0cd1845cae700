/* auth-cache.h - a short-lived memory of verified password logins, so
 * that a client logging out and back in every few commands (phones,
 * webmails) pays argon2id once per auth.cache_ttl, not per login.
 *
 * What is kept, per account (at most auth.cache_entries, the oldest out
 * first): the account id, an HMAC of the password and an HMAC of the
 * stored credential strings (argon2id hash and SCRAM secret), both
 * under a key drawn at random when the process starts and never
 * written anywhere; never the password, never the stored strings.
 * Entries expire auth.cache_ttl after the verification that made them
 * (a hit does not extend them).
 *
 * The account is still looked up in the store for every login, and a
 * hit needs the same stored strings as when it was verified: a password
 * change (tern passwd, another process), a re-hash or a deletion makes
 * the old password fail at once (the entry is dropped then). Only a
 * right password of an enabled account is put in; a password that does
 * not match the entry goes through the full argon2id verification (a
 * wrong guess costs what it did before), and the entry stays. The
 * caller applies throttling before asking. See docs/architecture.md
 * for the trade-off. Thread-safe (one mutex). */
#ifndef TERN_AUTH_CACHE_H
#define TERN_AUTH_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct auth_cache;
struct store_auth;

/* NULL (no cache: every call below does nothing) when entries or
 * ttl_ms is 0 */
struct auth_cache *auth_cache_create(size_t entries, uint64_t ttl_ms);
void auth_cache_destroy(struct auth_cache **c);

/* true if pw was verified for a's account, with a's stored strings, less
 * than the ttl ago. An entry whose stored strings differ is dropped. */
bool auth_cache_check(struct auth_cache *c, const struct store_auth *a,
		      const char *pw, size_t len);
/* pw was just verified for a (enabled account): remember it */
void auth_cache_put(struct auth_cache *c, const struct store_auth *a,
		    const char *pw, size_t len);
/* forget address (normalised): unknown account, deleted */
void auth_cache_drop(struct auth_cache *c, const char *address);

#endif
