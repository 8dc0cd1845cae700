/* imap-utf7.h - modified UTF-7 mailbox names (RFC 3501 5.1.3) */
#ifndef TERN_IMAP_UTF7_H
#define TERN_IMAP_UTF7_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

/* imap_utf7_encode - UTF-8 name to modified UTF-7, appended to out;
 * false if the input is not valid UTF-8 */
bool imap_utf7_encode(struct buf *out, const char *utf8, size_t len);
/* imap_utf7_decode - modified UTF-7 to UTF-8, appended to out; false on
 * anything not in the canonical form (8-bit bytes, unterminated or
 * needless shifts, bad base64, "&" not written "&-", surrogates, encoded
 * printable ASCII) */
bool imap_utf7_decode(struct buf *out, const char *mutf7, size_t len);

#endif
