/* dmarc-xml.h - read a DMARC aggregate report (RFC 7489 Appendix C)
 * that another receiver mailed us: a small bounded parser for that one
 * schema, not a general XML parser. No DTD (a DOCTYPE is refused, so no
 * entity is ever expanded), only the five predefined entities and
 * character references, nesting and record counts bounded. */
#ifndef TERN_DMARC_XML_H
#define TERN_DMARC_XML_H

#include <stddef.h>
#include <stdint.h>

#define DMARC_XML_MAX_DEPTH 16		/* the schema nests 5 deep */
#define DMARC_XML_FIELD 256		/* longest value kept (truncated) */

struct dmarc_xml_record {
	char source_ip[64];
	uint64_t count;
	char disposition[16];
	char dkim[16], spf[16];		/* policy_evaluated */
	char header_from[DMARC_XML_FIELD];
};

struct dmarc_xml_report {
	char org_name[DMARC_XML_FIELD];
	char email[DMARC_XML_FIELD];
	char report_id[DMARC_XML_FIELD];
	char domain[DMARC_XML_FIELD];	/* policy_published */
	char p[16];
	int64_t begin, end;
	struct dmarc_xml_record *v;
	size_t n;
};

/* Parse; at most max_records <record>s (0: 100000). 0 and *r filled
 * (free with dmarc_xml_free), or -1 and *error_r a static reason. */
int dmarc_xml_parse(const char *p, size_t len, size_t max_records,
		    struct dmarc_xml_report *r, const char **error_r);
void dmarc_xml_free(struct dmarc_xml_report *r);

#endif
