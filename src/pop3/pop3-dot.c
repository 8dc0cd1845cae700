/* pop3-dot.c - CRLF conversion, byte-stuffing and TOP's cut for message
 * bytes sent over POP3 (contract in pop3-dot.h) */
#include "pop3/pop3-dot.h"

#include <string.h>

/* pop3_dot_init - reset the machine for RETR or TOP */
void
pop3_dot_init(struct pop3_dot *d, const uint64_t *top_lines)
{
	memset(d, 0, sizeof(*d));
	d->bol = true;
	if (top_lines != NULL) {
		d->limited = true;
		d->lines_left = *top_lines;
	}
}

/* pop3_dot_emit - append counted message bytes */
static void
pop3_dot_emit(struct pop3_dot *d, const unsigned char *p, size_t n,
	      struct buf *out)
{
	d->octets += n;
	if (out != NULL && n > 0)
		buf_append(out, p, n);
}

/* pop3_dot_line_end - a LF was emitted: header/body and TOP counting */
static void
pop3_dot_line_end(struct pop3_dot *d)
{
	uint64_t content = d->line_len - (d->prev_cr ? 1 : 0);

	if (!d->in_body) {
		if (content == 0) {
			d->in_body = true;
			if (d->limited && d->lines_left == 0)
				d->done = true;
		}
	} else if (d->limited) {
		if (--d->lines_left == 0)
			d->done = true;
	}
	d->bol = true;
	d->prev_cr = false;
	d->line_len = 0;
}

/* pop3_dot_feed - convert one chunk */
bool
pop3_dot_feed(struct pop3_dot *d, const void *data, size_t len,
	      struct buf *out)
{
	const unsigned char *p = data, *end = p + len;

	while (p < end && !d->done) {
		const unsigned char *lf;
		size_t span;

		if (d->bol) {
			if (*p == '.' && out != NULL)
				buf_append_byte(out, '.');	/* stuffing */
			d->bol = false;
		}
		lf = memchr(p, '\n', (size_t)(end - p));
		span = (size_t)((lf ? lf : end) - p);
		if (span > 0) {
			pop3_dot_emit(d, p, span, out);
			d->line_len += span;
			d->prev_cr = p[span - 1] == '\r';
		}
		if (lf == NULL)
			break;
		if (!d->prev_cr)
			pop3_dot_emit(d, (const unsigned char *)"\r", 1, out);
		pop3_dot_emit(d, (const unsigned char *)"\n", 1, out);
		pop3_dot_line_end(d);
		p = lf + 1;
	}
	return !d->done;
}

/* pop3_dot_finish - close the last line and append the terminator */
void
pop3_dot_finish(struct pop3_dot *d, struct buf *out)
{
	if (d->finished)
		return;
	d->finished = true;
	if (!d->bol && !d->done) {
		if (d->prev_cr)
			pop3_dot_emit(d, (const unsigned char *)"\n", 1, out);
		else
			pop3_dot_emit(d, (const unsigned char *)"\r\n", 2, out);
		d->bol = true;
	}
	if (out != NULL)
		buf_append(out, ".\r\n", 3);
}
