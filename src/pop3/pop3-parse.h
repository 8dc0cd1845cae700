/* pop3-parse.h - POP3 command lines: keyword lookup in the command table,
 * argument splitting and checks, message numbers.
 *
 * A command line (terminator already removed by the line reader) is
 *
 *   KEYWORD [SP arg [SP arg]]        RFC 1939 section 3, RFC 2449
 *
 * Keywords are case-insensitive. PASS takes the rest of the line as one
 * argument (RFC 1939 section 7: passwords may contain spaces). No I/O,
 * no allocation: the result points into the line. */
#ifndef TERN_POP3_PARSE_H
#define TERN_POP3_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

enum pop3_cmd {
	POP3_CMD_UNKNOWN = 0,
	POP3_CMD_USER, POP3_CMD_PASS, POP3_CMD_AUTH, POP3_CMD_STLS,
	POP3_CMD_CAPA, POP3_CMD_QUIT, POP3_CMD_STAT, POP3_CMD_LIST,
	POP3_CMD_RETR, POP3_CMD_DELE, POP3_CMD_NOOP, POP3_CMD_RSET,
	POP3_CMD_TOP, POP3_CMD_UIDL,
	POP3_CMD_COUNT
};

/* session states a command is allowed in (bit mask) */
enum {
	POP3_STATE_AUTHORIZATION = 1 << 0,
	POP3_STATE_TRANSACTION = 1 << 1,
};

/* table flags */
enum {
	POP3_CMDF_REST = 1 << 0,	/* one argument: the rest of the line */
};

struct pop3_cmd_def {
	const char *name;
	enum pop3_cmd cmd;
	unsigned states;	/* POP3_STATE_* where it is allowed */
	unsigned min_args, max_args;
	unsigned flags;		/* POP3_CMDF_* */
};

#define POP3_MAX_ARGS 2
/* RFC 2449 section 4: arguments are at most 40 octets (AUTH's initial
 * response is exempt: RFC 5034 bounds it by the line length) */
#define POP3_MAX_ARG_LEN 40

enum pop3_parse_result {
	POP3_PARSE_OK = 0,
	POP3_PARSE_EMPTY,	/* empty line */
	POP3_PARSE_UNKNOWN,	/* keyword not in the table */
	POP3_PARSE_BAD_CHAR,	/* NUL, CR or another control byte */
	POP3_PARSE_BAD_ARGS,	/* too few or too many arguments, empty or
				   over-long argument */
};

struct pop3_command {
	const struct pop3_cmd_def *def;	/* NULL when UNKNOWN/EMPTY */
	struct slice keyword;
	size_t nargs;
	struct slice args[POP3_MAX_ARGS];
};

/* pop3_parse_command - split and check one command line. On every result
 * but EMPTY, cmd->keyword holds the keyword as sent (for the log). */
enum pop3_parse_result pop3_parse_command(struct slice line,
					  struct pop3_command *cmd);

/* pop3_parse_lookup - the table entry for a keyword (any case), or NULL */
const struct pop3_cmd_def *pop3_parse_lookup(struct slice keyword);

/* pop3_parse_msgno - a message number: 1..max, decimal digits only (no
 * sign, no spaces). False otherwise (overflow included). */
bool pop3_parse_msgno(struct slice s, uint32_t max, uint32_t *n_r);

/* pop3_parse_lines - TOP's line count: decimal digits, 0 allowed;
 * values above UINT64_MAX saturate (the whole body is sent). */
bool pop3_parse_lines(struct slice s, uint64_t *n_r);

#endif
