/* deliver-header.c - the few header fields the Sieve step reads itself:
 * Delivered-To (redirect loops), Message-ID and References (vacation
 * replies) */
#include "deliver/deliver-private.h"

#include <string.h>
#include <strings.h>

#include "mime/mime.h"

bool
deliver_header(const unsigned char *msg, size_t len, const char *name,
	       struct buf *out)
{
	struct slice n, v;
	size_t pos = 0;

	while (mime_header_next(msg, len, &pos, &n, &v)) {
		if (slice_case_eq_cstr(n, name)) {
			mime_header_unfold(v.p, v.len, out);
			return true;
		}
	}
	return false;
}

bool
deliver_delivered_to(const unsigned char *msg, size_t len, const char *addr)
{
	struct buf val = BUF_INIT;
	struct slice n, v;
	size_t pos = 0;
	bool found = false;

	while (!found && mime_header_next(msg, len, &pos, &n, &v)) {
		if (!slice_case_eq_cstr(n, "Delivered-To"))
			continue;
		buf_reset(&val);
		mime_header_unfold(v.p, v.len, &val);
		found = strcasecmp(buf_cstr(&val), addr) == 0;
	}
	buf_free(&val);
	return found;
}
