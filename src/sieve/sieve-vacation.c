/* sieve-vacation.c - vacation (RFC 5230, RFC 6131 :seconds): whether to
 * reply (4.5 the user's addresses, 4.6 no replies to lists, bounces and
 * robots) and the reply's parameters; the once-per-period record is the
 * caller's */
#include "sieve/sieve-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* local parts that are never people (RFC 5230 4.6 and common robots) */
static bool
robot_sender(const char *addr)
{
	static const char *const names[] = { "mailer-daemon", "listserv",
		"majordomo", "postmaster", NULL };
	const char *at = strrchr(addr, '@');
	size_t ll = at ? (size_t)(at - addr) : strlen(addr);

	for (int i = 0; names[i]; i++)
		if (ll == strlen(names[i]) && strncasecmp(addr, names[i], ll) == 0)
			return true;
	if (ll >= 6 && strncasecmp(addr, "owner-", 6) == 0)
		return true;
	if (ll >= 8 && strncasecmp(addr + ll - 8, "-request", 8) == 0)
		return true;
	return false;
}

/* the message says it is automatic or from a list */
static bool
automatic(struct sieve_run *rn)
{
	static const char *const lists[] = { "list-id", "list-help",
		"list-unsubscribe", "list-subscribe", "list-post",
		"list-owner", "list-archive", NULL };
	struct buf *v, d = BUF_INIT;
	size_t n;
	bool yes = false;

	n = sieve_msg_headers(rn->mv, "auto-submitted", &v);
	for (size_t i = 0; i < n && !yes; i++) {
		sieve_header_decode(&v[i], &d);
		/* the keyword before any ';' parameters */
		const char *s = buf_cstr(&d);
		size_t l = strcspn(s, "; \t(");
		yes = !(l == 2 && strncasecmp(s, "no", 2) == 0);
	}
	n = sieve_msg_headers(rn->mv, "precedence", &v);
	for (size_t i = 0; i < n && !yes; i++) {
		sieve_header_decode(&v[i], &d);
		const char *s = buf_cstr(&d);
		yes = strcasecmp(s, "bulk") == 0 || strcasecmp(s, "list") == 0 ||
			strcasecmp(s, "junk") == 0;
	}
	for (int k = 0; lists[k] && !yes; k++)
		yes = sieve_msg_headers(rn->mv, lists[k], &v) > 0;
	buf_free(&d);
	return yes;
}

struct addrset {
	char **v;
	size_t n;
};

static void
set_add(struct addrset *s, const char *a, size_t len)
{
	if (len == 0)
		return;
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(char *));
	s->v[s->n++] = xstrndup(a, len);
}

static bool
set_has(const struct addrset *s, const char *a, size_t len)
{
	for (size_t i = 0; i < s->n; i++)
		if (strlen(s->v[i]) == len && strncasecmp(s->v[i], a, len) == 0)
			return true;
	return false;
}

static void
set_free(struct addrset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* one of the user's addresses is in To/Cc/Bcc/Resent-To/Resent-Cc */
static bool
addressed_to_user(struct sieve_run *rn, const struct addrset *mine)
{
	static const char *const fields[] = { "to", "cc", "bcc", "resent-to",
					      "resent-cc", NULL };
	bool yes = false;

	for (int f = 0; fields[f] && !yes; f++) {
		struct buf *v;
		size_t n = sieve_msg_headers(rn->mv, fields[f], &v);
		for (size_t i = 0; i < n && !yes; i++) {
			struct buf *addrs;
			bool whole;
			size_t na = sieve_addresses(&v[i], &addrs, &whole);
			for (size_t k = 0; k < na; k++) {
				if (!yes && set_has(mine, (const char *)addrs[k].data,
						    addrs[k].len))
					yes = true;
				buf_free(&addrs[k]);
			}
			free(addrs);
		}
	}
	return yes;
}

/* FNV-1a over the reply's parameters: the default :handle (RFC 5230 4.2) */
static void
hash_add(uint64_t *h, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		*h ^= (unsigned char)s[i];
		*h *= 1099511628211ULL;
	}
	*h ^= 0xff;
	*h *= 1099511628211ULL;
}

