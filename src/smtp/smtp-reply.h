/* smtp-reply.h - SMTP replies: code, RFC 3463 enhanced code, text.
 *
 * Every reply carries its enhanced status code (RFC 2034), except the
 * greeting and the EHLO/HELO replies, which RFC 2034 section 3 exempts.
 * A text holding '\n' becomes a multi-line reply: "250-a" ... "250 z". */
#ifndef TERN_SMTP_REPLY_H
#define TERN_SMTP_REPLY_H

#include "lib/buf.h"

/* a fixed reply: what parsers return instead of writing themselves */
struct smtp_status {
	int code;		/* 250, 501, ... */
	const char *enh;	/* "5.5.4", NULL for none */
	const char *text;
};

/* Append the reply to out. Text lines are cut at 500 bytes and CR/LF
 * inside a line never reaches the client. */
void smtp_reply(struct buf *out, int code, const char *enh, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));
void smtp_reply_status(struct buf *out, const struct smtp_status *st);
/* text may hold '\n' separated lines (multi-line reply) */
void smtp_reply_lines(struct buf *out, int code, const char *enh,
		      const char *text);

#endif
