/* sieve-private.h - the Sieve module's insides: tokens, the script tree,
 * the command table, and what the interpreter's parts share. */
#ifndef TERN_SIEVE_PRIVATE_H
#define TERN_SIEVE_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "sieve/sieve.h"

/* ------------------------------------------------------------------ */
/* diagnostics                                                         */

/* in with its zero limits (a caller that sets only some) the defaults;
 * max_cpu_ms and vacation_min/max_days keep 0 (no limit) */
void sieve_limits_fill(const struct sieve_limits *in,
		       struct sieve_limits *out);

void sieve_diag_add(struct sieve_diags *d, const char *script, unsigned line,
		    unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* ------------------------------------------------------------------ */
/* lexer (RFC 5228 2)                                                  */

enum sieve_tok {
	TOK_EOF, TOK_ERROR, TOK_IDENT, TOK_TAG, TOK_NUMBER, TOK_STRING,
	TOK_LBRACKET, TOK_RBRACKET, TOK_LPAREN, TOK_RPAREN, TOK_LBRACE,
	TOK_RBRACE, TOK_COMMA, TOK_SEMI,
};

struct sieve_lexer {
	const char *p, *end;
	unsigned line, col;
	/* the current token */
	enum sieve_tok tok;
	unsigned tline, tcol;
	struct buf text;	/* identifier, tag (without ':'), string */
	uint64_t num;
	char err[160];
};

void sieve_lex_init(struct sieve_lexer *lx, const char *text, size_t len);
void sieve_lex_next(struct sieve_lexer *lx);
void sieve_lex_free(struct sieve_lexer *lx);

/* ------------------------------------------------------------------ */
/* the tree                                                            */

struct sieve_str {
	char *s;		/* NUL-terminated (may hold NUL bytes too) */
	size_t len;
	bool vars;		/* holds "${": expanded at run time */
};
struct sieve_strlist {
	struct sieve_str *v;
	size_t n;
};

enum sieve_arg_kind { ARG_TAG, ARG_NUMBER, ARG_STRING, ARG_LIST };
struct sieve_arg {
	enum sieve_arg_kind kind;
	unsigned line, col;
	char *tag;			/* ARG_TAG, without ':' */
	uint64_t num;
	struct sieve_strlist list;	/* ARG_STRING: one; ARG_LIST */
};

enum sieve_cmp { CMP_OCTET, CMP_CASEMAP, CMP_NUMERIC };
enum sieve_match { MT_IS, MT_CONTAINS, MT_MATCHES, MT_REGEX, MT_VALUE, MT_COUNT };
enum sieve_rel { REL_GT, REL_GE, REL_LT, REL_LE, REL_EQ, REL_NE };
enum sieve_addrpart { AP_ALL, AP_LOCAL, AP_DOMAIN, AP_USER, AP_DETAIL };
enum sieve_xform { BX_TEXT, BX_RAW, BX_CONTENT };

/* where a test's strings are compared */
struct sieve_matcher {
	enum sieve_cmp cmp;
	enum sieve_match match;
	enum sieve_rel rel;
};

struct sieve_node {
	const struct sieve_cmd *cmd;
	char *name;			/* as written */
	unsigned line, col;
	struct sieve_arg *args;		/* as written */
	size_t nargs;
	struct sieve_node *tests;	/* test or test-list */
	size_t ntests;
	bool test_list;			/* tests came in "( )" */
	struct sieve_node *block;
	size_t nblock;
	bool has_block;

	/* resolved by validation */
	struct sieve_arg *pos[3];	/* positional arguments */
	size_t npos;
	struct sieve_matcher m;
	enum sieve_addrpart ap;
	int index;			/* :index N (0: none) */
	bool last;
	enum sieve_xform xform;
	struct sieve_strlist *ctypes;	/* body :content */
	struct sieve_str *zone;		/* date :zone */
	bool originalzone;
	bool copy, create, mime, once, optional, global, percent;
	bool over;			/* size :over (else :under) */
	struct sieve_strlist *flags;	/* :flags */
	struct sieve_str *from, *subject, *handle;
	struct sieve_strlist *addresses;
	uint64_t seconds;		/* vacation :days/:seconds */
	bool seconds_set;
	unsigned mods;			/* set modifiers (MOD_* bits) */
	int unit;			/* include: the script it runs */
};

enum {
	MOD_LOWER = 1, MOD_UPPER = 2, MOD_LOWERFIRST = 4, MOD_UPPERFIRST = 8,
	MOD_QUOTEWILDCARD = 16, MOD_QUOTEREGEX = 32,
	MOD_LENGTH = 128,
};

/* commands and tests */
enum sieve_cmd_id {
	C_REQUIRE, C_IF, C_ELSIF, C_ELSE, C_STOP, C_KEEP, C_DISCARD,
	C_REDIRECT, C_FILEINTO, C_REJECT, C_EREJECT, C_VACATION, C_SETFLAG,
	C_ADDFLAG, C_REMOVEFLAG, C_SET, C_INCLUDE, C_RETURN, C_GLOBAL,
	T_ADDRESS, T_ENVELOPE, T_HEADER, T_EXISTS, T_SIZE, T_NOT, T_ANYOF,
	T_ALLOF, T_TRUE, T_FALSE, T_BODY, T_DATE, T_CURRENTDATE, T_HASFLAG,
	T_STRING, T_MAILBOXEXISTS, T_SPAMTEST, T_VIRUSTEST,
};

struct sieve_cmd {
	const char *name;
	enum sieve_cmd_id id;
	bool test;
	const char *ext;	/* capability required, NULL: core */
	const char *pos;	/* positional arguments: 's' string, 'l' list,
				   'n' number; '?' makes the rest optional
				   at the front (setflag's variable) */
	const char *tags;	/* allowed tags, space separated; "CMP"
				   "MATCH" "ADDR" "INDEX" expand */
};
const struct sieve_cmd *sieve_cmd_find(const char *name, bool test);

/* extension bits (which capabilities a script required) */
enum {
	EXT_FILEINTO = 1u << 0, EXT_REJECT = 1u << 1, EXT_EREJECT = 1u << 2,
	EXT_ENVELOPE = 1u << 3, EXT_ENCODED = 1u << 4, EXT_IMAP4FLAGS = 1u << 5,
	EXT_COPY = 1u << 6, EXT_BODY = 1u << 7, EXT_VARIABLES = 1u << 8,
	EXT_RELATIONAL = 1u << 9, EXT_NUMERIC = 1u << 10,
	EXT_SUBADDRESS = 1u << 11, EXT_VACATION = 1u << 12,
	EXT_VACSECONDS = 1u << 13, EXT_DATE = 1u << 14, EXT_INDEX = 1u << 15,
	EXT_MAILBOX = 1u << 16, EXT_INCLUDE = 1u << 17, EXT_REGEX = 1u << 18,
	EXT_SPAMTEST = 1u << 19, EXT_SPAMTESTPLUS = 1u << 20,
	EXT_VIRUSTEST = 1u << 21,
};
/* the bit of a capability name, 0 when unknown ("comparator-i;octet"
 * and "comparator-i;ascii-casemap" are known and always on) */
unsigned sieve_ext_bit(const char *name, bool *known);

/* one compiled script (the main one or an included one) */
struct sieve_unit {
	char *name;
	bool global;
	unsigned exts;
	struct sieve_node *cmds;
	size_t ncmds;
};

struct sieve_script {
	struct arena mem;
	struct sieve_unit *units;	/* [0] is the main script */
	size_t nunits;
};

/* parse one script's text into u (arena a); false after adding diags */
bool sieve_parse(struct arena *a, const char *name, const char *text,
		 size_t len, const struct sieve_limits *lim,
		 struct sieve_unit *u, struct sieve_diags *diags);
/* validate u: commands, tags, arguments, require; includes are not
 * resolved here (unit = -1) */
bool sieve_validate(struct arena *a, struct sieve_unit *u,
		    struct sieve_diags *diags);

/* RFC 5228 2.4.2.4 encoded-character: decode "${hex:..}" and
 * "${unicode:..}" in s (in place); false with a message on bad input */
bool sieve_decode_encoded(struct sieve_str *s, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* matching                                                            */

/* match context for ${N} match variables; NULL when not wanted */
struct sieve_mvars {
	struct buf v[10];
	size_t n;
};

/* compare one value against one key with the test's comparator and
 * match type (not :count, which the caller counts, nor :regex: see
 * sieve_regex_exec); mv gets the match values of
 * :matches */
bool sieve_match_one(const struct sieve_matcher *m, const char *val,
		     size_t vlen, const char *key, size_t klen,
		     struct sieve_mvars *mv);
/* :value / :count relational comparison of two strings with cmp */
bool sieve_rel_cmp(enum sieve_cmp cmp, enum sieve_rel rel, const char *a,
		   size_t alen, const char *b, size_t blen);
/* check a regex key at compile time (ERE, no back-references, bounded
 * length); false with a message */
bool sieve_regex_check(const char *key, size_t len, bool casemap, char *err,
		       size_t errlen);
/* a :regex key compiled (checked as sieve_regex_check does; subs: the
 * match values wanted), or NULL with a message; free with
 * sieve_regex_free */
void *sieve_regex_compile(const char *key, size_t len, bool casemap, bool subs,
			  char *err, size_t errlen);
void sieve_regex_free(void *re);
/* match one value; mv (may be NULL) gets ${0}..${9} */
bool sieve_regex_exec(void *re, const char *val, size_t vlen,
		      struct sieve_mvars *mv);
/* glob :matches with '*' '?' and '\' escapes */
bool sieve_glob(const char *pat, size_t plen, const char *s, size_t slen,
		bool casemap, struct sieve_mvars *mv);

/* ------------------------------------------------------------------ */
/* the run                                                             */

struct sieve_var {
	char *name;		/* lowercase */
	struct buf val;
};

struct sieve_msgview;	/* sieve-msg.c: the message, parsed lazily */

struct sieve_run {
	const struct sieve_script *s;
	const struct sieve_msg *m;
	const struct sieve_limits *lim;
	struct sieve_result *r;
	struct sieve_msgview *mv;
	struct arena *mem;		/* result strings */
	const struct sieve_unit *unit;	/* the script running */
	size_t unit_idx;
	/* variables: globals, then the running script's locals */
	struct sieve_var *globals;
	size_t nglobals;
	struct sieve_var *locals;
	size_t nlocals;
	char **global_names;		/* names the running script declared */
	size_t nglobal_names;
	struct sieve_mvars mvars;
	struct buf flags;		/* imap4flags internal variable:
					   space separated */
	bool *included_once;
	unsigned includes, redirects, actions;
	uint64_t steps;
	uint64_t cpu_start;		/* thread CPU ns at the start */
	bool keep_cancelled;		/* the implicit keep is off */
	bool vacation_done, reject_done;
	bool stopped, returned, failed;
};

/* one runtime error: -1 after this */
void sieve_run_error(struct sieve_run *rn, unsigned line, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
/* count one step; false when over the CPU limit (error added) */
bool sieve_run_step(struct sieve_run *rn, unsigned line);

/* variables (RFC 5229) */
/* expand s into out (variables when the script requires them) */
void sieve_expand(struct sieve_run *rn, const struct sieve_str *s,
		  struct buf *out);
bool sieve_var_set(struct sieve_run *rn, const char *name, const char *val,
		   size_t len, unsigned line);
/* a variable name valid for "set" (identifier) */
bool sieve_var_name_ok(const char *name);
void sieve_vars_free(struct sieve_run *rn);
/* set's modifiers applied to v */
void sieve_apply_mods(unsigned mods, struct buf *v);

/* tests */
int sieve_test_eval(struct sieve_run *rn, const struct sieve_node *t);
/* match a list of values against a key list with node t's matcher:
 * 1 / 0 / -1 on error */
int sieve_match_values(struct sieve_run *rn, const struct sieve_node *t,
		       const struct buf *vals, size_t nvals,
		       const struct sieve_strlist *keys);

/* the message (sieve-msg.c) */
struct sieve_msgview *sieve_msgview_new(const struct sieve_msg *m);
void sieve_msgview_free(struct sieve_msgview *v);
/* header field values of name (all occurrences, in order), raw: the
 * text after the colon, unfolded (CRLF removed) but not decoded */
size_t sieve_msg_headers(struct sieve_msgview *v, const char *name,
			 struct buf **vals_r);
/* the same decoded (RFC 2047) and trimmed */
void sieve_header_decode(const struct buf *raw, struct buf *out);
/* body text for the body test, one buf per part (xform, ctypes) */
size_t sieve_msg_body(struct sieve_run *rn, const struct sieve_node *t,
		      struct buf **parts_r);

/* date (RFC 5260): the part of t (UTC seconds, zone minutes) into out;
 * false for an unknown part */
bool sieve_date_part(int64_t t, int zone_min, const char *part,
		     struct buf *out);
/* parse a "+hhmm" zone; false when malformed */
bool sieve_zone_parse(const char *s, int *min_r);

/* actions (sieve-actions.c) */
/* the next space-separated word of s[0..len) from *i (flag lists):
 * true with the word at [*st, *i) */
bool sieve_next_word(const char *s, size_t len, size_t *i, size_t *st);
int sieve_action_exec(struct sieve_run *rn, const struct sieve_node *c);
/* a plausible mail address for redirect (local@domain, no spaces) */
bool sieve_address_ok(const char *a);
/* a new action in the result; NULL after the actions limit error */
struct sieve_action *sieve_action_add(struct sieve_run *rn,
				      const struct sieve_node *c,
				      enum sieve_action_kind k);
/* the implicit keep, at the end */
void sieve_actions_finish(struct sieve_run *rn);

/* vacation (sieve-vacation.c): the RFC 5230 checks and, when they
 * pass, the SIEVE_VACATION action; 0, or -1 after an error */
int sieve_vacation_exec(struct sieve_run *rn, const struct sieve_node *c);

/* address helpers */
/* the addresses of a header value (local@domain each); groups and
 * addresses without a domain dropped; when nothing parses, the value
 * itself and *whole_r true */
size_t sieve_addresses(const struct buf *raw, struct buf **out_r,
		       bool *whole_r);
/* the part of an address ("local@domain") */
bool sieve_address_part(const char *addr, size_t len, enum sieve_addrpart ap,
			struct buf *out);

#endif
