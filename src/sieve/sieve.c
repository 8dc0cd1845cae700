/* sieve.c - compile: parse and validate a script and, through the
 * includer, the scripts it includes (RFC 6609), loops and depth refused;
 * diagnostics and defaults */
#include "sieve/sieve-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sieve_limits_default(struct sieve_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->max_script_size = 256 * 1024;
	l->max_nesting = 32;
	l->max_actions = 32;
	l->max_redirects = 4;
	l->max_cpu_ms = 1000;
	l->max_includes = 32;
	l->max_include_depth = 8;
	l->max_variable_size = 4096;
	l->max_variables = 255;
	l->max_match_values = 10;
	l->vacation_min_days = 1;
	l->vacation_max_days = 90;
	l->vacation_default_days = 7;
}

void
sieve_limits_fill(const struct sieve_limits *in, struct sieve_limits *out)
{
	struct sieve_limits d;

	sieve_limits_default(&d);
	*out = *in;
#define FILL(f) do { if (!out->f) out->f = d.f; } while (0)
	FILL(max_script_size);
	FILL(max_nesting);
	FILL(max_actions);
	FILL(max_redirects);
	FILL(max_includes);
	FILL(max_include_depth);
	FILL(max_variable_size);
	FILL(max_variables);
	FILL(max_match_values);
	FILL(vacation_default_days);
#undef FILL
}

void
sieve_diag_add(struct sieve_diags *d, const char *script, unsigned line,
	       unsigned col, const char *fmt, ...)
{
	struct sieve_diag *g;
	va_list ap;

	if (d->n >= 100)
		return;
	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	g = &d->v[d->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->script, sizeof(g->script), "%s", script ? script : "");
	g->line = line;
	g->col = col;
	va_start(ap, fmt);
	vsnprintf(g->msg, sizeof(g->msg), fmt, ap);
	va_end(ap);
}

void
sieve_diags_free(struct sieve_diags *d)
{
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

char *
sieve_diags_text(const struct sieve_diags *d)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < d->n; i++)
		buf_printf(&b, "%s:%u:%u: %s\n", d->v[i].script, d->v[i].line,
			   d->v[i].col, d->v[i].msg);
	if (b.len == 0)
		return xstrdup("");
	return buf_steal(&b);
}

struct compiler {
	struct sieve_script *s;
	const struct sieve_limits *lim;
	const struct sieve_includer *inc;
	struct sieve_diags *diags;
	/* the scripts being compiled, outermost first (loop check) */
	size_t stack[64];
	size_t depth;
	size_t units_cap;
};

static int compile_unit(struct compiler *cp, const char *name, bool global,
			const char *text, size_t len);

static int
find_unit(struct compiler *cp, const char *name, bool global)
{
	for (size_t i = 1; i < cp->s->nunits; i++)
		if (cp->s->units[i].global == global &&
		    strcmp(cp->s->units[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool
resolve_includes(struct compiler *cp, size_t ui, struct sieve_node *cmds,
		 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct sieve_node *c = &cmds[i];
		if (c->has_block &&
		    !resolve_includes(cp, ui, c->block, c->nblock))
			return false;
		if (c->cmd->id != C_INCLUDE)
			continue;
		const char *uname = cp->s->units[ui].name;
		const struct sieve_str *nm = &c->pos[0]->list.v[0];
		c->unit = -1;
		if (nm->vars) {
			sieve_diag_add(cp->diags, uname, c->line, c->col,
				       "the name of an included script must be a constant");
			return false;
		}
		if (!cp->inc || !cp->inc->get) {
			sieve_diag_add(cp->diags, uname, c->line, c->col,
				       "include is not available here");
			return false;
		}
		for (size_t k = 0; k < cp->depth; k++) {
			struct sieve_unit *o = &cp->s->units[cp->stack[k]];
			if (o->global == c->global && strcmp(o->name, nm->s) == 0) {
				sieve_diag_add(cp->diags, uname, c->line, c->col,
					       "include loop: script \"%s\" is already being included",
					       nm->s);
				return false;
			}
		}
		int u = find_unit(cp, nm->s, c->global);
		if (u >= 0) {
			c->unit = u;
			continue;
		}
		if (cp->depth >= cp->lim->max_include_depth ||
		    cp->depth >= sizeof(cp->stack) / sizeof(cp->stack[0])) {
			sieve_diag_add(cp->diags, uname, c->line, c->col,
				       "includes nested too deep (at most %u)",
				       cp->lim->max_include_depth);
			return false;
		}
		char *text = NULL;
		size_t len = 0;
		if (cp->inc->get(cp->inc->arg, c->global, nm->s, &text, &len) < 0) {
			if (c->optional)
				continue;
			sieve_diag_add(cp->diags, uname, c->line, c->col,
				       "included %s script \"%s\" not found",
				       c->global ? "global" : "personal", nm->s);
			return false;
		}
		u = compile_unit(cp, nm->s, c->global, text, len);
		free(text);
		if (u < 0) {
			sieve_diag_add(cp->diags, uname, c->line, c->col,
				       "failed to compile included script \"%s\"",
				       nm->s);
			return false;
		}
		c->unit = u;
	}
	return true;
}

static int
compile_unit(struct compiler *cp, const char *name, bool global,
	     const char *text, size_t len)
{
	struct sieve_script *s = cp->s;

	if (s->nunits == cp->units_cap) {
		size_t nc = cp->units_cap ? cp->units_cap * 2 : 4;
		struct sieve_unit *nv = arena_alloc(&s->mem, nc * sizeof(*nv));
		if (s->nunits)
			memcpy(nv, s->units, s->nunits * sizeof(*nv));
		s->units = nv;
		cp->units_cap = nc;
	}
	size_t ui = s->nunits++;
	struct sieve_unit *u = &s->units[ui];
	memset(u, 0, sizeof(*u));
	u->name = arena_strdup(&s->mem, name);
	u->global = global;
	if (!sieve_parse(&s->mem, name, text, len, cp->lim, u, cp->diags) ||
	    !sieve_validate(&s->mem, u, cp->diags))
		return -1;
	cp->stack[cp->depth++] = ui;
	/* units may move while includes compile: work on a copy */
	struct sieve_unit copy = s->units[ui];
	bool ok = resolve_includes(cp, ui, copy.cmds, copy.ncmds);
	cp->depth--;
	return ok ? (int)ui : -1;
}

struct sieve_script *
sieve_compile(const char *name, const char *text, size_t len,
	      const struct sieve_limits *lim, const struct sieve_includer *inc,
	      struct sieve_diags *diags)
{
	struct compiler cp;
	struct sieve_limits full;
	struct sieve_script *s = xcalloc(1, sizeof(*s));

	sieve_limits_fill(lim, &full);
	lim = &full;

	arena_init(&s->mem, 16384);
	memset(&cp, 0, sizeof(cp));
	cp.s = s;
	cp.lim = lim;
	cp.inc = inc;
	cp.diags = diags;
	if (compile_unit(&cp, name ? name : "", false, text, len) != 0) {
		sieve_script_free(s);
		return NULL;
	}
	return s;
}

void
sieve_script_free(struct sieve_script *s)
{
	if (!s)
		return;
	arena_destroy(&s->mem);
	free(s);
}
