/* smtp-client-reply.h - what an SMTP server answers, parsed (pure).
 *
 * A reply is one or more lines "XYZ-text" ending with "XYZ text" (or a
 * bare "XYZ"), every line with the same code (RFC 5321 4.2). When the
 * text starts with an RFC 3463 enhanced status code ("2.1.5 Ok") it is
 * taken out of each line. Lines end in CRLF; a bare LF is accepted. */
#ifndef TERN_SMTP_CLIENT_REPLY_H
#define TERN_SMTP_CLIENT_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define SMTP_REPLY_MAX_LINE 4096	/* RFC 5321 says 512; be lenient */
#define SMTP_REPLY_MAX_LINES 256
#define SMTP_REPLY_MAX_BYTES 65536

struct smtp_reply {
	int code;		/* 200..599 */
	char enh[16];		/* "5.1.1" or "" */
	struct buf text;	/* lines' text joined with '\n', no codes */
	size_t nlines;
};

enum smtp_reply_result {
	SMTP_REPLY_OK = 1,	/* *consumed bytes made one reply */
	SMTP_REPLY_MORE = 0,	/* incomplete: nothing consumed */
	SMTP_REPLY_ERROR = -1	/* malformed or over a limit */
};

void smtp_reply_init(struct smtp_reply *r);
void smtp_reply_free(struct smtp_reply *r);

/* Parse one reply from the start of data. On OK, *consumed is the
 * number of bytes it took; r is reset and filled. */
enum smtp_reply_result smtp_reply_parse(const unsigned char *data,
					size_t len, struct smtp_reply *r,
					size_t *consumed);

/* 2, 3, 4, 5 */
static inline int smtp_reply_class(const struct smtp_reply *r)
{
	return r->code / 100;
}

/* "550 5.1.1 text" in one line for logs and DSNs (text's newlines
 * become spaces, bytes escaped and bounded). Appends to out. */
void smtp_reply_format(const struct smtp_reply *r, struct buf *out);

/* EHLO keywords (RFC 5321 4.1.1.1 and the extensions we use) */
enum {
	SMTP_EXT_PIPELINING = 1 << 0,
	SMTP_EXT_SIZE = 1 << 1,
	SMTP_EXT_8BITMIME = 1 << 2,
	SMTP_EXT_SMTPUTF8 = 1 << 3,
	SMTP_EXT_STARTTLS = 1 << 4,
	SMTP_EXT_DSN = 1 << 5,
	SMTP_EXT_ENHANCED = 1 << 6,
	SMTP_EXT_AUTH = 1 << 7,
	SMTP_EXT_CHUNKING = 1 << 8,
};

struct smtp_ehlo {
	unsigned ext;
	uint64_t size;		/* SIZE n; 0 = no limit given */
	bool auth_plain, auth_login;
};

/* Read the capability lines of a 250 EHLO reply (the first line is
 * the greeting name and is skipped). */
void smtp_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e);

#endif
