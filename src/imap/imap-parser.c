/* imap-parser.c - incremental IMAP command parser */
#include "imap/imap-parser.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "lib/buf.h"

enum parser_state {
	ST_TAG,
	ST_NAME,
	ST_ARGS,
	ST_LITERAL_DECIDE,	/* waiting for accept/extern/fail */
	ST_LITERAL,		/* copying an accepted literal */
	ST_SKIP,		/* failed: discarding to the command's end */
	ST_SKIP_DONE,		/* failed and at the end: next feed is DONE */
	ST_DONE,
};

/* a node while parsing: a tree in a flat array */
struct node {
	enum imap_arg_type type;
	bool literal8;
	size_t off;		/* string: offset in strs */
	size_t len;		/* string bytes / list children */
	ssize_t first, last;	/* list children */
	ssize_t next;		/* sibling */
};

#define MAX_DEPTH_HARD 256

struct imap_parser {
	struct imap_parser_limits lim;
	enum parser_state state;

	struct buf strs;	/* string bytes, each NUL-terminated */
	struct node *nodes;
	size_t n_nodes, cap_nodes;
	ssize_t top_first, top_last;
	size_t top_count;
	ssize_t stack[MAX_DEPTH_HARD];
	unsigned depth;
	bool need_sep;

	size_t tag_off, name_off;
	bool have_tag, have_name;

	size_t line_bytes;	/* consumed outside literals */
	size_t scanned;		/* of the token at the input's start */
	bool scan_escape;	/* quoted: last scanned byte was '\' */
	int scan_bracket;	/* atom: open '[' seen */

	uint64_t lit_size, lit_left;
	bool lit_sync, lit_binary;

	/* skipping */
	uint64_t skip_left;
	char tail[32];
	size_t tail_len;

	bool failed;
	const char *error;
	const char *error_code;

	/* finished tree */
	struct imap_arg *args;
	size_t n_args, cap_args;
};

static const struct imap_arg eol_arg = { IMAP_ARG_EOL, false, 0, { NULL } };

struct imap_parser *
imap_parser_create(const struct imap_parser_limits *lim)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	imap_parser_set_limits(p, lim);
	imap_parser_reset(p);
	return p;
}

void
imap_parser_destroy(struct imap_parser **pp)
{
	struct imap_parser *p = *pp;

	if (p == NULL)
		return;
	buf_free(&p->strs);
	free(p->nodes);
	free(p->args);
	free(p);
	*pp = NULL;
}

void
imap_parser_set_limits(struct imap_parser *p,
		       const struct imap_parser_limits *lim)
{
	p->lim = *lim;
	if (p->lim.max_depth == 0 || p->lim.max_depth > MAX_DEPTH_HARD)
		p->lim.max_depth = MAX_DEPTH_HARD;
	if (p->lim.max_line == 0)
		p->lim.max_line = 65536;
	if (p->lim.max_args == 0)
		p->lim.max_args = 10000;
}

void
imap_parser_reset(struct imap_parser *p)
{
	p->state = ST_TAG;
	buf_reset(&p->strs);
	p->n_nodes = 0;
	p->top_first = p->top_last = -1;
	p->top_count = 0;
	p->depth = 0;
	p->need_sep = false;
	p->have_tag = p->have_name = false;
	p->line_bytes = 0;
	p->scanned = 0;
	p->scan_escape = false;
	p->scan_bracket = 0;
	p->lit_size = p->lit_left = 0;
	p->skip_left = 0;
	p->tail_len = 0;
	p->failed = false;
	p->error = NULL;
	p->error_code = NULL;
	p->n_args = 0;
}

/* --- character classes --- */

static bool
is_atom_char(unsigned char c)
{
	/* RFC 9051 ATOM-CHAR, plus list-wildcards, quoted-specials '\'
	 * (flags) and ']' (astrings), which commands take as atoms */
	if (c <= 0x1f || c == 0x7f)
		return false;
	switch (c) {
	case ' ': case '(': case ')': case '{': case '"':
		return false;
	}
	return true;
}

