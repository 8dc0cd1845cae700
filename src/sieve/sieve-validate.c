/* sieve-validate.c - every command, test, tag and argument checked
 * against the command table and the script's require list; the tags
 * resolved into the node's fields for the interpreter */
#include "sieve/sieve-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct vctx {
	struct arena *a;
	struct sieve_unit *u;
	struct sieve_diags *diags;
	bool failed;
};

static bool
verr(struct vctx *v, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool
verr(struct vctx *v, unsigned line, unsigned col, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sieve_diag_add(v->diags, v->u->name, line, col, "%s", msg);
	v->failed = true;
	return false;
}

static bool
has(struct vctx *v, unsigned bit)
{
	return (v->u->exts & bit) != 0;
}

/* a variable a command may set: an identifier, or with include one in
 * the "global." namespace (RFC 6609 3.5) */
static bool
settable_name(struct vctx *v, const char *name)
{
	if (has(v, EXT_INCLUDE) && strncasecmp(name, "global.", 7) == 0)
		name += 7;
	return sieve_var_name_ok(name);
}

static const char *
what(const struct sieve_node *n)
{
	return n->cmd && n->cmd->test ? "test" : "command";
}

/* the tag's extension, or true when it is allowed */
static bool
need(struct vctx *v, const struct sieve_node *n, const struct sieve_arg *a,
     unsigned bit, const char *ext)
{
	if (has(v, bit))
		return true;
	return verr(v, a->line, a->col,
		    "tag ':%s' of the %s %s needs require \"%s\"", a->tag,
		    n->cmd->name, what(n), ext);
}

static bool
tag_allowed(const char *tags, const char *tag)
{
	size_t tl = strlen(tag);

	for (const char *p = tags; *p;) {
		const char *e = strchr(p, ' ');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == tl && strncasecmp(p, tag, l) == 0)
			return true;
		if (!e)
			break;
		p = e + 1;
	}
	return false;
}

static bool
group_has(const struct sieve_cmd *c, const char *group)
{
	return tag_allowed(c->tags, group);
}

/* the string argument following a tag */
static struct sieve_arg *
tag_value(struct vctx *v, struct sieve_node *n, size_t *i, bool list,
	  bool number)
{
	struct sieve_arg *t = &n->args[*i];

	if (*i + 1 >= n->nargs)
		goto bad;
	struct sieve_arg *a = &n->args[*i + 1];
	if (number ? a->kind != ARG_NUMBER :
	    list ? (a->kind != ARG_STRING && a->kind != ARG_LIST) :
	    a->kind != ARG_STRING)
		goto bad;
	(*i)++;
	return a;
bad:
	verr(v, t->line, t->col, "tag ':%s' of the %s %s needs a %s after it",
	     t->tag, n->cmd->name, what(n),
	     number ? "number" : list ? "string list" : "string");
	return NULL;
}

static bool
relop(const char *s, enum sieve_rel *r)
{
	static const char *const ops[] = { "gt", "ge", "lt", "le", "eq", "ne" };

	for (int i = 0; i < 6; i++)
		if (strcasecmp(s, ops[i]) == 0) {
			*r = (enum sieve_rel)i;
			return true;
		}
	return false;
}

