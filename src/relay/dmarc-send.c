/* dmarc-send.c - the daily run of DMARC aggregate reports: one report
 * per policy domain of the rows before the period's end, mailed to each
 * authorized rua= address through the queue like tern's DSNs (signed
 * with the From domain's DKIM keys), then the rows go. */
#include "relay/dmarc-report.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conf.h"
#include "lib/gzip.h"
#include "lib/log.h"
#include "mailauth/dmarc.h"
#include "dns/dns.h"
#include "relay/dsn.h"

#include <unbound.h>

/* dmarc_reports.from, else dmarc-noreply@ the first local domain */
static char *
report_from(const struct dmarc_send_opts *o)
{
	struct store_strlist d = { 0, NULL };
	char *from;

	if (o->conf->dmarc_reports.from[0])
		return xstrdup(o->conf->dmarc_reports.from);
	if (store_domain_list(o->store, &d) < 0 || d.n == 0)
		from = xasprintf("dmarc-noreply@%s", o->conf->hostname);
	else
		from = xasprintf("dmarc-noreply@%s", d.v[0]);
	store_strlist_free(&d);
	return from;
}

/* a mailto: address from DNS that is safe to put in RCPT TO: dot-atom
 * local part, LDH domain (RFC 5321 4.1.2; a "?" query is cut first) */
static bool
rua_address_ok(char *addr)
{
	char *at = strrchr(addr, '@');

	addr[strcspn(addr, "?")] = '\0';
	if (at == NULL || at == addr || at[1] == '\0' || strlen(addr) > 254)
		return false;
	for (const char *c = addr; c < at; c++)
		if (!isalnum((unsigned char)*c) &&
		    strchr("!#$%&'*+-/=^_`{|}~.", *c) == NULL)
			return false;
	for (const char *c = at + 1; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '.')
			return false;
	return true;
}

/* mail one report to each usable rua= address; the number queued */
static int
send_to_rua(const struct dmarc_send_opts *o, const struct dmarc_report_info *in,
	    const char *domain, const char *rua, const struct buf *gz)
{
	char *list = xstrdup(rua), *save = NULL;
	int sent = 0;

	for (char *e = strtok_r(list, " ", &save); e;
	     e = strtok_r(NULL, " ", &save)) {
		uint64_t max = 0;
		char *uri = dmarc_uri_split(e, &max);
		char *addr = uri + 7;
		bool ok = strncasecmp(uri, "mailto:", 7) == 0 &&
			  rua_address_ok(addr);
		const char *rua_domain = ok ? strrchr(addr, '@') + 1 : NULL;
		struct buf mail = BUF_INIT;

		if (!ok) {
			log_info(0, "dmarc report skipped domain=%s rua=%s "
				 "reason=\"not a mailto: address\"", domain, e);
		} else if (!dmarc_rua_authorized(domain, rua_domain, o->txt,
						 o->txt_arg)) {
			log_info(0, "dmarc report skipped domain=%s rua=%s "
				 "reason=\"%s._report._dmarc.%s does not "
				 "authorize it (RFC 7489 7.1)\"", domain, e,
				 domain, rua_domain);
		} else {
			dmarc_report_mail(in, domain, addr, gz, o->now, &mail);
			if (max && mail.len > max)
				log_info(0, "dmarc report skipped domain=%s "
					 "rua=%s reason=\"report of %zu bytes "
					 "over the size limit\"", domain, e,
					 mail.len);
			else if (dsn_deliver(o->store, addr, &mail) == 0)
				sent++;
		}
		buf_free(&mail);
		free(uri);
	}
	free(list);
	return sent;
}