static bool
is_tag_char(unsigned char c)
{
	if (!is_atom_char(c))
		return false;
	switch (c) {
	case '%': case '*': case '\\': case '+':
		return false;
	}
	return true;
}

/* --- tree building --- */

static ssize_t
node_add(struct imap_parser *p, enum imap_arg_type type)
{
	struct node *n;
	ssize_t idx;

	if (p->n_nodes == p->cap_nodes) {
		p->cap_nodes = p->cap_nodes ? p->cap_nodes * 2 : 16;
		p->nodes = xrealloc(p->nodes, p->cap_nodes * sizeof(*p->nodes));
	}
	idx = (ssize_t)p->n_nodes++;
	n = &p->nodes[idx];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->first = n->last = n->next = -1;
	if (p->depth == 0) {
		if (p->top_last >= 0)
			p->nodes[p->top_last].next = idx;
		else
			p->top_first = idx;
		p->top_last = idx;
		p->top_count++;
	} else {
		struct node *parent = &p->nodes[p->stack[p->depth - 1]];

		if (parent->last >= 0)
			p->nodes[parent->last].next = idx;
		else
			parent->first = idx;
		parent->last = idx;
		parent->len++;
	}
	return idx;
}

static ssize_t
node_add_str(struct imap_parser *p, enum imap_arg_type type,
	     const unsigned char *s, size_t len)
{
	ssize_t idx = node_add(p, type);

	p->nodes[idx].off = p->strs.len;
	p->nodes[idx].len = len;
	buf_append(&p->strs, s, len);
	buf_append_byte(&p->strs, '\0');
	return idx;
}

static void
set_error(struct imap_parser *p, const char *code, const char *msg)
{
	if (!p->failed) {
		p->failed = true;
		p->error = msg;
		p->error_code = code;
	}
}

void
imap_parser_fail(struct imap_parser *p, const char *code, const char *msg)
{
	bool was_decide = p->state == ST_LITERAL_DECIDE;

	set_error(p, code, msg);
	if (was_decide) {
		if (p->lit_sync) {
			/* the client waits for "+ ": it never sends it */
			p->state = ST_SKIP_DONE;
		} else {
			p->skip_left = p->lit_size;
			p->tail_len = 0;
			p->state = ST_SKIP;
		}
	} else if (p->state != ST_SKIP_DONE && p->state != ST_DONE) {
		p->skip_left = p->state == ST_LITERAL ? p->lit_left : 0;
		p->tail_len = 0;
		p->state = ST_SKIP;
	}
}

/* --- finishing --- */

static void
args_reserve(struct imap_parser *p, size_t n)
{
	if (n > p->cap_args) {
		p->cap_args = n;
		p->args = xrealloc(p->args, n * sizeof(*p->args));
	}
}

/* lay out the children of a list (or the top level) from slot `at`,
 * then the lists' children after them; returns the next free slot */
static size_t
args_fill(struct imap_parser *p, ssize_t first, size_t count, size_t at)
{
	size_t start = at, next_free = at + count + 1;
	ssize_t i;

	for (i = first; i >= 0; i = p->nodes[i].next) {
		struct node *n = &p->nodes[i];
		struct imap_arg *a = &p->args[at++];

		a->type = n->type;
		a->literal8 = n->literal8;
		a->len = n->len;
		if (n->type == IMAP_ARG_LIST) {
			a->u.list = NULL;
		} else if (n->type == IMAP_ARG_EXTERN) {
			a->u.str = NULL;
		} else {
			a->u.str = (const char *)p->strs.data + n->off;
		}
	}
	p->args[at] = eol_arg;
	/* second pass: lists; they store their slot index as a pointer
	 * offset, fixed below */
	at = start;
	for (i = first; i >= 0; i = p->nodes[i].next, at++) {
		struct node *n = &p->nodes[i];

		if (n->type != IMAP_ARG_LIST)
			continue;
		p->args[at].u.list = (const struct imap_arg *)(uintptr_t)
			(next_free + 1);	/* +1: never 0 */
		next_free = args_fill(p, n->first, n->len, next_free);
	}
	return next_free;
}

