/* mime-msgid.c - message-id lists (RFC 5322 3.6.4) for References and
 * In-Reply-To, as IMAP THREAD=REFERENCES (RFC 5256) reads them */
#include "mime/mime-private.h"

#include <stdlib.h>
#include <string.h>

static bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* skip_comment - p[i] is '('; the index after the comment */
static size_t
skip_comment(const unsigned char *p, size_t len, size_t i)
{
	int depth = 0;

	for (; i < len; i++) {
		if (p[i] == '\\' && i + 1 < len)
			i++;
		else if (p[i] == '(')
			depth++;
		else if (p[i] == ')' && --depth == 0)
			return i + 1;
	}
	return len;
}

void
mime_msgid_parse(const unsigned char *p, size_t len, struct mime_msgids *out)
{
	size_t i = 0;

	while (i < len) {
		size_t s;
		struct buf id = BUF_INIT;
		bool at = false, ok = true;

		if (p[i] == '(') {
			i = skip_comment(p, len, i);
			continue;
		}
		if (p[i] != '<') {
			i++;
			continue;
		}
		/* "<" id-left "@" id-right ">", whitespace (obsolete folding)
		 * and quotes dropped; no '<' or '>' inside */
		for (s = i + 1; s < len && p[s] != '>'; s++) {
			if (p[s] == '<' || p[s] == '\0') {
				ok = false;
				break;
			}
			if (p[s] == '@')
				at = true;
			if (!is_ws(p[s]) && p[s] != '"')
				buf_append_byte(&id, p[s]);
		}
		if (ok && s < len && at && id.len > 2 && id.data[0] != '@' &&
		    id.data[id.len - 1] != '@') {
			out->v = mime_grow(out->v, out->n, sizeof(*out->v));
			out->v[out->n++] = buf_steal(&id);
			i = s + 1;
		} else {
			buf_free(&id);
			i = s < len && p[s] == '<' ? s : s + 1;
		}
	}
}

void
mime_msgid_free(struct mime_msgids *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
