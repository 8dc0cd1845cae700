/* spf-eval.c - check_host() (RFC 7208 4-6) as a state machine.
 *
 * One struct spf_check per check. Each DNS question is asked through the
 * resolver with a continuation (c->k); its answer sets the state of the
 * term being evaluated and eval() goes on from there. include= pushes a
 * frame (bounded: every include counts against the 10 DNS terms),
 * redirect= replaces the frame, so nothing here recurses on input. The
 * client's validated names (ptr, %{p}) are in spf-names.c, exp= in
 * spf-exp.c; the state they share is spf-check.h. */
#include "mailauth/spf-check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/buf.h"

static void eval(struct spf_check *c);

const char *
spf_result_name(enum spf_result r)
{
	static const char *names[] = { "none", "neutral", "pass", "fail",
				       "softfail", "temperror", "permerror" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

static void
free_names(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
check_free(struct spf_check *c)
{
	for (size_t i = 0; i <= c->depth && c->fr; i++) {
		free(c->fr[i].domain);
		spf_record_free(&c->fr[i].rec);
	}
	free(c->fr);
	free(c->sender);
	free(c->local);
	free(c->sdomain);
	free(c->helo);
	free(c->receiver);
	free(c->target);
	free_names(c->names, c->nnames);
	free_names(c->vnames, c->nv);
	free(c->vok);
	buf_free(&c->reason);
	buf_free(&c->expl);
	free(c);
}

void
spf_finish(struct spf_check *c, enum spf_result r, const char *fmt, ...)
{
	struct spf_outcome o;
	va_list ap;

	if (c->state == ST_DONE)
		return;
	c->state = ST_DONE;
	c->result = r;
	if (fmt != NULL) {
		buf_reset(&c->reason);
		va_start(ap, fmt);
		buf_vprintf(&c->reason, fmt, ap);
		va_end(ap);
	}
	/* names and record text come from DNS and the client: escaped */
	struct buf esc = BUF_INIT;

	buf_append_escaped(&esc, c->reason.data, c->reason.len, 400);
	buf_free(&c->reason);
	c->reason = esc;
	memset(&o, 0, sizeof(o));
	o.result = r;
	o.domain = c->sdomain;
	o.sender = c->sender;
	o.explanation = r == SPF_FAIL ? spf_explanation(c) : NULL;
	o.reason = buf_cstr(&c->reason);
	c->cb(c->arg, &o);
}

static void
on_dns(void *arg, const struct mauth_dns_answer *a)
{
	struct spf_check *c = arg;
	spf_cont_fn *k = c->k;

	c->pending = NULL;
	c->k = NULL;
	k(c, a);
	if (c->state != ST_DONE)
		eval(c);
	if (c->state == ST_DONE)
		check_free(c);
}

void
spf_ask(struct spf_check *c, const char *name, enum mauth_dns_type type, spf_cont_fn *k)
{
	if (++c->lookups > c->lim.max_lookups) {
		spf_finish(c, SPF_PERMERROR, "more than %u DNS lookups",
		       c->lim.max_lookups);
		return;
	}
	c->k = k;
	c->pending = c->res->lookup(c->res->ctx, name, type, on_dns, c);
	if (c->pending == NULL)
		spf_finish(c, SPF_TEMPERROR, "DNS lookup of %s could not be asked",
		       name);
}

enum mauth_dns_type
spf_addr_type(const struct spf_check *c)
{
	return c->ip.v6 ? MAUTH_DNS_AAAA : MAUTH_DNS_A;
}

/* a void lookup (4.6.4): NXDOMAIN or no records; false once past the
 * limit (then the check has finished) */
static bool
count_void(struct spf_check *c, const char *what)
{
	if (++c->voids > c->lim.void_lookups) {
		spf_finish(c, SPF_PERMERROR, "more than %u void lookups (%s)",
		       c->lim.void_lookups, what);
		return false;
	}
	return true;
}

/* 4.3: a name that check_host can look up at all */
bool
spf_domain_ok(const char *d, size_t min_labels)
{
	size_t len = strlen(d), lab = 0, labels = 1;

	if (len > 0 && d[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_NAME_MAX || d[0] == '[')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (d[i] == '.') {
			if (lab == 0)
				return false;
			lab = 0;
			labels++;
		} else if (++lab > 63) {
			return false;
		}
	}
	return lab > 0 && labels >= min_labels;
}

/* ---- macros ---- */

void
spf_macro_ctx_fill(const struct spf_check *c, const char *domain, struct spf_macro_ctx *mc)
{
	memset(mc, 0, sizeof(*mc));
	mc->s = c->sender;
	mc->l = c->local;
	mc->o = c->sdomain;
	mc->d = domain;
	mc->i = c->ipi;
	mc->c = c->ipc;
	mc->p = c->val_state == 2 ? spf_pick_p(c, domain) : "unknown";
	mc->v = c->ip.v6 ? "ip6" : "in-addr";
	mc->h = c->helo ? c->helo : "unknown";
	mc->r = c->receiver ? c->receiver : "unknown";
	mc->t = c->now;
}

/* A domain-spec expanded into a name to ask (malloc'd; NULL on a macro
 * error): without a trailing dot, and over 253 bytes labels are dropped
 * from the left (7.3) */
char *
spf_expand_name(struct spf_check *c, const char *domain, const char *s, size_t len)
{
	struct spf_macro_ctx mc;
	struct buf b = BUF_INIT;
	size_t off = 0;
	char *name;

	spf_macro_ctx_fill(c, domain, &mc);
	if (!spf_macro_expand(s, len, &mc, false, SPF_EXPAND_MAX, &b)) {
		buf_free(&b);
		return NULL;
	}
	buf_cstr(&b);
	if (b.len > 0 && b.data[b.len - 1] == '.')
		buf_truncate(&b, b.len - 1);
	while (b.len - off > SPF_NAME_MAX) {
		unsigned char *dot = memchr(b.data + off, '.', b.len - off);

		if (dot == NULL)
			break;
		off = (size_t)(dot - b.data) + 1;
	}
	name = xstrdup((const char *)b.data + off);
	buf_free(&b);
	return name;
}

/* Expand a domain-spec into c->target (4.8, 7.3). 1: done; 0: waiting
 * for %{p}'s names; -1: the check has finished. */
static int
expand_target(struct spf_check *c, const struct spf_frame *f, struct spf_spec sp)
{
	const char *s = f->rec.text + sp.off;

	free(c->target);
	c->target = NULL;
	if (sp.len == 0) {
		c->target = xstrdup(f->domain);
		return 1;
	}
	if (spf_macro_uses_p(s, sp.len) && !spf_validated(c))
		return c->state == ST_DONE ? -1 : 0;
	c->target = spf_expand_name(c, f->domain, s, sp.len);
	if (c->target == NULL) {
		spf_finish(c, SPF_PERMERROR, "macro expansion of %.*s failed",
		       (int)sp.len, s);
		return -1;
	}
	/* a name no DNS question can carry (empty or long labels): the
	 * RFC leaves it open (4.8); an error is the safe side */
	if (!spf_domain_ok(c->target, 1)) {
		spf_finish(c, SPF_PERMERROR, "target \"%s\" from %.*s is not a "
			   "domain name", c->target, (int)sp.len, s);
		return -1;
	}
	return 1;
}

/* ---- mechanisms ---- */

struct spf_frame *
spf_top(struct spf_check *c)
{
	return &c->fr[c->depth];
}

static struct spf_term *
cur_term(struct spf_check *c)
{
	struct spf_frame *f = spf_top(c);

	return &f->rec.terms[f->term];
}

static void
on_a(struct spf_check *c, const struct mauth_dns_answer *a)
{
	struct spf_term *t = cur_term(c);
	unsigned prefix = c->ip.v6 ? t->cidr6 : t->cidr4;

	c->phase = PH_DONE;
	c->term_match = false;
	if (a->rcode == MAUTH_DNS_TEMPFAIL) {
		spf_finish(c, SPF_TEMPERROR, "DNS error for %s", c->target);
		return;
	}
	if (a->rcode != MAUTH_DNS_DATA || a->n == 0) {
		count_void(c, c->target);
		return;
	}
	for (size_t i = 0; i < a->n; i++)
		if (spf_ip_match_text(&c->ip, a->rr[i].text, prefix))
			c->term_match = true;
}

static void
on_mx_addr(struct spf_check *c, const struct mauth_dns_answer *a)
{
	struct spf_term *t = cur_term(c);
	unsigned prefix = c->ip.v6 ? t->cidr6 : t->cidr4;

	if (a->rcode == MAUTH_DNS_TEMPFAIL) {
		spf_finish(c, SPF_TEMPERROR, "DNS error for %s (MX of %s)",
		       c->names[c->iname], c->target);
		return;
	}
	/* an MX name without addresses makes the term a void one (once:
	 * 4.6.4 counts terms) */
	if ((a->rcode != MAUTH_DNS_DATA || a->n == 0) && !c->term_void) {
		c->term_void = true;
		if (!count_void(c, c->names[c->iname]))
			return;
	}
	for (size_t i = 0; a->rcode == MAUTH_DNS_DATA && i < a->n; i++)
		if (spf_ip_match_text(&c->ip, a->rr[i].text, prefix)) {
			c->term_match = true;
			c->phase = PH_DONE;
			return;
		}
	c->iname++;
	c->phase = PH_MXADDR;
}

static void
on_mx(struct spf_check *c, const struct mauth_dns_answer *a)
{
	c->term_match = false;
	c->phase = PH_DONE;
	if (a->rcode == MAUTH_DNS_TEMPFAIL) {
		spf_finish(c, SPF_TEMPERROR, "DNS error for MX %s", c->target);
		return;
	}
	if (a->rcode != MAUTH_DNS_DATA || a->n == 0) {
		c->term_void = true;
		count_void(c, c->target);
		return;
	}
	/* 4.6.4: more than 10 MX names is an error */
	if (a->n > c->lim.mx_ptr_names) {
		spf_finish(c, SPF_PERMERROR, "%s has more than %u MX names",
		       c->target, c->lim.mx_ptr_names);
		return;
	}
	free_names(c->names, c->nnames);
	c->names = xcalloc(a->n, sizeof(char *));
	c->nnames = 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->rr[i].text[0] != '\0')	/* null MX (RFC 7505) */
			c->names[c->nnames++] = xstrdup(a->rr[i].text);
	c->iname = 0;
	c->phase = PH_MXADDR;
}

static void
on_exists(struct spf_check *c, const struct mauth_dns_answer *a)
{
	c->phase = PH_DONE;
	c->term_match = false;
	if (a->rcode == MAUTH_DNS_TEMPFAIL) {
		spf_finish(c, SPF_TEMPERROR, "DNS error for %s", c->target);
		return;
	}
	if (a->rcode != MAUTH_DNS_DATA || a->n == 0) {
		count_void(c, c->target);
		return;
	}
	c->term_match = true;
}

static void on_record(struct spf_check *c, const struct mauth_dns_answer *a);

static bool
push_frame(struct spf_check *c, const char *domain)
{
	if (c->depth + 1 >= c->maxdepth) {
		spf_finish(c, SPF_PERMERROR, "includes nested too deep");
		return false;
	}
	c->depth++;
	memset(spf_top(c), 0, sizeof(struct spf_frame));
	spf_top(c)->domain = xstrdup(domain);
	c->phase = PH_START;
	return true;
}

/* Run the current term as far as it goes: true when c->term_match holds
 * its answer, false when waiting (or finished, or a frame was pushed). */
static bool
run_term(struct spf_check *c)
{
	struct spf_frame *f = spf_top(c);
	struct spf_term *t = &f->rec.terms[f->term];
	int r;

	switch (c->phase) {
	case PH_START:
		c->term_void = false;
		switch (t->mech) {
		case SPF_M_ALL:
			c->term_match = true;
			return true;
		case SPF_M_IP4:
			c->term_match = spf_ip_match(&c->ip, t->addr, false, t->cidr4);
			return true;
		case SPF_M_IP6:
			c->term_match = spf_ip_match(&c->ip, t->addr, true, t->cidr6);
			return true;
		default:
			break;
		}
		if (++c->terms > c->lim.dns_terms) {
			spf_finish(c, SPF_PERMERROR, "more than %u DNS-querying terms",
			       c->lim.dns_terms);
			return false;
		}
		c->phase = PH_TARGET;
		/* fall through */
	case PH_TARGET:
		if ((r = expand_target(c, f, t->spec)) <= 0)
			return false;
		c->phase = PH_ASK;
		/* fall through */
	case PH_ASK:
		switch (t->mech) {
		case SPF_M_INCLUDE:
			c->phase = PH_WAIT;
			push_frame(c, c->target);
			return false;
		case SPF_M_A:
			c->phase = PH_WAIT;
			spf_ask(c, c->target, spf_addr_type(c), on_a);
			return false;
		case SPF_M_MX:
			c->phase = PH_WAIT;
			spf_ask(c, c->target, MAUTH_DNS_MX, on_mx);
			return false;
		case SPF_M_EXISTS:
			/* 5.7: always an A question, whatever the client */
			c->phase = PH_WAIT;
			spf_ask(c, c->target, MAUTH_DNS_A, on_exists);
			return false;
		case SPF_M_PTR:
			if (!spf_validated(c))
				return false;
			c->term_match = false;
			if (c->val_void && !count_void(c, c->rev))
				return false;
			for (size_t i = 0; i < c->nv; i++)
				if (c->vok[i] && spf_name_under(c->vnames[i], c->target))
					c->term_match = true;
			return true;
		default:
			spf_finish(c, SPF_PERMERROR, "internal: no question for the term");
			return false;
		}
	case PH_MXADDR:
		if (c->iname >= c->nnames) {
			c->term_match = false;
			return true;
		}
		c->phase = PH_WAIT;
		spf_ask(c, c->names[c->iname], spf_addr_type(c), on_mx_addr);
		return false;
	case PH_DONE:
		return true;
	case PH_EXP_TEXT:
	case PH_WAIT:
		/* only while a question is out: anything else would spin */
		if (c->pending == NULL)
			spf_finish(c, SPF_TEMPERROR, "internal: waiting for nothing");
		return false;
	}
	return false;
}

/* ---- records and frames ---- */

static void frame_done(struct spf_check *c, enum spf_result r);

static void
on_record(struct spf_check *c, const struct mauth_dns_answer *a)
{
	struct spf_frame *f = spf_top(c);
	const struct mauth_rr *rec = NULL;
	const char *err;
	size_t n = 0, err_off;

	if (a->rcode == MAUTH_DNS_TEMPFAIL) {
		spf_finish(c, SPF_TEMPERROR, "DNS error for TXT %s", f->domain);
		return;
	}
	for (size_t i = 0; a->rcode == MAUTH_DNS_DATA && i < a->n; i++)
		if (spf_record_is_spf(a->rr[i].text, a->rr[i].len)) {
			rec = &a->rr[i];
			n++;
		}
	if (n == 0) {
		frame_done(c, SPF_NONE);
		return;
	}
	/* 4.5: more than one record is an error, not a choice */
	if (n > 1) {
		spf_finish(c, SPF_PERMERROR, "%s has %zu SPF records", f->domain, n);
		return;
	}
	if (rec->len > c->lim.record_max) {
		spf_finish(c, SPF_PERMERROR, "the SPF record of %s is %zu bytes",
		       f->domain, rec->len);
		return;
	}
	if (!spf_record_parse(&f->rec, rec->text, rec->len, &err, &err_off)) {
		spf_finish(c, SPF_PERMERROR, "%s in the SPF record of %s at \"%.*s\"",
		       err, f->domain, 40, f->rec.text + err_off);
		return;
	}
	f->have_rec = true;
	f->term = 0;
	c->phase = PH_START;
}

static void
next_term(struct spf_check *c)
{
	spf_top(c)->term++;
	c->phase = PH_START;
}

/* A frame's check_host() result: the check's, or its include's. */
static void
frame_done(struct spf_check *c, enum spf_result r)
{
	struct spf_frame *f = spf_top(c);

	for (;;) {
		if (c->depth == 0) {
			if (r == SPF_NONE && f->redirected) {
				spf_finish(c, SPF_PERMERROR,
				       "redirect to %s: no SPF record", f->domain);
				return;
			}
			if (r == SPF_NONE) {
				spf_finish(c, r, "%s has no SPF record", f->domain);
				return;
			}
			c->result = r;
			if (r == SPF_FAIL && f->rec.exp.len > 0) {
				c->state = ST_EXP;
				c->phase = PH_TARGET;
				return;
			}
			spf_finish(c, r, NULL);
			return;
		}
		if (r == SPF_NONE) {
			spf_finish(c, SPF_PERMERROR, "include:%s has no SPF record",
			       f->domain);
			return;
		}
		free(f->domain);
		spf_record_free(&f->rec);
		c->depth--;
		f = spf_top(c);
		/* 5.2: only pass matches; fail, softfail, neutral do not */
		if (r != SPF_PASS) {
			next_term(c);
			return;
		}
		struct spf_term *t = cur_term(c);

		buf_reset(&c->reason);
		buf_printf(&c->reason, "%.*s in %s", (int)t->len,
			   f->rec.text + t->off, f->domain);
		r = t->qual;
		if (c->depth == 0)
			continue;
		/* a nested include matched: the outer include's record
		 * gives r as its own result */
	}
}

/* ---- the loop ---- */

static void
eval(struct spf_check *c)
{
	while (c->state != ST_DONE && c->pending == NULL) {
		struct spf_frame *f = spf_top(c);

		if (c->state == ST_EXP) {
			spf_exp_step(c);
			continue;
		}
		if (!f->have_rec) {
			spf_ask(c, f->domain, MAUTH_DNS_TXT, on_record);
			continue;
		}
		if (f->term < f->rec.n) {
			struct spf_term *t = &f->rec.terms[f->term];

			if (!run_term(c))
				continue;
			if (!c->term_match) {
				next_term(c);
				continue;
			}
			buf_reset(&c->reason);
			buf_printf(&c->reason, "%.*s in %s", (int)t->len,
				   f->rec.text + t->off, f->domain);
			frame_done(c, t->qual);
			continue;
		}
		/* no term matched: redirect= (6.1) or neutral */
		if (f->rec.redirect.len > 0) {
			if (c->phase == PH_START) {
				if (++c->terms > c->lim.dns_terms) {
					spf_finish(c, SPF_PERMERROR,
					       "more than %u DNS-querying terms",
					       c->lim.dns_terms);
					continue;
				}
				c->phase = PH_TARGET;
			}
			if (expand_target(c, f, f->rec.redirect) <= 0)
				continue;
			free(f->domain);
			spf_record_free(&f->rec);
			f->domain = c->target;
			c->target = NULL;
			f->have_rec = false;
			f->redirected = true;
			c->phase = PH_START;
			continue;
		}
		buf_reset(&c->reason);
		buf_printf(&c->reason, "no term matched in %s", f->domain);
		frame_done(c, SPF_NEUTRAL);
	}
}

/* ---- start, cancel ---- */

static unsigned
lim_or(unsigned v, unsigned dflt)
{
	return v ? v : dflt;
}

static void
split_sender(struct spf_check *c, const struct spf_request *rq)
{
	const char *mf = rq->mail_from, *at;

	if (rq->identity == SPF_ID_HELO || mf == NULL || mf[0] == '\0') {
		/* 2.4: the null sender is postmaster@HELO */
		c->local = xstrdup("postmaster");
		c->sdomain = xstrdup(rq->helo ? rq->helo : "");
	} else if ((at = strrchr(mf, '@')) == NULL) {
		c->local = xstrdup("postmaster");
		c->sdomain = xstrdup(mf);
	} else {
		/* 4.3: no local-part is postmaster */
		c->local = at == mf ? xstrdup("postmaster") :
			   xstrndup(mf, (size_t)(at - mf));
		c->sdomain = xstrdup(at + 1);
	}
	c->sender = xmalloc(strlen(c->local) + strlen(c->sdomain) + 2);
	sprintf(c->sender, "%s@%s", c->local, c->sdomain);
}

struct spf_check *
spf_check(const struct mauth_resolver *res, const struct spf_request *rq,
	  spf_cb *cb, void *arg)
{
	struct spf_check *c = xcalloc(1, sizeof(*c));
	const struct spf_limits *l = rq->limits;
	static const struct spf_limits none;

	if (l == NULL)
		l = &none;
	c->res = res;
	c->cb = cb;
	c->arg = arg;
	c->lim.dns_terms = lim_or(l->dns_terms, 10);
	c->lim.void_lookups = lim_or(l->void_lookups, 2);
	c->lim.mx_ptr_names = lim_or(l->mx_ptr_names, 10);
	c->lim.max_lookups = lim_or(l->max_lookups, 250);
	c->lim.record_max = lim_or(l->record_max, 65536);
	c->now = rq->now ? rq->now : time(NULL);
	c->helo = rq->helo ? xstrdup(rq->helo) : NULL;
	c->receiver = rq->receiver ? xstrdup(rq->receiver) : NULL;
	split_sender(c, rq);
	c->maxdepth = c->lim.dns_terms + 2;
	c->fr = xcalloc(c->maxdepth, sizeof(struct spf_frame));
	c->fr[0].domain = xstrdup(c->sdomain);
	buf_init(&c->reason);
	buf_init(&c->expl);

	if (!spf_ip_parse(&c->ip, rq->client_ip)) {
		snprintf(c->ipc, sizeof(c->ipc), "unknown");
		spf_finish(c, SPF_PERMERROR, "client address is not an IP address");
	} else {
		spf_ip_macro_i(&c->ip, c->ipi, sizeof(c->ipi));
		spf_ip_macro_c(&c->ip, c->ipc, sizeof(c->ipc));
		spf_ip_reverse(&c->ip, c->rev, sizeof(c->rev));
		/* 4.3: a name that is not a domain (a literal, one label,
		 * an empty or long label) has no SPF record */
		if (!spf_domain_ok(c->sdomain, 2))
			spf_finish(c, SPF_NONE, "%s is not a domain name",
			       c->sdomain[0] ? c->sdomain : "(empty)");
		else
			eval(c);
	}
	if (c->state == ST_DONE) {
		check_free(c);
		return NULL;
	}
	return c;
}

void
spf_cancel(struct spf_check *c)
{
	if (c == NULL)
		return;
	if (c->pending != NULL)
		c->res->cancel(c->res->ctx, c->pending);
	check_free(c);
}