static void
args_build(struct imap_parser *p)
{
	size_t need = p->n_nodes + 1, i;

	/* one EOL sentinel per list, one for the top level */
	for (i = 0; i < p->n_nodes; i++)
		if (p->nodes[i].type == IMAP_ARG_LIST)
			need++;
	args_reserve(p, need);
	if (p->strs.data == NULL)
		buf_append_byte(&p->strs, '\0');
	p->n_args = args_fill(p, p->top_first, p->top_count, 0);
	/* turn slot numbers into pointers */
	for (i = 0; i < p->n_args; i++) {
		if (p->args[i].type == IMAP_ARG_LIST)
			p->args[i].u.list = p->args +
				((uintptr_t)p->args[i].u.list - 1);
	}
}

/* --- token scanners; each returns 1 done, 0 need more, -1 error --- */

static void
tail_add(struct imap_parser *p, unsigned char c)
{
	if (p->tail_len == sizeof(p->tail)) {
		memmove(p->tail, p->tail + 1, sizeof(p->tail) - 1);
		p->tail_len--;
	}
	p->tail[p->tail_len++] = (char)c;
}

/* does the skipped line end in a literal header? 1 non-sync (size in
 * *n), 2 sync, 0 none */
static int
tail_literal(struct imap_parser *p, uint64_t *n)
{
	size_t i = p->tail_len;
	uint64_t v = 0, mul = 1;
	bool plus = false, digits = false;

	if (i > 0 && p->tail[i - 1] == '\r')
		i--;
	if (i == 0 || p->tail[i - 1] != '}')
		return 0;
	i--;
	if (i > 0 && (p->tail[i - 1] == '+' || p->tail[i - 1] == '-')) {
		plus = true;
		i--;
	}
	while (i > 0 && p->tail[i - 1] >= '0' && p->tail[i - 1] <= '9') {
		if (mul > 1000000000000000000ULL)
			return 0;
		v += (uint64_t)(p->tail[i - 1] - '0') * mul;
		mul *= 10;
		digits = true;
		i--;
	}
	if (!digits || i == 0 || p->tail[i - 1] != '{')
		return 0;
	*n = v;
	return plus ? 1 : 2;
}

static enum imap_parse_result
do_skip(struct imap_parser *p, const unsigned char *in, size_t len,
	size_t *pos)
{
	while (*pos < len) {
		if (p->skip_left > 0) {
			size_t n = len - *pos;

			if (n > p->skip_left)
				n = (size_t)p->skip_left;
			*pos += n;
			p->skip_left -= n;
			continue;
		}
		unsigned char c = in[(*pos)++];

		if (c != '\n') {
			tail_add(p, c);
			continue;
		}
		uint64_t n;
		int lit = tail_literal(p, &n);

		p->tail_len = 0;
		if (lit == 1) {
			p->skip_left = n;
			continue;
		}
		p->state = ST_DONE;
		return IMAP_PARSE_DONE;
	}
	return IMAP_PARSE_NEED_MORE;
}

/* fail at position *pos; if it is a line end, the command ends there */
static enum imap_parse_result
fail_here(struct imap_parser *p, const unsigned char *in, size_t len,
	  size_t *pos, const char *code, const char *msg)
{
	set_error(p, code, msg);
	p->tail_len = 0;
	p->skip_left = 0;
	if (*pos < len && (in[*pos] == '\n' ||
			   (in[*pos] == '\r' && *pos + 1 < len &&
			    in[*pos + 1] == '\n'))) {
		*pos += in[*pos] == '\r' ? 2 : 1;
		p->state = ST_SKIP_DONE;
	} else {
		p->state = ST_SKIP;
	}
	return IMAP_PARSE_ERROR;
}

