/* search-parse.c - SEARCH program: RETURN options, CHARSET, every key of
 * RFC 9051 6.4.4 (and RFC 3501's RECENT, NEW, OLD, UNRECENT) */
#include "imap/imap-search.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/casefold.h"

#define SEARCH_MAX_DEPTH 32

static void
skey_free(struct skey *k)
{
	size_t i;

	for (i = 0; i < k->n_kids; i++)
		skey_free(&k->kids[i]);
	free(k->kids);
	free(k->str);
	free(k->fold);
	free(k->field);
	free(k->ranges);
	store_ids_free(&k->fts_match);
	store_ids_free(&k->fts_unindexed);
	store_ids_free(&k->fts_prefix);
}

/* the string of a text key and its casefold (lib/casefold.h), folded
 * once here rather than for each message */
static void
skey_set_text(struct skey *k, const char *v)
{
	struct buf f = BUF_INIT;

	k->str = xstrdup(v);
	casefold(v, strlen(v), &f);
	k->fold_len = f.len;
	k->fold = buf_steal(&f);
}

void
search_query_free(struct search_query *q)
{
	skey_free(&q->root);
	memset(q, 0, sizeof(*q));
}

static struct skey *
skey_add(struct skey *parent, enum skey_type type)
{
	struct skey *k;

	parent->kids = xrealloc(parent->kids,
				(parent->n_kids + 1) * sizeof(*parent->kids));
	k = &parent->kids[parent->n_kids++];
	memset(k, 0, sizeof(*k));
	k->type = type;
	return k;
}

struct sparse {
	struct imap_session *s;
	struct search_query *q;
	const struct imap_arg *a;	/* next argument */
	const char *error;
	unsigned depth;
};

static const char *
sp_string(struct sparse *p)
{
	const char *s = imap_arg_str(p->a);

	if (s == NULL || memchr(s, '\0', p->a->len) != NULL) {
		p->error = "String expected";
		return NULL;
	}
	p->a++;
	return s;
}

static bool
sp_number(struct sparse *p, uint64_t *v)
{
	const char *s = imap_arg_str(p->a);
	char *e;

	if (s == NULL || !isdigit((unsigned char)*s)) {
		p->error = "Number expected";
		return false;
	}
	errno = 0;
	*v = strtoull(s, &e, 10);
	if (*e != '\0' || errno == ERANGE) {
		p->error = "Number expected";
		return false;
	}
	p->a++;
	return true;
}

static bool
sp_date(struct sparse *p, int64_t *day)
{
	const char *s = imap_arg_str(p->a);
	int64_t t;

	if (s == NULL || !imap_parse_date(s, &t)) {
		p->error = "Invalid date";
		return false;
	}
	*day = t / 86400;
	p->a++;
	return true;
}

static bool sp_key(struct sparse *p, struct skey *parent);

static const struct {
	const char *name;
	uint32_t flag;
	bool neg;
} sp_flags[] = {
	{ "ANSWERED", STORE_F_ANSWERED, false },
	{ "DELETED", STORE_F_DELETED, false },
	{ "DRAFT", STORE_F_DRAFT, false },
	{ "FLAGGED", STORE_F_FLAGGED, false },
	{ "SEEN", STORE_F_SEEN, false },
	{ "UNANSWERED", STORE_F_ANSWERED, true },
	{ "UNDELETED", STORE_F_DELETED, true },
	{ "UNDRAFT", STORE_F_DRAFT, true },
	{ "UNFLAGGED", STORE_F_FLAGGED, true },
	{ "UNSEEN", STORE_F_SEEN, true },
	/* \Recent lives in the session's view only (never in IMAP4rev2
	 * sessions: there every message is old) */
	{ "RECENT", IMAP_F_RECENT, false },
	{ "OLD", IMAP_F_RECENT, true },
	{ "UNRECENT", IMAP_F_RECENT, true },
};

static const struct {
	const char *name;
	enum skey_type type;
} sp_dates[] = {
	{ "BEFORE", SK_BEFORE }, { "ON", SK_ON }, { "SINCE", SK_SINCE },
	{ "SENTBEFORE", SK_SENTBEFORE }, { "SENTON", SK_SENTON },
	{ "SENTSINCE", SK_SENTSINCE },
	/* SAVEDATE (RFC 8514) */
	{ "SAVEDBEFORE", SK_SAVEDBEFORE }, { "SAVEDON", SK_SAVEDON },
	{ "SAVEDSINCE", SK_SAVEDSINCE },
};

