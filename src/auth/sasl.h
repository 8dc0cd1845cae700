/* sasl.h - server-side SASL mechanisms: PLAIN, LOGIN, SCRAM-SHA-256.
 *
 * Each mechanism is a state machine with no I/O, no store access and no
 * clock: the protocol (SMTP AUTH, IMAP AUTHENTICATE, POP3 AUTH) does the
 * base64 and the line handling, and feeds this module DECODED bytes.
 *
 *   s = sasl_create(mech_name);            NULL: unknown mechanism
 *   r = sasl_start(s, has_ir, ir, ir_len, &challenge);
 *   loop:
 *     switch (r) {
 *     case SASL_CONTINUE:
 *         send base64(challenge) as a continuation ("334 ", "+ "; an
 *         empty challenge is sent as an empty continuation), read the
 *         client's line; "*" cancels (protocol's reply, sasl_destroy());
 *         else base64-decode it (empty line, or "=" where the protocol
 *         allows it, is zero bytes) and
 *         r = sasl_step(s, data, len, &challenge);
 *     case SASL_NEED_PASSWORD:                     (PLAIN, LOGIN)
 *         pw = sasl_password(s, &pw_len); verify sasl_username(s) and pw
 *         off the loop: auth_check_password_start() (auth-check.h) does
 *         the store lookup, password_verify() and throttling; in its
 *         callback:
 *         r = sasl_set_password_result(s, result->ok);
 *     case SASL_NEED_SCRAM_SECRET:                 (SCRAM-SHA-256)
 *         look up sasl_username(s)'s stored SCRAM secret string:
 *         auth_check_scram_start() (auth-check.h); in its callback:
 *         r = sasl_set_scram_secret(s, result->scram_secret, &challenge);
 *         (NULL: unknown user, or no SCRAM secret stored; the exchange
 *         goes on with a fake deterministic salt and fails at the proof,
 *         exactly like a wrong password)
 *     case SASL_OK:   authenticated as sasl_username(s); reply success
 *     case SASL_FAIL: reply failure; log sasl_error(s) (never sent)
 *     }
 *   sasl_destroy(&s);
 *
 * SCRAM's final server message (v=ServerSignature) is returned as a
 * SASL_CONTINUE challenge once the proof is verified; the client answers
 * with an empty response and only then does sasl_step() return SASL_OK.
 * Sending it as a last challenge rather than as "additional data with
 * success" is what RFC 4422 section 3.6 prescribes where a protocol does
 * not carry such data, and it is the form every client handles, so the
 * three protocols need no special case for it.
 *
 * Usernames: sasl_username() is the authentication identity after
 * auth_normalize_username(). An authorization identity (PLAIN authzid,
 * SCRAM a=) is accepted only if empty or equal to the normalised username
 * (no proxy login). A syntactically invalid username fails at once (its
 * invalidity is no secret); a valid but unknown one fails only where a
 * wrong password would.
 *
 * Throttling is the caller's: throttle.h, applied before each attempt.
 * The protocols do not drive this file themselves: auth-sasl.h does
 * (base64, the loop above, auth-check.h and the throttle).
 *
 * Threads: a session is used by one thread at a time. The strings
 * returned by the accessors stay valid until sasl_destroy(), so a worker
 * may read the username and password while the loop leaves the session
 * alone. Secrets are wiped (sodium_memzero) when no longer needed and on
 * destroy; the caller should wipe its own decoded copy of each client
 * response (PLAIN and LOGIN responses hold the password). */
#ifndef TERN_SASL_H
#define TERN_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

/* longest decoded client response accepted in one step, in bytes: a
 * protocol's line limit must allow its base64 form, 4 * ceil(N / 3)
 * = 10924 characters (a longer line may be refused before decoding) */
#define SASL_MAX_INPUT 8192
/* client responses per exchange before the session fails */
#define SASL_MAX_STEPS 8

enum sasl_result {
	SASL_CONTINUE,		/* send the challenge, step with the answer */
	SASL_NEED_PASSWORD,	/* verify username + password, then
				   sasl_set_password_result() */
	SASL_NEED_SCRAM_SECRET,	/* look up the SCRAM secret, then
				   sasl_set_scram_secret() */
	SASL_OK,		/* authenticated as sasl_username() */
	SASL_FAIL,		/* authentication failed: sasl_error() */
};

struct sasl_session;

/* sasl_mech_supported - true if name (case-insensitive) is a mechanism
 * this module implements */
bool sasl_mech_supported(const char *name);