/* end of line at in[pos]: 1 and *eol_len, 0 need more, -1 not an EOL */
static int
at_eol(const unsigned char *in, size_t len, size_t pos, size_t *eol_len)
{
	if (in[pos] == '\n') {
		*eol_len = 1;
		return 1;
	}
	if (in[pos] != '\r')
		return -1;
	if (pos + 1 >= len)
		return 0;
	if (in[pos + 1] != '\n')
		return -1;
	*eol_len = 2;
	return 1;
}

static bool
line_over(struct imap_parser *p, size_t more)
{
	return p->line_bytes + more > p->lim.max_line;
}

/* atom at in[pos]: scanned from p->scanned; sets *tok_len */
static int
scan_atom(struct imap_parser *p, const unsigned char *in, size_t len,
	  size_t pos, bool tag, size_t *tok_len)
{
	size_t i = pos + p->scanned;

	for (; i < len; i++) {
		unsigned char c = in[i];

		if (c == '\r' || c == '\n')
			break;
		if (c == '\0')
			return -1;
		if (tag) {
			if (!is_tag_char(c))
				break;
			continue;
		}
		if (p->scan_bracket > 0) {
			/* BODY[HEADER.FIELDS (A B)]<0.10>: spaces and
			 * parentheses belong to the section */
			if (c == ']')
				p->scan_bracket--;
			else if (c == '[')
				p->scan_bracket++;
			else if (c < 0x20 || c == 0x7f)
				return -1;
			continue;
		}
		if (c == '[') {
			p->scan_bracket++;
			continue;
		}
		if (!is_atom_char(c))
			break;
	}
	p->scanned = i - pos;
	if (line_over(p, p->scanned))
		return -2;
	if (i == len)
		return 0;
	*tok_len = i - pos;
	return 1;
}

/* quoted string at in[pos] (the '"'); unescaped into strs on success */
static int
scan_quoted(struct imap_parser *p, const unsigned char *in, size_t len,
	    size_t pos, size_t *tok_len)
{
	size_t i = pos + (p->scanned ? p->scanned : 1);

	for (; i < len; i++) {
		unsigned char c = in[i];

		if (c == '\r' || c == '\n' || c == '\0')
			return -1;
		if (p->scan_escape) {
			if (c != '"' && c != '\\')
				return -1;
			p->scan_escape = false;
			continue;
		}
		if (c == '\\') {
			p->scan_escape = true;
			continue;
		}
		if (c == '"') {
			*tok_len = i + 1 - pos;
			p->scanned = 0;
			return line_over(p, *tok_len) ? -2 : 1;
		}
	}
	p->scanned = i - pos;
	return line_over(p, p->scanned) ? -2 : 0;
}

/* literal header "{123}", "{123+}", "~{123}" then CRLF */
static int
scan_literal_header(struct imap_parser *p, const unsigned char *in,
		    size_t len, size_t pos, size_t *tok_len)
{
	size_t i = pos;
	uint64_t v = 0;
	bool digits = false, plus = false;
	size_t eol;
	int r;

	p->lit_binary = false;
	if (in[i] == '~') {
		p->lit_binary = true;
		if (++i >= len)
			return 0;
	}
	if (in[i] != '{')
		return -1;
	for (i++; i < len && in[i] >= '0' && in[i] <= '9'; i++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(in[i] - '0');
		digits = true;
		if (i - pos > 24)
			return -1;
	}
	if (i >= len)
		return 0;
	if (in[i] == '+' || in[i] == '-') {
		plus = true;
		if (++i >= len)
			return 0;
	}
	if (!digits || in[i] != '}')
		return -1;
	if (++i >= len)
		return 0;
	r = at_eol(in, len, i, &eol);
	if (r <= 0)
		return r;
	p->lit_size = v;
	p->lit_sync = !plus;
	*tok_len = i + eol - pos;
	return 1;
}

