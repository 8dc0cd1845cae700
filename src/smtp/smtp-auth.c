/* smtp-auth.c - SPF, DKIM and DMARC for one port-25 message (contract
 * in smtp-auth.h) */
#include "smtp/smtp-auth.h"
#include "smtp/smtp-dmarcrep.h"
#include "smtp/smtp-forwarders.h"
#include "smtp/smtp-session.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "dns/dns-mauth.h"
#include "lib/log.h"
#include "mailauth/arc.h"
#include "mailauth/authres.h"
#include "mailauth/dkim.h"
#include "mailauth/dmarc.h"
#include "mailauth/spf.h"

#define SMTP_AUTH_MAX_FROM 4	/* From fields kept: two already fail */

struct smtp_auth {
	struct smtp_session *s;
	/* in smtp_auth_waiting while the end of DATA waits */
	struct smtp_auth *next, **pprev;
	struct mauth_resolver res;
	/* trusted_forwarders given by name: their lookups */
	struct smtp_fwd *fwd;
	/* SPF, from MAIL FROM on */
	struct spf_check *spf;
	bool spf_done;
	enum spf_result spf_result;
	char *spf_domain, *spf_sender, *spf_expl, *spf_reason;
	/* DKIM */
	struct dkim_verifier *dkim;
	bool dkim_started, dkim_done;
	struct dkim_sig_result *sigs;
	size_t n_sigs;
	/* ARC, alongside DKIM (same fields, same DNS, same wait) */
	struct arc_verifier *arc;
	bool arc_started, arc_done;
	struct arc_verdict arc_res;
	bool arc_override;	/* DMARC fail spared: trusted sealer */
	/* the From fields' values, for DMARC */
	char *from[SMTP_AUTH_MAX_FROM];
	size_t from_len[SMTP_AUTH_MAX_FROM];
	size_t n_from;
	/* DMARC */
	struct dmarc_check *dmarc;
	bool dmarc_started, dmarc_done;
	enum dmarc_result dmarc_result;
	enum dmarc_policy dmarc_policy, dmarc_applied;
	char *dmarc_from, *dmarc_reason;
	struct smtp_dmarcrep *rep;	/* for the aggregate reports */
	/* the wait at the end */
	uv_timer_t *timer;
	smtp_auth_done_cb *cb;
	bool finishing, complete, timed_out;
	/* the verdict */
	enum smtp_auth_action action;
	struct smtp_status status;
	char reply[512];
	char *ar;
};

/* every message whose session waits for its verdict (the loop's) */
static struct smtp_auth *smtp_auth_waiting;

static char *
smtp_auth_dup(const char *p)
{
	return p ? xstrdup(p) : NULL;
}

/* ---- the verdict ---- */

static bool
smtp_auth_dkim_temperror(const struct smtp_auth *a)
{
	for (size_t i = 0; i < a->n_sigs; i++)
		if (a->sigs[i].result == DKIM_TEMPERROR)
			return true;
	return false;
}

/* the newest ARC seal's d= is in auth_checks.arc_trusted_sealers */
static bool
smtp_auth_arc_trusted(const struct smtp_auth *a)
{
	const char *list = smtp_session_conf(a->s)->auth_checks.arc_trusted_sealers;
	const char *d = a->arc_res.sealer;
	size_t n = strlen(d);

	if (list == NULL || n == 0)
		return false;
	for (const char *p = list; *p;) {
		size_t len;

		p += strspn(p, " \t,");
		len = strcspn(p, " \t,");
		if (len == n && strncasecmp(p, d, n) == 0)
			return true;
		p += len;
	}
	return false;
}

static void
smtp_auth_refuse(struct smtp_auth *a, int code, const char *enh,
		 const char *text)
{
	a->action = SMTP_AUTH_REFUSE;
	snprintf(a->reply, sizeof(a->reply), "%s", text);
	a->status.code = code;
	a->status.enh = enh;
	a->status.text = a->reply;
}

