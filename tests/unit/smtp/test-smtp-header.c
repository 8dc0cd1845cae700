/* test-smtp-header.c - the header watcher: fields seen, end of header,
 * whatever the split of the input */
#include "test.h"
#include "smtp/smtp-header.h"

#include <stdio.h>
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

TEST(smtp_header_loop_fields)
{
	const char *msg = "Received: from a\r\n\tby b; date\r\nreceived : x\r\n"
			  "Delivered-To: Alice@Example.TEST\r\n"
			  "X-Received: not counted\r\n"
			  "Delivered-To:\r\n <bob@example.test> \r\n"
			  "Subject: Delivered-To: carol@example.test\r\n"
			  "\r\nDelivered-To: dave@example.test\r\nReceived: body\r\n";
	struct smtp_header h;

	for (size_t step = 0; step < 5; step++) {
		scan(msg, step, &h);
		CHECK_INT(h.received, 2);
		CHECK(smtp_header_delivered_to(&h, "alice@example.test"));
		CHECK(smtp_header_delivered_to(&h, "bob@example.test"));
		CHECK(!smtp_header_delivered_to(&h, "carol@example.test"));
		CHECK(!smtp_header_delivered_to(&h, "dave@example.test"));
		CHECK(!smtp_header_delivered_to(&h, "alice@example.tes"));
	}
	/* a message that is all header: the last field still counts */
	scan("Delivered-To: erin@example.test", 0, &h);
	smtp_header_end(&h);
	CHECK(smtp_header_delivered_to(&h, "erin@example.test"));
}

TEST(smtp_header_loop_values_cut_never_match)
{
	char msg[3000];
	struct smtp_header h;
	size_t n = 0;

	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "Delivered-To: a@x.test\r\n");
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "Delivered-To: ");
	memset(msg + n, 'b', 1200);
	n += 1200;
	n += (size_t)snprintf(msg + n, sizeof(msg) - n, "@x.test\r\nDelivered-To: c@x.test\r\n\r\n");
	scan(msg, 7, &h);
	CHECK(smtp_header_delivered_to(&h, "a@x.test"));
	CHECK(smtp_header_delivered_to(&h, "c@x.test"));
	CHECK(!smtp_header_delivered_to(&h, "bbbb"));
}