static enum imap_parse_result
parse_args(struct imap_parser *p, const unsigned char *in, size_t len,
	   size_t *pos)
{
	while (*pos < len) {
		unsigned char c = in[*pos];
		size_t tok, eol;
		int r;

		if (c == '\r' || c == '\n') {
			r = at_eol(in, len, *pos, &eol);
			if (r == 0)
				return IMAP_PARSE_NEED_MORE;
			if (r < 0)
				return fail_here(p, in, len, pos, NULL,
						 "Stray CR in command");
			if (p->depth > 0)
				return fail_here(p, in, len, pos, NULL,
						 "Unclosed parenthesis");
			*pos += eol;
			p->state = ST_DONE;
			args_build(p);
			return IMAP_PARSE_DONE;
		}
		if (c == ' ') {
			if (line_over(p, 1))
				return fail_here(p, in, len, pos, NULL,
						 "Command line too long");
			(*pos)++;
			p->line_bytes++;
			p->need_sep = false;
			continue;
		}
		if (c == ')') {
			if (p->depth == 0)
				return fail_here(p, in, len, pos, NULL,
						 "Unexpected ')'");
			(*pos)++;
			p->line_bytes++;
			p->depth--;
			p->need_sep = true;
			continue;
		}
		if (p->need_sep)
			return fail_here(p, in, len, pos, NULL,
					 "Missing space between arguments");
		if (p->n_nodes >= p->lim.max_args)
			return fail_here(p, in, len, pos, NULL,
					 "Too many arguments");
		if (c == '(') {
			if (p->depth >= p->lim.max_depth)
				return fail_here(p, in, len, pos, NULL,
						 "Lists nested too deep");
			ssize_t idx = node_add(p, IMAP_ARG_LIST);

			p->stack[p->depth++] = idx;
			(*pos)++;
			p->line_bytes++;
			continue;
		}
		if (c == '"') {
			r = scan_quoted(p, in, len, *pos, &tok);
			if (r == 0)
				return IMAP_PARSE_NEED_MORE;
			if (r == -2)
				return fail_here(p, in, len, pos, NULL,
						 "Command line too long");
			if (r < 0)
				return fail_here(p, in, len, pos, NULL,
						 "Invalid quoted string");
			/* unescape */
			ssize_t idx = node_add(p, IMAP_ARG_QUOTED);
			size_t k;

			p->nodes[idx].off = p->strs.len;
			for (k = *pos + 1; k < *pos + tok - 1; k++) {
				if (in[k] == '\\')
					k++;
				buf_append_byte(&p->strs, in[k]);
			}
			p->nodes[idx].len = p->strs.len - p->nodes[idx].off;
			buf_append_byte(&p->strs, '\0');
			*pos += tok;
			p->line_bytes += tok;
			p->scan_escape = false;
			p->need_sep = true;
			continue;
		}
		/* "~{" opens a literal8 (RFC 3516); "~" alone starts an
		 * atom ("~" is an ATOM-CHAR) */
		if (c == '~' && *pos + 1 >= len)
			return IMAP_PARSE_NEED_MORE;
		if (c == '{' || (c == '~' && in[*pos + 1] == '{')) {
			r = scan_literal_header(p, in, len, *pos, &tok);
			if (r == 0)
				return IMAP_PARSE_NEED_MORE;
			if (r < 0)
				return fail_here(p, in, len, pos, NULL,
						 "Invalid literal");
			if (line_over(p, tok))
				return fail_here(p, in, len, pos, NULL,
						 "Command line too long");
			*pos += tok;
			p->line_bytes += tok;
			p->state = ST_LITERAL_DECIDE;
			return IMAP_PARSE_LITERAL;
		}
		r = scan_atom(p, in, len, *pos, false, &tok);
		if (r == 0)
			return IMAP_PARSE_NEED_MORE;
		if (r == -2)
			return fail_here(p, in, len, pos, NULL,
					 "Command line too long");
		if (r < 0 || tok == 0)
			return fail_here(p, in, len, pos, NULL,
					 "Invalid characters in atom");
		if (p->scan_bracket > 0 && (in[*pos + tok] == '\r' ||
					    in[*pos + tok] == '\n'))
			return fail_here(p, in, len, pos, NULL,
					 "Missing ']'");
		node_add_str(p, tok == 3 && strncasecmp((const char *)in + *pos,
							"NIL", 3) == 0 ?
			     IMAP_ARG_NIL : IMAP_ARG_ATOM, in + *pos, tok);
		*pos += tok;
		p->line_bytes += tok;
		p->scanned = 0;
		p->scan_bracket = 0;
		p->need_sep = true;
	}
	return IMAP_PARSE_NEED_MORE;
}

