/* auth-sasl.h - one SASL conversation (RFC 4422), for every protocol:
 * IMAP AUTHENTICATE, POP3 AUTH and submission AUTH.
 *
 * The protocol parses its own command (mechanism name, optional initial
 * response), checks that the mechanism may be used now (TLS), and says
 * how a challenge goes on its wire and what it does with the outcome.
 * This file does the rest: the mechanism (sasl.h), base64 both ways,
 * the client's "*" cancel, credential checks through auth-check.h
 * (throttled, off the loop) and the throttle bookkeeping of every
 * outcome, so that the three protocols cannot drift apart.
 *
 *   s->a = auth_sasl_new(env, ip, mech, &ops, arg);
 *   auth_sasl_start(s->a, has_ir, ir, ir_len);
 *     ops->challenge(arg, b64): send b64 (maybe "") as the protocol's
 *        continuation ("+ ", "334 "), read the client's next line, and
 *        pass it undecoded: auth_sasl_line(a, line, len).
 *     ops->done(arg, outcome): the exchange is over; reply. The driver
 *        does nothing after this call: done may auth_sasl_free().
 *   auth_sasl_free(&a): at the end, or when the session goes away (any
 *     check in flight is cancelled; no callback after this).
 *
 * ops->challenge and ops->done may be called from inside
 * auth_sasl_start() and auth_sasl_line() or later from the loop (hence
 * new and start apart: the session holds the pointer before any
 * callback).
 *
 * Client lines: "*" cancels (AUTH_SASL_CANCELLED, not a failed login);
 * an empty line or "=" is an empty response; anything else must be
 * strict base64 (else AUTH_SASL_MALFORMED). Decoded responses are wiped
 * (PLAIN and LOGIN carry the password).
 *
 * SCRAM: once the secret is looked up, an address blocked meanwhile
 * gets AUTH_SASL_BLOCKED before its proof is checked, so that no
 * server signature tells it that a guess was right. Loop thread only. */
#ifndef TERN_AUTH_SASL_H
#define TERN_AUTH_SASL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth-check.h"

enum auth_sasl_end {
	AUTH_SASL_OK,		/* authenticated: account_id, address */
	AUTH_SASL_FAILED,	/* wrong credentials (counted) */
	AUTH_SASL_BLOCKED,	/* the address is blocked: disconnect */
	AUTH_SASL_TEMPFAIL,	/* the store could not answer */
	AUTH_SASL_CANCELLED,	/* the client sent "*" */
	AUTH_SASL_MALFORMED,	/* a client line that is not base64 */
};

struct auth_sasl_outcome {
	enum auth_sasl_end end;
	int64_t account_id;	/* AUTH_SASL_OK */
	const char *address;	/* AUTH_SASL_OK: normalised address */
	const char *username;	/* the name tried, or NULL (the log) */
	const char *mech;	/* canonical mechanism name */
	const char *reason;	/* why not OK, for the log only */
};

struct auth_sasl_ops {
	void (*challenge)(void *arg, const char *b64);
	void (*done)(void *arg, const struct auth_sasl_outcome *o);
};

struct auth_sasl;

/* auth_sasl_new - an exchange with a mechanism sasl.h supports (check
 * sasl_mech_supported() first). env and ip are copied. */
struct auth_sasl *auth_sasl_new(const struct auth_check_env *env,
				const char *ip, const char *mech,
				const struct auth_sasl_ops *ops, void *arg);

/* auth_sasl_start - begin it. has_ir: the command carried an initial
 * response, ir[0..ir_len) decoded (wiped by the caller). */
void auth_sasl_start(struct auth_sasl *a, bool has_ir,
		     const unsigned char *ir, size_t ir_len);

/* auth_sasl_line - the client's answer to the last challenge, as sent
 * (without CRLF) */
void auth_sasl_line(struct auth_sasl *a, const char *line, size_t len);

/* auth_sasl_mech - the canonical mechanism name ("PLAIN"; static) */
const char *auth_sasl_mech(const struct auth_sasl *a);

/* auth_sasl_free - cancel and free; sets *a to NULL. NULL-safe. */
void auth_sasl_free(struct auth_sasl **a);

#endif
