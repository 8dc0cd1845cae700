/* smtp-header.c - top-level header watcher (contract in smtp-header.h) */
#include "smtp/smtp-header.h"

#include <string.h>
#include <strings.h>

enum {
	SMTP_HDR_BOL = 0,	/* at the start of a header line */
	SMTP_HDR_NAME,		/* reading a field name */
	SMTP_HDR_LINE,		/* rest of a line */
	SMTP_HDR_BODY,		/* header over */
};

void
smtp_header_init(struct smtp_header *h)
{
	memset(h, 0, sizeof(*h));
	h->state = SMTP_HDR_BOL;
}

bool
smtp_header_done(const struct smtp_header *h)
{
	return h->state == SMTP_HDR_BODY;
}

bool
smtp_header_at_bol(const struct smtp_header *h)
{
	return h->state == SMTP_HDR_BOL;
}

void
smtp_header_end(struct smtp_header *h)
{
	h->state = SMTP_HDR_BODY;
}

static void
smtp_header_from_byte(struct smtp_header *h, unsigned char c)
{
	if (h->from_len < sizeof(h->from))
		h->from[h->from_len++] = c;
	else
		h->from_over = true;
}

static void
smtp_header_field(struct smtp_header *h)
{
	static const struct { const char *name; unsigned bit; } fields[] = {
		{ "date", SMTP_HDR_DATE },
		{ "message-id", SMTP_HDR_MESSAGE_ID },
		{ "from", SMTP_HDR_FROM },
	};
	size_t n = h->name_len;

	/* "Name :" is obsolete syntax (RFC 5322 4.5.3) but seen */
	while (n > 0 && (h->name[n - 1] == ' ' || h->name[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strlen(fields[i].name) == n &&
		    strncasecmp(h->name, fields[i].name, n) == 0)
			h->seen |= fields[i].bit;
	h->in_from = n == 4 && strncasecmp(h->name, "from", 4) == 0;
	if (h->in_from && h->from_len > 0)
		smtp_header_from_byte(h, ',');
}

ptrdiff_t
smtp_header_scan(struct smtp_header *h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n && h->state != SMTP_HDR_BODY; i++) {
		unsigned char c = p[i];

		switch (h->state) {
		case SMTP_HDR_BOL:
			if (c == '\r' || c == '\n') {
				h->state = SMTP_HDR_BODY;
				return (ptrdiff_t)i;
			}
			if (c == ' ' || c == '\t') {
				/* a folded line: same field (RFC 5322 2.2.3) */
				h->state = SMTP_HDR_LINE;
				if (h->in_from)
					smtp_header_from_byte(h, c);
			} else {
				h->in_from = false;
				h->name[0] = (char)c;
				h->name_len = 1;
				h->state = SMTP_HDR_NAME;
			}
			break;
		case SMTP_HDR_NAME:
			if (c == ':') {
				smtp_header_field(h);
				h->state = SMTP_HDR_LINE;
			} else if (c == '\n') {
				h->state = SMTP_HDR_BOL;
			} else if (h->name_len < sizeof(h->name)) {
				h->name[h->name_len++] = (char)c;
			} else {
				h->state = SMTP_HDR_LINE;
			}
			break;
		case SMTP_HDR_LINE:
			if (c == '\n')
				h->state = SMTP_HDR_BOL;
			else if (h->in_from && c != '\r')
				smtp_header_from_byte(h, c);
			break;
		}
	}
	return -1;
}
