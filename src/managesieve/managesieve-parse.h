/* managesieve-parse.h - ManageSieve (RFC 5804 4) command lines, I/O
 * free: a command name and up to MS_MAX_ARGS strings (quoted, or
 * literals "{n+}" / "{n}" whose bytes follow the line) or numbers.
 *
 *   ms_parser_reset(p, false);
 *   for each line (CRLF removed):
 *     r = ms_parse_line(p, line, len, &n);
 *     MS_PARSE_LITERAL: n bytes follow: give them with
 *        ms_parse_literal(p, data, len) until p->want is 0 (after
 *        ms_parse_literal_skip(p) they are counted, not kept: a literal
 *        too big), then the next line;
 *     MS_PARSE_DONE: p->cmd is complete, or p->error says what was
 *        wrong (the command is refused, its literals were read past).
 *
 * A SASL client response (RFC 5804 2.1) is a line of strings without a
 * command name: ms_parser_reset(p, true). */
#ifndef TERN_MANAGESIEVE_PARSE_H
#define TERN_MANAGESIEVE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define MS_MAX_ARGS 3
#define MS_MAX_QUOTED 1024	/* RFC 5804 4: quoted strings */
#define MS_MAX_NAME 24		/* command names */

enum ms_arg_kind { MS_ARG_STRING, MS_ARG_NUMBER };

struct ms_arg {
	enum ms_arg_kind kind;
	struct buf str;		/* MS_ARG_STRING: bytes, NUL appended */
	uint64_t num;		/* MS_ARG_NUMBER */
	bool skipped;		/* a literal dropped unread (too big) */
	uint64_t literal_len;	/* its announced size */
};

struct ms_command {
	char name[MS_MAX_NAME];	/* upper case; "" for a SASL response */
	struct ms_arg args[MS_MAX_ARGS];
	size_t nargs;
};

struct ms_parser {
	struct ms_command cmd;
	bool response;		/* strings only, no command name */
	bool open;		/* the command's last line ended in a literal */
	uint64_t want;		/* literal bytes still to come */
	const char *error;	/* static text; NULL: none */
};

enum ms_parse_result { MS_PARSE_DONE, MS_PARSE_LITERAL };

void ms_parser_init(struct ms_parser *p);
void ms_parser_free(struct ms_parser *p);
/* forget the command; response: parse a SASL response next */
void ms_parser_reset(struct ms_parser *p, bool response);
enum ms_parse_result ms_parse_line(struct ms_parser *p,
				   const unsigned char *line, size_t len,
				   uint64_t *literal_r);
/* bytes of the literal announced (at most what is still wanted);
 * returns how many were taken */
size_t ms_parse_literal(struct ms_parser *p, const void *data, size_t len);
/* drop the literal announced rather than keep it */
void ms_parse_literal_skip(struct ms_parser *p);
/* the string argument i as a C string (NULL if it is not a string or
 * holds a NUL byte) */
const char *ms_arg_cstr(struct ms_command *c, size_t i);

#endif
