/* test-dmarc-xml.c - the reader of received DMARC aggregate reports on
 * hostile input: malformed XML, entities and DOCTYPE, huge counts, deep
 * nesting, truncation, too many records. */
#include "test.h"

#include "lib/buf.h"
#include "lib/gzip.h"
#include "mailauth/dmarc-xml.h"

#include <stdlib.h>
#include <string.h>

#define GOOD \
	"<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n" \
	"<feedback xmlns=\"http://dmarc.org/dmarc-xml/0.1\">\n" \
	"  <report_metadata>\n" \
	"    <org_name>google.com</org_name>\n" \
	"    <email>noreply-dmarc-support@google.com</email>\n" \
	"    <report_id>1234567890</report_id>\n" \
	"    <date_range><begin>1700006400</begin><end>1700092799</end></date_range>\n" \
	"  </report_metadata>\n" \
	"  <policy_published><domain>example.org</domain><adkim>r</adkim>" \
	"<aspf>r</aspf><p>quarantine</p><sp>quarantine</sp><pct>100</pct>" \
	"</policy_published>\n" \
	"  <!-- a comment <record> -->\n" \
	"  <record><row><source_ip>192.0.2.1</source_ip><count>2</count>" \
	"<policy_evaluated><disposition>none</disposition><dkim>pass</dkim>" \
	"<spf>pass</spf></policy_evaluated></row><identifiers>" \
	"<header_from>example.org</header_from></identifiers><auth_results>" \
	"<dkim><domain>example.org</domain><result>pass</result></dkim>" \
	"<spf><domain>example.org</domain><result>pass</result></spf>" \
	"</auth_results></record>\n" \
	"  <record><row><source_ip> 198.51.100.9 </source_ip><count>5</count>" \
	"<policy_evaluated><disposition>quarantine</disposition><dkim>fail</dkim>" \
	"<spf>fail</spf></policy_evaluated></row><identifiers>" \
	"<header_from>ex&amp;&#65;&#x42;.org</header_from></identifiers></record>\n" \
	"</feedback>\n"

static int
parse(const char *s, struct dmarc_xml_report *r, const char **why)
{
	*why = NULL;
	return dmarc_xml_parse(s, strlen(s), 0, r, why);
}

TEST(dmarc_xml_reads_a_report)
{
	struct dmarc_xml_report r;
	const char *why;

	CHECK_INT(parse(GOOD, &r, &why), 0);
	CHECK_STR(r.org_name, "google.com");
	CHECK_STR(r.report_id, "1234567890");
	CHECK_STR(r.domain, "example.org");
	CHECK_STR(r.p, "quarantine");
	CHECK_INT(r.begin, 1700006400);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.v[0].source_ip, "192.0.2.1");
	CHECK_INT(r.v[0].count, 2);
	CHECK_STR(r.v[1].source_ip, "198.51.100.9");
	CHECK_STR(r.v[1].disposition, "quarantine");
	CHECK_STR(r.v[1].header_from, "ex&AB.org");
	dmarc_xml_free(&r);
}

static void
refused(const char *s, const char *reason)
{
	struct dmarc_xml_report r;
	const char *why;

	CHECK_INT(parse(s, &r, &why), -1);
	CHECK(why != NULL);
	if (why && reason)
		CHECK_STR(why, reason);
	CHECK(r.v == NULL && r.n == 0);
}

TEST(dmarc_xml_refuses_malformed)
{
	refused("", "truncated: the report does not end");
	refused("<html><body/></html>", "not a DMARC report (no <feedback>)");
	refused("<feedback><a></b></feedback>", "mismatched closing tag");
	refused("<feedback></feedback></feedback>", "content after the root element");
	refused("</feedback>", "closing tag without an opening one");
	refused("<feedback><record><row><count>-1</count></row></record></feedback>",
		"not a number");
	refused("<feedback><record><row><count>12x</count></row></record></feedback>",
		"not a number");
	refused("<feedback attr=\"unterminated></feedback>", "unterminated attribute");
	refused("<feedback><!-- never closed </feedback>", "unterminated comment");
	refused("<feedback>&bogus;</feedback>", "undefined entity");
	refused("<feedback>&#0;</feedback>", "bad character reference");
	refused("<feedback>&#xD800;</feedback>", "bad character reference");
	refused("<feedback>&#99999999999;</feedback>", "bad character reference");
	refused("<feedback>&amp</feedback>", "bad entity reference");
	refused("junk<feedback/>", "text outside the root element");
	refused("<feedback", "unterminated tag");
	refused("<>", "bad tag");
}

