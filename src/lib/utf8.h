/* utf8.h - strict UTF-8 decoding (RFC 3629), shared by auth, mime, imap,
 * sieve; and encoding */
#ifndef TERN_UTF8_H
#define TERN_UTF8_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

/* utf8_next - decode one UTF-8 sequence at p[0..len): returns its length
 * (1..4) and the code point in *cp_r, or 0 when it is invalid (overlong,
 * surrogate, above U+10FFFF, truncated) or len is 0 */
size_t utf8_next(const unsigned char *p, size_t len, uint32_t *cp_r);
/* append code point cp (at most U+10FFFF) encoded as UTF-8 */
void utf8_put(struct buf *out, uint32_t cp);

#endif
