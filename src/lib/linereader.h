/* linereader.h - bounded line splitting over a byte buffer.
 *
 * Lines end in LF (CRLF or bare LF). A line longer than max (terminator
 * included) is never buffered whole: its bytes are dropped as they come
 * and LINE_TOO_LONG is reported once, when its LF arrives. conn.c uses it
 * on every connection; it is separate so it can be tested alone. */
#ifndef TERN_LINEREADER_H
#define TERN_LINEREADER_H

#include "lib/buf.h"

enum line_result {
	LINE_OK = 1,		/* a line was taken from in */
	LINE_NONE = 0,		/* need more bytes */
	LINE_TOO_LONG = -1	/* an over-long line ended; it was dropped */
};

struct linereader {
	size_t scan;		/* bytes of in known to hold no LF */
	bool skipping;		/* inside an over-long line */
};

/* Take one line from the front of in. On LINE_OK, out holds the line
 * without its terminator and *bare_lf_r (may be NULL) tells whether it
 * ended in a bare LF. */
enum line_result linereader_next(struct linereader *lr, struct buf *in,
				 size_t max, struct buf *out, bool *bare_lf_r);
/* forget the scan position (call after consuming from in by hand) */
static inline void linereader_reset_scan(struct linereader *lr) { lr->scan = 0; }

#endif