static bool
check_tag(struct vctx *v, struct sieve_node *n, size_t *i, unsigned *seen)
{
	struct sieve_arg *t = &n->args[*i];
	const char *tag = t->tag;
	const struct sieve_cmd *c = n->cmd;
	struct sieve_arg *a;

#define ONCE(bit) do { if (*seen & (bit)) return verr(v, t->line, t->col, \
	"tag ':%s' given twice (or with a tag it excludes) for the %s %s", \
	tag, c->name, what(n)); *seen |= (bit); } while (0)

	if (group_has(c, "CMP") && strcasecmp(tag, "comparator") == 0) {
		ONCE(1);
		if (!(a = tag_value(v, n, i, false, false)))
			return false;
		const char *name = a->list.v[0].s;
		if (strcasecmp(name, "i;octet") == 0)
			n->m.cmp = CMP_OCTET;
		else if (strcasecmp(name, "i;ascii-casemap") == 0)
			n->m.cmp = CMP_CASEMAP;
		else if (strcasecmp(name, "i;ascii-numeric") == 0) {
			if (!has(v, EXT_NUMERIC))
				return verr(v, a->line, a->col,
					    "comparator \"i;ascii-numeric\" needs require \"comparator-i;ascii-numeric\"");
			n->m.cmp = CMP_NUMERIC;
		} else
			return verr(v, a->line, a->col, "unknown comparator \"%s\"", name);
		return true;
	}
	if (group_has(c, "MATCH")) {
		enum sieve_match mt = MT_IS;
		bool is = true;
		if (strcasecmp(tag, "is") == 0) mt = MT_IS;
		else if (strcasecmp(tag, "contains") == 0) mt = MT_CONTAINS;
		else if (strcasecmp(tag, "matches") == 0) mt = MT_MATCHES;
		else if (strcasecmp(tag, "regex") == 0) mt = MT_REGEX;
		else if (strcasecmp(tag, "value") == 0) mt = MT_VALUE;
		else if (strcasecmp(tag, "count") == 0) mt = MT_COUNT;
		else is = false;
		if (is) {
			ONCE(2);
			if (mt == MT_REGEX && !need(v, n, t, EXT_REGEX, "regex"))
				return false;
			if (mt == MT_VALUE || mt == MT_COUNT) {
				if (!need(v, n, t, EXT_RELATIONAL, "relational"))
					return false;
				if (!(a = tag_value(v, n, i, false, false)))
					return false;
				if (!relop(a->list.v[0].s, &n->m.rel))
					return verr(v, a->line, a->col,
						    "unknown relational operator \"%s\"",
						    a->list.v[0].s);
			}
			n->m.match = mt;
			return true;
		}
	}
	if (group_has(c, "ADDR")) {
		enum sieve_addrpart ap = AP_ALL;
		bool is = true;
		if (strcasecmp(tag, "all") == 0) ap = AP_ALL;
		else if (strcasecmp(tag, "localpart") == 0) ap = AP_LOCAL;
		else if (strcasecmp(tag, "domain") == 0) ap = AP_DOMAIN;
		else if (strcasecmp(tag, "user") == 0) ap = AP_USER;
		else if (strcasecmp(tag, "detail") == 0) ap = AP_DETAIL;
		else is = false;
		if (is) {
			ONCE(4);
			if ((ap == AP_USER || ap == AP_DETAIL) &&
			    !need(v, n, t, EXT_SUBADDRESS, "subaddress"))
				return false;
			n->ap = ap;
			return true;
		}
	}
	if (group_has(c, "INDEX") && strcasecmp(tag, "index") == 0) {
		ONCE(8);
		if (!need(v, n, t, EXT_INDEX, "index") ||
		    !(a = tag_value(v, n, i, false, true)))
			return false;
		if (a->num < 1 || a->num > 100000)
			return verr(v, a->line, a->col, ":index must be at least 1");
		n->index = (int)a->num;
		return true;
	}
	if (group_has(c, "INDEX") && strcasecmp(tag, "last") == 0) {
		ONCE(16);
		if (!need(v, n, t, EXT_INDEX, "index"))
			return false;
		n->last = true;
		return true;
	}
	if (!tag_allowed(c->tags, tag))
		return verr(v, t->line, t->col,
			    "unknown tag ':%s' for the %s %s", tag, c->name,
			    what(n));

	/* the command's own tags */
	switch (c->id) {
	case C_KEEP:
	case C_FILEINTO:
		if (strcasecmp(tag, "flags") == 0) {
			ONCE(32);
			if (!need(v, n, t, EXT_IMAP4FLAGS, "imap4flags") ||
			    !(a = tag_value(v, n, i, true, false)))
				return false;
			n->flags = &a->list;
		} else if (strcasecmp(tag, "copy") == 0) {
			ONCE(64);
			if (!need(v, n, t, EXT_COPY, "copy"))
				return false;
			n->copy = true;
		} else {
			ONCE(128);
			if (!need(v, n, t, EXT_MAILBOX, "mailbox"))
				return false;
			n->create = true;
		}
		return true;
	case C_REDIRECT:
		ONCE(64);
		if (!need(v, n, t, EXT_COPY, "copy"))
			return false;
		n->copy = true;
		return true;
	case C_VACATION:
		if (strcasecmp(tag, "days") == 0 || strcasecmp(tag, "seconds") == 0) {
			bool secs = strcasecmp(tag, "seconds") == 0;
			ONCE(32);
			if (secs && !need(v, n, t, EXT_VACSECONDS, "vacation-seconds"))
				return false;
			if (!(a = tag_value(v, n, i, false, true)))
				return false;
			n->seconds = secs ? a->num : a->num > UINT32_MAX ?
				UINT64_MAX : a->num * 86400;
			n->seconds_set = true;
		} else if (strcasecmp(tag, "subject") == 0) {
			ONCE(64);
			if (!(a = tag_value(v, n, i, false, false)))
				return false;
			n->subject = &a->list.v[0];
		} else if (strcasecmp(tag, "from") == 0) {
			ONCE(128);
			if (!(a = tag_value(v, n, i, false, false)))
				return false;
			n->from = &a->list.v[0];
		} else if (strcasecmp(tag, "addresses") == 0) {
			ONCE(256);
			if (!(a = tag_value(v, n, i, true, false)))
				return false;
			n->addresses = &a->list;
		} else if (strcasecmp(tag, "mime") == 0) {
			ONCE(512);
			n->mime = true;
		} else {
			ONCE(1024);
			if (!(a = tag_value(v, n, i, false, false)))
				return false;
			n->handle = &a->list.v[0];
		}
		return true;
	case C_SET: {
		/* :encodeurl belongs to enotify (RFC 5435), not here */
		static const char *const names[] = { "lower", "upper",
			"lowerfirst", "upperfirst", "quotewildcard",
			"quoteregex", NULL, "length" };
		for (unsigned k = 0; k < 8; k++)
			if (names[k] && strcasecmp(tag, names[k]) == 0) {
				unsigned bit = 1u << k;
				if (n->mods & bit)
					return verr(v, t->line, t->col,
						    "modifier ':%s' given twice", tag);
				/* one of each precedence group (RFC 5229 4.1) */
				if ((bit & (MOD_LOWER | MOD_UPPER)) &&
				    (n->mods & (MOD_LOWER | MOD_UPPER)))
					return verr(v, t->line, t->col, "modifiers :lower and :upper exclude each other");
				if ((bit & (MOD_LOWERFIRST | MOD_UPPERFIRST)) &&
				    (n->mods & (MOD_LOWERFIRST | MOD_UPPERFIRST)))
					return verr(v, t->line, t->col, "modifiers :lowerfirst and :upperfirst exclude each other");
				if ((bit & (MOD_QUOTEWILDCARD | MOD_QUOTEREGEX)) &&
				    (n->mods & (MOD_QUOTEWILDCARD | MOD_QUOTEREGEX)))
					return verr(v, t->line, t->col, "modifiers :quotewildcard and :quoteregex exclude each other");
				if (bit == MOD_QUOTEREGEX && !need(v, n, t, EXT_REGEX, "regex"))
					return false;
				n->mods |= bit;
				return true;
			}
		return false;
	}
	case C_INCLUDE:
		if (strcasecmp(tag, "personal") == 0 || strcasecmp(tag, "global") == 0) {
			ONCE(32);
			n->global = strcasecmp(tag, "global") == 0;
		} else if (strcasecmp(tag, "once") == 0) {
			ONCE(64);
			n->once = true;
		} else {
			ONCE(128);
			n->optional = true;
		}
		return true;
	case T_SIZE:
		ONCE(32);
		n->over = strcasecmp(tag, "over") == 0;
		return true;
	case T_BODY:
		ONCE(32);
		if (strcasecmp(tag, "raw") == 0)
			n->xform = BX_RAW;
		else if (strcasecmp(tag, "text") == 0)
			n->xform = BX_TEXT;
		else {
			n->xform = BX_CONTENT;
			if (!(a = tag_value(v, n, i, true, false)))
				return false;
			n->ctypes = &a->list;
		}
		return true;
	case T_DATE:
	case T_CURRENTDATE:
		ONCE(32);
		if (strcasecmp(tag, "originalzone") == 0) {
			n->originalzone = true;
			return true;
		}
		if (!(a = tag_value(v, n, i, false, false)))
			return false;
		n->zone = &a->list.v[0];
		int z;
		if (!a->list.v[0].vars && !sieve_zone_parse(a->list.v[0].s, &z))
			return verr(v, a->line, a->col, "bad :zone \"%s\" (want +hhmm or -hhmm)",
				    a->list.v[0].s);
		return true;
	case T_SPAMTEST:
		ONCE(32);
		if (!need(v, n, t, EXT_SPAMTESTPLUS, "spamtestplus"))
			return false;
		n->percent = true;
		return true;
	default:
		break;
	}
	return verr(v, t->line, t->col, "unknown tag ':%s' for the %s %s", tag,
		    c->name, what(n));
