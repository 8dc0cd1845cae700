/* sieve-parse.c - Sieve grammar (RFC 5228 8.2) to a tree of commands,
 * tests and arguments; nesting is bounded here so that deep input
 * never recurses deeply */
#include "sieve/sieve-private.h"

#include <string.h>

struct parser {
	struct sieve_lexer lx;
	struct arena *a;
	const char *name;
	struct sieve_diags *diags;
	unsigned max_nesting;
	unsigned depth;
	bool failed;
};

static bool
fail_at(struct parser *ps, unsigned line, unsigned col, const char *msg)
{
	if (!ps->failed)
		sieve_diag_add(ps->diags, ps->name, line, col, "%s", msg);
	ps->failed = true;
	return false;
}

static bool
fail(struct parser *ps, const char *msg)
{
	if (ps->lx.tok == TOK_ERROR)
		return fail_at(ps, ps->lx.tline, ps->lx.tcol, ps->lx.err);
	return fail_at(ps, ps->lx.tline, ps->lx.tcol, msg);
}

static void
next(struct parser *ps)
{
	sieve_lex_next(&ps->lx);
}

static struct sieve_str
take_str(struct parser *ps)
{
	struct sieve_str s;

	s.len = ps->lx.text.len;
	s.s = arena_alloc(ps->a, s.len + 1);
	if (s.len)
		memcpy(s.s, ps->lx.text.data, s.len);
	s.vars = memmem(s.s, s.len, "${", 2) != NULL;
	return s;
}

/* growable arrays in the arena: doubled by copying (small lists) */
#define GROW(a, v, n, cap, type)                                         \
	do {                                                             \
		if ((n) == (cap)) {                                      \
			size_t nc_ = (cap) ? (cap) * 2 : 4;              \
			type *nv_ = arena_alloc((a), nc_ * sizeof(type)); \
			if (n)                                           \
				memcpy(nv_, (v), (n) * sizeof(type));    \
			(v) = nv_;                                       \
			(cap) = nc_;                                     \
		}                                                        \
	} while (0)

static bool parse_test(struct parser *ps, struct sieve_node *t);

static bool
parse_arguments(struct parser *ps, struct sieve_node *n)
{
	size_t cap = 0;

	for (;;) {
		struct sieve_arg arg;

		memset(&arg, 0, sizeof(arg));
		arg.line = ps->lx.tline;
		arg.col = ps->lx.tcol;
		if (ps->lx.tok == TOK_TAG) {
			arg.kind = ARG_TAG;
			arg.tag = arena_strndup(ps->a, (const char *)ps->lx.text.data,
						ps->lx.text.len);
			next(ps);
		} else if (ps->lx.tok == TOK_NUMBER) {
			arg.kind = ARG_NUMBER;
			arg.num = ps->lx.num;
			next(ps);
		} else if (ps->lx.tok == TOK_STRING) {
			arg.kind = ARG_STRING;
			arg.list.v = arena_alloc(ps->a, sizeof(struct sieve_str));
			arg.list.v[0] = take_str(ps);
			arg.list.n = 1;
			next(ps);
		} else if (ps->lx.tok == TOK_LBRACKET) {
			size_t lcap = 0;

			arg.kind = ARG_LIST;
			next(ps);
			for (;;) {
				if (ps->lx.tok != TOK_STRING)
					return fail(ps, "expected a string in the string list");
				GROW(ps->a, arg.list.v, arg.list.n, lcap,
				     struct sieve_str);
				arg.list.v[arg.list.n++] = take_str(ps);
				next(ps);
				if (ps->lx.tok == TOK_COMMA) {
					next(ps);
					continue;
				}
				if (ps->lx.tok == TOK_RBRACKET)
					break;
				return fail(ps, "expected ',' or ']' in the string list");
			}
			next(ps);
		} else {
			break;
		}
		GROW(ps->a, n->args, n->nargs, cap, struct sieve_arg);
		n->args[n->nargs++] = arg;
	}
	/* a test or a test list */
	if (ps->lx.tok == TOK_IDENT) {
		n->tests = arena_alloc(ps->a, sizeof(struct sieve_node));
		n->ntests = 1;
		return parse_test(ps, &n->tests[0]);
	}
	if (ps->lx.tok == TOK_LPAREN) {
		size_t tcap = 0;

		n->has_block = false;
		next(ps);
		for (;;) {
			if (ps->lx.tok != TOK_IDENT)
				return fail(ps, "expected a test");
			GROW(ps->a, n->tests, n->ntests, tcap, struct sieve_node);
			memset(&n->tests[n->ntests], 0, sizeof(struct sieve_node));
			if (!parse_test(ps, &n->tests[n->ntests++]))
				return false;
			if (ps->lx.tok == TOK_COMMA) {
				next(ps);
				continue;
			}
			if (ps->lx.tok == TOK_RPAREN)
				break;
			return fail(ps, "expected ',' or ')' in the test list");
		}
		next(ps);
		n->test_list = true;
	}
	return true;
}

