/* managesieve-parse.c - ManageSieve command lines (RFC 5804 4):
 * command name, quoted strings, literals, numbers (contract in
 * managesieve-parse.h) */
#include "managesieve/managesieve-parse.h"

#include <string.h>

void
ms_parser_init(struct ms_parser *p)
{
	memset(p, 0, sizeof(*p));
}

void
ms_parser_free(struct ms_parser *p)
{
	for (size_t i = 0; i < MS_MAX_ARGS; i++)
		buf_free(&p->cmd.args[i].str);
	memset(p, 0, sizeof(*p));
}

void
ms_parser_reset(struct ms_parser *p, bool response)
{
	for (size_t i = 0; i < MS_MAX_ARGS; i++) {
		struct ms_arg *a = &p->cmd.args[i];

		if (a->str.cap > 64 * 1024)	/* a script: not kept idle */
			buf_free(&a->str);
		buf_reset(&a->str);
		a->kind = MS_ARG_STRING;
		a->num = 0;
		a->skipped = false;
		a->literal_len = 0;
	}
	p->cmd.name[0] = '\0';
	p->cmd.nargs = 0;
	p->response = response;
	p->open = false;
	p->want = 0;
	p->error = NULL;
}

/* a 32-bit number (RFC 5804 4: number) at line[*pos] */
static bool
parse_number(const unsigned char *line, size_t len, size_t *pos,
	     uint64_t *n_r)
{
	uint64_t n = 0;
	size_t i = *pos;

	if (i >= len || line[i] < '0' || line[i] > '9')
		return false;
	for (; i < len && line[i] >= '0' && line[i] <= '9'; i++) {
		n = n * 10 + (uint64_t)(line[i] - '0');
		if (n > UINT32_MAX)
			return false;
	}
	*pos = i;
	*n_r = n;
	return true;
}

/* "{" number ["+"] "}" ending the line at start; its size */
static bool
literal_tail(const unsigned char *line, size_t len, size_t start,
	     uint64_t *n_r)
{
	size_t i = start + 1;

	if (start >= len || line[start] != '{' ||
	    !parse_number(line, len, &i, n_r))
		return false;
	if (i < len && line[i] == '+')
		i++;
	return i + 1 == len && line[i] == '}';
}

/* a line refused: read past a literal it announces, then DONE */
static enum ms_parse_result
fail(struct ms_parser *p, const char *why, const unsigned char *line,
     size_t len, uint64_t *literal_r)
{
	const unsigned char *brace = len ? memrchr(line, '{', len) : NULL;
	uint64_t n;

	if (p->error == NULL)
		p->error = why;
	if (brace != NULL &&
	    literal_tail(line, len, (size_t)(brace - line), &n)) {
		p->open = true;
		p->want = n;
		*literal_r = n;
		return MS_PARSE_LITERAL;
	}
	p->open = false;
	return MS_PARSE_DONE;
}

static bool
parse_quoted(struct ms_arg *a, const unsigned char *line, size_t len,
	     size_t *pos)
{
	size_t i = *pos + 1;

	for (; i < len && line[i] != '"'; i++) {
		unsigned char c = line[i];

		if (c == '\\') {
			if (++i == len || (line[i] != '\\' && line[i] != '"'))
				return false;
			c = line[i];
		} else if (c == '\0' || c == '\r' || c == '\n') {
			return false;
		}
		if (a->str.len >= MS_MAX_QUOTED)
			return false;
		buf_append_byte(&a->str, c);
	}
	if (i == len)
		return false;
	*pos = i + 1;
	return true;
}

enum ms_parse_result
ms_parse_line(struct ms_parser *p, const unsigned char *line, size_t len,
	      uint64_t *literal_r)
{
	size_t pos = 0;

	*literal_r = 0;
	if (p->error != NULL)	/* the rest of a refused command */
		return fail(p, NULL, line, len, literal_r);
	if (!p->open && !p->response) {
		size_t n = 0;

		while (pos < len && ((line[pos] | 0x20) >= 'a' &&
				     (line[pos] | 0x20) <= 'z')) {
			if (n + 1 >= MS_MAX_NAME)
				return fail(p, "Unknown command", line, len,
					    literal_r);
			p->cmd.name[n++] = (char)(line[pos++] & ~0x20);
		}
		p->cmd.name[n] = '\0';
		if (n == 0)
			return fail(p, "Expected a command name", line, len,
				    literal_r);
	}
	p->open = false;
	while (pos < len) {
		struct ms_arg *a;

		/* strings are separated by one space; a SASL response
		 * starts with its string */
		if (!(p->response && p->cmd.nargs == 0 && pos == 0)) {
			if (line[pos] != ' ' || ++pos == len)
				return fail(p, "Expected a space and an "
					    "argument", line, len, literal_r);
		}
		if (p->cmd.nargs == MS_MAX_ARGS)
			return fail(p, "Too many arguments", line, len,
				    literal_r);
		a = &p->cmd.args[p->cmd.nargs];
		if (line[pos] == '"') {
			a->kind = MS_ARG_STRING;
			if (!parse_quoted(a, line, len, &pos))
				return fail(p, "Bad quoted string", line, len,
					    literal_r);
		} else if (line[pos] == '{') {
			uint64_t n;

			if (!literal_tail(line, len, pos, &n))
				return fail(p, "Bad literal", line, len,
					    literal_r);
			a->kind = MS_ARG_STRING;
			a->literal_len = n;
			p->cmd.nargs++;
			p->open = true;
			p->want = n;
			*literal_r = n;
			return MS_PARSE_LITERAL;
		} else if (line[pos] >= '0' && line[pos] <= '9') {
			a->kind = MS_ARG_NUMBER;
			if (!parse_number(line, len, &pos, &a->num))
				return fail(p, "Bad number", line, len,
					    literal_r);
		} else {
			return fail(p, "Expected a string or a number", line,
				    len, literal_r);
		}
		p->cmd.nargs++;
	}
	if (p->response && p->cmd.nargs == 0)
		return fail(p, "Expected a string", line, len, literal_r);
	return MS_PARSE_DONE;
}

size_t
ms_parse_literal(struct ms_parser *p, const void *data, size_t len)
{
	struct ms_arg *a;
	size_t n = len < p->want ? len : (size_t)p->want;

	if (n == 0)
		return 0;
	p->want -= n;
	if (p->error != NULL || p->cmd.nargs == 0)
		return n;
	a = &p->cmd.args[p->cmd.nargs - 1];
	if (!a->skipped)
		buf_append(&a->str, data, n);
	return n;
}

void
ms_parse_literal_skip(struct ms_parser *p)
{
	struct ms_arg *a;

	if (p->cmd.nargs == 0)
		return;
	a = &p->cmd.args[p->cmd.nargs - 1];
	a->skipped = true;
	buf_free(&a->str);
}

const char *
ms_arg_cstr(struct ms_command *c, size_t i)
{
	struct ms_arg *a;

	if (i >= c->nargs)
		return NULL;
	a = &c->args[i];
	if (a->kind != MS_ARG_STRING || a->skipped)
		return NULL;
	if (a->str.len && memchr(a->str.data, '\0', a->str.len) != NULL)
		return NULL;
	return buf_cstr(&a->str);
}
