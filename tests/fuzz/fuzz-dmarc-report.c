/* fuzz-dmarc-report.c - libFuzzer harness for the reader of received
 * DMARC aggregate reports (src/mailauth/dmarc-xml.c) and the gzip
 * attachment it comes in (src/lib/gzip.c).
 *
 * The input is the XML, or, when it starts with the gzip or zip magic,
 * a gzip member or a zip archive's first file decompressed first (bounded, as `tern dmarc show` does).
 * Checks: a parse either fails with a reason and nothing to free, or
 * succeeds with every kept string NUL-terminated inside its field and
 * never more records than the limit. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/gzip.h"
#include "mailauth/dmarc-xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_XML (1u << 20)
#define MAX_RECORDS 1000

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf xml = BUF_INIT;
	struct dmarc_xml_report r;
	const char *why = NULL;
	const char *p = (const char *)data;
	size_t len = size;

	if ((size >= 2 && data[0] == 0x1f && data[1] == 0x8b) ||
	    (size >= 4 && memcmp(data, "PK\x03\x04", 4) == 0)) {
		int rc = data[0] == 0x1f ?
			 gzip_decompress(data, size, MAX_XML, &xml) :
			 zip_first_file(data, size, MAX_XML, &xml);

		if (rc != 0 ||
		    xml.len > MAX_XML) {
			if (xml.len > MAX_XML + 16384)
				abort();	/* the limit did not hold */
			buf_free(&xml);
			return 0;
		}
		p = (const char *)xml.data;
		len = xml.len;
	}
	if (dmarc_xml_parse(p, len, MAX_RECORDS, &r, &why) == 0) {
		if (r.n > MAX_RECORDS ||
		    memchr(r.org_name, 0, sizeof(r.org_name)) == NULL ||
		    memchr(r.domain, 0, sizeof(r.domain)) == NULL)
			abort();
		for (size_t i = 0; i < r.n; i++)
			if (memchr(r.v[i].source_ip, 0,
				   sizeof(r.v[i].source_ip)) == NULL ||
			    memchr(r.v[i].header_from, 0,
				   sizeof(r.v[i].header_from)) == NULL)
				abort();
		dmarc_xml_free(&r);
	} else if (why == NULL || r.v != NULL || r.n != 0) {
		abort();
	}
	buf_free(&xml);
	return 0;
}
