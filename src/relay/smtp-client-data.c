/* smtp-client-data.c - dot-stuffing and the 8-bit scan (pure) */
#include "relay/smtp-client-data.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/idn.h"

void
smtp_dot_init(struct smtp_dot *d)
{
	d->bol = true;
	d->cr = false;
}

void
smtp_dot_stuff(struct smtp_dot *d, const unsigned char *p, size_t len,
	       struct buf *out)
{
	/* worst case every byte becomes two */
	unsigned char *w = buf_reserve(out, 2 * len + 2), *w0 = w;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (d->cr) {
			*w++ = '\r';
			*w++ = '\n';
			d->cr = false;
			d->bol = true;
			if (c == '\n')
				continue;
		}
		if (c == '\r') {
			d->cr = true;
			continue;
		}
		if (c == '\n') {
			*w++ = '\r';
			*w++ = '\n';
			d->bol = true;
			continue;
		}
		if (d->bol && c == '.')
			*w++ = '.';
		*w++ = c;
		d->bol = false;
	}
	out->len += (size_t)(w - w0);
}

void
smtp_dot_end(struct smtp_dot *d, struct buf *out)
{
	if (d->cr || !d->bol)
		buf_append(out, "\r\n", 2);
	d->cr = false;
	d->bol = true;
	buf_append(out, ".\r\n", 3);
}

void
smtp_scan_init(struct smtp_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->in_header = true;
}

void
smtp_scan_feed(struct smtp_scan *s, const unsigned char *p, size_t len)
{
	size_t i = 0;

	for (; i < len && s->in_header; i++) {
		unsigned char c = p[i];

		if (c >= 0x80)
			s->header_8bit = true;
		if (c == '\n') {
			if (s->line_len == 0)
				s->in_header = false;
			s->line_len = 0;
		} else if (c != '\r') {
			s->line_len++;
		}
	}
	if (s->body_8bit)
		return;
	for (; i < len; i++) {
		if (p[i] >= 0x80) {
			s->body_8bit = true;
			return;
		}
	}
}

static bool
has_8bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/* the A-label form of addr's domain when only the domain is non-ASCII
 * (malloc'd), else NULL: addr goes as it is */
static char *
addr_ascii_domain(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	char *d;

	if (at == NULL || has_8bit(addr, (size_t)(at - addr)) ||
	    !has_8bit(at + 1, strlen(at + 1)) ||
	    (d = idn_to_ascii(at + 1)) == NULL)
		return NULL;
	return d;
}

bool
smtp_addr_is_utf8(const char *addr)
{
	char *d = addr_ascii_domain(addr);

	free(d);
	return d == NULL && addr != NULL && has_8bit(addr, strlen(addr));
}

void
smtp_addr_put(struct buf *b, const char *addr)
{
	char *d = addr_ascii_domain(addr);

	if (d == NULL) {
		buf_append_str(b, addr);
		return;
	}
	buf_printf(b, "%.*s@%s", (int)(strrchr(addr, '@') - addr), addr, d);
	free(d);
}
