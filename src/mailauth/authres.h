/* authres.h - the Authentication-Results header field (RFC 8601).
 *
 * authres_build() writes tern's field from the results of the checks;
 * authres_claims() tells whether a received field claims an authserv-id
 * (tern's own, so a forged one is removed before tern adds its own).
 * (ARC-Authentication-Results is made from tern's field: arc-seal.c.) */
#ifndef TERN_MAILAUTH_AUTHRES_H
#define TERN_MAILAUTH_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

/* Results are the RFC 8601 / IANA result words ("pass", "fail",
 * "softfail", "neutral", "none", "temperror", "permerror", "policy").
 * Every string may be NULL (then its property is left out); values
 * that are not RFC 8601 tokens are written as quoted-strings. */
struct authres_spf {
	const char *result;
	const char *mailfrom;	/* smtp.mailfrom: the MAIL FROM address */
	const char *helo;	/* smtp.helo */
	const char *reason;	/* a comment, e.g. the SPF explanation */
};

struct authres_dkim {
	const char *result;
	const char *d;		/* header.d */
	const char *s;		/* header.s */
	const char *a;		/* header.a: "rsa-sha256", "ed25519-sha256" */
	const char *b;		/* header.b: the first 8+ characters of b= */
	const char *reason;
};

struct authres_dmarc {
	const char *result;
	const char *from;	/* header.from: the From domain */
	const char *policy;	/* policy.dmarc: the policy applied */
	const char *reason;	/* comment, e.g. "p=reject sp=none pct=100" */
};

struct authres_arc {
	const char *result;	/* pass, fail, none (RFC 8617 10) */
	const char *remote_ip;	/* smtp.remote-ip: the client */
	const char *oldest_pass;	/* header.oldest-pass */
	const char *reason;
};

struct authres_input {
	const struct authres_spf *spf;		/* NULL: not checked */
	const struct authres_dkim *dkim;	/* every signature */
	size_t n_dkim;
	bool dkim_checked;	/* n_dkim == 0 and checked: dkim=none */
	const struct authres_dmarc *dmarc;	/* NULL: not checked */
	const struct authres_arc *arc;		/* NULL: not checked */
};

/* "Authentication-Results: ID;\r\n\tspf=...;\r\n\t...\r\n", one
 * method per line, lines folded under 78 characters where possible;
 * "ID; none" when nothing was checked. malloc'd; NULL when authserv_id
 * is empty or holds control characters. */
char *authres_build(const char *authserv_id, const struct authres_input *in);

/* Whether field, a whole raw header field (name, ':', value, folded or
 * not, with or without the final CRLF), is an Authentication-Results
 * field whose authserv-id is authserv_id (case-insensitive; CFWS and
 * comments skipped per the RFC 8601 ABNF; a quoted authserv-id
 * compares by its content). */
bool authres_claims(const char *field, size_t len, const char *authserv_id);

#endif
