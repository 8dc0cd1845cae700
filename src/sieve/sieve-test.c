/* sieve-test.c - evaluate tests: address, envelope, header, exists,
 * size, not/anyof/allof, body, date/currentdate, hasflag, string,
 * mailboxexists, spamtest, virustest */
#include "sieve/sieve-private.h"
#include "mime/mime.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GLOB_MAX_WORK (1ULL << 33)

static bool
want_mvars(struct sieve_run *rn, const struct sieve_node *t)
{
	return (rn->unit->exts & EXT_VARIABLES) &&
		(t->m.match == MT_MATCHES || t->m.match == MT_REGEX);
}

int
sieve_match_values(struct sieve_run *rn, const struct sieve_node *t,
		   const struct buf *vals, size_t nvals,
		   const struct sieve_strlist *keys)
{
	struct buf k = BUF_INIT;
	int rc = 0;

	if (t->m.match == MT_COUNT) {
		char cnt[32];
		snprintf(cnt, sizeof(cnt), "%zu", nvals);
		for (size_t j = 0; j < keys->n && !rc; j++) {
			sieve_expand(rn, &keys->v[j], &k);
			rc = sieve_rel_cmp(t->m.cmp, t->m.rel, cnt, strlen(cnt),
					   (const char *)k.data, k.len);
		}
		buf_free(&k);
		return rc;
	}
	struct sieve_mvars *mv = want_mvars(rn, t) ? &rn->mvars : NULL;
	for (size_t j = 0; j < keys->n && rc == 0; j++) {
		char err[160];
		void *re = NULL;
		sieve_expand(rn, &keys->v[j], &k);
		if (t->m.match == MT_REGEX && nvals > 0 &&
		    !(re = sieve_regex_compile((const char *)k.data, k.len,
					       t->m.cmp == CMP_CASEMAP, mv != NULL,
					       err, sizeof(err)))) {
			sieve_run_error(rn, t->line, "%s", err);
			rc = -1;
			break;
		}
		for (size_t i = 0; i < nvals && rc == 0; i++) {
			if (!sieve_run_step(rn, t->line)) {
				rc = -1;
				break;
			}
			/* :matches is O(value x key) at worst, between two
			 * CPU checks: bound it */
			if (t->m.match == MT_MATCHES &&
			    (uint64_t)vals[i].len * k.len > GLOB_MAX_WORK) {
				sieve_run_error(rn, t->line,
						":matches too costly (key of %zu bytes on %zu bytes)",
						k.len, vals[i].len);
				rc = -1;
				break;
			}
			if (re)
				rc = sieve_regex_exec(re, (const char *)vals[i].data,
						      vals[i].len, mv);
			else
				rc = sieve_match_one(&t->m, (const char *)vals[i].data,
						     vals[i].len, (const char *)k.data,
						     k.len, mv);
		}
		sieve_regex_free(re);
	}
	buf_free(&k);
	return rc;
}

/* a growable list of value buffers */
struct vals {
	struct buf *v;
	size_t n;
};

static struct buf *
vals_add(struct vals *l)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	buf_init(&l->v[l->n]);
	return &l->v[l->n++];
}

