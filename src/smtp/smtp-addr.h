/* smtp-addr.h - RFC 5321 paths: the <...> of MAIL FROM and RCPT TO.
 *
 *   Path      = "<" [ A-d-l ":" ] Mailbox ">"     (source route ignored)
 *   Mailbox   = Local-part "@" ( Domain / address-literal )
 *   Local-part = Dot-string / Quoted-string
 *
 * With SMTPUTF8 (RFC 6531) atext, qtext and domain labels may also hold
 * UTF-8 (checked for well-formedness); without it only ASCII passes.
 * Pure code: no allocation, no I/O. */
#ifndef TERN_SMTP_ADDR_H
#define TERN_SMTP_ADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

/* generous: real-world VERP/SRS locals exceed RFC 5321's 64 octets */
#define SMTP_LOCAL_MAX 256
#define SMTP_DOMAIN_MAX 255
#define SMTP_ADDR_MAX (SMTP_LOCAL_MAX + 1 + SMTP_DOMAIN_MAX)

enum smtp_addr_result {
	SMTP_ADDR_OK = 0,
	SMTP_ADDR_SYNTAX = -1,		/* 501 5.1.3 (5.1.7 for senders) */
	SMTP_ADDR_TOO_LONG = -2,	/* 501 5.1.3 */
	SMTP_ADDR_NEED_UTF8 = -3,	/* 553 5.6.7: non-ASCII without SMTPUTF8 */
};

struct smtp_path {
	bool null;			/* "<>" */
	bool postmaster;		/* "<Postmaster>" without a domain */
	bool utf8;			/* holds non-ASCII bytes */
	bool literal;			/* domain is an address literal */
	/* "local@domain", NUL-terminated: a quoted local part whose content
	 * is a valid Dot-string is unquoted; otherwise kept quoted as sent */
	char addr[SMTP_ADDR_MAX + 1];
	size_t local_len;		/* bytes of addr before the '@' */
	const char *domain;		/* points into addr, "" when none */
};

/* Parse a path at the start of s. On success *rest_r is what follows
 * the closing '>' (ESMTP parameters). allow_null: "<>" accepted
 * (MAIL FROM). Without brackets the path is a syntax error (RFC 5321;
 * we do not guess). */
enum smtp_addr_result smtp_addr_parse_path(struct slice s, bool allow_null,
					   bool smtputf8,
					   struct smtp_path *path,
					   struct slice *rest_r);

/* Domain = sub-domain *("." sub-domain), or a U-label form when utf8.
 * Also used for the EHLO argument (which may be an address literal). */
bool smtp_addr_valid_domain(struct slice d, bool utf8);
/* "[1.2.3.4]", "[IPv6:...]", "[tag:content]" */
bool smtp_addr_valid_literal(struct slice d);
/* well-formed UTF-8 (no overlongs, no surrogates); len bytes at p */
bool smtp_addr_valid_utf8(const unsigned char *p, size_t len);

const char *smtp_addr_strerror(enum smtp_addr_result r);

#endif
