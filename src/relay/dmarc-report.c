/* dmarc-report.c - the XML and the mail of one DMARC aggregate report,
 * and the external destination check (contract in dmarc-report.h).
 * Every string in a report came from the network (From domains, DKIM
 * d= and s=, MAIL FROM): all of it goes through dmarc_xml_escape. */
#include "relay/dmarc-report.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/base64.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "mailauth/dmarc.h"
#include "relay/dsn.h"

void
dmarc_xml_escape(struct buf *out, const char *s)
{
	size_t len = strlen(s);

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t n;

		switch (c) {
		case '&': buf_append_str(out, "&amp;"); i++; continue;
		case '<': buf_append_str(out, "&lt;"); i++; continue;
		case '>': buf_append_str(out, "&gt;"); i++; continue;
		case '"': buf_append_str(out, "&quot;"); i++; continue;
		case '\'': buf_append_str(out, "&apos;"); i++; continue;
		default: break;
		}
		if (c < 0x80) {
			buf_append_byte(out, c < 0x20 && c != '\t' && c != '\n' &&
					c != '\r' ? '?' : c);
			i++;
			continue;
		}
		n = utf8_next((const unsigned char *)s + i, len - i, &cp);
		/* U+FFFE, U+FFFF are not XML characters either */
		if (n == 0 || cp == 0xfffe || cp == 0xffff) {
			buf_append_byte(out, '?');
			i++;
		} else {
			buf_append(out, s + i, n);
			i += n;
		}
	}
}

static void
xml_elem(struct buf *out, const char *indent, const char *name,
	 const char *value)
{
	buf_printf(out, "%s<%s>", indent, name);
	dmarc_xml_escape(out, value);
	buf_printf(out, "</%s>\n", name);
}

/* "domain selector result;..." (store-dmarc.c) */
static void
xml_dkim(struct buf *out, const char *list)
{
	char *copy = xstrdup(list), *save = NULL;

	for (char *sig = strtok_r(copy, ";", &save); sig;
	     sig = strtok_r(NULL, ";", &save)) {
		char *f[3] = { NULL, NULL, NULL }, *s2 = NULL;
		size_t k = 0;

		for (char *t = strtok_r(sig, " ", &s2); t && k < 3;
		     t = strtok_r(NULL, " ", &s2))
			f[k++] = t;
		if (k < 3)
			continue;
		buf_append_str(out, "      <dkim>\n");
		xml_elem(out, "        ", "domain", strcmp(f[0], "-") ? f[0] : "");
		if (strcmp(f[1], "-") != 0)
			xml_elem(out, "        ", "selector", f[1]);
		xml_elem(out, "        ", "result", f[2]);
		buf_append_str(out, "      </dkim>\n");
	}
	free(copy);
}

void
dmarc_report_xml(const struct dmarc_report_info *in,
		 const struct store_dmarc_row *rows, size_t n,
		 struct buf *out)
{
	const struct store_dmarc_row *pol = &rows[0];
	char num[32];

	buf_append_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<feedback>\n  <version>1.0</version>\n"
		       "  <report_metadata>\n");
	xml_elem(out, "    ", "org_name", in->org_name);
	xml_elem(out, "    ", "email", in->email);
	xml_elem(out, "    ", "report_id", in->report_id);
	buf_printf(out, "    <date_range>\n      <begin>%" PRId64 "</begin>\n"
		   "      <end>%" PRId64 "</end>\n    </date_range>\n"
		   "  </report_metadata>\n  <policy_published>\n",
		   in->begin, in->end);
	xml_elem(out, "    ", "domain", pol->policy_domain);
	xml_elem(out, "    ", "adkim", pol->adkim);
	xml_elem(out, "    ", "aspf", pol->aspf);
	xml_elem(out, "    ", "p", pol->p);
	xml_elem(out, "    ", "sp", pol->sp);
	snprintf(num, sizeof(num), "%u", pol->pct);
	xml_elem(out, "    ", "pct", num);
	buf_append_str(out, "  </policy_published>\n");
	for (size_t i = 1; i < n; i++) {
		const struct store_dmarc_row *r = &rows[i];

		buf_append_str(out, "  <record>\n    <row>\n");
		xml_elem(out, "      ", "source_ip", r->source_ip);
		buf_printf(out, "      <count>%" PRIu64 "</count>\n"
			   "      <policy_evaluated>\n", r->count);
		xml_elem(out, "        ", "disposition", r->disposition);
		xml_elem(out, "        ", "dkim", r->dmarc_dkim);
		xml_elem(out, "        ", "spf", r->dmarc_spf);
		buf_append_str(out, "      </policy_evaluated>\n    </row>\n"
			       "    <identifiers>\n");
		xml_elem(out, "      ", "header_from", r->header_from);
		if (r->envelope_from[0])
			xml_elem(out, "      ", "envelope_from", r->envelope_from);
		buf_append_str(out, "    </identifiers>\n    <auth_results>\n");
		xml_dkim(out, r->dkim);
		buf_append_str(out, "      <spf>\n");
		xml_elem(out, "        ", "domain", r->spf_domain);
		xml_elem(out, "        ", "scope", r->spf_scope);
		xml_elem(out, "        ", "result", r->spf_result);
		buf_append_str(out, "      </spf>\n    </auth_results>\n"
			       "  </record>\n");
	}
	buf_append_str(out, "</feedback>\n");
}

