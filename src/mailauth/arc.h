/* arc.h - the Authenticated Received Chain (RFC 8617): verify the chain
 * a message arrives with, and seal a message tern passes on.
 *
 * An ARC set is three fields sharing an instance i= (1..50):
 * ARC-Authentication-Results (the sealer's A-R), ARC-Message-Signature
 * (a DKIM signature by the sealer, with i= in place of v=) and
 * ARC-Seal (a signature over every set up to its own, with cv=, the
 * chain's state the sealer saw: none for i=1, pass after that, fail
 * once broken).
 *
 * Both directions stream like the DKIM code (dkim.h) they are built
 * on: header fields one by one, without their final CRLF, then
 * *_end_header(), then the body in chunks (hashed, never kept). */
#ifndef TERN_ARC_H
#define TERN_ARC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "mailauth/dkim.h"
#include "mailauth/mauth-dns.h"

#define ARC_MAX_INSTANCE 50	/* RFC 8617 4.2.1 */

/* arc= results (RFC 8617 10); TEMPERROR: a key lookup failed */
enum arc_result {
	ARC_NONE = 0,
	ARC_PASS,
	ARC_FAIL,
	ARC_TEMPERROR,
};

const char *arc_result_name(enum arc_result r);

struct arc_verdict {
	enum arc_result result;
	unsigned instance;	/* highest i= the chain has (0: none) */
	unsigned oldest_pass;	/* header.oldest-pass: 0 when unknown or
				   when every AMS verified */
	char sealer[256];	/* d= of the newest ARC-Seal */
	char reason[128];	/* for logs and the A-R comment */
	bool sealable;		/* a next hop may add a set: false when the
				   newest seal says cv=fail, or at i=50 */
};

struct arc_verifier;

struct arc_verifier *arc_verify_new(time_t now);	/* now 0: time() */
/* RSA keys bigger than this fail unverified (0: DKIM_RSA_MAX_BITS), as
 * DKIM's auth_checks.dkim_max_rsa_bits */
void arc_verify_set_max_rsa_bits(struct arc_verifier *v, unsigned bits);
void arc_verify_header(struct arc_verifier *v, const char *field,
		       size_t len);
void arc_verify_end_header(struct arc_verifier *v);
void arc_verify_body(struct arc_verifier *v, const void *data, size_t len);

/* The verdict; valid only during the call. */
typedef void arc_verify_cb(void *arg, const struct arc_verdict *res);

/* Look up the keys (the newest AMS's and every AS's, all at once) and
 * check. cb runs once: later, from the resolver's callbacks, or inside
 * this call when no lookup is needed. The verifier may be freed in cb. */
void arc_verify_finish(struct arc_verifier *v, const struct mauth_resolver *r,
		       arc_verify_cb *cb, void *arg);
/* cancels lookups still pending (their cb never runs) */
void arc_verify_free(struct arc_verifier *v);

/* ---- sealing ---- */

struct arc_sealer;

/* Seal with ks's rsa-sha256 key (receivers verify rsa-sha256 only, and
 * one chain keeps to one algorithm). now: the t= (0: time()). */
struct arc_sealer *arc_seal_new(const struct dkim_keyset *ks, time_t now);
void arc_seal_header(struct arc_sealer *s, const char *field, size_t len);
void arc_seal_end_header(struct arc_sealer *s);
void arc_seal_body(struct arc_sealer *s, const void *data, size_t len);

/* The new set (ARC-Seal, ARC-Message-Signature,
 * ARC-Authentication-Results: each folded and CRLF-terminated) to put
 * on top of the message, malloc'd. cv: the verdict on the chain the
 * message came with (ARC_NONE, ARC_PASS or ARC_FAIL); authres: the
 * Authentication-Results field this hop wrote (whole, as
 * authres_build() makes it). NULL with *err NULL: nothing to seal (the
 * newest seal already says cv=fail, the chain is at i=50, the keyset
 * has no RSA key, or cv is TEMPERROR); NULL with *err set: failure. */
char *arc_seal_finish(struct arc_sealer *s, enum arc_result cv,
		      const char *authres, char **err);
void arc_seal_free(struct arc_sealer *s);

/* whole messages in memory (tests, the fuzzer) */
void arc_verify_message(struct arc_verifier *v, const char *msg, size_t len);
void arc_seal_message(struct arc_sealer *s, const char *msg, size_t len);

#endif
