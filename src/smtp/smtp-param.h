/* smtp-param.h - ESMTP parameters of MAIL FROM and RCPT TO.
 *
 *   MAIL: SIZE=n  BODY=7BIT|8BITMIME  SMTPUTF8  RET=FULL|HDRS  ENVID=xtext
 *         AUTH=xtext (RFC 4954, kept for submission)
 *   RCPT: NOTIFY=NEVER|SUCCESS,FAILURE,DELAY  ORCPT=addr-type;xtext
 *
 * Parsers return NULL on success or the reply to send (static storage).
 * Pure code, no I/O. */
#ifndef TERN_SMTP_PARAM_H
#define TERN_SMTP_PARAM_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/buf.h"
#include "smtp/smtp-reply.h"
#include "store/store.h"

#define SMTP_ENVID_MAX 100	/* RFC 3461 4.4: decoded octets */
#define SMTP_ORCPT_MAX 500	/* RFC 3461 4.2: xtext */
#define SMTP_AUTH_PARAM_MAX 512

enum smtp_body {
	SMTP_BODY_NONE = 0,	/* not given: 7BIT by the RFC, treated as 8BITMIME */
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
};

struct smtp_mail_params {
	bool has_size;
	uint64_t size;
	enum smtp_body body;
	bool smtputf8;
	enum store_ret ret;		/* STORE_RET_DEFAULT when not given */
	char envid[SMTP_ENVID_MAX * 3 + 1];	/* xtext as received, "" = none */
	char auth[SMTP_AUTH_PARAM_MAX + 1];	/* AUTH= as received, "" = none */
};

struct smtp_rcpt_params {
	unsigned notify;		/* STORE_NOTIFY_* bits */
	char orcpt[SMTP_ORCPT_MAX + 1];	/* "rfc822;xtext" as received, "" = none */
};

/* s: what follows the path (leading spaces allowed). dsn: accept the
 * DSN parameters (RET, ENVID / NOTIFY, ORCPT). */
const struct smtp_status *smtp_param_mail(struct slice s, bool dsn,
					  struct smtp_mail_params *p);
const struct smtp_status *smtp_param_rcpt(struct slice s, bool dsn,
					  struct smtp_rcpt_params *p);

/* RFC 3461 4 xtext: "+XX" hex escapes, chars 33..126 except '+' and '='.
 * Appends the decoded bytes to out (may be NULL: just validate). */
bool smtp_xtext_decode(struct slice s, struct buf *out);

#endif