char *
dmarc_report_filename(const struct dmarc_report_info *in,
		      const char *policy_domain)
{
	return xasprintf("%s!%s!%" PRId64 "!%" PRId64 ".xml.gz", in->receiver,
			 policy_domain, in->begin, in->end);
}

/* a header value from the network: printable ASCII only */
static void
mail_text(struct buf *out, const char *s)
{
	for (; *s; s++)
		buf_append_byte(out, *s > ' ' && *s < 0x7f ? (unsigned char)*s :
				'?');
}

void
dmarc_report_mail(const struct dmarc_report_info *in,
		  const char *policy_domain, const char *to,
		  const struct buf *gz, int64_t now, struct buf *out)
{
	char *file = dmarc_report_filename(in, policy_domain);
	char date[64];
	struct buf b64 = BUF_INIT;

	dsn_date(now, date, sizeof(date));
	buf_printf(out, "From: <%s>\r\nTo: <", in->email);
	mail_text(out, to);
	buf_append_str(out, ">\r\nSubject: Report Domain: ");
	mail_text(out, policy_domain);
	buf_printf(out, " Submitter: %s Report-ID: <", in->org_name);
	mail_text(out, in->report_id);
	buf_printf(out, ">\r\nDate: %s\r\nMessage-ID: <", date);
	mail_text(out, in->report_id);
	buf_printf(out, "@%s>\r\nAuto-Submitted: auto-generated\r\n"
		   "MIME-Version: 1.0\r\n"
		   "Content-Type: multipart/mixed; boundary=\"dmarc-%" PRId64
		   "\"\r\n\r\n"
		   "--dmarc-%" PRId64 "\r\n"
		   "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
		   "DMARC aggregate report from %s for ", in->receiver, now,
		   now, in->org_name);
	mail_text(out, policy_domain);
	buf_printf(out, ".\r\n\r\n--dmarc-%" PRId64 "\r\n"
		   "Content-Type: application/gzip\r\n"
		   "Content-Transfer-Encoding: base64\r\n"
		   "Content-Disposition: attachment;\r\n\tfilename=\"", now);
	mail_text(out, file);
	buf_append_str(out, "\"\r\n\r\n");
	base64_encode(&b64, gz->data, gz->len);
	for (size_t i = 0; i < b64.len; i += 76) {
		size_t k = b64.len - i < 76 ? b64.len - i : 76;

		buf_append(out, b64.data + i, k);
		buf_append_str(out, "\r\n");
	}
	buf_printf(out, "--dmarc-%" PRId64 "--\r\n", now);
	buf_free(&b64);
	free(file);
}

int
dmarc_rua_authorized(const char *policy_domain, const char *rua_domain,
		     dmarc_txt_fn *txt, void *arg)
{
	char *a = dmarc_org_domain(policy_domain);
	char *b = dmarc_org_domain(rua_domain);
	char *name;
	int ret;

	if (a == NULL || b == NULL) {
		ret = 0;
	} else if (strcasecmp(a, b) == 0) {
		ret = 1;
	} else {
		name = xasprintf("%s._report._dmarc.%s", policy_domain,
				 rua_domain);
		ret = txt(arg, name) == 1;
		free(name);
	}
	free(a);
	free(b);
	return ret;
}
