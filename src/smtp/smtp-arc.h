/* smtp-arc.h - ARC sealing (RFC 8617) of port-25 mail that tern passes
 * on through an alias to a remote address.
 *
 * At the start of the message, when the checks run, auth_checks.arc_seal
 * is on and some recipient is an alias with a remote target whose
 * domain has DKIM keys, a sealer (mailauth/arc.h) is made: it sees the
 * header fields and hashes the body as they stream. When the checks
 * are decided, the set (i = the chain's highest + 1, cv = the ARC
 * verdict of smtp-auth.c, the AAR a copy of tern's
 * Authentication-Results) is made once; it goes in front of the queued
 * (remote) copy only, never into local copies. */
#ifndef TERN_SMTP_ARC_H
#define TERN_SMTP_ARC_H

#include <stddef.h>

#include "lib/buf.h"

struct smtp_session;
struct smtp_arc;

/* NULL when nothing will be sealed */
struct smtp_arc *smtp_arc_begin(struct smtp_session *s);
void smtp_arc_field(struct smtp_arc *a, const char *field, size_t len);
void smtp_arc_end_header(struct smtp_arc *a);
void smtp_arc_body(struct smtp_arc *a, const void *p, size_t len);
/* the checks are over: make the set from their verdict and tern's
 * Authentication-Results field (ar) */
void smtp_arc_seal(struct smtp_session *s, struct smtp_arc *a,
		   const char *ar);
/* append the set (if any) to a remote copy's prefix; a may be NULL */
void smtp_arc_prefix(const struct smtp_arc *a, struct buf *prefix);
/* NULL-safe; *a = NULL */
void smtp_arc_free(struct smtp_arc **a);

#endif
