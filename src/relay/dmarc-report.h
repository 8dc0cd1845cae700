/* dmarc-report.h - DMARC aggregate reports (RFC 7489 7.2, Appendix C):
 * the XML of one report, its mail (7.2.1.1), the external destination
 * check (7.1) (pure: dmarc-report.c), and the daily run that builds and
 * queues them from the store's rows (dmarc-send.c). */
#ifndef TERN_DMARC_REPORT_H
#define TERN_DMARC_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"
#include "store/store.h"

struct tern_conf;

struct dmarc_report_info {
	const char *org_name;		/* report_metadata/org_name */
	const char *email;		/* report_metadata/email: From */
	const char *receiver;		/* our host name (file name) */
	const char *report_id;
	int64_t begin, end;		/* date_range, unix seconds */
};

/* Escape text for XML element content (& < > " '); bytes XML 1.0
 * cannot hold (controls but tab/CR/LF, invalid UTF-8) become '?'. */
void dmarc_xml_escape(struct buf *out, const char *s);
/* The report: rows[0] is the policy published (the latest row),
 * rows[1..n-1] one <record> each (store_dmarc_rows order). */
void dmarc_report_xml(const struct dmarc_report_info *in,
		      const struct store_dmarc_row *rows, size_t n,
		      struct buf *out);
/* receiver!policy-domain!begin!end.xml.gz (7.2.1.1), malloc'd */
char *dmarc_report_filename(const struct dmarc_report_info *in,
			    const char *policy_domain);
/* The mail to one rua address: From in->email, the gzip'd XML as its
 * attachment (base64). */
void dmarc_report_mail(const struct dmarc_report_info *in,
		       const char *policy_domain, const char *to,
		       const struct buf *gz, int64_t now, struct buf *out);

/* Does name have a TXT record starting "v=DMARC1"? 1 yes, 0 no, -1 DNS
 * failure. */
typedef int dmarc_txt_fn(void *arg, const char *name);
/* RFC 7489 7.1: a rua address in another organizational domain than
 * the policy domain's is used only when
 * <policy-domain>._report._dmarc.<rua-domain> says v=DMARC1.
 * 1 authorized, 0 not (or DNS failed: not now). */
int dmarc_rua_authorized(const char *policy_domain, const char *rua_domain,
			 dmarc_txt_fn *txt, void *arg);

struct dmarc_send_opts {
	const struct tern_conf *conf;
	struct store *store;
	dmarc_txt_fn *txt;		/* the external destination check */
	void *txt_arg;
	int64_t end;			/* rows before this are reported */
	int64_t now;
};

/* Build and queue every policy domain's report of the rows before
 * o->end, then delete them (and rows past dmarc_reports.retention).
 * Blocking (store writes): the CLI, or a thread of the pool. Returns
 * the number of reports queued, or a negative STORE_E* error. */
int dmarc_send_reports(const struct dmarc_send_opts *o);

/* dmarc_txt_fn over a synchronous libunbound context (a struct ub_ctx) */
int dmarc_txt_ub(void *ub, const char *name);
/* the end of the period a run at now reports: the last
 * dmarc_reports.hour (UTC) at or before now */
int64_t dmarc_period_end(const struct tern_conf *conf, int64_t now);
/* dmarc_send_reports with a synchronous resolver set up like the
 * server's ([dns]): `tern dmarc report --send` and the daily timer
 * (dmarc-sched.c). *error_r (malloc'd) when the resolver cannot be set
 * up. */
int dmarc_send_run(const struct tern_conf *conf, struct store *store,
		   int64_t end, int64_t now, char **error_r);

#endif
