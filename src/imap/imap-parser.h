/* imap-parser.h - incremental IMAP command parser (RFC 9051 section 9).
 *
 * A parser reads one command at a time: tag, command name, arguments.
 * It is fed the bytes buffered on the connection and reports how many it
 * used. Only whole tokens are consumed: a token cut at the end of the
 * input is left unconsumed (but remembered as scanned, so feeding one
 * byte at a time stays linear) and NEED_MORE is returned; feed the same
 * bytes again plus what arrived since.
 *
 *   r = imap_parser_feed(p, in, len, &used);   consume `used` bytes
 *   NEED_MORE  wait for input
 *   LITERAL    a literal header "{n}", "{n+}", "~{n}" was read (through
 *              its CRLF). The caller decides before a byte of it is read:
 *              imap_parser_literal_accept()  keep it in memory (send
 *                                            "+ " first if it is sync)
 *              imap_parser_literal_extern()  the caller reads the n
 *                                            bytes itself (APPEND's
 *                                            message) then feeds on
 *              imap_parser_fail()            refuse it: the rest of the
 *                                            command is skipped (a sync
 *                                            literal is never sent)
 *   DONE       a whole command: imap_parser_tag/name/args
 *   ERROR      syntax error or limit: reply BAD (imap_parser_error()),
 *              then keep feeding: the parser discards input up to the
 *              end of the command (non-sync literals included) and then
 *              returns DONE with imap_parser_failed() true.
 *
 * After DONE, imap_parser_reset() before the next command. */
#ifndef TERN_IMAP_PARSER_H
#define TERN_IMAP_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* largest non-synchronizing literal under LITERAL- (RFC 7888) */
#define IMAP_LITERAL_MINUS_MAX 4096

enum imap_arg_type {
	IMAP_ARG_EOL = 0,	/* end of a list (sentinel after the last) */
	IMAP_ARG_ATOM,
	IMAP_ARG_NIL,		/* the atom NIL, any case */
	IMAP_ARG_QUOTED,
	IMAP_ARG_LITERAL,	/* kept in memory */
	IMAP_ARG_EXTERN,	/* literal read by the caller: len only */
	IMAP_ARG_LIST,
};

struct imap_arg {
	enum imap_arg_type type;
	bool literal8;		/* ~{n} */
	size_t len;		/* string bytes, or list elements */
	/* string: NUL-terminated (len is the truth: literal8 may hold NUL);
	 * list: len elements followed by an IMAP_ARG_EOL */
	union {
		const char *str;
		const struct imap_arg *list;
	} u;
};

struct imap_parser_limits {
	size_t max_line;	/* command bytes outside literals */
	size_t max_literal;	/* one literal kept in memory */
	size_t max_args;	/* arguments in all, lists included */
	unsigned max_depth;	/* parenthesis nesting */
};

enum imap_parse_result {
	IMAP_PARSE_ERROR = -1,
	IMAP_PARSE_NEED_MORE = 0,
	IMAP_PARSE_DONE = 1,
	IMAP_PARSE_LITERAL = 2,
};

struct imap_parser;

struct imap_parser *imap_parser_create(const struct imap_parser_limits *lim);
void imap_parser_destroy(struct imap_parser **p);
void imap_parser_set_limits(struct imap_parser *p,
			    const struct imap_parser_limits *lim);
/* forget the command; ready for the next one */
void imap_parser_reset(struct imap_parser *p);

/* imap_parser_feed - parse from in[0..len); *used_r bytes were used */
enum imap_parse_result imap_parser_feed(struct imap_parser *p,
					const unsigned char *in, size_t len,
					size_t *used_r);

/* after LITERAL: what was announced */
uint64_t imap_parser_literal_size(const struct imap_parser *p);
bool imap_parser_literal_sync(const struct imap_parser *p);
bool imap_parser_literal_binary(const struct imap_parser *p);
/* nesting depth of the literal (0: a top-level argument) */
unsigned imap_parser_literal_depth(const struct imap_parser *p);
/* top-level arguments complete so far (the literal is the next one) */
size_t imap_parser_arg_count(const struct imap_parser *p);
/* the top-level arguments so far (valid until the next feed); an open
 * list is the last one, with the elements it has so far */
const struct imap_arg *imap_parser_partial_args(struct imap_parser *p);

/* keep the literal; false (command failed: reply, then skip as after
 * ERROR) if it is over max_literal */
bool imap_parser_literal_accept(struct imap_parser *p);
/* the caller reads the literal bytes; it becomes an IMAP_ARG_EXTERN */
void imap_parser_literal_extern(struct imap_parser *p);

/* Fail the command (e.g. a refused literal): the next feeds skip to its
 * end. code is a response code without brackets ("TOOBIG") or NULL. */
void imap_parser_fail(struct imap_parser *p, const char *code,
		      const char *msg);

/* after DONE */
const char *imap_parser_tag(const struct imap_parser *p);	/* NULL if none */
const char *imap_parser_name(const struct imap_parser *p);	/* NULL if none */
const struct imap_arg *imap_parser_args(const struct imap_parser *p);
bool imap_parser_failed(const struct imap_parser *p);
/* why it failed (static text) and the response code or NULL */
const char *imap_parser_error(const struct imap_parser *p);
const char *imap_parser_error_code(const struct imap_parser *p);

/* helpers for commands */
static inline bool imap_arg_is_string(const struct imap_arg *a)
{
	return a->type == IMAP_ARG_QUOTED || a->type == IMAP_ARG_LITERAL;
}
/* atom, quoted or literal; the atom NIL is an astring too (a mailbox
 * may be called NIL): only where the grammar says nstring does NIL mean
 * nil (imap_arg_is_nstring) */
static inline bool imap_arg_is_astring(const struct imap_arg *a)
{
	return a->type == IMAP_ARG_ATOM || a->type == IMAP_ARG_NIL ||
		imap_arg_is_string(a);
}
/* nstring: NIL, quoted or literal (RFC 2971 ID values) */
static inline bool imap_arg_is_nstring(const struct imap_arg *a)
{
	return a->type == IMAP_ARG_NIL || imap_arg_is_string(a);
}
bool imap_arg_atom_eq(const struct imap_arg *a, const char *s);
size_t imap_args_count(const struct imap_arg *a);

#endif
