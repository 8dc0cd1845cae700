/* smtp-cmd.h - the SMTP verb table and command-line splitting.
 *
 * The session dispatches through smtp_cmd_lookup(): the verb's flags
 * are checked once by the dispatcher (arguments required or refused,
 * EHLO needed first, TLS-only), then the verb's check/proceed pair
 * runs (smtp-session.h). Pure code, no I/O. */
#ifndef TERN_SMTP_CMD_H
#define TERN_SMTP_CMD_H

#include <stdbool.h>

#include "lib/buf.h"

enum smtp_cmd_id {
	SMTP_CMD_HELO,
	SMTP_CMD_EHLO,
	SMTP_CMD_MAIL,
	SMTP_CMD_RCPT,
	SMTP_CMD_DATA,
	SMTP_CMD_BDAT,
	SMTP_CMD_RSET,
	SMTP_CMD_NOOP,
	SMTP_CMD_QUIT,
	SMTP_CMD_HELP,
	SMTP_CMD_VRFY,
	SMTP_CMD_EXPN,
	SMTP_CMD_STARTTLS,
	SMTP_CMD_AUTH,
	SMTP_CMD_COUNT,
	SMTP_CMD_UNKNOWN = SMTP_CMD_COUNT,
};

enum {
	SMTP_CF_ARGS = 1 << 0,		/* an argument is required (501) */
	SMTP_CF_NOARGS = 1 << 1,	/* no argument allowed (501) */
	SMTP_CF_NEED_HELO = 1 << 2,	/* only after EHLO/HELO (503) */
	SMTP_CF_LAST = 1 << 3,		/* ends a pipelined group (RFC 2920) */
	SMTP_CF_ESMTP = 1 << 4,		/* only after EHLO (extension verb) */
	SMTP_CF_ERROR_COUNTS = 1 << 5,	/* a failure counts towards max_errors */
	SMTP_CF_JUNK = 1 << 6,		/* moves no mail: limited per message */
};

/* NOOP, RSET, VRFY, HELP, EHLO... between two delivered messages
 * (Postfix's smtpd_junk_command_limit) */
#define SMTP_JUNK_LIMIT 100

struct smtp_verb {
	enum smtp_cmd_id id;
	const char *name;
	unsigned flags;
};

struct smtp_cmd {
	const struct smtp_verb *verb;	/* NULL: unknown verb */
	struct slice name;		/* the verb as sent */
	struct slice args;		/* after the first space, trailing spaces trimmed */
};

/* Split a command line (CRLF already removed). Returns false when the
 * line holds a NUL byte or a control character other than TAB (500). */
bool smtp_cmd_parse(struct slice line, struct smtp_cmd *cmd);
const struct smtp_verb *smtp_cmd_lookup(struct slice name);
const struct smtp_verb *smtp_cmd_verb(enum smtp_cmd_id id);

/* "FROM:<a@b> SIZE=1" with prefix "FROM:" -> "<a@b> SIZE=1" (case-
 * insensitive; spaces after the colon tolerated). false if no prefix. */
bool smtp_cmd_strip_prefix(struct slice args, const char *prefix,
			   struct slice *rest_r);

#endif
