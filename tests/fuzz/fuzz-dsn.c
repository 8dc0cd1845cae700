/* fuzz-dsn.c - libFuzzer harness for what the relay does with a remote
 * server's answers: the SMTP client's reply parser (smtp-client-reply.c)
 * reads a stream of replies, each becomes a recipient's outcome as in
 * relay-worker.c (class 5 failed, 4 delayed, 2 relayed; enhanced code or
 * a default status; the formatted reply as the Diagnostic-Code), and
 * dsn_build() writes the RFC 3464 report around a hostile original.
 *
 * Input: byte 0 picks RET and the original's size; then the reply
 * stream, NUL, the recipient's ORCPT and address (one line each), NUL,
 * the original message. Checks: the report parses as multipart/report
 * with the notification, a message/delivery-status part and the
 * original; the parts tern writes (1 and 2) are CRLF lines of at most
 * 998 bytes, without NUL or control characters, in valid UTF-8, the
 * delivery-status fields are "Name: value" lines and each Status an
 * RFC 3463 code. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/utf8.h"
#include "mime/mime.h"
#include "relay/dsn.h"
#include "relay/smtp-client-reply.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct orig {
	const uint8_t *p;
	size_t len;
};

static ssize_t
orig_read(void *vctx, void *buf, size_t len, uint64_t off)
{
	struct orig *o = vctx;
	size_t n;

	if (off >= o->len)
		return 0;
	n = o->len - (size_t)off;
	if (n > len)
		n = len;
	/* short reads, as a file may give */
	if (n > 7)
		n = n / 2 + 1;
	memcpy(buf, o->p + off, n);
	return (ssize_t)n;
}

/* [start, end) of part path[0] of the report */
static bool
part(const struct mime_summary *ms, uint32_t n, struct mime_part_loc *loc)
{
	return mime_part_find(ms->partmap.data, ms->partmap.len, &n, 1, loc);
}

static bool
utf8_valid(const unsigned char *p, size_t len)
{
	uint32_t cp;

	for (size_t i = 0, k; i < len; i += k)
		if ((k = utf8_next(p + i, len - i, &cp)) == 0)
			return false;
	return true;
}

/* RFC 3463: class "." subject "." detail, 1-3 digits each, class 2/4/5 */
static void
check_status(const unsigned char *p, size_t len)
{
	size_t i = 0;

	if (len < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') ||
	    p[1] != '.')
		abort();
	i = 2;
	for (int part = 0; part < 2; part++) {
		size_t d = 0;

		while (i < len && p[i] >= '0' && p[i] <= '9' && d < 4) {
			i++;
			d++;
		}
		if (d == 0 || d > 3)
			abort();
		if (part == 0 && (i >= len || p[i++] != '.'))
			abort();
	}
	if (i != len)
		abort();
}