enum imap_parse_result
imap_parser_feed(struct imap_parser *p, const unsigned char *in, size_t len,
		 size_t *used_r)
{
	enum imap_parse_result res = IMAP_PARSE_NEED_MORE;
	size_t pos = 0, tok, eol;
	int r;

	while (pos < len || p->state == ST_SKIP_DONE) {
		switch (p->state) {
		case ST_TAG:
			if (p->scanned == 0 && (in[pos] == '\r' ||
						in[pos] == '\n')) {
				/* empty line: ignored */
				r = at_eol(in, len, pos, &eol);
				if (r == 0)
					goto out;
				pos += r > 0 ? eol : 1;
				continue;
			}
			r = scan_atom(p, in, len, pos, true, &tok);
			if (r == 0)
				goto out;
			if (r == -2) {
				res = fail_here(p, in, len, &pos, NULL,
						"Command line too long");
				goto out;
			}
			if (r < 0 || tok == 0 || in[pos + tok] != ' ') {
				res = fail_here(p, in, len, &pos, NULL,
						"Invalid tag");
				goto out;
			}
			p->tag_off = p->strs.len;
			buf_append(&p->strs, in + pos, tok);
			buf_append_byte(&p->strs, '\0');
			p->have_tag = true;
			pos += tok + 1;
			p->line_bytes += tok + 1;
			p->scanned = 0;
			p->state = ST_NAME;
			break;
		case ST_NAME:
			r = scan_atom(p, in, len, pos, false, &tok);
			p->scan_bracket = 0;
			if (r == 0)
				goto out;
			if (r == -2) {
				res = fail_here(p, in, len, &pos, NULL,
						"Command line too long");
				goto out;
			}
			if (r < 0 || tok == 0 ||
			    (in[pos + tok] != ' ' && in[pos + tok] != '\r' &&
			     in[pos + tok] != '\n')) {
				res = fail_here(p, in, len, &pos, NULL,
						"Invalid command name");
				goto out;
			}
			p->name_off = p->strs.len;
			buf_append(&p->strs, in + pos, tok);
			buf_append_byte(&p->strs, '\0');
			p->have_name = true;
			pos += tok;
			p->line_bytes += tok;
			p->scanned = 0;
			p->state = ST_ARGS;
			/* the name needs no separator before its args */
			p->need_sep = false;
			if (in[pos] == ' ') {
				pos++;
				p->line_bytes++;
			}
			break;
		case ST_ARGS:
			res = parse_args(p, in, len, &pos);
			goto out;
		case ST_LITERAL_DECIDE:
			res = IMAP_PARSE_LITERAL;
			goto out;
		case ST_LITERAL: {
			size_t n = len - pos;

			if (n > p->lit_left)
				n = (size_t)p->lit_left;
			if (!p->lit_binary && memchr(in + pos, '\0', n)) {
				res = IMAP_PARSE_ERROR;
				imap_parser_fail(p, NULL,
						 "NUL in literal");
				goto out;
			}
			ssize_t idx = (ssize_t)p->n_nodes - 1;

			buf_append(&p->strs, in + pos, n);
			p->nodes[idx].len += n;
			pos += n;
			p->lit_left -= n;
			if (p->lit_left == 0) {
				buf_append_byte(&p->strs, '\0');
				p->state = ST_ARGS;
				p->need_sep = true;
			}
			break;
		}
		case ST_SKIP:
			res = do_skip(p, in, len, &pos);
			goto out;
		case ST_SKIP_DONE:
			p->state = ST_DONE;
			res = IMAP_PARSE_DONE;
			goto out;
		case ST_DONE:
			res = IMAP_PARSE_DONE;
			goto out;
		}
	}
out:
	*used_r = pos;
	return res;
}

