/* linereader.c - bounded line splitting (contract in linereader.h) */
#include "lib/linereader.h"

#include <string.h>

enum line_result
linereader_next(struct linereader *lr, struct buf *in, size_t max,
		struct buf *out, bool *bare_lf_r)
{
	unsigned char *lf;
	size_t n;
	bool crlf;

	if (lr->scan > in->len)
		lr->scan = 0;
	lf = in->len > lr->scan ?
	     memchr(in->data + lr->scan, '\n', in->len - lr->scan) : NULL;
	if (lr->skipping) {
		if (lf == NULL) {
			buf_reset(in);	/* drop, never buffer */
			lr->scan = 0;
			return LINE_NONE;
		}
		buf_consume(in, (size_t)(lf - in->data) + 1);
		lr->scan = 0;
		lr->skipping = false;
		return LINE_TOO_LONG;
	}
	if (lf == NULL) {
		if (in->len >= max) {
			/* already over the limit without an end: start dropping */
			lr->skipping = true;
			buf_reset(in);
			lr->scan = 0;
			return LINE_NONE;
		}
		lr->scan = in->len;
		return LINE_NONE;
	}
	n = (size_t)(lf - in->data) + 1;
	lr->scan = 0;
	if (n > max) {
		buf_consume(in, n);
		return LINE_TOO_LONG;
	}
	crlf = n >= 2 && lf[-1] == '\r';
	buf_reset(out);
	buf_append(out, in->data, n - (crlf ? 2 : 1));
	if (bare_lf_r)
		*bare_lf_r = !crlf;
	buf_consume(in, n);
	return LINE_OK;
}