TEST(dmarc_xml_no_entity_expansion)
{
	/* billion laughs: refused at the DOCTYPE, nothing expanded */
	refused("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
		"<!ENTITY lol \"lol\">\n"
		"<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n"
		"<feedback><report_metadata><org_name>&lol2;</org_name>"
		"</report_metadata></feedback>", "DOCTYPE or declaration refused");
	/* an external entity never reaches the file system */
	refused("<!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		"<feedback>&x;</feedback>", "DOCTYPE or declaration refused");
}

TEST(dmarc_xml_huge_counts)
{
	struct dmarc_xml_report r;
	const char *why;

	CHECK_INT(parse("<feedback><record><row><count>18446744073709551615"
			"</count></row></record></feedback>", &r, &why), 0);
	CHECK(r.n == 1 && r.v[0].count == UINT64_MAX);
	dmarc_xml_free(&r);
	refused("<feedback><record><row><count>18446744073709551616"
		"</count></row></record></feedback>", "number too large");
	refused("<feedback><record><row><count>99999999999999999999999999999"
		"</count></row></record></feedback>", "number too large");
	refused("<feedback><report_metadata><date_range><begin>9223372036854775808"
		"</begin></date_range></report_metadata></feedback>",
		"date out of range");
}

TEST(dmarc_xml_deep_nesting_and_limits)
{
	struct buf b = BUF_INIT;
	struct dmarc_xml_report r;
	const char *why;

	buf_append_str(&b, "<feedback>");
	for (int i = 0; i < 100000; i++)
		buf_append_str(&b, "<a>");
	refused(buf_cstr(&b), "nested too deep");
	buf_reset(&b);
	/* long names and values are cut, not overflowed */
	buf_append_str(&b, "<feedback><report_metadata><org_name>");
	for (int i = 0; i < 10000; i++)
		buf_append_str(&b, "x");
	buf_append_str(&b, "</org_name></report_metadata><");
	for (int i = 0; i < 1000; i++)
		buf_append_str(&b, "n");
	buf_append_str(&b, "/></feedback>");
	CHECK_INT(parse(buf_cstr(&b), &r, &why), 0);
	CHECK_INT(strlen(r.org_name), DMARC_XML_FIELD - 1);
	dmarc_xml_free(&r);
	/* more records than allowed */
	buf_reset(&b);
	buf_append_str(&b, "<feedback>");
	for (int i = 0; i < 11; i++)
		buf_append_str(&b, "<record/>");
	buf_append_str(&b, "</feedback>");
	CHECK_INT(dmarc_xml_parse((const char *)b.data, b.len, 10, &r, &why), -1);
	CHECK_STR(why, "too many records");
	CHECK_INT(dmarc_xml_parse((const char *)b.data, b.len, 11, &r, &why), 0);
	CHECK_INT(r.n, 11);
	dmarc_xml_free(&r);
	buf_free(&b);
}

TEST(dmarc_xml_truncated)
{
	size_t len = strlen(GOOD);
	struct buf gz = BUF_INIT, out = BUF_INIT;

	/* every prefix of a good report is refused, none crashes */
	for (size_t n = 0; n + 2 < len; n++) {
		struct dmarc_xml_report r;
		const char *why = NULL;

		CHECK_INT(dmarc_xml_parse(GOOD, n, 0, &r, &why), -1);
	}
	/* a truncated gzip attachment */
	CHECK(gzip_compress(GOOD, len, &gz));
	for (size_t n = 0; n < gz.len; n += 7) {
		buf_reset(&out);
		CHECK_INT(gzip_decompress(gz.data, n, 1 << 20, &out), -1);
	}
	buf_free(&gz);
	buf_free(&out);
}
