/* scram.h - SCRAM-SHA-256 stored secrets (RFC 5802, RFC 7677).
 *
 * What the store keeps for SCRAM is not the password but, per account:
 *
 *   SCRAM-SHA-256$<iterations>:<salt b64>$<StoredKey b64>:<ServerKey b64>
 *
 * (the same text form PostgreSQL uses). SaltedPassword = PBKDF2-HMAC-
 * SHA-256(password_prep(pw), salt, iterations); ClientKey = HMAC(
 * SaltedPassword, "Client Key"); StoredKey = SHA-256(ClientKey); ServerKey
 * = HMAC(SaltedPassword, "Server Key"). Like an argon2id hash, a leaked
 * secret lets an attacker guess passwords offline (at the cost of
 * `iterations` HMACs per guess) but not log in without guessing; unlike
 * it, a secret together with a recorded exchange lets one impersonate the
 * user, so secrets are as sensitive as the hashes.
 *
 * All functions are thread-safe. OpenSSL failures abort (fail-stop). */
#ifndef TERN_SCRAM_H
#define TERN_SCRAM_H

#include <stdbool.h>
#include <stddef.h>

#define SCRAM_KEY_LEN 32		/* SHA-256 output */
#define SCRAM_SALT_LEN 16		/* salt of new secrets */
#define SCRAM_SALT_MAX 64		/* longest salt accepted when parsing */
/* Iterations of new secrets. RFC 7677 asks for at least 4096; the cost
 * falls on the client at each login (about 5 ms at 10000 on a phone) and
 * on an attacker for each guess against a leaked secret. */
#define SCRAM_ITERATIONS_DEFAULT 10000
#define SCRAM_ITERATIONS_MIN 4096	/* for new secrets */
#define SCRAM_ITERATIONS_MAX 10000000	/* for new and parsed secrets */

struct scram_secret {
	unsigned iterations;
	size_t salt_len;
	unsigned char salt[SCRAM_SALT_MAX];
	unsigned char stored_key[SCRAM_KEY_LEN];
	unsigned char server_key[SCRAM_KEY_LEN];
};

/* scram_secret_make - a new secret string for a password, with a random
 * SCRAM_SALT_LEN salt. iterations 0 means SCRAM_ITERATIONS_DEFAULT.
 * Returns 0 and a malloc'd string in *secret_r, or -1 with a static
 * reason in *error_r (password refused by password_prep(), iterations out
 * of [SCRAM_ITERATIONS_MIN, SCRAM_ITERATIONS_MAX]). */
int scram_secret_make(const char *pw, size_t len, unsigned iterations,
		      char **secret_r, const char **error_r);

/* scram_secret_derive - fill *out from a password, salt and iteration
 * count (1..SCRAM_ITERATIONS_MAX, salt 1..SCRAM_SALT_MAX bytes: tests
 * use it with the RFCs' fixed salts). Returns 0, or -1 with *error_r. */
int scram_secret_derive(const char *pw, size_t len, unsigned iterations,
			const unsigned char *salt, size_t salt_len,
			struct scram_secret *out, const char **error_r);

/* scram_secret_format - the storable string of a secret (malloc'd) */
char *scram_secret_format(const struct scram_secret *secret);

/* scram_secret_parse - parse a stored string. Returns false if it is not
 * exactly the format above (32-byte keys, salt 1..SCRAM_SALT_MAX bytes,
 * iterations 1..SCRAM_ITERATIONS_MAX, canonical decimal). */
bool scram_secret_parse(const char *str, struct scram_secret *out);

/* scram_secret_verify_password - true if pw derives this secret's
 * StoredKey (constant-time compare). Lets PLAIN/LOGIN check a password
 * against an account that only has a SCRAM secret. Costs `iterations`
 * HMACs: call it on a worker thread. */
bool scram_secret_verify_password(const struct scram_secret *secret,
				  const char *pw, size_t len);

/* scram_secret_wipe - zero a secret (sodium_memzero) */
void scram_secret_wipe(struct scram_secret *secret);

/* Primitives (SHA-256 based), also used by sasl-scram.c. */
void scram_hmac(const void *key, size_t key_len, const void *data,
		size_t len, unsigned char out[SCRAM_KEY_LEN]);
void scram_hash(const void *data, size_t len, unsigned char out[SCRAM_KEY_LEN]);

#endif
