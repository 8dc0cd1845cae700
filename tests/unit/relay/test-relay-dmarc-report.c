/* test-relay-dmarc-report.c - DMARC aggregate reports: the XML writer
 * escapes what came from the network and reads back through the
 * report reader, gzip round trips, the mail's subject and file name
 * (RFC 7489 7.2.1.1), and the external destination check (7.1). */
#include "test.h"

#include "lib/conf.h"
#include "lib/gzip.h"
#include "mailauth/dmarc-xml.h"
#include "relay/dmarc-report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
esc(const char *s)
{
	static struct buf b;

	buf_reset(&b);
	dmarc_xml_escape(&b, s);
	return buf_cstr(&b);
}

TEST(dmarc_xml_escape_network_text)
{
	CHECK_STR(esc("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
	CHECK_STR(esc("</domain><injected>x</injected>"),
		  "&lt;/domain&gt;&lt;injected&gt;x&lt;/injected&gt;");
	/* controls XML cannot hold, invalid UTF-8 */
	CHECK_STR(esc("a\x01\x1f" "b"), "a??b");
	CHECK_STR(esc("\xff\xfe" "x"), "??x");
	CHECK_STR(esc("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
	CHECK_STR(esc("\xef\xbf\xbf"), "???");
	CHECK_STR(esc(""), "");
}

static const struct store_dmarc_row rows[] = {
	{ .policy_domain = "example.org", .rua = "mailto:r@example.org",
	  .adkim = "r", .aspf = "s", .p = "reject", .sp = "quarantine",
	  .pct = 100 },
	{ .header_from = "example.org", .source_ip = "192.0.2.7",
	  .envelope_from = "ex<ample.org", .disposition = "none",
	  .dmarc_dkim = "pass", .dmarc_spf = "fail",
	  .dkim = "example.org sel1 pass;evil&co.example - fail",
	  .spf_domain = "ex<ample.org", .spf_scope = "mfrom",
	  .spf_result = "softfail", .count = 3 },
	{ .header_from = "example.org", .source_ip = "2001:db8::1",
	  .envelope_from = "", .disposition = "reject",
	  .dmarc_dkim = "fail", .dmarc_spf = "fail", .dkim = "",
	  .spf_domain = "helo.example", .spf_scope = "helo",
	  .spf_result = "none", .count = 18446744073709551615ull },
};

static const struct dmarc_report_info info = {
	.org_name = "mx.tern.example & co", .email = "dmarc-noreply@tern.example",
	.receiver = "mx.tern.example", .report_id = "1700000000.example.org",
	.begin = 1699913600, .end = 1699999999,
};

TEST(dmarc_report_xml_reads_back)
{
	struct buf xml = BUF_INIT;
	struct dmarc_xml_report r;
	const char *why = NULL;

	dmarc_report_xml(&info, rows, 3, &xml);
	CHECK(memmem(xml.data, xml.len, "<envelope_from>ex&lt;ample.org<", 31) != NULL);
	CHECK(memmem(xml.data, xml.len, "<domain>evil&amp;co.example</domain>", 36) != NULL);
	CHECK(memmem(xml.data, xml.len, "<selector>sel1</selector>", 25) != NULL);
	CHECK(memmem(xml.data, xml.len, "<sp>quarantine</sp>", 19) != NULL);
	CHECK_INT(dmarc_xml_parse((const char *)xml.data, xml.len, 0, &r, &why), 0);
	CHECK_STR(r.org_name, "mx.tern.example & co");
	CHECK_STR(r.domain, "example.org");
	CHECK_STR(r.p, "reject");
	CHECK_INT(r.begin, 1699913600);
	CHECK_INT(r.end, 1699999999);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.v[0].source_ip, "192.0.2.7");
	CHECK_INT(r.v[0].count, 3);
	CHECK_STR(r.v[0].dkim, "pass");
	CHECK_STR(r.v[0].spf, "fail");
	CHECK_STR(r.v[1].disposition, "reject");
	CHECK(r.v[1].count == 18446744073709551615ull);
	dmarc_xml_free(&r);
	buf_free(&xml);
}

TEST(dmarc_report_gzip_and_mail)
{
	struct buf xml = BUF_INIT, gz = BUF_INIT, back = BUF_INIT, mail = BUF_INIT;
	char *file;

	dmarc_report_xml(&info, rows, 3, &xml);
	CHECK(gzip_compress(xml.data, xml.len, &gz));
	CHECK(gz.len > 10 && gz.data[0] == 0x1f && gz.data[1] == 0x8b);
	CHECK_INT(gzip_decompress(gz.data, gz.len, 1 << 20, &back), 0);
	CHECK_INT(back.len, xml.len);
	CHECK(memcmp(back.data, xml.data, xml.len) == 0);
	/* over the limit, truncated, not gzip */
	buf_reset(&back);
	CHECK_INT(gzip_decompress(gz.data, gz.len, 100, &back), -2);
	CHECK(back.len <= 100);
	buf_reset(&back);
	CHECK_INT(gzip_decompress(gz.data, gz.len / 2, 1 << 20, &back), -1);
	buf_reset(&back);
	CHECK_INT(gzip_decompress("hello", 5, 1 << 20, &back), -1);
	file = dmarc_report_filename(&info, "example.org");
	CHECK_STR(file, "mx.tern.example!example.org!1699913600!1699999999.xml.gz");
	dmarc_report_mail(&info, "example.org", "r@example.org", &gz, 1700000000, &mail);
	CHECK(memmem(mail.data, mail.len, "Subject: Report Domain: example.org "
		     "Submitter: mx.tern.example & co Report-ID: "
		     "<1700000000.example.org>\r\n", 99) != NULL);
	CHECK(memmem(mail.data, mail.len, "From: <dmarc-noreply@tern.example>\r\n", 36) != NULL);
	CHECK(memmem(mail.data, mail.len, file, strlen(file)) != NULL);
	CHECK(memmem(mail.data, mail.len, "Content-Type: application/gzip", 30) != NULL);
	free(file);
	buf_free(&xml);
	buf_free(&gz);
	buf_free(&back);
	buf_free(&mail);
}

struct txt_table {
	const char *yes;	/* the one name that has v=DMARC1 */
	int calls;
	char asked[256];
};

static int
txt_fake(void *arg, const char *name)
{
	struct txt_table *t = arg;

	t->calls++;
	snprintf(t->asked, sizeof(t->asked), "%s", name);
	if (strcmp(name, "fail.example._report._dmarc.dns-error.example") == 0)
		return -1;
	return t->yes && strcmp(name, t->yes) == 0;
}

TEST(dmarc_external_destination_check)
{
	struct txt_table t = { "example.org._report._dmarc.reports.example.net", 0, "" };

	/* same organizational domain: no question asked */
	CHECK_INT(dmarc_rua_authorized("mail.example.org", "example.org", txt_fake, &t), 1);
	CHECK_INT(dmarc_rua_authorized("example.org", "Reports.Example.ORG", txt_fake, &t), 1);
	CHECK_INT(t.calls, 0);
	/* another domain: <policy>._report._dmarc.<rua domain> */
	CHECK_INT(dmarc_rua_authorized("example.org", "reports.example.net", txt_fake, &t), 1);
	CHECK_INT(t.calls, 1);
	CHECK_INT(dmarc_rua_authorized("example.org", "other.example", txt_fake, &t), 0);
	CHECK_STR(t.asked, "example.org._report._dmarc.other.example");
	/* a DNS failure is no authorization */
	CHECK_INT(dmarc_rua_authorized("fail.example", "dns-error.example", txt_fake, &t), 0);
}

TEST(dmarc_period_end_is_the_last_send_hour)
{
	struct tern_conf *conf = conf_defaults();
	int64_t day = 1700006400;	/* 2023-11-15 00:00 UTC */

	conf->dmarc_reports.hour = 0;
	CHECK_INT(dmarc_period_end(conf, day), day);
	CHECK_INT(dmarc_period_end(conf, day + 86399), day);
	conf->dmarc_reports.hour = 6;
	/* before 06:00: the period that ended yesterday at 06:00 */
	CHECK_INT(dmarc_period_end(conf, day + 3600), day - 86400 + 6 * 3600);
	CHECK_INT(dmarc_period_end(conf, day + 6 * 3600), day + 6 * 3600);
	CHECK_INT(dmarc_period_end(conf, day + 23 * 3600), day + 6 * 3600);
	conf_free(&conf);
}

/* Python's zipfile, ZIP_DEFLATED: r.xml = "<feedback>" 50 x "</feedback>" */
static const unsigned char zip_deflated[] =
	"\x50\x4b\x03\x04\x14\x00\x00\x00\x08\x00\x18\xa1\x83\x5d\x39\xac"
	"\x33\x4c\x13\x00\x00\x00\x47\x00\x00\x00\x05\x00\x00\x00\x72\x2e"
	"\x78\x6d\x6c\xb3\x49\x4b\x4d\x4d\x49\x4a\x4c\xce\xb6\xab\x20\x19"
	"\xd8\xe8\xc3\x35\x03\x00";

TEST(dmarc_zip_attachment)
{
	struct buf out = BUF_INIT;
	size_t n = sizeof(zip_deflated) - 1;
	unsigned char stored[64] = "PK\x03\x04";

	CHECK_INT(zip_first_file(zip_deflated, n, 1 << 20, &out), 0);
	CHECK_INT(out.len, 71);
	CHECK(memcmp(out.data, "<feedback>xxx", 13) == 0);
	buf_reset(&out);
	CHECK_INT(zip_first_file(zip_deflated, n, 20, &out), -2);
	for (size_t k = 0; k < n; k += 5) {
		buf_reset(&out);
		CHECK_INT(zip_first_file(zip_deflated, k, 1 << 20, &out), -1);
	}
	/* stored: its size from the header, never past the input */
	stored[18] = 5;
	memcpy(stored + 30, "hello", 5);
	buf_reset(&out);
	CHECK_INT(zip_first_file(stored, 35, 1 << 20, &out), 0);
	CHECK_INT(out.len, 5);
	stored[18] = 200;
	buf_reset(&out);
	CHECK_INT(zip_first_file(stored, 35, 1 << 20, &out), -1);
	buf_free(&out);
}