int
sieve_vacation_exec(struct sieve_run *rn, const struct sieve_node *c)
{
	const struct sieve_msg *m = rn->m;
	const struct sieve_limits *lim = rn->lim;
	struct addrset mine = { NULL, 0 };
	struct buf b = BUF_INIT, reason = BUF_INIT, subj = BUF_INIT,
		   from = BUF_INIT, handle = BUF_INIT;
	const char *sender = m->env_from ? m->env_from : "";

	/* 4.6: no reply to <> or to robots */
	if (*sender == '\0' || robot_sender(sender) || automatic(rn))
		goto out;
	/* 4.5: the user's addresses */
	if (m->env_to)
		set_add(&mine, m->env_to, strlen(m->env_to));
	if (m->env_orig_to)
		set_add(&mine, m->env_orig_to, strlen(m->env_orig_to));
	for (size_t i = 0; m->own_addresses && m->own_addresses[i]; i++)
		set_add(&mine, m->own_addresses[i], strlen(m->own_addresses[i]));
	if (c->addresses)
		for (size_t i = 0; i < c->addresses->n; i++) {
			sieve_expand(rn, &c->addresses->v[i], &b);
			set_add(&mine, (const char *)b.data, b.len);
		}
	if (set_has(&mine, sender, strlen(sender)))
		goto out;	/* never to oneself */
	if (!addressed_to_user(rn, &mine))
		goto out;

	struct sieve_action *a;
	sieve_expand(rn, &c->pos[0]->list.v[0], &reason);
	if (c->subject) {
		sieve_expand(rn, c->subject, &subj);
	} else {
		struct buf *v;
		if (sieve_msg_headers(rn->mv, "subject", &v) > 0) {
			sieve_header_decode(&v[0], &b);
			buf_append_str(&subj, "Auto: ");
			buf_append(&subj, b.data, b.len);
		} else {
			buf_append_str(&subj, "Automated reply");
		}
	}
	if (c->from)
		sieve_expand(rn, c->from, &from);
	if (c->handle) {
		sieve_expand(rn, c->handle, &handle);
	} else {
		uint64_t h = 14695981039346656037ULL;
		const char *mime = c->mime ? "1" : "0";
		if (c->subject)
			hash_add(&h, (const char *)subj.data, subj.len);
		hash_add(&h, (const char *)from.data, from.len);
		hash_add(&h, mime, 1);
		hash_add(&h, (const char *)reason.data, reason.len);
		buf_printf(&handle, "%016llx", (unsigned long long)h);
	}
	uint64_t secs = c->seconds_set ? c->seconds :
		(uint64_t)lim->vacation_default_days * 86400;
	uint64_t lo = (uint64_t)lim->vacation_min_days * 86400;
	uint64_t hi = (uint64_t)lim->vacation_max_days * 86400;
	if (secs < lo)
		secs = lo;
	if (hi && secs > hi)
		secs = hi;
	if ((a = sieve_action_add(rn, c, SIEVE_VACATION))) {
		a->reason = arena_strndup(rn->mem, (const char *)reason.data, reason.len);
		a->vacation_seconds = (uint32_t)secs;
		a->vacation_handle = arena_strndup(rn->mem, (const char *)handle.data,
						   handle.len);
		a->vacation_to = arena_strdup(rn->mem, sender);
		a->vacation_from = c->from ? arena_strndup(rn->mem,
			(const char *)from.data, from.len) : NULL;
		a->vacation_subject = arena_strndup(rn->mem, (const char *)subj.data,
						    subj.len);
		a->vacation_mime = c->mime;
	}
out:
	set_free(&mine);
	buf_free(&b);
	buf_free(&reason);
	buf_free(&subj);
	buf_free(&from);
	buf_free(&handle);
	return rn->failed ? -1 : 0;
}
