/* mime-imap.c - IMAP string / nstring output (RFC 3501 / RFC 9051 4.3) */
#include "mime/mime.h"

/* longer text goes as a literal even when it could be quoted */
#define QUOTED_MAX 1024

void
mime_imap_string(struct buf *out, const unsigned char *p, size_t len)
{
	bool quotable = len <= QUOTED_MAX;
	size_t nul = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\0')
			nul++;
		else if (p[i] >= 0x80 || p[i] == '\r' || p[i] == '\n')
			quotable = false;
	}
	if (quotable) {
		buf_append_byte(out, '"');
		for (size_t i = 0; i < len; i++) {
			if (p[i] == '\0')
				continue;
			if (p[i] == '"' || p[i] == '\\')
				buf_append_byte(out, '\\');
			buf_append_byte(out, p[i]);
		}
		buf_append_byte(out, '"');
		return;
	}
	buf_printf(out, "{%zu}\r\n", len - nul);
	if (nul == 0) {
		buf_append(out, p, len);
		return;
	}
	for (size_t i = 0; i < len; i++)
		if (p[i] != '\0')
			buf_append_byte(out, p[i]);
}

void
mime_imap_nstring(struct buf *out, const unsigned char *p, size_t len)
{
	if (p == NULL)
		buf_append(out, "NIL", 3);
	else
		mime_imap_string(out, p, len);
}
