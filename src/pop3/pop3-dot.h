/* pop3-dot.h - a message as POP3 sends it (RFC 1939 section 3): CRLF
 * line ends, lines starting with '.' byte-stuffed, ".CRLF" at the end;
 * TOP's "header, blank line, then n body lines" cut.
 *
 * A streaming state machine: feed the stored bytes in chunks of any size
 * (one byte at a time gives the same output), then finish. The octets a
 * message has in POP3 (LIST, STAT, "+OK n octets") are counted by the
 * same machine with no output buffer, so what is announced is exactly
 * what is sent:
 *
 *   - a bare LF becomes CRLF (a CR not followed by LF is kept as it is);
 *   - a message that does not end in a line end gets a CRLF (counted);
 *   - stuffing dots and the final ".CRLF" are not counted (RFC 1939
 *     section 11: the size is that of the message, not of its framing). */
#ifndef TERN_POP3_DOT_H
#define TERN_POP3_DOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

struct pop3_dot {
	uint64_t octets;	/* message octets emitted (no stuffing) */
	uint64_t lines_left;	/* TOP: body lines still to send */
	uint64_t line_len;	/* bytes of the current line so far */
	bool limited;		/* TOP */
	bool bol;		/* at the beginning of a line */
	bool prev_cr;		/* the last byte of this line was CR */
	bool in_body;		/* the blank line after the header is past */
	bool done;		/* TOP cut reached: input ignored */
	bool finished;
};

/* pop3_dot_init - for RETR (top_lines NULL) or TOP n (*top_lines = n) */
void pop3_dot_init(struct pop3_dot *d, const uint64_t *top_lines);

/* pop3_dot_feed - convert data[0..len) and append it to out (out NULL:
 * count only). Returns false once TOP's cut is reached (more input is
 * then ignored): the caller may stop reading. */
bool pop3_dot_feed(struct pop3_dot *d, const void *data, size_t len,
		   struct buf *out);

/* pop3_dot_finish - end the message: the missing line end if any, then
 * (when out != NULL) the ".CRLF" terminator. */
void pop3_dot_finish(struct pop3_dot *d, struct buf *out);

/* pop3_dot_octets - message octets emitted so far (after finish: the
 * message's POP3 size) */
static inline uint64_t pop3_dot_octets(const struct pop3_dot *d)
{
	return d->octets;
}

#endif
