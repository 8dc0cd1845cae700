/* idn.h - a domain name in its two forms (RFC 5890): the U-label form
 * the store keeps and people type (bücher.example), and the A-label
 * form DNS, DKIM's d= and the keys' folder use (xn--bcher-kva.example).
 * Either form goes in; case is folded (UTS #46 mapping, libidn2). */
#ifndef TERN_LIB_IDN_H
#define TERN_LIB_IDN_H

#include <stdbool.h>

/* true when s has a byte >= 0x80 or a label starting "xn--" */
bool idn_is_idn(const char *s);
/* malloc'd U-label form; a plain ASCII name comes back lowercased;
 * NULL when the name is not a valid IDN */
char *idn_to_unicode(const char *domain);
/* malloc'd A-label form (lowercase); NULL when not a valid IDN */
char *idn_to_ascii(const char *domain);

#endif
