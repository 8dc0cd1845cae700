/* smtp-dmarcrep.c - one store row per checked message whose From
 * domain asks for DMARC aggregate reports (contract in smtp-dmarcrep.h;
 * the reports are built by src/relay/dmarc-send.c) */
#include "smtp/smtp-dmarcrep.h"
#include "smtp/smtp-session.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "lib/log.h"
#include "store/store.h"

struct smtp_dmarcrep {
	char *header_from, *policy_domain, *rua;
	char adkim[2], aspf[2];
	enum dmarc_policy p, sp;
	unsigned pct;
	bool dkim_aligned, spf_aligned;
};

void
smtp_dmarcrep_free(struct smtp_dmarcrep **rp)
{
	struct smtp_dmarcrep *r = *rp;

	if (r == NULL)
		return;
	*rp = NULL;
	free(r->header_from);
	free(r->policy_domain);
	free(r->rua);
	free(r);
}

void
smtp_dmarcrep_keep(struct smtp_dmarcrep **rp, struct smtp_session *s,
		   const struct dmarc_verdict *v)
{
	const struct dmarc_record *rec = v->record;
	struct smtp_dmarcrep *r;
	struct buf rua = BUF_INIT;

	smtp_dmarcrep_free(rp);
	if (!smtp_session_conf(s)->dmarc_reports.enable || rec == NULL ||
	    rec->n_rua == 0 || v->from_domain == NULL ||
	    v->record_domain == NULL)
		return;
	for (size_t i = 0; i < rec->n_rua; i++)
		buf_printf(&rua, "%s%s", i ? " " : "", rec->rua[i]);
	r = xcalloc(1, sizeof(*r));
	r->header_from = xstrdup(v->from_domain);
	r->policy_domain = xstrdup(v->record_domain);
	r->rua = buf_steal(&rua);
	r->adkim[0] = rec->adkim == DMARC_ALIGN_STRICT ? 's' : 'r';
	r->aspf[0] = rec->aspf == DMARC_ALIGN_STRICT ? 's' : 'r';
	r->p = rec->p;
	r->sp = rec->sp;
	r->pct = rec->pct;
	r->dkim_aligned = v->dkim_aligned;
	r->spf_aligned = v->spf_aligned;
	*rp = r;
}

static void
smtp_dmarcrep_written(void *arg, int ret)
{
	char *domain = arg;

	if (ret == STORE_ELIMIT)
		log_warn(0, "dmarc report row dropped domain=%s reason=\"%s\"",
			 domain, "dmarc_reports.max_rows_per_day reached");
	else if (ret < 0)
		log_warn(0, "dmarc report row lost domain=%s error=%s", domain,
			 store_strerror(ret));
	free(domain);
}

void
smtp_dmarcrep_record(struct smtp_dmarcrep **rp, struct smtp_session *s,
		     enum spf_result spf, const char *spf_domain,
		     const struct dkim_sig_result *sigs, size_t n_sigs,
		     const char *disposition)
{
	const struct tern_conf *conf = smtp_session_conf(s);
	struct smtp_dmarcrep *r = *rp;
	const char *at = s->txn.from.null ? NULL : strrchr(s->txn.from.addr, '@');
	struct buf dkim = BUF_INIT;
	struct store_dmarc_row row;
	char *arg;

	if (r == NULL || disposition == NULL || s->conn == NULL) {
		smtp_dmarcrep_free(rp);
		return;
	}
	for (size_t i = 0; i < n_sigs; i++)
		buf_printf(&dkim, "%s%s %s %s", i ? ";" : "",
			   sigs[i].domain[0] ? sigs[i].domain : "-",
			   sigs[i].selector[0] ? sigs[i].selector : "-",
			   dkim_result_name(sigs[i].result));
	row = (struct store_dmarc_row){
		.time = (int64_t)time(NULL),
		.header_from = r->header_from,
		.policy_domain = r->policy_domain,
		.rua = r->rua,
		.adkim = r->adkim, .aspf = r->aspf,
		.p = dmarc_policy_name(r->p), .sp = dmarc_policy_name(r->sp),
		.pct = r->pct,
		.source_ip = conn_peer_ip(s->conn),
		.envelope_from = at ? at + 1 : "",
		.disposition = disposition,
		.dmarc_dkim = r->dkim_aligned ? "pass" : "fail",
		.dmarc_spf = r->spf_aligned ? "pass" : "fail",
		.dkim = buf_cstr(&dkim),
		.spf_domain = spf_domain ? spf_domain : "",
		.spf_scope = s->txn.from.null ? "helo" : "mfrom",
		.spf_result = spf_result_name(spf),
	};
	arg = xstrdup(r->policy_domain);
	if (store_dmarc_record(s->env->store, &row,
			       conf->dmarc_reports.max_rows_per_day,
			       smtp_dmarcrep_written, arg) < 0)
		free(arg);
	buf_free(&dkim);
	smtp_dmarcrep_free(rp);
}