static void
smtp_auth_decide(struct smtp_auth *a)
{
	const struct tern_conf *conf = smtp_session_conf(a->s);
	bool trusted = smtp_fwd_trusted(a->fwd) || (a->s->conn &&
		smtp_auth_ip_listed(conf->auth_checks.trusted_forwarders,
				    conn_peer_ip(a->s->conn)));
	bool dns_temp = a->spf_result == SPF_TEMPERROR ||
			smtp_auth_dkim_temperror(a);
	char text[400];

	a->action = SMTP_AUTH_ACCEPT;
	if (a->timed_out) {
		smtp_auth_refuse(a, 451, "4.7.0", "Authentication checks timed "
				 "out, try again later");
		return;
	}
	if (trusted)
		return;
	if (a->dmarc_result == DMARC_TEMPERROR) {
		smtp_auth_refuse(a, 451, "4.7.0", "DMARC: temporary DNS "
				 "failure, try again later");
		return;
	}
	/* a fail, or a From that DMARC cannot use (none, several, no
	 * domain: RFC 7489 6.6.1, applied = reject) */
	if ((a->dmarc_result == DMARC_FAIL ||
	     a->dmarc_result == DMARC_PERMERROR) &&
	    a->dmarc_applied != DMARC_POLICY_NONE) {
		bool reject = a->dmarc_applied == DMARC_POLICY_REJECT &&
			      conf->auth_checks.dmarc_reject;

		if (!reject && !conf->auth_checks.quarantine)
			return;
		if (reject && a->dmarc_result == DMARC_PERMERROR) {
			smtp_auth_refuse(a, 550, "5.7.1", "Rejected: no single "
					 "usable From field (RFC 7489 6.6.1)");
			return;
		}
		if (a->dmarc_result == DMARC_FAIL && smtp_auth_arc_trusted(a)) {
			/* RFC 8617 7.2: a trusted sealer vouches for the
			 * authentication before it forwarded the mail */
			if (a->arc_res.result == ARC_PASS) {
				a->arc_override = true;
				return;
			}
			dns_temp |= a->arc_res.result == ARC_TEMPERROR;
		}
		if (dns_temp && a->dmarc_result == DMARC_FAIL) {
			/* a pass could have been hiding behind the error */
			smtp_auth_refuse(a, 451, "4.7.0", "SPF/DKIM/ARC: temporary "
					 "DNS failure, try again later");
			return;
		}
		if (reject) {
			snprintf(text, sizeof(text), "Rejected by the DMARC "
				 "policy of %s", a->dmarc_from ?
				 a->dmarc_from : "the From domain");
			smtp_auth_refuse(a, 550, "5.7.1", text);
			return;
		}
		a->action = SMTP_AUTH_JUNK;
		return;
	}
	if (!conf->auth_checks.spf_fail_reject)
		return;
	if (a->spf_result == SPF_FAIL) {
		snprintf(text, sizeof(text), "SPF: %s", a->spf_expl ?
			 a->spf_expl : "sender not allowed");
		smtp_auth_refuse(a, 550, "5.7.23", text);
	} else if (a->spf_result == SPF_TEMPERROR) {
		smtp_auth_refuse(a, 451, "4.7.24", "SPF: temporary DNS "
				 "failure, try again later");
	}
}

