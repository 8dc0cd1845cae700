/* mime-decode.c - content-transfer-encodings: quoted-printable, base64 */
#include "mime/mime.h"
#include "lib/base64.h"
#include "lib/hex.h"

#include <string.h>

enum {
	QP_NORMAL = 0,
	QP_CR,          /* saw CR */
	QP_EQ,          /* saw '=' */
	QP_EQ1,         /* saw '=' and one hex digit (in pend[0]) */
	QP_EQWS,        /* saw '=' then whitespace (in ws) */
	QP_EQCR,        /* saw '=' [whitespace] CR */
};

/* a long whitespace run is flushed rather than held back */
#define QP_WS_MAX 1024

enum mime_cte
mime_cte_parse(const unsigned char *p, size_t len)
{
	struct slice s = slice_trim((struct slice){ p, len });

	if (s.len == 0 || slice_case_eq_cstr(s, "7bit"))
		return MIME_CTE_7BIT;
	if (slice_case_eq_cstr(s, "8bit"))
		return MIME_CTE_8BIT;
	if (slice_case_eq_cstr(s, "binary"))
		return MIME_CTE_BINARY;
	if (slice_case_eq_cstr(s, "quoted-printable"))
		return MIME_CTE_QP;
	if (slice_case_eq_cstr(s, "base64"))
		return MIME_CTE_BASE64;
	return MIME_CTE_UNKNOWN;
}

const char *
mime_cte_name(enum mime_cte cte)
{
	switch (cte) {
	case MIME_CTE_7BIT:
		return "7bit";
	case MIME_CTE_8BIT:
		return "8bit";
	case MIME_CTE_BINARY:
		return "binary";
	case MIME_CTE_QP:
		return "quoted-printable";
	case MIME_CTE_BASE64:
		return "base64";
	case MIME_CTE_UNKNOWN:
		break;
	}
	return "x-unknown";
}

void
mime_decoder_init(struct mime_decoder *d, enum mime_cte cte)
{
	memset(d, 0, sizeof(*d));
	d->cte = cte;
	buf_init(&d->ws);
}

static void
qp_flush_ws(struct mime_decoder *d, struct buf *out)
{
	buf_append(out, d->ws.data, d->ws.len);
	buf_reset(&d->ws);
}

/* mime_decoder_qp_byte - one step of the quoted-printable state machine */
static void
qp_byte(struct mime_decoder *d, unsigned char c, struct buf *out)
{
	int h;

again:
	switch (d->state) {
	case QP_NORMAL:
		if (c == ' ' || c == '\t') {
			if (d->ws.len >= QP_WS_MAX)
				qp_flush_ws(d, out);
			buf_append_byte(&d->ws, c);
		} else if (c == '\r') {
			d->state = QP_CR;
		} else if (c == '\n') {
			/* trailing whitespace is transport padding */
			buf_reset(&d->ws);
			buf_append_byte(out, '\n');
		} else if (c == '=') {
			qp_flush_ws(d, out);
			d->state = QP_EQ;
		} else {
			qp_flush_ws(d, out);
			buf_append_byte(out, c);
		}
		return;
	case QP_CR:
		d->state = QP_NORMAL;
		if (c == '\n') {
			buf_reset(&d->ws);
			buf_append(out, "\r\n", 2);
			return;
		}
		qp_flush_ws(d, out);
		buf_append_byte(out, '\r');
		goto again;
	case QP_EQ:
		if (hex_digit(c) >= 0) {
			d->pend[0] = c;
			d->state = QP_EQ1;
		} else if (c == ' ' || c == '\t') {
			buf_append_byte(&d->ws, c);
			d->state = QP_EQWS;
		} else if (c == '\r') {
			d->state = QP_EQCR;
		} else if (c == '\n') {
			d->state = QP_NORMAL;   /* soft line break */
		} else {
			buf_append_byte(out, '=');
			d->state = QP_NORMAL;
			goto again;
		}
		return;
	case QP_EQ1:
		d->state = QP_NORMAL;
		h = hex_digit(c);
		if (h >= 0) {
			buf_append_byte(out,
			    (unsigned char)(hex_digit(d->pend[0]) << 4 | h));
			return;
		}
		buf_append_byte(out, '=');
		buf_append_byte(out, d->pend[0]);
		goto again;
	case QP_EQWS:
		if ((c == ' ' || c == '\t') && d->ws.len < QP_WS_MAX) {
			buf_append_byte(&d->ws, c);
			return;
		}
		if (c == '\r') {
			d->state = QP_EQCR;
			return;
		}
		if (c == '\n') {
			buf_reset(&d->ws);
			d->state = QP_NORMAL;
			return;
		}
		buf_append_byte(out, '=');
		qp_flush_ws(d, out);
		d->state = QP_NORMAL;
		goto again;
	case QP_EQCR:
		d->state = QP_NORMAL;
		if (c == '\n') {
			buf_reset(&d->ws);
			return;
		}
		buf_append_byte(out, '=');
		qp_flush_ws(d, out);
		buf_append_byte(out, '\r');
		goto again;
	}
}

