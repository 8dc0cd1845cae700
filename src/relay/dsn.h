/* dsn.h - delivery status notifications (RFC 3464 multipart/report)
 * built for the envelope sender of a queued message (pure), and their
 * delivery through the store (dsn-deliver.c).
 *
 * Kinds: failed (bounce: permanent error or expiry), delayed (still
 * retrying after relay.delay_warning), relayed (NOTIFY=SUCCESS and the
 * next hop does not do DSN). The third part is the original message
 * (RET=FULL, if not over DSN_MAX_FULL) or its header (RET=HDRS, the
 * default). A DSN is never sent to the null sender <> (RFC 3461 6.1,
 * RFC 5321 4.5.5): the caller checks dsn_wanted() first. */
#ifndef TERN_DSN_H
#define TERN_DSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/buf.h"

struct store;

#define DSN_MAX_FULL (10u * 1024 * 1024)	/* larger: headers only */
#define DSN_MAX_HEADER (256u * 1024)

enum dsn_action {
	DSN_FAILED = 1,
	DSN_DELAYED = 2,
	DSN_RELAYED = 3,
};

struct dsn_rcpt {
	const char *address;	/* Final-Recipient */
	const char *orcpt;	/* "rfc822;x@y" as given at RCPT, or NULL */
	enum dsn_action action;
	const char *status;	/* "5.1.1" */
	const char *remote_mta;	/* host name, or NULL */
	const char *diag;	/* reply text or reason */
	bool diag_smtp;		/* diag is an SMTP reply ("smtp;") */
	int64_t last_attempt;	/* unix time, 0: none */
	int64_t retry_until;	/* DSN_DELAYED: unix time */
};

struct dsn_msg {
	const char *reporting_mta;	/* our hostname */
	const char *sender;		/* the To: of the report */
	const char *envid;		/* or NULL */
	int ret;			/* STORE_RET_* */
	int64_t arrival;		/* unix time the message was queued */
	int64_t now;
	uint64_t size;			/* original size */
	/* original bytes (see smtp_client_msg) */
	ssize_t (*read)(void *ctx, void *buf, size_t len, uint64_t off);
	void *read_ctx;
};

/* Does this recipient's NOTIFY ask for this kind of report? (sender
 * "" never gets one) */
bool dsn_wanted(const char *sender, unsigned notify, enum dsn_action a);

/* Build the whole report message (header and body, CRLF lines) into
 * out. -1 if the original could not be read (out then unusable). */
int dsn_build(const struct dsn_msg *m, const struct dsn_rcpt *r, size_t n,
	      struct buf *out);

/* "Fri, 27 Nov 2026 02:41:03 +0000" */
void dsn_date(int64_t t, char *out, size_t size);

/* DKIM-sign a built report with the keys of its From domain, or of the
 * nearest parent domain that has keys (reports come from
 * MAILER-DAEMON@hostname; mail.example.org signed by example.org is
 * aligned for DMARC). The signed message goes to out; false (out
 * untouched) when no domain has keys or signing failed (logged). */
bool dsn_sign(const char *data_dir, const struct buf *report, int64_t now,
	      struct buf *out);

/* Deliver a built report to sender through the store, from <> (local
 * sender: into the INBOX in one commit; remote: into the queue),
 * DKIM-signed first when the domain has keys (dsn_sign).
 * Blocking: call from a worker thread. 0, or a STORE_E* error. */
int dsn_deliver(struct store *store, const char *sender,
		const struct buf *report);

#endif