static void
smtp_auth_build_ar(struct smtp_auth *a)
{
	const struct smtp_session *s = a->s;
	struct authres_spf spf = {
		.result = spf_result_name(a->spf_result),
		.mailfrom = s->txn.from.null ? NULL : s->txn.from.addr,
		.helo = s->helo[0] ? s->helo : NULL,
	};
	struct authres_dkim *dk = xcalloc(a->n_sigs ? a->n_sigs : 1,
					  sizeof(*dk));
	struct authres_dmarc dm = {
		.result = dmarc_result_name(a->dmarc_result),
		.from = a->dmarc_from,
		.policy = a->dmarc_result == DMARC_FAIL ?
			  dmarc_policy_name(a->dmarc_applied) : NULL,
	};
	char oldest[16];
	struct authres_arc arc = {
		.result = arc_result_name(a->arc_res.result),
		.remote_ip = s->conn ? conn_peer_ip(s->conn) : NULL,
		.reason = a->arc_res.result == ARC_FAIL ||
			  a->arc_res.result == ARC_TEMPERROR ?
			  a->arc_res.reason : NULL,
	};
	struct authres_input in = {
		.spf = &spf, .dkim = dk, .n_dkim = a->n_sigs,
		.dkim_checked = true, .dmarc = &dm, .arc = &arc,
	};

	if (a->arc_res.result == ARC_PASS && a->arc_res.oldest_pass) {
		snprintf(oldest, sizeof(oldest), "%u", a->arc_res.oldest_pass);
		arc.oldest_pass = oldest;
	}
	for (size_t i = 0; i < a->n_sigs; i++) {
		const struct dkim_sig_result *r = &a->sigs[i];

		dk[i].result = dkim_result_name(r->result);
		dk[i].d = r->domain[0] ? r->domain : NULL;
		dk[i].s = r->selector[0] ? r->selector : NULL;
		dk[i].a = r->algorithm[0] ? r->algorithm : NULL;
		dk[i].b = r->b[0] ? r->b : NULL;
		dk[i].reason = r->result != DKIM_PASS && r->reason[0] ?
			       r->reason : NULL;
	}
	a->ar = authres_build(smtp_session_conf(s)->hostname, &in);
	free(dk);
}

static const char *
smtp_auth_action_name(const struct smtp_auth *a)
{
	if (a->action == SMTP_AUTH_JUNK)
		return "junk";
	if (a->action == SMTP_AUTH_REFUSE)
		return a->status.code >= 500 ? "reject" : "tempfail";
	return "accept";
}

/* what was done, as a DMARC report says it; NULL: tried again later */
static const char *
smtp_auth_disposition(const struct smtp_auth *a)
{
	if (a->action == SMTP_AUTH_JUNK)
		return "quarantine";
	if (a->action == SMTP_AUTH_REFUSE)
		return a->status.code >= 500 ? "reject" : NULL;
	return "none";
}

/* one line per message with every verdict */
static void
smtp_auth_log(struct smtp_auth *a)
{
	struct buf b = BUF_INIT;

	buf_printf(&b, "smtp auth id=%s client=%s spf=%s spf_domain=%s dkim=",
		   a->s->txn.id, a->s->conn ? conn_peer_ip(a->s->conn) : "-",
		   spf_result_name(a->spf_result),
		   a->spf_domain ? a->spf_domain : "-");
	if (a->n_sigs == 0)
		buf_append_str(&b, "none");
	for (size_t i = 0; i < a->n_sigs; i++)
		buf_printf(&b, "%s%s(%s)", i ? "," : "",
			   dkim_result_name(a->sigs[i].result),
			   a->sigs[i].domain[0] ? a->sigs[i].domain : "-");
	buf_printf(&b, " arc=%s", arc_result_name(a->arc_res.result));
	if (a->arc_res.instance)
		buf_printf(&b, "(i=%u,%s)", a->arc_res.instance,
			   a->arc_res.sealer[0] ? a->arc_res.sealer : "-");
	buf_printf(&b, " dmarc=%s from_domain=%s policy=%s applied=%s "
		   "action=%s", dmarc_result_name(a->dmarc_result),
		   a->dmarc_from ? a->dmarc_from : "-",
		   dmarc_policy_name(a->dmarc_policy),
		   dmarc_policy_name(a->dmarc_applied),
		   smtp_auth_action_name(a));
	if (a->arc_override)
		buf_printf(&b, " arc_trusted=%s", a->arc_res.sealer);
	if (a->timed_out)
		buf_append_str(&b, " timeout=yes");
	if (a->action == SMTP_AUTH_REFUSE)
		buf_printf(&b, " status=%s", a->status.enh);
	log_info(a->s->id, "%s", buf_cstr(&b));
	buf_free(&b);
}

/* ---- the checks ---- */

static void smtp_auth_step(struct smtp_auth *a);

