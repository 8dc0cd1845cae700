/* auth.h - login names, and what every protocol's authentication shares.
 *
 * The auth module is small parts, each with its own header:
 *
 *   auth.h        login-name normalisation (this file)
 *   password.h    argon2id hashes and the SASLprep subset applied to
 *                 passwords
 *   scram.h       SCRAM-SHA-256 stored secrets (RFC 5802 / RFC 7677)
 *   sasl.h        server-side SASL mechanisms as state machines (no I/O)
 *   throttle.h    failed-login throttling per IP address and login name
 *   auth-check.h  the one path from credentials to an account: throttle,
 *                 lookup and verification off the loop, bookkeeping
 *   auth-pool.h   the threads those verifications run on
 *   auth-sasl.h   the one SASL conversation (SMTP AUTH, IMAP
 *                 AUTHENTICATE, POP3 AUTH) on top of sasl.h + auth-check.h
 *
 * IMAP LOGIN and POP3 USER/PASS call auth_check_password_start(); the
 * SASL commands hand their exchange to auth-sasl.h. */
#ifndef TERN_AUTH_H
#define TERN_AUTH_H

#include "lib/utf8.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* longest login name accepted, in bytes: 64 (local part) + 1 + 255 */
#define AUTH_USERNAME_MAX 320

/* auth_normalize_username - the canonical form of a login name.
 *
 * The login name is the full address "user@domain". Leading and trailing
 * spaces and tabs are removed, and ASCII letters are lowercased: in the
 * domain because domains are case-insensitive, and in the local part
 * because the store matches local parts case-insensitively too
 * (store_address_normalize()), so that one account has one name in
 * logs, throttling and SASL. Non-ASCII bytes are kept as they are. A
 * name without '@' is accepted (the store will simply not find it,
 * unless the lead maps a default domain).
 *
 * Returns a malloc'd NUL-terminated string, or NULL when the name is
 * empty, longer than AUTH_USERNAME_MAX, not valid UTF-8, or contains a
 * control character (C0, DEL, C1) or an inner space/tab. */
char *auth_normalize_username(const void *name, size_t len);

/* auth_utf8_valid - true if data[0..len) is well-formed UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF) */
bool auth_utf8_valid(const void *data, size_t len);

#endif