static void
vals_free(struct vals *l)
{
	for (size_t i = 0; i < l->n; i++)
		buf_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* the header values of the names in list (expanded), :index applied to
 * all of them in that order (as Pigeonhole counts); decoded or raw */
static void
header_values(struct sieve_run *rn, const struct sieve_node *t,
	      const struct sieve_strlist *names, bool decode, struct vals *out)
{
	struct vals all = { NULL, 0 };
	struct buf name = BUF_INIT;

	for (size_t i = 0; i < names->n; i++) {
		struct buf *raw;
		sieve_expand(rn, &names->v[i], &name);
		size_t n = sieve_msg_headers(rn->mv, buf_cstr(&name), &raw);
		for (size_t k = 0; k < n; k++) {
			struct buf *b = vals_add(&all);
			if (decode) {
				sieve_header_decode(&raw[k], b);
			} else {
				buf_append(b, raw[k].data, raw[k].len);
				buf_cstr(b);
			}
		}
	}
	buf_free(&name);
	size_t from = 0, to = all.n;
	if (t->index) {
		size_t idx = (size_t)t->index;
		from = idx > all.n ? all.n : t->last ? all.n - idx : idx - 1;
		to = idx > all.n ? all.n : from + 1;
	}
	for (size_t k = 0; k < all.n; k++) {
		if (k >= from && k < to) {
			struct buf *b = vals_add(out);
			*b = all.v[k];
		} else {
			buf_free(&all.v[k]);
		}
	}
	free(all.v);
}

static int
test_address(struct sieve_run *rn, const struct sieve_node *t)
{
	struct vals raw = { NULL, 0 }, parts = { NULL, 0 };
	struct buf part = BUF_INIT;

	header_values(rn, t, &t->pos[0]->list, false, &raw);
	for (size_t i = 0; i < raw.n; i++) {
		struct buf *addrs;
		bool whole;
		size_t n = sieve_addresses(&raw.v[i], &addrs, &whole);
		for (size_t k = 0; k < n; k++) {
			if (whole && t->ap == AP_ALL) {
				struct buf *b = vals_add(&parts);
				buf_append(b, addrs[k].data, addrs[k].len);
				buf_cstr(b);
			} else if (!whole && sieve_address_part((const char *)addrs[k].data,
					       addrs[k].len, t->ap, &part)) {
				struct buf *b = vals_add(&parts);
				buf_append(b, part.data, part.len);
				buf_cstr(b);
			}
			buf_free(&addrs[k]);
		}
		free(addrs);
	}
	int rc = sieve_match_values(rn, t, parts.v, parts.n, &t->pos[1]->list);
	vals_free(&raw);
	vals_free(&parts);
	buf_free(&part);
	return rc;
}

static int
test_envelope(struct sieve_run *rn, const struct sieve_node *t)
{
	struct vals parts = { NULL, 0 };
	struct buf name = BUF_INIT, part = BUF_INIT;

	for (size_t i = 0; i < t->pos[0]->list.n; i++) {
		const char *a = NULL;
		sieve_expand(rn, &t->pos[0]->list.v[i], &name);
		if (strcasecmp(buf_cstr(&name), "from") == 0)
			a = rn->m->env_from;
		else if (strcasecmp(buf_cstr(&name), "to") == 0)
			/* RFC 5228 5.4: the RCPT that caused this delivery,
			 * as given (+detail kept; as Pigeonhole) */
			a = rn->m->env_orig_to && *rn->m->env_orig_to ?
				rn->m->env_orig_to : rn->m->env_to;
		else if (strcasecmp(buf_cstr(&name), "auth") == 0)
			a = rn->m->auth;
		if (a == NULL)
			continue;
		if (*a == '\0') {
			/* the null reverse-path: "" for :all only */
			if (t->ap == AP_ALL)
				vals_add(&parts);
			continue;
		}
		if (sieve_address_part(a, strlen(a), t->ap, &part)) {
			struct buf *b = vals_add(&parts);
			buf_append(b, part.data, part.len);
			buf_cstr(b);
		}
	}
	int rc = sieve_match_values(rn, t, parts.v, parts.n, &t->pos[1]->list);
	vals_free(&parts);
	buf_free(&name);
	buf_free(&part);
	return rc;
}

static int
test_header(struct sieve_run *rn, const struct sieve_node *t)
{
	struct vals v = { NULL, 0 };

	header_values(rn, t, &t->pos[0]->list, true, &v);
	int rc = sieve_match_values(rn, t, v.v, v.n, &t->pos[1]->list);
	vals_free(&v);
	return rc;
}

static int
test_exists(struct sieve_run *rn, const struct sieve_node *t)
{
	struct buf name = BUF_INIT;
	int rc = 1;

	for (size_t i = 0; i < t->pos[0]->list.n && rc; i++) {
		struct buf *raw;
		sieve_expand(rn, &t->pos[0]->list.v[i], &name);
		rc = sieve_msg_headers(rn->mv, buf_cstr(&name), &raw) > 0;
	}
	buf_free(&name);
	return rc;
}

static int
test_body(struct sieve_run *rn, const struct sieve_node *t)
{
	struct buf *parts;
	size_t n = sieve_msg_body(rn, t, &parts);
	int rc = sieve_match_values(rn, t, parts, n, &t->pos[0]->list);

	for (size_t i = 0; i < n; i++)
		buf_free(&parts[i]);
	free(parts);
	return rc;
}

static int
zone_of(struct sieve_run *rn, const struct sieve_node *t, int dflt, int *z)
{
	struct buf b = BUF_INIT;

	*z = dflt;
	if (t->zone) {
		sieve_expand(rn, t->zone, &b);
		if (!sieve_zone_parse(buf_cstr(&b), z)) {
			buf_free(&b);
			return 0;	/* RFC 5260 4: a bad zone fails the test */
		}
	}
	buf_free(&b);
	return 1;
}

static int
test_date(struct sieve_run *rn, const struct sieve_node *t, bool current)
{
	struct vals dates = { NULL, 0 }, out = { NULL, 0 };
	struct buf part = BUF_INIT;
	int z, rc = 0;
	size_t pi = current ? 0 : 1;
	int local = rn->m->local_offset / 60;

	sieve_expand(rn, &t->pos[pi]->list.v[0], &part);
	if (current) {
		if (zone_of(rn, t, local, &z)) {
			struct buf *b = vals_add(&out);
			if (!sieve_date_part((int64_t)rn->m->now, z,
					     buf_cstr(&part), b))
				out.n--, buf_free(b);
		}
	} else {
		struct sieve_strlist one = { &t->pos[0]->list.v[0], 1 };
		header_values(rn, t, &one, false, &dates);
		for (size_t i = 0; i < dates.n; i++) {
			int64_t utc;
			int tz;
			const char *d = (const char *)dates.v[i].data;
			size_t dl = dates.v[i].len;
			/* Received: the date follows the last ';' */
			const char *semi = memrchr(d, ';', dl);
			if (semi) {
				dl -= (size_t)(semi + 1 - d);
				d = semi + 1;
			}
			if (!mime_date_parse((const unsigned char *)d, dl, &utc, &tz))
				continue;
			if (!zone_of(rn, t, t->originalzone ? tz : local, &z))
				continue;
			if (t->originalzone)
				z = tz;
			struct buf *b = vals_add(&out);
			if (!sieve_date_part(utc, z, buf_cstr(&part), b)) {
				buf_free(b);
				out.n--;
			}
		}
	}
	rc = sieve_match_values(rn, t, out.v, out.n, &t->pos[pi + 1]->list);
	vals_free(&dates);
	vals_free(&out);
	buf_free(&part);
	return rc;
}

/* the flags of a list of strings, each split at spaces */
static void
split_flags(struct sieve_run *rn, const char *s, size_t len, struct vals *out)
{
	for (size_t i = 0, st; sieve_next_word(s, len, &i, &st);) {
		struct buf *b = vals_add(out);
		buf_append(b, s + st, i - st);
		buf_cstr(b);
	}
}

static int
test_hasflag(struct sieve_run *rn, const struct sieve_node *t)
{
	struct vals fl = { NULL, 0 };
	struct buf name = BUF_INIT, val = BUF_INIT;

	if (t->pos[2]) {
		for (size_t i = 0; i < t->pos[2]->list.n; i++) {
			struct sieve_str ref;
			sieve_expand(rn, &t->pos[2]->list.v[i], &name);
			char *r = xasprintf("${%s}", buf_cstr(&name));
			ref.s = r;
			ref.len = strlen(r);
			ref.vars = true;
			sieve_expand(rn, &ref, &val);
			free(r);
			split_flags(rn, (const char *)val.data, val.len, &fl);
		}
	} else {
		split_flags(rn, (const char *)rn->flags.data, rn->flags.len, &fl);
	}
	/* the keys are a list-of-flags too (RFC 5232 4: hasflag :is "b A"
	 * is hasflag ["b", "A"]) */
	struct vals kf = { NULL, 0 };
	const struct sieve_strlist *kl = &t->pos[0]->list;
	for (size_t i = 0; i < kl->n; i++) {
		size_t had = kf.n;
		sieve_expand(rn, &kl->v[i], &val);
		split_flags(rn, (const char *)val.data, val.len, &kf);
		if (kf.n == had)	/* "" stays a key */
			buf_cstr(vals_add(&kf));
	}
	struct sieve_strlist keys = { xcalloc(kf.n ? kf.n : 1, sizeof(*keys.v)),
				      kf.n };
	for (size_t i = 0; i < kf.n; i++) {
		keys.v[i].s = (char *)buf_cstr(&kf.v[i]);
		keys.v[i].len = kf.v[i].len;
	}
	int rc = sieve_match_values(rn, t, fl.v, fl.n, &keys);
	free(keys.v);
	vals_free(&kf);
	vals_free(&fl);
	buf_free(&name);
	buf_free(&val);
	return rc;
}

static int
test_string(struct sieve_run *rn, const struct sieve_node *t)
{
	struct vals v = { NULL, 0 };

	for (size_t i = 0; i < t->pos[0]->list.n; i++) {
		struct buf *b = vals_add(&v);
		sieve_expand(rn, &t->pos[0]->list.v[i], b);
		/* :count counts the strings that are not empty (RFC 5229 5) */
		if (t->m.match == MT_COUNT && b->len == 0) {
			buf_free(b);
			v.n--;
		}
	}
	int rc = sieve_match_values(rn, t, v.v, v.n, &t->pos[1]->list);
	vals_free(&v);
	return rc;
}

static int
test_mailboxexists(struct sieve_run *rn, const struct sieve_node *t)
{
	struct buf name = BUF_INIT;
	int rc = 1;

	for (size_t i = 0; i < t->pos[0]->list.n && rc; i++) {
		sieve_expand(rn, &t->pos[0]->list.v[i], &name);
		rc = rn->m->mailbox_exists &&
			rn->m->mailbox_exists(rn->m->arg, buf_cstr(&name));
	}
	buf_free(&name);
	return rc;
}

/* RFC 5235: spamtest 0 untested, 1..10; :percent 0..100. false when
 * untested */
static bool
spam_value(struct sieve_run *rn, bool percent, struct buf *out)
{
	const char *h = rn->m->spam_header;
	struct buf *raw;
	size_t n = h && *h ? sieve_msg_headers(rn->mv, h, &raw) : 0;

	buf_reset(out);
	if (n == 0) {
		buf_append_str(out, "0");
		return false;
	}
	const char *s = buf_cstr(&raw[0]);
	while (*s && !(*s >= '0' && *s <= '9') &&
	       !(*s == '-' && s[1] >= '0' && s[1] <= '9'))
		s++;
	if (!*s) {
		buf_append_str(out, "0");
		return false;
	}
	double score = strtod(s, NULL), max = rn->m->spam_max > 0 ?
		rn->m->spam_max : 15;
	double f = score / max;
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	/* truncated, as Pigeonhole does */
	if (percent)
		buf_printf(out, "%d", (int)floor(f * 100 + 1e-9));
	else
		buf_printf(out, "%d", 1 + (int)floor(f * 9 + 1e-9));
	return true;
}

static void
virus_value(struct sieve_run *rn, struct buf *out)
{
	const char *h = rn->m->virus_header;
	struct buf *raw;
	size_t n = h && *h ? sieve_msg_headers(rn->mv, h, &raw) : 0;
	int v = 0;

	if (n) {
		struct buf d = BUF_INIT;
		sieve_header_decode(&raw[0], &d);
		const char *s = buf_cstr(&d);
		if (strcasestr(s, "infected"))
			v = 5;
		else if (strcasestr(s, "clean"))
			v = 1;
		else if (*s >= '1' && *s <= '5' && (s[1] == '\0' || s[1] == ' '))
			v = *s - '0';
		buf_free(&d);
	}
	buf_reset(out);
	buf_printf(out, "%d", v);
}

static int
test_scoretest(struct sieve_run *rn, const struct sieve_node *t)
{
	struct buf v = BUF_INIT;
	size_t n = 1;

	/* RFC 5235 3.2: with :percent "0" is a score, so an untested
	 * message has no value at all (:count "eq" "0" tells it) */
	if (t->cmd->id == T_SPAMTEST) {
		if (!spam_value(rn, t->percent, &v) && t->percent)
			n = 0;
	} else {
		virus_value(rn, &v);
	}
	buf_cstr(&v);
	int rc = sieve_match_values(rn, t, &v, n, &t->pos[0]->list);
	buf_free(&v);
	return rc;
}

int
sieve_test_eval(struct sieve_run *rn, const struct sieve_node *t)
{
	int rc;

	if (!sieve_run_step(rn, t->line))
		return -1;
	switch (t->cmd->id) {
	case T_TRUE:
		return 1;
	case T_FALSE:
		return 0;
	case T_NOT:
		rc = sieve_test_eval(rn, &t->tests[0]);
		return rc < 0 ? rc : !rc;
	case T_ANYOF:
	case T_ALLOF: {
		bool any = t->cmd->id == T_ANYOF;
		for (size_t i = 0; i < t->ntests; i++) {
			rc = sieve_test_eval(rn, &t->tests[i]);
			if (rc < 0)
				return rc;
			if (any && rc)
				return 1;
			if (!any && !rc)
				return 0;
		}
		return any ? 0 : 1;
	}
	case T_ADDRESS:
		return test_address(rn, t);
	case T_ENVELOPE:
		return test_envelope(rn, t);
	case T_HEADER:
		return test_header(rn, t);
	case T_EXISTS:
		return test_exists(rn, t);
	case T_SIZE:
		return t->over ? rn->m->len > t->pos[0]->num :
			rn->m->len < t->pos[0]->num;
	case T_BODY:
		return test_body(rn, t);
	case T_DATE:
		return test_date(rn, t, false);
	case T_CURRENTDATE:
		return test_date(rn, t, true);
	case T_HASFLAG:
		return test_hasflag(rn, t);
	case T_STRING:
		return test_string(rn, t);
	case T_MAILBOXEXISTS:
		return test_mailboxexists(rn, t);
	case T_SPAMTEST:
	case T_VIRUSTEST:
		return test_scoretest(rn, t);
	default:
		break;
	}
	sieve_run_error(rn, t->line, "'%s' is not a test", t->cmd->name);
	return -1;
}
