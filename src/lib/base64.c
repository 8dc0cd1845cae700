/* base64.c - RFC 4648 base64 */
#include "lib/base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

void
base64_encode(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i + 3 <= len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		unsigned char q[4] = { alphabet[v >> 18], alphabet[(v >> 12) & 63],
				       alphabet[(v >> 6) & 63], alphabet[v & 63] };
		buf_append(out, q, 4);
	}
	if (len - i == 1) {
		unsigned v = (unsigned)p[i] << 16;
		unsigned char q[4] = { alphabet[v >> 18], alphabet[(v >> 12) & 63],
				       '=', '=' };
		buf_append(out, q, 4);
	} else if (len - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
		unsigned char q[4] = { alphabet[v >> 18], alphabet[(v >> 12) & 63],
				       alphabet[(v >> 6) & 63], '=' };
		buf_append(out, q, 4);
	}
}

bool
base64_decode(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t start = out->len;

	if (len % 4 != 0)
		return false;
	for (size_t i = 0; i < len; i += 4) {
		int a = b64_value(p[i]), b = b64_value(p[i + 1]);
		int c = p[i + 2] == '=' ? -2 : b64_value(p[i + 2]);
		int d = p[i + 3] == '=' ? -2 : b64_value(p[i + 3]);
		bool last = i + 4 == len;

		if (a < 0 || b < 0 || c == -1 || d == -1 ||
		    (c == -2 && d != -2) || ((c == -2 || d == -2) && !last))
			goto bad;
		buf_append_byte(out, (unsigned char)(a << 2 | b >> 4));
		if (c >= 0)
			buf_append_byte(out, (unsigned char)((b & 15) << 4 | c >> 2));
		if (d >= 0)
			buf_append_byte(out, (unsigned char)((c & 3) << 6 | d));
	}
	return true;
bad:
	buf_truncate(out, start);
	return false;
}

void
base64_decode_lenient(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned v = 0;
	int n = 0;

	for (size_t i = 0; i < len; i++) {
		int x;

		if (p[i] == '=')
			break;
		x = b64_value(p[i]);
		if (x < 0)
			continue;
		v = v << 6 | (unsigned)x;
		if (++n == 4) {
			unsigned char q[3] = { v >> 16, (v >> 8) & 255, v & 255 };
			buf_append(out, q, 3);
			v = 0;
			n = 0;
		}
	}
	if (n == 2) {
		buf_append_byte(out, (unsigned char)(v >> 4));
	} else if (n == 3) {
		unsigned char q[2] = { (v >> 10) & 255, (v >> 2) & 255 };
		buf_append(out, q, 2);
	}
}