void
mime_decoder_feed(struct mime_decoder *d, const unsigned char *p, size_t len,
		  struct buf *out)
{
	switch (d->cte) {
	case MIME_CTE_QP:
		for (size_t i = 0; i < len; i++)
			qp_byte(d, p[i], out);
		return;
	case MIME_CTE_BASE64:
		for (size_t i = 0; i < len && !d->done; i++) {
			unsigned char c = p[i];
			int v;

			if (c == '=') {
				d->done = true;
				break;
			}
			if (c >= 'A' && c <= 'Z')
				v = c - 'A';
			else if (c >= 'a' && c <= 'z')
				v = c - 'a' + 26;
			else if (c >= '0' && c <= '9')
				v = c - '0' + 52;
			else if (c == '+')
				v = 62;
			else if (c == '/')
				v = 63;
			else
				continue;
			d->bits = (d->bits << 6 | (unsigned)v) & 0xffffff;
			d->nbits += 6;
			if (d->nbits >= 8) {
				d->nbits -= 8;
				buf_append_byte(out,
				    (unsigned char)(d->bits >> d->nbits));
			}
		}
		return;
	default:
		buf_append(out, p, len);
		return;
	}
}

void
mime_decoder_finish(struct mime_decoder *d, struct buf *out)
{
	if (d->cte == MIME_CTE_QP) {
		switch (d->state) {
		case QP_CR:
			qp_flush_ws(d, out);
			buf_append_byte(out, '\r');
			break;
		case QP_EQ1:
			buf_append_byte(out, '=');
			buf_append_byte(out, d->pend[0]);
			break;
		default:
			/* trailing whitespace, a final soft break: dropped */
			break;
		}
	}
	buf_free(&d->ws);
	d->state = QP_NORMAL;
}

void
mime_decode_qp(const unsigned char *p, size_t len, struct buf *out)
{
	struct mime_decoder d;

	mime_decoder_init(&d, MIME_CTE_QP);
	mime_decoder_feed(&d, p, len, out);
	mime_decoder_finish(&d, out);
}

void
mime_decode_base64(const unsigned char *p, size_t len, struct buf *out)
{
	base64_decode_lenient(out, p, len);
}

void
mime_decode(enum mime_cte cte, const unsigned char *p, size_t len,
	    struct buf *out)
{
	if (cte == MIME_CTE_QP)
		mime_decode_qp(p, len, out);
	else if (cte == MIME_CTE_BASE64)
		mime_decode_base64(p, len, out);
	else
		buf_append(out, p, len);
}

uint64_t
mime_decoded_size(enum mime_cte cte, const unsigned char *p, size_t len)
{
	struct mime_decoder d;
	struct buf tmp = BUF_INIT;
	uint64_t total = 0;
	const size_t chunk = 65536;

	if (cte != MIME_CTE_QP && cte != MIME_CTE_BASE64)
		return len;
	mime_decoder_init(&d, cte);
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		mime_decoder_feed(&d, p + off, n, &tmp);
		total += tmp.len;
		buf_reset(&tmp);
	}
	mime_decoder_finish(&d, &tmp);
	total += tmp.len;
	buf_free(&tmp);
	return total;
}
