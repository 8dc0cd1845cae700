/* dsn.c - build RFC 3464 delivery status notifications (pure) */
#include "relay/dsn.h"
#include "store/store.h"
#include "lib/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DSN_CHUNK 65536

bool
dsn_wanted(const char *sender, unsigned notify, enum dsn_action a)
{
	if (sender == NULL || sender[0] == '\0')
		return false;
	if (notify & STORE_NOTIFY_NEVER)
		return false;
	switch (a) {
	case DSN_FAILED:
		return notify == STORE_NOTIFY_DEFAULT ||
		       (notify & STORE_NOTIFY_FAILURE);
	case DSN_DELAYED:
		return notify == STORE_NOTIFY_DEFAULT ||
		       (notify & STORE_NOTIFY_DELAY);
	case DSN_RELAYED:
		return notify & STORE_NOTIFY_SUCCESS;
	}
	return false;
}

void
dsn_date(int64_t t, char *out, size_t size)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
		"Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000",
		 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* text safe in a header field: printable ASCII, valid UTF-8 kept (a
 * byte that is not becomes '?'), at most max bytes and never cut
 * inside a UTF-8 sequence */
static void
dsn_append_text(struct buf *b, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = s ? strlen(s) : 0, i = 0, k;
	uint32_t cp;

	while (i < len) {
		unsigned char c = p[i];

		if (c < 0x80) {
			if (i + 1 > max)
				break;
			buf_append_byte(b, c < 32 || c == 127 ? ' ' : c);
			i++;
		} else if ((k = utf8_next(p + i, len - i, &cp)) == 0) {
			if (i + 1 > max)
				break;
			buf_append_byte(b, '?');
			i++;
		} else {
			if (i + k > max)
				break;
			buf_append(b, p + i, k);
			i += k;
		}
	}
	if (i < len)
		buf_append_str(b, "...");
}

static const char *
dsn_action_name(enum dsn_action a)
{
	return a == DSN_FAILED ? "failed" : a == DSN_DELAYED ? "delayed" :
	       "relayed";
}

static void
dsn_human(const struct dsn_msg *m, const struct dsn_rcpt *r, size_t n,
	  enum dsn_action kind, struct buf *b)
{
	buf_printf(b, "This is the mail system at host %s.\r\n\r\n",
		   m->reporting_mta);
	if (kind == DSN_FAILED)
		buf_append_str(b, "I'm sorry to have to inform you that your "
			       "message could not\r\nbe delivered to one or "
			       "more recipients.\r\n");
	else if (kind == DSN_DELAYED)
		buf_append_str(b, "Your message could not be delivered yet. "
			       "It is still in the queue\r\nand delivery "
			       "will be retried; you need not send it "
			       "again.\r\n");
	else
		buf_append_str(b, "Your message was relayed to a mail system "
			       "that does not send\r\ndelivery "
			       "notifications.\r\n");
	buf_append_str(b, "\r\n");
	for (size_t i = 0; i < n; i++) {
		buf_append_str(b, "<");
		dsn_append_text(b, r[i].address, 300);
		buf_printf(b, ">: %s", dsn_action_name(r[i].action));
		if (r[i].remote_mta) {
			buf_append_str(b, ", host ");
			dsn_append_text(b, r[i].remote_mta, 255);
			buf_append_str(b, " said");
		}
		buf_append_str(b, ":\r\n    ");
		dsn_append_text(b, r[i].diag ? r[i].diag : r[i].status, 900);
		buf_append_str(b, "\r\n");
	}
}

static void
dsn_status(const struct dsn_msg *m, const struct dsn_rcpt *r, size_t n,
	   struct buf *b)
{
	char date[64];

	buf_printf(b, "Reporting-MTA: dns; %s\r\n", m->reporting_mta);
	if (m->envid && m->envid[0]) {
		buf_append_str(b, "Original-Envelope-Id: ");
		dsn_append_text(b, m->envid, 100);
		buf_append_str(b, "\r\n");
	}
	dsn_date(m->arrival, date, sizeof(date));
	buf_printf(b, "Arrival-Date: %s\r\n", date);
	for (size_t i = 0; i < n; i++) {
		buf_append_str(b, "\r\nFinal-Recipient: rfc822; ");
		dsn_append_text(b, r[i].address, 300);
		buf_append_str(b, "\r\n");
		if (r[i].orcpt && strchr(r[i].orcpt, ';')) {
			buf_append_str(b, "Original-Recipient: ");
			dsn_append_text(b, r[i].orcpt, 500);
			buf_append_str(b, "\r\n");
		}
		buf_printf(b, "Action: %s\r\n", dsn_action_name(r[i].action));
		buf_printf(b, "Status: %s\r\n", r[i].status);
		if (r[i].remote_mta) {
			buf_append_str(b, "Remote-MTA: dns; ");
			dsn_append_text(b, r[i].remote_mta, 255);
			buf_append_str(b, "\r\n");
		}
		if (r[i].diag && r[i].diag[0]) {
			buf_printf(b, "Diagnostic-Code: %s; ",
				   r[i].diag_smtp ? "smtp" : "x-tern");
			dsn_append_text(b, r[i].diag, 900);
			buf_append_str(b, "\r\n");
		}
		if (r[i].last_attempt) {
			dsn_date(r[i].last_attempt, date, sizeof(date));
			buf_printf(b, "Last-Attempt-Date: %s\r\n", date);
		}
		if (r[i].action == DSN_DELAYED && r[i].retry_until) {
			dsn_date(r[i].retry_until, date, sizeof(date));
			buf_printf(b, "Will-Retry-Until: %s\r\n", date);
		}
	}
}