uint64_t
imap_parser_literal_size(const struct imap_parser *p)
{
	return p->lit_size;
}

bool
imap_parser_literal_sync(const struct imap_parser *p)
{
	return p->lit_sync;
}

bool
imap_parser_literal_binary(const struct imap_parser *p)
{
	return p->lit_binary;
}

unsigned
imap_parser_literal_depth(const struct imap_parser *p)
{
	return p->depth;
}

size_t
imap_parser_arg_count(const struct imap_parser *p)
{
	return p->top_count;
}

const struct imap_arg *
imap_parser_partial_args(struct imap_parser *p)
{
	/* an open list shows with the elements it has so far */
	args_build(p);
	return p->args;
}

bool
imap_parser_literal_accept(struct imap_parser *p)
{
	if (p->state != ST_LITERAL_DECIDE)
		return false;
	if (p->lit_size > p->lim.max_literal ||
	    p->strs.len + p->lit_size > p->lim.max_line + p->lim.max_literal) {
		imap_parser_fail(p, "TOOBIG", "Literal too big");
		return false;
	}
	ssize_t idx = node_add(p, IMAP_ARG_LITERAL);

	p->nodes[idx].literal8 = p->lit_binary;
	p->nodes[idx].off = p->strs.len;
	p->nodes[idx].len = 0;
	p->lit_left = p->lit_size;
	if (p->lit_left == 0) {
		buf_append_byte(&p->strs, '\0');
		p->state = ST_ARGS;
		p->need_sep = true;
	} else {
		p->state = ST_LITERAL;
	}
	return true;
}

void
imap_parser_literal_extern(struct imap_parser *p)
{
	if (p->state != ST_LITERAL_DECIDE)
		return;
	ssize_t idx = node_add(p, IMAP_ARG_EXTERN);

	p->nodes[idx].literal8 = p->lit_binary;
	p->nodes[idx].len = (size_t)p->lit_size;
	p->state = ST_ARGS;
	p->need_sep = true;
}

const char *
imap_parser_tag(const struct imap_parser *p)
{
	return p->have_tag ? (const char *)p->strs.data + p->tag_off : NULL;
}

const char *
imap_parser_name(const struct imap_parser *p)
{
	return p->have_name ? (const char *)p->strs.data + p->name_off : NULL;
}

const struct imap_arg *
imap_parser_args(const struct imap_parser *p)
{
	return p->n_args > 0 ? p->args : &eol_arg;
}

bool
imap_parser_failed(const struct imap_parser *p)
{
	return p->failed;
}

const char *
imap_parser_error(const struct imap_parser *p)
{
	return p->error ? p->error : "Syntax error";
}

const char *
imap_parser_error_code(const struct imap_parser *p)
{
	return p->error_code;
}

bool
imap_arg_atom_eq(const struct imap_arg *a, const char *s)
{
	return (a->type == IMAP_ARG_ATOM || a->type == IMAP_ARG_NIL) &&
		strcasecmp(a->u.str, s) == 0;
}

size_t
imap_args_count(const struct imap_arg *a)
{
	size_t n = 0;

	while (a[n].type != IMAP_ARG_EOL)
		n++;
	return n;
}