#undef ONCE
}

/* encoded-character, the variables flag, and regex keys */
static bool
fix_strings(struct vctx *v, struct sieve_node *n)
{
	for (size_t i = 0; i < n->nargs; i++) {
		struct sieve_arg *a = &n->args[i];
		if (a->kind != ARG_STRING && a->kind != ARG_LIST)
			continue;
		for (size_t k = 0; k < a->list.n; k++) {
			struct sieve_str *s = &a->list.v[k];
			char err[160];
			if (has(v, EXT_ENCODED) && !sieve_decode_encoded(s, err, sizeof(err)))
				return verr(v, a->line, a->col, "%s", err);
			if (!has(v, EXT_VARIABLES))
				s->vars = false;
			else
				s->vars = memmem(s->s, s->len, "${", 2) != NULL;
		}
	}
	return true;
}

static bool validate_test(struct vctx *v, struct sieve_node *t);

/* the header fields that hold addresses: the address test's (the list
 * Pigeonhole allows) */
static const char *const address_headers[] = {
	"from", "to", "cc", "bcc", "sender", "resent-from", "resent-to",
	"return-receipt-to", "errors-to", "reply-to", "resent-reply-to",
	"resent-sender", "resent-cc", "resent-bcc", "for-approval",
	"for-handling", "for-comment", "apparently-to", "delivered-to",
	"x-admin", "read-receipt-to", "x-confirm-reading-to",
	"return-receipt-requested", "registered-mail-reply-requested-by",
	"mail-followup-to", "mail-reply-to", "abuse-reports-to",
	"x-complaints-to", "x-report-abuse-to", "x-beenthere",
	"x-original-from", "x-original-to", "disposition-notification-to",
	NULL
};