static int
send_domain(const struct dmarc_send_opts *o, const char *from,
	    const char *domain)
{
	const struct tern_conf *conf = o->conf;
	struct store_dmarc_rows rows;
	struct dmarc_report_info in = {
		.org_name = conf->dmarc_reports.org_name[0] ?
			    conf->dmarc_reports.org_name : conf->hostname,
		.email = from,
		.receiver = conf->hostname,
	};
	struct buf xml = BUF_INIT, gz = BUF_INIT;
	char *id = NULL;
	int ret, sent = 0;

	ret = store_dmarc_rows(o->store, domain, o->end, &rows, &in.begin,
			       &in.end);
	if (ret < 0 || rows.n < 2)
		goto out;
	/* the period: from its first message to its end */
	in.end = o->end - 1;
	id = xasprintf("%" PRId64 ".%s", in.end, domain);
	in.report_id = id;
	dmarc_report_xml(&in, rows.v, rows.n, &xml);
	if (xml.len > conf->dmarc_reports.max_report_size)
		log_warn(0, "dmarc report dropped domain=%s reason=\"XML of "
			 "%zu bytes over dmarc_reports.max_report_size\"",
			 domain, xml.len);
	else if (!gzip_compress(xml.data, xml.len, &gz))
		log_error(0, "dmarc report dropped domain=%s reason=\"gzip "
			  "failed\"", domain);
	else
		sent = send_to_rua(o, &in, domain, rows.v[0].rua, &gz);
	log_info(0, "dmarc report domain=%s rows=%zu xml=%zu gz=%zu sent=%d",
		 domain, rows.n - 1, xml.len, gz.len, sent);
	/* reported, or not reportable: the rows go either way */
	ret = store_dmarc_delete(o->store, domain, o->end, NULL, NULL);
out:
	free(id);
	buf_free(&xml);
	buf_free(&gz);
	store_dmarc_rows_free(&rows);
	return ret < 0 ? ret : sent > 0;
}

int
dmarc_send_reports(const struct dmarc_send_opts *o)
{
	int64_t keep = (int64_t)(o->conf->dmarc_reports.retention_ms / 1000);
	struct store_strlist domains;
	char *from;
	int ret, n = 0;

	if ((ret = store_dmarc_delete(o->store, NULL, o->now - keep, NULL,
				      NULL)) < 0 ||
	    (ret = store_dmarc_domains(o->store, o->end, &domains)) < 0)
		return ret;
	from = report_from(o);
	for (size_t i = 0; i < domains.n; i++) {
		ret = send_domain(o, from, domains.v[i]);
		if (ret > 0)
			n++;
	}
	store_strlist_free(&domains);
	free(from);
	return n;
}

int
dmarc_txt_ub(void *arg, const char *name)
{
	struct ub_result *res = NULL;
	int found = 0;

	if (ub_resolve(arg, name, 16, 1, &res) != 0 || res == NULL)
		return -1;
	if (res->rcode != 0 && res->rcode != 3) {
		ub_resolve_free(res);
		return -1;
	}
	for (size_t i = 0; res->havedata && res->data[i]; i++) {
		const unsigned char *p = (const unsigned char *)res->data[i];
		size_t len = (size_t)res->len[i], off = 0;
		struct buf t = BUF_INIT;
		struct dmarc_record r;

		/* one record is its strings put together (RFC 7489 6.1) */
		while (off < len) {
			size_t l = p[off++];

			if (off + l > len)
				break;
			buf_append(&t, p + off, l);
			off += l;
		}
		if (dmarc_record_parse(buf_cstr(&t), t.len, &r) == 0) {
			dmarc_record_free(&r);
			found = 1;
		}
		buf_free(&t);
	}
	ub_resolve_free(res);
	return found;
}

int64_t
dmarc_period_end(const struct tern_conf *conf, int64_t now)
{
	int64_t end = now - now % 86400 + (int64_t)conf->dmarc_reports.hour * 3600;

	return end > now ? end - 86400 : end;
}

int
dmarc_send_run(const struct tern_conf *conf, struct store *store,
	       int64_t end, int64_t now, char **error_r)
{
	struct ub_ctx *ub = ub_ctx_create();
	int n;

	if (ub == NULL) {
		*error_r = xstrdup("ub_ctx_create failed");
		return STORE_EIO;
	}
	if (dns_ub_configure(ub, conf, error_r) < 0) {
		ub_ctx_delete(ub);
		return STORE_EINVAL;
	}
	n = dmarc_send_reports(&(struct dmarc_send_opts){
		.conf = conf, .store = store, .txt = dmarc_txt_ub,
		.txt_arg = ub, .end = end, .now = now,
	});
	ub_ctx_delete(ub);
	return n;
}
