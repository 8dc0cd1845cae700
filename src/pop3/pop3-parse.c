/* pop3-parse.c - POP3 command lines: the command table, argument
 * splitting, message numbers (contract in pop3-parse.h) */
#include "pop3/pop3-parse.h"

#include "auth/auth.h"

#include <string.h>

#define A POP3_STATE_AUTHORIZATION
#define T POP3_STATE_TRANSACTION

static const struct pop3_cmd_def pop3_parse_table[] = {
	/* name    cmd             states  min max flags */
	{ "USER", POP3_CMD_USER, A, 1, 1, 0 },
	{ "PASS", POP3_CMD_PASS, A, 1, 1, POP3_CMDF_REST },
	{ "AUTH", POP3_CMD_AUTH, A, 0, 2, 0 },
	{ "STLS", POP3_CMD_STLS, A, 0, 0, 0 },
	{ "CAPA", POP3_CMD_CAPA, A | T, 0, 0, 0 },
	{ "QUIT", POP3_CMD_QUIT, A | T, 0, 0, 0 },
	{ "STAT", POP3_CMD_STAT, T, 0, 0, 0 },
	{ "LIST", POP3_CMD_LIST, T, 0, 1, 0 },
	{ "RETR", POP3_CMD_RETR, T, 1, 1, 0 },
	{ "DELE", POP3_CMD_DELE, T, 1, 1, 0 },
	{ "NOOP", POP3_CMD_NOOP, T, 0, 0, 0 },
	{ "RSET", POP3_CMD_RSET, T, 0, 0, 0 },
	{ "TOP", POP3_CMD_TOP, T, 2, 2, 0 },
	{ "UIDL", POP3_CMD_UIDL, T, 0, 1, 0 },
};

#undef A
#undef T

#define POP3_PARSE_NCMDS \
	(sizeof(pop3_parse_table) / sizeof(pop3_parse_table[0]))

/* pop3_parse_lookup - table entry for a keyword, case-insensitive */
const struct pop3_cmd_def *
pop3_parse_lookup(struct slice keyword)
{
	size_t i;

	for (i = 0; i < POP3_PARSE_NCMDS; i++) {
		if (slice_case_eq_cstr(keyword, pop3_parse_table[i].name))
			return &pop3_parse_table[i];
	}
	return NULL;
}

/* pop3_parse_has_ctl - true if s holds a byte a command may not carry */
static bool
pop3_parse_has_ctl(struct slice s)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		if (s.p[i] < 0x20 || s.p[i] == 0x7f)
			return true;
	}
	return false;
}

/* pop3_parse_command - split one line into keyword and arguments */
enum pop3_parse_result
pop3_parse_command(struct slice line, struct pop3_command *cmd)
{
	const struct pop3_cmd_def *def;
	size_t i = 0, max_len;

	memset(cmd, 0, sizeof(*cmd));
	if (line.len == 0)
		return POP3_PARSE_EMPTY;
	while (i < line.len && line.p[i] != ' ')
		i++;
	cmd->keyword = (struct slice){ line.p, i };
	if (i == 0 || pop3_parse_has_ctl(cmd->keyword))
		return cmd->keyword.len == 0 ? POP3_PARSE_UNKNOWN :
		       POP3_PARSE_BAD_CHAR;
	def = pop3_parse_lookup(cmd->keyword);
	if (def == NULL)
		return POP3_PARSE_UNKNOWN;
	cmd->def = def;
	if (pop3_parse_has_ctl((struct slice){ line.p + i, line.len - i }))
		return POP3_PARSE_BAD_CHAR;
	if (i < line.len) {
		i++;			/* the separating space */
		if (i == line.len)
			return POP3_PARSE_BAD_ARGS;	/* trailing space */
	} else if (def->min_args > 0) {
		return POP3_PARSE_BAD_ARGS;
	}
	if (def->flags & POP3_CMDF_REST) {
		/* PASS: everything after "PASS " is the argument */
		if (i >= line.len)
			return POP3_PARSE_BAD_ARGS;
		cmd->args[0] = (struct slice){ line.p + i, line.len - i };
		cmd->nargs = 1;
		return POP3_PARSE_OK;
	}
	while (i < line.len) {
		size_t start = i;

		/* AUTH's initial response is bounded by the line length
		 * only; login names may be full addresses */
		if (def->cmd == POP3_CMD_AUTH && cmd->nargs == 1)
			max_len = SIZE_MAX;
		else if (def->cmd == POP3_CMD_USER)
			max_len = AUTH_USERNAME_MAX;
		else
			max_len = POP3_MAX_ARG_LEN;
		while (i < line.len && line.p[i] != ' ')
			i++;
		if (i == start || cmd->nargs >= def->max_args ||
		    i - start > max_len)
			return POP3_PARSE_BAD_ARGS;
		cmd->args[cmd->nargs++] = (struct slice){ line.p + start,
							  i - start };
		if (i < line.len) {
			i++;
			if (i == line.len)
				return POP3_PARSE_BAD_ARGS; /* trailing SP */
		}
	}
	if (cmd->nargs < def->min_args)
		return POP3_PARSE_BAD_ARGS;
	return POP3_PARSE_OK;
}

/* pop3_parse_digits - decimal digits into *n_r, saturating at UINT64_MAX */
static bool
pop3_parse_digits(struct slice s, uint64_t *n_r)
{
	uint64_t n = 0;
	size_t i;

	if (s.len == 0)
		return false;
	for (i = 0; i < s.len; i++) {
		unsigned d;

		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		d = (unsigned)(s.p[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			n = UINT64_MAX;
		else
			n = n * 10 + d;
	}
	*n_r = n;
	return true;
}

/* pop3_parse_msgno - a message number in 1..max */
bool
pop3_parse_msgno(struct slice s, uint32_t max, uint32_t *n_r)
{
	uint64_t n;

	if (!pop3_parse_digits(s, &n) || n == 0 || n > max)
		return false;
	*n_r = (uint32_t)n;
	return true;
}

/* pop3_parse_lines - TOP's line count, saturating */
bool
pop3_parse_lines(struct slice s, uint64_t *n_r)
{
	return pop3_parse_digits(s, n_r);
}