static void
smtp_auth_on_spf(void *arg, const struct spf_outcome *o)
{
	struct smtp_auth *a = arg;

	a->spf = NULL;
	a->spf_done = true;
	a->spf_result = o->result;
	a->spf_domain = smtp_auth_dup(o->domain);
	a->spf_sender = smtp_auth_dup(o->sender);
	a->spf_expl = smtp_auth_dup(o->explanation);
	a->spf_reason = smtp_auth_dup(o->reason);
	smtp_auth_step(a);
}

static void
smtp_auth_on_fwd(void *arg)
{
	smtp_auth_step(arg);
}

struct smtp_auth *
smtp_auth_start(struct smtp_session *s)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	struct smtp_auth *a = xcalloc(1, sizeof(*a));
	struct dkim_verify_opts vo = {
		.max_signatures = (unsigned)conf->auth_checks.max_signatures,
		.max_rsa_bits = (unsigned)conf->auth_checks.dkim_max_rsa_bits,
	};
	struct spf_limits lim = {
		.dns_terms = (unsigned)conf->auth_checks.spf_dns_terms,
		.void_lookups = (unsigned)conf->auth_checks.spf_void_lookups,
		.mx_ptr_names = (unsigned)conf->auth_checks.spf_mx_ptr_names,
		.max_lookups = (unsigned)conf->auth_checks.spf_max_lookups,
		.record_max = (unsigned)conf->auth_checks.spf_record_max,
	};
	struct spf_request rq = {
		.client_ip = conn_peer_ip(s->conn),
		.helo = s->helo,
		.mail_from = s->txn.from.null ? "" : s->txn.from.addr,
		.receiver = conf->hostname,
		.identity = SPF_ID_MAILFROM,
		.limits = &lim,
	};
	struct spf_check *c;

	a->s = s;
	dns_mauth_resolver(s->env->dns, &a->res);
	a->dkim = dkim_verify_new(&vo);
	a->arc = arc_verify_new(0);
	arc_verify_set_max_rsa_bits(a->arc, vo.max_rsa_bits);
	if (!smtp_auth_ip_listed(conf->auth_checks.trusted_forwarders,
				 rq.client_ip))
		a->fwd = smtp_fwd_start(&a->res,
					conf->auth_checks.trusted_forwarders,
					rq.client_ip, smtp_auth_on_fwd, a);
	c = spf_check(&a->res, &rq, smtp_auth_on_spf, a);
	if (!a->spf_done)
		a->spf = c;
	return a;
}

static bool
smtp_auth_is_from(const char *f, size_t len, size_t *value_r)
{
	size_t n = 0;

	while (n < len && f[n] != ':')
		n++;
	if (n == len)
		return false;
	*value_r = n + 1;
	while (n > 0 && (f[n - 1] == ' ' || f[n - 1] == '\t'))
		n--;
	return n == 4 && strncasecmp(f, "from", 4) == 0;
}

void
smtp_auth_field(struct smtp_auth *a, const char *field, size_t len)
{
	size_t v;

	dkim_verify_header(a->dkim, field, len);
	arc_verify_header(a->arc, field, len);
	if (!smtp_auth_is_from(field, len, &v))
		return;
	if (a->n_from < SMTP_AUTH_MAX_FROM) {
		a->from[a->n_from] = xmalloc(len - v + 1);
		memcpy(a->from[a->n_from], field + v, len - v);
		a->from[a->n_from][len - v] = '\0';
		a->from_len[a->n_from] = len - v;
		a->n_from++;
	}
}

void
smtp_auth_end_header(struct smtp_auth *a)
{
	dkim_verify_end_header(a->dkim);
	arc_verify_end_header(a->arc);
}

void
smtp_auth_body(struct smtp_auth *a, const void *p, size_t len)
{
	dkim_verify_body(a->dkim, p, len);
	arc_verify_body(a->arc, p, len);
}

static void
smtp_auth_on_dkim(void *arg, const struct dkim_sig_result *res, size_t n)
{
	struct smtp_auth *a = arg;

	a->dkim_done = true;
	if (n > 0) {
		a->sigs = xcalloc(n, sizeof(*a->sigs));
		memcpy(a->sigs, res, n * sizeof(*a->sigs));
	}
	a->n_sigs = n;
	smtp_auth_step(a);
}

