/* sieve-run.c - the interpreter: control commands (if/elsif/else, stop,
 * include/return/global, set), limits (steps, CPU time), the result */
#include "sieve/sieve-private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time is read every this many steps */
#define CPU_CHECK_STEPS 256

void
sieve_run_error(struct sieve_run *rn, unsigned line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (rn->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sieve_diag_add(&rn->r->diags, rn->unit ? rn->unit->name : "", line, 0,
		       "%s", msg);
	rn->failed = true;
}

static uint64_t
cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool
sieve_run_step(struct sieve_run *rn, unsigned line)
{
	if (rn->failed)
		return false;
	if (++rn->steps % CPU_CHECK_STEPS)
		return true;
	if (rn->lim->max_cpu_ms &&
	    cpu_ns() - rn->cpu_start > rn->lim->max_cpu_ms * 1000000u) {
		sieve_run_error(rn, line, "CPU time limit exceeded (%llu ms)",
				(unsigned long long)rn->lim->max_cpu_ms);
		return false;
	}
	return true;
}

static bool exec_block(struct sieve_run *rn, const struct sieve_node *cmds,
		       size_t n);

static void
exec_set(struct sieve_run *rn, const struct sieve_node *c)
{
	struct buf name = BUF_INIT, val = BUF_INIT;

	sieve_expand(rn, &c->pos[0]->list.v[0], &name);
	sieve_expand(rn, &c->pos[1]->list.v[0], &val);
	sieve_apply_mods(c->mods, &val);
	sieve_var_set(rn, buf_cstr(&name), (const char *)val.data, val.len,
		      c->line);
	buf_free(&name);
	buf_free(&val);
}

static void
exec_global(struct sieve_run *rn, const struct sieve_node *c)
{
	for (size_t i = 0; i < c->pos[0]->list.n; i++) {
		const char *nm = c->pos[0]->list.v[i].s;
		bool have = false;
		for (size_t k = 0; k < rn->nglobal_names && !have; k++)
			have = strcasecmp(rn->global_names[k], nm) == 0;
		if (have)
			continue;
		rn->global_names = xrealloc(rn->global_names,
			(rn->nglobal_names + 1) * sizeof(char *));
		rn->global_names[rn->nglobal_names++] = (char *)nm;
	}
}

static void
exec_include(struct sieve_run *rn, const struct sieve_node *c)
{
	if (c->unit < 0)
		return;	/* :optional and missing */
	if (c->once && rn->included_once[c->unit])
		return;
	if (++rn->includes > rn->lim->max_includes) {
		sieve_run_error(rn, c->line, "too many includes (at most %u)",
				rn->lim->max_includes);
		return;
	}
	rn->included_once[c->unit] = true;
	/* the included script has its own locals and global list */
	const struct sieve_unit *save_unit = rn->unit;
	struct sieve_var *save_locals = rn->locals;
	size_t save_nlocals = rn->nlocals;
	char **save_gn = rn->global_names;
	size_t save_ngn = rn->nglobal_names;

	rn->unit = &rn->s->units[c->unit];
	rn->locals = NULL;
	rn->nlocals = 0;
	rn->global_names = NULL;
	rn->nglobal_names = 0;
	exec_block(rn, rn->unit->cmds, rn->unit->ncmds);
	rn->returned = false;
	for (size_t i = 0; i < rn->nlocals; i++) {
		free(rn->locals[i].name);
		buf_free(&rn->locals[i].val);
	}
	free(rn->locals);
	free(rn->global_names);
	rn->unit = save_unit;
	rn->locals = save_locals;
	rn->nlocals = save_nlocals;
	rn->global_names = save_gn;
	rn->nglobal_names = save_ngn;
}

static bool
exec_block(struct sieve_run *rn, const struct sieve_node *cmds, size_t n)
{
	bool branch_done = false;	/* an if/elsif of this chain ran */

	for (size_t i = 0; i < n; i++) {
		const struct sieve_node *c = &cmds[i];
		int rc;

		if (rn->failed || rn->stopped || rn->returned)
			break;
		if (!sieve_run_step(rn, c->line))
			break;
		switch (c->cmd->id) {
		case C_REQUIRE:
			break;
		case C_IF:
			branch_done = false;
			/* fall through */
		case C_ELSIF:
			if (branch_done)
				break;
			rc = sieve_test_eval(rn, &c->tests[0]);
			if (rc < 0)
				return false;
			if (rc) {
				branch_done = true;
				exec_block(rn, c->block, c->nblock);
			}
			break;
		case C_ELSE:
			if (!branch_done)
				exec_block(rn, c->block, c->nblock);
			branch_done = true;
			break;
		case C_STOP:
			rn->stopped = true;
			break;
		case C_RETURN:
			rn->returned = true;
			break;
		case C_SET:
			exec_set(rn, c);
			break;
		case C_GLOBAL:
			exec_global(rn, c);
			break;
		case C_INCLUDE:
			exec_include(rn, c);
			break;
		default:
			sieve_action_exec(rn, c);
			break;
		}
	}
	return !rn->failed;
}

void
sieve_result_free(struct sieve_result *r)
{
	if (!r)
		return;
	if (r->mem) {
		arena_destroy(r->mem);
		free(r->mem);
	}
	free(r->v);
	sieve_diags_free(&r->diags);
	memset(r, 0, sizeof(*r));
}

int
sieve_run(const struct sieve_script *s, const struct sieve_msg *m,
	  const struct sieve_limits *lim, struct sieve_result *r)
{
	struct sieve_run rn;
	struct sieve_limits full;

	sieve_limits_fill(lim, &full);
	lim = &full;
	memset(r, 0, sizeof(*r));
	r->mem = xmalloc(sizeof(struct arena));
	arena_init(r->mem, 4096);
	memset(&rn, 0, sizeof(rn));
	rn.s = s;
	rn.m = m;
	rn.lim = lim;
	rn.r = r;
	rn.mem = r->mem;
	rn.unit = &s->units[0];
	rn.mv = sieve_msgview_new(m);
	rn.included_once = xcalloc(s->nunits, sizeof(bool));
	rn.cpu_start = cpu_ns();
	buf_init(&rn.flags);

	exec_block(&rn, rn.unit->cmds, rn.unit->ncmds);
	if (!rn.failed)
		sieve_actions_finish(&rn);
	if (!rn.failed && rn.lim->max_cpu_ms &&
	    cpu_ns() - rn.cpu_start > rn.lim->max_cpu_ms * 1000000u)
		sieve_run_error(&rn, 0, "CPU time limit exceeded (%llu ms)",
				(unsigned long long)rn.lim->max_cpu_ms);

	sieve_vars_free(&rn);
	free(rn.global_names);
	free(rn.included_once);
	buf_free(&rn.flags);
	sieve_msgview_free(rn.mv);
	if (rn.failed) {
		free(r->v);
		r->v = NULL;
		r->n = 0;
		r->implicit_keep = false;
		return -1;
	}
	return 0;
}