static bool
in_list(const char *const *l, const char *s)
{
	for (size_t i = 0; l[i]; i++)
		if (strcasecmp(l[i], s) == 0)
			return true;
	return false;
}

/* vacation's :from (a mailbox, "Name <addr>" allowed) and :addresses,
 * when constant */
static bool
vacation_addresses_ok(struct vctx *v, struct sieve_node *n)
{
	if (n->from && !n->from->vars) {
		const char *lt = strrchr(n->from->s, '<');
		char *a = lt ? xstrndup(lt + 1, strcspn(lt + 1, ">")) :
			xstrdup(n->from->s);
		bool ok = sieve_address_ok(a) && (!lt || strchr(lt, '>'));
		free(a);
		if (!ok)
			return verr(v, n->line, n->col,
				    "vacation :from \"%s\" is not an address",
				    n->from->s);
	}
	for (size_t k = 0; n->addresses && k < n->addresses->n; k++) {
		const struct sieve_str *s = &n->addresses->v[k];
		if (!s->vars && !sieve_address_ok(s->s))
			return verr(v, n->line, n->col,
				    "vacation :addresses \"%s\" is not an address",
				    s->s);
	}
	return true;
}

/* constant arguments that can be checked before any run */
static bool
check_fixed(struct vctx *v, struct sieve_node *n)
{
	static const char *const env_parts[] = { "from", "to", "auth", NULL };
	int id = n->cmd->id;
	struct sieve_arg *a = n->npos ? n->pos[0] : NULL;

	if ((id == T_ADDRESS || id == T_ENVELOPE) && a)
		for (size_t k = 0; k < a->list.n; k++) {
			const struct sieve_str *s = &a->list.v[k];
			if (s->vars)
				continue;
			if (id == T_ADDRESS && !in_list(address_headers, s->s))
				return verr(v, a->line, a->col,
					    "header \"%s\" holds no addresses: not allowed in the address test",
					    s->s);
			if (id == T_ENVELOPE && !in_list(env_parts, s->s))
				return verr(v, a->line, a->col,
					    "envelope part \"%s\" is not supported", s->s);
		}
	if (id == C_REDIRECT && !a->list.v[0].vars &&
	    !sieve_address_ok(a->list.v[0].s))
		return verr(v, a->line, a->col, "redirect: bad address \"%s\"",
			    a->list.v[0].s);
	if (id == C_VACATION && !vacation_addresses_ok(v, n))
		return false;
	if (n->m.cmp == CMP_NUMERIC && (n->m.match == MT_CONTAINS ||
	    n->m.match == MT_MATCHES || n->m.match == MT_REGEX))
		return verr(v, n->line, n->col,
			    "comparator i;ascii-numeric does not support :%s",
			    n->m.match == MT_CONTAINS ? "contains" :
			    n->m.match == MT_MATCHES ? "matches" : "regex");
	/* "${ns.name}": only the global namespace (RFC 6609) exists */
	if (has(v, EXT_VARIABLES))
		for (size_t i = 0; i < n->nargs; i++)
			for (size_t k = 0; k < n->args[i].list.n; k++) {
				const struct sieve_str *s = &n->args[i].list.v[k];
				const char *p = s->s;
				while (s->vars && (p = strstr(p, "${"))) {
					size_t l = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz"
							  "ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789");
					if (l && p[2 + l] == '.' &&
					    !(l == 6 && strncasecmp(p + 2, "global", 6) == 0))
						return verr(v, n->args[i].line, n->args[i].col,
							    "variable in unknown namespace \"%.*s\"",
							    (int)l, p + 2);
					p += 2;
				}
			}
	return true;
}