static void
smtp_auth_on_arc(void *arg, const struct arc_verdict *v)
{
	struct smtp_auth *a = arg;

	a->arc_done = true;
	a->arc_res = *v;
	smtp_auth_step(a);
}

static void
smtp_auth_dmarc_set(struct smtp_auth *a, const struct dmarc_verdict *v)
{
	a->dmarc_done = true;
	a->dmarc_result = v->result;
	a->dmarc_policy = v->policy;
	a->dmarc_applied = v->applied;
	free(a->dmarc_from);
	a->dmarc_from = smtp_auth_dup(v->from_domain);
	a->dmarc_reason = smtp_auth_dup(v->reason);
	smtp_dmarcrep_keep(&a->rep, a->s, v);
}

static void
smtp_auth_on_dmarc(void *arg, const struct dmarc_verdict *v)
{
	struct smtp_auth *a = arg;

	a->dmarc = NULL;
	smtp_auth_dmarc_set(a, v);
	smtp_auth_step(a);
}

static void
smtp_auth_dmarc_start(struct smtp_auth *a)
{
	struct dmarc_dkim_in *dk = xcalloc(a->n_sigs ? a->n_sigs : 1,
					   sizeof(*dk));
	struct dmarc_request rq = { .pct_roll = -1 };
	char **domains = NULL;
	size_t n_domains = 0;
	struct dmarc_verdict v;

	a->dmarc_started = true;
	rq.from_status = dmarc_author_domains((const char *const *)a->from,
					      a->from_len, a->n_from,
					      &domains, &n_domains);
	rq.from_domains = (const char *const *)domains;
	rq.n_from = n_domains;
	rq.spf_domain = a->spf_domain;
	rq.spf_pass = a->spf_result == SPF_PASS;
	for (size_t i = 0; i < a->n_sigs; i++) {
		dk[i].domain = a->sigs[i].domain;
		dk[i].pass = a->sigs[i].result == DKIM_PASS;
	}
	rq.dkim = dk;
	rq.n_dkim = a->n_sigs;
	a->dmarc = dmarc_check(&a->res, &rq, smtp_auth_on_dmarc, a);
	if (a->dmarc == NULL) {
		dmarc_verdict_unstarted(&rq, &v);
		smtp_auth_dmarc_set(a, &v);
	}
	dmarc_domains_free(domains, n_domains);
	free(dk);
}

static void smtp_auth_on_timer(uv_timer_t *t);

/* the checks are over: decide, then tell the session on the next turn */
static void
smtp_auth_complete(struct smtp_auth *a)
{
	a->complete = true;
	smtp_auth_decide(a);
	smtp_auth_build_ar(a);
	smtp_auth_log(a);
	smtp_dmarcrep_record(&a->rep, a->s, a->spf_result, a->spf_domain,
			     a->sigs, a->n_sigs, smtp_auth_disposition(a));
	uv_timer_stop(a->timer);
	uv_timer_start(a->timer, smtp_auth_on_timer, 0, 0);
}

/* run what can run now; re-entered from the checks' callbacks */
static void
smtp_auth_step(struct smtp_auth *a)
{
	if (!a->finishing || a->complete)
		return;
	if (!a->dkim_started) {
		a->dkim_started = true;
		/* may call smtp_auth_on_dkim (and so this) at once */
		dkim_verify_finish(a->dkim, &a->res, smtp_auth_on_dkim, a);
		return;
	}
	if (!a->arc_started) {
		a->arc_started = true;
		/* may call smtp_auth_on_arc (and so this) at once */
		arc_verify_finish(a->arc, &a->res, smtp_auth_on_arc, a);
		return;
	}
	if (!a->spf_done || !a->dkim_done || !a->arc_done ||
	    !smtp_fwd_done(a->fwd))
		return;
	if (!a->dmarc_started)
		smtp_auth_dmarc_start(a);
	if (a->dmarc_done)
		smtp_auth_complete(a);
}

