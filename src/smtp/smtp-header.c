/* smtp-header.c - top-level header watcher (contract in smtp-header.h) */
#include "smtp/smtp-header.h"

#include <limits.h>
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
	h->received = 0;
	h->in_dt = false;
	h->dt_len = 0;
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

/* a byte of a Delivered-To: value */
static void
smtp_header_dt_byte(struct smtp_header *h, unsigned char c)
{
	if (h->dt_len < sizeof(h->dt))
		h->dt[h->dt_len++] = c;
}

/* a Delivered-To: value ends; one that did not fit is dropped whole,
 * so a cut value never matches */
static void
smtp_header_dt_end(struct smtp_header *h)
{
	size_t start;

	if (!h->in_dt)
		return;
	h->in_dt = false;
	if (h->dt_len < sizeof(h->dt)) {
		h->dt[h->dt_len++] = '\n';
		return;
	}
	start = h->dt_len;
	while (start > 0 && h->dt[start - 1] != '\n')
		start--;
	h->dt_len = start;
}

bool
smtp_header_delivered_to(const struct smtp_header *h, const char *addr)
{
	size_t alen = strlen(addr), i = 0;

	while (i < h->dt_len) {
		size_t e = i, a, b;

		while (e < h->dt_len && h->dt[e] != '\n')
			e++;
		if (e == h->dt_len)
			break;		/* a value still being read */
		a = i;
		b = e;
		while (a < b && (h->dt[a] == ' ' || h->dt[a] == '\t' ||
				 h->dt[a] == '<'))
			a++;
		while (b > a && (h->dt[b - 1] == ' ' || h->dt[b - 1] == '\t' ||
				 h->dt[b - 1] == '>'))
			b--;
		if (b - a == alen &&
		    strncasecmp((const char *)h->dt + a, addr, alen) == 0)
			return true;
		i = e + 1;
	}
	return false;
}

void
smtp_header_end(struct smtp_header *h)
{
	smtp_header_dt_end(h);
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
	if (n == 8 && strncasecmp(h->name, "received", 8) == 0 &&
	    h->received < UINT_MAX)
		h->received++;
	h->in_dt = n == 12 && strncasecmp(h->name, "delivered-to", 12) == 0;
}

ptrdiff_t
smtp_header_scan(struct smtp_header *h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n && h->state != SMTP_HDR_BODY; i++) {
		unsigned char c = p[i];

		switch (h->state) {
		case SMTP_HDR_BOL:
			if (c == '\r' || c == '\n') {
				smtp_header_dt_end(h);
				h->state = SMTP_HDR_BODY;
				return (ptrdiff_t)i;
			}
			if (c == ' ' || c == '\t') {
				/* a folded line: same field (RFC 5322 2.2.3) */
				h->state = SMTP_HDR_LINE;
				if (h->in_addr >= 0)
					smtp_header_addr_byte(h, c);
				if (h->in_dt)
					smtp_header_dt_byte(h, c);
			} else {
				smtp_header_dt_end(h);
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
			else if (h->in_dt && c != '\r')
				smtp_header_dt_byte(h, c);
			break;
		}
	}
	return -1;
}
