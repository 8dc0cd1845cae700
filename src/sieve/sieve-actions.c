/* sieve-actions.c - the actions (keep, fileinto, redirect, reject,
 * ereject, discard, vacation) and imap4flags (RFC 5232) flag commands;
 * the implicit keep; duplicates folded, conflicts and limits refused */
#include "sieve/sieve-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool
sieve_next_word(const char *s, size_t len, size_t *i, size_t *st)
{
	while (*i < len && s[*i] == ' ')
		(*i)++;
	*st = *i;
	while (*i < len && s[*i] != ' ')
		(*i)++;
	return *i > *st;
}

static const char *
dup_buf(struct sieve_run *rn, struct buf *b)
{
	return arena_strndup(rn->mem, (const char *)b->data, b->len);
}

/* a flag list from a space separated string: NULL-terminated, deduped
 * case-insensitively (RFC 5232 3) */
static const char *const *
flags_array(struct sieve_run *rn, const char *s, size_t len)
{
	size_t n = 0, cap = 8;
	const char **v = xmalloc(cap * sizeof(*v));

	for (size_t i = 0, st; sieve_next_word(s, len, &i, &st);) {
		bool dup = false;
		for (size_t k = 0; k < n && !dup; k++)
			dup = strlen(v[k]) == i - st &&
				strncasecmp(v[k], s + st, i - st) == 0;
		if (dup)
			continue;
		if (n + 1 >= cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		v[n++] = arena_strndup(rn->mem, s + st, i - st);
	}
	const char **out = arena_alloc(rn->mem, (n + 1) * sizeof(*out));
	memcpy(out, v, n * sizeof(*out));
	out[n] = NULL;
	free(v);
	return out;
}

/* the flags string a list of strings (expanded, space separated) gives */
static void
flags_join(struct sieve_run *rn, const struct sieve_strlist *l, struct buf *out)
{
	struct buf e = BUF_INIT;

	buf_reset(out);
	for (size_t i = 0; i < l->n; i++) {
		sieve_expand(rn, &l->v[i], &e);
		if (out->len)
			buf_append_byte(out, ' ');
		buf_append(out, e.data, e.len);
	}
	buf_cstr(out);
	buf_free(&e);
}

static bool
flag_in(const char *f, size_t fl, const char *s, size_t len)
{
	for (size_t i = 0, st; sieve_next_word(s, len, &i, &st);) {
		if (i - st == fl && strncasecmp(s + st, f, fl) == 0)
			return true;
	}
	return false;
}

/* setflag / addflag / removeflag on one flag string */
static void
flags_update(int op, struct buf *cur, const char *arg, size_t alen)
{
	struct buf out = BUF_INIT;
	const char *src = op == C_SETFLAG ? arg : (const char *)cur->data;
	size_t slen = op == C_SETFLAG ? alen : cur->len;

	/* keep what stays, deduped */
	for (size_t i = 0, st; sieve_next_word(src, slen, &i, &st);) {
		if (op == C_REMOVEFLAG && flag_in(src + st, i - st, arg, alen))
			continue;
		if (flag_in(src + st, i - st, (const char *)out.data, out.len))
			continue;
		if (out.len)
			buf_append_byte(&out, ' ');
		buf_append(&out, src + st, i - st);
	}
	if (op == C_ADDFLAG)
		for (size_t i = 0, st; sieve_next_word(arg, alen, &i, &st);) {
			if (flag_in(arg + st, i - st,
					       (const char *)out.data, out.len))
				continue;
			if (out.len)
				buf_append_byte(&out, ' ');
			buf_append(&out, arg + st, i - st);
		}
	buf_reset(cur);
	buf_append(cur, out.data, out.len);
	buf_cstr(cur);
	buf_free(&out);
}

static void
exec_flags(struct sieve_run *rn, const struct sieve_node *c)
{
	struct buf arg = BUF_INIT;

	flags_join(rn, &c->pos[0]->list, &arg);
	if (!c->pos[2]) {
		flags_update((int)c->cmd->id, &rn->flags,
			     (const char *)arg.data, arg.len);
	} else {
		struct buf name = BUF_INIT, cur = BUF_INIT;
		for (size_t i = 0; i < c->pos[2]->list.n; i++) {
			sieve_expand(rn, &c->pos[2]->list.v[i], &name);
			char *r = xasprintf("${%s}", buf_cstr(&name));
			struct sieve_str ref = { r, strlen(r), true };
			sieve_expand(rn, &ref, &cur);
			free(r);
			flags_update((int)c->cmd->id, &cur,
				     (const char *)arg.data, arg.len);
			sieve_var_set(rn, buf_cstr(&name), (const char *)cur.data,
				      cur.len, c->line);
		}
		buf_free(&name);
		buf_free(&cur);
	}
	buf_free(&arg);
}

struct sieve_action *
sieve_action_add(struct sieve_run *rn, const struct sieve_node *c, enum sieve_action_kind k)
{
	struct sieve_result *r = rn->r;

	if (++rn->actions > rn->lim->max_actions) {
		sieve_run_error(rn, c->line, "too many actions (at most %u)",
				rn->lim->max_actions);
		return NULL;
	}
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	struct sieve_action *a = &r->v[r->n++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->line = c ? c->line : 0;
	return a;
}

/* RFC 5321 2.4: the local part is case-sensitive, the domain not */
static bool
same_address(const char *a, const char *b)
{
	const char *at = strrchr(a, '@'), *bt = strrchr(b, '@');

	if (!at || !bt || at - a != bt - b)
		return strcmp(a, b) == 0;
	return memcmp(a, b, (size_t)(at - a)) == 0 && strcasecmp(at, bt) == 0;
}

static struct sieve_action *
find(struct sieve_run *rn, enum sieve_action_kind k, const char *s)
{
	for (size_t i = 0; i < rn->r->n; i++) {
		struct sieve_action *a = &rn->r->v[i];
		if (a->kind != k)
			continue;
		if (k == SIEVE_FILEINTO && strcmp(a->mailbox, s) != 0)
			continue;
		if (k == SIEVE_REDIRECT && !same_address(a->address, s))
			continue;
		return a;
	}
	return NULL;
}

/* reject and ereject exclude keep, fileinto, redirect and vacation
 * (RFC 5429 2.1, RFC 5230 4.7) */
static bool
conflicts(struct sieve_run *rn, const struct sieve_node *c, bool rejecting)
{
	for (size_t i = 0; i < rn->r->n; i++) {
		enum sieve_action_kind k = rn->r->v[i].kind;
		bool rej = k == SIEVE_REJECT || k == SIEVE_EREJECT;
		if (rejecting ? (k != SIEVE_DISCARD) : rej) {
			sieve_run_error(rn, c->line,
					"%s conflicts with an earlier %s action",
					c->cmd->name, rej ? "reject" : "keep/fileinto/redirect/vacation");
			return true;
		}
	}
	return false;
}

/* the flags an action gets: :flags, or the internal variable */
static const char *const *
action_flags(struct sieve_run *rn, const struct sieve_node *c)
{
	if (c->flags) {
		struct buf f = BUF_INIT;
		flags_join(rn, c->flags, &f);
		const char *const *v = flags_array(rn, (const char *)f.data, f.len);
		buf_free(&f);
		return v;
	}
	return flags_array(rn, (const char *)rn->flags.data, rn->flags.len);
}

bool
sieve_address_ok(const char *a)
{
	const char *at = strrchr(a, '@');

	if (!at || at == a || at[1] == '\0' || strlen(a) > 320)
		return false;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == ',' || *p == '"' || *p == '(' || *p == ')')
			return false;
	return !strchr(at + 1, '@');
}

int
sieve_action_exec(struct sieve_run *rn, const struct sieve_node *c)
{
	struct buf s = BUF_INIT;
	struct sieve_action *a;
	int rc = 0;

	switch (c->cmd->id) {
	case C_SETFLAG:
	case C_ADDFLAG:
	case C_REMOVEFLAG:
		exec_flags(rn, c);
		break;
	case C_KEEP:
		if (conflicts(rn, c, false))
			break;
		rn->keep_cancelled = true;
	keep:
		if ((a = find(rn, SIEVE_KEEP, NULL))) {
			a->flags = action_flags(rn, c);
			break;
		}
		if ((a = sieve_action_add(rn, c, SIEVE_KEEP)))
			a->flags = action_flags(rn, c);
		break;
	case C_DISCARD:
		rn->keep_cancelled = true;
		if (!find(rn, SIEVE_DISCARD, NULL))
			sieve_action_add(rn, c, SIEVE_DISCARD);
		break;
	case C_FILEINTO:
		if (conflicts(rn, c, false))
			break;
		sieve_expand(rn, &c->pos[0]->list.v[0], &s);
		if (s.len == 0) {
			sieve_run_error(rn, c->line, "fileinto: empty mailbox name");
			break;
		}
		if (!c->copy)
			rn->keep_cancelled = true;
		/* INBOX is where keep stores: one copy (as Pigeonhole) */
		if (strcasecmp(buf_cstr(&s), "INBOX") == 0)
			goto keep;
		if ((a = find(rn, SIEVE_FILEINTO, buf_cstr(&s)))) {
			a->flags = action_flags(rn, c);
			a->create |= c->create;
			break;
		}
		if ((a = sieve_action_add(rn, c, SIEVE_FILEINTO))) {
			a->mailbox = dup_buf(rn, &s);
			a->create = c->create;
			a->copy = c->copy;
			a->flags = action_flags(rn, c);
		}
		break;
	case C_REDIRECT:
		if (conflicts(rn, c, false))
			break;
		sieve_expand(rn, &c->pos[0]->list.v[0], &s);
		if (!sieve_address_ok(buf_cstr(&s))) {
			sieve_run_error(rn, c->line, "redirect: bad address \"%s\"",
					buf_cstr(&s));
			break;
		}
		if (!c->copy)
			rn->keep_cancelled = true;
		if (find(rn, SIEVE_REDIRECT, buf_cstr(&s)))
			break;
		if (++rn->redirects > rn->lim->max_redirects) {
			sieve_run_error(rn, c->line, "too many redirects (at most %u)",
					rn->lim->max_redirects);
			break;
		}
		if ((a = sieve_action_add(rn, c, SIEVE_REDIRECT))) {
			a->address = dup_buf(rn, &s);
			a->copy = c->copy;
		}
		break;
	case C_REJECT:
	case C_EREJECT:
		if (rn->reject_done) {
			sieve_run_error(rn, c->line, "only one reject per run");
			break;
		}
		if (conflicts(rn, c, true))
			break;
		rn->reject_done = true;
		rn->keep_cancelled = true;
		sieve_expand(rn, &c->pos[0]->list.v[0], &s);
		if ((a = sieve_action_add(rn, c, c->cmd->id == C_REJECT ? SIEVE_REJECT :
			     SIEVE_EREJECT)))
			a->reason = dup_buf(rn, &s);
		break;
	case C_VACATION:
		if (rn->vacation_done) {
			sieve_run_error(rn, c->line, "only one vacation per run");
			break;
		}
		if (conflicts(rn, c, false))
			break;
		rn->vacation_done = true;
		rc = sieve_vacation_exec(rn, c);
		break;
	default:
		sieve_run_error(rn, c->line, "'%s' is not an action", c->cmd->name);
		break;
	}
	buf_free(&s);
	return rn->failed ? -1 : rc;
}

void
sieve_actions_finish(struct sieve_run *rn)
{
	struct sieve_action *a;

	if (rn->keep_cancelled || find(rn, SIEVE_KEEP, NULL))
		return;
	rn->r->implicit_keep = true;
	rn->actions = 0;	/* the implicit keep is never over the limit */
	if ((a = sieve_action_add(rn, NULL, SIEVE_KEEP)))
		a->flags = flags_array(rn, (const char *)rn->flags.data,
				       rn->flags.len);
}
