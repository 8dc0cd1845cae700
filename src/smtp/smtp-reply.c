/* smtp-reply.c - reply formatting (contract in smtp-reply.h) */
#include "smtp/smtp-reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define SMTP_REPLY_LINE_MAX 500

static void
smtp_reply_one(struct buf *out, int code, char sep, const char *enh,
	       const char *text, size_t len)
{
	if (len > SMTP_REPLY_LINE_MAX)
		len = SMTP_REPLY_LINE_MAX;
	buf_printf(out, "%03d%c", code, sep);
	if (enh != NULL)
		buf_printf(out, "%s ", enh);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		buf_append_byte(out, c == '\r' || c == '\n' || c == 0 ? ' ' : c);
	}
	buf_append(out, "\r\n", 2);
}

void
smtp_reply_lines(struct buf *out, int code, const char *enh, const char *text)
{
	const char *p = text, *nl;

	while ((nl = strchr(p, '\n')) != NULL && nl[1] != '\0') {
		smtp_reply_one(out, code, '-', enh, p, (size_t)(nl - p));
		p = nl + 1;
	}
	smtp_reply_one(out, code, ' ', enh, p, nl ? (size_t)(nl - p) : strlen(p));
}

void
smtp_reply(struct buf *out, int code, const char *enh, const char *fmt, ...)
{
	struct buf text = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	smtp_reply_lines(out, code, enh, buf_cstr(&text));
	buf_free(&text);
}

void
smtp_reply_status(struct buf *out, const struct smtp_status *st)
{
	smtp_reply_lines(out, st->code, st->enh, st->text);
}
