/* imap-url.h - IMAP URLs (RFC 5092) as CATENATE (RFC 4469) takes them:
 * a message or a part of one on this server, absolute
 * ("imap://user@host/INBOX;UIDVALIDITY=7/;UID=20/;SECTION=1.MIME") or
 * relative ("/INBOX/;UID=20", or ";UID=20/;SECTION=2" in the selected
 * mailbox). An absolute one may end in RFC 4467's
 * ";EXPIRE=<date-time>;URLAUTH=<access>[:<mech>:<token>]".
 * Search URLs are not taken. */
#ifndef TERN_IMAP_URL_H
#define TERN_IMAP_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum imap_url_access {
	IMAP_URL_ACCESS_NONE,		/* no ;URLAUTH= */
	IMAP_URL_ACCESS_SUBMIT,		/* submit+<user> */
	IMAP_URL_ACCESS_USER,		/* user+<user> */
	IMAP_URL_ACCESS_AUTHUSER,	/* any logged-in user */
	IMAP_URL_ACCESS_ANONYMOUS,	/* anyone */
};

struct imap_url {
	bool absolute;		/* imap://... */
	char *user;		/* decoded; NULL if none */
	char *host;		/* NULL for a relative URL */
	uint16_t port;		/* 0: none */
	char *mailbox;		/* decoded UTF-8; NULL: the selected one */
	uint32_t uidvalidity;	/* 0: not given */
	uint32_t uid;
	char *section;		/* decoded ("1.MIME"); NULL: whole message */
	bool partial;
	uint32_t p_off, p_len;	/* p_len 0: to the end */
	/* URLAUTH (RFC 4467) */
	bool has_expire;
	int64_t expire;		/* unix time */
	enum imap_url_access access;
	char *access_user;	/* decoded, for submit+ and user+ */
	size_t rump_len;	/* the URL up to and including the access */
	char *mech;		/* NULL: a rump URL (no ":mech:token") */
	char *token;		/* hex, as given */
};

/* parse s[0..len); false with a static *error_r on malformed input
 * (out then holds nothing). Free a parsed URL with imap_url_clear. */
bool imap_url_parse(const char *s, size_t len, struct imap_url *out,
		    const char **error_r);
void imap_url_clear(struct imap_url *u);

#endif
