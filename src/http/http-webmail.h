/* http-webmail.h - the webmail on the https listener: its static files
 * (embedded at build time from webmail/ by scripts/webmail-embed.c),
 * the security headers of its pages, and the cookie session endpoints
 * (POST /webmail/login, GET /webmail/session, POST /webmail/logout). */
#ifndef TERN_HTTP_WEBMAIL_H
#define TERN_HTTP_WEBMAIL_H

#include <stddef.h>

struct webmail_asset {
	const char *path;		/* "/webmail/js/app.js"; NULL ends */
	const unsigned char *data;
	size_t len;
	const char *etag;		/* quoted */
	const unsigned char *gz;	/* gzip of data, or NULL (not worth it) */
	size_t gz_len;
	const char *gz_etag;		/* quoted: a representation of its own */
};

/* generated: $(BUILD)/gen/webmail-assets.c */
extern const struct webmail_asset webmail_assets[];

/* the session cookie's name */
#define WEBMAIL_COOKIE "tern_session"

#endif