/* stop every check still running (their callbacks never run) */
static void
smtp_auth_cancel(struct smtp_auth *a)
{
	if (a->fwd && !smtp_fwd_done(a->fwd)) {
		smtp_fwd_free(a->fwd);
		a->fwd = NULL;
	}
	if (a->spf) {
		spf_cancel(a->spf);
		a->spf = NULL;
	}
	if (a->dmarc) {
		dmarc_cancel(a->dmarc);
		a->dmarc = NULL;
	}
	if (a->dkim) {
		dkim_verify_free(a->dkim);
		a->dkim = NULL;
	}
	if (a->arc) {
		arc_verify_free(a->arc);
		a->arc = NULL;
	}
}

static void
smtp_auth_on_timer(uv_timer_t *t)
{
	struct smtp_auth *a = t->data;

	if (!a->complete) {
		/* the time limit: what is missing counts as temperror */
		smtp_auth_cancel(a);
		a->timed_out = true;
		if (!a->spf_done)
			a->spf_result = SPF_TEMPERROR;
		if (!a->dmarc_done)
			a->dmarc_result = DMARC_TEMPERROR;
		if (!a->arc_done)
			a->arc_res.result = ARC_TEMPERROR;
		smtp_auth_complete(a);
		return;
	}
	a->cb(a->s);
}

void
smtp_auth_finish(struct smtp_auth *a, smtp_auth_done_cb *cb)
{
	const struct tern_conf *conf = smtp_session_conf(a->s);
	uint64_t ms = conf->auth_checks.timeout_ms;

	a->cb = cb;
	a->finishing = true;
	a->next = smtp_auth_waiting;
	if (a->next)
		a->next->pprev = &a->next;
	a->pprev = &smtp_auth_waiting;
	smtp_auth_waiting = a;
	a->timer = xcalloc(1, sizeof(*a->timer));
	uv_timer_init(a->s->env->loop, a->timer);
	a->timer->data = a;
	uv_timer_start(a->timer, smtp_auth_on_timer, ms ? ms : 1, 0);
	log_debug(a->s->id, "smtp auth wait id=%s", a->s->txn.id);
	smtp_auth_step(a);
}

enum smtp_auth_action
smtp_auth_action(const struct smtp_auth *a)
{
	return a->action;
}

const struct smtp_status *
smtp_auth_status(const struct smtp_auth *a)
{
	return &a->status;
}

const char *
smtp_auth_results(const struct smtp_auth *a)
{
	return a->ar;
}

const struct arc_verdict *
smtp_auth_arc(const struct smtp_auth *a)
{
	return a && a->complete ? &a->arc_res : NULL;
}

static void
smtp_auth_timer_closed(uv_handle_t *h)
{
	free(h);
}

void
smtp_auth_free(struct smtp_auth **ap)
{
	struct smtp_auth *a = *ap;

	if (a == NULL)
		return;
	*ap = NULL;
	if (a->pprev) {
		if (a->next)
			a->next->pprev = a->pprev;
		*a->pprev = a->next;
	}
	smtp_auth_cancel(a);
	if (a->timer) {
		uv_timer_stop(a->timer);
		uv_close((uv_handle_t *)a->timer, smtp_auth_timer_closed);
	}
	smtp_fwd_free(a->fwd);
	free(a->spf_domain);
	free(a->spf_sender);
	free(a->spf_expl);
	free(a->spf_reason);
	free(a->sigs);
	for (size_t i = 0; i < a->n_from; i++)
		free(a->from[i]);
	free(a->dmarc_from);
	free(a->dmarc_reason);
	smtp_dmarcrep_free(&a->rep);
	free(a->ar);
	free(a);
}

void
smtp_auth_shutdown(void)
{
	/* each callback ends its transaction, which frees a */
	while (smtp_auth_waiting) {
		struct smtp_auth *a = smtp_auth_waiting;

		if (!a->complete) {
			smtp_auth_cancel(a);
			a->timed_out = true;
			smtp_auth_decide(a);
			smtp_auth_log(a);
		}
		smtp_auth_waiting = a->next;
		if (a->next)
			a->next->pprev = &smtp_auth_waiting;
		a->pprev = NULL;
		a->cb(a->s);
	}
}
