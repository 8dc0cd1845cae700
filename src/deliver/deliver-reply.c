/* deliver-reply.c - the vacation reply (RFC 5230 5): From the recipient
 * (or :from), To the sender, the script's Subject, In-Reply-To and
 * References of the original, Auto-Submitted: auto-replied (RFC 3834),
 * the reason as text/plain or (:mime) as the MIME entity it is */
#include "deliver/deliver-private.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "lib/base64.h"
#include "lib/conf.h"
#include "lib/utf8.h"
#include "relay/dsn.h"

/* a header value from script or message: one line, no controls */
static void
deliver_reply_text(struct buf *out, const char *s)
{
	for (; s && *s; s++)
		buf_append_byte(out, (unsigned char)*s < 32 ? ' ' : *s);
}

/* RFC 2047 B words when the text is not plain ASCII, cut between
 * characters so each word stays short */
static void
deliver_reply_subject(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	bool ascii = true;

	for (size_t k = 0; k < len; k++)
		if (p[k] >= 127 || p[k] < 32)
			ascii = false;
	if (ascii) {
		buf_append(out, s, len);
		return;
	}
	while (i < len) {
		size_t start = i, k;
		uint32_t cp;

		while (i < len && i - start < 45) {
			k = utf8_next(p + i, len - i, &cp);
			i += k ? k : 1;
		}
		buf_append_str(out, start ? "\r\n =?utf-8?B?" : "=?utf-8?B?");
		base64_encode(out, p + start, i - start);
		buf_append_str(out, "?=");
	}
}

/* text with any line ends as CRLF lines */
static void
deliver_reply_crlf(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\r' && s[1] == '\n')
			continue;
		if (*s == '\n' || *s == '\r')
			buf_append_str(out, "\r\n");
		else
			buf_append_byte(out, (unsigned char)*s);
	}
	if (out->len < 2 || out->data[out->len - 1] != '\n')
		buf_append_str(out, "\r\n");
}

static void
deliver_reply_address(struct buf *out, const char *name, const char *addr)
{
	buf_printf(out, "%s: ", name);
	if (strchr(addr, '<')) {
		deliver_reply_text(out, addr);	/* "Name <a@b>" as written */
	} else {
		buf_append_byte(out, '<');
		deliver_reply_text(out, addr);
		buf_append_byte(out, '>');
	}
	buf_append_str(out, "\r\n");
}

void
deliver_reply_build(const struct deliver_sieve *d,
		    const struct deliver_vacation *v, struct buf *out)
{
	const struct sieve_action *a = v->a;
	const struct deliver_unit *u = &d->units[v->unit];
	const unsigned char *orig = d->msg.data + d->headroom;
	struct buf msgid = BUF_INIT, refs = BUF_INIT;
	unsigned char rnd[8];
	char date[64];

	deliver_reply_address(out, "From", a->vacation_from &&
			      a->vacation_from[0] ? a->vacation_from :
			      u->address);
	deliver_reply_address(out, "To", a->vacation_to);
	buf_append_str(out, "Subject: ");
	deliver_reply_subject(out, a->vacation_subject ?
			      a->vacation_subject : "Auto: ");
	buf_append_str(out, "\r\n");
	dsn_date((int64_t)time(NULL), date, sizeof(date));
	buf_printf(out, "Date: %s\r\n", date);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		memset(rnd, 0, sizeof(rnd));
	buf_printf(out, "Message-ID: <vacation.%s.", d->id);
	for (size_t i = 0; i < sizeof(rnd); i++)
		buf_printf(out, "%02x", rnd[i]);
	buf_printf(out, "@%s>\r\n", d->env.conf->hostname);
	if (deliver_header(orig, d->len, "Message-ID", &msgid) &&
	    msgid.len > 0) {
		buf_append_str(out, "In-Reply-To: ");
		deliver_reply_text(out, buf_cstr(&msgid));
		buf_append_str(out, "\r\nReferences: ");
		if (deliver_header(orig, d->len, "References", &refs) &&
		    refs.len > 0) {
			deliver_reply_text(out, buf_cstr(&refs));
			buf_append_str(out, "\r\n ");
		}
		deliver_reply_text(out, buf_cstr(&msgid));
		buf_append_str(out, "\r\n");
	}
	buf_append_str(out, "Auto-Submitted: auto-replied (vacation)\r\n"
		       "MIME-Version: 1.0\r\n");
	if (!a->vacation_mime)
		buf_append_str(out, "Content-Type: text/plain; charset=utf-8"
			       "\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
	/* :mime: the reason is the entity, its own fields first */
	deliver_reply_crlf(out, a->reason ? a->reason : "");
	buf_free(&msgid);
	buf_free(&refs);
}
