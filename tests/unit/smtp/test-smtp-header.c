/* test-smtp-header.c - the header watcher: fields seen, end of header,
 * whatever the split of the input */
#include "test.h"
#include "smtp/smtp-header.h"

#include <string.h>

/* feed in pieces of step bytes; returns the absolute blank-line offset */
static long
scan(const char *msg, size_t step, struct smtp_header *h)
{
	size_t len = strlen(msg), pos = 0;
	long found = -1;

	smtp_header_init(h);
	while (pos < len) {
		size_t n = step && step < len - pos ? step : len - pos;
		ptrdiff_t r = smtp_header_scan(h, (const unsigned char *)msg + pos, n);

		if (r >= 0 && found < 0)
			found = (long)(pos + (size_t)r);
		pos += n;
	}
	return found;
}

TEST(smtp_header_fields_and_end)
{
	const char *msg = "From: a@b\r\nSubject: x\r\n continued Date: no\r\n"
			  "MESSAGE-ID : <1@b>\r\n\r\nDate: in the body\r\n";
	struct smtp_header h;

	for (size_t step = 0; step < 6; step++) {
		CHECK_INT(scan(msg, step, &h), 64);
		CHECK_INT(h.seen, SMTP_HDR_FROM | SMTP_HDR_MESSAGE_ID);
		CHECK(smtp_header_done(&h));
	}
	CHECK_INT(scan("\r\nbody\r\n", 1, &h), 0);
	CHECK_INT(h.seen, 0);
	CHECK_INT(scan("Date: x\r\nX-Very-Long-Field-Name-Here: y\r\n", 1, &h), -1);
	CHECK_INT(h.seen, SMTP_HDR_DATE);
	CHECK(!smtp_header_done(&h));
	CHECK(smtp_header_at_bol(&h));
	CHECK_INT(scan("Date: x", 0, &h), -1);
	CHECK(!smtp_header_at_bol(&h));
}
