/* sieve-lex.c - the Sieve lexer (RFC 5228 2): identifiers, tags,
 * numbers with K/M/G, quoted strings, text: multi-line strings, comments */
#include "sieve/sieve-private.h"

#include <stdio.h>
#include <string.h>

void
sieve_lex_init(struct sieve_lexer *lx, const char *text, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->p = text;
	lx->end = text + len;
	lx->line = 1;
	lx->col = 1;
	buf_init(&lx->text);
}

void
sieve_lex_free(struct sieve_lexer *lx)
{
	buf_free(&lx->text);
}

static void
adv(struct sieve_lexer *lx)
{
	if (*lx->p == '\n') {
		lx->line++;
		lx->col = 1;
	} else {
		lx->col++;
	}
	lx->p++;
}

static bool
lex_error(struct sieve_lexer *lx, const char *msg)
{
	snprintf(lx->err, sizeof(lx->err), "%s", msg);
	lx->tok = TOK_ERROR;
	return false;
}

/* whitespace and comments; false on an unterminated comment */
static bool
skip_space(struct sieve_lexer *lx)
{
	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			adv(lx);
		} else if (c == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				adv(lx);
		} else if (c == '/' && lx->end - lx->p > 1 && lx->p[1] == '*') {
			unsigned l = lx->line, col = lx->col;

			adv(lx);
			adv(lx);
			for (;;) {
				if (lx->p >= lx->end) {
					lx->tline = l;
					lx->tcol = col;
					return lex_error(lx, "unterminated comment");
				}
				if (*lx->p == '*' && lx->end - lx->p > 1 &&
				    lx->p[1] == '/') {
					adv(lx);
					adv(lx);
					break;
				}
				adv(lx);
			}
		} else {
			break;
		}
	}
	return true;
}

static bool
is_ident_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident(char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static void
lex_quoted(struct sieve_lexer *lx)
{
	adv(lx);
	for (;;) {
		if (lx->p >= lx->end) {
			lex_error(lx, "unterminated quoted string");
			return;
		}
		char c = *lx->p;
		if (c == '"') {
			adv(lx);
			break;
		}
		if (c == '\\') {
			adv(lx);
			if (lx->p >= lx->end)
				continue;
			c = *lx->p;
		}
		buf_append_byte(&lx->text, (unsigned char)c);
		adv(lx);
	}
	lx->tok = TOK_STRING;
}

/* text: [ws] [#comment] CRLF, then lines up to "." CRLF, dot-stuffed */
static void
lex_multiline(struct sieve_lexer *lx)
{
	for (int i = 0; i < 5; i++)
		adv(lx);
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'))
		adv(lx);
	if (lx->p < lx->end && *lx->p == '#')
		while (lx->p < lx->end && *lx->p != '\n')
			adv(lx);
	if (lx->p < lx->end && *lx->p == '\r')
		adv(lx);
	if (lx->p >= lx->end || *lx->p != '\n') {
		lex_error(lx, "text: must be followed by the end of the line");
		return;
	}
	adv(lx);
	for (;;) {
		const char *ls = lx->p, *le;

		if (ls >= lx->end) {
			lex_error(lx, "unterminated multi-line string (missing \".\" line)");
			return;
		}
		le = memchr(ls, '\n', (size_t)(lx->end - ls));
		if (le == NULL)
			le = lx->end;
		size_t n = (size_t)(le - ls);
		if (n && ls[n - 1] == '\r')
			n--;
		if (n == 1 && ls[0] == '.') {
			while (lx->p < le)
				adv(lx);
			if (lx->p < lx->end)
				adv(lx);
			break;
		}
		if (n && ls[0] == '.' && ls[1] == '.') {
			ls++;
			n--;
		}
		buf_append(&lx->text, ls, n);
		buf_append(&lx->text, "\r\n", 2);
		while (lx->p < le)
			adv(lx);
		if (lx->p < lx->end)
			adv(lx);
	}
	lx->tok = TOK_STRING;
}

static void
lex_number(struct sieve_lexer *lx)
{
	uint64_t v = 0;

	while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
		unsigned d = (unsigned)(*lx->p - '0');
		if (v > (UINT64_MAX - d) / 10) {
			lex_error(lx, "number too large");
			return;
		}
		v = v * 10 + d;
		adv(lx);
	}
	if (lx->p < lx->end) {
		unsigned shift = 0;
		switch (*lx->p) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		}
		if (shift) {
			if (v > (UINT64_MAX >> shift)) {
				lex_error(lx, "number too large");
				return;
			}
			v <<= shift;
			adv(lx);
		}
	}
	if (lx->p < lx->end && is_ident(*lx->p)) {
		lex_error(lx, "bad number");
		return;
	}
	lx->num = v;
	lx->tok = TOK_NUMBER;
}

void
sieve_lex_next(struct sieve_lexer *lx)
{
	buf_reset(&lx->text);
	if (!skip_space(lx))
		return;
	lx->tline = lx->line;
	lx->tcol = lx->col;
	if (lx->p >= lx->end) {
		lx->tok = TOK_EOF;
		return;
	}
	char c = *lx->p;
	switch (c) {
	case '[': lx->tok = TOK_LBRACKET; adv(lx); return;
	case ']': lx->tok = TOK_RBRACKET; adv(lx); return;
	case '(': lx->tok = TOK_LPAREN; adv(lx); return;
	case ')': lx->tok = TOK_RPAREN; adv(lx); return;
	case '{': lx->tok = TOK_LBRACE; adv(lx); return;
	case '}': lx->tok = TOK_RBRACE; adv(lx); return;
	case ',': lx->tok = TOK_COMMA; adv(lx); return;
	case ';': lx->tok = TOK_SEMI; adv(lx); return;
	case '"': lex_quoted(lx); return;
	}
	if (c >= '0' && c <= '9') {
		lex_number(lx);
		return;
	}
	if (c == ':') {
		adv(lx);
		if (lx->p >= lx->end || !is_ident_start(*lx->p)) {
			lex_error(lx, "bad tag");
			return;
		}
		while (lx->p < lx->end && is_ident(*lx->p)) {
			buf_append_byte(&lx->text, (unsigned char)*lx->p);
			adv(lx);
		}
		lx->tok = TOK_TAG;
		return;
	}
	if (is_ident_start(c)) {
		if (lx->end - lx->p >= 5 && strncasecmp(lx->p, "text:", 5) == 0) {
			lex_multiline(lx);
			return;
		}
		while (lx->p < lx->end && is_ident(*lx->p)) {
			buf_append_byte(&lx->text, (unsigned char)*lx->p);
			adv(lx);
		}
		lx->tok = TOK_IDENT;
		return;
	}
	char msg[64];
	if ((unsigned char)c >= 0x20 && (unsigned char)c < 0x7f)
		snprintf(msg, sizeof(msg), "unexpected character '%c'", c);
	else
		snprintf(msg, sizeof(msg), "unexpected character 0x%02x",
			 (unsigned char)c);
	lex_error(lx, msg);
}