/* sasl_mechanisms - space-separated list for EHLO "AUTH ..." and IMAP/POP3
 * capabilities: "PLAIN LOGIN SCRAM-SHA-256". Static string.
 *
 * Every one of them is a password mechanism, so offer and accept them
 * only over TLS (or from loopback, or where the config allows it):
 * PLAIN and LOGIN send the password itself, and a sniffed SCRAM
 * exchange (salt, iterations, nonces, proof) is enough for an offline
 * dictionary attack on it. */
const char *sasl_mechanisms(void);

/* sasl_create - a session for the named mechanism (case-insensitive), or
 * NULL if it is unknown. Never fails otherwise (out of memory aborts). */
struct sasl_session *sasl_create(const char *mech);

/* sasl_destroy - wipe and free the session; sets *s to NULL. NULL-safe. */
void sasl_destroy(struct sasl_session **s);

/* sasl_start - begin the exchange. has_ir: the client sent an initial
 * response with the command (SMTP "AUTH PLAIN <b64>" / "AUTH PLAIN =",
 * IMAP SASL-IR, POP3 "AUTH PLAIN <b64>"): ir[0..ir_len) is its decoded
 * bytes, zero of them for "=". Without one, pass false, NULL, 0: the
 * mechanism's first challenge is returned (empty for PLAIN and SCRAM,
 * "Username:" for LOGIN). The challenge is appended to challenge_out
 * (raw bytes, the caller encodes them) only when SASL_CONTINUE is
 * returned; the caller should reset challenge_out before each call. */
enum sasl_result sasl_start(struct sasl_session *s, bool has_ir,
			    const unsigned char *ir, size_t ir_len,
			    struct buf *challenge_out);

/* sasl_step - feed the client's decoded response to the last challenge
 * (data may be NULL when len is 0). Calling it in any other state than
 * after SASL_CONTINUE fails the session. */
enum sasl_result sasl_step(struct sasl_session *s, const unsigned char *data,
			   size_t len, struct buf *challenge_out);

/* sasl_set_password_result - after SASL_NEED_PASSWORD: tell whether the
 * password matched. Returns SASL_OK or SASL_FAIL. The password is wiped. */
enum sasl_result sasl_set_password_result(struct sasl_session *s, bool ok);

/* sasl_set_scram_secret - after SASL_NEED_SCRAM_SECRET: the user's stored
 * secret string (scram.h), or NULL if the user is unknown or has none.
 * Returns SASL_CONTINUE with the server-first message in challenge_out,
 * or SASL_FAIL (a stored secret that doesn't parse is logged as such). */
enum sasl_result sasl_set_scram_secret(struct sasl_session *s,
				       const char *secret,
				       struct buf *challenge_out);

/* sasl_mech_name - canonical mechanism name ("PLAIN") */
const char *sasl_mech_name(const struct sasl_session *s);

/* sasl_username - the normalised authentication identity, once known
 * (from SASL_NEED_PASSWORD / SASL_NEED_SCRAM_SECRET on), else NULL. After
 * SASL_OK it is the authenticated user; after SASL_FAIL it is the name
 * that was tried, if any (for the log and throttle_failure()): only the
 * SASL_OK result means authenticated, never a non-NULL username. */
const char *sasl_username(const struct sasl_session *s);

/* sasl_password - during SASL_NEED_PASSWORD: the password bytes (not
 * prepared: password_verify() prepares them) and their length; NULL
 * otherwise. NUL-terminated, but may not contain NUL for PLAIN; LOGIN
 * passwords containing NUL are refused before this point. */
const char *sasl_password(const struct sasl_session *s, size_t *len_r);

/* sasl_error - why the session failed, for the log (static text, never
 * containing client data); NULL if it hasn't failed */
const char *sasl_error(const struct sasl_session *s);

/* sasl_set_fake_scram - settings for unknown users under SCRAM: the key
 * from which their fake salts are derived (HMAC-SHA-256 of the username),
 * and the iteration count shown to them (should equal the count new
 * secrets are made with). Without a call, the key is random per process
 * and the count is SCRAM_ITERATIONS_DEFAULT; a key kept in the data
 * folder keeps fake salts stable across restarts, as real ones are.
 * Call at startup, before sessions exist. key_len 1..64. */
void sasl_set_fake_scram(const unsigned char *key, size_t key_len,
			 unsigned iterations);

/* sasl_test_set_nonce - test hook: use this server nonce part (printable
 * ASCII without ',') instead of a random one. Call before sasl_start(). */
void sasl_test_set_nonce(struct sasl_session *s, const char *nonce);

#endif