static bool
enter(struct parser *ps)
{
	if (++ps->depth > ps->max_nesting)
		return fail(ps, "nesting too deep");
	return true;
}

static bool
parse_test(struct parser *ps, struct sieve_node *t)
{
	if (!enter(ps))
		return false;
	memset(t, 0, sizeof(*t));
	t->line = ps->lx.tline;
	t->col = ps->lx.tcol;
	t->name = arena_strndup(ps->a, (const char *)ps->lx.text.data,
				 ps->lx.text.len);
	next(ps);
	if (!parse_arguments(ps, t))
		return false;
	ps->depth--;
	return true;
}

static bool parse_commands(struct parser *ps, struct sieve_node **v,
			   size_t *n, bool inner);

static bool
parse_command(struct parser *ps, struct sieve_node *c)
{
	memset(c, 0, sizeof(*c));
	c->line = ps->lx.tline;
	c->col = ps->lx.tcol;
	c->name = arena_strndup(ps->a, (const char *)ps->lx.text.data,
				 ps->lx.text.len);
	next(ps);
	if (!parse_arguments(ps, c))
		return false;
	if (ps->lx.tok == TOK_SEMI) {
		next(ps);
		return true;
	}
	if (ps->lx.tok == TOK_LBRACE) {
		if (!enter(ps))
			return false;
		next(ps);
		c->has_block = true;
		if (!parse_commands(ps, &c->block, &c->nblock, true))
			return false;
		if (ps->lx.tok != TOK_RBRACE)
			return fail(ps, "expected '}'");
		next(ps);
		ps->depth--;
		return true;
	}
	return fail(ps, "expected ';' or '{' after the command's arguments");
}

static bool
parse_commands(struct parser *ps, struct sieve_node **v, size_t *n,
	       bool inner)
{
	size_t cap = 0;

	for (;;) {
		if (ps->lx.tok == TOK_EOF)
			return inner ? fail(ps, "missing '}' at the end of the script") : true;
		if (ps->lx.tok == TOK_RBRACE) {
			if (inner)
				return true;
			return fail(ps, "unexpected '}'");
		}
		if (ps->lx.tok != TOK_IDENT)
			return fail(ps, "expected a command");
		GROW(ps->a, *v, *n, cap, struct sieve_node);
		if (!parse_command(ps, &(*v)[(*n)++]))
			return false;
	}
}

bool
sieve_parse(struct arena *a, const char *name, const char *text, size_t len,
	    const struct sieve_limits *lim, struct sieve_unit *u,
	    struct sieve_diags *diags)
{
	struct parser ps;

	memset(&ps, 0, sizeof(ps));
	ps.a = a;
	ps.name = name;
	ps.diags = diags;
	ps.max_nesting = lim->max_nesting;
	if (len > lim->max_script_size) {
		sieve_diag_add(diags, name, 1, 1,
			       "script too large (%zu bytes, at most %zu)",
			       len, lim->max_script_size);
		return false;
	}
	if (memchr(text, '\0', len)) {
		const char *z = memchr(text, '\0', len);
		unsigned line = 1, col = 1;
		for (const char *q = text; q < z; q++) {
			if (*q == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		sieve_diag_add(diags, name, line, col, "NUL byte in the script");
		return false;
	}
	sieve_lex_init(&ps.lx, text, len);
	next(&ps);
	bool ok = parse_commands(&ps, &u->cmds, &u->ncmds, false);
	sieve_lex_free(&ps.lx);
	return ok && !ps.failed;
}
