/* password.h - argon2id password hashes (libsodium) and password prep.
 *
 * The store keeps, per account, an argon2id hash string made here (used by
 * PLAIN, LOGIN, IMAP LOGIN, POP3 USER/PASS) and a SCRAM-SHA-256 secret
 * (scram.h). Both are made from the same prepared password bytes (see
 * password_prep()), so a password typed the same way verifies under both.
 *
 * Cost choice: argon2id with t=2 passes over m=19 MiB, p=1 (the OWASP
 * "password storage" minimum for argon2id). Measured on the 2-core dev
 * VM: 13 ms per verification, against 54 ms for libsodium's INTERACTIVE
 * level (t=2, m=64 MiB) and 72 ms for t=3, m=64 MiB. Well under the
 * 100 ms a login may spend, and chosen over INTERACTIVE for two reasons:
 * memory (libuv runs 4 verifications at once by default: 76 MiB at peak
 * instead of 256 MiB, next to a 1 GiB budget for 10,000 IMAP
 * connections) and login storms (after a restart, thousands of clients
 * reconnect at once: 5,000 logins cost about 65 s of CPU instead of
 * 270 s). The parameters are stored in every hash string, so changing
 * them (password_set_params()) never breaks old hashes:
 * password_needs_rehash() tells when to re-hash after a successful login.
 *
 * Threads: password_hash(), password_verify(), password_needs_rehash() and
 * password_prep() may be called from any thread at once (they are meant
 * for libuv worker threads: never call hash/verify on the event loop).
 * password_set_params() must be called before any of them (at startup). */
#ifndef TERN_PASSWORD_H
#define TERN_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

/* longest password accepted, in bytes (the raw input, before password_prep()) */
#define PASSWORD_MAX_LEN 1024

/* default argon2id cost: passes and memory in bytes (see above) */
#define PASSWORD_OPSLIMIT_DEFAULT 2ULL
#define PASSWORD_MEMLIMIT_DEFAULT ((size_t)19 * 1024 * 1024)

/* password_set_params - argon2id cost of new hashes (and of the dummy
 * verification done for unknown users). opslimit >= 1, memlimit >= 8192
 * bytes; out-of-range values are clamped. Tests use the minimum to run
 * fast. Call at startup, before other threads use this module. */
void password_set_params(unsigned long long opslimit, size_t memlimit);

/* password_prep - the minimal SASLprep (RFC 4013) tern applies to every
 * password before hashing it, deriving a SCRAM secret from it or checking
 * it. Appends the prepared bytes to out.
 *
 *  - ASCII passwords are unchanged, except that control characters
 *    (0x00-0x1F, 0x7F) are refused (RFC 4013 table C.2.1).
 *  - Valid UTF-8: non-ASCII spaces (table C.1.2, e.g. U+00A0, U+3000)
 *    become U+0020, "commonly mapped to nothing" characters (table B.1,
 *    e.g. U+00AD, U+200C, U+FEFF) are removed, and non-ASCII control
 *    characters (table C.2.2: C1 controls, U+2028, U+FFF9...) are
 *    refused. Private-use, unassigned and bidi checks are not done. No NFKC normalisation is done: a non-ASCII password must be
 *    typed in the same Unicode normal form each time (every common input
 *    method produces NFC). A SCRAM client that does apply NFKC computes a
 *    different key only if the password changes under NFKC.
 *  - Bytes that are not valid UTF-8 (a legacy client sending Latin-1) are
 *    kept as opaque bytes, unchanged, in both hash forms.
 *
 * Returns false (out unchanged) if the password is empty after mapping,
 * longer than PASSWORD_MAX_LEN, or holds a refused character. The output
 * is never longer than the input. */
bool password_prep(const char *pw, size_t len, struct buf *out);

/* password_prep_reason - password_prep() telling why: NULL on success,
 * else a static reason ("password is empty", "password too long",
 * "password contains a control character") */
const char *password_prep_reason(const char *pw, size_t len,
				 struct buf *out);

/* password_hash - hash a new password (prepared with password_prep()).
 * Returns 0 and a malloc'd "$argon2id$v=19$m=...,t=...,p=1$...$..." string
 * in *hash_r (free() it), or -1 with a static reason in *error_r
 * ("password is empty", "password contains a control character",
 * "password too long", "out of memory"). Costs one argon2id run. */
int password_hash(const char *pw, size_t len, char **hash_r,
		  const char **error_r);

/* password_verify - true if pw[0..len) matches the stored hash string.
 * Constant time with respect to the password. hash may be NULL (unknown
 * account, or no hash stored): then a dummy hash is verified, which takes
 * the same time, and the result is false, so callers can't leak which
 * accounts exist. A hash that isn't an argon2id string is false. */
bool password_verify(const char *hash, const char *pw, size_t len);

/* password_needs_rehash - true if hash was made with other parameters than
 * the current ones (or isn't an argon2id hash at all): after a successful
 * login, hash the password again and store the new string. */
bool password_needs_rehash(const char *hash);

#endif
