/* sieve-testlib.c - see sieve-testlib.h */
#include "sieve-testlib.h"
#include "lib/buf.h"

#include <stdlib.h>
#include <string.h>

static int
inc_get(void *arg, bool global, const char *name, char **text_r,
	size_t *len_r)
{
	const struct stl_env *e = arg;
	const char *t = NULL;

	if (e->inc_name && strcmp(name, e->inc_name) == 0)
		t = e->inc_text;
	else if (e->inc2_name && strcmp(name, e->inc2_name) == 0)
		t = e->inc2_text;
	for (size_t i = 0; !t && e->scripts && e->scripts[i]; i += 2) {
		const char *n = e->scripts[i];
		bool g = strncmp(n, "global:", 7) == 0;
		if (g == global && strcmp(g ? n + 7 : n, name) == 0)
			t = e->scripts[i + 1];
	}
	if (!t)
		return -1;
	*text_r = xstrdup(t);
	*len_r = strlen(t);
	return 0;
}

static bool
exists(void *arg, const char *name)
{
	const char *const *v = arg;

	for (size_t i = 0; v && v[i]; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

static void
flags(struct buf *o, const char *const *f)
{
	if (!f || !f[0])
		return;
	buf_append_byte(o, '[');
	for (size_t i = 0; f[i]; i++)
		buf_printf(o, "%s%s", i ? " " : "", f[i]);
	buf_append_byte(o, ']');
}

char *
stl_run(const char *script, const char *msg, const struct stl_env *env)
{
	static const struct stl_env none;
	struct sieve_limits lim;
	struct sieve_diags d = { NULL, 0 };
	struct sieve_result r;
	struct sieve_msg m;
	struct buf o = BUF_INIT, crlf = BUF_INIT;

	if (!env)
		env = &none;
	if (env->lim)
		lim = *env->lim;
	else
		sieve_limits_default(&lim);
	struct sieve_includer inc = { inc_get, (void *)env };
	struct sieve_script *s = sieve_compile("main", script, strlen(script),
					       &lim, &inc, &d);
	if (!s) {
		buf_printf(&o, "error %u:%u: %s", d.v[0].line, d.v[0].col,
			   d.v[0].msg);
		sieve_diags_free(&d);
		return buf_steal(&o);
	}
	sieve_diags_free(&d);
	for (const char *p = msg; *p; p++) {
		if (*p == '\n' && (p == msg || p[-1] != '\r'))
			buf_append_byte(&crlf, '\r');
		buf_append_byte(&crlf, (unsigned char)*p);
	}
	memset(&m, 0, sizeof(m));
	m.data = crlf.data;
	m.len = crlf.len;
	m.env_from = env->from ? env->from : "sender@example.com";
	m.env_to = env->to ? env->to : "rcpt@example.com";
	m.env_orig_to = m.env_to;
	m.now = 1764720000;	/* 2025-12-03 00:00:00 UTC, a Wednesday */
	m.own_addresses = env->own;
	m.mailbox_exists = exists;
	m.arg = (void *)env->mailboxes;
	m.spam_header = "X-Spam-Score";
	m.spam_max = 15;
	m.virus_header = "X-Virus-Status";
	if (sieve_run(s, &m, &lim, &r) < 0) {
		buf_printf(&o, "runtime %u: %s", r.diags.v[0].line,
			   r.diags.v[0].msg);
	} else {
		for (size_t i = 0; i < r.n; i++) {
			const struct sieve_action *a = &r.v[i];
			if (i)
				buf_append_str(&o, "; ");
			switch (a->kind) {
			case SIEVE_KEEP:
				buf_append_str(&o, "keep");
				flags(&o, a->flags);
				break;
			case SIEVE_FILEINTO:
				buf_printf(&o, "fileinto:%s%s%s", a->mailbox,
					   a->copy ? ":copy" : "",
					   a->create ? ":create" : "");
				flags(&o, a->flags);
				break;
			case SIEVE_REDIRECT:
				buf_printf(&o, "redirect:%s%s", a->address,
					   a->copy ? ":copy" : "");
				break;
			case SIEVE_REJECT:
				buf_printf(&o, "reject:%s", a->reason);
				break;
			case SIEVE_EREJECT:
				buf_printf(&o, "ereject:%s", a->reason);
				break;
			case SIEVE_DISCARD:
				buf_append_str(&o, "discard");
				break;
			case SIEVE_VACATION:
				buf_printf(&o, "vacation:%s:%u:%s", a->vacation_to,
					   a->vacation_seconds, a->vacation_subject);
				if (env->vacation_detail)
					buf_printf(&o, "|%s|%s|%s|%s",
						   a->vacation_handle,
						   a->vacation_from ? a->vacation_from : "-",
						   a->vacation_mime ? "mime" : "-",
						   a->reason);
				break;
			}
		}
	}
	sieve_result_free(&r);
	sieve_script_free(s);
	buf_free(&crlf);
	if (!o.data)
		return xstrdup("");
	return buf_steal(&o);
}
