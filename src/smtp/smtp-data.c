/* smtp-data.c - DATA and BDAT receivers (contract in smtp-data.h) */
#include "smtp/smtp-data.h"

#include <string.h>

enum {
	SMTP_DATA_BOL = 0,	/* at the start of a line */
	SMTP_DATA_TEXT,		/* inside a line */
	SMTP_DATA_CR,		/* CR seen inside a line, not yet produced */
	SMTP_DATA_DOT,		/* "." at the start of a line */
	SMTP_DATA_DOTCR,	/* ".\r" at the start of a line */
};

void
smtp_data_init(struct smtp_data *d, uint64_t max_size, size_t max_line)
{
	memset(d, 0, sizeof(*d));
	d->max_size = max_size;
	d->max_line = max_line;
	d->state = SMTP_DATA_BOL;
}

/* produce n message bytes of one line (no CRLF inside) */
static void
smtp_data_emit(struct smtp_data *d, const void *p, size_t n, struct buf *out)
{
	d->size += n;
	d->line_len += n;
	if (d->max_size && d->size > d->max_size)
		d->errors |= SMTP_DATA_TOO_BIG;
	if (d->max_line && d->line_len + 2 > d->max_line)
		d->errors |= SMTP_DATA_LINE_TOO_LONG;
	if (d->errors == 0)
		buf_append(out, p, n);
}

static void
smtp_data_crlf(struct smtp_data *d, struct buf *out)
{
	d->size += 2;
	d->line_len = 0;
	if (d->max_size && d->size > d->max_size)
		d->errors |= SMTP_DATA_TOO_BIG;
	if (d->errors == 0)
		buf_append(out, "\r\n", 2);
}

bool
smtp_data_feed(struct smtp_data *d, const unsigned char *p, size_t len,
	       struct buf *out, size_t *used_r)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = p[i];

		switch (d->state) {
		case SMTP_DATA_TEXT: {
			size_t j = i;

			/* fast path: the run up to the next CR or LF */
			while (j < len && p[j] != '\r' && p[j] != '\n')
				j++;
			if (j > i) {
				smtp_data_emit(d, p + i, j - i, out);
				i = j;
				continue;
			}
			if (c == '\r') {
				d->state = SMTP_DATA_CR;
			} else {
				d->errors |= SMTP_DATA_BARE_LF;
				smtp_data_emit(d, "\n", 1, out);
			}
			i++;
			break;
		}
		case SMTP_DATA_BOL:
			i++;
			if (c == '.') {
				d->state = SMTP_DATA_DOT;
			} else if (c == '\r') {
				d->state = SMTP_DATA_CR;
			} else {
				if (c == '\n')
					d->errors |= SMTP_DATA_BARE_LF;
				smtp_data_emit(d, &c, 1, out);
				d->state = SMTP_DATA_TEXT;
			}
			break;
		case SMTP_DATA_CR:
			i++;
			if (c == '\n') {
				smtp_data_crlf(d, out);
				d->state = SMTP_DATA_BOL;
			} else {
				d->errors |= SMTP_DATA_BARE_CR;
				smtp_data_emit(d, "\r", 1, out);
				if (c != '\r') {
					smtp_data_emit(d, &c, 1, out);
					d->state = SMTP_DATA_TEXT;
				}
			}
			break;
		case SMTP_DATA_DOT:
			/* the leading dot is dropped (unstuffing) */
			i++;
			if (c == '\r') {
				d->state = SMTP_DATA_DOTCR;
			} else {
				if (c == '\n')
					d->errors |= SMTP_DATA_BARE_LF;
				smtp_data_emit(d, &c, 1, out);
				d->state = SMTP_DATA_TEXT;
			}
			break;
		case SMTP_DATA_DOTCR:
			i++;
			if (c == '\n') {
				*used_r = i;
				return true;
			}
			d->errors |= SMTP_DATA_BARE_CR;
			smtp_data_emit(d, "\r", 1, out);
			if (c == '\r') {
				d->state = SMTP_DATA_CR;
			} else {
				smtp_data_emit(d, &c, 1, out);
				d->state = SMTP_DATA_TEXT;
			}
			break;
		}
	}
	*used_r = i;
	return false;
}

void
smtp_bdat_chunk(struct smtp_data *d, uint64_t n)
{
	d->chunk_left = n;
}

/* line terminator bytes: counted in the size, not in the line */
static void
smtp_data_term(struct smtp_data *d, const void *p, size_t n, struct buf *out)
{
	d->size += n;
	if (d->max_size && d->size > d->max_size)
		d->errors |= SMTP_DATA_TOO_BIG;
	if (d->errors == 0)
		buf_append(out, p, n);
}

bool
smtp_bdat_feed(struct smtp_data *d, const unsigned char *p, size_t len,
	       struct buf *out, size_t *used_r)
{
	size_t n = len < d->chunk_left ? len : (size_t)d->chunk_left;
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (d->cr && c != '\n')
			d->errors |= SMTP_DATA_BARE_CR;
		if (c == '\n') {
			size_t content = i - start;

			if (!d->cr)
				d->errors |= SMTP_DATA_BARE_LF;
			else if (content > 0)
				content--;	/* the CR */
			smtp_data_emit(d, p + start, content, out);
			smtp_data_term(d, p + start + content,
				       i + 1 - start - content, out);
			d->line_len = 0;
			start = i + 1;
		}
		d->cr = c == '\r';
	}
	if (n > start) {
		/* a CR ending the chunk may be half of a CRLF */
		size_t content = n - start - (d->cr ? 1 : 0);

		smtp_data_emit(d, p + start, content, out);
		if (d->cr)
			smtp_data_term(d, "\r", 1, out);
	}
	d->chunk_left -= n;
	*used_r = n;
	return d->chunk_left == 0;
}

void
smtp_bdat_finish(struct smtp_data *d)
{
	if (d->cr)
		d->errors |= SMTP_DATA_BARE_CR;
	d->cr = false;
}

const struct smtp_status *
smtp_data_status(const struct smtp_data *d)
{
	static const struct smtp_status too_big = {
		552, "5.3.4", "Message size exceeds fixed maximum message size"
	};
	static const struct smtp_status bare = {
		554, "5.6.11", "Bare CR or LF in message: use CRLF line endings"
	};
	static const struct smtp_status long_line = {
		554, "5.6.0", "Message has a line that is too long"
	};

	if (d->errors & SMTP_DATA_TOO_BIG)
		return &too_big;
	if (d->errors & (SMTP_DATA_BARE_CR | SMTP_DATA_BARE_LF))
		return &bare;
	if (d->errors & SMTP_DATA_LINE_TOO_LONG)
		return &long_line;
	return NULL;
}
