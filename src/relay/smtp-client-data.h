/* smtp-client-data.h - message bytes on the way out (pure): dot-stuffing
 * with line-end repair, and the 8-bit/UTF-8 scan that decides BODY= and
 * SMTPUTF8. Both work on chunks, keeping state between calls. */
#ifndef TERN_SMTP_CLIENT_DATA_H
#define TERN_SMTP_CLIENT_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

struct smtp_dot {
	bool bol;	/* at the start of a line */
	bool cr;	/* a CR is held back, waiting for its LF */
};

void smtp_dot_init(struct smtp_dot *d);
/* Append chunk to out with a '.' doubled at line starts (RFC 5321
 * 4.5.2) and every line ending made CRLF (bare LF or CR become CRLF). */
void smtp_dot_stuff(struct smtp_dot *d, const unsigned char *p, size_t len,
		    struct buf *out);
/* End the data: a CRLF if the last line lacks one, then ".\r\n". */
void smtp_dot_end(struct smtp_dot *d, struct buf *out);

struct smtp_scan {
	bool in_header;
	size_t line_len;
	bool header_8bit;	/* raw UTF-8 in headers: needs SMTPUTF8 */
	bool body_8bit;		/* needs 8BITMIME */
};

void smtp_scan_init(struct smtp_scan *s);
void smtp_scan_feed(struct smtp_scan *s, const unsigned char *p, size_t len);
/* true if the address as sent (smtp_addr_put) has a byte >= 0x80, so
 * it needs SMTPUTF8 */
bool smtp_addr_is_utf8(const char *addr);
struct buf;
/* the address as sent: a domain in U-labels goes in its A-label form,
 * which every server takes (RFC 6531 3.2), so only a non-ASCII local
 * part needs SMTPUTF8 */
void smtp_addr_put(struct buf *b, const char *addr);

#endif
