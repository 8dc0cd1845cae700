/* base64.h - RFC 4648 base64, as SASL and MIME use it */
#ifndef TERN_BASE64_H
#define TERN_BASE64_H

#include "lib/buf.h"

/* append the base64 encoding of data to out (no line breaks) */
void base64_encode(struct buf *out, const void *data, size_t len);
/* Strict decode (SASL): padding required, no whitespace, no junk.
 * Appends to out; returns false on malformed input. */
bool base64_decode(struct buf *out, const void *data, size_t len);
/* Lenient decode (MIME bodies): skips whitespace, CR/LF and junk bytes,
 * stops at '='; never fails. */
void base64_decode_lenient(struct buf *out, const void *data, size_t len);

#endif
