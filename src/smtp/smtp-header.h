/* smtp-header.h - watch a message's top-level header as it streams in:
 * which fields it has (for submission's Message-ID and Date), the values
 * of the fields that name its author or sender (submission checks whose
 * they are) and where the blank line that ends it is (where added fields
 * go).
 *
 * Input is the message after the receivers (canonical CRLF text). Pure
 * and incremental: any split of the input gives the same result. */
#ifndef TERN_SMTP_HEADER_H
#define TERN_SMTP_HEADER_H

#include <stdbool.h>
#include <stddef.h>

/* fields noticed (policy header_end hook) */
enum {
	SMTP_HDR_DATE = 1 << 0,
	SMTP_HDR_MESSAGE_ID = 1 << 1,
	SMTP_HDR_FROM = 1 << 2,
	SMTP_HDR_SENDER = 1 << 3,
	SMTP_HDR_RESENT_FROM = 1 << 4,
	SMTP_HDR_RESENT_SENDER = 1 << 5,
};

/* the address fields kept (RFC 5322 3.6.2 originator, 3.6.6 resent) */
enum smtp_hdr_addr {
	SMTP_HDR_ADDR_FROM,
	SMTP_HDR_ADDR_SENDER,
	SMTP_HDR_ADDR_RESENT_FROM,
	SMTP_HDR_ADDR_RESENT_SENDER,
	SMTP_HDR_ADDR_N
};

/* room for each kept value (submission checks its addresses) */
#define SMTP_HDR_FROM_MAX 1000
/* room for the Delivered-To: values (mail loop check); more are cut */
#define SMTP_HDR_DT_MAX 1000

/* a field's value, unfolded (CR and LF dropped; several fields of that
 * name joined with ','); over: it did not all fit */
struct smtp_header_addr {
	bool over;
	size_t len;
	unsigned char v[SMTP_HDR_FROM_MAX];
};

struct smtp_header {
	int state;
	unsigned seen;		/* SMTP_HDR_* */
	char name[16];		/* field name being read (longer: not ours) */
	size_t name_len;
	int in_addr;		/* SMTP_HDR_ADDR_* being read, or -1 */
	struct smtp_header_addr addr[SMTP_HDR_ADDR_N];
	/* loop detection (RFC 5321 6.3): Received: fields counted, and the
	 * Delivered-To: values, unfolded, one per line ('\n' ends each) */
	unsigned received;
	bool in_dt;
	size_t dt_len;
	unsigned char dt[SMTP_HDR_DT_MAX];
};

/* "From", "Sender", "Resent-From", "Resent-Sender" */
const char *smtp_header_addr_name(enum smtp_hdr_addr a);
/* its SMTP_HDR_* bit */
unsigned smtp_header_addr_bit(enum smtp_hdr_addr a);

void smtp_header_init(struct smtp_header *h);
/* Scan n more bytes. Returns the offset in p of the blank line ending
 * the header (its CR) when it is in these bytes, else -1. Once found,
 * later calls return -1 and smtp_header_done() is true. */
ptrdiff_t smtp_header_scan(struct smtp_header *h, const unsigned char *p,
			   size_t n);
/* the header's end has been seen */
bool smtp_header_done(const struct smtp_header *h);
/* the input so far ends at the start of a line (fields may go there) */
bool smtp_header_at_bol(const struct smtp_header *h);
/* end the header by force (a message that is all header) */
void smtp_header_end(struct smtp_header *h);
/* one of the Delivered-To: fields names addr (case-insensitive, <>
 * and spaces around the value ignored) */
bool smtp_header_delivered_to(const struct smtp_header *h, const char *addr);

#endif