static bool
check_args(struct vctx *v, struct sieve_node *n)
{
	const struct sieve_cmd *c = n->cmd;
	unsigned seen = 0;
	struct sieve_arg *pos[4];
	size_t np = 0;

	if (!fix_strings(v, n))
		return false;
	for (size_t i = 0; i < n->nargs; i++) {
		if (n->args[i].kind == ARG_TAG) {
			/* RFC 5228 2.6.2: tagged arguments come first */
			if (np > 0)
				return verr(v, n->args[i].line, n->args[i].col,
					    "tag ':%s' of the %s %s comes after a positional argument; tags go first",
					    n->args[i].tag, c->name, what(n));
			if (!check_tag(v, n, &i, &seen))
				return false;
			continue;
		}
		if (np == 4)
			return verr(v, n->args[i].line, n->args[i].col,
				    "too many arguments for the %s %s", c->name, what(n));
		pos[np++] = &n->args[i];
	}
	const char *spec = c->pos;
	bool opt = spec[0] == '?';
	if (opt)
		spec++;
	size_t want = strlen(spec);
	size_t skip = 0;
	if (opt && np == want - 1)
		skip = 1;	/* the optional first argument left out */
	if (np != want - skip)
		return verr(v, n->line, n->col,
			    "the %s %s takes %zu positional argument%s, %zu given",
			    c->name, what(n), want - (opt ? 1 : 0),
			    want - (opt ? 1 : 0) == 1 ? "" : "s", np);
	for (size_t k = 0; k < np; k++) {
		char t = spec[k + skip];
		struct sieve_arg *a = pos[k];
		if (t == 'n' && a->kind != ARG_NUMBER)
			return verr(v, a->line, a->col, "the %s %s wants a number here",
				    c->name, what(n));
		if (t == 's' && a->kind != ARG_STRING)
			return verr(v, a->line, a->col, "the %s %s wants a string here",
				    c->name, what(n));
		if (t == 'l' && a->kind != ARG_STRING && a->kind != ARG_LIST)
			return verr(v, a->line, a->col, "the %s %s wants a string list here",
				    c->name, what(n));
	}
	/* the variable name of setflag & co and hasflag comes first */
	if (opt && skip == 0) {
		if (!has(v, EXT_VARIABLES))
			return verr(v, pos[0]->line, pos[0]->col,
				    "a variable name argument needs require \"variables\"");
		n->pos[2] = pos[0];
		for (size_t k = 1; k < np; k++)
			n->pos[k - 1] = pos[k];
		n->npos = np - 1;
	} else {
		for (size_t k = 0; k < np && k < 3; k++)
			n->pos[k] = pos[k];
		n->npos = np;
	}
	/* tests */
	bool wants_list = c->id == T_ANYOF || c->id == T_ALLOF;
	bool wants_one = c->id == C_IF || c->id == C_ELSIF || c->id == T_NOT;
	if (wants_list && !n->test_list)
		return verr(v, n->line, n->col, "%s wants a test list \"( ... )\"", c->name);
	if (wants_one && (n->ntests != 1 || n->test_list))
		return verr(v, n->line, n->col, "%s wants one test", c->name);
	if (!wants_list && !wants_one && n->ntests)
		return verr(v, n->tests[0].line, n->tests[0].col,
			    "the %s %s takes no test", c->name, what(n));
	for (size_t k = 0; k < n->ntests; k++)
		if (!validate_test(v, &n->tests[k]))
			return false;

	/* per command */
	switch (c->id) {
	case T_SIZE:
		if (!(seen & 32))
			return verr(v, n->line, n->col, "size wants :over or :under");
		break;
	case T_ADDRESS:
	case T_HEADER:
	case T_DATE:
		if (n->last && !n->index)
			return verr(v, n->line, n->col, ":last wants :index");
		break;
	case C_SET:
		if (!settable_name(v, n->pos[0]->list.v[0].s))
			return verr(v, n->pos[0]->line, n->pos[0]->col,
				    "bad variable name \"%s\"", n->pos[0]->list.v[0].s);
		break;
	case C_GLOBAL:
		for (size_t k = 0; k < n->pos[0]->list.n; k++)
			if (!sieve_var_name_ok(n->pos[0]->list.v[k].s))
				return verr(v, n->pos[0]->line, n->pos[0]->col,
					    "bad variable name \"%s\"",
					    n->pos[0]->list.v[k].s);
		if (!has(v, EXT_VARIABLES))
			return verr(v, n->line, n->col, "global needs require \"variables\"");
		break;
	case C_INCLUDE: {
		const char *nm = n->pos[0]->list.v[0].s;
		if (!*nm || strchr(nm, '/') || nm[0] == '.')
			return verr(v, n->pos[0]->line, n->pos[0]->col,
				    "bad script name \"%s\"", nm);
		break;
	}
	case C_SETFLAG:
	case C_ADDFLAG:
	case C_REMOVEFLAG:
	case T_HASFLAG:
		if (n->pos[2])
			for (size_t k = 0; k < n->pos[2]->list.n; k++)
				if (!settable_name(v, n->pos[2]->list.v[k].s))
					return verr(v, n->pos[2]->line, n->pos[2]->col,
						    "bad variable name \"%s\"",
						    n->pos[2]->list.v[k].s);
		break;
	default:
		break;
	}
	if (!check_fixed(v, n))
		return false;
	/* regex keys are checked now when they are constant */
	if (n->m.match == MT_REGEX) {
		struct sieve_arg *keys = n->npos ? n->pos[n->npos - 1] : NULL;
		for (size_t k = 0; keys && k < keys->list.n; k++) {
			char err[160];
			if (keys->list.v[k].vars)
				continue;
			if (!sieve_regex_check(keys->list.v[k].s, keys->list.v[k].len,
					       n->m.cmp == CMP_CASEMAP, err, sizeof(err)))
				return verr(v, keys->line, keys->col, "%s", err);
		}
	}
	return true;
}

