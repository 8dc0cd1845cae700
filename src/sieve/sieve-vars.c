/* sieve-vars.c - variables (RFC 5229): "${name}" and "${N}" expansion,
 * set's modifiers, and globals shared with included scripts (RFC 6609) */
#include "sieve/sieve-private.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool
sieve_var_name_ok(const char *name)
{
	const char *p = name;

	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_'))
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static bool
declared_global(struct sieve_run *rn, const char *name)
{
	for (size_t i = 0; i < rn->nglobal_names; i++)
		if (strcasecmp(rn->global_names[i], name) == 0)
			return true;
	return false;
}

/* the variable, or NULL; create makes it */
static struct sieve_var *
var_find(struct sieve_run *rn, const char *name, size_t len, bool create)
{
	struct sieve_var **v = &rn->locals;
	size_t *n = &rn->nlocals;
	char *z;

	if (len > 7 && strncasecmp(name, "global.", 7) == 0) {
		name += 7;
		len -= 7;
		v = &rn->globals;
		n = &rn->nglobals;
	}
	z = xstrndup(name, len);
	for (char *q = z; *q; q++)
		if (*q >= 'A' && *q <= 'Z')
			*q += 32;
	if (v == &rn->locals && declared_global(rn, z)) {
		v = &rn->globals;
		n = &rn->nglobals;
	}
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, z) == 0) {
			free(z);
			return &(*v)[i];
		}
	if (!create || rn->nglobals + rn->nlocals >= rn->lim->max_variables) {
		free(z);
		return NULL;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].name = z;
	buf_init(&(*v)[*n].val);
	return &(*v)[(*n)++];
}

bool
sieve_var_set(struct sieve_run *rn, const char *name, const char *val,
	      size_t len, unsigned line)
{
	struct sieve_var *v = var_find(rn, name, strlen(name), true);

	if (!v) {
		sieve_run_error(rn, line, "too many variables (at most %u)",
				rn->lim->max_variables);
		return false;
	}
	if (len > rn->lim->max_variable_size)
		len = rn->lim->max_variable_size;
	buf_reset(&v->val);
	buf_append(&v->val, val, len);
	buf_cstr(&v->val);
	return true;
}

static void
vars_free(struct sieve_var *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		buf_free(&v[i].val);
	}
	free(v);
}

void
sieve_vars_free(struct sieve_run *rn)
{
	vars_free(rn->globals, rn->nglobals);
	vars_free(rn->locals, rn->nlocals);
	rn->globals = rn->locals = NULL;
	rn->nglobals = rn->nlocals = 0;
	for (size_t i = 0; i < 10; i++)
		buf_free(&rn->mvars.v[i]);
}

static bool
name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		(!first && ((c >= '0' && c <= '9') || c == '.'));
}

void
sieve_expand(struct sieve_run *rn, const struct sieve_str *s, struct buf *out)
{
	buf_reset(out);
	if (!s->vars) {
		buf_append(out, s->s, s->len);
		buf_cstr(out);
		return;
	}
	for (size_t i = 0; i < s->len;) {
		if (s->s[i] != '$' || i + 1 >= s->len || s->s[i + 1] != '{') {
			buf_append_byte(out, (unsigned char)s->s[i++]);
			continue;
		}
		size_t k = i + 2;
		bool num = k < s->len && s->s[k] >= '0' && s->s[k] <= '9';
		if (num)
			while (k < s->len && s->s[k] >= '0' && s->s[k] <= '9')
				k++;
		else if (k < s->len && name_char(s->s[k], true))
			while (k < s->len && name_char(s->s[k], false))
				k++;
		if (k == i + 2 || k >= s->len || s->s[k] != '}') {
			buf_append_byte(out, (unsigned char)s->s[i++]);
			continue;
		}
		const char *name = s->s + i + 2;
		size_t nlen = k - i - 2;
		if (num) {
			size_t idx = 0;
			for (size_t q = 0; q < nlen && idx < 100; q++)
				idx = idx * 10 + (size_t)(name[q] - '0');
			if (idx < rn->mvars.n && idx < rn->lim->max_match_values)
				buf_append(out, rn->mvars.v[idx].data,
					   rn->mvars.v[idx].len);
		} else {
			const char *dot = memchr(name, '.', nlen);
			if (dot && !((size_t)(dot - name) == 6 &&
				     strncasecmp(name, "global", 6) == 0)) {
				/* an unknown namespace: left as written */
				buf_append(out, s->s + i, k + 1 - i);
				i = k + 1;
				continue;
			}
			struct sieve_var *v = var_find(rn, name, nlen, false);
			if (v)
				buf_append(out, v->val.data, v->val.len);
		}
		i = k + 1;
	}
	buf_cstr(out);
}

static void
quote(struct buf *v, const char *special)
{
	struct buf o = BUF_INIT;

	for (size_t i = 0; i < v->len; i++) {
		if (v->data[i] && strchr(special, v->data[i]))
			buf_append_byte(&o, '\\');
		buf_append_byte(&o, v->data[i]);
	}
	buf_reset(v);
	buf_append(v, o.data, o.len);
	buf_free(&o);
}

void
sieve_apply_mods(unsigned mods, struct buf *v)
{
	if (mods & (MOD_LOWER | MOD_UPPER))
		for (size_t i = 0; i < v->len; i++) {
			unsigned char c = v->data[i];
			if ((mods & MOD_LOWER) && c >= 'A' && c <= 'Z')
				v->data[i] = c + 32;
			if ((mods & MOD_UPPER) && c >= 'a' && c <= 'z')
				v->data[i] = c - 32;
		}
	if (v->len && (mods & MOD_LOWERFIRST) && v->data[0] >= 'A' && v->data[0] <= 'Z')
		v->data[0] += 32;
	if (v->len && (mods & MOD_UPPERFIRST) && v->data[0] >= 'a' && v->data[0] <= 'z')
		v->data[0] -= 32;
	if (mods & MOD_QUOTEWILDCARD)
		quote(v, "*?\\");
	if (mods & MOD_QUOTEREGEX)
		quote(v, "*?\\.+^$|()[]{}");
	if (mods & MOD_LENGTH) {
		size_t chars = 0;
		for (size_t i = 0; i < v->len; i++)
			if ((v->data[i] & 0xc0) != 0x80)
				chars++;
		buf_reset(v);
		buf_printf(v, "%zu", chars);
	}
	buf_cstr(v);
}