/* the lines of a part; the last one's CRLF belongs to the boundary */
static void
check_lines(const unsigned char *p, size_t len, bool fields)
{
	size_t i = 0;

	if (!utf8_valid(p, len))
		abort();
	while (i < len) {
		const unsigned char *nl = memchr(p + i, '\n', len - i);
		size_t ll;

		if (nl == NULL) {
			ll = len - i + 1;	/* as if CRLF followed */
			if (ll - 1 > 998)
				abort();
			for (size_t k = i; k < len; k++)
				if ((p[k] < 0x20 && p[k] != '\t') ||
				    p[k] == 0x7f)
					abort();
			break;
		}
		ll = (size_t)(nl - (p + i));
		if (ll == 0 || p[i + ll - 1] != '\r' || ll - 1 > 998)
			abort();
		for (size_t k = i; k < i + ll - 1; k++)
			if ((p[k] < 0x20 && p[k] != '\t') || p[k] == 0x7f)
				abort();
		if (fields && ll > 1) {
			const unsigned char *c = memchr(p + i, ':', ll - 1);

			if (c == NULL || c == p + i || c[1] != ' ')
				abort();
			for (const unsigned char *q = p + i; q < c; q++)
				if (!((*q >= 'A' && *q <= 'Z') ||
				      (*q >= 'a' && *q <= 'z') || *q == '-'))
					abort();
			if (c - (p + i) == 6 && memcmp(p + i, "Status", 6) == 0)
				check_status(c + 2, ll - 1 - 8);
		}
		i += ll + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply reply;
	struct dsn_rcpt r[8];
	struct buf diag[8], out = BUF_INIT;
	char *orcpt = NULL, *addr = NULL;
	struct orig o = { NULL, 0 };
	struct dsn_msg m;
	struct mime_summary ms;
	struct mime_part_loc loc;
	const uint8_t *z1, *z2 = NULL, *rs;
	size_t rlen, pos = 0, used, n = 0;
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	rs = data + 1;
	rlen = size - 1;
	z1 = memchr(rs, '\0', rlen);
	if (z1 != NULL) {
		const uint8_t *x = z1 + 1, *end = data + size, *nl;

		rlen = (size_t)(z1 - rs);
		z2 = memchr(x, '\0', (size_t)(end - x));
		if (z2 == NULL)
			z2 = end;
		nl = memchr(x, '\n', (size_t)(z2 - x));
		orcpt = strndup((const char *)x,
				(size_t)((nl ? nl : z2) - x));
		if (nl != NULL)
			addr = strndup((const char *)nl + 1,
				       (size_t)(z2 - nl - 1));
		if (z2 < end) {
			o.p = z2 + 1;
			o.len = (size_t)(end - z2 - 1);
		}
	}
	smtp_reply_init(&reply);
	while (n < 8 && pos < rlen &&
	       smtp_reply_parse(rs + pos, rlen - pos, &reply, &used) ==
	       SMTP_REPLY_OK) {
		struct dsn_rcpt *d = &r[n];
		int cls = smtp_reply_class(&reply);

		pos += used;
		if (cls == 3)
			continue;
		memset(d, 0, sizeof(*d));
		diag[n] = (struct buf)BUF_INIT;
		smtp_reply_format(&reply, &diag[n]);
		buf_append_byte(&diag[n], '\0');
		d->address = addr && n == 0 ? addr : "rcpt@example.net";
		d->orcpt = n == 0 ? orcpt : NULL;
		d->action = cls == 5 ? DSN_FAILED : cls == 4 ? DSN_DELAYED :
			    DSN_RELAYED;
		d->status = reply.enh[0] ? reply.enh :
			    cls == 5 ? "5.0.0" : cls == 4 ? "4.0.0" : "2.0.0";
		d->status = strdup(d->status);
		d->remote_mta = flags & 1 ? "mx.example.net" : NULL;
		d->diag = (const char *)diag[n].data;
		d->diag_smtp = true;
		d->last_attempt = 1700000000;
		d->retry_until = 1700400000;
		n++;
	}
	smtp_reply_free(&reply);
	if (n > 0) {
		memset(&m, 0, sizeof(m));
		m.reporting_mta = "mail.example.org";
		m.sender = "sender@example.org";
		m.envid = orcpt;
		m.ret = flags & 2 ? STORE_RET_FULL : STORE_RET_HDRS;
		m.arrival = 1699990000;
		m.now = 1700000000;
		m.size = flags & 4 ? (uint64_t)DSN_MAX_FULL + 1 : o.len;
		m.read = orig_read;
		m.read_ctx = &o;
		if (dsn_build(&m, r, n, &out) < 0)
			abort();
		mime_summary_init(&ms);
		mime_summarize(out.data, out.len, NULL, &ms);
		if (!part(&ms, 1, &loc) || loc.is_multipart)
			abort();
		check_lines(out.data + loc.header_start,
			    (size_t)(loc.body_end - loc.header_start), false);
		if (!part(&ms, 2, &loc) ||
		    loc.subtype.len != 15 ||
		    memcmp(loc.subtype.p, "delivery-status", 15) != 0)
			abort();
		check_lines(out.data + loc.body_start,
			    (size_t)(loc.body_end - loc.body_start), true);
		if (!part(&ms, 3, &loc) || part(&ms, 4, &loc))
			abort();
		mime_summary_free(&ms);
	}
	for (size_t i = 0; i < n; i++) {
		free((char *)r[i].status);
		buf_free(&diag[i]);
	}
	buf_free(&out);
	free(orcpt);
	free(addr);
	return 0;
}