static bool
resolve(struct vctx *v, struct sieve_node *n, bool test)
{
	n->cmd = sieve_cmd_find(n->name, test);
	n->m.cmp = CMP_CASEMAP;
	if (!n->cmd) {
		if (sieve_cmd_find(n->name, !test))
			return verr(v, n->line, n->col, "'%s' is a %s, not a %s here",
				    n->name, test ? "command" : "test",
				    test ? "test" : "command");
		return verr(v, n->line, n->col, "unknown %s '%s'",
			    test ? "test" : "command", n->name);
	}
	if (n->cmd->ext) {
		bool known;
		unsigned bit = sieve_ext_bit(n->cmd->ext, &known);
		if (!has(v, bit))
			return verr(v, n->line, n->col,
				    "the %s %s needs require \"%s\"", n->name,
				    test ? "test" : "command", n->cmd->ext);
	}
	return true;
}

static bool
validate_test(struct vctx *v, struct sieve_node *t)
{
	return resolve(v, t, true) && check_args(v, t);
}

static bool
validate_block(struct vctx *v, struct sieve_node *cmds, size_t n, bool top)
{
	bool requires_ok = top;

	for (size_t i = 0; i < n; i++) {
		struct sieve_node *c = &cmds[i];
		if (!resolve(v, c, false))
			return false;
		if (c->cmd->id == C_REQUIRE) {
			if (!requires_ok)
				return verr(v, c->line, c->col,
					    "require must come before any other command, at the top of the script");
			if (!check_args(v, c))
				return false;
			if (c->has_block)
				return verr(v, c->line, c->col, "require takes no block");
			struct sieve_arg *a = c->pos[0];
			for (size_t k = 0; k < a->list.n; k++) {
				bool known;
				unsigned bit = sieve_ext_bit(a->list.v[k].s, &known);
				if (!known)
					return verr(v, a->line, a->col,
						    "unknown extension \"%s\"", a->list.v[k].s);
				v->u->exts |= bit;
			}
			continue;
		}
		requires_ok = false;
		if (!check_args(v, c))
			return false;
		int id = c->cmd->id;
		bool block = id == C_IF || id == C_ELSIF || id == C_ELSE;
		if (block != c->has_block)
			return verr(v, c->line, c->col, block ?
				    "%s wants a block \"{ ... }\"" :
				    "%s takes no block", c->cmd->name);
		if ((id == C_ELSIF || id == C_ELSE) &&
		    (i == 0 || (cmds[i - 1].cmd->id != C_IF &&
				cmds[i - 1].cmd->id != C_ELSIF)))
			return verr(v, c->line, c->col, "%s without if", c->cmd->name);
		if (c->has_block && !validate_block(v, c->block, c->nblock, false))
			return false;
	}
	return true;
}

bool
sieve_validate(struct arena *a, struct sieve_unit *u, struct sieve_diags *diags)
{
	struct vctx v = { a, u, diags, false };

	return validate_block(&v, u->cmds, u->ncmds, true) && !v.failed;
}