/* the original: whole (full) or up to the end of its header */
static int
dsn_original(const struct dsn_msg *m, bool full, struct buf *b)
{
	unsigned char *chunk = xmalloc(DSN_CHUNK);
	uint64_t off = 0;
	size_t start = b->len;
	ssize_t n;
	int ret = 0;

	while ((n = m->read(m->read_ctx, chunk, DSN_CHUNK, off)) > 0) {
		buf_append(b, chunk, (size_t)n);
		off += (uint64_t)n;
		if (!full) {
			/* cut after the blank line that ends the header */
			size_t from = off - (uint64_t)n > 3 ?
				      b->len - (size_t)n - 3 : start;

			for (size_t i = from; i + 1 < b->len; i++) {
				if (b->data[i] != '\n')
					continue;
				if (b->data[i + 1] == '\n') {
					buf_truncate(b, i + 2);
					goto done;
				}
				if (i + 2 < b->len && b->data[i + 1] == '\r' &&
				    b->data[i + 2] == '\n') {
					buf_truncate(b, i + 3);
					goto done;
				}
			}
			if (b->len - start > DSN_MAX_HEADER) {
				buf_truncate(b, start + DSN_MAX_HEADER);
				goto done;
			}
		}
	}
	if (n < 0)
		ret = -1;
done:
	free(chunk);
	if (b->len > start && b->data[b->len - 1] != '\n')
		buf_append_str(b, "\r\n");
	return ret;
}

int
dsn_build(const struct dsn_msg *m, const struct dsn_rcpt *r, size_t n,
	  struct buf *out)
{
	enum dsn_action kind = DSN_RELAYED;
	char date[64], boundary[96];
	bool full = m->ret == STORE_RET_FULL && m->size <= DSN_MAX_FULL;
	static unsigned long counter;
	unsigned long c = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);

	for (size_t i = 0; i < n; i++) {
		if (r[i].action == DSN_FAILED)
			kind = DSN_FAILED;
		else if (r[i].action == DSN_DELAYED && kind != DSN_FAILED)
			kind = DSN_DELAYED;
	}
	snprintf(boundary, sizeof(boundary), "%lld.%lu/%s",
		 (long long)m->now, c, m->reporting_mta);
	dsn_date(m->now, date, sizeof(date));
	buf_printf(out, "From: Mail Delivery System <MAILER-DAEMON@%s>\r\n",
		   m->reporting_mta);
	buf_append_str(out, "To: <");
	dsn_append_text(out, m->sender, 300);
	buf_append_str(out, ">\r\n");
	buf_printf(out, "Subject: %s\r\n", kind == DSN_FAILED ?
		   "Undelivered Mail Returned to Sender" :
		   kind == DSN_DELAYED ?
		   "Delayed Mail (still being retried)" :
		   "Successful Mail Relay");
	buf_printf(out, "Date: %s\r\n", date);
	buf_printf(out, "Message-ID: <dsn.%lld.%lu.%d@%s>\r\n",
		   (long long)m->now, c, (int)getpid(), m->reporting_mta);
	buf_append_str(out, "Auto-Submitted: auto-replied\r\n"
		       "MIME-Version: 1.0\r\n");
	buf_printf(out, "Content-Type: multipart/report; "
		   "report-type=delivery-status;\r\n\tboundary=\"%s\"\r\n"
		   "\r\nThis is a MIME-encapsulated message.\r\n\r\n",
		   boundary);
	buf_printf(out, "--%s\r\nContent-Description: Notification\r\n"
		   "Content-Type: text/plain; charset=utf-8\r\n"
		   "Content-Transfer-Encoding: 8bit\r\n\r\n", boundary);
	dsn_human(m, r, n, kind, out);
	buf_printf(out, "\r\n--%s\r\nContent-Description: Delivery report\r\n"
		   "Content-Type: message/delivery-status\r\n\r\n", boundary);
	dsn_status(m, r, n, out);
	buf_printf(out, "\r\n--%s\r\n", boundary);
	if (full)
		buf_append_str(out, "Content-Description: Undelivered Message"
			       "\r\nContent-Type: message/rfc822\r\n"
			       "Content-Transfer-Encoding: 8bit\r\n\r\n");
	else
		buf_append_str(out, "Content-Description: Undelivered Message "
			       "Headers\r\nContent-Type: text/rfc822-headers"
			       "\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
	if (dsn_original(m, full, out) < 0)
		return -1;
	buf_printf(out, "\r\n--%s--\r\n", boundary);
	return 0;
}