static const char *const sp_addr[] = { "FROM", "TO", "CC", "BCC", "SUBJECT" };

static bool
sp_set(struct sparse *p, struct skey *parent, const char *set, bool uid)
{
	struct skey *k = skey_add(parent, SK_UIDS);
	const char *err;

	if (!imap_view_ranges_clipped(p->s, set, uid, &k->ranges,
				      &k->n_ranges, &err)) {
		p->error = err;
		return false;
	}
	return true;
}

static bool
sp_key(struct sparse *p, struct skey *parent)
{
	const struct imap_arg *a = p->a;
	const char *name;
	struct skey *k;
	size_t i;

	if (a->type == IMAP_ARG_EOL) {
		p->error = "Search key expected";
		return false;
	}
	if (++p->depth > SEARCH_MAX_DEPTH) {
		p->error = "Search keys nested too deep";
		return false;
	}
	if (a->type == IMAP_ARG_LIST) {
		struct sparse sub = *p;

		if (a->len == 0) {
			p->error = "Empty search key list";
			return false;
		}
		k = skey_add(parent, SK_AND);
		sub.a = a->u.list;
		while (sub.a->type != IMAP_ARG_EOL)
			if (!sp_key(&sub, k)) {
				p->error = sub.error;
				return false;
			}
		p->a = a + 1;
		p->depth--;
		return true;
	}
	if (a->type != IMAP_ARG_ATOM) {
		p->error = "Search key expected";
		return false;
	}
	name = a->u.str;
	p->a++;
	if ((isdigit((unsigned char)*name) || *name == '*') &&
	    p->s != NULL && p->s->uidonly) {
		p->error = "[UIDREQUIRED] Message numbers are not used with "
			   "UIDONLY";
		return false;
	}
	if (isdigit((unsigned char)*name) || *name == '*' ||
	    strcmp(name, "$") == 0) {
		if (!sp_set(p, parent, name, false))
			return false;
		goto out;
	}
	/* every message of every mailbox has a save date (RFC 8514 4.3) */
	if (strcasecmp(name, "ALL") == 0 ||
	    strcasecmp(name, "SAVEDATESUPPORTED") == 0) {
		skey_add(parent, SK_AND);
		goto out;
	}
	for (i = 0; i < sizeof(sp_flags) / sizeof(sp_flags[0]); i++) {
		if (strcasecmp(name, sp_flags[i].name) == 0) {
			if (sp_flags[i].flag == 0) {
				skey_add(parent, SK_AND);
			} else {
				k = skey_add(parent, SK_FLAG);
				k->flag = sp_flags[i].flag;
				k->neg = sp_flags[i].neg;
			}
			goto out;
		}
	}
	if (strcasecmp(name, "NEW") == 0) {
		/* RFC 3501: RECENT UNSEEN */
		k = skey_add(parent, SK_AND);
		skey_add(k, SK_FLAG)->flag = IMAP_F_RECENT;
		k = skey_add(k, SK_FLAG);
		k->flag = STORE_F_SEEN;
		k->neg = true;
		goto out;
	}
	if (strcasecmp(name, "KEYWORD") == 0 ||
	    strcasecmp(name, "UNKEYWORD") == 0) {
		const char *kw;

		if (p->a->type != IMAP_ARG_ATOM) {
			p->error = "Keyword expected";
			return false;
		}
		kw = p->a->u.str;
		p->a++;
		p->q->fields |= STORE_MSG_KEYWORDS;
		if (kw[0] == '\\') {
			/* a system flag named as a keyword */
			struct buf tmp = BUF_INIT;
			uint32_t f;
			struct imap_arg fa = { IMAP_ARG_ATOM, false, strlen(kw),
					       { .str = kw } };

			if (!imap_parse_flags(&fa, &f, &tmp) || f == 0) {
				buf_free(&tmp);
				k = skey_add(parent, SK_NONE);
				if (toupper((unsigned char)name[0]) == 'U')
					k->type = SK_AND;
				goto out;
			}
			buf_free(&tmp);
			k = skey_add(parent, SK_FLAG);
			k->flag = f;
		} else {
			k = skey_add(parent, SK_KEYWORD);
			k->str = xstrdup(kw);
		}
		k->neg = toupper((unsigned char)name[0]) == 'U';
		goto out;
	}
	if (strcasecmp(name, "LARGER") == 0 ||
	    strcasecmp(name, "SMALLER") == 0) {
		k = skey_add(parent, toupper((unsigned char)name[0]) == 'L' ?
			     SK_LARGER : SK_SMALLER);
		if (!sp_number(p, &k->num))
			return false;
		goto out;
	}
	if (strcasecmp(name, "OLDER") == 0 ||
	    strcasecmp(name, "YOUNGER") == 0) {
		/* RFC 5032: OLDER/YOUNGER nz-number, seconds back from
		 * when the command runs (as Dovecot, the boundary second
		 * matches both) */
		uint64_t n;

		if (!sp_number(p, &n) || n == 0 || n > UINT32_MAX) {
			p->error = "Interval expected";
			return false;
		}
		k = skey_add(parent, toupper((unsigned char)name[0]) == 'O' ?
			     SK_OLDER : SK_YOUNGER);
		k->day = (int64_t)time(NULL) - (int64_t)n;
		goto out;
	}
	for (i = 0; i < sizeof(sp_dates) / sizeof(sp_dates[0]); i++) {
		if (strcasecmp(name, sp_dates[i].name) == 0) {
			k = skey_add(parent, sp_dates[i].type);
			if (!sp_date(p, &k->day))
				return false;
			if (k->type >= SK_SENTBEFORE &&
			    k->type <= SK_SENTSINCE)
				p->q->fields |= STORE_MSG_PARSE;
			goto out;
		}
	}
	for (i = 0; i < sizeof(sp_addr) / sizeof(sp_addr[0]); i++) {
		if (strcasecmp(name, sp_addr[i]) == 0) {
			const char *v = sp_string(p);
			char *f;

			if (v == NULL)
				return false;
			/* SUBJECT is the field's text; the others are
			 * address lists */
			k = skey_add(parent, strcmp(sp_addr[i], "SUBJECT") == 0 ?
					     SK_HEADER : SK_ADDRESS);
			skey_set_text(k, v);
			f = k->field = xstrdup(sp_addr[i]);
			for (; *f; f++)
				*f = (char)tolower((unsigned char)*f);
			p->q->fields |= STORE_MSG_PARSE;
			goto out;
		}
	}
	if (strcasecmp(name, "HEADER") == 0) {
		const char *f = sp_string(p), *v;
		char *l;

		if (f == NULL || (v = sp_string(p)) == NULL)
			return false;
		k = skey_add(parent, SK_HEADER);
		k->field = xstrdup(f);
		for (l = k->field; *l; l++)
			*l = (char)tolower((unsigned char)*l);
		skey_set_text(k, v);
		p->q->fields |= STORE_MSG_PARSE;
		p->q->body = true;	/* the header may have to be read */
		goto out;
	}
	if (strcasecmp(name, "BODY") == 0 || strcasecmp(name, "TEXT") == 0) {
		const char *v = sp_string(p);

		if (v == NULL)
			return false;
		k = skey_add(parent, toupper((unsigned char)name[0]) == 'B' ?
			     SK_BODY : SK_TEXT);
		skey_set_text(k, v);
		p->q->fields |= STORE_MSG_PARSE;
		p->q->body = true;
		goto out;
	}
	if (strcasecmp(name, "UID") == 0) {
		if (p->a->type != IMAP_ARG_ATOM) {
			p->error = "UID set expected";
			return false;
		}
		name = p->a->u.str;
		p->a++;
		if (!sp_set(p, parent, name, true))
			return false;
		goto out;
	}
	if (strcasecmp(name, "MODSEQ") == 0) {
		/* MODSEQ [entry-name entry-type] modseq (RFC 7162 3.1.5) */
		if (imap_arg_is_string(p->a) && p->a[1].type == IMAP_ARG_ATOM)
			p->a += 2;
		k = skey_add(parent, SK_MODSEQ);
		if (!sp_number(p, &k->num))
			return false;
		p->q->modseq = true;	/* the caller turns CONDSTORE on */
		goto out;
	}
	if (strcasecmp(name, "EMAILID") == 0 ||
	    strcasecmp(name, "THREADID") == 0) {
		/* objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474) */
		const char *v = sp_string(p);
		size_t n;

		if (v == NULL)
			return false;
		n = strlen(v);
		if (n == 0 || n > 255 || strspn(v, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n) {
			p->error = "Invalid object id";
			return false;
		}
		k = skey_add(parent, toupper((unsigned char)name[0]) == 'E' ?
			     SK_EMAILID : SK_THREADID);
		k->str = xstrdup(v);
		p->q->fields |= STORE_MSG_OBJECTID;
		if (k->type == SK_THREADID)
			p->q->fields |= STORE_MSG_PARSE;
		goto out;
	}
	if (strcasecmp(name, "NOT") == 0) {
		k = skey_add(parent, SK_NOT);
		if (!sp_key(p, k))
			return false;
		goto out;
	}
	if (strcasecmp(name, "OR") == 0) {
		k = skey_add(parent, SK_OR);
		if (!sp_key(p, k) || !sp_key(p, k))
			return false;
		goto out;
	}
	p->error = "Unknown search key";
	return false;
out:
	p->depth--;
	return true;
}

bool
search_parse_return(const struct imap_arg *o, struct search_query *q,
		    const char **error_r)
{
	q->esearch = true;
	for (; o->type != IMAP_ARG_EOL; o++) {
		if (imap_arg_atom_eq(o, "MIN")) {
			q->r_min = true;
		} else if (imap_arg_atom_eq(o, "MAX")) {
			q->r_max = true;
		} else if (imap_arg_atom_eq(o, "COUNT")) {
			q->r_count = true;
		} else if (imap_arg_atom_eq(o, "ALL")) {
			q->r_all = true;
		} else if (imap_arg_atom_eq(o, "SAVE")) {
			q->r_save = true;
		} else if (imap_arg_atom_eq(o, "CONTEXT")) {
			q->r_context = true;
		} else if (imap_arg_atom_eq(o, "UPDATE")) {
			if (q->r_update) {
				*error_r = "UPDATE given twice";
				return false;
			}
			q->r_update = true;
		} else if (imap_arg_atom_eq(o, "PARTIAL")) {
			/* RFC 9394 3.1: one PARTIAL at most */
			if (q->r_partial) {
				*error_r = "PARTIAL given twice";
				return false;
			}
			o++;
			if (o->type != IMAP_ARG_ATOM ||
			    !search_partial_parse(o->u.str, &q->partial)) {
				*error_r = "PARTIAL needs a range like 1:100 "
					   "or -1:-100";
				return false;
			}
			q->r_partial = true;
		} else {
			*error_r = "Unknown RETURN option";
			return false;
		}
	}
	/* RFC 9394 3.1: one PARTIAL or one ALL, not both */
	if (q->r_partial && q->r_all) {
		*error_r = "PARTIAL conflicts with ALL";
		return false;
	}
	/* RETURN () means ALL (RFC 4731 3.1); CONTEXT is a hint that
	 * asks for nothing else (as Dovecot) */
	if (!q->r_min && !q->r_max && !q->r_count && !q->r_save &&
	    !q->r_update && !q->r_partial)
		q->r_all = true;
	return true;
}

bool
search_parse(struct imap_session *s, const struct imap_arg *args,
	     struct search_query *q, const char **error_r, bool *badcharset)
{
	struct sparse p = { s, q, args, NULL, 0 };

	memset(q, 0, sizeof(*q));
	q->root.type = SK_AND;
	*badcharset = false;
	if (imap_arg_atom_eq(p.a, "RETURN")) {
		p.a++;
		if (p.a->type != IMAP_ARG_LIST) {
			*error_r = "RETURN needs a list";
			return false;
		}
		if (!search_parse_return(p.a->u.list, q, error_r))
			return false;
		p.a++;
	}
	if (imap_arg_atom_eq(p.a, "CHARSET")) {
		const char *cs = imap_arg_str(p.a + 1);

		if (cs == NULL) {
			*error_r = "Charset expected";
			return false;
		}
		if (strcasecmp(cs, "UTF-8") != 0 &&
		    strcasecmp(cs, "US-ASCII") != 0) {
			*badcharset = true;
			*error_r = "Unsupported charset";
			return false;
		}
		p.a += 2;
	}
	if (p.a->type == IMAP_ARG_EOL) {
		*error_r = "Search key expected";
		return false;
	}
	while (p.a->type != IMAP_ARG_EOL) {
		if (!sp_key(&p, &q->root)) {
			*error_r = p.error ? p.error : "Invalid search key";
			search_query_free(q);
			return false;
		}
	}
	return true;
}
