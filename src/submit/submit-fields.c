/* submit-fields.c - the header fields submission adds to a message
 * that lacks them: Date (RFC 5322 3.3) and Message-ID (RFC 5322 3.6.4),
 * and a local copy's Return-Path and Delivered-To (contract in submit.h) */
#include "submit/submit.h"

#include <sodium.h>

void
submit_date_field(struct buf *out, time_t now)
{
	char date[64];
	struct tm tm;

	localtime_r(&now, &tm);
	/* the C locale's day and month names are RFC 5322's */
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	buf_printf(out, "Date: %s\r\n", date);
}

void
submit_message_id_field(struct buf *out, const char *txn_id,
			    const char *hostname)
{
	unsigned char rnd[12];
	char hex[sizeof(rnd) * 2 + 1];

	/* the queue id is unique here only; 96 random bits make it so
	 * everywhere (RFC 5322 3.6.4) */
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	buf_printf(out, "Message-ID: <%s.%s@%s>\r\n", txn_id, hex, hostname);
}

void
submit_delivery_prefix(struct buf *out, const char *sender, const char *to)
{
	buf_printf(out, "Return-Path: <%s>\r\nDelivered-To: %s\r\n", sender,
		   to);
}
