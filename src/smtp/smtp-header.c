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

static const struct {
	const char *name;
	unsigned bit;
	int addr;		/* SMTP_HDR_ADDR_*, -1: value not kept */
} smtp_header_fields[] = {
	{ "Date", SMTP_HDR_DATE, -1 },
	{ "Message-ID", SMTP_HDR_MESSAGE_ID, -1 },
	{ "From", SMTP_HDR_FROM, SMTP_HDR_ADDR_FROM },
	{ "Sender", SMTP_HDR_SENDER, SMTP_HDR_ADDR_SENDER },
	{ "Resent-From", SMTP_HDR_RESENT_FROM, SMTP_HDR_ADDR_RESENT_FROM },
	{ "Resent-Sender", SMTP_HDR_RESENT_SENDER, SMTP_HDR_ADDR_RESENT_SENDER },
};
#define SMTP_HEADER_NFIELDS \
	(sizeof(smtp_header_fields) / sizeof(smtp_header_fields[0]))

const char *
smtp_header_addr_name(enum smtp_hdr_addr a)
{
	for (size_t i = 0; i < SMTP_HEADER_NFIELDS; i++)
		if (smtp_header_fields[i].addr == (int)a)
			return smtp_header_fields[i].name;
	return "?";
}

unsigned
smtp_header_addr_bit(enum smtp_hdr_addr a)
{
	for (size_t i = 0; i < SMTP_HEADER_NFIELDS; i++)
		if (smtp_header_fields[i].addr == (int)a)
			return smtp_header_fields[i].bit;
	return 0;
}

void
smtp_header_init(struct smtp_header *h)
{
	h->state = SMTP_HDR_BOL;
	h->seen = 0;
	h->name_len = 0;
	h->in_addr = -1;
	for (size_t i = 0; i < SMTP_HDR_ADDR_N; i++) {
		h->addr[i].over = false;
		h->addr[i].len = 0;
	}
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

/* one byte of the kept field being read */
static void
smtp_header_addr_byte(struct smtp_header *h, unsigned char c)
{
	struct smtp_header_addr *a = &h->addr[h->in_addr];

	if (a->len < sizeof(a->v))
		a->v[a->len++] = c;
	else
		a->over = true;
}

static void
smtp_header_field(struct smtp_header *h)
{
	size_t n = h->name_len;

	/* "Name :" is obsolete syntax (RFC 5322 4.5.3) but seen */
	while (n > 0 && (h->name[n - 1] == ' ' || h->name[n - 1] == '\t'))
		n--;
	h->in_addr = -1;
	for (size_t i = 0; i < SMTP_HEADER_NFIELDS; i++) {
		if (strlen(smtp_header_fields[i].name) != n ||
		    strncasecmp(h->name, smtp_header_fields[i].name, n) != 0)
			continue;
		h->seen |= smtp_header_fields[i].bit;
		h->in_addr = smtp_header_fields[i].addr;
	}
	if (h->in_addr >= 0 && h->addr[h->in_addr].len > 0)
		smtp_header_addr_byte(h, ',');
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
				if (h->in_addr >= 0)
					smtp_header_addr_byte(h, c);
			} else {
				h->in_addr = -1;
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
			else if (h->in_addr >= 0 && c != '\r')
				smtp_header_addr_byte(h, c);
			break;
		}
	}
	return -1;
}
