/* smtp-client-reply.c - multi-line reply and EHLO keyword parser */
#include "relay/smtp-client-reply.h"

#include <ctype.h>
#include <string.h>

void
smtp_reply_init(struct smtp_reply *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->text);
}

void
smtp_reply_free(struct smtp_reply *r)
{
	buf_free(&r->text);
	memset(r, 0, sizeof(*r));
}

/* "x.y.z " at the start of text: class 2/4/5, subject 1-3 digits,
 * detail 1-3 digits (RFC 3463). Returns its length (without the
 * space) or 0. */
static size_t
smtp_reply_enh_len(const unsigned char *p, size_t len, int code_class)
{
	size_t i = 0, d;

	if (len < 5 || p[0] - '0' != code_class || p[1] != '.')
		return 0;
	i = 2;
	for (d = 0; i < len && isdigit(p[i]) && d < 3; i++, d++)
		;
	if (d == 0 || i >= len || p[i] != '.')
		return 0;
	i++;
	for (d = 0; i < len && isdigit(p[i]) && d < 3; i++, d++)
		;
	if (d == 0 || (i < len && p[i] != ' '))
		return 0;
	return i;
}

enum smtp_reply_result
smtp_reply_parse(const unsigned char *data, size_t len, struct smtp_reply *r,
		 size_t *consumed)
{
	size_t pos = 0, nlines = 0;
	int code = -1;

	buf_reset(&r->text);
	r->enh[0] = '\0';
	r->code = 0;
	r->nlines = 0;
	if (len == 0)
		return SMTP_REPLY_MORE;
	for (;;) {
		const unsigned char *line = data + pos, *nl;
		size_t avail = len - pos, ll, tl;
		int c;
		bool last;

		if (avail == 0)
			return SMTP_REPLY_MORE;
		nl = memchr(line, '\n', avail > SMTP_REPLY_MAX_LINE ?
			    SMTP_REPLY_MAX_LINE : avail);
		if (nl == NULL) {
			if (avail >= SMTP_REPLY_MAX_LINE)
				return SMTP_REPLY_ERROR;
			return SMTP_REPLY_MORE;
		}
		ll = (size_t)(nl - line);
		if (ll > 0 && line[ll - 1] == '\r')
			ll--;
		if (ll < 3 || !isdigit(line[0]) || !isdigit(line[1]) ||
		    !isdigit(line[2]) || line[0] < '2' || line[0] > '5')
			return SMTP_REPLY_ERROR;
		c = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (code >= 0 && c != code)
			return SMTP_REPLY_ERROR;
		code = c;
		if (ll == 3 || line[3] == ' ')
			last = true;
		else if (line[3] == '-')
			last = false;
		else
			return SMTP_REPLY_ERROR;
		if (++nlines > SMTP_REPLY_MAX_LINES ||
		    pos + ll > SMTP_REPLY_MAX_BYTES)
			return SMTP_REPLY_ERROR;
		tl = ll > 4 ? ll - 4 : 0;
		if (tl > 0) {
			const unsigned char *t = line + 4;
			size_t el = smtp_reply_enh_len(t, tl, code / 100);

			if (el > 0 && el < sizeof(r->enh)) {
				if (r->enh[0] == '\0') {
					memcpy(r->enh, t, el);
					r->enh[el] = '\0';
				}
				t += el;
				tl -= el;
				if (tl > 0 && *t == ' ') {
					t++;
					tl--;
				}
			}
			if (r->text.len > 0)
				buf_append_byte(&r->text, '\n');
			buf_append(&r->text, t, tl);
		} else if (r->text.len > 0) {
			buf_append_byte(&r->text, '\n');
		}
		pos += (size_t)(nl - line) + 1;
		if (last)
			break;
	}
	r->code = code;
	r->nlines = nlines;
	*consumed = pos;
	return SMTP_REPLY_OK;
}

void
smtp_reply_format(const struct smtp_reply *r, struct buf *out)
{
	buf_printf(out, "%d", r->code);
	if (r->enh[0])
		buf_printf(out, " %s", r->enh);
	if (r->text.len > 0) {
		struct buf t = BUF_INIT;

		buf_append(&t, r->text.data, r->text.len);
		for (size_t i = 0; i < t.len; i++)
			if (t.data[i] == '\n')
				t.data[i] = ' ';
		buf_append_byte(out, ' ');
		buf_append_escaped(out, t.data, t.len, 400);
		buf_free(&t);
	}
}

static bool
smtp_word_eq(const unsigned char *p, size_t len, const char *w)
{
	return strlen(w) == len && strncasecmp((const char *)p, w, len) == 0;
}

static void
smtp_ehlo_line(const unsigned char *p, size_t len, struct smtp_ehlo *e)
{
	size_t kw = 0;
	static const struct {
		const char *name;
		unsigned bit;
	} words[] = {
		{ "PIPELINING", SMTP_EXT_PIPELINING },
		{ "SIZE", SMTP_EXT_SIZE },
		{ "8BITMIME", SMTP_EXT_8BITMIME },
		{ "SMTPUTF8", SMTP_EXT_SMTPUTF8 },
		{ "STARTTLS", SMTP_EXT_STARTTLS },
		{ "DSN", SMTP_EXT_DSN },
		{ "ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCED },
		{ "AUTH", SMTP_EXT_AUTH },
		{ "CHUNKING", SMTP_EXT_CHUNKING },
	};

	while (kw < len && p[kw] != ' ' && p[kw] != '=')
		kw++;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (!smtp_word_eq(p, kw, words[i].name))
			continue;
		e->ext |= words[i].bit;
		if (words[i].bit == SMTP_EXT_SIZE && kw < len) {
			struct slice s = { p + kw + 1, len - kw - 1 };
			uint64_t v;

			if (slice_to_u64(slice_trim(s), &v))
				e->size = v;
		}
		if (words[i].bit == SMTP_EXT_AUTH) {
			size_t i2 = kw;

			while (i2 < len) {
				size_t st;

				while (i2 < len && (p[i2] == ' ' || p[i2] == '='))
					i2++;
				st = i2;
				while (i2 < len && p[i2] != ' ')
					i2++;
				if (smtp_word_eq(p + st, i2 - st, "PLAIN"))
					e->auth_plain = true;
				if (smtp_word_eq(p + st, i2 - st, "LOGIN"))
					e->auth_login = true;
			}
		}
	}
}

void
smtp_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e)
{
	const unsigned char *p = r->text.data;
	size_t len = r->text.len, i = 0;
	bool first = true;

	memset(e, 0, sizeof(*e));
	if (r->code != 250)
		return;
	while (i <= len && p != NULL) {
		const unsigned char *nl = memchr(p + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - p) : len;

		if (!first)
			smtp_ehlo_line(p + i, end - i, e);
		first = false;
		if (nl == NULL)
			break;
		i = end + 1;
	}
}
