/* smtp-data.h - the message receivers: DATA (dot-terminated) and BDAT
 * (RFC 3030 chunks).
 *
 * DATA: dot-unstuffing; the end of data is <CRLF>.<CRLF> and nothing
 * else (the CRLF ending the DATA command counts as the first CRLF, so
 * ".\r\n" right away is an empty message). A bare CR or a bare LF
 * anywhere is an error (SMTP smuggling: "<LF>.<LF>", "<CR>.<CR>",
 * "<LF>.<CRLF>", "<CRLF>.<LF>" never end or split a message): it is
 * recorded, the rest of the message is read and dropped up to the real
 * end, and the session answers 554 5.6.11 there.
 *
 * BDAT: a chunk is exactly n bytes, copied as they are; bare CR and bare
 * LF are refused there too, so what we store (and may relay with DATA
 * later) is canonical CRLF text.
 *
 * Both count message bytes as they arrive: over max_size the bytes are
 * dropped (never buffered) and SMTP_DATA_TOO_BIG is set (552 5.3.4 at
 * the end). Once any error is set no more bytes are produced.
 * Incremental: any split of the input gives the same result. */
#ifndef TERN_SMTP_DATA_H
#define TERN_SMTP_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "smtp/smtp-reply.h"

enum {
	SMTP_DATA_BARE_CR = 1 << 0,
	SMTP_DATA_BARE_LF = 1 << 1,
	SMTP_DATA_TOO_BIG = 1 << 2,
	SMTP_DATA_LINE_TOO_LONG = 1 << 3,
};

struct smtp_data {
	uint64_t size;		/* message bytes seen (also after errors) */
	uint64_t max_size;	/* 0: no limit */
	size_t line_len;	/* bytes in the current line */
	size_t max_line;	/* CRLF included; 0: no limit */
	unsigned errors;	/* SMTP_DATA_* */
	int state;		/* DATA: position in the line */
	bool cr;		/* BDAT: last byte was CR */
	uint64_t chunk_left;	/* BDAT: bytes still due in this chunk */
};

void smtp_data_init(struct smtp_data *d, uint64_t max_size, size_t max_line);

/* DATA: consume input; message bytes (unstuffed) are appended to out
 * while no error is set. *used_r: bytes consumed. Returns true once the
 * terminating <CRLF>.<CRLF> has been consumed (input after it is left). */
bool smtp_data_feed(struct smtp_data *d, const unsigned char *p, size_t len,
		    struct buf *out, size_t *used_r);

/* BDAT: start a chunk of n bytes */
void smtp_bdat_chunk(struct smtp_data *d, uint64_t n);
/* consume up to the chunk's end; true when the chunk is complete */
bool smtp_bdat_feed(struct smtp_data *d, const unsigned char *p, size_t len,
		    struct buf *out, size_t *used_r);
/* after the LAST chunk: a final CR is bare */
void smtp_bdat_finish(struct smtp_data *d);

/* the reply for d->errors != 0 (the most serious error first) */
const struct smtp_status *smtp_data_status(const struct smtp_data *d);

#endif
