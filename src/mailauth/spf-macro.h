/* spf-macro.h - SPF macro expansion (RFC 7208 7).
 *
 * The values are filled in by the evaluator; p (the validated name of
 * the client, 7.3) needs DNS, so the evaluator asks spf_macro_uses_p
 * first and computes it only when a string uses it. */
#ifndef TERN_SPF_MACRO_H
#define TERN_SPF_MACRO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/buf.h"

struct spf_macro_ctx {
	const char *s;		/* sender: local-part@domain */
	const char *l;		/* local-part */
	const char *o;		/* domain of the sender */
	const char *d;		/* the current domain */
	const char *i;		/* client ip: dotted quad or 32 dotted nibbles */
	const char *c;		/* client ip, readable (exp only) */
	const char *p;		/* validated name or "unknown" */
	const char *v;		/* "in-addr" or "ip6" */
	const char *h;		/* HELO name */
	const char *r;		/* receiving host (exp only) */
	time_t t;		/* timestamp (exp only) */
};

/* the macro-string is well formed (exp: c, r and t are allowed) */
bool spf_macro_valid(const char *s, size_t len, bool exp);
/* does it use %{p}? (only meaningful on a valid string) */
bool spf_macro_uses_p(const char *s, size_t len);
/* Expand onto out; false on a syntax error or when the result would
 * pass max bytes. */
bool spf_macro_expand(const char *s, size_t len, const struct spf_macro_ctx *mc,
		      bool exp, size_t max, struct buf *out);

#endif
